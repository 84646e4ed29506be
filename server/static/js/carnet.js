// Small enhancements; every page works without them.
(function () {
  "use strict";

  // The scripts' sentences in the page's language: French is the text itself; other languages
  // come from the catalogue's table the server puts in a <meta> of <head> (server.i18n.script_messages).
  var table = null;
  window.carnetText = function (message) {
    if (table === null) {
      var holder = document.querySelector('meta[name="carnet-textes"]');
      try { table = holder ? JSON.parse(holder.content) : {}; } catch (error) { table = {}; }
    }
    if (table[message]) { return table[message]; }
    return /^fr\b/.test(document.documentElement.lang) ? frenchTypography(message) : message;
  };
  // As server/i18n/formats.py's typography_fr.
  function frenchTypography(text) {
    return text.replace(/«[ \u00a0\u202f]*/g, "«\u00a0").replace(/[ \u00a0\u202f]*»/g, "\u00a0»")
      .replace(/(\S)[ \u00a0\u202f]+(?=[;!?:](?:\s|$|[»)]))/g, "$1\u202f");
  }

  // A file made on this device (recovery codes, a failed check's evidence) saved to its downloads:
  // nothing goes back to the server.
  window.carnetSaveFile = function (name, text, type) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  };

  // Every htmx request carries the CSRF token of the session the page was rendered in. It is read
  // at each request from <main>, which a boosted navigation replaces: after a login or an
  // activation (a new session), the next request already has the new session's token.
  document.addEventListener("htmx:configRequest", function (event) {
    var holder = document.querySelector("[data-csrf-token]");
    if (holder) { event.detail.headers["x-csrftoken"] = holder.dataset.csrfToken; }
  });

  function _(message) { return window.carnetText(message); }

  // A refused form (templates/partials/form_error.html): the focus goes to its first wrong field, which reads the
  // message as its description, or to the message itself when it names no field; on a page load as after a swap.
  function focusFormError(root) {
    var message = root.querySelector && root.querySelector("[data-form-error]");
    if (!message) { return false; }
    // Described by the message, or by its sentence about that field where it says several ("form-error-2").
    var id = CSS.escape(message.id);
    var field = root.querySelector('[aria-invalid="true"][aria-describedby~="' + id + '"], [aria-invalid="true"][aria-describedby^="' + id + '-"]');
    var target = field || message;
    target.focus();
    // Brought on screen whatever had the focus: the field the server marked `autofocus` (for pages without
    // JavaScript) may hold it already, and focusing it again scrolls nowhere, which left a refused form far down a
    // phone's page off screen, as if its button had done nothing (an outside probe's find).
    target.scrollIntoView({ block: "center" });
    return true;
  }

  // What an action did ("?fait=…", data-done): the page it leads to says so, sometimes far down (the Accès page's
  // notifications). The message takes the focus, which brings it on screen and has it read.
  function focusDone(root) {
    var done = root.querySelector && root.querySelector("[data-done]");
    if (!done) { return false; }
    if (!done.hasAttribute("tabindex")) { done.setAttribute("tabindex", "-1"); }
    done.focus();
    return true;
  }
  if (!focusFormError(document)) { focusDone(document); }

  // Said once: "?fait=…" leaves the address as soon as the page has said it, so that reloading it or coming back to
  // it later does not say it again (the page's history entry keeps its place).
  function forgetDone() {
    var url = new URL(window.location.href);
    if (!url.searchParams.has("fait")) { return; }
    url.searchParams.delete("fait");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }
  forgetDone();

  // A search or a filter replaces its list, which is no live region (a screen reader would read each line, or
  // nothing at all): a status outside it, data-results-status="<the list's id>", says the list's data-results-count.
  // Emptied first, so that the same count twice is said twice.
  function announceResults(list) {
    var status = list.id && document.querySelector('[data-results-status="' + list.id + '"]');
    if (!status || !list.hasAttribute("data-results-count")) { return; }
    status.textContent = "";
    setTimeout(function () { status.textContent = list.getAttribute("data-results-count"); }, 100);
  }

  // A boosted page is a new page, and the focus is left where the browser leaves it after a page load (the next Tab
  // reaches "Aller au contenu"); what a page load also does, announce the page, is done here: its title, said by
  // the live region kept across boosted swaps (base.html). Emptied once said (a screen reader has it by then), so
  // that reading the page through does not meet it again as a stray line.
  var announced = null;
  function announcePage() {
    var announcer = document.getElementById("page-announcer");
    if (!announcer) { return; }
    announcer.textContent = "";
    clearTimeout(announced);
    announced = setTimeout(function () {
      announcer.textContent = document.title;
      announced = setTimeout(function () { announcer.textContent = ""; }, 5000);
    }, 100);
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target, boosted = event.detail.boosted;
    // A session's page in one loaded without its scripts (base.html: logged in from another tab): loaded whole.
    if (boosted && document.getElementById("session-warning") && !document.querySelector('script[src*="/session."]')) {
      window.location.reload();
      return;
    }
    announceResults(root);
    // After htmx's own scrolling (a boosted page goes back to its top), so that the field is scrolled into view.
    setTimeout(function () {
      if (!root.isConnected || focusFormError(root)) { return; }
      if (boosted && !focusDone(root)) { announcePage(); }
      if (boosted) { forgetDone(); }
    }, 0);
  });

  // A swap that takes away the focused element ("Vu" on a banner, "Charger plus") would drop the focus on <body>,
  // where a keyboard or screen reader user has lost their place: it goes to the first link or button of what came
  // instead (the documents just loaded), or to what it marks data-swap-focus if that comes first (an event of the
  // Historique, whose text is no link: its "Preuve" said nothing of it), else to the page's heading. A boosted page
  // is a new page: the browser's way.
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, summary,"
    + " [data-swap-focus]";
  function firstFocusable(from, until) {
    for (var node = from; node && node !== until; node = node.nextSibling) {
      if (node.nodeType !== 1) { continue; }
      var found = node.matches(FOCUSABLE) ? node : node.querySelector(FOCUSABLE);
      if (found) { return found; }
    }
    return null;
  }
  function focusHeading() {
    var heading = document.querySelector("main h1") || document.querySelector("main");
    if (!heading) { return; }
    if (!heading.hasAttribute("tabindex")) { heading.setAttribute("tabindex", "-1"); }
    heading.focus();
  }
  // "Charger plus" loads as it comes into view, which Tab does too: a second Tab before its page came left the focus
  // further down (the footer), and the page came in above it, unseen (an accessibility probe). A focus that left it
  // while its page was on its way is brought back to the first of what came, as if it had stayed.
  var leftLoading = null;
  document.addEventListener("focusout", function (event) {
    var from = event.target;
    if (from && from.classList && from.classList.contains("more") && from.classList.contains("htmx-request")) {
      leftLoading = from;
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail, target = detail.target, focused = document.activeElement;
    var left = leftLoading === target && focused && focused !== document.body
      && (target.compareDocumentPosition(focused) & Node.DOCUMENT_POSITION_FOLLOWING);
    if (leftLoading === target) { leftLoading = null; }
    if (left && !detail.boosted && detail.shouldSwap) { focused = target; }  // as if it had stayed on it
    else if (detail.boosted || !detail.shouldSwap || !target || !focused || focused === document.body || !target.contains(focused)
        || /data-form-error/.test(detail.serverResponse || "")) { return; }  // an error: focusFormError's
    var parent = target.parentNode, before = target.previousSibling, after = target.nextSibling;
    setTimeout(function () {  // htmx swaps right after this event
      var now = document.activeElement;
      if (!left && now && now !== document.body && now.isConnected) { return; }
      var next = target.isConnected ? firstFocusable(target.firstChild, null)
        : firstFocusable(before && before.parentNode === parent ? before.nextSibling : parent && parent.firstChild, after);
      if (next && next.hasAttribute("data-swap-focus") && !next.hasAttribute("tabindex")) { next.setAttribute("tabindex", "-1"); }
      if (next) { next.focus(); } else { focusHeading(); }
    }, 0);
  });

  // A filter's list (a <select> of a search form) follows each choice at once. A keyboard goes through the options
  // one by one, and each arrow key on a closed list is a "change": a request, a count said and an address in the
  // history for each, five of each for five presses. A change made by such a key is held until the choice settles:
  // the focus leaves the list, or Enter is pressed on it. A mouse's choice, or a phone's picker's, is sent at once.
  var stepped = null, held = null;
  function filterList(element) {
    return element && element.tagName === "SELECT" && element.closest('form[role="search"]') ? element : null;
  }
  function settle(select) {
    if (!select || held !== select) { return; }
    held = null;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.addEventListener("keydown", function (event) {
    var select = filterList(event.target);
    if (!select) { return; }
    if (event.key === "Enter") { settle(select); return; }
    if (event.altKey || event.ctrlKey || event.metaKey || !/^(Arrow\w+|Home|End|Page\w+|\S)$/.test(event.key)) { return; }
    stepped = select;  // the change it makes, if any, comes before this task ends
    setTimeout(function () { stepped = null; }, 0);
  }, true);
  document.addEventListener("change", function (event) {
    if (!stepped || event.target !== stepped) {
      if (event.target === held) { held = null; }  // a mouse's choice after the keys': sent now, and once
      return;
    }
    held = stepped;
    event.stopImmediatePropagation();  // before htmx's listeners, on the list or its form
  }, true);
  document.addEventListener("focusout", function (event) { settle(filterList(event.target)); });

  // Pressed with no network, or answered too late: htmx gets no answer (the service worker answers only whole pages,
  // with its offline page), and the link or button would seem dead. Said over the page: no network, until an answer
  // comes or the network is back; no answer in time, until the next page, since only a look tells what was done.
  // "Réessayez" is safe for a form even if the first send did arrive: nothing here re-renders it, so it sends the
  // same submission id again (templating.FormInput), and the server runs a submission once (submissions.py).
  function connectionBox() { return document.querySelector("[data-connection-lost]"); }
  function sayOverPage(reason, message) {
    var box = connectionBox();
    if (!box) { return; }
    box.textContent = "";
    box.dataset.reason = reason;
    box.hidden = false;
    setTimeout(function () { box.textContent = message; }, 50);
  }
  function sayOffline() { sayOverPage("offline", _("Pas de connexion : vérifiez votre réseau puis réessayez.")); }
  function connectionBack(reasons) {
    var box = connectionBox();
    if (box && !box.hidden && reasons.indexOf(box.dataset.reason) >= 0) { box.hidden = true; box.textContent = ""; }
  }
  document.addEventListener("htmx:sendError", sayOffline);
  window.addEventListener("online", function () { connectionBack(["offline"]); });
  document.addEventListener("htmx:afterOnLoad", function (event) {
    connectionBack(event.detail.boosted ? ["offline", "late"] : ["offline"]);
  });

  // A request has a time limit (htmx's, in base.html's htmx-config) for its answer to begin: a long page on a slow
  // network keeps coming once it has, and a file on its way keeps it from running out. Past it, what was sent may
  // or may not have been done.
  function answerInTime(xhr) {
    var limit = xhr.timeout, started = Date.now();
    if (!limit) { return; }
    xhr.upload.addEventListener("progress", function () { xhr.timeout = Date.now() - started + limit; });
    xhr.addEventListener("readystatechange", function () {
      if (xhr.readyState === XMLHttpRequest.HEADERS_RECEIVED) { xhr.timeout = 0; }
    });
  }
  document.addEventListener("htmx:timeout", function (event) {
    sayOverPage("late", event.detail.requestConfig.verb === "get"
      ? _("Le serveur n'a pas répondu à temps : réessayez dans un moment.")
      : _("Le serveur n'a pas répondu à temps : ce que vous avez envoyé a peut-être été enregistré, ou non. Rechargez la page pour le vérifier avant de réessayer."));
  });

  // While a request is under way: the button pressed says so (and a second press sends nothing twice), and a new
  // page, after a moment without one, shows a thin bar at the top. A new page asked for ends the requests still
  // under way, as a browser's own navigation would: what comes on screen, and the address, are of the last one
  // asked for (htmx would otherwise swap each in turn, and push only the addresses of those whose link is still on
  // the page). Each request is followed by its XMLHttpRequest, whose end comes even when its element is gone.
  var underWay = [], progressTimer = null;
  function pressedButton(detail) {
    var elt = detail.elt, trigger = detail.requestConfig.triggeringEvent;
    if (elt.tagName === "BUTTON") { return elt; }
    if (elt.tagName !== "FORM" || !trigger || trigger.type !== "submit") { return null; }
    return trigger.submitter || elt.querySelector('button:not([type]), button[type="submit"]');
  }
  function showProgress() {
    var pages = underWay.some(function (request) { return request.boosted; });
    clearTimeout(progressTimer);
    if (!pages) { document.documentElement.classList.remove("page-loading"); return; }
    progressTimer = setTimeout(function () { document.documentElement.classList.add("page-loading"); }, 300);
  }
  document.addEventListener("htmx:beforeSend", function (event) {  // last before it goes: nothing can cancel it now
    var detail = event.detail, request = { xhr: detail.xhr, boosted: detail.boosted, button: pressedButton(detail) };
    if (detail.boosted) { underWay.slice().forEach(function (other) { other.xhr.abort(); }); }
    if (request.button) {
      request.button.setAttribute("aria-disabled", "true");
      request.button.setAttribute("aria-busy", "true");
    }
    underWay.push(request);
    answerInTime(detail.xhr);
    if (detail.boosted) { showProgress(); }
    detail.xhr.addEventListener("loadend", function () {
      underWay.splice(underWay.indexOf(request), 1);
      if (request.button) {
        request.button.removeAttribute("aria-disabled");
        request.button.removeAttribute("aria-busy");
      }
      if (request.boosted) { showProgress(); }
    });
  });
  function busy(element) { return element && element.getAttribute && element.getAttribute("aria-busy") === "true"; }
  document.addEventListener("click", function (event) {
    if (busy(event.target.closest && event.target.closest("button"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("submit", function (event) {  // requestSubmit(), or Enter: the default button's
    if (busy(event.submitter)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A whole-page form or link (hx-boost="false": the language, a download) pressed with no network would bring the
  // browser's own error page, in its words, and leave Carnet's: said as for the others (if the phone believes it has
  // a network it has not, the service worker answers with its offline page).
  function offlineWholePage(event) {
    if (event.defaultPrevented || navigator.onLine !== false) { return; }  // htmx's own, or a script's, or online
    event.preventDefault();
    sayOffline();
  }
  document.addEventListener("submit", offlineWholePage);
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || link.origin !== window.location.origin || event.button !== 0 || event.metaKey || event.ctrlKey
        || event.shiftKey || event.altKey || (link.target && link.target !== "_self")
        || (link.hash && link.pathname === window.location.pathname && link.search === window.location.search)) { return; }
    offlineWholePage(event);
  });

  // A list asked for with no network (a search, a filter, "Charger plus") would stay as it was, under a search field
  // that says otherwise: it is asked again when the network is back. Only what changes nothing: a GET, or a search.
  var unanswered = [];
  function forget(elt) {
    unanswered = unanswered.filter(function (request) { return request.elt !== elt; });
  }
  document.addEventListener("htmx:sendError", function (event) {
    var detail = event.detail, config = detail.requestConfig;
    if (detail.boosted || (config.verb !== "get" && !detail.elt.closest('[role="search"]'))) { return; }
    forget(detail.elt);
    unanswered.push({ elt: detail.elt, verb: config.verb, path: config.path });
  });
  document.addEventListener("htmx:afterOnLoad", function (event) { forget(event.detail.elt); });
  window.addEventListener("online", function () {
    var again = unanswered;
    unanswered = [];
    again.forEach(function (request) {
      if (!request.elt.isConnected) { return; }
      window.htmx.ajax(request.verb, request.path, { source: request.elt }).catch(function () {});  // sendError's
    });
  });

  // A page brought back from the back/forward cache (Safari keeps no-store pages there) is asked of the server
  // again: after a logout, Back on a phone left unlocked gets the login page, never the dossier it showed.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });

  // Forms that change something important ask first (deleting a passkey, new recovery codes).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A file past a document's limit (the input's data-max-bytes: dossiers.MAX_DOCUMENT_BYTES) is refused as it is
  // chosen, not sent: the server refuses such a body before reading the form, on a page of its own (a 413), and the
  // title, category and date typed were gone with the minutes of upload. Said under the field, which is emptied.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) { return; }
    var limit = Number(input.dataset.maxBytes);
    var heavy = Array.prototype.some.call(input.files || [], function (file) { return file.size > limit; });
    var said = input.form && input.form.querySelector("[data-file-refused]");
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && (!said || id !== said.id);
    });
    if (heavy) {
      input.value = "";
      input.setAttribute("aria-invalid", "true");
      if (said) { said.textContent = _("Le fichier dépasse 20 Mo : choisissez-en un plus léger."); described.unshift(said.id); }
    } else {
      input.removeAttribute("aria-invalid");
    }
    if (said) { said.hidden = !heavy; }
    if (described.length) { input.setAttribute("aria-describedby", described.join(" ")); }
  });
  // Nor is its form sent while that stands (its emptied field was refused as if no file was chosen): the focus goes
  // back to the field, which the refusal describes.
  document.addEventListener("submit", function (event) {
    var refused = event.target.querySelector && event.target.querySelector("[data-file-refused]:not([hidden])");
    if (refused) {
      event.preventDefault();
      event.stopImmediatePropagation();
      event.target.querySelector("input[data-max-bytes]").focus();
    }
  }, true);

  // A code arrives in a QR code's link after "#" (a patient's share code "#c=", a relative's invitation
  // "#i="), which browsers never send to a server or a proxy. It is taken out of the address at once
  // (and so out of the history), kept for this tab only until its form is on screen, then put in it.
  var PENDING = {
    c: { key: "carnet.share-code", field: "input[data-share-code]", form: "/pro/code", from: ["/pro"] },
    i: { key: "carnet.invitation", field: "input[data-invitation-code]", form: "/invitation", from: null },
  };
  var match = /^#([ci])=([A-Za-z0-9-]{1,20})$/.exec(window.location.hash);
  if (match) {
    try { window.sessionStorage.setItem(PENDING[match[1]].key, match[2]); } catch (e) {}
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  // "Me connecter" on an invitation shown to someone logged out: the code is kept for this tab again, so that the
  // login brings them back to it (it was taken out of the storage when the form was filled).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-keep-invitation]");
    var code = link && document.querySelector('form[action="/invitation/compte"] input[name="code"]');
    if (code && code.value) {
      try { window.sessionStorage.setItem(PENDING.i.key, code.value); } catch (e) {}
    }
  });
  Object.keys(PENDING).forEach(function (kind) {
    var pending = PENDING[kind], code = null;
    try { code = window.sessionStorage.getItem(pending.key); } catch (e) {}
    if (!code) { return; }
    var field = document.querySelector(pending.field);
    if (field) {
      if (!field.value) { field.value = code; }
      try { window.sessionStorage.removeItem(pending.key); } catch (e) {}
    } else if (document.querySelector('[data-csrf-token]') && document.querySelector("header.site nav")
               && (pending.from === null || pending.from.indexOf(window.location.pathname) >= 0)) {
      window.location.replace(pending.form);  // logged in after scanning: back to the form the QR code opened
    }
  });

  // The menu's "Plus" (a <details> over the content on a phone) closes as a menu does: Escape closes it and gives
  // the focus back to "Plus"; so does Tab past its last item, or a tap anywhere else. Without JavaScript, "Plus" closes it.
  function openMenus() {
    return document.querySelectorAll("details.menu-more[open]");
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    openMenus().forEach(function (menu) {
      var summary = menu.querySelector("summary");
      var hadFocus = menu.contains(document.activeElement) || document.activeElement === document.body;
      menu.open = false;
      if (hadFocus && summary.getClientRects().length) { summary.focus(); }
    });
  });
  document.addEventListener("focusout", function (event) {
    var menu = event.target.closest && event.target.closest("details.menu-more[open]");
    if (menu && event.relatedTarget && !menu.contains(event.relatedTarget)) { menu.open = false; }
  });
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });

  // A document's page shown full screen is a view one closes, not a page one goes on to (document_page.html).
  // Opened from the document, its pages replace one another in the history (hx-replace-url), and "Fermer" goes
  // back to the document's own entry, at the page last shown: Back from the document then leaves it, as it would
  // have without the view. Opened any other way, "Fermer" is the link it is. Only the document's opaque path and a
  // page number are kept, for this tab.
  var VIEWER = "carnet.viewer";
  function viewer(value) {
    try {
      if (value === undefined) { return JSON.parse(window.sessionStorage.getItem(VIEWER) || "null"); }
      if (value === null) { window.sessionStorage.removeItem(VIEWER); } else { window.sessionStorage.setItem(VIEWER, JSON.stringify(value)); }
    } catch (e) {}
    return null;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-viewer-open], a[data-viewer-close]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
    if (link.hasAttribute("data-viewer-open")) { viewer({ from: window.location.pathname }); return; }
    var opened = viewer(), target = new URL(link.href);
    if (!opened || opened.from !== target.pathname) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();  // before htmx's boost, which would go forward to it
    viewer({ from: opened.from, at: target.hash });
    window.history.back();
  }, true);
  function settleViewer() {
    if (document.querySelector("a[data-viewer-close]")) { return; }
    var closed = viewer();
    viewer(null);
    if (!closed || !closed.at || closed.from !== window.location.pathname) { return; }
    var shown = document.getElementById(closed.at.slice(1));
    if (!shown) { return; }
    window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search + closed.at);
    // The document is reloaded by Back (htmx keeps no copy of a page): the browser would put it back where it was
    // when the view opened, after this script; the page last shown is where it is closed to.
    if ("scrollRestoration" in window.history) { window.history.scrollRestoration = "manual"; }
    shown.scrollIntoView();
    window.addEventListener("load", function () { shown.scrollIntoView(); }, { once: true });
  }
  settleViewer();
  document.addEventListener("htmx:historyRestore", settleViewer);

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").catch(function () {});
    });
  }
})();
