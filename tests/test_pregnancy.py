"""A pregnancy in the profil médical (an outside probe's find: Camille, 16 SA, typed "Grossesse en cours" as a current
problem and was told to catch up ROR, a live vaccine contre-indiqué during pregnancy). A pregnancy is an item of its
own kind, with its date prévue d'accouchement, current until its end is noted: while it lasts, the live vaccines'
doses wait for the birth and the coqueluche dose of the pregnancy is listed from 20 SA; the summary (IPS) has its
History of pregnancy section. Never guessed from words."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

import pypdfium2
from alembic import command
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import text as sql

from server.access import grants
from server.access.medecin_traitant import set_medecin_traitant
from server.auth.accounts import account_for_professional
from server.export.archive import build_export
from server.export.restore import TRANSFER, restore
from server.models import ProfileItem, paris_today
from server.profile.ending import end_item
from server.profile.items import ItemInput, add_item, set_item_hidden
from server.profile.pregnancy import Term, at_week, last_period, term_on
from server.profile.vaccines import LATE, TO_DO, due_vaccinations
from tests.conftest import activate, new_patient, new_professional, post_form
from tests.patient_helpers import migrate
from tests.export_helpers import NOW as COPIED_AT
from tests.export_helpers import (  # noqa: F401 - `elsewhere` is a fixture: another installation
    authors_of, downloaded, elsewhere, live_items, resources_of, same_patient_there)
from tests.test_profile import PATIENT, TODAY
from tests.profile_page_helpers import CAMILLE, add, as_patient, browser, events_of, items_of, text_of, url

BORN = date(1984, 3, 12)  # Camille: no ROR noted, a catch-up the calendar recommends
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"


def vaccination(label: str, on: date) -> ProfileItem:
    return ProfileItem(dossier_id="d", kind="vaccination", label=label, started_on=on)


def pregnancy(expected_on: date | None, ended_on: date | None = None) -> ProfileItem:
    return ProfileItem(dossier_id="d", kind="pregnancy", label="", expected_on=expected_on, ended_on=ended_on)


def dues(today: date, *given: ProfileItem, expecting: ProfileItem | None = None, born: date = BORN) -> dict:
    return {d.id: d for d in due_vaccinations(birth_date=born, sex="F", vaccinations=list(given), today=today,
                                             pregnancy=expecting)}


# --- weeks of amenorrhoea, as France counts them ----------------------------------------------------


def test_the_weeks_are_counted_from_the_last_period_nine_months_and_two_weeks_before_the_expected_date():
    """France: the DPA is 9 months after the start of pregnancy, itself 14 days after the last period: 41 SA."""
    expected = date(2026, 10, 15)
    assert last_period(expected) == date(2026, 1, 1)
    assert term_on(expected, date(2026, 4, 23)) == Term(16, 0) and term_on(expected, date(2026, 4, 26)) == Term(16, 3)
    assert at_week(expected, 20) == date(2026, 5, 21) and term_on(expected, expected) == Term(41, 0)
    assert term_on(expected, date(2025, 12, 31)) is None


# --- the vaccinations due -------------------------------------------------------------------------------


def test_a_pregnant_woman_s_ror_and_hpv_wait_for_the_birth_and_come_back_once_it_is_noted():
    today, expected = date(2026, 4, 23), date(2026, 10, 15)  # 16 SA
    before = dues(today)
    assert before["ror-1"].catch_up and not before["ror-1"].after_birth
    during = dues(today, expecting=pregnancy(expected))
    assert during["ror-1"].after_birth == "live" and list(during)[-1] == "ror-1"  # after what is to do now
    young = dues(today, expecting=pregnancy(expected), born=date(2009, 6, 1))  # 16: HPV's catch-up, put off too
    assert young["hpv-1"].after_birth == "postponed"
    over = dues(date(2026, 10, 20), expecting=None)  # pregnancy.current: none once its end is noted
    assert over["ror-1"].catch_up and not over["ror-1"].after_birth


def test_the_coqueluche_dose_of_a_pregnancy_is_listed_from_20_sa_done_from_the_second_trimester_late_after_36():
    expected = date(2026, 10, 15)  # 20 SA on 21 May 2026, 36 SA on 10 September, 15 SA on 16 April
    expecting = pregnancy(expected)
    assert "coqueluche-grossesse" not in dues(date(2026, 2, 1), expecting=expecting)  # 4 SA: over three months ahead
    upcoming = dues(date(2026, 4, 23), expecting=expecting)["coqueluche-grossesse"]  # 16 SA
    assert (upcoming.due_on, upcoming.state, upcoming.upcoming) == (at_week(expected, 20), TO_DO, True)
    assert "dTcaP" in upcoming.dose and upcoming.family == "Coqueluche"
    assert dues(date(2026, 9, 20), expecting=expecting)["coqueluche-grossesse"].state == LATE  # past 36 SA
    # Two weeks past its term, a pregnancy is surely over, its end not noted: no dose of it (ROR still waits).
    overdue = dues(date(2026, 11, 1), expecting=expecting)
    assert "coqueluche-grossesse" not in overdue and overdue["ror-1"].after_birth
    # A dose of the first trimester is not this pregnancy's (HAS: from the second); one from 15 SA is.
    early, second = vaccination("Repevax", date(2026, 3, 1)), vaccination("Boostrixtetra", date(2026, 4, 20))
    assert "coqueluche-grossesse" in dues(date(2026, 6, 1), early, expecting=expecting)
    assert "coqueluche-grossesse" not in dues(date(2026, 6, 1), second, expecting=expecting)
    # Its date not known: nothing dated to list (the page asks for it); a 30-year-old's dTcaP booster of 25 waits.
    thirty = dues(date(2026, 6, 1), expecting=pregnancy(None), born=date(1996, 1, 5))
    assert "coqueluche-grossesse" not in thirty and "coqueluche-25a" not in thirty
    assert "coqueluche-25a" in dues(date(2026, 6, 1), born=date(1996, 1, 5))


# --- through the pages ----------------------------------------------------------------------------------


def sixteen_weeks() -> date:
    """The DPA of a pregnancy at 16 SA today (the pages count from Paris's today)."""
    return paris_today() + timedelta(days=41 * 7 - 16 * 7)


async def test_the_patient_notes_her_pregnancy_and_her_vaccinations_wait_until_she_notes_its_end(app, db, patient):
    expected = sixteen_weeks()
    async with await as_patient(app, db, patient) as client:
        before = text_of(await client.get(url(patient)))
        assert "ROR (rougeole, oreillons, rubéole) À rattraper" in before
        assert "Grossesse Indiquer une grossesse Aucune grossesse indiquée." in before
        form = await client.get(url(patient, "/ajouter?type=pregnancy"))
        assert form.status_code == 200 and "Date prévue d'accouchement" in form.text
        added = await add(client, patient, "pregnancy", expected_on=expected.isoformat())
        assert added.status_code == 303 and expected.isoformat() not in added.headers["location"]
        page = await client.get(url(patient))
        assert "no-store" in page.headers["cache-control"]
        during = text_of(page)
        assert "Enceinte" in during and re.search(r"Aujourd'hui : 1[56] SA", during)
        assert ("ROR (rougeole, oreillons, rubéole) Après l'accouchement 1re dose (12 mois) : à faire après "
                "l'accouchement. Vaccin vivant, contre-indiqué pendant la grossesse.") in during
        assert "À rattraper" not in during and "Coqueluche À faire dose de la grossesse (vaccin dTcaP)" in during
        assert "Indiquer une grossesse" not in during  # one in progress at a time
        [item] = [i for i in await items_of(db, patient) if i.kind == "pregnancy"]
        assert (item.expected_on, item.label, item.ended_on) == (expected, "", None)
        ended = await post_form(client, url(patient, f"/{item.id}/arret"), {"ended_on": paris_today().isoformat()},
                                follow_redirects=False)
        assert ended.status_code == 303
        after = text_of(await client.get(ended.headers["location"]))
    assert "La fin de la grossesse est notée" in after and "Grossesse terminée" in after
    assert "ROR (rougeole, oreillons, rubéole) À rattraper" in after and "Après l'accouchement" not in after
    [event] = await events_of(db, patient, "profile_pregnancy_end")
    assert event.detail == "la grossesse"


async def test_the_address_after_a_pregnancy_s_end_reads_as_a_treatment_s_stop(app, db, patient):
    """Its form's address is a treatment's stop's (views/profile_changes.py); the page it leads to was not: "?fait=fin"
    after a pregnancy, "?fait=arrete" after a treatment, in the browser's history. Each end still says its own
    sentence."""
    pregnancy = await add_item(db, dossier=patient.dossier, actor=PATIENT, today=paris_today(),
                               data=ItemInput("pregnancy", expected_on=sixteen_weeks()))
    treatment = await add_item(db, dossier=patient.dossier, actor=PATIENT, today=paris_today(),
                               data=ItemInput("treatment", label="Doliprane"))
    async with await as_patient(app, db, patient) as client:
        locations, said = [], []
        for item in (pregnancy, treatment):
            ended = await post_form(client, url(patient, f"/{item.id}/arret"),
                                    {"ended_on": paris_today().isoformat()}, follow_redirects=False)
            assert ended.status_code == 303
            locations.append(ended.headers["location"].replace(item.id, "ID"))
            said.append(text_of(await client.get(ended.headers["location"])))
    assert locations[0] == locations[1]
    assert "La fin de la grossesse est notée" in said[0] and "Le traitement est noté comme arrêté" not in said[0]
    assert "Le traitement est noté comme arrêté" in said[1] and "La fin de la grossesse est notée" not in said[1]


async def test_a_date_that_cannot_be_a_pregnancy_s_in_progress_or_a_second_one_is_refused_in_french(app, db, patient):
    async with await as_patient(app, db, patient) as client:
        outside = ("Pour une grossesse en cours, la date prévue d'accouchement doit se situer au plus tôt il y a "
                   "deux semaines et au plus tard dans neuf mois et demi. Vérifiez-la.")
        for typed, said in ((paris_today() + timedelta(days=400), outside),
                            (paris_today() - timedelta(days=15), outside), ("31/02/2027", "n'est pas valide")):
            refused = await add(client, patient, "pregnancy", expected_on=str(typed))
            assert refused.status_code == 400 and said in html.unescape(refused.text)
        assert (await add(client, patient, "pregnancy")).status_code == 303  # its date not known yet
        again = await add(client, patient, "pregnancy", expected_on=sixteen_weeks().isoformat())
        assert again.status_code == 400 and "Une grossesse en cours est déjà indiquée" in html.unescape(again.text)
        page = text_of(await client.get(url(patient)))
    assert "indiquez la date prévue d'accouchement pour en avoir la date" in page
    assert len([i for i in await items_of(db, patient) if i.kind == "pregnancy"]) == 1


async def test_a_man_is_offered_no_pregnancy_and_none_is_taken(app, db):
    paul = await new_patient(db, given_name="Paul", birth=date(1982, 11, 5), serial=2, sex="M")
    async with await as_patient(app, db, paul) as client:
        page = text_of(await client.get(url(paul)))
        assert "Grossesse" not in page
        refused = await add(client, paul, "pregnancy", expected_on=sixteen_weeks().isoformat())
    assert refused.status_code == 400 and "Grossesse : cette rubrique n'est pas proposée pour ce dossier." in \
        html.unescape(refused.text) and "Indiquer une grossesse" not in refused.text  # the chooser, without it
    assert await items_of(db, paul) == []


async def test_a_midwife_declares_a_pregnancy_as_its_author_and_the_patient_s_log_says_so(app, db, patient):
    midwife = (await new_professional(db, given_name="Hélène", family_name="Roux", profession="sage-femme",
                                      stem=21)).professional
    await grants.grant_access(db, dossier=patient.dossier, professional=midwife, categories="synthese",
                              duration="sans", actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=midwife)) as client:
        added = await add(client, patient, "pregnancy", expected_on=sixteen_weeks().isoformat(),
                          detail="Grossesse gémellaire")
        assert added.status_code == 303
        hers = text_of(await client.get(url(patient)))
    assert "Enceinte" in hers and "Grossesse gémellaire" in hers and "Déclarée par vous" in hers
    [event] = await events_of(db, patient, "profile_add")
    assert (event.actor_kind, event.actor_name, event.detail) == ("professional", "Hélène Roux", "la grossesse")
    async with await as_patient(app, db, patient) as client:
        log = text_of(await client.get(f"/dossiers/{patient.dossier.id}/historique"))
        mine = text_of(await client.get(url(patient)))
    assert "Hélène Roux, sage-femme, a ajouté la grossesse au profil médical" in log
    assert "Après l'accouchement" in mine  # whoever declared it, the vaccinations wait


async def test_a_pregnancy_the_patient_hid_is_not_told_to_a_professional_by_refusing_theirs(app, db, patient):
    """One pregnancy in progress at a time, of those the writer reads: a midwife the patient hid hers from declares
    her own, and learns nothing of the hidden one."""
    hidden = await add_item(db, dossier=patient.dossier, actor=PATIENT, today=paris_today(),
                            data=ItemInput("pregnancy", expected_on=sixteen_weeks()))
    await set_item_hidden(db, item=hidden, hidden=True, actor=PATIENT)
    midwife = (await new_professional(db, given_name="Hélène", family_name="Roux", profession="sage-femme",
                                      stem=22)).professional
    await grants.grant_access(db, dossier=patient.dossier, professional=midwife, categories="", duration="sans",
                              actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=midwife)) as client:
        assert "Indiquer une grossesse" in text_of(await client.get(url(patient)))
        assert (await add(client, patient, "pregnancy", expected_on=sixteen_weeks().isoformat())).status_code == 303


# --- the summary: the copy's IPS and PDF ------------------------------------------------------------------


def pregnancy_section(ips: dict) -> dict | None:
    [composition] = resources_of(ips, "Composition")
    found = [s for s in composition["section"] if s["code"]["coding"][0]["code"] == "10162-6"]
    return found[0] if found else None


async def test_the_copy_s_ips_has_a_history_of_pregnancy_with_its_status_and_expected_date(client, db, app, patient):
    await activate(client, patient)
    without = json.loads((await downloaded(client, patient.dossier.id)).read("synthese-ips.json"))
    assert pregnancy_section(without) is None  # no pregnancy: no section
    expected = sixteen_weeks()
    assert (await add(client, patient, "pregnancy", expected_on=expected.isoformat())).status_code == 303
    archive = await downloaded(client, patient.dossier.id)
    ips = json.loads(archive.read("synthese-ips.json"))
    Bundle.model_validate(ips)  # the R4B models read it back

    section = pregnancy_section(ips)
    assert section["code"]["coding"][0] == {"system": LOINC, "code": "10162-6",
                                            "display": "History of pregnancies Narrative"}
    assert "Enceinte" in section["text"]["div"] and "accouchement prévu le" in section["text"]["div"]
    by_url = {e["fullUrl"]: e["resource"] for e in ips["entry"]}
    [status] = [by_url[e["reference"]] for e in section["entry"]]
    assert status["code"]["coding"][0]["code"] == "82810-3" and status["status"] == "final"
    assert status["valueCodeableConcept"]["coding"] == [{"system": SNOMED, "code": "77386006", "display": "Pregnant"}]
    [member] = [by_url[m["reference"]] for m in status["hasMember"]]
    assert member["code"]["coding"][0]["code"] == "11778-8" and member["valueDateTime"] == expected.isoformat()
    assert member["subject"] == status["subject"] and status["effectiveDateTime"]
    pdf = pypdfium2.PdfDocument(archive.read("synthese.pdf"))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "Grossesse" in text and "Enceinte" in text and "accouchement prévu le" in text

    # Over: not pregnant from the day it ended, its expected date kept.
    [item] = [i for i in await items_of(db, patient) if i.kind == "pregnancy"]
    assert (await post_form(client, url(patient, f"/{item.id}/arret"), {"ended_on": paris_today().isoformat()},
                            follow_redirects=False)).status_code == 303
    ips = json.loads((await downloaded(client, patient.dossier.id)).read("synthese-ips.json"))
    Bundle.model_validate(ips)
    by_url = {e["fullUrl"]: e["resource"] for e in ips["entry"]}
    [status] = [by_url[e["reference"]] for e in pregnancy_section(ips)["entry"]]
    assert status["valueCodeableConcept"]["coding"][0]["code"] == "60001007"
    assert status["effectiveDateTime"] == paris_today().isoformat() and status["hasMember"]


async def test_a_pregnancy_hidden_from_professionals_is_labelled_so_with_its_expected_date(db, patient):
    from server.export.archive import PATIENT_VIEW
    from server.fhir.ips import summary_bundle
    from server.profile.items import profile_of
    from tests.conftest import ORIGIN
    from tests.test_profile import NOW

    item = await add_item(db, dossier=patient.dossier, actor=PATIENT, today=TODAY,
                          data=ItemInput("pregnancy", expected_on=date(2027, 4, 20)))
    await set_item_hidden(db, item=item, hidden=True, actor=PATIENT)
    profile = await profile_of(db, dossier_id=patient.dossier.id, visible=PATIENT_VIEW)
    bundle = json.loads(summary_bundle(patient=patient.patient, profile=profile, documents=[], document_authors={},
                                       base=ORIGIN, now=NOW).model_dump_json(exclude_none=True))
    observations = resources_of(bundle, "Observation")
    assert len(observations) == 2 and all(o["meta"]["security"][0]["code"] == "R" for o in observations)


async def test_a_pregnancy_over_and_one_in_progress_come_back_as_they_were_in_a_copy_read_back(
        db, app, patient, elsewhere):
    first = await add_item(db, dossier=patient.dossier, actor=PATIENT, today=date(2025, 1, 10),
                           data=ItemInput("pregnancy", expected_on=date(2025, 6, 30), detail="Maternité des Lilas"))
    await end_item(db, item=first, ended_on=date(2025, 6, 28), actor=PATIENT, today=TODAY)
    await add_item(db, dossier=patient.dossier, actor=PATIENT, today=TODAY,
                   data=ItemInput("pregnancy", expected_on=date(2027, 4, 20)))
    data = await build_export(db, app.state.storage, dossier=patient.dossier, patient=patient.patient, now=COPIED_AT)
    there, storage = elsewhere.session, elsewhere.storage
    dossier = await same_patient_there(there, patient.patient, await authors_of(db, patient.dossier.id))
    await restore(there, storage, zip_bytes=data, dossier=dossier, actor=TRANSFER, today=TODAY)
    await there.commit()
    back = sorted((i.expected_on, i.ended_on, i.detail) for i in await live_items(there, dossier.id))
    assert back == [(date(2025, 6, 30), date(2025, 6, 28), "Maternité des Lilas"), (date(2027, 4, 20), None, "")]


# --- migration 0057, both ways ----------------------------------------------------------------------------


async def test_migration_0057_down_keeps_a_pregnancy_as_the_condition_it_was_typed_as_and_up_adds_the_date(
        app, db, patient):
    await add_item(db, dossier=patient.dossier, actor=PATIENT, today=TODAY,
                   data=ItemInput("pregnancy", expected_on=date(2027, 4, 20)))
    await db.commit()
    await migrate(app, command.downgrade, "0056")
    rows = (await db.exec(sql("SELECT kind, nature, label FROM profileitem WHERE dossier_id = :d"),
                          params={"d": patient.dossier.id})).all()
    assert [tuple(r) for r in rows] == [("condition", "current", "Grossesse (terme prévu le 2027-04-20)")]
    await db.commit()
    await migrate(app, command.upgrade, "head")
    assert (await db.exec(sql("SELECT expected_on FROM profileitem WHERE dossier_id = :d"),
                          params={"d": patient.dossier.id})).all() == [(None,)]


# --- a minor's pregnancy, kept from her parents ---------------------------------------------------------


async def test_a_minor_s_pregnancy_a_professional_keeps_from_her_parents_leaves_them_no_trace(client, db, app):
    """CSP L1111-5: Inès, 17, asks her doctor to keep it from her parents. Her mother reads no pregnancy, in the
    profile or the Historique, even once Inès notes its end; Inès reads hers, and her vaccinations wait for the
    birth."""
    from server.auth.accounts import account_for_patient
    from tests.conftest import ORIGIN, AsyncTestClient
    from tests.caregiver_helpers import as_account
    from tests.test_kept_items import minor_with_a_doctor

    ines, _, doctor = await minor_with_a_doctor(client, db, app)
    form = f"/dossiers/{ines.dossier.id}/profil/ajouter?type=pregnancy"
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await as_account(desk, db, await account_for_professional(db, professional=doctor.professional))
        assert "Ne pas montrer aux parents" in (await desk.get(form)).text
        added = await post_form(desk, form, {"expected_on": sixteen_weeks().isoformat(), "confidentiel": "oui"},
                                follow_redirects=False)
        assert added.status_code == 303
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        hers = text_of(await own.get(f"/dossiers/{ines.dossier.id}/profil"))
        assert "Enceinte" in hers and "Caché à vos parents" in hers and "Après l'accouchement" in hers
        [item] = [i for i in await items_of(db, ines) if i.kind == "pregnancy"]
        assert (await post_form(own, f"/dossiers/{ines.dossier.id}/profil/{item.id}/arret",
                                {"ended_on": paris_today().isoformat()}, follow_redirects=False)).status_code == 303
    page = text_of(await client.get(f"/dossiers/{ines.dossier.id}/profil"))
    log = text_of(await client.get(f"/dossiers/{ines.dossier.id}/historique"))
    assert "Enceinte" not in page and "Grossesse terminée" not in page and "Aucune grossesse indiquée." in page
    assert "grossesse" not in log.lower() and "Girard" not in log


async def test_the_card_a_professional_opens_on_says_a_pregnancy_and_asks_once_its_date_has_passed(app, db, patient):
    """The card above a professional's timeline (profile/card.py) says the pregnancy with how far it is; once its
    expected date has passed without its end noted, not "Enceinte, 43 SA" but a date passed, to be asked."""
    dentist = (await new_professional(db, given_name="Thomas", family_name="Robert", profession="chirurgien-dentiste",
                                      stem=23)).professional
    await grants.grant_access(db, dossier=patient.dossier, professional=dentist, categories="ordonnance",
                              duration="sans", actor=CAMILLE)
    item = await add_item(db, dossier=patient.dossier, actor=PATIENT, today=paris_today(),
                          data=ItemInput("pregnancy", expected_on=sixteen_weeks()))
    dossier = f"/dossiers/{patient.dossier.id}"
    async with browser(app, db, await account_for_professional(db, professional=dentist)) as client:
        card = text_of(await client.get(dossier))
        assert "Enceinte" in card and "Aujourd'hui : 16 SA" in card and "date passée" not in card
        item.expected_on = paris_today() - timedelta(days=20)  # a copy's, read back weeks later (no plausibility)
        db.add(item)
        await db.commit()
        card = text_of(await client.get(dossier))
    assert "Enceinte" not in card and " SA" not in card
    assert "Grossesse en cours notée" in card and "date passée : à vérifier avec la patiente" in card
    async with await as_patient(app, db, patient) as client:  # her profile page: the notice, no weeks counted on
        profile = text_of(await client.get(url(patient)))
    assert "La date prévue d'accouchement est passée" in profile and "Aujourd'hui :" not in profile


async def test_a_copy_whose_expected_date_is_no_date_a_pregnancy_can_have_is_refused_in_french(
        db, app, settings, patient, elsewhere, tmp_path):
    """A copy is checked as it was declared, not against today; a date of the year 1 still made the command end in a
    traceback (no month nine months before it), not the refusal it says of any other bad copy."""
    from tests.export_helpers import carnet as carnet_there, ips_changed
    from tests.export_read_back_helpers import here

    camille = await new_patient(elsewhere.session)  # the same INS as `patient`, in the other installation
    expected = sixteen_weeks()
    await add_item(elsewhere.session, dossier=camille.dossier, actor=PATIENT, today=paris_today(),
                   data=ItemInput("pregnancy", expected_on=expected))
    copy = await build_export(elsewhere.session, elsewhere.storage, dossier=camille.dossier, patient=camille.patient,
                              now=COPIED_AT)
    path = tmp_path / "carnet-dossier.zip"
    path.write_bytes(ips_changed(copy, lambda ips: json.loads(json.dumps(ips).replace(
        f'"valueDateTime": "{expected.isoformat()}"', '"valueDateTime": "0001-01-01"'))))
    done = carnet_there(here(settings, app, db), "import", "dossier", str(path), "--ins", patient.patient.ins)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "Copie refusée, rien n'a été écrit" in done.stderr and "date prévue d'accouchement" in done.stderr
    assert [i for i in await items_of(db, patient) if i.kind == "pregnancy"] == []


async def test_a_second_pregnancy_added_unseen_is_told_to_whoever_reads_both_and_the_writer_is_warned_first(
        app, db, patient):
    """Léa, a kinésithérapeute whose access covers no section of the profile, was offered "Indiquer une grossesse"
    and declared one while Camille had declared hers: two "Enceinte" lines, no one warned (an outside probe's find).
    Her check cannot be against what she does not read (a refusal would tell her a pregnancy she may not know of):
    her form says that she cannot see what the section holds, in the same words whether it holds one or not; Camille
    and her médecin traitant, who read both, are told that two are declared."""
    lea = (await new_professional(db, given_name="Léa", family_name="Fontaine", feminine=True, stem=24)).professional
    await grants.grant_access(db, dossier=patient.dossier, professional=lea, categories="compte_rendu",
                              duration="sans", actor=CAMILLE)
    doctor = (await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin",
                                     feminine=True, stem=25)).professional
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor, actor=CAMILLE)
    notice = ("Rubrique non partagée avec vous : vous ne voyez pas ce qu'elle contient déjà. Vérifiez auprès de "
              "la patiente que ce que vous ajoutez n'y est pas déjà indiqué.")
    warning = "Deux grossesses en cours sont indiquées : vérifiez et supprimez celle qui est erronée."
    async with browser(app, db, await account_for_professional(db, professional=lea)) as hers:
        empty = text_of(await hers.get(url(patient, "/ajouter?type=pregnancy")))
        await add_item(db, dossier=patient.dossier, actor=CAMILLE, today=paris_today(),
                       data=ItemInput("pregnancy", expected_on=sixteen_weeks()))
        held = text_of(await hers.get(url(patient, "/ajouter?type=pregnancy")))
        assert notice in empty and empty == held  # whatever the section holds
        added = await add(hers, patient, "pregnancy", expected_on=(sixteen_weeks() + timedelta(days=16)).isoformat())
        assert added.status_code == 303
        assert warning not in text_of(await hers.get(url(patient)))  # she reads her own alone
    async with await as_patient(app, db, patient) as camille:
        page = text_of(await camille.get(url(patient)))
    assert warning in page and page.count("Enceinte") == 2
    async with browser(app, db, await account_for_professional(db, professional=doctor)) as claire:
        assert warning in text_of(await claire.get(url(patient)))
        # Hers is a section she reads: nothing to warn her of on her form.
        assert "Rubrique non partagée" not in text_of(await claire.get(url(patient, "/ajouter?type=allergy")))


async def test_the_card_of_an_access_that_does_not_cover_a_pregnancy_says_so_rather_than_nothing(app, db, patient):
    """A dentist whose access covers the reports and the images, not the profile's pregnancy (kinds.py: synthèse,
    ordonnance, vaccination): the card read nothing of one, which reads as none before an X-ray. As the profile page
    does, it names the section as not shared with her, the same whether it holds one or not; no man's card speaks of
    it."""
    dentist = (await new_professional(db, given_name="Thomas", family_name="Robert", profession="chirurgien-dentiste",
                                      stem=23)).professional
    await grants.grant_access(db, dossier=patient.dossier, professional=dentist, categories="compte_rendu,imagerie",
                              duration="sans", actor=CAMILLE)
    paul = await new_patient(db, given_name="Paul", birth=date(1982, 11, 5), serial=2, sex="M")
    await grants.grant_access(db, dossier=paul.dossier, professional=dentist, categories="compte_rendu,imagerie",
                              duration="sans", actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=dentist)) as client:
        empty = text_of(await client.get(f"/dossiers/{patient.dossier.id}"))
        await add_item(db, dossier=patient.dossier, actor=PATIENT, today=paris_today(),
                       data=ItemInput("pregnancy", expected_on=sixteen_weeks()))
        held = text_of(await client.get(f"/dossiers/{patient.dossier.id}"))
        his = text_of(await client.get(f"/dossiers/{paul.dossier.id}"))
    for card in (empty, held):
        assert re.search(r"Grossesse\s+Rubrique non partagée avec vous\.", card) and "Enceinte" not in card
    assert card_of(empty) == card_of(held)
    assert "Rubrique non partagée avec vous." in his and "Grossesse" not in his


def card_of(page: str) -> str:
    return page[page.index("Profil médical"):page.index("Voir tout le profil médical")]
