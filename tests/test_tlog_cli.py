"""`carnet audit verify` holds the database to what the log signed; `carnet audit verify-proof` needs no database at all."""

import asyncio
import base64
import contextlib
import re
import subprocess
import sys

import httpx

from sqlalchemy import text
from sqlmodel import select

from server.accesslog.audit import GENESIS, event_hash
from server.accesslog.verify import verify_chain
from server.models import AccessEvent
from server.tlog import store
from server.tlog.integrator import integrate_now
from server.tlog.keys import Signer
from server.tlog.leaf import event_leaf_hash
from server.tlog.merkle import MemoryTree
from server.tlog.signing import load_signer
from server.tlog.verify import verify_tree
from tests.cli import carnet_in_process
from tests.conftest import ORIGIN
from tests.live_server import free_port
from tests.test_tlog_store import log

TABLES = ("accessevent", "chainhead", "tlogleaf", "tlognode", "tlogcheckpoint")


async def as_the_operator(db, *statements: str) -> None:
    """What whoever runs the database can do: lift the append-only triggers, then write anything."""
    if db.bind.dialect.name == "postgresql":
        for table in TABLES:
            await db.exec(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        names = (await db.exec(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))).all()
        for (name,) in names:
            await db.exec(text(f"DROP TRIGGER {name}"))
    for statement in statements:
        await db.exec(text(statement))
    await db.commit()
    db.expunge_all()


async def rehash_chain(db, dossier_id: str) -> None:
    """Relink and rehash a dossier's chain from its first event, and move its head: the chain alone then looks whole."""
    events = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == dossier_id).order_by(AccessEvent.seq))).all()
    previous, statements = GENESIS, []
    for event in events:
        event.prev_hash = previous
        previous = event_hash(event)
        statements.append(f"UPDATE accessevent SET prev_hash = '{event.prev_hash}', hash = '{previous}' WHERE id = {event.id}")
    statements.append(f"UPDATE chainhead SET seq = {events[-1].seq}, hash = '{previous}' WHERE dossier_id = '{dossier_id}'")
    await as_the_operator(db, *statements)
    assert await verify_chain(db, dossier_id=dossier_id) is None


async def carnet(settings, *args: str, **environ: str) -> subprocess.CompletedProcess:
    """The command line on the test's database; the test's event loop runs on meanwhile."""
    env = {"CARNET_DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.database_url, "CARNET_ORIGIN": ORIGIN,
           **environ}
    return await asyncio.to_thread(carnet_in_process, env, *args)


def printed(result: subprocess.CompletedProcess) -> str:
    """What the operator reads, both outputs."""
    return result.stdout + result.stderr


async def serve(settings, **environ: str) -> subprocess.CompletedProcess | None:
    """`carnet serve` in a process of its own, on the test's database: what it said if it refused to start; None once
    it answers (then stopped)."""
    env = {"CARNET_DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.database_url, "CARNET_ORIGIN": ORIGIN,
           "PATH": "/usr/bin:/bin", **environ}
    port = free_port()
    command = [sys.executable, "-c", "from server.cli import main; main()", "serve", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            if process.poll() is not None:
                out, err = process.communicate()
                return subprocess.CompletedProcess(command, process.returncode, out, err)
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"http://127.0.0.1:{port}/sante")).status_code == 200:
                    break
            await asyncio.sleep(0.1)
    process.terminate()
    process.communicate(timeout=10)
    return None


async def refused_to_serve(settings, **environ: str) -> subprocess.CompletedProcess:
    """`carnet serve` that must refuse to start, run in the test's process: the keys are checked before any server or
    worker starts (server/cli.py), so a process of its own proves nothing more here, and cost a whole server's import
    and start each time. Where the point is that it starts, `serve` keeps a real process. One that started anyway
    serves on a free port until the time allowed is up: the test fails."""
    env = {"CARNET_DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.database_url, "CARNET_ORIGIN": ORIGIN,
           **environ}
    return await asyncio.to_thread(carnet_in_process, env, "serve", "--port", str(free_port()), timeout=120)


async def test_a_server_restored_without_the_log_s_key_refuses_to_sign_a_second_log(db, patient, settings):
    """An operator's probe: a backup restored without journal/ started, made a new key under the log's name and signed
    with it; every checkpoint before was then "not signed by the log's key", every patient's check failed for good."""
    signer = load_signer(settings)
    await log(db, patient.dossier.id, 3)
    await integrate_now(db, signer=signer)
    key = settings.data_dir / "journal" / "signing_key"
    key.unlink()
    refused = await refused_to_serve(settings)
    assert refused.returncode == 1, refused
    assert f"{key} manque et CARNET_JOURNAL_SIGNING_KEY n'est pas donnée : restaurez journal/signing_key" in refused.stderr
    assert "Traceback" not in refused.stderr and "Carnet sur" not in refused.stdout
    assert not key.exists()
    restored = await serve(settings, CARNET_JOURNAL_SIGNING_KEY=signer.key)  # the key given back, it starts
    assert restored is None


async def test_a_wrong_key_at_start_is_one_line_never_a_traceback(db, patient, settings):
    """A key made for another origin (a restore onto another host name), or a key file that is not one, was said at
    the bottom of each worker's 40-line traceback, after "Carnet sur …"."""
    await integrate_now(db, signer=load_signer(settings))
    for environ, said in (
        ({"CARNET_ORIGIN": "http://localhost:8001"}, "journal/signing_key signe pour le journal 'localhost:8000/carnet-journal', "
                                                    "mais le journal de ce site est 'localhost:8001/carnet-journal'"),
        ({"CARNET_JOURNAL_SIGNING_KEY": "PRIVATE+KEY+nope"},
         "CARNET_JOURNAL_SIGNING_KEY n'est pas une clé de signature Ed25519"),
        ({"CARNET_VAPID_PRIVATE_KEY": "nope"}, "CARNET_VAPID_PRIVATE_KEY n'est pas une clé privée P-256"),
    ):
        refused = await refused_to_serve(settings, **environ)
        assert refused.returncode == 1, (environ, refused)
        assert re.search(rf"^Erreur : .*{re.escape(said)}", refused.stderr, re.MULTILINE), refused.stderr
        assert "Traceback" not in refused.stderr
        assert "Carnet sur" not in refused.stdout


async def test_verify_without_the_log_s_key_says_so_and_not_that_the_history_was_rewritten(db, patient, settings):
    """An operator's probe: a key of another CARNET_ORIGIN, or none, was reported as "l'historique a été modifié,
    supprimé ou réécrit", a configuration mistake taken for tampering."""
    await log(db, patient.dossier.id, 3)
    await integrate_now(db, signer=load_signer(settings))
    elsewhere = await carnet(settings, "audit", "verify", CARNET_ORIGIN="http://localhost:8001")
    (settings.data_dir / "journal" / "signing_key").unlink()
    keyless = await carnet(settings, "audit", "verify")
    for found, said in ((elsewhere, "signe pour le journal 'localhost:8000/carnet-journal'"),
                        (keyless, "la clé du journal est introuvable")):
        assert found.returncode == 1, printed(found)
        assert said in printed(found) and "Les points de contrôle signés n'ont pas été vérifiés" in printed(found)
        assert "réécrit" not in printed(found) and "intacts :" not in printed(found), printed(found)


async def test_verify_passes_an_intact_log_then_finds_an_edit_the_rehashed_chain_hides(db, patient, settings):
    await log(db, patient.dossier.id, 4)
    await integrate_now(db, signer=load_signer(settings))
    intact = await carnet(settings, "audit", "verify")
    assert intact.returncode == 0, printed(intact)
    assert "toutes les chaînes sont intactes" in printed(intact) and "intacts" in printed(intact)
    await as_the_operator(db, f"UPDATE accessevent SET detail = 'rien' WHERE dossier_id = '{patient.dossier.id}' AND seq = 2")
    await rehash_chain(db, patient.dossier.id)
    found = await carnet(settings, "audit", "verify")
    assert found.returncode == 1
    assert "toutes les chaînes sont intactes" in printed(found)  # what the chain alone says, fooled
    assert f"l'événement n° 2 du dossier {patient.dossier.id} (entrée n° 1) a changé depuis son entrée au journal" in printed(found)
    assert "l'arbre ne correspond plus au point de contrôle signé de taille 4" in printed(found)


async def test_a_deleted_event_with_the_tree_rebuilt_without_the_key_still_differs_from_what_was_signed(db, patient, settings):
    signer = load_signer(settings)
    await log(db, patient.dossier.id, 3)
    await integrate_now(db, signer=signer)
    await log(db, patient.dossier.id, 2)
    await integrate_now(db, signer=signer)
    events = (await db.exec(select(AccessEvent).order_by(AccessEvent.id))).all()
    gone = events[1]
    salts = {leaf.event_id: leaf.salt for leaf in (await db.exec(select(store.TlogLeaf))).all()}
    await as_the_operator(db, f"DELETE FROM tlogleaf WHERE event_id = {gone.id}", f"DELETE FROM accessevent WHERE id = {gone.id}",
                          *(f"UPDATE accessevent SET seq = {e.seq - 1} WHERE id = {e.id}" for e in events[2:]))
    await rehash_chain(db, patient.dossier.id)
    # The whole tree rebuilt, consistent with the events as they now are: only the checkpoints cannot be redone.
    kept = (await db.exec(select(AccessEvent).order_by(AccessEvent.id))).all()
    tree = MemoryTree(event_leaf_hash(salts[e.id], event_hash(e)) for e in kept)
    await as_the_operator(db, "DELETE FROM tlognode", "DELETE FROM tlogleaf")
    db.add_all([store.TlogLeaf(leaf_index=i, event_id=e.id, salt=salts[e.id], hash=tree.levels[0][i]) for i, e in enumerate(kept)])
    db.add_all([store.TlogNode(level=level, node_index=i, hash=h) for level, row in enumerate(tree.levels) for i, h in enumerate(row)])
    await db.commit()
    problems = (await verify_tree(db, settings)).problems
    assert "l'arbre ne correspond plus au point de contrôle signé de taille 3" in problems
    assert "l'arbre ne correspond plus au point de contrôle signé de taille 5" in problems
    assert not any("a changé" in p or "nœud" in p for p in problems)  # leaves and nodes were redone consistently


async def test_verify_proof_checks_an_offline_proof_with_the_key_alone(db, patient, settings, tmp_path):
    signer = load_signer(settings)
    await log(db, patient.dossier.id, 3)
    await integrate_now(db, signer=signer)
    event = (await db.exec(select(AccessEvent).where(AccessEvent.seq == 2))).one()
    proof = (await store.event_proof(db, event)).text()
    nowhere = {"CARNET_DATA_DIR": str(tmp_path / "vide"), "DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}

    def check(content: str, *args: str, cle: str = signer.verifier.key):
        path = tmp_path / "preuve.txt"
        path.write_text(content)
        return carnet_in_process(nowhere, "audit", "verify-proof", str(path), "--cle", cle, *args)

    valid = check(proof, "--evenement-hash", event.hash)
    assert valid.returncode == 0 and "Preuve valide" in printed(valid) and "2e de ses 3 entrées" in printed(valid)
    assert "entrée(s)" not in printed(valid) and "n°" not in printed(valid), "the leaf's place, not a number of the Historique's"
    lines = proof.split("\n")
    lines[3] = base64.b64encode(bytes(32)).decode()  # one hash of the inclusion proof changed
    refusals = {
        "ne mène pas à la racine signée": check("\n".join(lines)),
        "pas celui qui est donné": check(proof, "--evenement-hash", "ab" * 32),
        "pas signé par cette clé": check(proof, cle=Signer.generate(settings.journal_origin).verifier.key),
        "pas une clé de vérification": check(proof, cle="carnet"),
        "n'est pas une preuve": check("bonjour\n"),
        "64 chiffres": check(proof, "--evenement-hash", "xyz"),
    }
    for message, result in refusals.items():
        assert result.returncode == 1 and message in printed(result), (message, printed(result))


async def test_a_checkpoint_signed_by_another_key_is_named_in_french_alone(db, patient, settings):
    signer = load_signer(settings)
    await log(db, patient.dossier.id, 3)
    await integrate_now(db, signer=signer)
    latest = (await db.exec(select(store.TlogCheckpoint))).one()
    from server.tlog.checkpoint import Checkpoint, sign_checkpoint

    forged = sign_checkpoint(Checkpoint(signer.name, latest.size, latest.root), Signer.generate(signer.name))
    await as_the_operator(db, f"UPDATE tlogcheckpoint SET note = '{forged}' WHERE size = {latest.size}")
    problems = (await verify_tree(db, settings)).problems
    assert problems == [f"le point de contrôle de taille {latest.size} n'est pas signé par la clé du journal"]
    found = await carnet(settings, "audit", "verify")
    assert found.returncode == 1
    # The report is French: no developer's English from the note parser ("no trusted key signed the note").
    assert not re.search(r"\b(trusted|signed|note|key)\b", printed(found)), printed(found)


async def test_an_event_edited_with_its_leaf_removed_is_not_signed_again_as_new(db, patient, settings):
    """Whoever runs the database edits the newest event and deletes its leaf: the integrator took the highest leaf's
    event as its floor, so the edited event became a new leaf under a new signed checkpoint, and the phone's check
    passed. Now nothing is signed over a tree whose last entry is gone; `carnet audit verify` names it."""
    signer = load_signer(settings)
    await log(db, patient.dossier.id, 3)
    await integrate_now(db, signer=signer)
    size = (await db.exec(select(store.TlogCheckpoint.size).order_by(store.TlogCheckpoint.size.desc()))).first()
    newest = (await db.exec(select(AccessEvent.id).order_by(AccessEvent.id.desc()))).first()
    await as_the_operator(db, f"UPDATE accessevent SET detail = 'rien' WHERE id = {newest}",
                          f"DELETE FROM tlogleaf WHERE event_id = {newest}")
    assert await integrate_now(db, signer=signer) is None
    assert (await db.exec(select(store.TlogCheckpoint.size).order_by(store.TlogCheckpoint.size.desc()))).first() == size
    assert (await db.exec(select(store.TlogLeaf).where(store.TlogLeaf.event_id == newest))).first() is None
    found = await carnet(settings, "audit", "verify")
    assert found.returncode == 1
    assert f"l'arbre a {size - 1} entrée(s), le dernier point de contrôle en signe {size}" in printed(found)


async def test_a_key_of_the_log_s_name_that_did_not_sign_it_is_refused_at_start(db, patient, settings):
    """A restore's journal/ from another backup, or CARNET_JOURNAL_SIGNING_KEY set to another install's key of the same
    name: the key was read, its name was the log's, and it signed a second log over the first one's checkpoints."""
    signer = load_signer(settings)
    await log(db, patient.dossier.id, 3)
    await integrate_now(db, signer=signer)
    other = Signer.generate(settings.journal_origin)
    refused = await refused_to_serve(settings, CARNET_JOURNAL_SIGNING_KEY=other.key)
    assert refused.returncode == 1, refused
    assert re.search(r"^Erreur : CARNET_JOURNAL_SIGNING_KEY n'a pas signé les points de contrôle que contient la base de données",
                     refused.stderr, re.MULTILINE), refused.stderr
    assert "Traceback" not in refused.stderr and "Carnet sur" not in refused.stdout
    assert await serve(settings, CARNET_JOURNAL_SIGNING_KEY=signer.key) is None  # its own key: it starts


async def test_a_log_named_before_the_origin_was_read_as_browsers_send_it_keeps_its_name(db, patient, settings):
    """An operator who had set CARNET_ORIGIN=http://LocalHost:8000 has a key, and checkpoints, named for that spelling:
    read now as http://localhost:8000, the site's log was another one, and no CARNET_ORIGIN would let it start."""
    old = Signer.generate("LocalHost:8000/carnet-journal")
    await log(db, patient.dossier.id, 3)
    await integrate_now(db, signer=old)
    assert await serve(settings, CARNET_ORIGIN="http://LocalHost:8000", CARNET_JOURNAL_SIGNING_KEY=old.key) is None
    found = await carnet(settings, "audit", "verify", CARNET_ORIGIN="http://LocalHost:8000",
                         CARNET_JOURNAL_SIGNING_KEY=old.key)
    assert found.returncode == 0, printed(found)
    another = Signer.generate("carnet.example.fr/carnet-journal")  # another site's key is still refused
    refused = await refused_to_serve(settings, CARNET_JOURNAL_SIGNING_KEY=another.key)
    assert refused.returncode == 1 and "un journal garde son nom" in refused.stderr, refused


async def test_a_site_moved_to_another_address_keeps_its_logs_name(db, patient, settings):
    """An operator's probe: a site moved to a new domain was refused with "un journal garde son nom" and no way to keep
    it; every patient's phone and the witnesses know the log by its first name."""
    old = Signer.generate("ancien.example.fr/carnet-journal")
    await log(db, patient.dossier.id, 3)
    await integrate_now(db, signer=old)
    refused = await refused_to_serve(settings, CARNET_JOURNAL_SIGNING_KEY=old.key)
    assert refused.returncode == 1 and "CARNET_JOURNAL_NAME=ancien.example.fr/carnet-journal" in refused.stderr, refused
    kept = {"CARNET_JOURNAL_SIGNING_KEY": old.key, "CARNET_JOURNAL_NAME": "ancien.example.fr/carnet-journal"}
    assert await serve(settings, **kept) is None
    found = await carnet(settings, "audit", "verify", **kept)
    assert found.returncode == 0, printed(found)
    misspelt = await carnet(settings, "audit", "verify", **kept | {"CARNET_JOURNAL_NAME": "ancien.example.fr"})
    assert misspelt.returncode == 1 and "CARNET_JOURNAL_NAME est le nom que porte la clé du journal" in misspelt.stderr


def test_verify_proof_says_a_missing_file_in_french(tmp_path):
    """An outside probe's find: a proof file that does not exist was the system's English, "No such file or
    directory"."""
    missing = tmp_path / "nonexistent.proof"
    said = carnet_in_process({"CARNET_DATA_DIR": str(tmp_path)}, "audit", "verify-proof", str(missing), "--cle", "x")
    # "Fichier" where `carnet` runs (server/cli.py binds Click's catalogue before its commands are made); in this test
    # process, whichever test imported server.tlog.cli first decided the word: the sentence is the point.
    assert said.returncode == 2 and f"'{missing}' n'existe pas." in said.stderr, said.stderr
    assert "No such file" not in said.stderr
