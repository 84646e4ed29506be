"""The patient's Historique: who reaches it; only the patient and their caregivers ever see it."""

import re
from datetime import date

import pytest
from sqlmodel import select

from server.access import blocks, hiding
from server.auth.accounts import account_for_patient
from server.accesslog.audit import Actor
from server.models import Account, Delegation, LogVisit, utcnow
from tests.conftest import new_patient, without_csrf
from tests.log_page_helpers import World, as_account, log_lines


MISSING = "0" * 32


@pytest.fixture
async def world(db, app, patient):
    return await World().build(db, app, patient)


async def test_historique_leads_to_the_patients_own_log(client, db, world):
    await as_account(client, db, world.patient_account)
    response = await client.get("/historique", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == world.url()
    page = await client.get(response.headers["location"])
    assert page.status_code == 200 and "Historique de mon dossier" in page.text
    assert "Aucun événement pour l'instant." in page.text


async def test_without_a_session_the_log_sends_to_the_login_page(client, world):
    for url in (world.url(), world.url(".csv"), world.url("/imprimer"), "/historique"):
        response = await client.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/connexion?suite={url}"


async def test_nobody_but_the_patient_and_caregivers_learns_the_log_exists(client, db, world):
    await world.claire_is_medecin_traitant(db)
    await world.share_code_for_lea(db)
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    hugo_account = await account_for_patient(db, patient=hugo.patient)
    stranger = Account(display_name="Inconnu")
    db.add(stranger)
    await db.commit()
    readers = {"médecin traitant": world.claire_account, "granted": world.lea_account, "other patient": hugo_account,
               "stranger": stranger}
    for who, account in readers.items():
        await as_account(client, db, account)
        for suffix in ("", ".csv", "/imprimer", "?type=consultations", "?avant=3"):
            theirs, missing = await client.get(world.url(suffix)), await client.get(f"/dossiers/{MISSING}/historique{suffix}")
            assert theirs.status_code == missing.status_code == 404, (who, suffix)
            assert without_csrf(theirs.text) == without_csrf(missing.text), (who, suffix)
    await as_account(client, db, world.lea_account)
    assert (await client.get("/historique")).status_code == 404  # a professional has no log of their own
    await db.commit()
    visits = (await db.exec(select(LogVisit))).all()
    assert visits == []  # and none of those refusals recorded a visit


async def test_a_caregiver_reads_the_log_and_their_own_actions_say_vous(client, db, world):
    paul = Account(display_name="Paul Martin")
    db.add(paul)
    await db.flush()
    db.add(Delegation(dossier_id=world.dossier.id, caregiver_account_id=paul.id, relationship="proche"))
    await db.commit()
    await hiding.set_hidden(db, document=world.irm, hidden=True,
                            actor=Actor(paul.id, "caregiver", "Paul Martin", on_behalf_of="Camille Martin"))
    await blocks.block(db, dossier=world.dossier, professional=world.lea, actor=world.camille)
    await as_account(client, db, paul)
    page = (await client.get(world.url())).text
    assert "Historique du dossier de Camille Martin" in page
    texts = [text for _, _, text in log_lines(page)]
    assert re.fullmatch(r"Camille Martin a bloqué Léa Fontaine, masseur-kinésithérapeute, à \d+ h \d\d\.", texts[0])
    assert re.fullmatch(r"Pour le compte de Camille Martin, vous avez masqué « IRM du genou droit » aux professionnels "
                        r"à \d+ h \d\d\.", texts[1])
    await as_account(client, db, world.patient_account)
    texts = [text for _, _, text in log_lines((await client.get(world.url())).text)]
    assert texts[0].startswith("Vous avez bloqué Léa Fontaine")
    assert texts[1].startswith("Paul Martin, pour votre compte, a masqué « IRM du genou droit »")
    delegation = (await db.exec(select(Delegation))).one()
    delegation.revoked_at = utcnow()
    db.add(delegation)
    await db.commit()
    await as_account(client, db, paul)
    assert (await client.get(world.url())).status_code == 404
