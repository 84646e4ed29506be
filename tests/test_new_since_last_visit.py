"""A professional sees what was added to a dossier since her last visit: "Mes patients" counts it for each patient,
the dossier marks it "Nouveau" and lists it first; never a document she may not read (hidden, outside her grant,
her own), at a cost that does not grow with the dossier."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from alembic import command

from server.access import grants, hiding
from server.access.medecin_traitant import set_medecin_traitant
from server.accesslog.audit import Actor
from server.models import clock_at, utcnow
from tests.conftest import activate, activate_professional, add_text_document, new_patient, new_professional
from tests.patient_helpers import Plans, Statements, migrate, titles_in
from tests.test_pro_own_documents import written_by
from tests.test_timeline_scale import many_documents

PATIENT = Actor(None, "patient", "La patiente")
NEW = re.compile(r"(\d+|Plus de \d+) nouveaux? documents?<span")
LONG_AGO = date(2019, 1, 15)  # an event date well below the first page: a report filed today about an old visit


async def visited(client, dossier, *, days_ago: float) -> None:
    """Her opening of the dossier's timeline that long ago."""
    with clock_at(utcnow() - timedelta(days=days_ago)):
        assert (await client.get(f"/dossiers/{dossier.id}")).status_code == 200


async def grant(db, person, pro, categories: str = "") -> None:
    """Access given a week ago, before any of her visits."""
    with clock_at(utcnow() - timedelta(days=7)):
        await grants.grant_access(db, dossier=person.dossier, professional=pro.professional, categories=categories,
                                  duration="sans", actor=PATIENT)


async def granted(client, db, person, *, categories: str = "", stem: int = 1):
    pro = await new_professional(db, stem=stem)
    await activate_professional(client, pro)
    await grant(db, person, pro, categories)
    return pro


def counted(page) -> list[str]:
    return NEW.findall(page.text)


async def test_my_patients_counts_what_her_grant_opens_of_what_others_added_since_her_last_visit(
        pro_client, db, app, patient):
    pro = await granted(pro_client, db, patient, categories="compte_rendu")
    colleague = await new_professional(db, given_name="Léa", family_name="Fontaine", stem=2)
    with clock_at(utcnow() - timedelta(days=3)):
        await add_text_document(db, app, patient.dossier, title="Compte rendu ancien")
    assert counted(await pro_client.get("/pro")) == []  # never opened: nothing is "new" to her
    await visited(pro_client, patient.dossier, days_ago=2)
    await written_by(db, app, patient, colleague, "Bilan kiné intermédiaire (janvier)", when=LONG_AGO)
    await add_text_document(db, app, patient.dossier, title="Glycémie à jeun", category="biologie")  # not granted
    hidden = await add_text_document(db, app, patient.dossier, title="Compte rendu masqué")
    await hiding.set_hidden(db, document=hidden, hidden=True, actor=PATIENT)
    await written_by(db, app, patient, pro, "Son propre bilan")  # her own is no news to her
    page = await pro_client.get("/pro")
    assert counted(page) == ["1"], page.text
    assert "1 nouveau document<span class=\"visually-hidden\"> dans le dossier de Camille Martin</span>" in page.text
    assert f'href="/dossiers/{patient.dossier.id}?nouveaux=1"' in page.text
    assert page.headers["cache-control"] == "no-store"
    # Opened, it is no longer new on "Mes patients".
    assert (await pro_client.get(f"/dossiers/{patient.dossier.id}")).status_code == 200
    assert counted(await pro_client.get("/pro")) == []


async def test_the_dossier_lists_what_was_added_since_her_last_visit_first_and_marks_it_new(pro_client, db, app,
                                                                                           patient):
    await granted(pro_client, db, patient)
    with clock_at(utcnow() - timedelta(days=3)):
        for n in range(8):
            await add_text_document(db, app, patient.dossier, title=f"Relevé {n}", when=date(2025, 1, 1 + n))
    await visited(pro_client, patient.dossier, days_ago=2)
    colleague = await new_professional(db, given_name="Léa", family_name="Fontaine", stem=2)
    await written_by(db, app, patient, colleague, "Bilan kiné intermédiaire (janvier)", when=LONG_AGO)
    hidden = await add_text_document(db, app, patient.dossier, title="Compte rendu masqué", when=date(2025, 2, 1))
    await hiding.set_hidden(db, document=hidden, hidden=True, actor=PATIENT)
    url = f"/dossiers/{patient.dossier.id}"
    page = await pro_client.get(url)
    assert "Nouveaux depuis votre dernière visite (1)" in page.text
    assert "Bilan kiné intermédiaire (janvier)" not in titles_in(page.text)  # page_size 5: far below, by its date
    news = await pro_client.get(f"{url}?nouveaux=1")
    assert titles_in(news.text) == ["Bilan kiné intermédiaire (janvier)"], news.text
    assert "1 nouveau document depuis votre dernière visite" in news.text and "Tous les documents" in news.text
    assert '<span class="badge log-new">Nouveau</span>' in news.text
    assert "Compte rendu masqué" not in news.text and news.headers["cache-control"] == "no-store"
    # Back from the document, within the same visit: still new.
    again = await pro_client.get(url)
    assert "Nouveaux depuis votre dernière visite (1)" in again.text


async def test_the_medecin_traitant_counts_what_the_rule_lets_her_read_hidden_too_and_a_patient_has_no_such_list(
        client, pro_client, db, app, patient):
    doctor = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin")
    await activate_professional(pro_client, doctor)
    with clock_at(utcnow() - timedelta(days=7)):
        await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor.professional,
                                          actor=PATIENT)
    await visited(pro_client, patient.dossier, days_ago=1)
    hidden = await add_text_document(db, app, patient.dossier, title="Compte rendu masqué")
    await hiding.set_hidden(db, document=hidden, hidden=True, actor=PATIENT)
    assert counted(await pro_client.get("/pro")) == ["1"]  # she reads hidden documents (DESIGN.md, "Who sees what")
    await activate(client, patient)
    own = await client.get(f"/dossiers/{patient.dossier.id}?nouveaux=1")
    assert "Compte rendu masqué" in titles_in(own.text) and "depuis votre dernière visite" not in own.text


async def test_a_visit_counts_from_the_one_before_it_and_goes_on_while_she_comes_back(pro_client, db, app, patient):
    await granted(pro_client, db, patient)
    await visited(pro_client, patient.dossier, days_ago=3)
    with clock_at(utcnow() - timedelta(days=2)):
        await add_text_document(db, app, patient.dossier, title="Compte rendu de mardi")
    await visited(pro_client, patient.dossier, days_ago=1)  # she read it then
    url = f"/dossiers/{patient.dossier.id}"
    assert "Nouveaux depuis votre dernière visite" not in (await pro_client.get(url)).text
    await add_text_document(db, app, patient.dossier, title="Compte rendu de ce matin")
    # Back to the list a moment later: the same visit, which counts from the one of yesterday.
    news = await pro_client.get(f"{url}?nouveaux=1")
    assert titles_in(news.text) == ["Compte rendu de ce matin"], news.text
    assert "Nouveaux depuis votre dernière visite (1)" in (await pro_client.get(url)).text


async def test_my_patients_asks_one_question_for_the_new_documents_of_all_her_patients(pro_client, db, app):
    pro = await new_professional(db)
    await activate_professional(pro_client, pro)
    asked = []
    for serial in range(1, 6):
        person = await new_patient(db, given_name=f"Patient{serial}", family_name="Nom", serial=serial)
        categories = "compte_rendu" if serial % 2 else ""
        await grant(db, person, pro, categories)
        await visited(pro_client, person.dossier, days_ago=1)
        await add_text_document(db, app, person.dossier, title=f"Compte rendu {serial}")
        if serial in (2, 5):
            with Statements(app.state.engine) as seen:
                page = await pro_client.get("/pro")
            assert counted(page) == ["1"] * serial, page.text
            asked.append(len(seen.seen))
    assert asked[0] == asked[1], asked


async def test_a_professionals_timeline_asks_the_same_questions_however_big_the_dossier(pro_client, db, app, patient):
    await granted(pro_client, db, patient)
    await visited(pro_client, patient.dossier, days_ago=1)
    url = f"/dossiers/{patient.dossier.id}"
    asked = []
    said = ["Nouveaux depuis votre dernière visite (30)", "30 nouveaux documents depuis votre dernière visite",
            "Nouveaux depuis votre dernière visite (99+)",
            "Plus de 99 nouveaux documents depuis votre dernière visite"]
    for count in (30, 3000):
        await many_documents(db, patient.dossier, count)
        for address in (url, f"{url}?nouveaux=1"):
            with Statements(app.state.engine) as seen:
                page = await pro_client.get(address)
            assert page.status_code == 200 and said[len(asked)] in page.text, page.text
            asked.append([re.sub(r"\d+", "N", s.split(" WHERE")[0]) for s in seen.seen])
    assert asked[0] == asked[2] and asked[1] == asked[3]


async def test_migration_0058_finds_each_professionals_latest_opening_in_the_log(pro_client, db, app, patient):
    await granted(pro_client, db, patient)
    await visited(pro_client, patient.dossier, days_ago=2)
    with clock_at(utcnow() - timedelta(days=1)):
        await add_text_document(db, app, patient.dossier, title="Compte rendu d'hier")
    await db.commit()  # its read ends before the migration writes
    await migrate(app, command.downgrade, "0057")
    await migrate(app, command.upgrade, "head")
    assert counted(await pro_client.get("/pro")) == ["1"]


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)  # SQLite's plans
async def test_what_is_new_is_read_from_the_documents_added_since_never_the_whole_dossier(pro_client, db, app, patient):
    await granted(pro_client, db, patient, categories="compte_rendu,biologie")
    await visited(pro_client, patient.dossier, days_ago=1)
    url = f"/dossiers/{patient.dossier.id}"
    with Plans(app.state.engine) as seen:
        for address in ("/pro", url, f"{url}?nouveaux=1"):
            assert (await pro_client.get(address)).status_code == 200
    plans = [plan for statement, plan in seen.plans if "document.created_at >" in statement]
    assert len(plans) == 3 and all("ix_document_added (dossier_id=? AND created_at>?)" in p for p in plans), plans
    assert all("SCAN document" not in p and "TEMP B-TREE" not in p for p in plans), plans
    assert all("COVERING INDEX" in p for p in plans[:2]), plans  # the counts read no row
