// "Rester connecté": the page's warning before an idle session ends (base.html's #session-warning). Apart from
// carnet.js, which sends nothing anywhere: this one asks the server to keep the session, and nothing else.
(function () {
  "use strict";

  function _(message) { return window.carnetText ? window.carnetText(message) : message; }

  // A session ends after a while without a request (sessions.py): before, the page says so and "Rester connecté"
  // keeps it, in one tap (WCAG 2.2.1), before what is being typed is lost. Every request of this page (a page
  // loaded, htmx's) starts the count again; another tab's do not, and tapping costs nothing then. The server moves
  // a session's last request at most once a minute: it may count from up to a minute earlier than this page, so
  // the page warns three minutes before its own count ends, which is two to three before the server's.
  var WARN_MS = 180000, warnTimer = null, endTimer = null;
  function sessionWarning() { return document.getElementById("session-warning"); }
  function armSessionWarning() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    var box = sessionWarning();
    if (!box) { return; }
    box.hidden = true;
    var idle = parseInt(box.dataset.idleSeconds, 10) * 1000;
    if (!(idle > WARN_MS)) { return; }
    warnTimer = setTimeout(function () {
      box.hidden = false;
      box.querySelector("[data-session-stay]").focus();
      endTimer = setTimeout(function () {
        var text = box.querySelector("p"), button = box.querySelector("[data-session-stay]");
        text.textContent = text.dataset.endingText;
        button.textContent = button.dataset.endingLabel;
        button.dataset.ended = "1";
      }, WARN_MS);
    }, idle - WARN_MS);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-session-stay]");
    if (!button) { return; }
    if (button.dataset.ended) { window.location.reload(); return; }  // to the login, and back here
    var holder = document.querySelector("[data-csrf-token]");
    fetch("/session/prolonger", {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: { "x-csrftoken": holder ? holder.dataset.csrfToken : "" },
    }).then(function (response) {
      if (response.status === 204) { armSessionWarning(); } else { window.location.reload(); }
    }, function () {
      var lost = document.querySelector("[data-connection-lost]");
      if (lost) { lost.hidden = false; lost.textContent = _("Pas de connexion : vérifiez votre réseau puis réessayez."); }
    });
  });
  document.addEventListener("htmx:afterRequest", armSessionWarning);
  armSessionWarning();
})();
