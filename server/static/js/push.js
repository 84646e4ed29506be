// Web Push on this device: the "Recevoir des notifications" buttons of the Accès page.
// The buttons stay hidden until this script knows the browser can use them; without it,
// notifications still appear at the top of the dossier. Loaded on every page of a session
// (base.html), since htmx does not run the scripts of the pages it swaps in.
(function () {
  "use strict";

  function _(message) { return window.carnetText ? window.carnetText(message) : message; }

  var TEXT = {
    unsupported: _("Ce navigateur ne peut pas recevoir de notifications. Sur iPhone ou iPad, ajoutez d'abord Carnet à l'écran d'accueil."),
    denied: _("Les notifications sont refusées pour Carnet dans les réglages de ce navigateur."),
    busy: _("Activation…"),
    failed: _("L'activation n'a pas abouti : le service de notifications de ce navigateur ne répond pas. Réessayez plus tard."),
    off: _("Cet appareil ne recevra plus de notifications."),
    on: _("Les notifications sont activées sur cet appareil."),
  };

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function csrf() {
    // The token of the session this page was rendered in: in <main>, which a boosted navigation
    // replaces (the <head>'s meta stays as the first page had it).
    var holder = document.querySelector("[data-csrf-token]") || document.querySelector('meta[name="csrf-token"]');
    return holder ? (holder.dataset.csrfToken || holder.content || "") : "";
  }

  function keyBytes(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "x-csrftoken": csrf() },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || TEXT.failed);
        return data;
      });
    });
  }

  // The service worker carnet.js registers; a browser that never gets one fails instead of waiting forever.
  function registration() {
    return Promise.race([
      navigator.serviceWorker.ready,
      new Promise(function (resolve, reject) { setTimeout(function () { reject(new Error(TEXT.failed)); }, 10000); }),
    ]);
  }

  function show(box, state, message) {
    var status = box.querySelector("[data-push-status]");
    status.textContent = message || "";
    status.hidden = !message;
    box.querySelector("[data-push-subscribe]").hidden = state !== "off";
    box.querySelector("[data-push-unsubscribe]").hidden = state !== "on";
  }

  function explain(error) {
    if (error && error.name === "NotAllowedError") return TEXT.denied;
    if (error && error.name === "Error" && error.message) return error.message; // the server's, in the page's language
    return TEXT.failed;
  }

  function subscribe(box) {
    show(box, "busy", TEXT.busy);
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") throw new DOMException(TEXT.denied, "NotAllowedError");
        return Promise.all([
          fetch("/notifications/cle-publique", { credentials: "same-origin" }).then(function (r) { return r.json(); }),
          registration(),
        ]);
      })
      .then(function (found) {
        return found[1].pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(found[0].key) });
      })
      .then(function (subscription) { return post("/notifications/abonnement", subscription.toJSON()); })
      .then(function (data) { show(box, "on", data.message || TEXT.on); })
      .catch(function (error) { show(box, Notification.permission === "denied" ? "none" : "off", explain(error)); });
  }

  function unsubscribe(box) {
    show(box, "busy", "");
    registration()
      .then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (subscription) {
        if (!subscription) return null;
        return post("/notifications/desabonnement", { endpoint: subscription.endpoint })
          .then(function () { return subscription.unsubscribe(); });
      })
      .then(function () { show(box, "off", TEXT.off); })
      .catch(function (error) { show(box, "on", explain(error)); });
  }

  // "Déconnecter les autres appareils" keeps this device's notifications only: it names its subscription.
  function nameThisDevice() {
    var fields = document.querySelectorAll("[data-push-endpoint]:not([data-push-ready])");
    if (!fields.length || !supported()) return;
    fields.forEach(function (field) { field.setAttribute("data-push-ready", ""); });
    registration()
      .then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (subscription) {
        if (subscription) fields.forEach(function (field) { field.value = subscription.endpoint; });
      })
      .catch(function () { /* none named: the server keeps the devices of this session's passkey */ });
  }

  function setUp() {
    nameThisDevice();
    document.querySelectorAll("[data-push]:not([data-push-ready])").forEach(function (box) {
      box.setAttribute("data-push-ready", "");
      if (!supported()) return show(box, "none", TEXT.unsupported);
      if (Notification.permission === "denied") return show(box, "none", TEXT.denied);
      show(box, "off", "");
      registration()
        .then(function (reg) { return reg.pushManager.getSubscription(); })
        .then(function (subscription) { if (subscription) show(box, "on", TEXT.on); })
        .catch(function () { /* the button stays: pressing it says what fails */ });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-push-subscribe], [data-push-unsubscribe]");
    if (!button) return;
    var box = button.closest("[data-push]");
    if (button.hasAttribute("data-push-subscribe")) subscribe(box); else unsubscribe(box);
  });
  document.addEventListener("htmx:load", setUp);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
