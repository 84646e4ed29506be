"""A health link blocked by wrong passcodes is in the patient's Historique, chained like every event, and told to the
patient and their caregivers; who opened a link is named as they declared it, said to be declared in the reader's
language, in the Historique and the copy's AuditEvents alike; and two sentences of the log say their time next to the
verb it belongs to."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from server import i18n
from server.auth.accounts import account_for_patient
from server.accesslog import audit
from server.accesslog.journal import Viewer, sentence
from server.accesslog.verify import verify_chain
from server.models import AccessEvent, Account, Delegation, Notification
from tests.conftest import activate, post_form
from tests.patient_helpers import Log
from tests.test_notifications import as_account, banner_of, push_service, settled, subscribe  # noqa: F401 - a fixture
from tests.shlink_helpers import fetch, make_link, payload_of

NBSP = re.compile("[\u00a0\u202f]")


def plain(text: str) -> str:
    return NBSP.sub(" ", html.unescape(text))


async def historique(client, dossier_id: str, query: str = "") -> str:
    return plain((await client.get(f"/dossiers/{dossier_id}/historique{query}")).text)


# --- a link blocked -------------------------------------------------------------------------------------------


async def test_the_wrong_passcode_that_blocks_a_link_is_logged_and_shown_among_the_changes_of_rights(
        client, app, db, patient):
    link = payload_of(await make_link(db, patient, passcode="soleil-42", label="Voyage au Portugal"))
    async with Log(db, patient.dossier.id) as log:
        for left in range(9, 0, -1):
            assert (await fetch(app, link, passcode=f"lune-{left}")).json() == {"remainingAttempts": left}
    assert log.actions == []  # a wrong passcode that leaves attempts is no event
    async with Log(db, patient.dossier.id) as log:
        last = await fetch(app, link, passcode="lune-0")
        assert last.status_code == 401 and last.json() == {"remainingAttempts": 0}
        dead = await fetch(app, link, passcode="soleil-42")
    assert dead.status_code == 404
    [blocked] = log.new  # once: the 404s after it spend nothing and log nothing
    assert blocked.action == "shl_blocked" and blocked.actor_kind == "system" and blocked.actor_name == "Carnet"
    assert blocked.actor_account_id is None and blocked.detail == "«\u00a0Voyage au Portugal\u00a0» (carte d'urgence)"
    assert await verify_chain(db, dossier_id=patient.dossier.id) is None

    await activate(client, patient)
    said = re.compile(r"Le lien de partage « Voyage au Portugal » \(carte d'urgence\) a été bloqué à \d{1,2} h \d{2}, "
                      r"après trop de codes d'accès faux\.")
    page = await historique(client, patient.dossier.id)
    assert said.search(page) and "Lien de partage bloqué" not in page
    assert said.search(await historique(client, patient.dossier.id, "?type=droits"))
    assert not said.search(await historique(client, patient.dossier.id, "?type=consultations"))
    csv = plain((await client.get(f"/dossiers/{patient.dossier.id}/historique.csv")).text)
    assert ";Carnet;" in csv and ";Lien de partage bloqué;" in csv


async def test_a_link_blocked_is_new_to_the_patient(client, app, db, patient):
    link = payload_of(await make_link(db, patient, passcode="soleil-42"))
    await activate(client, patient)
    await client.get(f"/dossiers/{patient.dossier.id}/historique")  # seen up to now
    for left in range(9, -1, -1):
        await fetch(app, link, passcode=f"lune-{left}")
    page = await historique(client, patient.dossier.id)
    assert "1 nouvel événement" in page


async def test_a_link_blocked_is_told_to_the_patient_and_to_whoever_helps_with_the_dossier(
        client, app, db, patient, push_service):
    """No one at home blocked it, and only a new link lets its recipient in again: told like a change of who helps."""
    camille = await account_for_patient(db, patient=patient.patient)
    paul = Account(display_name="Paul Martin")
    db.add(paul)
    await db.flush()
    db.add(Delegation(dossier_id=patient.dossier.id, caregiver_account_id=paul.id, relationship="proche"))
    await db.commit()
    phone, tablet = push_service.device("telephone"), push_service.device("tablette-de-paul")
    assert (await subscribe(client, db, camille, phone)).status_code == 200
    assert (await subscribe(client, db, paul, tablet)).status_code == 200
    link = payload_of(await make_link(db, patient, passcode="soleil-42", label="Voyage au Portugal"))
    for left in range(9, 0, -1):
        await fetch(app, link, passcode=f"lune-{left}")
    await settled(app)
    assert push_service.to(phone) == push_service.to(tablet) == []  # attempts left: nothing changed yet

    await fetch(app, link, passcode="lune-0")
    await settled(app)
    body = "Un lien de partage de votre dossier a été bloqué après trop de codes d'accès faux."
    [to_camille], [to_paul] = push_service.to(phone), push_service.to(tablet)
    assert phone.read(to_camille) == {"title": "Carnet", "body": body, "url": "/historique"}
    assert tablet.read(to_paul) == {"title": "Carnet", "body": body,
                                    "url": f"/dossiers/{patient.dossier.id}/historique"}
    assert to_camille.headers["topic"] == "lien-de-partage"  # a later read's push does not replace it
    [notification] = (await db.exec(select(Notification))).all()
    assert (await db.get(AccessEvent, notification.event_id)).action == "shl_blocked"
    await as_account(client, db, camille)
    banner = banner_of((await client.get(f"/dossiers/{patient.dossier.id}")).text)
    assert "Le lien de partage « Voyage au Portugal » (carte d'urgence) a été bloqué" in banner


# --- the name a recipient declared ------------------------------------------------------------------------------


async def test_a_recipients_name_is_stored_alone_and_said_to_be_declared(client, app, db, patient):
    link = payload_of(await make_link(db, patient))
    async with Log(db, patient.dossier.id) as log:
        assert (await fetch(app, link, recipient="Dr Test, Lisbonne")).status_code == 200
    [opened] = log.new
    assert opened.action == "shl_fetch" and opened.actor_kind == "shl_recipient"
    assert opened.actor_name == "Dr Test, Lisbonne"  # no French words in what the chain hashed
    await activate(client, patient)
    page = await historique(client, patient.dossier.id)
    assert "Dr Test, Lisbonne (nom déclaré par le destinataire) a ouvert le lien de partage" in page


async def test_an_older_event_that_holds_the_french_words_in_its_name_reads_as_a_new_one(client, db, patient):
    """Events written before the name was kept alone hold " (nom déclaré par le destinataire)" in actor_name, a
    hashed field: it stays in the database, and the sentence says it once, in the reader's language."""
    await audit.begin_chained(db)
    await audit.append(db, dossier_id=patient.dossier.id, action="shl_fetch", right="shl",
                       detail="«\u00a0Ancien lien\u00a0» (carte d'urgence)",
                       actor=audit.Actor(None, "shl_recipient", "Dr Ancien, Porto (nom déclaré par le destinataire)"))
    await audit.commit_chained(db)
    await activate(client, patient)
    page = await historique(client, patient.dossier.id)
    assert "Dr Ancien, Porto (nom déclaré par le destinataire) a ouvert le lien de partage « Ancien lien »" in page
    assert "(nom déclaré par le destinataire) (nom déclaré" not in page


async def an_older_and_a_new_opening(client, app, db, patient) -> None:
    """An opening logged before the name was kept alone (its words in actor_name), one since, and the patient in."""
    await audit.begin_chained(db)
    await audit.append(db, dossier_id=patient.dossier.id, action="shl_fetch", right="shl",
                       actor=audit.Actor(None, "shl_recipient", "Dr Ancien, Porto (nom déclaré par le destinataire)"))
    await audit.commit_chained(db)
    await fetch(app, payload_of(await make_link(db, patient)), recipient="Dr Test, Lisbonne")
    await activate(client, patient)


async def test_in_english_the_declared_name_is_said_in_english_for_new_and_older_events(client, app, db, patient):
    """Needs the catalogue's English for the words that say a name was declared."""
    await an_older_and_a_new_opening(client, app, db, patient)
    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    page = await historique(client, patient.dossier.id)
    assert "(nom déclaré par le destinataire) opened" not in page
    assert "Dr Test, Lisbonne (name given by the recipient) opened the sharing link" in page
    assert "Dr Ancien, Porto (name given by the recipient) opened the sharing link" in page


async def test_the_copys_auditevents_name_a_recipient_as_the_historique_does_for_new_and_older_events(
        client, app, db, patient):
    await an_older_and_a_new_opening(client, app, db, patient)
    page = await historique(client, patient.dossier.id)
    copy = zipfile.ZipFile(io.BytesIO((await post_form(client, f"/dossiers/{patient.dossier.id}/export", {})).content))
    log = json.loads(copy.read("journal-acces-auditevent.json"))
    openings = [e["resource"] for e in log["entry"] if e["resource"]["subtype"][0]["code"] == "shl_fetch"]
    named = sorted((r["agent"][0]["who"]["display"], r["agent"][0]["name"]) for r in openings)
    assert named == [(f"{name} (nom déclaré par le destinataire)",) * 2
                     for name in ("Dr Ancien, Porto", "Dr Test, Lisbonne")]
    for resource in openings:  # the same words as its own sentence, and as the Historique's
        name = resource["agent"][0]["name"]
        assert resource["outcomeDesc"].startswith(f"{name} a ouvert le lien de partage") and name in page


# --- where the time goes ----------------------------------------------------------------------------------------

AT = datetime(2025, 3, 3, 6, 27, tzinfo=UTC)  # 7 h 27 in Paris


def event(action: str, **fields) -> AccessEvent:
    defaults = dict(dossier_id="d", seq=1, at=AT, actor_account_id="pro", actor_kind="professional",
                    actor_name="Julie Moreau", actor_profession="", prev_hash="", hash="")
    return AccessEvent(action=action, **{**defaults, **fields})


@pytest.mark.parametrize("with_date, today, when", [
    (False, None, "à 7 h 27"),
    (True, date(2025, 6, 1), "le 3 mars à 7 h 27"),
    (True, date(2026, 6, 1), "le 3 mars 2025 à 7 h 27"),
])
def test_the_time_is_said_next_to_what_was_done_in_every_form(with_date, today, when):
    refused = event("dossier_open_refused", detail="identité saisie différente")
    withdrawn = event("withdraw_document", document_title="Compte rendu", right="author")
    yours = Viewer("pro", is_patient=False)
    patients = Viewer("patient", is_patient=True)
    with i18n.speaking(i18n.SOURCE):
        said = {name: NBSP.sub(" ", sentence(e, viewer=v, today=today, with_date=with_date))
                for name, e, v in (("refused", refused, patients), ("refused_yours", refused, yours),
                                   ("withdrawn", withdrawn, patients), ("withdrawn_yours", withdrawn, yours))}
    assert said == {
        "refused": f"Julie Moreau a tenté, {when}, d'ouvrir un nouveau dossier alors que votre dossier existe déjà "
                   "(identité saisie différente).",
        "refused_yours": f"Vous avez tenté, {when}, d'ouvrir un nouveau dossier alors que le dossier existe déjà "
                         "(identité saisie différente).",
        # Only its author withdraws a document: no right said (it said "grâce à son accès aux documents ajoutés par
        # ses soins" where her addition of it had said the right she wrote in the dossier under).
        "withdrawn": f"Julie Moreau a retiré {when} « Compte rendu », déclaré erroné.",
        "withdrawn_yours": f"Vous avez retiré {when} « Compte rendu », déclaré erroné.",
    }
