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
    return table[message] || message;
  };

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

  // Forms that change something important ask first (deleting a passkey, new recovery codes).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
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

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").catch(function () {});
    });
  }
})();
