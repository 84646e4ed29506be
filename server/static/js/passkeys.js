// Passkey ceremonies: the only part of Carnet that needs JavaScript (WebAuthn does).
// Options come from the server as JSON; newer browsers parse them natively, older ones
// use the small base64url fallback below.
(function () {
  "use strict";

  function _(message) { return window.carnetText ? window.carnetText(message) : message; }

  function csrf() {
    // The token of the session this page was rendered in: in <main>, which a boosted navigation
    // replaces (the <head>'s meta stays as the first page had it).
    var holder = document.querySelector("[data-csrf-token]") || document.querySelector('meta[name="csrf-token"]');
    return holder ? (holder.dataset.csrfToken || holder.content || "") : "";
  }

  function b64urlToBuffer(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    var padded = base64 + "===".slice((base64.length + 3) % 4);
    var binary = atob(padded);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function bufferToB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(json) {
    if (window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    var o = Object.assign({}, json);
    o.challenge = b64urlToBuffer(json.challenge);
    o.user = Object.assign({}, json.user, { id: b64urlToBuffer(json.user.id) });
    o.excludeCredentials = (json.excludeCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: b64urlToBuffer(c.id) });
    });
    return o;
  }

  function requestOptions(json) {
    if (window.PublicKeyCredential && PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    var o = Object.assign({}, json);
    o.challenge = b64urlToBuffer(json.challenge);
    o.allowCredentials = (json.allowCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: b64urlToBuffer(c.id) });
    });
    return o;
  }

  function credentialJSON(cred) {
    if (typeof cred.toJSON === "function") {
      try { return cred.toJSON(); } catch (e) { /* fall through */ }
    }
    var r = cred.response;
    var response = { clientDataJSON: bufferToB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = bufferToB64url(r.attestationObject);
      response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
    } else {
      response.authenticatorData = bufferToB64url(r.authenticatorData);
      response.signature = bufferToB64url(r.signature);
      response.userHandle = r.userHandle ? bufferToB64url(r.userHandle) : null;
    }
    return {
      id: cred.id,
      rawId: bufferToB64url(cred.rawId),
      type: cred.type,
      response: response,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      authenticatorAttachment: cred.authenticatorAttachment || null,
    };
  }

  // An error whose message is Carnet's own (the server's, in the reader's language, or one of this script's): shown
  // as it is. The browser's own messages are in its language, not the page's, and say nothing a person can act on.
  function refused(message) {
    var error = new Error(message);
    error.name = "CarnetError";
    return error;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "x-csrftoken": csrf() },
      body: JSON.stringify(body || {}),
    }).catch(function () {
      throw refused(_("Pas de connexion : vérifiez votre réseau puis réessayez."));
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = refused(data.error || _("Une erreur est survenue. Réessayez."));
          error.data = data;
          throw error;
        }
        return data;
      });
    });
  }

  // WebAuthn's errors (https://www.w3.org/TR/webauthn-3/#sctn-createCredential), said for a person.
  function errorMessage(error, box) {
    switch (error && error.name) {
      case "CarnetError": return error.message;
      case "NotAllowedError":
        // At login, the browser says the same whether she cancelled or this device holds no passkey for Carnet
        // (WebAuthn, "Authentication Ceremony Privacy": not telling which protects her privacy): the login page says what to do in either case.
        if (box && box.hasAttribute("data-passkey-login")) {
          return _("Aucune clé d'accès n'a servi. Si vous avez changé de téléphone ou d'ordinateur, ou si la clé est introuvable sur cet appareil, choisissez « J'ai perdu ma clé d'accès » ci-dessous. Si vous n'avez encore jamais utilisé Carnet, choisissez « Activer mon dossier ». Sinon, réessayez.");
        }
        return _("L'opération a été annulée ou a expiré. Réessayez.");
      case "InvalidStateError": return _("Cet appareil a déjà une clé d'accès pour ce compte.");
      case "AbortError": return _("La demande de clé d'accès a été interrompue. Réessayez.");
      case "SecurityError":
        // The page's address is not the one the passkeys belong to (the relying party's), e.g. 127.0.0.1 for localhost:
        // base.html's <main> holds Carnet's.
        var holder = document.querySelector("[data-passkey-address]");
        return _("Les clés d'accès ne fonctionnent qu'à l'adresse de Carnet : ouvrez %(address)s et réessayez.")
          .replace("%(address)s", holder ? holder.dataset.passkeyAddress : "localhost");
      default: return _("Une erreur est survenue. Réessayez.");
    }
  }

  function showError(box, error) {
    var el = box.querySelector("[data-passkey-error]");
    if (!el) return;
    el.textContent = errorMessage(error, box);
    el.hidden = false;
  }

  function go(url) { window.location.assign(url || "/"); }

  // Back to the page the login was asked from, fragment and all: the server checked the path (views/auth.py,
  // next_path) and never saw the fragment, which the browser kept across the redirect to this page. A code in it
  // (a patient's share code "#c=") is not there any more: carnet.js took it out of the address for its form.
  function afterLogin(box, url) {
    var next = box.dataset.next;
    return url && next && next !== "/" && url === next ? url + window.location.hash : url;
  }

  function register(box, button) {
    var nameInput = box.querySelector("#passkey-name");
    setBusy(button, true);
    var ceremony = "";
    post("/cle/options")
      .then(function (json) {
        ceremony = json.ceremony;
        return navigator.credentials.create({ publicKey: creationOptions(json.publicKey) });
      })
      .then(function (cred) {
        return post("/cle/verification", {
          ceremony: ceremony,
          credential: JSON.stringify(credentialJSON(cred)),
          name: nameInput ? nameInput.value : "",
        });
      })
      .then(function (data) { go(data.redirect || box.dataset.next); })
      .catch(function (error) {
        // A login too old to add a passkey: its page again, which offers a new login (views/auth.py, added_too_late).
        if (error && error.data && error.data.relogin) { go(error.data.relogin); return; }
        // Refused, the passkey the device just made is none of the account's: forgotten there, not offered again.
        var unknown = error && error.data && error.data.unknownCredential;
        return signal("signalUnknownCredential", unknown).then(function () { showError(box, error); });
      })
      .finally(function () { setBusy(button, false); });
  }

  // What the server says of this account's passkeys, told to the device (WebAuthn's signal methods, where the
  // browser has them): one it does not hold is forgotten there and offered no more (a key removed from the account,
  // on a lost phone or synced by a password manager). Never waited on for long: the login goes on regardless.
  function signal(method, details) {
    if (!details || !window.PublicKeyCredential || typeof PublicKeyCredential[method] !== "function") {
      return Promise.resolve();
    }
    var told;
    try { told = PublicKeyCredential[method](details); } catch (e) { return Promise.resolve(); }
    var enough = new Promise(function (resolve) { setTimeout(resolve, 1000); });
    return Promise.race([Promise.resolve(told).catch(function () {}), enough]);
  }

  // `relogin`: a new login of someone logged in, with one of their passkeys, for an action that asks for a recent
  // one (views/recent_login.py); it leads back to the page of the form that action refused. `inPlace`: it leads
  // nowhere, the page stays as it is, and the answer (the new session's, for session.js) is given back.
  function login(box, options) {
    var base = options && options.relogin ? "/reconnexion" : "/connexion";
    var ceremony = "";
    return post(base + "/options").then(function (json) {
      ceremony = json.ceremony;
      return navigator.credentials.get({ publicKey: requestOptions(json.publicKey) });
    }).then(function (cred) {
      return post(base + "/verification", {
        ceremony: ceremony, credential: JSON.stringify(credentialJSON(cred)), next: box.dataset.next,
      });
    }).then(function (data) {
      return signal("signalAllAcceptedCredentials", data.accepted).then(function () {
        if (options && options.inPlace) { return data; }
        go(afterLogin(box, data.redirect || box.dataset.next));
      });
    }).catch(function (error) {
      var unknown = error && error.data && error.data.unknownCredential;
      return signal("signalUnknownCredential", unknown).then(function () { throw error; });
    });
  }

  // After a new login, the form the action refused is filled again as it was sent (the session kept it, never an
  // address), for its sender to check and send again; base.html's message then says so, above it. Checkboxes and
  // radio buttons are as they were sent, ticked or not; hidden fields stay the page's own.
  function fill(form, fields) {
    var sent = {};
    fields.forEach(function (field) { (sent[field[0]] = sent[field[0]] || []).push(field[1]); });
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.disabled || /^(hidden|file|submit|reset|image|button)$/.test(field.type)) { return; }
      var values = sent[field.name] || [];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values.indexOf(field.value) >= 0;
      } else if (field.multiple) {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = values.indexOf(option.value) >= 0;
        });
      } else if (values.length) {
        field.value = values.shift();  // repeated fields, in their order
      } else {
        return;
      }
      field.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function resume() {
    var notice = document.querySelector("[data-resumed-form]");
    if (!notice) { return; }
    notice.removeAttribute("data-resumed-form");  // asked once
    post("/reconnexion/formulaire").then(function (data) {
      var form = data.action && document.querySelector('form[action="' + CSS.escape(data.action) + '"]');
      if (!form) { return; }
      fill(form, data.fields || []);
      var folded = form.closest("details");
      if (folded) { folded.open = true; }
      form.parentNode.insertBefore(notice, form);
      notice.hidden = false;
      notice.focus();
    }).catch(function () { /* the form stays as its page shows it */ });
  }

  // A button whose ceremony is under way says so, and a second press starts none (carnet.js lets no press of a busy
  // button through), but it keeps the focus: a disabled one would drop it to <body> (the page's start, for a screen
  // reader) and give it back to nothing when the ceremony fails.
  function setBusy(button, busy) {
    if (!button) return;
    if (busy) {
      button.setAttribute("aria-disabled", "true");
      button.setAttribute("aria-busy", "true");
    } else {
      button.removeAttribute("aria-disabled");
      button.removeAttribute("aria-busy");
    }
  }
  function loginButton(box) { return box.querySelector('[data-passkey-action="login"]'); }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-passkey-action]");
    if (!button) return;
    var action = button.dataset.passkeyAction;
    if (!window.PublicKeyCredential) {
      showError(button.closest("[data-passkey-register], [data-passkey-login], [data-passkey-relogin]"),
                refused(_("Ce navigateur ne gère pas les clés d'accès.")));
      return;
    }
    if (action === "register") {
      register(button.closest("[data-passkey-register]"), button);
    } else if (action === "login") {
      var box = button.closest("[data-passkey-login]");
      setBusy(button, true);
      login(box, {}).catch(function (error) { showError(box, error); }).finally(function () { setBusy(button, false); });
    } else if (action === "relogin") {
      var again = button.closest("[data-passkey-relogin]");
      setBusy(button, true);
      login(again, { relogin: true }).catch(function (error) { showError(again, error); })
        .finally(function () { setBusy(button, false); });
    } else if (action === "renew") {
      // A session near its end whatever is done (base.html's #session-warning): a new login, the page kept as it
      // is, what is typed in it too; session.js has it go on in the new session.
      var warning = button.closest("[data-passkey-relogin]");
      setBusy(button, true);
      login(warning, { relogin: true, inPlace: true }).then(function (data) {
        document.dispatchEvent(new CustomEvent("carnet:session-renewed", { detail: data.session }));
      }).catch(function (error) { showError(warning, error); }).finally(function () { setBusy(button, false); });
    }
  });

  document.addEventListener("DOMContentLoaded", resume);
  document.addEventListener("htmx:afterSettle", resume);
})();
