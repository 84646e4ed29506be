// "Rester connecté": the page's warning before an idle session ends (base.html's #session-warning). Apart from
// carnet.js, which sends nothing anywhere: this one asks the server to keep the session, and nothing else.
(function () {
  "use strict";

  function _(message) { return window.carnetText ? window.carnetText(message) : message; }

  // A session ends after a while without a request (sessions.py): before, the page says so and "Rester connecté"
  // keeps it, in one tap (WCAG 2.2.1), before what is being typed is lost. Every request of the session starts the
  // count again, whichever tab of this browser sent it (they share its cookie): each tab tells the others when one
  // of its requests was answered, so that none warns, or says the session has ended, while another keeps it. The
  // server moves a session's last request at most once a minute: it may count from up to a minute earlier than the
  // pages, so they warn three minutes before their count ends, which is two to three before the server's.
  var WARN_MS = 180000, lastRequest = 0, timer = null, focusBefore = null;
  // Only when and of which session (its opening time: a tab of an earlier one, logged in again since, is not kept
  // by the new one's requests); a channel keeps nothing once its tabs are closed.
  var tabs = window.BroadcastChannel ? new BroadcastChannel("carnet-session") : null;
  function sessionWarning() { return document.getElementById("session-warning"); }

  // The warning as the count stands now, until its next step.
  function update() {
    clearTimeout(timer);
    var box = sessionWarning();
    if (!box) { return; }
    var idle = parseInt(box.dataset.idleSeconds, 10) * 1000, left = lastRequest + idle - Date.now();
    if (!(idle > WARN_MS)) { return; }
    if (left > WARN_MS) {
      // Closed by itself (another tab's request) or by "Rester connecté": the focus goes back to where it was.
      if (box.contains(document.activeElement) && focusBefore && focusBefore.isConnected) { focusBefore.focus(); }
      box.hidden = true;
      timer = setTimeout(update, left - WARN_MS);
      return;
    }
    // Its two texts, "ended" or not: another tab's late word may yet prove the session alive.
    box.querySelectorAll("[data-ending-text]").forEach(function (part) {
      part.textContent = left > 0 ? part.dataset.warningText : part.dataset.endingText;
    });
    box.querySelector("[data-session-stay]").toggleAttribute("data-ended", left <= 0);
    if (box.hidden) {
      box.hidden = false;
      focusBefore = document.activeElement;
      box.querySelector("[data-session-stay]").focus();
    }
    if (left > 0) { timer = setTimeout(update, left); }
  }
  function counted(at) {
    lastRequest = Math.max(lastRequest, at);
    update();
  }
  // This page's request was answered, in its session: the count starts again here and in the other tabs.
  function answered() {
    var box = sessionWarning();
    if (!box) { return; }
    var at = Date.now();
    counted(at);
    if (tabs) { tabs.postMessage({ session: box.dataset.sessionOpened, at: at }); }
  }
  if (tabs) {
    tabs.onmessage = function (event) {
      var box = sessionWarning();
      if (box && event.data && event.data.session === box.dataset.sessionOpened) { counted(event.data.at); }
    };
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-session-stay]");
    if (!button) { return; }
    if (button.hasAttribute("data-ended")) { window.location.reload(); return; }  // to the login, and back here
    var holder = document.querySelector("[data-csrf-token]");
    fetch("/session/prolonger", {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: { "x-csrftoken": holder ? holder.dataset.csrfToken : "" },
    }).then(function (response) {
      if (response.status === 204) { answered(); } else { window.location.reload(); }
    }, function () {
      var lost = document.querySelector("[data-connection-lost]");
      if (lost) { lost.hidden = false; lost.textContent = _("Pas de connexion : vérifiez votre réseau puis réessayez."); }
    });
  });
  // Not a request that never reached the server, nor one sent to the login (errors.to_login: the session has ended).
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status && !xhr.getResponseHeader("HX-Redirect")) { answered(); }
  });
  answered();  // this page, just served in the session
})();
