// The Historique checks itself (issue 14): on each visit, this device verifies that the events the page
// shows are in Carnet's signed transparency log, and that the log only grew since the device last checked.
//
// Nothing the server says is taken on trust. The log's key is pinned at the first check; the checkpoint
// last verified for the dossier is kept in localStorage (its size, root hash and signed note, with the key:
// no health data), and each new one must be proven to extend it (RFC 9162 consistency); each event shown
// must be proven to be in it (inclusion), from its hashed fields, its leaf's salt and its index, which the
// page gives (views/log.py). The proofs are checked by journal-proofs.js; this file fetches, keeps, tells.
(function () {
  "use strict";

  function _(message) { return window.carnetText ? window.carnetText(message) : message; }

  const J = window.carnetJournal;
  const STORAGE = "carnet.journal.";  // + the dossier's id

  // The log does not prove what it must: the patient is told, and the evidence kept. `reason` as ProofError's,
  // or "key", "quorum", "shrunk", "inconsistent", "events".
  class Failure extends Error {
    constructor(reason, count) { super(reason); this.reason = reason; this.count = count || 0; }
  }
  // Nothing was proven either way (the network, a server's error): said quietly, tried again next visit.
  class Unavailable extends Error {
    constructor(url, status) { super(url); this.status = status || 0; }
  }

  function reasonText(failure) {
    switch (failure.reason) {
      case "key": return _("La clé qui signe le journal n'est plus celle que votre appareil a enregistrée lors de sa première vérification.");
      case "signature": return _("Le point de contrôle du journal ne porte pas de signature valide de sa clé.");
      case "shrunk": return _("Le journal n'a plus l'état que votre appareil avait vérifié : des entrées ont disparu.");
      case "inconsistent": return _("Le journal signé ne prolonge pas celui que votre appareil avait vérifié : des entrées ont été modifiées ou effacées depuis.");
      case "witness": return _("Une contresignature de témoin jointe au journal n'est pas valide.");
      case "quorum": return _("Le journal n'est pas contresigné par autant de témoins indépendants que Carnet l'exige.");
      case "events": return failure.count === 1
        ? _("Un événement affiché ne correspond pas à ce que le journal a signé.")
        : _("%(num)d événements affichés ne correspondent pas à ce que le journal a signé.").replace("%(num)d", String(failure.count));
      default: return _("Le journal a répondu par un point de contrôle ou une preuve mal formés.");
    }
  }

  async function fetchText(url) {
    let response;
    try {
      response = await fetch(url, { cache: "no-store", credentials: "same-origin" });
    } catch (error) {
      throw new Unavailable(url);
    }
    if (!response.ok) throw new Unavailable(url, response.status);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(await response.arrayBuffer());
    } catch (error) {
      throw new Failure("malformed");
    }
  }

  // ---- What this device keeps, per dossier ---------------------------------------------------------

  function stored(dossier) {
    try {
      const state = JSON.parse(window.localStorage.getItem(STORAGE + dossier));
      if (state && typeof state.key === "string" && Number.isSafeInteger(state.size) && typeof state.root === "string"
          && typeof state.note === "string" && typeof state.at === "string") return state;
    } catch (error) { /* none, or unreadable: a first check */ }
    return null;
  }

  function store(dossier, state) {
    try { window.localStorage.setItem(STORAGE + dossier, JSON.stringify(state)); } catch (error) { /* private mode */ }
  }

  // ---- One check: these events, against the log's latest checkpoint -------------------------------------

  // Resolves with what was verified; rejects with a Failure (`evidence` filled as far as it went) or Unavailable.
  async function check(dossier, items, evidence) {
    const previous = stored(dossier);
    evidence.previous_checkpoint = previous;
    evidence.events = items.map((item) => JSON.parse(item.dataset.journalEntry));

    // The key: the one this device pinned at its first check, else (first use) the one published.
    const keyText = await fetchText("/journal/cle");
    evidence.log_key = { pinned: previous ? previous.key : null, served: keyText };
    if (!/^[^\n]+\n$/.test(keyText)) throw new Failure("malformed");
    const key = keyText.slice(0, -1);
    if (previous && previous.key !== key) throw new Failure("key");

    // The checkpoint: signed by that key, cosigned by enough of the witnesses.
    const signed = await fetchText("/journal/checkpoint");
    evidence.new_checkpoint = signed;
    const { checkpoint, witnessNames } = await J.verifyCheckpoint(signed, key, evidence.witnesses);
    if (witnessNames.length < evidence.witnesses_required) throw new Failure("quorum");

    // It extends the one this device verified last: nothing the log held then was changed or removed. One
    // older than that (the newest the witnesses cosigned can lag) must be a prefix of it, and proves nothing
    // new; a log that can no longer prove so has lost the tree this device verified.
    if (previous) {
      const older = checkpoint.size < previous.size;
      const [from, to] = older
        ? [checkpoint, { size: previous.size, root: J.fromBase64(previous.root) }]
        : [{ size: previous.size, root: J.fromBase64(previous.root) }, checkpoint];
      const url = "/journal/preuve/consistance?de=" + from.size + "&a=" + to.size;
      let proof = [];
      try {
        if (from.size > 0 && from.size < to.size) proof = J.parseHashes(await fetchText(url));
      } catch (error) {
        throw older && error instanceof Unavailable && error.status === 404 ? new Failure("shrunk") : error;
      }
      evidence.consistency_proof = { from_size: from.size, to_size: to.size, url, hashes: proof.map(J.toBase64) };
      if (!(await J.verifyConsistency(from.size, to.size, from.root, to.root, proof))) throw new Failure("inconsistent");
      if (older) throw new Unavailable("/journal/checkpoint", 0);  // checked again at the next visit
    }

    // Each event shown is in it, as shown: its leaf recomputed here from its fields and salt. A leaf beyond
    // the checkpoint waits for the next one (with witnesses, /journal/checkpoint serves the newest they cosigned).
    evidence.events = await Promise.all(evidence.events.map(async (entry) => {
      const result = { ...entry, included: false };
      if (!Number.isSafeInteger(entry.index) || entry.index < 0) return result;
      if (entry.index >= checkpoint.size) return { ...result, waiting: true };
      result.proof_url = "/journal/preuve/inclusion?index=" + entry.index + "&taille=" + checkpoint.size;
      const proof = J.parseHashes(await fetchText(result.proof_url));
      const leaf = await J.eventLeafHash(J.fromBase64(entry.salt), entry.fields);
      Object.assign(result, { proof: proof.map(J.toBase64), event_hash: J.toHex(await J.eventHash(entry.fields)),
                              leaf_hash: J.toBase64(leaf) });
      result.included = await J.verifyInclusion(leaf, entry.index, checkpoint.size, proof, checkpoint.root);
      return result;
    }));
    const states = evidence.events.map((entry) => (entry.included ? "verified" : entry.waiting ? "waiting" : "failed"));
    items.forEach((item, i) => { item.dataset.journalState = states[i]; });
    const failed = items.filter((item, i) => states[i] === "failed");
    if (failed.length) {
      failed.forEach(markFailed);
      evidence.events = evidence.events.filter((entry, i) => states[i] === "failed");
      throw new Failure("events", failed.length);
    }

    // Everything verified: this is the checkpoint the next visit must be proven to extend.
    store(dossier, { key, size: checkpoint.size, root: J.toBase64(checkpoint.root), note: signed,
                     at: new Date().toISOString() });
    return { previous, witnessNames };
  }

  // ---- What the patient reads ----------------------------------------------------------------------

  const FRENCH = (document.documentElement.lang || "fr").slice(0, 2) !== "en";
  const MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                  "novembre", "décembre"];

  // "1er décembre 2026 à 9 h 05" / "1 December 2026 at 09:05", in Paris time, as Carnet's pages write a moment.
  function longMoment(when) {
    const parts = {};
    new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", year: "numeric", month: "numeric", day: "numeric",
                                       hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(when).forEach((part) => { parts[part.type] = part.value; });
    const day = Number(parts.day), month = Number(parts.month) - 1;
    if (!FRENCH) {
      const name = new Intl.DateTimeFormat("en-GB", { month: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2000, month, 15)));
      return day + " " + name + " " + parts.year + " at " + parts.hour + ":" + parts.minute;
    }
    return (day === 1 ? "1er" : String(day)) + " " + MONTHS[month] + " " + parts.year + " à " + Number(parts.hour)
      + "\u00a0h\u00a0" + parts.minute;
  }

  function say(box, text, kind) {
    const status = box.querySelector("[data-journal-status]");
    status.textContent = text;
    status.className = "journal-status " + kind;
  }

  function markFailed(item) {
    if (item.parentElement.querySelector(".log-journal-failed")) return;
    const mark = document.createElement("strong");
    mark.className = "log-journal-failed small";
    mark.textContent = _("Ne correspond pas au journal signé");
    item.before(mark);
  }

  function verifiedText(first, witnessNames) {
    const moment = longMoment(new Date());
    let text = first.previous
      ? _("Historique vérifié par votre appareil le %(moment)s : aucune entrée du journal signé de Carnet n'a été modifiée ni effacée depuis sa vérification précédente, le %(previous)s.")
        .replace("%(moment)s", moment).replace("%(previous)s", longMoment(new Date(first.previous.at)))
      : _("Historique vérifié par votre appareil le %(moment)s, pour la première fois : à chaque visite, il vérifiera désormais qu'aucune entrée du journal signé de Carnet n'a été modifiée ni effacée depuis.")
        .replace("%(moment)s", moment);
    const verified = document.querySelectorAll('[data-journal-state="verified"]').length;
    const pending = document.querySelectorAll('[data-journal-pending], [data-journal-state="waiting"]').length;
    if (verified === 1) text += " " + _("L'événement affiché y est inscrit tel quel.");
    if (verified > 1) text += " " + _("Les %(num)d événements affichés y sont inscrits tels quels.").replace("%(num)d", String(verified));
    if (pending === 1) text += " " + _("Un événement très récent est en cours d'inscription : il sera vérifié à votre prochaine visite.");
    if (pending > 1) {
      text += " " + _("%(num)d événements très récents sont en cours d'inscription : ils seront vérifiés à votre prochaine visite.")
        .replace("%(num)d", String(pending));
    }
    if (witnessNames.length) text += " " + _("Journal contresigné par : %(witnesses)s.").replace("%(witnesses)s", witnessNames.join(", "));
    return text;
  }

  function showFailure(box, failure, evidence) {
    const alert = box.querySelector("[data-journal-alert]");
    evidence.reason = reasonText(failure);
    alert.querySelector("[data-journal-reason]").textContent = evidence.reason;
    box.querySelector("[data-journal-status]").hidden = true;
    alert.hidden = false;
    alert.querySelector("[data-journal-evidence]").onclick = () => download(alert, evidence);
  }

  // The evidence as a file, made here: nothing goes back to the server.
  function download(alert, evidence) {
    const name = "carnet-historique-preuves-" + evidence.checked_at.slice(0, 10) + ".json";
    const url = URL.createObjectURL(new Blob([JSON.stringify(evidence, null, 2) + "\n"], { type: "application/json" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    alert.querySelector("[data-journal-saved]").textContent =
      _("Le fichier « %(name)s » est enregistré dans vos téléchargements.").replace("%(name)s", name);
  }

  function evidenceFor(box) {
    return {
      about: "Carnet: a Historique that did not verify against the signed transparency log. Checkpoints are C2SP "
        + "signed notes, proofs RFC 9162 hashes in base64; an event's leaf hash is SHA-256(0x00 || "
        + JSON.stringify(J.LEAF_PREFIX) + " || salt || SHA-256(the canonical JSON of its fields)).",
      page: window.location.href, dossier: box.dataset.dossier, checked_at: new Date().toISOString(),
      witnesses: JSON.parse(box.dataset.witnesses || "[]"), witnesses_required: Number(box.dataset.witnessesRequired || 0),
    };
  }

  // ---- When: at the page's load, then for each page of events (older ones, a filter) htmx brings in ----

  let queue = Promise.resolve(), first = null, failed = false;

  function checkNew() {
    const box = document.querySelector("[data-journal-check]");
    if (!box || failed) return;
    const items = Array.from(document.querySelectorAll("[data-journal-entry]:not([data-journal-state])"));
    if (first && !items.length) return;  // htmx:load comes once for each element a swap brings
    items.forEach((item) => { item.dataset.journalState = "checking"; });
    if (!first) say(box, _("Vérification de l'historique par votre appareil…"), "small muted");
    queue = queue.then(async () => {
      if (failed) return;
      const evidence = evidenceFor(box);
      try {
        const result = await check(box.dataset.dossier, items, evidence);
        first = first || result;
        say(box, verifiedText(first, result.witnessNames), "success");
      } catch (error) {
        const reason = error instanceof Failure || error instanceof J.ProofError ? error.reason : null;
        if (reason && reason !== "unsupported") {
          failed = true;
          showFailure(box, error, evidence);
          return;
        }
        if (!reason && !(error instanceof Unavailable)) console.error(error);  // a fault of this script: no verdict
        items.forEach((item) => { delete item.dataset.journalState; });  // checked again at the next round
        say(box, reason === "unsupported"
          ? _("Ce navigateur ne sait pas vérifier les signatures du journal (Ed25519) : l'historique n'est pas vérifié sur cet appareil. Un navigateur à jour le peut.")
          : _("L'historique n'a pas pu être vérifié pour l'instant : le journal de Carnet n'a pas répondu, ou la vérification a été interrompue. Votre appareil réessaiera à votre prochaine visite."),
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
