// "Rester connecté": the page's warning before a session ends (base.html's #session-warning), and a logout in one
// tab taking the others to the login page. Apart from carnet.js, which sends nothing anywhere: this one asks the
// server to keep the session, or which session this browser is in after a new login in another tab, and nothing
// else.
(function () {
  "use strict";

  function _(message) { return window.carnetText ? window.carnetText(message) : message; }

  // A session ends after a while without a request (sessions.py): before, the page says so and "Rester connecté"
  // keeps it, in one tap (WCAG 2.2.1), before what is being typed is lost. Every request of the session starts the
  // count again, whichever tab of this browser sent it (they share its cookie): each tab tells the others when one
  // of its requests was answered, so that none warns, or says the session has ended, while another keeps it. The
  // server moves a session's last request at most once a minute: it may count from up to a minute earlier than the
  // pages, so they warn three minutes before their count ends, which is two to three before the server's.
  // A session also ends, whatever is done, 12 hours after it was opened: only a new login passes that end, a
  // passkey's ceremony rather than a tap (the phone to unlock, a security key to find), so the page warns five
  // minutes before, with the time it ends. No sooner: the warning takes the focus from what is being written.
  var WARN_MS = 180000, CLOSING_WARN_MS = 300000, lastRequest = 0, timer = null, focusBefore = null, session = null;
  // Only when and of which session (its opening time: a tab of an earlier one, logged in again since, is not kept
  // by the new one's requests); a channel keeps nothing once its tabs are closed.
  var tabs = window.BroadcastChannel ? new BroadcastChannel("carnet-session") : null;
  function sessionWarning() { return document.getElementById("session-warning"); }

  // When the box's session ends whatever is done, by this page's clock: the seconds the server gave, counted from
  // when this page first read them (a moment after they were written), not the server's time of day, which the
  // device's clock may not agree with.
  function closesAt(box) {
    if (!box.dataset.closesAt) { box.dataset.closesAt = Date.now() + parseInt(box.dataset.closesIn, 10) * 1000; }
    return parseInt(box.dataset.closesAt, 10);
  }

  // Once the session has ended, the page shows nothing of the dossier: on a shared computer the next person at the
  // desk would read what was left open (an outside probe's find: the name, the INS, the allergies). Hidden, not
  // removed: another tab's late word may yet prove the session alive, and the page comes back as it was. Its title
  // too: a relative's dossier names them there.
  var title = null;
  function veil(ended) {
    var shown = document.querySelectorAll("#contenu, header.site .session-owner, header.site nav");
    if (ended === (title !== null)) { return; }
    shown.forEach(function (part) { part.hidden = ended; });
    if (ended) { title = document.title; document.title = _("Session fermée") + " · Carnet"; }
    else { document.title = title; title = null; }
  }

  // The warning as the counts stand now, until the next step of either.
  function update() {
    clearTimeout(timer);
    var box = sessionWarning();
    if (!box) { return; }
    var now = Date.now(), idle = parseInt(box.dataset.idleSeconds, 10) * 1000;
    if (!(idle > WARN_MS)) { return; }
    var idleLeft = lastRequest + idle - now, closingLeft = closesAt(box) - now;
    // Of the end near at hand: the fixed one once it is (the new login it asks starts the idle count again too),
    // else the idle one; once the session has ended, the one that ended it.
    var ended = idleLeft <= 0 || closingLeft <= 0;
    var fixed = ended ? closingLeft <= idleLeft : closingLeft <= CLOSING_WARN_MS;
    var left = fixed ? closingLeft : idleLeft;
    if (left > (fixed ? CLOSING_WARN_MS : WARN_MS)) {
      // Closed by itself (another tab's request) or by the box's button: the focus goes back to where it was (a
      // button disabled while its request runs may have dropped it meanwhile).
      var active = document.activeElement;
      var giveBack = !box.hidden && (box.contains(active) || active === document.body) && focusBefore && focusBefore.isConnected;
      box.hidden = true;  // first: while it is shown, the focus stays in it (below)
      veil(false);
      if (giveBack) { focusBefore.focus(); }
      timer = setTimeout(update, Math.min(idleLeft - WARN_MS, closingLeft - CLOSING_WARN_MS));
      return;
    }
    // Its texts, "ended" or not: another tab's late word may yet prove the session alive.
    var text = document.getElementById("session-warning-text");
    text.textContent = fixed ? (left > 0 ? text.dataset.closingText : text.dataset.closedText)
                             : (left > 0 ? text.dataset.warningText : text.dataset.endingText);
    var stay = box.querySelector("[data-session-stay]"), renew = box.querySelector('[data-passkey-action="renew"]');
    stay.textContent = left > 0 ? stay.dataset.warningText : stay.dataset.endingText;
    stay.toggleAttribute("data-ended", left <= 0);
    stay.hidden = fixed && left > 0;
    renew.hidden = !stay.hidden;
    box.setAttribute("aria-modal", String(!stay.hidden && left > 0));  // as it holds the keyboard (shownWarning)
    veil(left <= 0);
    var action = stay.hidden ? renew : stay;
    if (box.hidden) {
      box.hidden = false;
      focusBefore = document.activeElement;
      action.focus();
    } else if ((box.contains(document.activeElement) || left <= 0) && document.activeElement !== action) {
      action.focus();  // its button changed (the fixed end came near, or one has ended)
    }
    if (left > 0) { timer = setTimeout(update, Math.min(idleLeft, fixed ? closingLeft : closingLeft - CLOSING_WARN_MS)); }
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
    session = box.dataset.sessionOpened;  // which a logout names to the other tabs, when this box is gone
    counted(at);
    if (tabs) { tabs.postMessage({ session: box.dataset.sessionOpened, at: at }); }
  }

  // The page goes on in the session a new login opened (views/recent_login.py), as it is, what was typed in it
  // kept: its forms and scripts post with that session's CSRF token (the old one's is refused now: csrf.py), and
  // the warning counts to that session's end.
  function follow(session) {
    var box = sessionWarning();
    if (!box || !session || !session.csrfToken) { return false; }
    document.querySelectorAll("[data-csrf-token]").forEach(function (holder) {
      holder.dataset.csrfToken = session.csrfToken;
    });
    document.querySelectorAll('meta[name="csrf-token"]').forEach(function (meta) { meta.content = session.csrfToken; });
    document.querySelectorAll('input[name="_csrf_token"]').forEach(function (field) { field.value = session.csrfToken; });
    box.dataset.sessionOpened = session.opened;
    box.dataset.closesIn = session.closesIn;
    delete box.dataset.closesAt;
    var text = document.getElementById("session-warning-text");
    text.dataset.closingText = session.closing;
    text.dataset.closedText = session.closed;
    box.querySelector("[data-passkey-error]").hidden = true;
    return true;
  }
  // The new login of the box's button (passkeys.js), in this tab: the others are told that the session they are of
  // has given way to another, which each asks the server for (the token never goes between tabs).
  document.addEventListener("carnet:session-renewed", function (event) {
    var box = sessionWarning(), before = box && box.dataset.sessionOpened;
    if (!follow(event.detail)) { return; }
    if (tabs) { tabs.postMessage({ renewed: event.detail.opened, from: before }); }
    answered();
  });
  function followOtherTab(opened) {
    fetch("/reconnexion/session", { credentials: "same-origin", redirect: "manual", headers: { accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (session) {
        // The session the other tab opened, still this browser's: not one opened since, nor none (logged out).
        if (session && session.opened === opened && follow(session)) { answered(); }
      })
      .catch(function () { /* the page keeps its token from before, which a reload makes the new session's */ });
  }

  if (tabs) {
    tabs.onmessage = function (event) {
      var box = sessionWarning(), message = event.data || {};
      if (!box) { return; }
      if (message.loggedOut && message.loggedOut === box.dataset.sessionOpened) {
        window.location.replace("/connexion?deconnecte=1");
      } else if (message.renewed && message.from === box.dataset.sessionOpened) {
        followOtherTab(message.renewed);
      } else if (message.session === box.dataset.sessionOpened) {
        counted(message.at);
      }
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
  // While "Rester connecté" can keep the session, the warning holds the keyboard as a modal dialog does (aria-modal,
  // base.html): Tab goes round its buttons, the focus brought from elsewhere comes back to it, and Escape is its safe
  // answer. Once only a new login passes the end, it holds nothing: the page stays as it is, its fields reachable;
  // once the session has ended, the page is hidden (veil), the box's button all there is.
  function shownWarning() {
    var box = sessionWarning(), stay = box && box.querySelector("[data-session-stay]");
    return box && !box.hidden && stay && !stay.hidden && !stay.hasAttribute("data-ended") ? box : null;
  }
  function buttonsOf(box) {
    return Array.prototype.filter.call(box.querySelectorAll("button"), function (button) { return !button.hidden; });
  }
  document.addEventListener("keydown", function (event) {
    var box = shownWarning();
    if (!box) { return; }
    if (event.key === "Escape") {
      event.preventDefault();
      box.querySelector("[data-session-stay]").click();
      return;
    }
    var buttons = buttonsOf(box);
    if (event.key !== "Tab" || !buttons.length) { return; }
    event.preventDefault();
    var at = buttons.indexOf(document.activeElement);
    buttons[at < 0 ? 0 : (at + (event.shiftKey ? buttons.length - 1 : 1)) % buttons.length].focus();
  });
  document.addEventListener("focusin", function (event) {
    var box = shownWarning(), buttons = box ? buttonsOf(box) : [];
    if (buttons.length && !box.contains(event.target)) { buttons[0].focus(); }
  });

  // Not a request that never reached the server, nor one sent to the login (errors.to_login: the session has ended).
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status && !xhr.getResponseHeader("HX-Redirect")) { answered(); }
    // Logged out here ("Se déconnecter", or this device's passkey removed: both lead to this page, the session
    // ended): the other tabs of that session leave the patient's data for the login page, in place of theirs
    // (location.replace: Back does not bring it back), without waiting for a click on a shared computer. Told once
    // the server has ended it: sooner, their login page could still find the session open, and lead back in.
    var path = event.detail.pathInfo && event.detail.pathInfo.responsePath;
    if (tabs && session && xhr && xhr.status === 200 && /^\/connexion\?(.*&)?deconnecte=1(&|$)/.test(path || "")) {
      tabs.postMessage({ loggedOut: session });
      session = null;
    }
  });
  answered();  // this page, just served in the session
})();
