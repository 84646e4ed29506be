// A health link's page: copy the link, or hand it to the phone's own sharing (SMS, e-mail…), from buttons
// rather than the long read-only field alone (an outside probe: a patient of 78 had to long-press and find
// "Tout sélectionner"). Nothing is sent anywhere by this script: the link stays on the phone until she shares it.
(function () {
  "use strict";

  function _(message) { return window.carnetText ? window.carnetText(message) : message; }

  function field() { return document.getElementById("lien"); }

  function say(message) {
    var status = document.querySelector("[data-link-status]");
    if (status) status.textContent = message;
  }

  function copy() {
    var link = field();
    if (!link) return;
    if (!navigator.clipboard || !navigator.clipboard.writeText) {
      link.select();
      say(_("La copie n'est pas possible dans ce navigateur : le lien est sélectionné, copiez-le avec le menu de votre téléphone."));
      return;
    }
    navigator.clipboard.writeText(link.value).then(
      function () { say(_("Le lien est copié : collez-le dans un message.")); },
      function () {
        link.select();
        say(_("La copie n'a pas été permise : le lien est sélectionné, copiez-le avec le menu de votre téléphone."));
      }
    );
  }

  function share() {
    var link = field();
    if (!link || !navigator.share) return;
    navigator.share({ url: link.value }).catch(function () { /* closed without sharing: nothing to say */ });
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    if (event.target.closest("[data-copy-link]")) copy();
    else if (event.target.closest("[data-share-link]")) share();
  });

  function showButtons() {
    document.querySelectorAll("[data-link-actions]").forEach(function (box) { box.hidden = false; });
    // Only where the phone has a sharing sheet of its own (most phones; few computers).
    document.querySelectorAll("[data-share-link]").forEach(function (button) { button.hidden = !navigator.share; });
  }
  document.addEventListener("htmx:load", showButtons);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showButtons);
  else showButtons();
})();
