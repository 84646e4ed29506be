// Small enhancements; every page works without them.
(function () {
  "use strict";

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

  // A patient's share code arrives in the QR code's link after "#", which browsers never send to a
  // server or a proxy. It is taken out of the address at once (and out of the history), kept for this
  // tab only until the professional's code form is on screen, then put in that form.
  var PENDING = "carnet.share-code";
  var match = /^#c=([A-Za-z0-9-]{1,20})$/.exec(window.location.hash);
  if (match) {
    try { window.sessionStorage.setItem(PENDING, match[1]); } catch (e) {}
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  var pending = null;
  try { pending = window.sessionStorage.getItem(PENDING); } catch (e) {}
  if (pending) {
    var field = document.querySelector("input[data-share-code]");
    if (field) {
      if (!field.value) { field.value = pending; }
      try { window.sessionStorage.removeItem(PENDING); } catch (e) {}
    } else if (window.location.pathname === "/pro") {
      window.location.replace("/pro/code");  // logged in after scanning: back to the form the QR code opened
    }
  }

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").catch(function () {});
    });
  }
})();
