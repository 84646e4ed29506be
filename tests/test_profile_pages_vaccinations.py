"""Vaccinations on the profile: the form's date and lot, the doses due, names from abroad, the printed sheet."""

from __future__ import annotations

import html
import re

from tests.conftest import AsyncTestClient

from server.access import grants
from server.auth.accounts import account_for_patient, account_for_professional
from server.accesslog.audit import Actor
from server.models import paris_today
from server.profile.items import ItemInput, add_item
from tests.conftest import ORIGIN, add_text_document, new_patient
from tests.profile_page_helpers import (
    CAMILLE, add, as_patient, browser, caregiver, doctor, every_kind, pharmacist_of, text_of, url,
)
from tests.test_profile import TODAY


def field_of(page, name: str) -> tuple[str, str]:
    """A form field's value as sent with the page, and its hint as read."""
    value = re.search(rf'<input id="f-{name}"[^>]*? value="([^"]*)"', page.text)
    hint = re.search(rf'<p class="hint" id="f-{name}-hint">([^<]*)</p>', page.text)
    return html.unescape(value.group(1)), html.unescape(hint.group(1)) if hint else ""


async def test_a_pharmacist_who_vaccinates_finds_today_and_a_lot_hint_written_for_her(app, db, patient):
    """An outside probe: a pharmacist who had just vaccinated at her counter found the date empty, and the lot's hint
    spoke to the patient ("Sur l'étiquette collée dans le carnet de santé"), not to her who reads the packaging."""
    louis = await new_patient(db, given_name="Louis", family_name="Roux", sex="M", serial=2)
    pharmacist = await pharmacist_of(db, patient, "vaccination")
    await grants.grant_access(db, dossier=louis.dossier, professional=pharmacist, categories="vaccination",
                              duration="sans", actor=Actor(None, "patient", "Louis Roux"))
    async with browser(app, db, await account_for_professional(db, professional=pharmacist)) as client:
        hers = await client.get(url(patient, "/ajouter?type=vaccination"))
        his = await client.get(url(louis, "/ajouter?type=vaccination"))
    today = paris_today().isoformat()
    assert field_of(hers, "started_on")[0] == today and field_of(his, "started_on")[0] == today
    assert field_of(hers, "lot")[1] == ("Sur l'emballage du vaccin ; collez son étiquette dans le carnet de santé de "
                                        "votre patiente")
    assert field_of(his, "lot")[1] == ("Sur l'emballage du vaccin ; collez son étiquette dans le carnet de santé de "
                                       "votre patient")
    # Whom she may hide it for, said of her patient as she is.
    assert "À la demande de votre patiente : ni les professionnels à qui elle a donné accès" in html.unescape(hers.text)
    assert "À la demande de votre patient : ni les professionnels à qui il a donné accès" in html.unescape(his.text)


async def test_the_patient_and_her_relative_copying_old_vaccinations_type_each_date(app, db, patient):
    """Copied from the carnet de santé, an old dose's date is typed: a prefilled today would be kept by mistake."""
    manager = await caregiver(db, patient, level="gestion", given="Paul")
    for account in (await account_for_patient(db, patient=patient.patient), manager):
        async with browser(app, db, account) as client:
            form = await client.get(url(patient, "/ajouter?type=vaccination"))
        assert field_of(form, "started_on") == ("", "")
        assert field_of(form, "lot") == ("", "Sur l'étiquette collée dans le carnet de santé")


async def test_the_patient_sees_the_vaccinations_the_calendar_asks_of_her_and_a_professional_does_not(app, db, patient):
    from server.profile.vaccines import CALENDAR_YEAR

    await every_kind(db, patient)
    async with await as_patient(app, db, patient) as client:
        mine = text_of(await client.get(url(patient)))
    assert "Vaccinations à faire" in mine and f"calendrier des vaccinations {CALENDAR_YEAR}" in mine
    # Born in 1984, no ROR noted: a catch-up, which her pregnancy (one of every kind) puts off until the birth.
    assert "ROR (rougeole, oreillons, rubéole) Après l'accouchement" in mine and "À rattraper" not in mine
    assert "documents de vaccination" not in mine and "document de vaccination" not in mine
    # A vaccination filed as a document is not read by the calendar: the page says so, and where they are.
    for title in ("Certificat ROR", "Rappel dTcaP"):
        await add_text_document(db, app, patient.dossier, title=title, category="vaccination")
    async with await as_patient(app, db, patient) as client:
        page = (await client.get(url(patient))).text
    assert "Le dossier contient aussi <a href=\"/dossiers/" in page and "?categorie=vaccination\">2 documents de " \
        "vaccination</a>&nbsp;: notez au profil chaque vaccin reçu pour qu'il compte." in page
    doctor_ = await doctor(db)
    await grants.grant_access(db, dossier=patient.dossier, professional=doctor_, categories="", duration="sans",
                              actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=doctor_)) as client:
        theirs = text_of(await client.get(url(patient)))
    assert "Vaccinations à faire" not in theirs  # computed from what they may not all see: the patient's to read


async def test_a_vaccine_given_abroad_counts_by_its_name_there_and_one_carnet_does_not_know_is_said(app, db):
    """A girl vaccinated in the United States notes "Menactra": it was not known, and her meningococcal ACWY dose
    read "En retard" with nothing to say why. Now it counts; a name that names no vaccine of the calendar is said."""
    from datetime import date as day, timedelta

    today = day.today()
    teen = await new_patient(db, given_name="Inès", birth=today - timedelta(days=15 * 365 + 30), serial=5, sex="F")
    abroad, typhoid = today - timedelta(days=3 * 365), today - timedelta(days=400)
    async with await as_patient(app, db, teen) as client:
        for label, given in (("Menactra (fait aux États-Unis)", abroad), ("Typhim Vi", typhoid)):
            answer = await add(client, teen, "vaccination", label=label, started_on=given.strftime("%d/%m/%Y"))
            assert answer.status_code == 303, answer.text
        page = text_of(await client.get(url(teen)))
    due = page[page.index("Vaccinations à faire"):]
    assert "Méningocoque ACWY" not in due and "Papillomavirus (HPV)" in due  # the one noted counts, not the other
    assert ("Ce vaccin n'est pas l'un de ceux du calendrier vaccinal que Carnet lit (le BCG et les vaccins du voyageur n'y sont pas), ou son nom lui est inconnu : il ne compte dans aucune vaccination de ce calcul. "
            "Typhim Vi, le ") in page
    assert "Menactra (fait aux États-Unis), le" not in due
    assert "par exemple « Menactra, méningocoque ACWY », puis supprimez l'ancienne ligne." in page


async def test_a_vaccination_named_by_its_disease_is_recognised_however_it_is_typed(app, db, patient):
    """Camille copied her carnet de santé: "Hépatite B, le 10 octobre 1996" was said not to be known, under advice
    that a vaccine counts if its name says the disease. Each disease of the calendar, by its French name, in any case
    and with or without accents, is known; a vaccine of no disease of the calendar still is not."""
    typed = ("Hépatite B", "hepatite b", "HÉPATITE B", "Coqueluche", "Rougeole", "Oreillons", "rubeole", "Tétanos",
             "tetanos", "Diphtérie", "Polio", "Poliomyélite", "Haemophilus influenzae b", "Pneumocoque",
             "Méningocoque C", "Papillomavirus", "Zona", "Grippe", "Covid", "Virus respiratoire syncytial")
    async with await as_patient(app, db, patient) as client:
        for label in (*typed, "Typhim Vi"):
            answer = await add(client, patient, "vaccination", label=label, started_on="10/10/1996")
            assert answer.status_code == 303, (label, answer.text)
        page = text_of(await client.get(url(patient)))
    unknown = page[page.index("Ce vaccin n'est pas l'un de ceux du calendrier"):]
    assert unknown.startswith("Ce vaccin n'est pas l'un de ceux du calendrier vaccinal que Carnet lit (le BCG et les vaccins du voyageur n'y sont pas), ou son nom lui est inconnu : il ne compte dans aucune vaccination de ce calcul. "
                              "Typhim Vi, le 10 octobre 1996")
    assert [label for label in typed if f"{label}, le 10 octobre 1996" in unknown] == []


async def test_a_mother_prints_her_sons_vaccinations_for_the_creche_and_nothing_else_of_his_dossier(app, db):
    """Léo's crèche asks for proof of his vaccinations: those of his Profil were on no sheet (the list of documents
    printed two documents' titles; the copy's summary, inside a ZIP, all his dossier and his INS). A sheet of their
    own: his name and birth, each vaccine with its date, its lot and who declared it, oldest first, by name (no
    "vous" on paper); none of his documents, no INS; a professional is not offered it."""
    from datetime import date as day

    from tests.test_export_for_parents import attached_by_mother

    leo = await new_patient(db, given_name="Léo", birth=day(2022, 3, 10), serial=6, sex="M")
    await add_text_document(db, app, leo.dossier, title="Consultation otite", category="compte_rendu")
    async with AsyncTestClient(app, base_url=ORIGIN) as client:
        await attached_by_mother(client, db, leo, serial=7)
        for label, given, lot in (("Priorix (ROR)", "15/03/2023", ""), ("BCG (fait en Algérie)", "10/04/2022", "X99")):
            answer = await add(client, leo, "vaccination", label=label, started_on=given, lot=lot)
            assert answer.status_code == 303, answer.text
        profile = (await client.get(url(leo))).text
        sheet = await client.get(url(leo, "/vaccinations/imprimer"))
    assert f'<a href="/dossiers/{leo.dossier.id}/profil/vaccinations/imprimer">Imprimer les vaccinations</a>' in profile
    assert sheet.status_code == 200 and sheet.headers["cache-control"] == "no-store"
    printed = re.search(r'<section class="vaccination-print">.*?</section>', sheet.text, re.S).group(0)
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", printed)).split())
    assert "Vaccinations de Léo Martin Léo Martin · né le 10 mars 2022" in words
    assert words.index("BCG (fait en Algérie)") < words.index("Priorix (ROR)")  # oldest first, as a carnet de santé
    # His mother, as his Historique names her: "parent".
    assert "10 avril 2022 BCG (fait en Algérie) lot X99 Camille Martin (parent)" in words
    assert "15 mars 2023 Priorix (ROR) Camille Martin (parent)" in words and "vous" not in words.lower().split()
    assert leo.patient.ins not in printed.replace(" ", "") and "Consultation otite" not in sheet.text
    assert "Il ne remplace ni le carnet de santé ni un certificat de vaccination signé par un médecin." in words
    doctor_ = await doctor(db)
    await grants.grant_access(db, dossier=leo.dossier, professional=doctor_, categories="", duration="sans",
                              actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=doctor_)) as client:
        assert "Imprimer les vaccinations" not in (await client.get(url(leo))).text
        assert (await client.get(url(leo, "/vaccinations/imprimer"))).status_code == 404


async def test_a_sheet_of_one_vaccination_or_none_puts_no_order_on_it(app, db):
    """"0 vaccination, de la plus ancienne à la plus récente" above "Aucune vaccination n'est notée", and "1
    vaccination, de la plus ancienne à la plus récente": one is counted without an order, none not counted at all."""
    from datetime import date as day

    paul = await new_patient(db, given_name="Paul", birth=day(1990, 5, 4), serial=5, sex="M")
    async with await as_patient(app, db, paul) as client:
        empty = text_of(await client.get(url(paul, "/vaccinations/imprimer")))
        answer = await add(client, paul, "vaccination", label="Revaxis", started_on="12/06/2015")
        assert answer.status_code == 303, answer.text
        one = text_of(await client.get(url(paul, "/vaccinations/imprimer")))
    assert "Aucune vaccination n'est notée au profil médical." in empty and "0 vaccination" not in empty
    assert "de la plus ancienne" not in empty
    assert re.search(r"Édité le [^·]+ · 1 vaccination Date Vaccin", one) and "de la plus ancienne" not in one


async def test_a_relative_who_only_reads_is_not_told_to_note_an_unknown_vaccine_again(app, db, patient):
    """Léa only reads Camille's dossier: the profile told her to note a vaccine Carnet did not know again and delete
    the old line, neither of which she may do (the form answers her 403). She is told it counts for nothing; the
    advice is for those who may act on it."""
    await add_item(db, dossier=patient.dossier, actor=CAMILLE, today=TODAY,
                   data=ItemInput("vaccination", label="Typhim Vi", started_on=TODAY.replace(year=TODAY.year - 2)),
                   added_by_account_id=(await account_for_patient(db, patient=patient.patient)).id)
    reader = await caregiver(db, patient, level="lecture", given="Léa")
    advice = "Un vaccin reçu à l'étranger sous un autre nom compte si son nom dit aussi la maladie"
    async with browser(app, db, reader) as client:
        hers = text_of(await client.get(url(patient)))
    assert "Ce vaccin n'est pas l'un de ceux du calendrier vaccinal que Carnet lit (le BCG et les vaccins du voyageur n'y sont pas), ou son nom lui est inconnu : il ne compte dans aucune vaccination de ce calcul." in hers
    assert "Ajouter une vaccination" not in hers
    assert advice not in hers
    async with await as_patient(app, db, patient) as client:
        assert advice in text_of(await client.get(url(patient)))
