// The viewer of a SMART Health Link (/shl#shlink:/…). It reads the link after "#" (which the browser never
// sends), asks who opens it (and the passcode when the link's flag has P), sends the manifest request, decrypts
// the file here with the key from the link (jose, vendored), and shows it. The manifest's POST is the only
// request it makes: without cookies, and nothing is stored on this device.
(function () {
  "use strict";

  // The page's sentences in its language: carnet.js is not loaded here, so the catalogue's table the server
  // puts in <head> (meta "carnet-textes") is read directly when window.carnetText is not there.
  var table = null;
  function _(message) {
    if (window.carnetText) return window.carnetText(message);
    if (table === null) {
      var holder = document.querySelector('meta[name="carnet-textes"]');
      try { table = holder ? JSON.parse(holder.content) : {}; } catch (error) { table = {}; }
    }
    return table[message] || message;
  }


  // What the page says in its language, made again when the reader switches it after the link opened (`relabel`).
  var MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre"];
  var FRENCH, SEVERITY, TEXT, NUMBER, SECTION_TITLES, OBSERVATIONS, LINK_KINDS;
  function speak() {
    FRENCH = (document.documentElement.lang || "fr") === "fr";
    SEVERITY = { mild: _("faible"), moderate: _("modérée"), severe: _("sévère") };
    TEXT = {
      broken: _("Ce lien est incomplet ou abîmé. Demandez à la personne qui vous l'a donné de vous le renvoyer, ou scannez à nouveau son QR code."),
      taken: _("Le lien n'est plus dans l'adresse de cette page : il en est retiré dès son ouverture, pour qu'il ne reste pas dans l'historique du navigateur. Ouvrez-le de nouveau depuis le message reçu, ou scannez à nouveau le QR code."),
      newer: _("Ce lien utilise une version plus récente de SMART Health Links que cette page ne sait pas ouvrir."),
      elsewhere: _("Ce lien vient d'un autre service que Carnet : ouvrez-le avec une application compatible SMART Health Links."),
      expired: _("Ce lien a expiré. Demandez-en un nouveau à la personne qui vous l'a donné."),
      gone: _("Ce lien n'est plus valable : il a expiré, a été désactivé ou bloqué, ou il ne s'ouvrait qu'une fois et l'a déjà été. Demandez-en un nouveau à la personne qui vous l'a donné."),
      print: _("Imprimer ou enregistrer en PDF"),
      offline: _("Impossible de joindre Carnet : vérifiez votre connexion, puis réessayez."),
      failed: _("Carnet n'a pas pu répondre. Réessayez dans un instant."),
      undecryptable: _("Les informations reçues n'ont pas pu être déchiffrées : le lien est peut-être incomplet."),
      unsupported: _("Ce navigateur est trop ancien pour déchiffrer les informations. Ouvrez le lien avec un navigateur à jour."),
      opening: _("Ouverture…"),
    };
    // Numbers as the page's language writes them: "60,4 kg" in French.
    NUMBER = new Intl.NumberFormat(FRENCH ? "fr-FR" : "en-GB", { maximumFractionDigits: 2 });
    // The summary's sections by their LOINC code (server/fhir/ips.py), titled in the page's language; another's own.
    SECTION_TITLES = {
      "48765-2": _("Allergies et intolérances"), "10160-0": _("Traitements"),
      "11450-4": _("Problèmes de santé actuels"), "11348-0": _("Maladies passées"),
      "47519-4": _("Interventions et actes"), "10162-6": _("Grossesse"), "11369-6": _("Vaccinations"),
      "8716-3": _("Mesures"),
      "30954-2": _("Résultats d'analyses"),
      "10157-6": _("Antécédents familiaux"), "42348-3": _("Directives anticipées et don d'organes")
    };
    // Carnet's own words in an observation, by their codes as ips.py writes them (a name the patient typed, by none):
    // a measure's LOINC code, a kind of the profile without a resource of its own, a choice on organ donation, a
    // pregnancy's status (IPS: SNOMED CT) and its expected delivery date.
    OBSERVATIONS = {
      "http://loinc.org": { "29463-7": _("Poids"), "8302-2": _("Taille"), "85354-9": _("Tension artérielle"),
        "2339-0": _("Glycémie"), "82810-3": _("Grossesse"), "11778-8": _("Date prévue d'accouchement") },
      "http://snomed.info/sct": { "77386006": _("Enceinte"), "60001007": _("Pas enceinte") },
      "urn:carnet:fhir:profil-type": { directive: _("Directives anticipées"), organ_donation: _("Don d'organes") },
      "urn:carnet:fhir:don-organes": { donneur: _("Favorable au don d'organes"),
        refus: _("Opposé au don d'organes") }
    };
    // A Carnet link's summary is titled in the record's language, French ("Carte d'urgence — Camille Martin",
    // server/fhir/ips.py, server/shlinks/links.py CONTENTS): its kind is said in the page's; another's title as it is.
    LINK_KINDS = { "Carte d'urgence": _("Carte d'urgence"), "Vaccins et allergies": _("Vaccins et allergies"),
      "Synthèse médicale": _("Synthèse médicale") };
  }
  speak();

  var main = document.getElementById("contenu");
  var form = document.getElementById("shl-form");
  var errorBox = document.getElementById("shl-error");
  var statusBox = document.getElementById("shl-status");
  var result = document.getElementById("shl-result");
  // What the link opened, in this page's memory alone (never in the browser's storage): shown again in the other
  // language when the reader switches it, rather than the link opened a second time (a single-use one would be spent).
  var shown = null;

  function show(box, text) {
    box.textContent = text;
    box.hidden = !text;
  }

  function fail(text) {
    show(statusBox, "");
    show(errorBox, text);
  }

  // A refusal this page words itself; anything else (a bug, a browser's own message) shows as TEXT.failed.
  function refusal(text) {
    var error = new Error(text);
    error.french = true;
    return error;
  }

  function bytesOf(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  // SMART Health Links: "the JSON Payload is then minified, base64urlencoded, prefixed with shlink:/,
  // optionally prefixed with a viewer URL that ends with #".
  function readLink(hash) {
    var match = /^#(?:shlink:\/)([A-Za-z0-9_-]+)$/.exec(hash);
    if (!match) return null;
    try {
      var link = JSON.parse(new TextDecoder().decode(bytesOf(match[1])));
      var url = new URL(link.url);
      var keyOk = typeof link.key === "string" && /^[A-Za-z0-9_-]{43}$/.test(link.key);
      return link && typeof link === "object" && keyOk ? { link: link, url: url } : null;
    } catch (error) {
      return null;
    }
  }

  // "1er décembre 2026" / "1 December 2026", as Carnet's pages write a day (server/i18n/formats.py): the day never
  // apart from its month at a line's end.
  function longDate(value) {
    if (/T\d{2}:\d{2}/.test(value || "")) {  // an instant (a declaration's): its day on the reader's clock, as longMoment
      var when = new Date(value);
      if (!isNaN(when.getTime())) {
        var clock = wallClock(when, undefined);
        value = clock.year + "-" + clock.month + "-" + clock.day;
      }
    }
    var match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value || "");
    if (!match) return "";
    var day = Number(match[3]);
    if (!FRENCH) {
      return new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "long", year: "numeric" })
        .format(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, day))).replace(" ", "\u00a0");
    }
    return (day === 1 ? "1er" : String(day)) + "\u00a0" + MONTHS[Number(match[2]) - 1] + " " + match[1];
  }

  // What a clock in `zone` (undefined: the device's own) reads at `when`: its year, month, day, hour and minute.
  function wallClock(when, zone) {
    var parts = {};
    new Intl.DateTimeFormat("fr-FR", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(when).forEach(function (part) { parts[part.type] = part.value; });
    return parts;
  }

  // "1er décembre 2026 à 9 h 05" / "1 December 2026 at 09:05", as Carnet's pages write a moment, in the reader's own
  // time (a doctor abroad reads her clock, not Paris's). Where that is not Paris's time then, the zone is named
  // ("(heure normale d'Europe de l'Ouest)"): the patient and Carnet's other pages speak in Paris time.
  function longMoment(value) {
    var when = new Date(value);
    if (isNaN(when.getTime())) return "";
    var parts = wallClock(when, undefined), paris = wallClock(when, "Europe/Paris");
    var day = longDate(parts.year + "-" + parts.month + "-" + parts.day);
    var moment = FRENCH ? day + " à " + Number(parts.hour) + "\u00a0h\u00a0" + parts.minute
      : day + " at " + parts.hour + ":" + parts.minute;
    var elsewhere = ["year", "month", "day", "hour", "minute"].some(function (key) { return parts[key] !== paris[key]; });
    if (!elsewhere) return moment;
    var zone = new Intl.DateTimeFormat(FRENCH ? "fr-FR" : "en-GB", { timeZoneName: "long" }).formatToParts(when)
      .filter(function (part) { return part.type === "timeZoneName"; })[0];
    return zone ? moment + " (" + zone.value + ")" : moment;
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // A number as Carnet sends it, international (E.164, server/profile/phones.py), that a phone anywhere dials: one of
  // France's (+33) or of its overseas departments' numbering written in its groups, "+33 6 72 18 45 90", "+262 692
  // 12 34 56"; another country's as it comes.
  function phoneNumber(value) {
    var french = /^\+(33|262|508|590|594|596)(\d)(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
    if (!french) return value;
    var first = french[1] === "33" ? french[2] : french[2] + french[3];
    var rest = french[1] === "33" ? french.slice(3) : french.slice(4);
    return ["+" + french[1], first].concat(rest).join("\u00a0");
  }

  function textOf(concept) {
    return concept && typeof concept.text === "string" ? concept.text : "";
  }

  // What the dossier holds as it was written (a label, a dosage, a note, a relationship): Carnet's French, whatever
  // the page's language. On a page in another language it is said to be French (WCAG 3.1.2), so that a screen reader
  // reads it with a French voice, not the page's; on a French page it is text like the rest (`written`).
  function recorded(text) {
    return text && !FRENCH ? { french: text } : text;
  }

  // "« text »" on a French page, "“text”" on another, as Carnet's pages quote (server/i18n/formats.py, `quoted`).
  function quoted(text) {
    return FRENCH ? "«\u00a0" + text + "\u00a0»" : "\u201c" + text + "\u201d";
  }

  // The link's name, in this page's quotes (`quoted`). The patient wrote it in whichever language she speaks: not
  // said to be French ("Holiday in Spain" was read by a French voice, a tester's find); WCAG 3.1.2 excepts words of
  // indeterminate language. A link she left unnamed carries what it shows, in French (server/shlinks/links.py,
  // `written_name`): Carnet's words, said in this page's language.
  var linkName = "";
  function showLabel() {
    var name = Object.prototype.hasOwnProperty.call(LINK_KINDS, linkName) ? LINK_KINDS[linkName] : linkName;
    show(document.getElementById("shl-label"), name ? quoted(name) : "");
  }

  // A piece of a line, put in `node`: the page's words as text, the dossier's (`recorded`) in a span that says they
  // are French, a list of pieces one after the other.
  function written(node, piece) {
    if (Array.isArray(piece)) {
      piece.forEach(function (part) { written(node, part); });
    } else if (piece && typeof piece === "object") {
      var french = element("span", piece.french);
      french.lang = "fr";
      node.appendChild(french);
    } else if (piece) {
      node.appendChild(document.createTextNode(piece));
    }
    return node;
  }


  function quantity(value) {
    return value && typeof value.value === "number" ? NUMBER.format(value.value) + (value.unit ? "\u00a0" + value.unit : "") : "";
  }


  // LOINC's expected delivery dates: estimated (as Carnet writes it), from the last period, from ovulation.
  var DELIVERY_DATES = ["11778-8", "11779-6", "11780-4"];

  function said(concept) {
    var coding = ((concept || {}).coding || [])[0] || {};
    return (OBSERVATIONS[coding.system] || {})[coding.code] || recorded(textOf(concept));
  }

  function sectionTitle(part) {
    var coding = ((part.code || {}).coding || [])[0] || {};
    return (coding.system === "http://loinc.org" && SECTION_TITLES[coding.code]) || part.title || "";
  }

  // One line of a section: what the resource is, then its details ("gravité sévère", "depuis le 3 mars 2020"…);
  // `byUrl`, the Bundle's resources, where an observation's members are (a pregnancy's expected delivery date).
  function line(resource, byUrl) {
    var what = "", details = [];
    var notes = (resource.note || []).map(function (n) {  // "Prescrit par …", as ips.py writes it, in the page's language
      if (typeof n.text !== "string") return "";
      return /^Prescrit par /.test(n.text) ? [_("Prescrit par") + " ", recorded(n.text.slice("Prescrit par ".length))]
        : recorded(n.text);
    });
    switch (resource.resourceType) {
      case "AllergyIntolerance": {
        var reaction = (resource.reaction || [])[0] || {};
        var manifestation = textOf((reaction.manifestation || [])[0]);
        what = recorded(textOf(resource.code));
        if (reaction.severity) details.push(_("gravité %(severity)s").replace("%(severity)s", SEVERITY[reaction.severity] || reaction.severity));
        if (manifestation && manifestation !== "Réaction non précisée") details.push(recorded(manifestation));
        break;
      }
      case "MedicationStatement":
        what = recorded(textOf(resource.medicationCodeableConcept));
        (resource.dosage || []).forEach(function (d) { if (d.text) details.push(recorded(d.text)); });
        if (resource.effectivePeriod && resource.effectivePeriod.start) details.push(_("depuis le %(date)s").replace("%(date)s", longDate(resource.effectivePeriod.start)));
        // Stopped (server/fhir/ips.py: status "completed", its end): never read as a treatment in progress.
        if (resource.status === "completed") {
          details.push(resource.effectivePeriod && resource.effectivePeriod.end
            ? _("arrêté le %(date)s").replace("%(date)s", longDate(resource.effectivePeriod.end)) : _("arrêté"));
        }
        details = details.concat(notes);
        break;
      // A current problem, a past illness: its section says which (server/fhir/ips.py).
      case "Condition":
        what = recorded(textOf(resource.code));
        if (resource.onsetDateTime) details.push(longDate(resource.onsetDateTime));
        details = details.concat(notes);
        break;
      case "Procedure":
        what = recorded(textOf(resource.code));
        if (resource.performedDateTime) details.push(longDate(resource.performedDateTime));
        details = details.concat(notes);
        break;
      case "Immunization":
        what = recorded(textOf(resource.vaccineCode));
        if (resource.occurrenceDateTime) details.push(longDate(resource.occurrenceDateTime));
        if (resource.lotNumber) details.push(_("lot %(lot)s").replace("%(lot)s", resource.lotNumber));
        break;
      case "Observation": {
        what = said(resource.code);
        var parts = (resource.component || []).map(function (c) {
          return c.valueQuantity && typeof c.valueQuantity.value === "number" ? NUMBER.format(c.valueQuantity.value) : "";
        });
        if (parts.length) details.push(parts.join("/") + "\u00a0" + ((resource.component[0].valueQuantity || {}).unit || ""));
        else if (resource.valueQuantity) details.push(quantity(resource.valueQuantity));
        else if (resource.valueString) details.push(recorded(resource.valueString));
        else if (resource.valueCodeableConcept) details.push(said(resource.valueCodeableConcept));
        else if (resource.valueDateTime) details.push(longDate(resource.valueDateTime));
        if (resource.effectiveDateTime) details.push(longDate(resource.effectiveDateTime));
        (resource.hasMember || []).forEach(function (ref) {  // IPS: an expected delivery date, however estimated
          var member = byUrl[ref.reference] || {};
          var code = (((member.code || {}).coding || [])[0] || {}).code;
          if (DELIVERY_DATES.indexOf(code) >= 0 && member.valueDateTime) {
            details.push(_("accouchement prévu le %(date)s").replace("%(date)s", longDate(member.valueDateTime)));
          }
        });
        details = details.concat(notes);
        break;
      }
      case "FamilyMemberHistory":
        what = recorded(((resource.condition || []).map(function (c) { return textOf(c.code); })).join(", "));
        if (resource.relationship) details.push(recorded(textOf(resource.relationship)));
        break;
      default:
        what = recorded(textOf(resource.code)) || resource.resourceType || "";
    }
    var item = element("li");
    item.appendChild(written(element("strong"), what || _("Sans nom")));
    details.filter(Boolean).forEach(function (detail) { written(item, [" — ", detail]); });
    return item;
  }

  var sections = 0;

  // A region named by its heading, holding `body`.
  function section(title, body) {
    var part = element("section", "", "card stack");
    var heading = element("h2", title);
    heading.id = "shl-section-" + (++sections);
    part.setAttribute("aria-labelledby", heading.id);
    part.appendChild(heading);
    part.appendChild(body);
    return part;
  }

  function list(items, empty) {
    if (!items.length) return element("p", empty, "muted");
    var node = element("ul");
    items.forEach(function (item) { node.appendChild(item); });
    return node;
  }


  function titleOf(composition, fullName) {
    var kind = LINK_KINDS[(composition.title || "").split(" — ")[0]];
    if (kind) return fullName ? kind + " — " + fullName : kind;
    return composition.title || _("Informations médicales partagées");
  }

  function render(bundle) {
    var entries = (bundle && bundle.entry) || [];
    var byUrl = {};
    entries.forEach(function (e) { if (e && e.fullUrl) byUrl[e.fullUrl] = e.resource || {}; });
    var composition = (entries[0] || {}).resource || {};
    if (composition.resourceType !== "Composition") throw new Error("not an IPS document");
    var patient = byUrl[(composition.subject || {}).reference] || {};
    var name = (patient.name || [])[0] || {};
    var fullName = [(name.given || []).join(" "), name.family || ""].join(" ").trim();

    var title = titleOf(composition, fullName);
    document.getElementById("shl-title").textContent = title;
    document.title = title + " · Carnet";
    result.replaceChildren();
    if (longMoment(composition.date)) {
      result.appendChild(element("p", _("Informations à jour le %(moment)s, telles qu'elles ont été déclarées dans le dossier ou ajoutées par les soignants.")
        .replace("%(moment)s", longMoment(composition.date)), "small muted"));
    }
    // What the patient hid from professionals is never on a link (its maker is told so, shlinks.html): its reader is
    // told too, as a professional is on the profile (partials/profile_may_be_hidden.html), whether anything is hidden
    // or not, so that it says nothing of what the patient did, and a short card is not read as all there is.
    result.appendChild(element("p", _("Certaines informations peuvent être masquées aux professionnels, et un lien de partage ne les montre jamais : ce qui suit peut être incomplet, même là où rien n'est indiqué."), "small muted"));

    var facts = element("dl", "", "doc-details");
    [[_("Nom"), fullName], [_("Date de naissance"), longDate(patient.birthDate)],
      [_("Sexe"), { female: _("féminin"), male: _("masculin") }[patient.gender] || ""]].forEach(function (pair) {
      if (!pair[1]) return;
      facts.appendChild(element("dt", pair[0]));
      facts.appendChild(element("dd", pair[1]));
    });
    result.appendChild(section(_("Patient"), facts));

    (composition.section || []).forEach(function (part) {
      var items = (part.entry || []).map(function (ref) { return byUrl[ref.reference]; }).filter(Boolean)
        .map(function (resource) { return line(resource, byUrl); });
      // Empty, as the document says why (server/fhir/ips.py): "withheld" where the link's reader may not see the
      // whole kind (said whether or not anything is kept), as its narrative says it; nothing entered, otherwise.
      var withheld = ((part.emptyReason || {}).coding || []).some(function (c) { return c && c.code === "withheld"; });
      result.appendChild(section(sectionTitle(part), list(items, withheld ? _("Aucune information transmise.")
        : _("Aucune information connue."))));
    });

    var contacts = (patient.contact || []).map(function (contact) {
      var item = element("li");
      item.appendChild(element("strong", textOf(contact.name) || _("Sans nom")));
      var relationship = textOf((contact.relationship || [])[0]);
      if (relationship) written(item, [" — ", recorded(relationship)]);
      (contact.telecom || []).forEach(function (telecom) {
        if (telecom.system !== "phone" || !telecom.value) return;
        item.appendChild(document.createTextNode(" — "));
        var call = element("a", phoneNumber(String(telecom.value)));
        call.setAttribute("href", "tel:" + String(telecom.value).replace(/[^0-9+]/g, ""));
        item.appendChild(call);
      });
      return item;
    });
    // Said empty only where the document carries them (server/fhir/ips.py, CONTACTS_CARRIED): a link of vaccinations
    // and allergies has none to give, which is not "no one to contact".
    var carried = (composition.extension || []).some(function (x) {
      return x && x.url === "urn:carnet:fhir:personnes-a-prevenir" && x.valueBoolean === true;
    });
    if (contacts.length || carried) {
      result.appendChild(section(_("Personnes à prévenir"), list(contacts, _("Aucune personne à prévenir n'est indiquée."))));
    }
    // A copy for the file of whoever opened it: the page is all there is, gone at a reload.
    var print = element("button", TEXT.print, "secondary no-print");
    print.type = "button";
    print.addEventListener("click", function () { window.print(); });
    result.appendChild(print);
    result.hidden = false;
  }

  function decrypt(jwe, key) {
    // jose needs WebCrypto, and DecompressionStream for the "zip": "DEF" the files are compressed with.
    if (!window.crypto || !window.crypto.subtle || typeof DecompressionStream === "undefined") {
      return Promise.reject(refusal(TEXT.unsupported));
    }
    return import(main.dataset.jose).then(function (jose) {
      return jose.compactDecrypt(jwe, bytesOf(key), {
        keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"],
        maxDecompressedLength: 20 * 1024 * 1024,
      });
    }).then(function (decrypted) {
      return JSON.parse(new TextDecoder().decode(decrypted.plaintext));
    }).catch(function () {
      throw refusal(TEXT.undecryptable);
    });
  }

  function fileOf(manifest) {
    var file = ((manifest && manifest.files) || []).filter(function (f) { return f.contentType === "application/fhir+json"; })[0];
    if (!file) return Promise.reject(refusal(TEXT.failed));
    if (file.embedded) return Promise.resolve(file.embedded);
    return fetch(file.location, { credentials: "omit", cache: "no-store" }).then(function (response) {
      if (!response.ok) throw refusal(TEXT.gone);
      return response.text();
    });
  }

  function refused(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      if (response.status === 401) {
        var left = Number(body.remainingAttempts);
        var passcode = document.getElementById("shl-passcode");
        passcode.value = "";
        passcode.setAttribute("aria-invalid", "true");
        passcode.focus();
        if (left > 1) {
          throw refusal(_("Code d'accès incorrect. Il reste %(num)d essais avant que le lien soit bloqué.")
            .replace("%(num)d", String(left)));
        }
        if (left === 1) throw refusal(_("Code d'accès incorrect. Il reste 1 essai avant que le lien soit bloqué."));
        form.hidden = true;
        throw refusal(_("Code d'accès incorrect. Le lien est maintenant bloqué : demandez-en un nouveau à la personne qui vous l'a donné."));
      }
      if (response.status === 404) {
        form.hidden = true;
        throw refusal(TEXT.gone);
      }
      throw refusal(response.status === 400 && body.error ? body.error : TEXT.failed);
    });
  }

  // A field left empty is said as Carnet's forms say it (the form is novalidate): in the page's alert, the field
  // marked, described by it and focused; the browser's own bubble said it in its language, and went (a probe).
  function missing(field, message) {
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", "shl-error " + field.id + "-hint");
    show(errorBox, message);
    field.focus();
  }

  function open(found, event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var recipient = document.getElementById("shl-recipient"), passcode = document.getElementById("shl-passcode");
    [recipient, passcode].forEach(function (field) {
      field.removeAttribute("aria-invalid");
      field.setAttribute("aria-describedby", field.id + "-hint");
    });
    if (!recipient.value.trim()) return missing(recipient, _("Saisissez votre nom et votre service : ils seront inscrits dans l'historique du dossier."));
    if (/P/.test(found.link.flag || "") && !passcode.value) return missing(passcode, _("Saisissez le code d'accès que la personne qui vous a donné le lien vous a communiqué."));
    var request = { recipient: recipient.value.trim() };
    if (/P/.test(found.link.flag || "")) request.passcode = passcode.value;
    button.disabled = true;
    show(errorBox, "");
    show(statusBox, TEXT.opening);
    fetch(found.url.href, {
      method: "POST", credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer",
      // The manifest's refusals in this page's language, whichever the browser asks for (app.language_of).
      headers: { "Content-Type": "application/json", "Accept-Language": document.documentElement.lang },
      body: JSON.stringify(request),
    }).then(function (response) {
      return response.ok ? response.json() : refused(response);
    }, function () {
      throw refusal(TEXT.offline);
    }).then(fileOf).then(function (jwe) {
      return decrypt(jwe, found.link.key);
    }).then(function (bundle) {
      try {
        render(bundle);
      } catch (error) {
        throw refusal(TEXT.undecryptable);
      }
      shown = bundle;
      form.hidden = true;
      show(statusBox, "");
      // The form that had the focus is gone: the focus goes to what opened, its heading, as a screen reader's
      // user would look for it (WCAG 2.4.3).
      focusTitle();
    }).catch(function (error) {
      fail(error && error.french ? error.message : TEXT.failed);
    }).then(function () {
      button.disabled = false;
    });
  }

  function focusTitle() {
    var title = document.getElementById("shl-title");
    title.setAttribute("tabindex", "-1");
    title.focus();
  }

  // The other language, once the link has opened: this page's words in it (the same page for every link, asked
  // without the link), and what opened shown again in them. Opening the link again would count as another opening
  // in the patient's Historique, and find a single-use link spent.
  function relabel(language) {
    fetch("/shl?langue=" + encodeURIComponent(language), { credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer" })
      .then(function (response) {
        if (!response.ok) throw refusal(TEXT.failed);
        return response.text();
      }, function () {
        throw refusal(TEXT.offline);
      }).then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        document.documentElement.lang = page.documentElement.lang;
        var ours = document.querySelector('meta[name="carnet-textes"]'), theirs = page.querySelector('meta[name="carnet-textes"]');
        if (ours) ours.remove();
        if (theirs) document.head.appendChild(document.importNode(theirs, true));
        table = null;
        speak();
        showLabel();
        ["header.site", "footer.site", "#shl-form"].forEach(function (selector) {
          var old = document.querySelector(selector), fresh = page.querySelector(selector);
          if (old && fresh) old.replaceWith(document.importNode(fresh, true));
        });
        form = document.getElementById("shl-form");
        listen(document.getElementById("shl-language"), "");
        show(errorBox, "");
        render(shown);
        focusTitle();
      }).catch(function (error) {
        fail(error && error.french ? error.message : TEXT.failed);
      });
  }

  // The language switch: before the link opened, the page again in the other language with the link after "#",
  // which the browser keeps through the page's address and never sends; after, `relabel`.
  function listen(switcher, hash) {
    if (!switcher) return;
    switcher.addEventListener("submit", function (event) {
      if (shown) {
        event.preventDefault();
        relabel((event.submitter || document.activeElement || {}).value || "");
      } else if (hash) {
        switcher.action = "/shl" + hash;
      }
    });
  }

  function start() {
    var hash = window.location.hash;
    var found = readLink(hash);
    // Read once, the link leaves the address bar and the tab's history: on a shared computer its key (and the label
    // the patient wrote) would reopen the card from the history. Opening it again takes the link as it came.
    if (window.location.hash) window.history.replaceState(null, "", window.location.pathname + window.location.search);
    listen(document.getElementById("shl-language"), hash);
    // A reload, Back, the address alone: the link is not kept anywhere (not even in this tab's storage, which a
    // closed tab's restore would bring back with its key), so the page says where to find it again.
    if (!hash) return fail(TEXT.taken);
    if (!found) return fail(TEXT.broken);
    var link = found.link;
    if (link.v !== undefined && link.v !== 1) return fail(TEXT.newer);
    if (/U/.test(link.flag || "") || found.url.origin !== window.location.origin) return fail(TEXT.elsewhere);
    if (typeof link.label === "string") {
      linkName = link.label;
      showLabel();
    }
    if (typeof link.exp === "number" && link.exp * 1000 < Date.now()) return fail(TEXT.expired);
    if (/P/.test(link.flag || "")) {
      document.getElementById("shl-passcode-field").hidden = false;
      document.getElementById("shl-passcode").required = true;
    }
    form.hidden = false;
    form.addEventListener("submit", function (event) { open(found, event); });
  }

  // Another link opened in this tab changes only what follows "#": the browser keeps the page, with the card
  // and the form of the link before. The viewer starts again from nothing, so that no patient's data is shown,
  // or asked for, under another's link.
  window.addEventListener("hashchange", function () { window.location.reload(); });

  start();
})();
