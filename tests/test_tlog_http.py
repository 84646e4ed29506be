"""The transparency log over HTTP: checkpoint, key and proofs for anyone; an event's offline proof for its Historique's readers."""

import base64
import itertools
from datetime import date

import pytest
from sqlmodel import select

from server.accesslog.audit import Actor, append, begin_chained, commit_chained
from server.models import AccessEvent
from server.tlog import integrator
from server.tlog.checkpoint import open_checkpoint, verify_checkpoint_consistency, verify_proof
from server.tlog.cli import ProofRefused, check_offline_proof
from server.tlog.keys import Verifier
from server.tlog.leaf import event_leaf_hash
from server.tlog.merkle import verify_inclusion
from server.tlog.store import TlogCheckpoint, TlogLeaf
from tests.conftest import activate, new_patient, without_csrf

PRO = Actor(account_id=None, kind="professional", name="Julie Moreau", profession="infirmier", rpps="10000000015")


async def log(db, dossier_id, n):
    for i in range(n):
        await begin_chained(db)
        await append(db, dossier_id=dossier_id, action="read_document", actor=PRO, detail=f"lecture {i}")
        await commit_chained(db)


def hashes(response) -> list[bytes]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    return [base64.b64decode(line, validate=True) for line in response.text.splitlines()]


async def test_the_latest_checkpoint_and_the_key_are_published_as_text(client, app, db, patient):
    before = await client.get("/journal/checkpoint")  # a log that never integrated has signed nothing yet
    assert before.status_code == 404 and before.headers["retry-after"] == "1"
    await log(db, patient.dossier.id, 3)
    made = await integrator.integrate_now(db, signer=app.state.journal_signer)
    key = await client.get("/journal/cle")
    assert key.headers["content-type"] == "text/plain; charset=utf-8"
    verifier = Verifier.from_key(key.text.strip())
    assert verifier.name == "localhost:8000/carnet-journal" == app.state.settings.journal_origin
    published = await client.get("/journal/checkpoint")
    assert published.headers["content-type"] == "text/plain; charset=utf-8"
    assert published.headers["cache-control"] == "no-store"
    checkpoint, _ = open_checkpoint(published.text, log=verifier)
    assert checkpoint.size >= made.size >= 3
    # Public, hashes only: an auditor's page elsewhere reads them (CORS), and they set no cookie (a probe's find).
    proof = await client.get(f"/journal/preuve/consistance?de=1&a={checkpoint.size}")
    for answer in (key, published, proof, before, await client.get("/journal/preuve/inclusion?index=x&taille=1")):
        assert answer.headers["access-control-allow-origin"] == "*" and "set-cookie" not in answer.headers


async def test_proofs_served_over_http_verify_against_the_signed_checkpoints(client, app, db, patient):
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    for n in (1, 2, 4, 3):
        await log(db, patient.dossier.id, n)
        await log(db, other.dossier.id, 1)
        await integrator.integrate_now(db, signer=app.state.journal_signer)
    verifier = Verifier.from_key((await client.get("/journal/cle")).text.strip())
    signed = [open_checkpoint(row.note, log=verifier)[0]
              for row in (await db.exec(select(TlogCheckpoint).order_by(TlogCheckpoint.size))).all()]
    assert len(signed) >= 4
    for old, new in itertools.combinations(signed, 2):
        proof = hashes(await client.get(f"/journal/preuve/consistance?de={old.size}&a={new.size}"))
        verify_checkpoint_consistency(old, new, proof)
    latest = signed[-1]
    for leaf in (await db.exec(select(TlogLeaf).order_by(TlogLeaf.leaf_index))).all():
        proof = hashes(await client.get(f"/journal/preuve/inclusion?index={leaf.leaf_index}&taille={latest.size}"))
        verify_inclusion(leaf_hash=leaf.hash, index=leaf.leaf_index, size=latest.size, proof=proof, root=latest.root)


HOSTILE = [
    "consistance", "consistance?de=1", "consistance?de=-1&a=2", "consistance?de=un&a=2", "consistance?de=3&a=2",
    "consistance?de=01&a=2", "consistance?de=0&a=99999999999999999999999", "consistance?de=0&a=1e3",
    "consistance?de=0&a=%C2%B2", "consistance?de=0&a=4000000", "inclusion?index=5&taille=5", "inclusion?index=0&taille=0",
    "inclusion?index=x&taille=2", "inclusion?taille=2", "inclusion?index=0&taille=9223372036854775807",
]


async def test_a_proof_that_cannot_be_given_is_a_french_sentence_never_a_500(client, app, db, patient):
    await integrator.integrate_now(db, signer=app.state.journal_signer)
    for query in HOSTILE:
        response = await client.get(f"/journal/preuve/{query}")
        assert response.status_code in (400, 404), (query, response.text)
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert any(word in response.text for word in ("paramètre", "journal", "dépasser", "plus petit")), query
    for too_large in ("9223372036854775808", "99999999999999999999"):  # a whole number, past any tree: said so
        response = await client.get(f"/journal/preuve/inclusion?index=0&taille={too_large}")
        assert response.status_code == 400 and "dépasse tout journal possible" in response.text


async def test_a_patient_downloads_an_events_proof_that_anyone_checks_offline(client, app, db, patient):
    await activate(client, patient)
    await log(db, patient.dossier.id, 2)
    await integrator.integrate_now(db, signer=app.state.journal_signer)
    event = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id)
                           .order_by(AccessEvent.seq.desc()))).first()
    response = await client.get(f"/dossiers/{patient.dossier.id}/historique/preuve/{event.seq}")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == f'attachment; filename="preuve-journal-camille-{event.seq}.tlog-proof"'
    key = app.state.journal_signer.verifier.key
    assert "Preuve valide" in check_offline_proof(response.text, key=key, event_hash=event.hash)
    salt = base64.b64decode(response.text.split("\n")[1].removeprefix("extra "))[:32]
    verify_proof(response.text, leaf_hash=event_leaf_hash(salt, event.hash), log=Verifier.from_key(key))
    with pytest.raises(ProofRefused, match="pas celui"):
        check_offline_proof(response.text, key=key, event_hash="0" * 64)


async def test_another_patients_event_gets_the_404_of_a_missing_one(client, app, db, patient):
    await activate(client, patient)
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    await log(db, other.dossier.id, 2)
    await log(db, patient.dossier.id, 1)
    await integrator.integrate_now(db, signer=app.state.journal_signer)
    foreign = await client.get(f"/dossiers/{other.dossier.id}/historique/preuve/1")
    missing = await client.get(f"/dossiers/{patient.dossier.id}/historique/preuve/9999")
    nonsense = await client.get(f"/dossiers/{patient.dossier.id}/historique/preuve/1e9")
    assert foreign.status_code == missing.status_code == nonsense.status_code == 404
    assert without_csrf(foreign.text) == without_csrf(missing.text) == without_csrf(nonsense.text)
    client.cookies.clear()
    anonymous = await client.get(f"/dossiers/{patient.dossier.id}/historique/preuve/1", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/connexion?suite=/dossiers/{patient.dossier.id}/historique/preuve/1"
