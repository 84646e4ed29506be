"""The patient's phone checks the Historique against Carnet's signed transparency log (issue 14).

On each visit the page verifies, in Chromium with WebCrypto, the log's signed checkpoint, its consistency
with the one this phone verified before, and the inclusion of every event shown. An operator who rewrites
the history (triggers dropped, a professional's read deleted, the chain rehashed, the tree rebuilt and
re-signed with the log's own key, stolen) is caught at the patient's next visit, which keeps the evidence.
So is one who only deletes events from the database, the log left as it is: the page's events must follow
one another in their dossier's chain, and the newest one the phone verified must still be there.
The proofs' JavaScript is also held to the server's Python: the same bytes for the same event, the same
verdicts on RFC 9162 proofs, signed notes and witnesses' cosignatures, the same reading of the chain.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Page, expect

from server.access import emergencies
from server.access.reading import open_dossier
from server.accesslog import audit
from server.accesslog.audit import Actor
from server.auth.accounts import account_for_professional
from server.db import make_sessionmaker
from tests.e2e.seeding import writer_engine
from server.models import AccessEvent, Dossier, Professional
from server.tlog import merkle
from server.tlog.checkpoint import Checkpoint, sign_checkpoint
from server.tlog.cosignature import CosignerSigner
from server.tlog.cli import check_offline_proof
from server.tlog.keys import Signer
from server.tlog.leaf import event_leaf_hash
from server.accesslog.proofs import hashed_fields
from tests.e2e.conftest import run_async
from tests.e2e.steps import PHONE, log_in, open_filters

pytestmark = pytest.mark.e2e

# What the canonical JSON must carry through unchanged: accents, quotes, backslashes, newlines and other
# control characters, the separators JavaScript once refused, emoji (astral, joined, with skin tones).
TRICKY_NAME = "Zoé « Zaza » O'Brien-Nguyễn \"Dr\" 👩🏽‍⚕️"
TRICKY_TITLE = "Compte rendu « IRM » du genou\n\"droit\" \\ 🦴\tfin"
TRICKY_DETAIL = "motif : chute\r\nà vélo — \x01\x1f\x7f \u2028\u2029 \ufeff «\u00a0grave\u00a0» 🚑 𝕏 </script>"


# --- the app's side, as its own functions write it -------------------------------------------------


async def append_reads(data_dir: Path, dossier_id: str, *reads: tuple[Actor, str, str]) -> None:
    """Professionals' reads, appended as the app appends them: (actor, document title, detail)."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            await audit.begin_chained(db)
            for actor, title, detail in reads:
                document = SimpleNamespace(id=None, title=title) if title else None
                await audit.append(db, dossier_id=dossier_id, action="read_document" if title else "read_timeline",
                                   actor=actor, right="grant", document=document, detail=detail)
            await audit.commit_chained(db)
    finally:
        await engine.dispose()


async def emergency_reads(data_dir: Path, patient, professional, *, reason: str, reads: int) -> None:
    """A professional opens the dossier in an emergency and reads it, as the app's routes do (access/)."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            pro = await db.get(Professional, professional.professional_id)
            account = await account_for_professional(db, professional=pro)
            dossier = await db.get(Dossier, patient.dossier_id)
            await emergencies.open_emergency(db, dossier=dossier, professional=pro, reason=reason,
                                             actor=Actor.professional(account, pro))
            for _ in range(reads):
                await open_dossier(db, account=account, dossier_id=patient.dossier_id)
    finally:
        await engine.dispose()


def scroll_to_the_end(page) -> None:
    """As the patient scrolls down: htmx brings the older events in when their link is revealed. Not the
    link's own scroll_into_view: revealed already, it may be swapped out while Playwright waits on it."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")


@contextmanager
def database(server) -> Iterator[sqlite3.Connection]:
    """The live server's SQLite file, opened as its operator would (autocommit: each statement its own)."""
    connection = sqlite3.connect(server.data_dir / "carnet.sqlite3", timeout=30, isolation_level=None)
    connection.row_factory = sqlite3.Row
    try:
        yield connection
    finally:
        connection.close()


def wait_until_integrated(server, timeout: float = 60) -> None:
    """Until every event is a leaf of the tree (the live server integrates every second: a loaded machine gets to
    it later, and the time allowed is the machine's, not the log's promise, which tests/test_tlog_processes.py holds)."""
    deadline = time.monotonic() + timeout
    with database(server) as connection:
        while connection.execute("SELECT count(*) FROM accessevent e WHERE NOT EXISTS "
                                 "(SELECT 1 FROM tlogleaf l WHERE l.event_id = e.id)").fetchone()[0]:
            assert time.monotonic() < deadline, "the integrator left events out of the tree"
            time.sleep(0.1)


def as_event(row: sqlite3.Row, **changes) -> SimpleNamespace:
    """A row of accessevent as audit.event_hash reads an event (SQLite keeps the time as UTC text)."""
    fields = {name: row[name] for name in audit.HASHED_FIELDS} | changes
    fields["at"] = datetime.fromisoformat(row["at"]).replace(tzinfo=UTC)
    return SimpleNamespace(**fields)


def rewrite_history(server, *, dossier_id: str, delete_seq: int) -> None:
    """What whoever holds the database and the log's key can do: drop the append-only triggers, delete an
    event, renumber and rehash the dossier's chain after it, rebuild the whole tree from the events as they
    now read, sign a checkpoint of it with the log's own key (data_dir/journal/signing_key), and put the
    triggers back. `carnet audit verify` finds nothing wrong with the result: only a copy of an earlier
    checkpoint (the patient's phone, a witness) shows the history was rewritten."""
    signer = Signer.from_key((server.data_dir / "journal" / "signing_key").read_text().strip())
    with database(server) as connection:
        connection.execute("BEGIN IMMEDIATE")  # the integrator waits meanwhile
        triggers = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_no_%' "
            "AND tbl_name IN ('accessevent', 'tlogleaf', 'tlognode', 'tlogcheckpoint')").fetchall()
        assert len(triggers) == 8, "the append-only triggers the migrations make (0002, 0015)"
        for trigger in triggers:
            connection.execute(f"DROP TRIGGER {trigger['name']}")
        victim = connection.execute("SELECT * FROM accessevent WHERE dossier_id = ? AND seq = ?",
                                    (dossier_id, delete_seq)).fetchone()
        connection.execute("DELETE FROM notification WHERE event_id = ?", (victim["id"],))
        connection.execute("DELETE FROM logprofessional WHERE dossier_id = ? AND key = ?",
                           (dossier_id, victim["actor_rpps"]))
        connection.execute("DELETE FROM tlogleaf WHERE event_id = ?", (victim["id"],))
        connection.execute("DELETE FROM accessevent WHERE id = ?", (victim["id"],))
        for row in connection.execute("SELECT id FROM accessevent WHERE dossier_id = ? AND seq > ? ORDER BY seq",
                                      (dossier_id, delete_seq)).fetchall():
            connection.execute("UPDATE accessevent SET seq = seq - 1 WHERE id = ?", (row["id"],))
        link = audit.GENESIS  # each event relinked to its new predecessor, and rehashed
        rows = connection.execute("SELECT * FROM accessevent WHERE dossier_id = ? ORDER BY seq",
                                  (dossier_id,)).fetchall()
        for row in rows:
            digest = audit.event_hash(as_event(row, prev_hash=link))
            connection.execute("UPDATE accessevent SET prev_hash = ?, hash = ? WHERE id = ?", (link, digest, row["id"]))
            link = digest
        connection.execute("UPDATE chainhead SET seq = ?, hash = ? WHERE dossier_id = ?",
                           (rows[-1]["seq"], link, dossier_id))

        leaves = connection.execute("SELECT l.salt AS salt, e.* FROM tlogleaf l JOIN accessevent e "
                                    "ON e.id = l.event_id ORDER BY l.leaf_index").fetchall()
        tree = merkle.MemoryTree(event_leaf_hash(row["salt"], audit.event_hash(as_event(row))) for row in leaves)
        for table in ("tlogleaf", "tlognode", "tlogcheckpoint"):
            connection.execute(f"DELETE FROM {table}")
        connection.executemany("INSERT INTO tlogleaf (leaf_index, event_id, salt, hash) VALUES (?, ?, ?, ?)",
                               [(i, row["id"], row["salt"], tree.node(0, i)) for i, row in enumerate(leaves)])
        connection.executemany("INSERT INTO tlognode (level, node_index, hash) VALUES (?, ?, ?)",
                               [(level, i, digest) for level, hashes in enumerate(tree.levels)
                                for i, digest in enumerate(hashes)])
        note = sign_checkpoint(Checkpoint(signer.name, tree.size, tree.root()), signer)
        connection.execute("INSERT INTO tlogcheckpoint (size, root, note, created_at) VALUES (?, ?, ?, ?)",
                           (tree.size, tree.root(), note, datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")))
        for trigger in triggers:  # and put back as they were: the database looks untouched
            connection.execute(trigger["sql"])
        connection.execute("COMMIT")


@contextmanager
def events_deleted(server, dossier_id: str, *seqs: int) -> Iterator[None]:
    """What whoever holds the database can do without the log's key: drop the append-only triggers, delete
    events of a dossier and nothing else (the tree keeps their leaves, the chain its head and links), and
    put the triggers back. The rows return when the block ends, as from a backup: the journey goes on."""
    marks = ", ".join("?" * len(seqs))
    with database(server) as connection:
        connection.execute("BEGIN IMMEDIATE")
        triggers = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                      "AND tbl_name = 'accessevent' AND name LIKE '%_no_%'").fetchall()
        assert len(triggers) == 2, "the append-only triggers of migration 0002"
        rows = connection.execute(f"SELECT * FROM accessevent WHERE dossier_id = ? AND seq IN ({marks})",
                                  (dossier_id, *seqs)).fetchall()
        assert len(rows) == len(seqs)
        for trigger in triggers:
            connection.execute(f"DROP TRIGGER {trigger['name']}")
        connection.execute(f"DELETE FROM accessevent WHERE dossier_id = ? AND seq IN ({marks})", (dossier_id, *seqs))
        for trigger in triggers:
            connection.execute(trigger["sql"])
        connection.execute("COMMIT")
    try:
        yield
    finally:
        with database(server) as connection:
            columns = rows[0].keys()
            connection.executemany(f"INSERT INTO accessevent ({', '.join(columns)}) VALUES "
                                   f"({', '.join('?' * len(columns))})", [tuple(row) for row in rows])


def chain_head(server, dossier_id: str) -> tuple[int, str]:
    """The dossier's newest event: its number and its hash in the chain."""
    with database(server) as connection:
        return tuple(connection.execute("SELECT seq, hash FROM chainhead WHERE dossier_id = ?", (dossier_id,)).fetchone())


def get_text(server, path: str) -> str:
    with urllib.request.urlopen(server.url + path, timeout=5) as response:
        return response.read().decode()


def stored_checkpoint(page: Page, dossier_id: str) -> dict:
    """What the phone keeps for the dossier: the checkpoint it last verified, the log's key, the newest event's
    number and hash."""
    return json.loads(page.evaluate("name => localStorage.getItem(name)", f"carnet.journal.{dossier_id}"))


def download(page: Page, control) -> str:
    with page.expect_download() as downloaded:
        control.click()
    return Path(downloaded.value.path()).read_text(encoding="utf-8")


# --- the journey ---------------------------------------------------------------------------------------


def test_the_phone_verifies_the_historique_and_catches_a_history_rewritten_with_the_logs_own_key(
    page, browser, console, server, seed, seed_professional,
):
    patient, kine = seed(), seed_professional()
    log_in(page, patient)
    kine_actor = Actor(None, "professional", kine.name, kine.profession, kine.rpps)
    tricky = Actor(None, "professional", TRICKY_NAME, "médecin", "10000000009")
    nurse = Actor(None, "professional", "Marc Petit", "infirmier", "10000000017")
    run_async(append_reads(server.data_dir, patient.dossier_id, (kine_actor, "", ""), *[(nurse, "", "")] * 30,
                           (tricky, TRICKY_TITLE, TRICKY_DETAIL)))
    wait_until_integrated(server)
    historique = f"/dossiers/{patient.dossier_id}/historique"

    # First visit: the phone pins the log's key, verifies the checkpoint and every event shown.
    page.goto(historique)
    # What she reads first says it plainly; how, and what it cannot tell, is one tap away.
    verdict = page.get_by_role("status").filter(has_text="Votre appareil a vérifié cet historique")
    expect(verdict).to_have_text("Votre appareil a vérifié cet historique pour la première fois. À chaque visite, il "
                                 "vérifiera que rien de ce qu'il a vérifié n'a été changé ni effacé.")
    expect(verdict).not_to_contain_text("signature")
    status = page.locator("details").filter(has_text="Comment votre appareil l'a vérifié")
    expect(status).not_to_have_attribute("open", "")
    status.get_by_text("Comment votre appareil l'a vérifié").click()
    expect(status.get_by_text("Historique vérifié par votre appareil")).to_be_visible()
    expect(status).to_contain_text("pour la première fois")
    # When, as the Historique's sentences say it: the day with its month (a no-break space), this year's year left out.
    said_when = re.compile(r"par votre appareil le \d{1,2}(er)?\u00a0[a-zéû]+ à \d{1,2}\u00a0h\u00a0\d\d,")
    expect(status).to_contain_text(said_when)
    expect(status).to_contain_text("Les données enregistrées des 30 événements affichés (qui, quoi, quand) "
                                   "y sont inscrites telles quelles")
    # Older events, brought in by htmx as the patient scrolls, are verified in their turn.
    scroll_to_the_end(page)
    with database(server) as connection:
        total = connection.execute("SELECT count(*) FROM accessevent WHERE dossier_id = ?",
                                   (patient.dossier_id,)).fetchone()[0]
    expect(status).to_contain_text(f"Les données enregistrées des {total} événements affichés (qui, quoi, quand) y sont "
                                   "inscrites telles quelles")
    kept = stored_checkpoint(page, patient.dossier_id)
    assert set(kept) == {"key", "size", "root", "note", "at", "seq", "hash", "witnesses"}, \
        "the phone keeps a checkpoint, a key, the newest event's number and hash, and the witnesses, nothing else"
    assert kept["witnesses"] == {"keys": [], "required": 0}, "none configured: none required"
    assert (kept["seq"], kept["hash"]) == chain_head(server, patient.dossier_id)
    assert TRICKY_NAME not in json.dumps(kept, ensure_ascii=False)

    # Any event's proof, for whoever checks it offline (`carnet audit verify-proof`).
    # Folded under each line's "Preuve", out of the reading path of those who do not need it.
    line = page.locator("li.log-line").filter(has_text="Zaza")
    expect(line.get_by_role("link", name="Télécharger la preuve")).to_be_hidden()
    line.get_by_text("Preuve", exact=True).click()
    proof = download(page, line.get_by_role("link", name="Télécharger la preuve"))
    with database(server) as connection:
        tricky_hash = connection.execute("SELECT hash FROM accessevent WHERE dossier_id = ? AND actor_rpps = ?",
                                         (patient.dossier_id, "10000000009")).fetchone()[0]
    checked = check_offline_proof(proof, key=get_text(server, "/journal/cle"), event_hash=tricky_hash)
    assert checked.startswith("Preuve valide")

    # The printed Historique says what is signed, and gives the state a third party can hold the log to.
    page.goto(historique + "/imprimer")
    printed = page.locator(".log-print-journal")
    expect(printed.first).to_contain_text(f"un état de taille {kept['size']}, de racine {kept['root']}, avec la clé "
                                          f"{kept['key']} (publiée à l'adresse {server.url}/journal/cle)")
    expect(printed.last).to_contain_text("carnet audit verify-proof PREUVE --cle CLÉ --evenement-hash EMPREINTE")
    expect(printed.last).to_contain_text(f"{server.url}/journal/preuve/consistance?de={kept['size']}&a=TAILLE")

    # The next visit proves the log only grew since (the log the server signs itself: no witness here).
    page.goto(historique)
    expect(verdict).to_contain_text(re.compile(r"rien de ce qu'il avait vérifié le \d.* n'a été changé ni effacé\."))
    expect(status).to_contain_text("sur la seule signature de Carnet (aucun témoin configuré)")
    expect(status).to_contain_text(re.compile(r"le journal prolonge celui vérifié le \d"))
    kept = stored_checkpoint(page, patient.dossier_id)

    # The operator deletes the kiné's read and covers it up with the log's own key; the log then grows again.
    with database(server) as connection:
        read_seq = connection.execute("SELECT seq FROM accessevent WHERE dossier_id = ? AND actor_rpps = ?",
                                      (patient.dossier_id, kine.rpps)).fetchone()[0]
    rewrite_history(server, dossier_id=patient.dossier_id, delete_seq=read_seq)
    run_async(append_reads(server.data_dir, patient.dossier_id, (tricky, "", ""), (tricky, "", "")))
    wait_until_integrated(server)
    page.reload()
    expect(page.get_by_text(kine.name)).to_have_count(0)  # the page itself keeps no trace of the read
    alert = page.get_by_role("alert").filter(has_text="Cet historique ne correspond pas au journal signé")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Le journal signé ne prolonge pas celui que votre appareil avait vérifié")
    expect(page.get_by_role("status").filter(has_text="vérifié")).to_have_count(0)
    expect(page.get_by_text("Comment votre appareil l'a vérifié")).to_be_hidden()

    # The evidence: both signed checkpoints, the proof that failed, the events shown; made on the phone.
    evidence = json.loads(download(page, alert.get_by_role("button", name="Télécharger les éléments de preuve")))
    expect(alert.get_by_text("est enregistré dans vos téléchargements")).to_be_visible()
    assert evidence["previous_checkpoint"]["size"] == kept["size"] and evidence["previous_checkpoint"]["note"]
    new = evidence["new_checkpoint"].split("\n")
    assert int(new[1]) > kept["size"] and new[0] == kept["note"].split("\n")[0]
    assert evidence["consistency_proof"]["from_size"] == kept["size"]
    assert evidence["consistency_proof"]["to_size"] == int(new[1]) and evidence["consistency_proof"]["hashes"]
    assert any(entry["fields"]["actor_name"] == TRICKY_NAME for entry in evidence["events"])
    assert evidence["log_key"]["pinned"] == evidence["log_key"]["served"].strip()
    # The phone still holds what it verified last (a rewritten log fails again at every visit), and remembers that
    # this check failed, with its time and reason alone (no health data), to say so at later visits.
    failed = stored_checkpoint(page, patient.dossier_id)
    assert failed.pop("failure").keys() == {"at", "reason"} and failed == kept

    # A log key other than the one pinned is refused outright; a log that lost the tree the phone verified too.
    keep = "([name, state]) => localStorage.setItem(name, JSON.stringify(state))"
    name = f"carnet.journal.{patient.dossier_id}"
    page.evaluate(keep, [name, kept | {"key": Signer.generate(kept["note"].split("\n")[0]).verifier.key}])
    page.reload()
    expect(alert).to_contain_text("La clé qui signe le journal n'est plus celle que votre appareil a enregistrée")
    console.allow("the server responded with a status of 404")  # the proof to a tree the log no longer has
    page.evaluate(keep, [name, kept | {"size": kept["size"] + 1000}])
    page.reload()
    expect(alert).to_contain_text("Le journal n'a plus l'état que votre appareil avait vérifié : des entrées ont disparu.")

    # Without JavaScript nothing breaks, and the page says what checking would take.
    context = browser.new_context(base_url=server.url, java_script_enabled=False, **PHONE)
    try:
        context.add_cookies(page.context.cookies())
        no_js = context.new_page()
        no_js.goto(historique)
        expect(no_js.get_by_role("heading", name="Historique de mon dossier")).to_be_visible()
        expect(no_js.get_by_text("il lui faut pour cela JavaScript")).to_be_visible()
        no_js.get_by_text("Preuve", exact=True).first.click()
        expect(no_js.get_by_role("link", name="Télécharger la preuve").first).to_be_visible()
    finally:
        context.close()


def test_the_phone_notices_events_deleted_from_the_database_while_the_log_still_holds_them(
    page, server, seed, seed_professional,
):
    patient, kine = seed(), seed_professional(given_name="Inès", family_name="Roux")
    log_in(page, patient)
    kine_actor = Actor(None, "professional", kine.name, kine.profession, kine.rpps)
    nurse = Actor(None, "professional", "Marc Petit", "infirmier", "10000000017")
    run_async(append_reads(server.data_dir, patient.dossier_id, *[(kine_actor, "", "")] * 35,
                           *[(nurse, "", ""), (kine_actor, "", "")] * 3))
    wait_until_integrated(server)
    historique = f"/dossiers/{patient.dossier_id}/historique"
    newest, newest_hash = chain_head(server, patient.dossier_id)
    assert newest > 40, "two pages of events"

    # The whole Historique, page after page: every event follows the one before it, down to the first.
    page.goto(historique)
    status = page.locator("details").filter(has_text="Comment votre appareil l'a vérifié")
    expect(status).to_contain_text("Les données enregistrées des 30 événements affichés (qui, quoi, quand) y sont "
                                   "inscrites telles quelles ; les phrases qui les disent ne sont pas comparées. "
                                   "Aucun événement ne manque entre ceux qui sont affichés.")
    scroll_to_the_end(page)
    expect(status).to_contain_text(f"Les données enregistrées des {newest} événements affichés (qui, quoi, quand)")
    kept = stored_checkpoint(page, patient.dossier_id)
    assert (kept["seq"], kept["hash"]) == (newest, newest_hash)

    # Filtered, the events shown do not follow one another, and are not held to: no false alarm.
    open_filters(page)
    page.get_by_label("Qui", exact=True).select_option(label="Marc Petit, infirmier")
    expect(page.locator("li.log-line")).to_have_count(3)
    expect(status).to_contain_text("Les données enregistrées des 3 événements affichés (qui, quoi, quand) "
                                   "y sont inscrites telles quelles")
    expect(status).not_to_contain_text("Aucun événement ne manque")
    page.get_by_label("Qui", exact=True).select_option(label="Tout le monde")
    expect(status).to_contain_text("Aucun événement ne manque entre ceux qui sont affichés.")
    # A filter that matches nothing: the status no longer speaks of the events it showed before.
    page.get_by_label("Type d'action").select_option(label="Accès d'urgence")
    expect(page.get_by_text("Aucun événement ne correspond")).to_be_visible()
    expect(status).not_to_contain_text("événements affichés")
    expect(status).not_to_contain_text("Aucun événement ne manque")
    page.get_by_label("Type d'action").select_option(label="Toutes les actions")
    expect(status).to_contain_text("Aucun événement ne manque entre ceux qui sont affichés.")
    page.goto(f"{historique}?type=consultations")
    expect(status).to_contain_text("y sont inscrites telles quelles")
    expect(status).not_to_contain_text("Aucun événement ne manque")
    # The address of a list loaded down through the page below an event (Back to it, a reload): from the newest.
    page.goto(f"{historique}?avant={newest - 5}")
    expect(status).to_contain_text("Les données enregistrées des 36 événements affichés (qui, quoi, quand)")
    expect(page.get_by_role("alert")).to_have_count(0)
    kept = stored_checkpoint(page, patient.dossier_id)
    assert (kept["seq"], kept["hash"]) == (newest, newest_hash)

    alert = page.get_by_role("alert").filter(has_text="Cet historique ne correspond pas au journal signé")
    # An operator deletes a professional's read; the log and the chain's head stay as they were.
    with events_deleted(server, patient.dossier_id, newest - 3):
        page.goto(historique)
        expect(alert).to_contain_text(f"La chaîne de l'historique est rompue entre l'événement n° {newest - 4} et "
                                      f"l'événement n° {newest - 2} : des événements ont disparu ou ont été modifiés.")
        expect(page.locator(f"#evenement-{newest - 4}")).to_contain_text(
            "Après cet événement, des événements ont disparu ou ont été modifiés")
        evidence = json.loads(download(page, alert.get_by_role("button", name="Télécharger les éléments de preuve")))
        assert evidence["chain"]["reason"] == "gap" and evidence["chain"]["list"]["whole"]
        assert [e["seq"] for e in evidence["events"]] == [newest - 2, newest - 4]
        assert evidence["events"][0]["fields"]["prev_hash"] != evidence["events"][1]["chain_hash"]
        assert evidence["previous_checkpoint"]["seq"] == newest
    # Where two pages meet: the first one verifies, the next one brought in by htmx does not follow it.
    with events_deleted(server, patient.dossier_id, newest - 30):
        page.reload()
        expect(status).to_contain_text("Les données enregistrées des 30 événements affichés (qui, quoi, quand) "
                                       "y sont inscrites telles quelles")
        scroll_to_the_end(page)
        expect(alert).to_contain_text(f"rompue entre l'événement n° {newest - 31} et l'événement n° {newest - 29}")
    # The dossier's first events, then its newest ones (this phone had verified them).
    with events_deleted(server, patient.dossier_id, 1):
        page.reload()
        scroll_to_the_end(page)
        expect(alert).to_contain_text("L'historique ne remonte plus à son premier événement : des événements ont "
                                      "disparu ou ont été modifiés à son début.")
    with events_deleted(server, patient.dossier_id, newest, newest - 1):
        page.reload()
        expect(alert).to_contain_text(f"Votre appareil avait vérifié cet historique jusqu'à l'événement n° {newest}, "
                                      "qui n'y figure plus : des événements ont disparu ou ont été modifiés depuis "
                                      "sa vérification précédente.")
        evidence = json.loads(download(page, alert.get_by_role("button", name="Télécharger les éléments de preuve")))
        assert evidence["chain"]["reason"] == "newest" and evidence["chain"]["kept"] == {"seq": newest,
                                                                                          "hash": newest_hash}
    still = stored_checkpoint(page, patient.dossier_id)  # a failed check changes nothing the phone keeps
    assert (still["root"], still["seq"], still["hash"]) == (kept["root"], newest, newest_hash)

    # The newest event this phone verified must come back unchanged, not only its number.
    keep = "([name, state]) => localStorage.setItem(name, JSON.stringify(state))"
    page.evaluate(keep, [f"carnet.journal.{patient.dossier_id}", kept | {"hash": "f" * 64}])
    page.reload()
    expect(alert).to_contain_text(f"L'événement n° {newest} n'est plus celui que votre appareil avait vérifié")
    expect(page.locator(f"#evenement-{newest}")).to_contain_text("N'est plus l'événement que votre appareil")


def test_the_phone_shows_no_word_of_an_event_that_the_log_does_not_sign(page, server, seed, seed_professional):
    """An outside probe's find: the reason of an emergency read was read from the emergency access's row, which the
    operator can rewrite, and the page still said every event shown was in the log as it is."""
    patient, urgentist = seed(), seed_professional(given_name="Anne", family_name="Roux", profession="médecin")
    reason, lie = "Malaise avec perte de connaissance aux urgences", "Demande de la patiente par téléphone"
    log_in(page, patient)
    run_async(emergency_reads(server.data_dir, patient, urgentist, reason=reason, reads=3))
    wait_until_integrated(server)
    page.goto(f"/dossiers/{patient.dossier_id}/historique")
    status = page.locator("details").filter(has_text="Comment votre appareil l'a vérifié")
    reads = page.locator("li.log-line").filter(has_text="a consulté votre dossier")
    expect(reads).to_have_count(3)
    expect(status).to_contain_text("événements affichés (qui, quoi, quand) y sont inscrites telles quelles")

    with database(server) as connection:  # the operator, in the database: no event touched, no hash to redo
        connection.execute("UPDATE emergencyaccess SET reason = ?", (lie,))
    page.reload()
    expect(status).to_contain_text("événements affichés (qui, quoi, quand) y sont inscrites telles quelles")
    expect(page.locator("li.log-line").filter(has_text=lie)).to_have_count(0)
    for line in reads.all():  # each read says the reason its own hashed detail holds, which the phone checked
        expect(line).to_contain_text(f"en accès d'urgence (motif : {reason})")
    expect(page.locator("li.log-line").filter(has_text="a ouvert votre dossier en accès d'urgence")).to_contain_text(
        f"(motif : {reason})")


def test_the_phone_says_whether_a_witness_backs_what_it_checked(page, browser, server, seed):
    patient = seed()
    log_in(page, patient)
    nurse = Actor(None, "professional", "Marc Petit", "infirmier", "10000000017")
    run_async(append_reads(server.data_dir, patient.dossier_id, (nurse, "", "")))
    wait_until_integrated(server)
    historique = f"/dossiers/{patient.dossier_id}/historique"
    status = page.locator("details").filter(has_text="Comment votre appareil l'a vérifié")

    # No witness configured (the default): the log the server signs itself, said so, and what that cannot catch.
    page.goto(historique)
    expect(status).to_contain_text(re.compile(r"pour la première fois, sur la seule signature de Carnet \(aucun "
                                              r"témoin configuré\)\s*: un journal différent montré à d'autres "
                                              r"passerait inaperçu\."))
    page.reload()
    expect(status).to_contain_text(re.compile(r"\(aucun témoin configuré\)\s*: le journal prolonge celui vérifié le "
                                              r".*, mais un journal différent montré à d'autres passerait inaperçu\."))
    expect(status).not_to_contain_text("aucune entrée du journal signé de Carnet")

    # A witness configured, whose cosignature the checkpoint carries: what was said before, with its name. (Played
    # by rewriting the answers on their way: in a context of its own, as the service worker hides them from routes,
    # with this phone's storage: its session, and the checkpoint it verified.)
    key, cosign = cosigner("asso-patients.example/temoin")
    cosigned = [True]

    def with_witness(route) -> None:
        served = route.fetch()
        body = served.text()
        if "/journal/checkpoint" in route.request.url:
            body += cosign(body[:body.index("\n\n") + 1]) if cosigned[0] else ""
        else:
            body = body.replace("data-witnesses='[]'", f"data-witnesses='{json.dumps([key])}'")
        route.fulfill(response=served, body=body)

    context = browser.new_context(base_url=server.url, service_workers="block",
                                  storage_state=page.context.storage_state(), **PHONE)
    try:
        witnessed = context.new_page()
        witnessed.route(re.compile(r".*/(journal/checkpoint|dossiers/[0-9a-f]+/historique)$"), with_witness)
        witnessed.goto(historique)
        status = witnessed.locator("details").filter(has_text="Comment votre appareil l'a vérifié")
        expect(status).to_contain_text("aucune entrée du journal signé de Carnet n'a été modifiée ni effacée depuis "
                                       "sa vérification précédente")
        expect(status).to_contain_text(re.compile(r"Journal contresigné par\s*: asso-patients\.example/temoin\."))
        expect(status).not_to_contain_text("aucun témoin")
        # Configured, but this checkpoint not cosigned (none required): said as it is.
        cosigned[0] = False
        witnessed.reload()
        expect(status).to_contain_text("sur la seule signature de Carnet (aucun témoin ne l'a contresigné)")
        expect(status).not_to_contain_text("aucune entrée du journal signé de Carnet")
    finally:
        context.close()



def test_the_phone_keeps_requiring_the_witnesses_it_verified_with(page, browser, server, seed):
    """The witnesses a phone required are pinned, as the log's key is: an operator who turns them off to show this
    patient a log they never saw (a fork, signed with the log's key) is caught; one replaced by another is not."""
    patient = seed()
    log_in(page, patient)
    historique = f"/dossiers/{patient.dossier_id}/historique"
    first_key, first_cosign = cosigner("asso-patients.example/temoin")
    other_key, other_cosign = cosigner("cnil.example/temoin")
    served = {"key": first_key, "cosign": first_cosign, "required": 1}

    def witnessed(route) -> None:
        answer = route.fetch()
        body = answer.text()
        if "/journal/checkpoint" in route.request.url:
            body += served["cosign"](body[:body.index("\n\n") + 1]) if served["key"] else ""
        else:
            keys = [served["key"]] if served["key"] else []
            body = body.replace("data-witnesses='[]'", f"data-witnesses='{json.dumps(keys)}'")
            body = body.replace('data-witnesses-required="0"', f'data-witnesses-required="{served["required"]}"')
        route.fulfill(response=answer, body=body)

    context = browser.new_context(base_url=server.url, service_workers="block",
                                  storage_state=page.context.storage_state(), **PHONE)
    try:
        phone = context.new_page()
        phone.route(re.compile(r".*/(journal/checkpoint|dossiers/[0-9a-f]+/historique)$"), witnessed)
        status = phone.locator("details").filter(has_text="Comment votre appareil l'a vérifié")
        # This visit's failure: an earlier one is said too, in an alert of its own, once there was one.
        alert = phone.get_by_role("alert").filter(has_text="Cet historique ne correspond pas au journal signé")
        phone.goto(historique)
        expect(status).to_contain_text(re.compile(r"Journal contresigné par\s*: asso-patients\.example/temoin\."))

        # The operator replaces the witness by another one, still required: nothing to say.
        served.update(key=other_key, cosign=other_cosign)
        phone.reload()
        expect(status).to_contain_text(re.compile(r"Journal contresigné par\s*: cnil\.example/temoin\."))
        expect(alert).to_have_count(0)

        # The operator turns the witnesses off (the page asks for none): the phone still requires one, and says so.
        served.update(key=None, required=0)
        phone.reload()
        expect(alert).to_contain_text("Votre appareil avait vérifié ce journal contresigné par un témoin indépendant ; "
                                      "celui que Carnet présente aujourd'hui ne l'est plus")
        expect(status).to_be_hidden()

        # A fork served with the cosignature its witness made of the other tree of that size: said as such.
        served.update(key=other_key, required=1, cosign=lambda body: other_cosign(body.replace("\n", "\n\n", 1)))
        phone.reload()
        expect(alert).to_contain_text("ce témoin a sans doute contresigné un autre journal que celui que Carnet vous présente")
    finally:
        context.close()


# --- the proofs' JavaScript, held to the server's Python ---------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def encoded(case: tuple) -> list:
    """A proof's case for the page: bytes in base64, lists of them too, numbers as they are."""
    return [b64(v) if isinstance(v, bytes) else [b64(h) for h in v] if isinstance(v, list) else v for v in case]


def python_says(verify, **case) -> bool:
    try:
        verify(**case)
    except merkle.InvalidProof:
        return False
    return True


def cosigner(name: str):
    """A witness's key (C2SP tlog-cosignature, type 0x04) and its cosigning, written from the spec."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    key_id = hashlib.sha256(name.encode() + b"\n\x04" + public).digest()[:4]

    def cosign(body: str, when: int = 1_790_000_000) -> str:
        signature = private.sign(f"cosignature/v1\ntime {when}\n{body}".encode())
        return f"— {name} {b64(key_id + when.to_bytes(8, 'big') + signature)}\n"

    return f"{name}+{key_id.hex()}+{b64(bytes([4]) + public)}", cosign


def test_the_phone_hashes_and_proves_exactly_as_the_server_does(page, server):
    page.goto("/")
    page.add_script_tag(url="/static/js/journal-proofs.js")

    # Events: the page's fields for an event, hashed by the phone, give the event's hash (audit.event_hash).
    texts = ["", "é à ç Œ ß", TRICKY_NAME, TRICKY_TITLE, TRICKY_DETAIL, "".join(map(chr, range(32))) + "\\\"",
             "\u2028\u2029\x7f\ufeff", "👩🏽‍⚕️🩺𝕏", "</script><!--", "\ud7ff\ue000\uffff"]
    events = [AccessEvent(dossier_id="d" * 32, seq=n + 1, at=datetime(2026, 3, 1, 13, 59, 7, n, tzinfo=UTC),
                          action="read_document", actor_account_id=None if n % 2 else "a" * 32,
                          actor_kind="professional", actor_name=text, actor_profession="médecin",
                          actor_rpps="10000000009", on_behalf_of=text[::-1], right="grant", document_id=None,
                          document_title=text, detail=text * 3, prev_hash="0" * 64, hash="")
              for n, text in enumerate(texts)]
    fields = [hashed_fields(event) for event in events]
    canonical = page.evaluate("all => all.map(f => carnetJournal.canonicalJSON(f))", fields)
    assert canonical == [json.dumps(f, sort_keys=True, ensure_ascii=False, separators=(",", ":")) for f in fields]
    hashed = page.evaluate("all => Promise.all(all.map(async f => carnetJournal.toHex(await carnetJournal.eventHash(f))))",
                           fields)
    assert hashed == [audit.event_hash(event) for event in events]
    # A stored hash in place of the fields (a document its author withdrew since: accesslog/proofs.py) is taken only
    # for an event that names a document: the page cannot take any other event out of the content check.
    taken = page.evaluate("""([fields, hash]) => Promise.all([null, "e".repeat(32)].map(async (id) => {
        try { return carnetJournal.toHex(await carnetJournal.entryHash({hash, fields: {...fields, document_id: id}})); }
        catch (error) { return error instanceof carnetJournal.ProofError ? error.reason : String(error); } }))""",
                          [fields[0], "ab" * 32])
    assert taken == ["malformed", "ab" * 32]

    # RFC 9162 proofs, good and bent, in trees of 1 to 33 leaves: the phone's verdict is tlog/merkle.py's.
    inclusion, consistency = [], []
    for size in range(1, 34):
        tree = merkle.MemoryTree(hashlib.sha256(str(i).encode()).digest() for i in range(size))
        for index in range(size):
            path = tree.inclusion_proof(index)
            leaf = tree.node(0, index)
            for at, proof in ((index, path), ((index + 1) % size, path), (index, path[1:]), (index, path + path[:1])):
                inclusion.append((leaf, at, size, proof, tree.root()))
        for old in range(size + 1):
            path = tree.consistency_proof(old)
            bent = [*path[:-1], hashlib.sha256(path[-1]).digest()] if path else [tree.root()]
            for old_root, proof in ((tree.root(old), path), (tree.root(old), bent), (tree.root(max(old - 1, 0)), path)):
                consistency.append((old, size, old_root, tree.root(), proof))
    verdicts = page.evaluate("""([inclusion, consistency]) => {
        const J = carnetJournal, raw = J.fromBase64, all = (list) => list.map(raw);
        return Promise.all([
          Promise.all(inclusion.map(([leaf, i, n, path, root]) =>
            J.verifyInclusion(raw(leaf), i, n, all(path), raw(root)))),
          Promise.all(consistency.map(([m, n, a, b, path]) => J.verifyConsistency(m, n, raw(a), raw(b), all(path)))),
        ]);
    }""", [[encoded(case) for case in inclusion], [encoded(case) for case in consistency]])
    assert verdicts[0] == [python_says(merkle.verify_inclusion, leaf_hash=leaf, index=index, size=size, proof=proof,
                                       root=root) for leaf, index, size, proof, root in inclusion]
    assert verdicts[1] == [python_says(merkle.verify_consistency, old_size=m, new_size=n, old_root=a, new_root=b,
                                       proof=proof) for m, n, a, b, proof in consistency]
    assert True in verdicts[0] and False in verdicts[0] and True in verdicts[1] and False in verdicts[1]

    # Signed checkpoints and witnesses' cosignatures (C2SP signed-note, tlog-checkpoint, tlog-cosignature).
    log = Signer.generate("localhost/carnet-journal")
    checkpoint = Checkpoint(log.name, 42, hashlib.sha256(b"root").digest())
    signed, body = sign_checkpoint(checkpoint, log), checkpoint.text()
    (asso, cosign_asso), (auditor, cosign_auditor) = cosigner("asso-patients.example/temoin"), cosigner("audit.example")
    accepted = {"size": 42, "root": b64(checkpoint.root)}
    witness = CosignerSigner.generate("temoin.example/carnet")
    cases = [
        (signed, log.verifier.key, [], accepted | {"witnesses": []}),
        (signed + cosign_asso(body), log.verifier.key, [asso, auditor], accepted | {"witnesses": [asso.split("+")[0]]}),
        (signed + cosign_asso(body) + cosign_auditor(body), log.verifier.key, [asso, auditor],
         accepted | {"witnesses": [asso.split("+")[0], auditor.split("+")[0]]}),
        (signed + cosign_auditor(body), log.verifier.key, [], accepted | {"witnesses": []}),  # an unknown key: ignored
        (signed + witness.cosign(body, timestamp=1_790_000_000).line, log.verifier.key, [witness.verifier.key],
         accepted | {"witnesses": [witness.name]}),  # as tlog/cosignature.py, the witnesses' own code, writes one
        (signed + cosign_asso(body.replace("42", "43")), log.verifier.key, [asso], {"failure": "witness"}),
        (signed, Signer.generate(log.name).verifier.key, [], {"failure": "signature"}),
        (signed.replace("\n42\n", "\n43\n"), log.verifier.key, [], {"failure": "signature"}),
        (sign_checkpoint(checkpoint, Signer.generate(log.name)), log.verifier.key, [], {"failure": "signature"}),
        (signed.replace("\n\n", "\n"), log.verifier.key, [], {"failure": "malformed"}),
        (signed + "— x\n", log.verifier.key, [], {"failure": "malformed"}),
        (signed, log.verifier.key[:-2] + "AA", [], {"failure": "malformed"}),
    ]
    results = page.evaluate("""cases => Promise.all(cases.map(async ([signed, key, witnesses]) => {
        try {
          const {checkpoint, witnessNames} = await carnetJournal.verifyCheckpoint(signed, key, witnesses);
          return {size: checkpoint.size, root: carnetJournal.toBase64(checkpoint.root), witnesses: witnessNames};
        } catch (error) {
          if (error instanceof carnetJournal.ProofError) return {failure: error.reason};
          throw error;
        }
    }))""", [case[:3] for case in cases])
    assert results == [case[3] for case in cases]

    # The dossier's chain: the events a page shows, newest first, each numbered one below and named by the one
    # before it; the first after GENESIS; the newest this phone verified still there and unchanged.
    chain, link = [], audit.GENESIS
    for n in range(1, 6):
        event = events[n - 1]
        event.seq, event.prev_hash = n, link
        link = audit.event_hash(event)
        chain.insert(0, {"seq": n, "prev_hash": event.prev_hash, "hash": link})
    e5, e4, e3, e2, e1 = chain
    whole = {"whole": True, "newest": True, "oldest": True}
    cases = [
        (chain, whole, None),
        (chain, whole | {"kept": {"seq": 5, "hash": e5["hash"]}}, None),
        (chain, whole | {"kept": {"seq": 3, "hash": e3["hash"]}}, None),
        ([e5, e4, e2, e1], whole, {"reason": "gap", "newer": 4, "older": 2}),
        ([e5, e4, e2, e1], {"newest": True, "oldest": True}, None),  # filtered: not held to following each other
        ([e5, {**e4, "seq": 3}, e3], {"whole": True}, {"reason": "gap", "newer": 5, "older": 3}),
        ([e2, e1], {"whole": True, "after": e4}, {"reason": "gap", "newer": 4, "older": 2}),
        ([e3, e2, e1], {"whole": True, "after": e4, "oldest": True}, None),
        ([e5, e4, e3, e2], whole, {"reason": "start", "event": 2}),
        ([e5, e4, e3, e2], whole | {"oldest": False}, None),
        ([e3, {**e1, "prev_hash": e5["hash"]}], {}, {"reason": "start", "event": 1}),
        ([e4, e3], whole | {"oldest": False, "kept": {"seq": 5, "hash": e5["hash"]}}, {"reason": "newest"}),
        ([], whole | {"kept": {"seq": 5, "hash": e5["hash"]}}, {"reason": "newest"}),
        ([e4, e3], {"whole": True, "kept": {"seq": 5, "hash": e5["hash"]}}, None),  # not from the newest
        ([e4, e3], {"kept": {"seq": 3, "hash": e2["hash"]}}, {"reason": "changed", "event": 3}),
    ]
    found = page.evaluate("""cases => cases.map(([events, options]) => {
        const found = carnetJournal.chainBreak(events, options);
        if (!found) return null;
        const seqs = Object.entries(found).filter(([name]) => name !== "reason").map(([name, e]) => [name, e.seq]);
        return {reason: found.reason, ...Object.fromEntries(seqs)};
    })""", [case[:2] for case in cases])
    assert found == [case[2] for case in cases]
