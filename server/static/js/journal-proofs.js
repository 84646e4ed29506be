// The transparency log's proofs, checked in the browser with WebCrypto: what server/tlog/ makes, verified
// by the patient's own device (journal-verify.js uses it). Pure: no page, no network, no storage.
//
// RFC 9162 §2.1 (Merkle hashes, inclusion and consistency proofs), C2SP signed-note (Ed25519 keys and
// signatures), tlog-checkpoint and tlog-cosignature (witnesses' Ed25519 cosignature/v1), Carnet's
// leaf (tlog/leaf.py) and the dossier's chain (audit.py). Parsing is as strict as the server's: one
// text for each value.
(function () {
  "use strict";

  const LEAF_PREFIX = "carnet/journal/access-event/v1\n";  // tlog/leaf.py
  const LOG_KEY_TYPE = 0x01;  // Ed25519 note signature (signed-note)
  const COSIGNER_KEY_TYPE = 0x04;  // Ed25519 cosignature/v1 (tlog-cosignature)
  const MAX_SIGNATURES = 100;  // as tlog/note.py and Go's reference
  const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;  // a note has no control character but the newline
  const utf8 = new TextEncoder();

  // Something that does not prove what it must. `reason`: "malformed", "signature", "witness", or
  // "unsupported" (a browser without Ed25519: nothing is proven either way).
  class ProofError extends Error {
    constructor(reason) { super(reason); this.reason = reason; }
  }
  const malformed = () => new ProofError("malformed");

  // ---- Bytes ----------------------------------------------------------------------------------------

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  const same = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);
  const toBase64 = (data) => btoa(String.fromCharCode(...data));
  const toHex = (data) => Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("");

  // Standard base64, padded and canonical: one text for each byte string (keys.b64decode_strict).
  function fromBase64(text) {
    if (typeof text !== "string" || text.length % 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw malformed();
    const data = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    if (toBase64(data) !== text) throw malformed();
    return data;
  }

  async function sha256(data) { return new Uint8Array(await crypto.subtle.digest("SHA-256", data)); }

  async function ed25519Verify(publicKey, signature, message) {
    if (signature.length !== 64) return false;
    let key;
    try {
      key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    } catch (error) {
      throw new ProofError("unsupported");  // Chromium has it, Safari from 17, Firefox from 129
    }
    return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  }

  // ---- RFC 9162 §2.1: hashes and proofs ------------------------------------------------------------
  // Sizes are safe integers, halved by arithmetic: JavaScript's bit operators stop at 32 bits.

  const half = (n) => Math.floor(n / 2);
  const odd = (n) => n % 2 === 1;
  const leafHash = (data) => sha256(concat([0x00], data));  // §2.1.1: leaves and nodes never collide
  const nodeHash = (left, right) => sha256(concat([0x01], left, right));

  // §2.1.3.2: does this inclusion proof lead from the leaf at `index` to the root of a tree of `size`?
  async function verifyInclusion(leaf, index, size, proof, root) {
    if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) return false;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0) return false;  // longer than the path
      if (odd(fn) || fn === sn) {  // p is on the left (on the right edge, levels with no sibling are skipped)
        r = await nodeHash(p, r);
        while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        r = await nodeHash(r, p);
      }
      fn = half(fn); sn = half(sn);
    }
    return sn === 0 && same(r, root);
  }

  // §2.1.4.2: is the tree of `oldSize` leaves with `oldRoot` a prefix of the one of `newSize` with `newRoot`?
  // Beyond the RFC's 0 < oldSize < newSize, as tlog/merkle.py: equal sizes need equal roots, and the empty
  // tree (whose root is SHA-256 of nothing) is a prefix of every tree; both with an empty proof.
  async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
    if (!(Number.isSafeInteger(oldSize) && Number.isSafeInteger(newSize) && oldSize >= 0 && oldSize <= newSize)) {
      return false;
    }
    if (oldSize === newSize) return proof.length === 0 && same(oldRoot, newRoot);
    if (oldSize === 0) return proof.length === 0 && same(oldRoot, await sha256(new Uint8Array(0)));
    if (proof.length === 0) return false;
    let m = oldSize;
    while (!odd(m)) m = half(m);
    const path = m === 1 ? [oldRoot, ...proof] : proof;  // the old tree is a complete subtree: its root starts the path
    let fn = oldSize - 1, sn = newSize - 1;
    while (odd(fn)) { fn = half(fn); sn = half(sn); }
    let fr = path[0], sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0) return false;
      if (odd(fn) || fn === sn) {  // c is on the left of both trees' paths
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {  // c is in the new tree only, on the right
        sr = await nodeHash(sr, c);
      }
      fn = half(fn); sn = half(sn);
    }
    return sn === 0 && same(fr, oldRoot) && same(sr, newRoot);
  }

  // A proof as views/transparency.py writes it: base64 hashes, one a line, none for an empty proof.
  function parseHashes(text) {
    if (text === "") return [];
    if (!text.endsWith("\n")) throw malformed();
    const hashes = text.slice(0, -1).split("\n").map(fromBase64);
    if (hashes.length > 128 || hashes.some((h) => h.length !== 32)) throw malformed();
    return hashes;
  }

  // ---- C2SP signed notes, keys, checkpoints, cosignatures ------------------------------------------

  // Key and signer names: not empty, no plus sign, no space nor control character (keys.is_valid_name).
  const validName = (name) => name.length > 0 && !/[\s+\u0000-\u001f\u0085]/.test(name);

  // "<name>+<key ID, 8 hex digits>+<base64(type || 32-byte Ed25519 key)>", its ID checked against the key:
  // SHA-256(name || "\n" || type || key)[:4].
  async function parseKey(text, type) {
    const first = text.indexOf("+"), second = text.indexOf("+", first + 1);
    if (first < 0 || second < 0) throw malformed();
    const name = text.slice(0, first), id = text.slice(first + 1, second), raw = fromBase64(text.slice(second + 1));
    if (!validName(name) || !/^[0-9a-f]{8}$/.test(id) || raw.length !== 33 || raw[0] !== type) throw malformed();
    const keyId = (await sha256(concat(utf8.encode(name + "\n"), raw))).slice(0, 4);
    if (toHex(keyId) !== id) throw malformed();
    return { name, keyId, publicKey: raw.slice(1) };
  }

  // "<text>\n\n— <name> <base64(key ID || signature)>\n…", read as tlog/note.py reads it.
  function parseNote(message) {
    const split = message.lastIndexOf("\n\n");
    if (CONTROL.test(message) || split < 0 || !message.endsWith("\n") || split + 2 === message.length) throw malformed();
    const lines = message.slice(split + 2, -1).split("\n");
    if (lines.length > MAX_SIGNATURES) throw malformed();
    const signatures = lines.map((line) => {
      if (!line.startsWith("\u2014 ")) throw malformed();
      const rest = line.slice(2), space = rest.indexOf(" ");
      const name = space < 0 ? rest : rest.slice(0, space), raw = fromBase64(space < 0 ? "" : rest.slice(space + 1));
      if (!validName(name) || raw.length < 5) throw malformed();
      return { name, keyId: raw.slice(0, 4), raw };
    });
    return { text: message.slice(0, split + 1), signatures };
  }

  const signedBy = (note, key) => note.signatures.find((s) => s.name === key.name && same(s.keyId, key.keyId));

  // "<origin>\n<size>\n<base64 root hash>\n[extension lines]" (tlog-checkpoint, as checkpoint.py parses it).
  function parseCheckpoint(text) {
    const lines = text.slice(0, -1).split("\n");
    if (lines.length < 3 || lines.includes("") || !/^(0|[1-9][0-9]*)$/.test(lines[1])) throw malformed();
    const size = Number(lines[1]), root = fromBase64(lines[2]);
    if (!Number.isSafeInteger(size) || root.length !== 32) throw malformed();
    return { origin: lines[0], size, root };
  }

  // The names of the witnesses (cosigner keys, type 0x04) whose cosignature on this note verifies. A known
  // witness's bad one fails, as a known key's bad signature rejects a note. What a witness signs is
  // "cosignature/v1\ntime <timestamp>\n" then the checkpoint's text ("Ed25519 signed message").
  async function verifyCosignatures(note, witnesses) {
    const names = [];
    for (const witness of witnesses) {
      const lines = note.signatures.filter((s) => s.name === witness.name && same(s.keyId, witness.keyId));
      for (const line of lines) {  // every one, as tlog/cosignature.py checks them
        if (line.raw.length !== 4 + 8 + 64) throw new ProofError("witness");
        const time = new DataView(line.raw.buffer, line.raw.byteOffset + 4, 8).getBigUint64(0);
        if (time > 2n ** 63n - 1n) throw new ProofError("witness");
        const message = utf8.encode("cosignature/v1\ntime " + time.toString() + "\n" + note.text);
        if (!(await ed25519Verify(witness.publicKey, line.raw.slice(12), message))) throw new ProofError("witness");
      }
      if (lines.length) names.push(witness.name);
    }
    return names;
  }

  // A signed checkpoint, if the log's key signed it and it names the log (the key's name is the origin),
  // with the names of the witnesses whose cosignatures verify.
  async function verifyCheckpoint(signed, logKeyText, witnessKeyTexts) {
    const logKey = await parseKey(logKeyText, LOG_KEY_TYPE);
    const note = parseNote(signed);
    const signature = signedBy(note, logKey);
    if (!signature || !(await ed25519Verify(logKey.publicKey, signature.raw.slice(4), utf8.encode(note.text)))) {
      throw new ProofError("signature");
    }
    const checkpoint = parseCheckpoint(note.text);
    if (checkpoint.origin !== logKey.name) throw new ProofError("signature");
    const witnesses = [];
    for (const text of witnessKeyTexts) witnesses.push(await parseKey(text, COSIGNER_KEY_TYPE));
    return { checkpoint, witnessNames: await verifyCosignatures(note, witnesses) };
  }

  // ---- An access event's leaf ----------------------------------------------------------------------

  // The bytes of Python's json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
  // which audit.event_hash hashes. For strings, integers and null both escape '"', '\\' and control
  // characters alone (\b \t \n \f \r, else \u00XX in lower case) and write every other character as
  // it is; the keys are ASCII, so sorting by UTF-16 unit is sorting by code point. Other values
  // (floats, booleans, objects) are refused rather than guessed at.
  function canonicalJSON(fields) {
    return "{" + Object.keys(fields).sort().map((name) => {
      const value = fields[name];
      if (!(value === null || typeof value === "string" || Number.isSafeInteger(value))) throw malformed();
      return JSON.stringify(name) + ":" + JSON.stringify(value);
    }).join(",") + "}";
  }

  const eventHash = (fields) => sha256(utf8.encode(canonicalJSON(fields)));

  // The event's hash in its dossier's chain, as the page gives the event (accesslog/proofs.py): recomputed from its
  // fields; or, for one whose document its author withdrew since, which comes without its title, the hash the chain
  // stored (`hash`, hex), which is then only found in the log and named by the next event, its content unchecked.
  async function entryHash(entry) {
    if (entry.hash === undefined) return eventHash(entry.fields);
    // Only an event that names a document may come so: any other is checked by its content, whatever the page says.
    if (!entry.fields || !entry.fields.document_id) throw malformed();
    if (typeof entry.hash !== "string" || !/^[0-9a-f]{64}$/.test(entry.hash)) throw malformed();
    return Uint8Array.from(entry.hash.match(/../g), (pair) => parseInt(pair, 16));
  }

  // The RFC 9162 leaf hash of LEAF_PREFIX || salt || the event's hash (tlog/leaf.py).
  async function eventLeafHash(salt, digest) {
    if (salt.length !== 32 || digest.length !== 32) throw malformed();
    return leafHash(concat(utf8.encode(LEAF_PREFIX), salt, digest));
  }

  // ---- The dossier's chain (audit.py) ----------------------------------------------------------------
  // A leaf proves that an event is in the log, not that the page shows all of them: each event also has
  // its number in its dossier (seq: 1, 2, 3…) and names the hash of the one before it (prev_hash).

  const GENESIS = "0".repeat(64);  // audit.GENESIS: what a dossier's first event names as the one before it

  // The first place where events of one dossier, shown newest first as {seq, prev_hash, hash} (hash: the
  // event's own, audit.event_hash in hex), do not hold together; null if none. `after`: the event shown
  // just before them, if any. `whole`: the list shows every event of the dossier in turn, so each must be
  // numbered one below the one before it and be the one that names it; with `newest` the first of them is
  // the dossier's newest, with `oldest` the last is its first (seq 1, which always follows GENESIS).
  // `kept`: the newest event this device verified before, {seq, hash}: still there, and unchanged.
  function chainBreak(events, { after = null, whole = false, newest = false, oldest = false, kept = null } = {}) {
    if (whole && newest && kept && (events.length ? events[0].seq : 0) < kept.seq) return { reason: "newest" };
    for (const [i, event] of events.entries()) {
      const newer = i ? events[i - 1] : after;
      if (kept && event.seq === kept.seq && event.hash !== kept.hash) return { reason: "changed", event };
      if (event.seq === 1 && event.prev_hash !== GENESIS) return { reason: "start", event };
      if (whole && newer && (event.seq !== newer.seq - 1 || event.hash !== newer.prev_hash)) {
        return { reason: "gap", newer, older: event };
      }
    }
    const last = events[events.length - 1];
    if (whole && oldest && last && last.seq !== 1) return { reason: "start", event: last };
    return null;
  }

  window.carnetJournal = Object.freeze({
    LEAF_PREFIX, GENESIS, ProofError, fromBase64, toBase64, toHex, parseHashes, verifyInclusion, verifyConsistency,
    verifyCheckpoint, canonicalJSON, eventHash, entryHash, eventLeafHash, chainBreak,
  });
})();
