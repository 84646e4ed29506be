"""The log's witnesses (server.tlog.witnessing): each checkpoint submitted, cosignatures checked, stored and served, N of them required."""

import asyncio
import dataclasses
import time
from datetime import timedelta

import httpx
import pytest
from click.testing import CliRunner
from sqlmodel import select

from server.cli import main
from server.config import SettingsError, load_settings
from server.models import AccessEvent, utcnow
from server.tlog import integrator, store, witnessing
from server.tlog.checkpoint import open_checkpoint
from server.tlog.cosignature import CosignerSigner, cosignatures
from server.tlog.integrator import integrate_now
from server.tlog.keys import Signer
from server.tlog.store import TlogCosignature, TlogWitness
from server.tlog.verify import verify_tree
from server.tlog.witness import Head, State, Witness
from server.tlog.witness_app import create_witness_app
from tests.conftest import activate
from tests.test_tlog_cli import as_the_operator, rehash_chain
from tests.test_tlog_store import log
from tests.test_tlog_witness import serving_witness

A, B = "http://temoin-a.test", "http://temoin-b.test"


class Down(httpx.AsyncBaseTransport):
    """A witness that does not answer."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connexion refusée", request=request)


def in_process_witness(tmp_path, name: str, app) -> tuple[Witness, CosignerSigner]:
    state = State.create(tmp_path / f"{name}.json", name=f"{name}.example.org/temoin")
    return Witness(state, [app.state.journal_signer.verifier], evidence=tmp_path / f"{name}.preuves"), state.signer


def with_witnesses(app, settings, required: int, *witnesses: tuple[CosignerSigner, str]):
    """The app's settings with these witnesses (what CARNET_JOURNAL_WITNESSES and _REQUIRED set)."""
    app.state.settings = dataclasses.replace(settings, journal_witnesses_required=required,
                                             journal_witnesses=tuple((w.verifier.key, url) for w, url in witnesses))
    return app.state.settings


async def served(client, app, *, everything: bool = False):
    """GET /journal/checkpoint: the checkpoint, checked against the log's key, and its cosigners' names."""
    response = await client.get("/journal/checkpoint" + ("?tous=1" if everything else ""))
    assert response.status_code == 200, response.text
    checkpoint, note = open_checkpoint(response.text, log=app.state.journal_signer.verifier)
    return checkpoint, note


async def test_the_log_gets_a_running_witnesss_cosignature_and_serves_it(client, app, db, patient, settings, tmp_path):
    state = State.create(tmp_path / "etat.json", name="temoin.example.org/association")
    with serving_witness(tmp_path / "etat.json", app.state.journal_signer.verifier.key) as url:
        settings = with_witnesses(app, settings, 1, (state.signer, url))
        await log(db, patient.dossier.id, 3)
        await integrate_now(db, signer=app.state.journal_signer)
        waiting = await client.get("/journal/checkpoint")
        assert waiting.status_code == 404 and "cosignature de témoin requise" in waiting.text
        assert (await served(client, app, everything=True))[0].size >= 3  # the newest, not cosigned yet
        async with httpx.AsyncClient() as http:
            [first] = await witnessing.submit_due(app.state.sessionmaker, settings=settings, http=http)
            assert first.cosigned, first.reason
            checkpoint, note = await served(client, app)
            assert checkpoint.size == first.size and len(cosignatures(note, [state.signer.verifier])) == 1
            await log(db, patient.dossier.id, 2)
            await integrate_now(db, signer=app.state.journal_signer)
            [grown] = await witnessing.submit_due(app.state.sessionmaker, settings=settings, http=http)
            assert grown.cosigned and grown.size == first.size + 2  # the witness checked the proof from first.size
            assert await witnessing.submit_due(app.state.sessionmaker, settings=settings, http=http) == []  # fresh
            later = utcnow() + witnessing.REFRESH
            [refreshed] = await witnessing.submit_due(app.state.sessionmaker, settings=settings, http=http, now=later)
            assert refreshed.cosigned and refreshed.size == grown.size  # the same tree, cosigned again
    checkpoint, note = await served(client, app)
    assert checkpoint.size == grown.size and cosignatures(note, [state.signer.verifier])
    report = await verify_tree(db, settings)
    assert report.problems == [] and report.cosignatures == 2
    await as_the_operator(db, "UPDATE tlogcosignature SET signature = (SELECT signature FROM tlogcosignature "
                              f"WHERE size = {first.size}) WHERE size = {grown.size}")  # another checkpoint's
    assert any("n'est pas valide" in p for p in (await verify_tree(db, settings)).problems)


async def test_requiring_two_cosignatures_keeps_serving_the_last_checkpoint_both_witnesses_cosigned(
        client, app, db, patient, settings, tmp_path):
    witness_a, key_a = in_process_witness(tmp_path, "a", app)
    witness_b, key_b = in_process_witness(tmp_path, "b", app)
    settings = with_witnesses(app, settings, 2, (key_a, A), (key_b, B))
    both = {A: httpx.ASGITransport(app=create_witness_app(witness_a)), B: httpx.ASGITransport(app=create_witness_app(witness_b))}
    await log(db, patient.dossier.id, 3)
    await integrate_now(db, signer=app.state.journal_signer)
    async with httpx.AsyncClient(mounts=both) as http:
        assert all(o.cosigned for o in await witnessing.submit_due(app.state.sessionmaker, settings=settings, http=http))
    cosigned, note = await served(client, app)
    assert len(cosignatures(note, [key_a.verifier, key_b.verifier])) == 2
    await log(db, patient.dossier.id, 2)
    await integrate_now(db, signer=app.state.journal_signer)
    async with httpx.AsyncClient(mounts={A: both[A], B: Down()}) as http:
        outcomes = {o.witness: o for o in await witnessing.submit_due(app.state.sessionmaker, settings=settings, http=http)}
    assert outcomes[key_a.name].cosigned and not outcomes[key_b.name].cosigned
    assert "injoignable" in outcomes[key_b.name].reason
    still, note = await served(client, app)
    assert still == cosigned and len(cosignatures(note, [key_a.verifier, key_b.verifier])) == 2
    newest, note = await served(client, app, everything=True)
    assert newest.size == cosigned.size + 2 and [c.name for c in cosignatures(note, [key_a.verifier, key_b.verifier])] == [key_a.name]
    async with httpx.AsyncClient(mounts=both) as http:  # B is back: after its retry delay, it catches up
        later = utcnow() + witnessing.RETRY + timedelta(seconds=1)
        [caught_up] = await witnessing.submit_due(app.state.sessionmaker, settings=settings, http=http, now=later)
    assert caught_up.witness == key_b.name and caught_up.cosigned
    assert (await served(client, app))[0] == newest


async def test_a_history_rewritten_and_resigned_with_the_logs_key_is_refused_by_the_witness(client, app, db, patient, settings, tmp_path):
    witness, key = in_process_witness(tmp_path, "a", app)
    settings = with_witnesses(app, settings, 1, (key, A))
    transport = {A: httpx.ASGITransport(app=create_witness_app(witness))}
    signer = app.state.journal_signer
    await log(db, patient.dossier.id, 5)
    await integrate_now(db, signer=signer)
    async with httpx.AsyncClient(mounts=transport) as http:
        [before] = await witnessing.submit_due(app.state.sessionmaker, settings=settings, http=http)
    assert before.cosigned
    # Whoever holds the database and the log's key deletes a read, rebuilds the chain and the whole tree, adds
    # reads so that it grows, and signs it all again; even the record of what the witness cosigned goes.
    events = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id)
                            .order_by(AccessEvent.seq))).all()
    gone = events[2]
    await as_the_operator(db, "DELETE FROM tlogcosignature", "DELETE FROM tlogwitness", "DELETE FROM tlogcheckpoint",
                          "DELETE FROM tlognode", "DELETE FROM tlogleaf", f"DELETE FROM accessevent WHERE id = {gone.id}",
                          *(f"UPDATE accessevent SET seq = {e.seq - 1} WHERE id = {e.id}" for e in events[3:]))
    await rehash_chain(db, patient.dossier.id)
    await log(db, patient.dossier.id, 3)
    await integrate_now(db, signer=signer)
    report = await verify_tree(db, settings)
    assert report.problems == [] and report.size > before.size  # the database alone now tells the rewritten story
    async with httpx.AsyncClient(mounts=transport) as http:  # but the witness remembers what it cosigned
        report = await verify_tree(db, settings, http=http)
    assert [p for p in report.problems if "a cosigné un journal de 5 entrée(s)" in p and "réécrit" in p], report.problems
    async with httpx.AsyncClient(mounts=transport) as http:
        [after] = await witnessing.submit_due(app.state.sessionmaker, settings=settings, http=http)
    assert not after.cosigned and "refus 422" in after.reason  # from the size its 409 named, no proof leads on
    assert witness.state.heads[signer.name].size == before.size
    assert list((tmp_path / "a.preuves").iterdir())  # the rewritten checkpoint, signed by the log, kept
    assert (await db.exec(select(TlogCosignature))).all() == []
    refused = await client.get("/journal/checkpoint")
    assert refused.status_code == 404


LOG = Signer.generate("localhost:8000/carnet-journal")  # the tests' origin: the log's key is set, not made at start
BACKGROUND = CosignerSigner.generate("temoin.example.org/fond")


class TestInTheBackground:
    @pytest.fixture
    def running_witness(self, tmp_path):
        State(tmp_path / "fond.json", BACKGROUND, {}).save()
        with serving_witness(tmp_path / "fond.json", LOG.verifier.key) as url:
            yield url

    @pytest.fixture
    def settings(self, settings, running_witness):
        return dataclasses.replace(settings, journal_interval=0.2, journal_signing_key=LOG.key, journal_witnesses_required=1,
                                   journal_witnesses=((BACKGROUND.verifier.key, running_witness),))

    async def test_the_apps_own_tasks_integrate_and_get_the_witnesss_cosignature(self, client, app, db, patient):
        await log(db, patient.dossier.id, 2)
        deadline = time.monotonic() + integrator.MAX_MERGE_DELAY.total_seconds()
        while (response := await client.get("/journal/checkpoint")).status_code != 200 or \
                open_checkpoint(response.text, log=LOG.verifier)[0].size < 2:
            assert time.monotonic() < deadline, response.text
            await asyncio.sleep(0.1)
        _checkpoint, note = open_checkpoint(response.text, log=LOG.verifier)
        assert [c.name for c in cosignatures(note, [BACKGROUND.verifier])] == [BACKGROUND.name]


def test_the_witnesses_are_set_by_the_environment(tmp_path):
    witness = CosignerSigner.generate("temoin.example.org/a").verifier.key
    other = CosignerSigner.generate("temoin.example.org/b").verifier.key
    env = {"CARNET_DATA_DIR": str(tmp_path), "CARNET_JOURNAL_WITNESSES": f"{witness} https://a.example.org/temoin,\n"
           f"{other} http://10.0.0.2:7380", "CARNET_JOURNAL_WITNESSES_REQUIRED": "2"}
    settings = load_settings(env)
    assert settings.journal_witnesses == ((witness, "https://a.example.org/temoin"), (other, "http://10.0.0.2:7380"))
    assert [w.url for w in witnessing.configured(settings)] == ["https://a.example.org/temoin", "http://10.0.0.2:7380"]
    for wrong, message in [({"CARNET_JOURNAL_WITNESSES_REQUIRED": "3"}, "de 0 au nombre"),
                           ({"CARNET_JOURNAL_WITNESSES": f"{witness}"}, "sa clé, une espace et son URL"),
                           ({"CARNET_JOURNAL_WITNESSES": f"{LOG.verifier.key} https://a.example.org"}, "clé de cosignature"),
                           ({"CARNET_JOURNAL_WITNESSES": f"{witness} ftp://a.example.org"}, "http"),
                           ({"CARNET_JOURNAL_WITNESSES": f"{witness} http://127.0.0.1:7380/add-checkpoint"},
                            "sans /add-checkpoint"),
                           ({"CARNET_JOURNAL_WITNESSES": f"{witness} https://a.example.org,{witness} https://b.example.org"},
                            "deux fois")]:
        with pytest.raises(SettingsError, match=message):
            load_settings({**env, "CARNET_JOURNAL_WITNESSES_REQUIRED": "0", **wrong})


async def test_a_witness_that_cosigned_a_bigger_tree_than_the_database_holds_is_reported_not_overwritten(
        client, app, db, patient, settings, tmp_path):
    witness, key = in_process_witness(tmp_path, "a", app)
    witness.state.heads[app.state.journal_signer.name] = Head(99, bytes(32))  # a database restored from an old backup
    settings = with_witnesses(app, settings, 1, (key, A))
    await log(db, patient.dossier.id, 2)
    await integrate_now(db, signer=app.state.journal_signer)
    async with httpx.AsyncClient(mounts={A: httpx.ASGITransport(app=create_witness_app(witness))}) as http:
        [outcome] = await witnessing.submit_due(app.state.sessionmaker, settings=settings, http=http)
    assert not outcome.cosigned and "plus grand que le dernier point de contrôle" in outcome.reason
    assert (await db.get(TlogWitness, key.verifier.key)).size == 99  # where to start from once the log has caught up
    assert witness.state.heads[app.state.journal_signer.name].size == 99


async def test_the_historique_says_whether_anything_independent_backs_its_check(client, app, db, patient, settings):
    """With no witness (the default), the phone can only hold the events to the log the server signs itself: the page
    does not promise that it can tell the history was neither changed nor erased."""
    await activate(client, patient)
    url = f"/dossiers/{patient.dossier.id}/historique"
    alone = (await client.get(url)).text
    assert "correspond au journal signé par Carnet, sans témoin indépendant" in alone and "ni modifié ni effacé" not in alone
    assert "data-witnesses='[]'" in alone
    witness = CosignerSigner.generate("temoin.example.org/association")
    with_witnesses(app, settings, 1, (witness, A))
    witnessed = (await client.get(url)).text
    assert "que cet historique n'a été ni modifié ni effacé" in witnessed
    assert witness.verifier.key in witnessed  # the key the phone checks the cosignature with


async def test_an_events_offline_proof_carries_the_witnesses_cosignatures_and_verify_proof_requires_them(
        client, app, db, patient, settings, tmp_path):
    """What the Historique hands out is proven in the checkpoint the phone checks, cosigned: a lawyer holds it to the
    witnesses (`--temoin`), not to the log's key alone, which signs whatever its holder wants."""
    await activate(client, patient)
    witness, key = in_process_witness(tmp_path, "a", app)
    settings = with_witnesses(app, settings, 1, (key, A))
    await log(db, patient.dossier.id, 3)
    await integrate_now(db, signer=app.state.journal_signer)
    async with httpx.AsyncClient(mounts={A: httpx.ASGITransport(app=create_witness_app(witness))}) as http:
        [outcome] = await witnessing.submit_due(app.state.sessionmaker, settings=settings, http=http)
    assert outcome.cosigned, outcome.reason
    event = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id,
                                                     AccessEvent.seq == 2))).one()
    response = await client.get(f"/dossiers/{patient.dossier.id}/historique/preuve/2")
    assert response.status_code == 200, response.text
    assert f"\n— {key.name} " in response.text  # the witness's cosignature, under the log's signature
    nowhere = {"CARNET_DATA_DIR": str(tmp_path / "vide"), "DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}

    def verify_proof(content: str, *args: str):
        path = tmp_path / "preuve.txt"
        path.write_text(content)
        return CliRunner().invoke(main, ["audit", "verify-proof", str(path), "--evenement-hash", event.hash,
                                         "--cle", app.state.journal_signer.verifier.key, *args], env=nowhere)

    cosigned = verify_proof(response.text, "--temoin", key.verifier.key)
    assert cosigned.exit_code == 0, cosigned.output
    assert "Preuve valide" in cosigned.output and "contresigné par a.example.org/temoin." in cosigned.output
    # The same proof in a checkpoint the log's key signed alone (as whoever holds it could sign a fork): refused.
    alone = (await store.event_proof(db, event)).text()
    refused = verify_proof(alone, "--temoin", key.verifier.key)
    assert refused.exit_code == 1
    assert "n'est pas contresigné par a.example.org/temoin : seule la clé du journal en répond" in refused.output
    assert verify_proof(alone).exit_code == 0  # no witness asked: the log's key alone, as before
    assert "n'est pas la clé d'un témoin" in verify_proof(response.text, "--temoin", "x").output


async def test_an_events_proof_waiting_for_an_unreachable_witness_says_so_not_a_few_seconds(
        client, app, db, patient, settings, tmp_path):
    """An event integrated after the last checkpoint the witnesses cosigned has no proof in it yet: while the witness is
    down (an hour, a day), the refusal says what the proof waits for, not "dans quelques secondes"."""
    await activate(client, patient)
    witness, key = in_process_witness(tmp_path, "a", app)
    settings = with_witnesses(app, settings, 1, (key, A))
    await log(db, patient.dossier.id, 2)
    await integrate_now(db, signer=app.state.journal_signer)
    async with httpx.AsyncClient(mounts={A: httpx.ASGITransport(app=create_witness_app(witness))}) as http:
        assert all(o.cosigned for o in await witnessing.submit_due(app.state.sessionmaker, settings=settings, http=http))
    await log(db, patient.dossier.id, 1)
    newest = (await db.exec(select(AccessEvent.seq).where(AccessEvent.dossier_id == patient.dossier.id)
                            .order_by(AccessEvent.seq.desc()))).first()
    not_yet = await client.get(f"/dossiers/{patient.dossier.id}/historique/preuve/{newest}")
    assert not_yet.status_code == 409 and "quelques secondes" in not_yet.text  # not integrated: seconds, indeed
    await integrate_now(db, signer=app.state.journal_signer)
    async with httpx.AsyncClient(mounts={A: Down()}) as http:
        [down] = await witnessing.submit_due(app.state.sessionmaker, settings=settings, http=http)
    assert not down.cosigned
    waiting = await client.get(f"/dossiers/{patient.dossier.id}/historique/preuve/{newest}")
    assert waiting.status_code == 409 and waiting.headers["retry-after"] == "60"
    assert "mais les témoins indépendants ne" in waiting.text and "pas encore contresigné : sa preuve sera" in waiting.text
    assert "quelques secondes" not in waiting.text
    assert (await client.get(f"/dossiers/{patient.dossier.id}/historique/preuve/2")).status_code == 200  # cosigned
