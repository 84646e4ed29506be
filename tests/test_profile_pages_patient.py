"""The patient's profile: she adds, hides and deletes; a relative who manages does too, one who reads only reads."""

from __future__ import annotations

import html
import re

import pytest

from server.auth.accounts import account_for_patient
from server.profile.items import add_item
from tests.conftest import add_text_document, new_patient, post_form
from tests.profile_page_helpers import CAMILLE, add, as_patient, browser, caregiver, events_of, items_of, text_of, url
from tests.test_profile import SAMPLES, TODAY


async def test_the_patient_adds_items_of_several_kinds_and_sees_them(app, db, patient):
    async with await as_patient(app, db, patient) as client:
        mine = await client.get("/profil", follow_redirects=False)
        assert mine.status_code == 303 and mine.headers["location"] == url(patient)
        empty = await client.get(url(patient))
        # The menu's link, marked as the page shown.
        assert empty.status_code == 200 and 'href="/profil" aria-current="page">Profil</a>' in empty.text
        assert "Aucune allergie indiquée." in text_of(empty)
        form = await client.get(url(patient, "/ajouter?type=allergy"))
        assert form.status_code == 200 and 'for="f-label">Substance' in form.text and 'name="severity"' in form.text
        for kind, fields in [
            ("allergy", {"label": "Pénicilline", "detail": "Urticaire géante", "severity": "severe"}),
            ("treatment", {"label": "Apixaban 5 mg", "detail": "1 comprimé matin et soir", "started_on": "2025-03-01",
                           "prescriber": "Dr Bernard"}),
            ("measurement", {"label": "blood_pressure", "value": "132", "value2": "84", "started_on": "2025-01-10"}),
            ("measurement", {"label": "blood_pressure", "value": "128,5", "value2": "80", "started_on": "2025-06-10"}),
            ("vaccination", {"label": "DTPolio", "started_on": "02/05/2024", "lot": "X123"}),
            ("organ_donation", {"label": "donneur"}),
            ("contact", {"label": "Paul Martin", "detail": "Époux", "phone": "06 12 34 56 78"}),
        ]:
            response = await add(client, patient, kind, **fields)
            assert response.status_code == 303, response.text
            assert response.headers["location"] == url(patient, "?fait=ajoute")
        page = await client.get(url(patient))
    words = text_of(page)
    for expected in ("Pénicilline", "Gravité : sévère", "Urticaire géante", "Apixaban 5 mg", "prescrit par Dr Bernard",
                     "Tension artérielle : 128,5/80 mmHg", "Faite le 2 mai 2024 · lot X123",
                     "Favorable au don d'organes", "Paul Martin", "Déclarée par vous"):
        assert expected in words, expected
    assert words.index("Allergies et intolérances") < words.index("Traitements en cours") < words.index("Vaccinations")
    # Two blood pressures: a chart, an image with a name, and its values as a table for screen readers.
    assert re.search(r'<svg class="chart" viewBox="[^"]+" role="img" aria-label="Tension artérielle : 2 mesures', page.text)
    assert "<caption>Tension artérielle, de la plus ancienne à la plus récente</caption>" in page.text
    assert 'style="' not in page.text  # the CSP forbids inline styles
    assert [e.detail for e in await events_of(db, patient, "profile_add")][:2] == [
        "l'allergie «\u00a0Pénicilline\u00a0»", "le traitement «\u00a0Apixaban 5 mg\u00a0»"]


@pytest.mark.parametrize("kind, fields, message", [
    ("allergy", {"label": "", "severity": "severe"}, "Indiquez la substance."),
    ("allergy", {"label": "Arachide", "severity": "extrême"}, "Choisissez la gravité"),
    ("measurement", {"label": "weight", "value": "soixante"}, "Indiquez la valeur en chiffres"),
    # float() reads all of these; a person means none of them as a weight.
    ("measurement", {"label": "weight", "value": "\u0663\u0664"}, "Indiquez la valeur en chiffres"),  # ٣٤
    ("measurement", {"label": "weight", "value": "\uff17\uff12"}, "Indiquez la valeur en chiffres"),  # ７２
    ("measurement", {"label": "weight", "value": "7_2"}, "Indiquez la valeur en chiffres"),
    ("measurement", {"label": "weight", "value": "1e2"}, "Indiquez la valeur en chiffres"),
    # In digits, and below any weight: the range says so, not "en chiffres" (− too, as a pasted text may hold it).
    ("measurement", {"label": "weight", "value": "-5"}, "Poids : une valeur entre 0,3 et 400 kg."),
    ("measurement", {"label": "weight", "value": "\u22125"}, "Poids : une valeur entre 0,3 et 400 kg."),
    ("measurement", {"label": "blood_pressure", "value": "120", "value2": "\u0668\u0660"},
     "Indiquez la tension diastolique en chiffres"),
    ("measurement", {"label": "weight", "value": "72", "value2": "abc"}, "Poids : une seule valeur."),
    ("measurement", {"label": "height", "value": "172", "value2": "80"}, "Taille : une seule valeur."),
    ("contact", {"label": "Paul", "phone": "\u0660\u0666 \u0661\u0662 \u0663\u0664 \u0665\u0666 \u0667\u0668"},
     "Le numéro de téléphone n'est pas valide"),
    ("measurement", {"label": "weight", "value": "72", "started_on": "31/02/2024"}, "La date n'est pas valide"),
    ("vaccination", {"label": "ROR"}, "Indiquez la date de la vaccination"),
    ("vaccination", {"label": "Grippe", "started_on": "01/01/1901"}, "La date ne peut pas précéder la naissance ("),
    ("vaccination", {"label": "", "started_on": "12/03/2020"}, "Indiquez le vaccin."),
    ("condition", {"label": ""}, "Indiquez la maladie ou l'intervention."),
    ("contact", {"label": "", "phone": "06 12 34 56 78"}, "Indiquez le nom."),
    # A title alone would say that directives exist, and not where to find them.
    ("directive", {"label": "Directives anticipées"}, "Indiquez où trouver ces directives, ou choisissez le document"),
    ("contact", {"label": "Paul", "phone": "appelez-moi"}, "Le numéro de téléphone n'est pas valide"),
    # Numbers no phone can dial, in France or abroad: a digit short, a range that does not exist.
    ("contact", {"label": "Paul", "phone": "06 12 34 56 7"}, "Ce numéro de téléphone ne peut pas exister : vérifiez-le."),
    ("contact", {"label": "Paul", "phone": "00 00 00 00 00"}, "Ce numéro de téléphone ne peut pas exister"),
    ("contact", {"label": "Paul", "phone": "+351 12 34 56 78"}, "un numéro étranger commence par + et l'indicatif du pays"),
    ("nothing", {"label": "x"}, "Choisissez le type d'information à ajouter."),
])
async def test_bad_input_gets_the_french_message_and_nothing_is_stored(app, db, patient, kind, fields, message):
    async with await as_patient(app, db, patient) as client:
        response = await add(client, patient, kind, **fields)
    assert response.status_code == 400
    assert message in html.unescape(response.text) and 'role="alert"' in response.text
    if fields.get("label"):
        assert f'value="{fields["label"]}"' in response.text or kind in ("measurement", "nothing")  # kept as typed
    assert await items_of(db, patient) == [] and await events_of(db, patient, "profile_") == []


async def test_a_directive_links_to_a_document_of_the_dossier_and_to_no_other(app, db, patient):
    mine = await add_text_document(db, app, patient.dossier, title="Mes directives anticipées", category="note_patient")
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=2, sex="M")
    theirs = await add_text_document(db, app, other.dossier, title="Ses directives")
    async with await as_patient(app, db, patient) as client:
        form = await client.get(url(patient, "/ajouter?type=directive"))
        assert "Mes directives anticipées" in form.text and "Ses directives" not in form.text
        refused = await add(client, patient, "directive", label="Directives anticipées", document_id=theirs.id)
        assert refused.status_code == 400 and "Choisissez un document de ce dossier." in html.unescape(refused.text)
        assert (await add(client, patient, "directive", label="Directives anticipées", document_id=mine.id)).status_code == 303
        page = await client.get(url(patient))
    assert f'<a href="/documents/{mine.id}">Mes directives anticipées</a>' in page.text
    assert [i.document_id for i in await items_of(db, patient)] == [mine.id]


async def test_hide_unhide_and_delete_each_leave_a_line_in_the_log(app, db, patient):
    item = await add_item(db, dossier=patient.dossier, data=SAMPLES["allergy"], actor=CAMILLE, today=TODAY)
    async with await as_patient(app, db, patient) as client:
        hidden = await post_form(client, url(patient, f"/{item.id}/masquage"), {"masque": "oui"})
        assert hidden.status_code == 200 and "Masqué aux professionnels" in hidden.text
        assert "Cette information est masquée aux professionnels" in html.unescape(hidden.text)
        shown = await post_form(client, url(patient, f"/{item.id}/masquage"), {"masque": "non"})
        assert "n'est plus masquée" in html.unescape(shown.text)
        confirm = await client.get(url(patient, f"/{item.id}/suppression"))
        assert confirm.status_code == 200 and "Supprimer l'allergie «\u00a0Pénicilline\u00a0» ?" in html.unescape(confirm.text)
        assert "l'Historique garde la trace" in html.unescape(confirm.text)
        deleted = await post_form(client, url(patient, f"/{item.id}/suppression"), {})
        assert deleted.status_code == 200 and "Pénicilline" not in deleted.text
        again = await client.get(url(patient, f"/{item.id}/suppression"), follow_redirects=False)
        assert (again.status_code, again.headers["location"]) == (303, url(patient))  # gone: her profile, as it is
    assert [(e.action, e.actor_kind, e.detail) for e in await events_of(db, patient, "profile_")] == [
        ("profile_add", "patient", "l'allergie «\u00a0Pénicilline\u00a0»"),
        ("profile_hide", "patient", "l'allergie «\u00a0Pénicilline\u00a0»"),
        ("profile_unhide", "patient", "l'allergie «\u00a0Pénicilline\u00a0»"),
        ("profile_delete", "patient", "l'allergie «\u00a0Pénicilline\u00a0»")]


async def test_a_managing_caregiver_acts_and_a_reading_one_only_reads(app, db, patient):
    item = await add_item(db, dossier=patient.dossier, data=SAMPLES["treatment"], actor=CAMILLE, today=TODAY,
                          added_by_account_id=(await account_for_patient(db, patient=patient.patient)).id)
    manager = await caregiver(db, patient, level="gestion", given="Paul")
    reader = await caregiver(db, patient, level="lecture", given="Léa")
    async with browser(app, db, manager) as client:
        page = await client.get(url(patient))
        assert f'href="/dossiers/{patient.dossier.id}/profil" aria-current="page">Profil</a>' in page.text  # the band's menu
        assert "Déclaré par Camille Martin" in text_of(page) and "Ajouter une allergie" in page.text
        assert (await add(client, patient, "allergy", label="Arachide", severity="severe")).status_code == 303
        assert (await post_form(client, url(patient, f"/{item.id}/masquage"), {"masque": "oui"})).status_code == 200
    async with browser(app, db, reader) as client:
        page = await client.get(url(patient))
        words = text_of(page)
        assert "Arachide" in words and "Déclarée par Paul Martin" in words and "Masqué aux professionnels" in words
        assert "Ajouter une allergie" not in words and "/masquage" not in page.text
        # The form, and her actions: told she may only read the dossier (errors.READ_ONLY_PAGE, READ_ONLY).
        assert (await client.get(url(patient, "/ajouter?type=allergy"))).status_code == 403
        assert (await add(client, patient, "allergy", label="Latex", severity="faible")).status_code == 403
        assert (await post_form(client, url(patient, f"/{item.id}/masquage"), {"masque": "non"})).status_code == 403
        assert (await post_form(client, url(patient, f"/{item.id}/suppression"), {})).status_code == 403
    events = await events_of(db, patient, "profile_")
    assert [(e.action, e.actor_kind, e.on_behalf_of) for e in events[1:]] == [
        ("profile_add", "caregiver", "Camille Martin"), ("profile_hide", "caregiver", "Camille Martin")]
    assert {i.label for i in await items_of(db, patient)} == {"Apixaban 5 mg", "Arachide"}


async def test_a_second_position_on_organ_donation_is_refused_not_added_beside_the_first(app, db, patient):
    """A caregivers' probe: Camille and Paul each declared a position, "Favorable" and "Opposé", and the profile, the
    IPS and the health links carried both. One position at a time: the second is refused, on its field, saying the
    first; the section offers no second. (Paul no longer states one: her phone and her computer, here.)"""
    async with await as_patient(app, db, patient) as camille, await as_patient(app, db, patient) as computer:
        form = await computer.get(url(patient, "/ajouter?type=organ_donation"))  # loaded before her phone's is sent
        assert form.status_code == 200
        assert (await add(camille, patient, "organ_donation", label="donneur")).status_code == 303
        refused = await add(computer, patient, "organ_donation", label="refus")
        page = await camille.get(url(patient))
    assert refused.status_code == 400
    assert ("La position sur le don d'organes est déjà indiquée («\u00a0Favorable au don d'organes\u00a0», le "
            in html.unescape(refused.text))
    assert [i.label for i in await items_of(db, patient) if i.kind == "organ_donation"] == ["donneur"]
    assert "Indiquer la position sur le don d'organes" not in html.unescape(page.text)
    async with await as_patient(app, db, patient) as camille:  # nor on the chooser (a probe's find)
        chooser = html.unescape((await camille.get(url(patient, "/ajouter"))).text)
    assert "Ajouter une allergie" in chooser and "Indiquer la position sur le don d'organes" not in chooser


async def test_the_organ_donation_form_says_noting_a_refusal_registers_nothing(app, db, patient):
    """A patient-year probe: "Opposé au don d'organes (inscrit au registre national des refus)" stated a registration
    Carnet does not make (and left no choice to one opposed but not registered). The choice is the position; the form
    says where a refusal is registered."""
    async with await as_patient(app, db, patient) as client:
        form = text_of(await client.get(url(patient, "/ajouter?type=organ_donation")))
    assert "Opposé au don d'organes" in form and "(inscrit au registre" not in form
    assert "le noter ici ne vous inscrit pas au registre" in form and "registrenationaldesrefus.fr" in form


async def test_the_directives_document_picker_says_when_older_documents_are_left_out(app, db, patient, monkeypatch):
    """A patient-year probe: with 130 documents, the picker silently offered the 100 most recent; her directives of
    2017 were not there, and nothing said so. It says so, and how to find the others (here with a limit of 2 and 3
    documents; the search itself: tests/test_directives_picker.py)."""
    from server.views import profile_adding as views

    monkeypatch.setattr(views, "MAX_DOCUMENTS", 2)
    for n in range(3):
        await add_text_document(db, app, patient.dossier, title=f"Compte rendu {n}", category="compte_rendu")
    async with await as_patient(app, db, patient) as client:
        page = await client.get(url(patient, "/ajouter?type=directive"))
    assert page.text.count('<option value="') == 3  # "Aucun document", and two
    assert "les 2 documents les plus récents du dossier : cherchez les plus anciens par leur titre" in text_of(page)


@pytest.mark.parametrize("age, offered", [(9, ()), (14, ("organ_donation",)), (18, ("organ_donation", "directive"))])
async def test_what_only_an_older_patient_states_is_neither_offered_nor_taken_younger(app, db, age, offered):
    """Advance directives are an adult's (CSP L1111-11); a refusal of organ donation is registered from 13."""
    from datetime import date as day

    today = day.today()
    born = today.replace(year=today.year - age) if not (today.month, today.day) == (2, 29) else day(today.year - age, 3, 1)
    child = await new_patient(db, given_name="Léo", birth=born, serial=4, sex="M")
    async with await as_patient(app, db, child) as client:
        page = html.unescape((await client.get(url(child))).text)
        menu = html.unescape((await client.get(url(child, "/ajouter"))).text)
        for kind, title in (("directive", "Directives anticipées"), ("organ_donation", "Don d'organes")):
            assert (f'id="rubrique-{kind}"' in page) == (kind in offered), kind
            assert (f"type={kind}" in menu) == (kind in offered), kind
            answer = await add(client, child, kind, label="Mes souhaits", detail="refus")
            if kind in offered:
                continue
            assert answer.status_code == 400
            assert f"{title} : à partir de {18 if kind == 'directive' else 13} ans." in html.unescape(answer.text)
    assert [i.kind for i in await items_of(db, child) if i.kind not in offered] == []


async def test_a_number_to_call_is_kept_as_france_writes_it_or_with_its_country_code(app, db, patient):
    """Checked as a number a phone dials (phonenumbers), each kept as the patient's pages show it: France's and its
    overseas departments' in their ten digits, another country's with its code (the summary gives them all in E.164)."""
    async with await as_patient(app, db, patient) as client:
        for name, typed in (("Paul", "0672184590"), ("Inès", "0692 12 34 56"), ("Ana", "00351 912345678")):
            assert (await add(client, patient, "contact", label=name, phone=typed)).status_code == 303, typed
        page = html.unescape((await client.get(url(patient))).text)
    assert {item.label: item.phone for item in await items_of(db, patient)} == {
        "Paul": "06 72 18 45 90", "Inès": "0692 12 34 56", "Ana": "+351 912 345 678"}
    assert "06 72 18 45 90" in page and "0692 12 34 56" in page and "+351 912 345 678" in page
