// The recovery codes page: copy the codes, or save them as a text file, from the list itself.
// Nothing is fetched: the server keeps only hashes, and the codes must never travel in a URL.
(function () {
  "use strict";

  function _(message) { return window.carnetText ? window.carnetText(message) : message; }

  var FILE_NAME = _("carnet-codes-de-secours.txt");

  function codes() {
    return Array.prototype.map.call(document.querySelectorAll(".recovery-codes code"), function (code) {
      return code.textContent.trim();
    });
  }

  function say(message) {
    var status = document.querySelector("[data-codes-status]");
    if (status) status.textContent = message;
  }

  function fileText() {
    return _("Carnet : codes de secours") + "\n"
      + _("Chaque code permet une fois de créer une nouvelle clé d'accès. Gardez ce fichier hors de votre téléphone.")
      + "\n\n" + codes().join("\n") + "\n";
  }

  function copy() {
    var text = codes().join("\n");
    if (!navigator.clipboard || !navigator.clipboard.writeText) {
      say(_("La copie n'est pas possible dans ce navigateur : sélectionnez les codes et copiez-les, ou téléchargez-les."));
      return;
    }
    navigator.clipboard.writeText(text).then(
      function () { say(_("Les codes sont copiés. Collez-les dans un endroit sûr, hors de votre téléphone.")); },
      function () { say(_("La copie n'a pas été permise : sélectionnez les codes et copiez-les, ou téléchargez-les.")); }
    );
  }

  function download() {
    window.carnetSaveFile(FILE_NAME, fileText(), "text/plain;charset=utf-8");
    say(_("Le fichier «\u00a0%(name)s\u00a0» est enregistré dans vos téléchargements.").replace("%(name)s", FILE_NAME));
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    if (event.target.closest("[data-copy-codes]")) copy();
    else if (event.target.closest("[data-download-codes]")) download();
  });

  function showActions() {
    document.querySelectorAll("[data-recovery-actions]").forEach(function (box) { box.hidden = false; });
  }
  document.addEventListener("htmx:load", showActions);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showActions);
  else showActions();
})();
