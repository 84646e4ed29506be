// One check of the Historique (issue 14), which journal-verify.js makes and tells: the log's key, pinned at
// the first check; its signed checkpoint, proven to extend the one this device verified last (RFC 9162
// consistency); each event shown proven to be in it (inclusion), from its hashed fields, its leaf's salt and
// index, which the page gives (views/log.py; for an event whose document its author withdrew since, its stored
// hash instead of its title: J.entryHash); and the dossier's chain (audit.py), which the tree does not
// order: when the list is whole (no filter), the events shown, page after page, must follow one another
// (seq and prev_hash), and the newest event this device verified must still be there, unchanged.
//
// What this device keeps, per dossier, in localStorage: the log's key, the checkpoint last verified (size,
// root hash, signed note, time), the newest event verified (its number and hash), and the witnesses it then
// required (their keys and how many must cosign: a server that drops them could show this patient a log its
// witnesses never saw, so they are pinned as the key is, and only more may be asked), and the first check that
// failed since the patient last dismissed one: its time, its reason and the event numbers it names (`failure`: a
// server that tampers once, then serves honest pages again, passes the next check; the patient is still told).
// No health data: the evidence, which holds the events shown, is not kept (journal-verify.js says so).
// The proofs are journal-proofs.js's; this file fetches, keeps and decides. No text for the patient here.
(function () {
  "use strict";

  const J = window.carnetJournal;
  const STORAGE = "carnet.journal.";  // + the dossier's id

  // The log does not prove what it must: the patient is told, and the evidence kept. `reason` as ProofError's,
  // or "key", "quorum", "unwitnessed" (`required`), "shrunk", "inconsistent", "unproven" (a proof refused, 404, for a
  // tree the log signed itself: a contradiction, not the network), "events" (`count`), or a break in the
  // dossier's chain as J.chainBreak names it: "gap" (`newer`, `older`), "newest" (`kept`), "changed" (`kept`),
  // "start". `items`: the events shown where it fails, if any.
  class Failure extends Error {
    constructor(reason, details) { super(reason); this.reason = reason; Object.assign(this, details); }
  }
  // Nothing was proven either way (the network, a server's error): said quietly, tried again next visit.
  class Unavailable extends Error {
    constructor(url, status) { super(url); this.status = status || 0; }
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
          && typeof state.note === "string" && typeof state.at === "string"
          && (state.seq === undefined || (Number.isSafeInteger(state.seq) && /^[0-9a-f]{64}$/.test(state.hash)))
          && (state.witnesses === undefined || (Array.isArray(state.witnesses.keys)
              && state.witnesses.keys.every((key) => typeof key === "string")
              && Number.isSafeInteger(state.witnesses.required)))) {
        return state;  // seq and hash: the newest event verified (absent before any was); witnesses: absent before
                       // this device's first check since they were kept
      }
    } catch (error) { /* none, or unreadable: a first check */ }
    return null;
  }

  function raw(dossier) {
    try { return JSON.parse(window.localStorage.getItem(STORAGE + dossier)) || {}; } catch (error) { return {}; }
  }

  // A state verified, with the failure remembered, if any: a check that passes does not make the patient forget it.
  function store(dossier, state) {
    const failure = remembered(dossier);
    keep(dossier, failure ? { ...state, failure } : state);
  }

  function keep(dossier, state) {
    try { window.localStorage.setItem(STORAGE + dossier, JSON.stringify(state)); } catch (error) { /* private mode */ }
  }

  // The failure this device remembers for the dossier: {at, reason, and the numbers its sentence names}, or null.
  const FAILURE_NUMBERS = ["count", "older", "newer", "kept", "required"];
  function remembered(dossier) {
    const failure = raw(dossier).failure;
    if (failure && typeof failure.at === "string" && !Number.isNaN(Date.parse(failure.at))
        && typeof failure.reason === "string" && /^[a-z]{1,20}$/.test(failure.reason)
        && FAILURE_NUMBERS.every((name) => failure[name] === undefined || Number.isSafeInteger(failure[name]))) {
      return failure;
    }
    return null;
  }

  // Kept until the patient dismisses it (forget); the first one, if several: the day it began.
  function remember(dossier, failure) {
    if (remembered(dossier)) return;
    const kept = { at: new Date().toISOString(), reason: failure.reason };
    FAILURE_NUMBERS.forEach((name) => { if (Number.isSafeInteger(failure[name])) kept[name] = failure[name]; });
    keep(dossier, { ...raw(dossier), failure: kept });
  }

  // Since when this device's checks of the dossier end without a verdict (the log unreachable, a proof never
  // given): the first such check after the last verdict, kept until one (store() writes the state without it).
  function unverifiedSince(dossier) {
    const state = raw(dossier);
    if (typeof state.unverified === "string" && !Number.isNaN(Date.parse(state.unverified))) {
      return new Date(state.unverified);
    }
    const now = new Date();
    keep(dossier, { ...state, unverified: now.toISOString() });
    return now;
  }

  function forget(dossier) {
    const state = raw(dossier);
    delete state.failure;
    if (Object.keys(state).length) keep(dossier, state);
    else try { window.localStorage.removeItem(STORAGE + dossier); } catch (error) { /* private mode */ }
  }

  // ---- One check: these events, against the log's latest checkpoint -------------------------------------

  // Resolves with what was verified; rejects with a Failure (`evidence` filled as far as it went) or Unavailable.
  // `pages`: each page of events not yet checked, {list: its data-journal-page, container, items}.
  async function check(dossier, pages, evidence) {
    const previous = stored(dossier);
    const items = pages.flatMap((page) => page.items).filter((item) => item.dataset.journalEntry !== undefined);
    evidence.previous_checkpoint = previous;
    evidence.events = items.map((item) => JSON.parse(item.dataset.journalEntry));

    // The key: the one this device pinned at its first check, else (first use) the one published.
    const keyText = await fetchText("/journal/cle");
    evidence.log_key = { pinned: previous ? previous.key : null, served: keyText };
    if (!/^[^\n]+\n$/.test(keyText)) throw new Failure("malformed");
    const key = keyText.slice(0, -1);
    if (previous && previous.key !== key) throw new Failure("key");

    // The checkpoint: signed by that key, cosigned by enough of the witnesses the page names, and by as many as this
    // device required before (those it knew then count too: a witness may be replaced by another, not dropped).
    const pinned = previous && previous.witnesses ? previous.witnesses : { keys: [], required: 0 };
    evidence.pinned_witnesses = pinned;
    const signed = await fetchText("/journal/checkpoint");
    evidence.new_checkpoint = signed;
    const witnessKeys = [...new Set(evidence.witnesses.concat(pinned.keys))];
    const { checkpoint, witnessNames } = await J.verifyCheckpoint(signed, key, witnessKeys);
    if (witnessNames.length < pinned.required) throw new Failure("unwitnessed", { required: pinned.required });
    if (!Number.isSafeInteger(evidence.witnesses_required)) throw new Failure("malformed");
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
        // No proof between two sizes the log signed: it lost the tree this device verified (older), or it signed a
        // tree it cannot prove grew from it (a fork it keeps from being caught): neither is the network.
        if (!(error instanceof Unavailable && error.status === 404)) throw error;
        throw older ? new Failure("shrunk") : new Failure("unproven");
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
      let proof;
      try {
        proof = J.parseHashes(await fetchText(result.proof_url));
      } catch (error) {
        // An index within the tree the log signed, which it says it does not hold.
        throw error instanceof Unavailable && error.status === 404 ? new Failure("unproven") : error;
      }
      const digest = await J.entryHash(entry);
      const leaf = await J.eventLeafHash(J.fromBase64(entry.salt), digest);
      Object.assign(result, { proof: proof.map(J.toBase64), event_hash: J.toHex(digest), leaf_hash: J.toBase64(leaf) });
      result.included = await J.verifyInclusion(leaf, entry.index, checkpoint.size, proof, checkpoint.root);
      return result;
    }));
    const states = evidence.events.map((entry) => (entry.included ? "verified" : entry.waiting ? "waiting" : "failed"));
    items.forEach((item, i) => {
      item.dataset.journalState = states[i];
      if (evidence.events[i].hash !== undefined) item.dataset.journalWithheld = "";  // its place alone checked
    });
    const failed = items.filter((item, i) => states[i] === "failed");
    if (failed.length) {
      evidence.events = evidence.events.filter((entry, i) => states[i] === "failed");
      throw new Failure("events", { count: failed.length, items: failed });
    }

    const kept = previous && previous.seq !== undefined ? { seq: previous.seq, hash: previous.hash } : null;
    const highest = await checkChain(pages, kept, evidence);

    // Everything verified: this is the checkpoint the next visit must be proven to extend, and the newest
    // event verified (number and hash: no health data), which it must still show.
    store(dossier, { key, size: checkpoint.size, root: J.toBase64(checkpoint.root), note: signed,
                     at: new Date().toISOString(), ...(highest && (!kept || highest.seq > kept.seq) ? highest : kept),
                     witnesses: { keys: evidence.witnesses,
                                  required: Math.max(pinned.required, evidence.witnesses_required) } });
    return { previous, witnessNames };
  }

  // The last event verified in each list (its container), which the next page of it must follow.
  const lastOf = new WeakMap();

  // The dossier's chain through these pages (J.chainBreak), else a Failure; resolves with the newest event
  // among them proven to be in the log, {seq, hash}, if any.
  async function checkChain(pages, kept, evidence) {
    let highest = null;
    for (const page of pages) {
      const links = await Promise.all(page.items.map(async (item) => {
        const entry = JSON.parse(item.dataset.journalEntry || item.dataset.journalPending);
        const hash = J.toHex(await J.entryHash(entry));
        return { seq: entry.fields.seq, prev_hash: entry.fields.prev_hash, hash, entry, item };
      }));
      const after = page.list.newest ? null : lastOf.get(page.container) || null;
      const found = J.chainBreak(links, { ...page.list, after, kept });
      if (found) {
        const shown = found.reason === "newest" ? links.slice(0, 1) : [found.newer, found.older, found.event].filter(Boolean);
        const bare = (link) => link && { seq: link.seq, prev_hash: link.prev_hash, hash: link.hash };
        evidence.chain = { reason: found.reason, list: page.list, kept, newer: bare(found.newer),
                           older: bare(found.older || found.event) };
        evidence.events = shown.filter((link) => link.entry).map((link) => ({ ...link.entry, chain_hash: link.hash }));
        const item = (found.older || found.event || {}).item;  // where the break shows
        throw new Failure(found.reason, { newer: found.newer && found.newer.seq, older: found.older && found.older.seq,
                                          kept: kept && kept.seq, items: item ? [item] : [] });
      }
      if (links.length && page.container) lastOf.set(page.container, links[links.length - 1]);
      for (const link of links) {
        const included = link.item.dataset.journalState === "verified";
        if (included && (!highest || link.seq > highest.seq)) highest = { seq: link.seq, hash: link.hash };
      }
    }
    return highest;
  }

  window.carnetJournalCheck = Object.freeze({ Failure, Unavailable, check, stored, remembered, remember, forget,
                                                unverifiedSince });
})();
