// The Historique checks itself (issue 14): on each visit, this device verifies that the events the page
// shows are in Carnet's signed transparency log, that the log only grew since the device last checked,
// and that no event of the dossier is missing from them (its chain). Nothing the server says is taken on
// trust: journal-check.js makes each check (journal-proofs.js its proofs); this file says when, and tells
// the patient what came of it, in plain words, with the evidence to download when it failed.
(function () {
  "use strict";

  function _(message) { return window.carnetText ? window.carnetText(message) : message; }

  const J = window.carnetJournal;
  const { Failure, Unavailable, check, stored, remembered, remember, forget, unverifiedSince } = window.carnetJournalCheck;

  function reasonText(failure) {
    switch (failure.reason) {
      case "key": return _("La clé qui signe le journal n'est plus celle que votre appareil a enregistrée lors de sa première vérification.");
      case "signature": return _("Le point de contrôle du journal ne porte pas de signature valide de sa clé.");
      case "shrunk": return _("Le journal n'a plus l'état que votre appareil avait vérifié : des entrées ont disparu.");
      case "unproven": return _("Le journal refuse de donner à votre appareil la preuve d'un état qu'il a lui-même signé : ce n'est pas une panne du réseau, et cela peut cacher un journal réécrit.");
      case "inconsistent": return _("Le journal signé ne prolonge pas celui que votre appareil avait vérifié : des entrées ont été modifiées ou effacées depuis.");
      // A cosignature of the witness's key that does not verify: most likely over another tree of that size (a fork).
      case "witness": return _("Le journal porte une contresignature de témoin qui ne correspond pas à son contenu : ce témoin a sans doute contresigné un autre journal que celui que Carnet vous présente.");
      case "quorum": return _("Le journal n'est pas contresigné par autant de témoins indépendants que Carnet l'exige.");
      case "unwitnessed": return failure.required === 1
        ? _("Votre appareil avait vérifié ce journal contresigné par un témoin indépendant ; celui que Carnet présente aujourd'hui ne l'est plus : il pourrait ne pas être celui que le témoin a vu.")
        : _("Votre appareil avait vérifié ce journal contresigné par %(num)d témoins indépendants ; celui que Carnet présente aujourd'hui ne l'est plus par autant : il pourrait ne pas être celui que les témoins ont vu.").replace("%(num)d", String(failure.required));
      case "events": return failure.count === 1
        ? _("Un événement affiché ne correspond pas à ce que le journal a signé.")
        : _("%(num)d événements affichés ne correspondent pas à ce que le journal a signé.").replace("%(num)d", String(failure.count));
      case "gap": return _("La chaîne de l'historique est rompue entre l'événement n° %(older)s et l'événement n° %(newer)s : des événements ont disparu ou ont été modifiés.")
        .replace("%(older)s", String(failure.older)).replace("%(newer)s", String(failure.newer));
      case "newest": return _("Votre appareil avait vérifié cet historique jusqu'à l'événement n° %(num)s, qui n'y figure plus : des événements ont disparu ou ont été modifiés depuis sa vérification précédente.")
        .replace("%(num)s", String(failure.kept));
      case "changed": return _("L'événement n° %(num)s n'est plus celui que votre appareil avait vérifié : des événements ont disparu ou ont été modifiés depuis sa vérification précédente.")
        .replace("%(num)s", String(failure.kept));
      case "start": return _("L'historique ne remonte plus à son premier événement : des événements ont disparu ou ont été modifiés à son début.");
      default: return _("Le journal a répondu par un point de contrôle ou une preuve mal formés.");
    }
  }

  // ---- What the patient reads ----------------------------------------------------------------------

  const FRENCH = (document.documentElement.lang || "fr").slice(0, 2) !== "en";
  const MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                  "novembre", "décembre"];

  // "1er décembre à 9 h 05" / "1 December at 09:05", in Paris time, as the Historique's sentences say a moment
  // (accesslog/journal.py): the day never apart from its month, the year only when it is not this year's.
  function longMoment(when) {
    const parts = {};
    const paris = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", year: "numeric", month: "numeric",
                                                     day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    paris.formatToParts(when).forEach((part) => { parts[part.type] = part.value; });
    const thisYear = paris.formatToParts(new Date()).find((part) => part.type === "year").value;
    const year = parts.year === thisYear ? "" : " " + parts.year;
    const day = Number(parts.day), month = Number(parts.month) - 1;
    if (!FRENCH) {
      const name = new Intl.DateTimeFormat("en-GB", { month: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2000, month, 15)));
      return day + "\u00a0" + name + year + " at " + parts.hour + ":" + parts.minute;
    }
    return (day === 1 ? "1er" : String(day)) + "\u00a0" + MONTHS[month] + year + " à " + Number(parts.hour)
      + "\u00a0h\u00a0" + parts.minute;
  }

  function say(box, text, kind) {
    const status = box.querySelector("[data-journal-status]");
    // Said once: a filter or older events checked as the first were leave the verdict as it was, and the status, a
    // live region, rewritten with the same words would say them again over the list's count.
    if (status.textContent === text && status.className === "journal-status " + kind) return;
    // The status never gets shorter: "Vérification…" (one line) between the first sentence and the verdict (three
    // or four on a phone) moved what is under it twice, under a reader who had already scrolled or tabbed down.
    status.style.minHeight = status.offsetHeight + "px";
    status.textContent = text;
    status.className = "journal-status " + kind;
  }

  // How the verdict was reached, under it, one tap away; nothing at all while there is no verdict, or a failed one.
  function detail(box, text) {
    const folded = box.querySelector("[data-journal-detail]");
    folded.querySelector("[data-journal-detail-text]").textContent = text || "";
    folded.hidden = !text;
  }

  function mark(item, text) {
    if (item.parentElement.querySelector(".log-journal-failed")) return;
    const flag = document.createElement("strong");
    flag.className = "log-journal-failed small";
    flag.textContent = text;
    item.before(flag);
  }

  // What the check means for the reader, first, in plain words: her device holds the log to the state it verified
  // before, so "nothing changed since" is what it can tell on its own, witnesses or not (they answer for what
  // others are shown: the detail says so).
  // An event given without its title (a document its author withdrew since: journal-check.js) is said here too, not
  // only in the detail: a server cannot take an event out of the content check without the patient reading it.
  function plainText(first) {
    const text = first.previous
      ? _("Votre appareil a vérifié cet historique : rien de ce qu'il avait vérifié le %(previous)s n'a été changé ni effacé.")
        .replace("%(previous)s", longMoment(new Date(first.previous.at)))
      : _("Votre appareil a vérifié cet historique pour la première fois. À chaque visite, il vérifiera que rien de ce qu'il a vérifié n'a été changé ni effacé.");
    const withheld = document.querySelectorAll('[data-journal-state="verified"][data-journal-withheld]').length;
    return withheld
      ? text + " " + _("Sauf le contenu des événements d'un document retiré : seule leur place a été vérifiée.")
      : text;
  }

  // What was checked, as it is: with no witness's cosignature (none is configured, by default), the log the server
  // signs itself, which a server that showed different people different logs would pass.
  function verifiedText(first, { witnessNames, whole, witnesses }) {
    let text;
    if (witnessNames.length) {
      text = first.previous
        ? _("Historique vérifié par votre appareil le %(moment)s : aucune entrée du journal signé de Carnet n'a été modifiée ni effacée depuis sa vérification précédente, le %(previous)s.")
        : _("Historique vérifié par votre appareil le %(moment)s, pour la première fois : à chaque visite, il vérifiera désormais qu'aucune entrée du journal signé de Carnet n'a été modifiée ni effacée depuis.");
    } else if (witnesses) {
      text = first.previous
        ? _("Historique vérifié par votre appareil le %(moment)s, sur la seule signature de Carnet (aucun témoin ne l'a contresigné) : le journal prolonge celui vérifié le %(previous)s, mais un journal différent montré à d'autres passerait inaperçu.")
        : _("Historique vérifié par votre appareil le %(moment)s, pour la première fois, sur la seule signature de Carnet (aucun témoin ne l'a contresigné) : un journal différent montré à d'autres passerait inaperçu.");
    } else {
      text = first.previous
        ? _("Historique vérifié par votre appareil le %(moment)s, sur la seule signature de Carnet (aucun témoin configuré) : le journal prolonge celui vérifié le %(previous)s, mais un journal différent montré à d'autres passerait inaperçu.")
        : _("Historique vérifié par votre appareil le %(moment)s, pour la première fois, sur la seule signature de Carnet (aucun témoin configuré) : un journal différent montré à d'autres passerait inaperçu.");
    }
    text = text.replace("%(moment)s", longMoment(new Date()))
      .replace("%(previous)s", first.previous ? longMoment(new Date(first.previous.at)) : "");
    // Those whose document its author withdrew since came without their title (journal-check.js): not "tels quels".
    const withheld = document.querySelectorAll('[data-journal-state="verified"][data-journal-withheld]').length;
    const verified = document.querySelectorAll('[data-journal-state="verified"]').length - withheld;
    const pending = document.querySelectorAll('[data-journal-pending], [data-journal-state="waiting"]').length;
    // What is hashed is each event's recorded data, which the page gives beside its sentence; the sentence itself, made
    // by the server from it, is not compared (said so: an outside probe changed the words alone, and passed).
    if (verified === 1) text += " " + _("Les données enregistrées de l'événement affiché (qui, quoi, quand) y sont inscrites telles quelles ; la phrase qui les dit n'est pas comparée.");
    if (verified > 1) {
      text += " " + _("Les données enregistrées des %(num)d événements affichés (qui, quoi, quand) y sont inscrites telles quelles ; les phrases qui les disent ne sont pas comparées.")
        .replace("%(num)d", String(verified));
    }
    if (withheld === 1) text += " " + _("L'événement d'un document retiré y est inscrit, mais seule sa place dans la chaîne a été vérifiée, pas son contenu.");
    if (withheld > 1) {
      text += " " + _("Les %(num)d événements de documents retirés y sont inscrits, mais seule leur place dans la chaîne a été vérifiée, pas leur contenu.")
        .replace("%(num)d", String(withheld));
    }
    if (pending === 1) text += " " + _("Un événement très récent est en cours d'inscription : il sera vérifié à votre prochaine visite.");
    if (pending > 1) {
      text += " " + _("%(num)d événements très récents sont en cours d'inscription : ils seront vérifiés à votre prochaine visite.")
        .replace("%(num)d", String(pending));
    }
    if (whole) text += " " + _("Aucun événement ne manque entre ceux qui sont affichés.");
    // Newer ones than the newest shown, left off the page, leave no gap the device can see: their leaves are in the
    // tree, which the operator's `carnet audit verify` holds the database to, not this device.
    if (verified + withheld) text += " " + _("Votre appareil ne peut pas savoir si des événements plus récents que le plus récent affiché ont été retirés de la page : seul un contrôle complet du journal (carnet audit verify) le peut.");
    if (witnessNames.length) text += " " + _("Journal contresigné par : %(witnesses)s.").replace("%(witnesses)s", witnessNames.join(", "));
    return text;
  }

  // What the line of an event where the check failed says (the alert says why).
  function markText(reason) {
    switch (reason) {
      case "events": return _("Ne correspond pas au journal signé");
      case "gap": return _("Après cet événement, des événements ont disparu ou ont été modifiés");
      case "changed": return _("N'est plus l'événement que votre appareil avait vérifié");
      default: return null;
    }
  }

  function verified(box, text) {
    say(box, plainText(first), "success");
    detail(box, text);
    // Each line checked by its place alone says so, in the device's words, not only in the server's folded proof.
    document.querySelectorAll('[data-journal-state="verified"][data-journal-withheld]').forEach((item) => {
      if (item.parentElement.querySelector(".log-journal-withheld")) return;
      const mark = document.createElement("span");
      mark.className = "log-journal-withheld small muted";
      mark.textContent = _("Document retiré : seule la place de cet événement a été vérifiée.");
      item.before(mark);
    });
  }

  // A failure this device remembers from an earlier visit (journal-check.js): said at each visit, whatever this
  // one's verdict, until the patient dismisses it. Its box is an alert, as this visit's failure is (log.html): shown
  // before this visit's check ends, it is said ahead of the verdict, and takes no focus from where the reader is.
  // The reason is a sentence of its own, in the present of the day it was found: quoted as the device noted it, not
  // run on after a colon (an outside probe read "signé : Le journal refuse … : ce n'est pas …").
  function showPast(box, past) {
    const region = box.querySelector("[data-journal-past]");
    if (!region || !past) return;
    region.querySelector("[data-journal-past-text]").textContent =
      _("Le %(moment)s, votre appareil a constaté que cet historique ne correspondait pas au journal signé. Il a noté : «\u00a0%(reason)s\u00a0»")
        .replace("%(moment)s", longMoment(new Date(past.at))).replace("%(reason)s", reasonText(past));
    region.hidden = false;
    region.querySelector("[data-journal-past-dismiss]").onclick = () => {
      forget(box.dataset.dossier);
      region.hidden = true;
      box.focus();
    };
  }

  function showFailure(box, failure, evidence) {
    remember(box.dataset.dossier, failure);
    const text = markText(failure.reason);
    if (text) (failure.items || []).forEach((item) => mark(item, text));
    const alert = box.querySelector("[data-journal-alert]");
    evidence.reason = reasonText(failure);
    alert.querySelector("[data-journal-reason]").textContent = evidence.reason;
    box.querySelector("[data-journal-status]").hidden = true;
    detail(box, null);
    alert.hidden = false;
    alert.querySelector("[data-journal-evidence]").onclick = () => download(alert, evidence);
  }

  // The evidence as a file, made here: nothing goes back to the server.
  function download(alert, evidence) {
    const name = "carnet-historique-preuves-" + evidence.checked_at.slice(0, 10) + ".json";
    window.carnetSaveFile(name, JSON.stringify(evidence, null, 2) + "\n", "application/json");
    alert.querySelector("[data-journal-saved]").textContent =
      _("Le fichier «\u00a0%(name)s\u00a0» est enregistré dans vos téléchargements.").replace("%(name)s", name);
  }

  // Since when: a server that never answers the one proof that would convict it keeps the check from ending, not the
  // patient from seeing how long ago it last succeeded (the checkpoint's time, which the state holds).
  function lastVerified(dossier) {
    const state = stored(dossier);
    return state
      ? _("Dernière vérification réussie sur cet appareil : le %(moment)s.").replace("%(moment)s", longMoment(new Date(state.at)))
      : _("Cet historique n'a encore jamais été vérifié sur cet appareil.");
  }

  // Days without a verdict after which a check that cannot end is said as what it may be, not as a passing fault.
  const STALE_DAYS = 3;

  // A check that ended without a verdict, again: once it has for STALE_DAYS, a server that keeps a phone from ever
  // checking is what the patient is told to report (an outage is fixed within hours).
  function noVerdictSince(dossier) {
    const since = unverifiedSince(dossier);
    if (Date.now() - since.getTime() < STALE_DAYS * 86400000) return "";
    return " " + _("Votre appareil n'arrive plus à vérifier cet historique depuis le %(moment)s. Une panne dure rarement autant : un serveur qui cacherait une modification du journal pourrait aussi en empêcher la vérification. Si cela continue, signalez-le au responsable de vos données (« Vos données et vos droits », en bas de page).")
      .replace("%(moment)s", longMoment(since));
  }

  // How many witnesses the server is configured to ask (their keys, data-witnesses).
  function configured(box) { return JSON.parse(box.dataset.witnesses || "[]").length; }

  function evidenceFor(box) {
    return {
      about: "Carnet: a Historique that did not verify against the signed transparency log. Checkpoints are C2SP "
        + "signed notes, proofs RFC 9162 hashes in base64; an event's leaf hash is SHA-256(0x00 || "
        + JSON.stringify(J.LEAF_PREFIX) + " || salt || SHA-256(the canonical JSON of its fields)). That SHA-256, in hex, "
        + "is the event's hash in its dossier's chain: the next event names it as prev_hash, and has the next seq.",
      page: window.location.href, dossier: box.dataset.dossier, checked_at: new Date().toISOString(),
      witnesses: JSON.parse(box.dataset.witnesses || "[]"), witnesses_required: Number(box.dataset.witnessesRequired || 0),
    };
  }

  // ---- When: at the page's load, then for each page of events (older ones, a filter) htmx brings in ----

  let queue = Promise.resolve(), first = null, failed = false, witnessed = null, whole = false;

  // The pages of events not yet checked, in the page's order (newest first): each with what its list is (its
  // data-journal-page, views/log.py), the element that holds the list, and its events (in the log or pending).
  function unchecked() {
    const nodes = Array.from(document.querySelectorAll(["[data-journal-page]", "[data-journal-entry]",
      "[data-journal-pending]"].map((selector) => selector + ":not([data-journal-state])").join(", ")));
    const pages = [];
    for (const node of nodes) {
      if (node.dataset.journalPage !== undefined) {
        pages.push({ list: JSON.parse(node.dataset.journalPage), container: node.parentElement, items: [] });
      } else {
        if (!pages.length) pages.push({ list: {}, container: null, items: [] });  // no list said: no chain
        pages[pages.length - 1].items.push(node);
      }
    }
    return { nodes, pages };
  }

  let pastShown = false;

  function checkNew() {
    const box = document.querySelector("[data-journal-check]");
    if (!box || failed) return;
    if (!pastShown) {  // read once, before this visit's check can add its own
      pastShown = true;
      showPast(box, remembered(box.dataset.dossier));
    }
    const { nodes, pages } = unchecked();
    if (first && !nodes.length) {
      // A swap with no event to check: the end of the list (what was said holds), or a filter that matches none
      // (the status no longer speaks of events that are gone).
      queue = queue.then(() => {
        if (failed || !witnessed) return;
        const shown = document.querySelector('[data-journal-state="verified"]') !== null;
        verified(box, verifiedText(first, { witnessNames: witnessed, whole: whole && shown, witnesses: configured(box) }));
      });
      return;
    }
    nodes.forEach((node) => { node.dataset.journalState = "checking"; });
    if (!first) say(box, _("Vérification de l'historique par votre appareil…"), "small muted");
    queue = queue.then(async () => {
      if (failed) return;
      const evidence = evidenceFor(box);
      try {
        const result = await check(box.dataset.dossier, pages, evidence);
        nodes.forEach((node) => { if (node.dataset.journalState === "checking") node.dataset.journalState = "checked"; });
        first = first || result;
        witnessed = result.witnessNames;
        whole = pages.some((page) => page.items.length) && pages.every((page) => page.list.whole);
        verified(box, verifiedText(first, { witnessNames: result.witnessNames, whole, witnesses: configured(box) }));
      } catch (error) {
        const reason = error instanceof Failure || error instanceof J.ProofError ? error.reason : null;
        if (reason && reason !== "unsupported") {
          failed = true;
          showFailure(box, error, evidence);
          return;
        }
        if (!reason && !(error instanceof Unavailable)) console.error(error);  // a fault of this script: no verdict
        nodes.forEach((node) => { delete node.dataset.journalState; });  // checked again at the next round
        detail(box, null);
        say(box, reason === "unsupported"
          ? _("Ce navigateur ne sait pas vérifier les signatures du journal (Ed25519) : l'historique n'est pas vérifié sur cet appareil. Un navigateur à jour le peut.")
          : _("L'historique n'a pas pu être vérifié pour l'instant : le journal de Carnet n'a pas répondu, ou la vérification a été interrompue. Votre appareil réessaiera à votre prochaine visite.")
            + " " + lastVerified(box.dataset.dossier) + noVerdictSince(box.dataset.dossier),
        "warning");
      }
    });
  }

  document.addEventListener("htmx:load", (event) => {
    if (event.detail && event.detail.elt && event.detail.elt !== document.body) checkNew();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", checkNew);
  else checkNew();
})();
