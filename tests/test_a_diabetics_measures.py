"""A patient with type 2 diabetes keeps her numbers in her profil médical, through its form: a glycémie in the unit her
laboratory wrote it in, never stored as another; her HbA1c, LDL-cholestérol and créatinine beside it, on charts that
do not magnify a normal drift; a health link's summary gives the measures grouped as her page does; she prints or
shows her doctor the profile as a summary; her eye and diabetes reports are found by the words she says."""

from __future__ import annotations

import html
import re
from datetime import date

from server.access import grants
from server.auth.accounts import account_for_professional
from server.dossiers import add_document
from tests.conftest import activate, post_form
from tests.patient_helpers import titles_in
from tests.profile_page_helpers import CAMILLE, add, as_patient, browser, doctor, items_of, text_of, url
from tests.shlink_helpers import decrypted, fetch, make_link, payload_of


async def test_a_health_link_gives_the_measures_grouped_by_measure_newest_first(app, db, patient):
    async with await as_patient(app, db, patient) as client:
        for label, value, value2, day in (
                ("weight", "82", "", "2025-01-10"), ("blood_pressure", "142", "88", "2025-03-02"),
                ("weight", "80,5", "", "2025-06-20"), ("blood_pressure", "135", "82", "2025-09-01"),
                ("weight", "79", "", "2025-11-15")):
            response = await add(client, patient, "measurement", label=label, value=value, value2=value2,
                                 started_on=day)
            assert response.status_code == 303, response.text
    link = payload_of(await make_link(db, patient, content="summary"))
    _, bundle = decrypted((await fetch(app, link)).json()["files"][0]["embedded"], link["key"])
    [vitals] = [s for s in bundle.entry[0].resource.section if s.title == "Mesures"]
    by_url = {e.fullUrl: e.resource for e in bundle.entry}
    listed = [by_url[entry.reference] for entry in vitals.entry]
    assert [(o.code.text, o.effectiveDateTime.isoformat()[:10]) for o in listed] == [
        ("Poids", "2025-11-15"), ("Poids", "2025-06-20"), ("Poids", "2025-01-10"),
        ("Tension artérielle", "2025-09-01"), ("Tension artérielle", "2025-03-02")]


def options(form) -> dict[str, str]:
    """The form's measures: each choice's value, by the words it shows."""
    select = re.search(r'<select id="f-label" name="label".*?</select>', form.text, re.S).group(0)
    found = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    return {html.unescape(text): value for value, text in found}


async def test_a_glycemie_in_mmol_per_litre_is_kept_in_grams_per_litre_not_read_as_grams(app, db, patient):
    async with await as_patient(app, db, patient) as client:
        offered = options(await client.get(url(patient, "/ajouter?type=measurement")))
        assert {"Glycémie (g/L)", "Glycémie (mmol/L)"} <= set(offered)
        for value, day in (("1,02", "2025-11-06"), ("5,5", "2026-11-06")):  # her lab wrote this year's in mmol/L
            choice = offered["Glycémie (g/L)" if day < "2026" else "Glycémie (mmol/L)"]
            response = await add(client, patient, "measurement", label=choice, value=value, started_on=day)
            assert response.status_code == 303, response.text
        too_high = await add(client, patient, "measurement", label=offered["Glycémie (mmol/L)"], value="40")
        page = await client.get(url(patient))
    assert [(i.value, i.unit) for i in sorted(await items_of(db, patient), key=lambda i: i.started_on)] == [
        (1.02, "g/L"), (0.99, "g/L")]  # 5,5 mmol/L, never 5,5 g/L
    assert "Glycémie : une valeur entre 1,12 et 33,3 mmol/L." in text_of(too_high)  # the bounds in her unit
    words = text_of(page)
    assert "6 novembre 2026 0,99 g/L" in words and "5,5" not in words


async def test_the_bounds_said_in_another_unit_are_the_values_the_check_takes(app, db, patient):
    """1,11 mmol/L is 0,19998 g/L, under the 0,2 g/L a glycémie may be: the refusal said "entre 1,11", and then took
    1,1 (rounded to 0,2 before the check) and refused nothing it said."""
    async with await as_patient(app, db, patient) as client:
        mmol = options(await client.get(url(patient, "/ajouter?type=measurement")))["Glycémie (mmol/L)"]
        said = {value: await add(client, patient, "measurement", label=mmol, value=value, started_on="2026-11-06")
                for value in ("1,1", "1,11", "1,12", "33,3", "33,31")}
    assert {value: response.status_code for value, response in said.items()} == {
        "1,1": 400, "1,11": 400, "1,12": 303, "33,3": 303, "33,31": 400}
    assert "Glycémie : une valeur entre 1,12 et 33,3 mmol/L." in text_of(said["1,11"])


async def test_her_hba1c_ldl_and_creatinine_have_their_charts_and_reach_the_health_link(app, db, patient):
    async with await as_patient(app, db, patient) as client:
        offered = options(await client.get(url(patient, "/ajouter?type=measurement")))
        for choice, value, day in (("HbA1c (%)", "7,9", "2026-03-05"), ("HbA1c (%)", "7,2", "2026-06-04"),
                                   ("HbA1c (%)", "6,8", "2026-09-03"), ("LDL-cholestérol (g/L)", "1,32", "2025-09-03"),
                                   ("LDL-cholestérol (mmol/L)", "2,6", "2026-09-03"),
                                   ("Créatinine (µmol/L)", "78", "2025-09-03"),
                                   ("Créatinine (mg/L)", "9,2", "2026-09-03")):
            response = await add(client, patient, "measurement", label=offered[choice], value=value, started_on=day)
            assert response.status_code == 303, (choice, response.text)
        page = await client.get(url(patient))
    words = text_of(page)
    for chart in ("HbA1c : 3 mesures du 5 mars 2026 au 3 septembre 2026, la dernière 6,8 %",
                  "LDL-cholestérol : 2 mesures du 3 septembre 2025 au 3 septembre 2026, la dernière 1,01 g/L",
                  "Créatinine : 2 mesures du 3 septembre 2025 au 3 septembre 2026, la dernière 81 µmol/L"):
        assert f'role="img" aria-label="{chart}"' in html.unescape(page.text).replace("\u00a0", " "), chart
    assert "HbA1c, de la plus ancienne à la plus récente" in words
    link = payload_of(await make_link(db, patient, content="summary"))
    _, bundle = decrypted((await fetch(app, link)).json()["files"][0]["embedded"], link["key"])
    [results] = [s for s in bundle.entry[0].resource.section if s.title == "Résultats d'analyses"]
    by_url = {e.fullUrl: e.resource for e in bundle.entry}
    listed = [by_url[entry.reference] for entry in results.entry]
    assert [(o.code.coding[0].code, float(o.valueQuantity.value), o.valueQuantity.code) for o in listed] == [
        ("4548-4", 6.8, "%"), ("4548-4", 7.2, "%"), ("4548-4", 7.9, "%"),
        ("2089-1", 1.01, "g/L"), ("2089-1", 1.32, "g/L"), ("14682-9", 81.0, "umol/L"), ("14682-9", 78.0, "umol/L")]


async def test_her_eye_and_diabetes_reports_are_found_by_the_words_she_says(client, db, app, patient):
    for title, text in (("Consultation du 20 novembre", "Dr Lemoine, ophtalmologiste. Rétinographie normale."),
                        ("Compte rendu de consultation", "Service d'endocrinologie. HbA1c à 7,1 %."),
                        ("Exercices à faire", "Fermer les paupières, respirer.")):
        await add_document(db, app.state.storage, dossier=patient.dossier, title=title, category="compte_rendu",
                           event_date=date(2025, 11, 20), filename="note.txt", mime_type="text/plain",
                           data=text.encode())
    await db.commit()
    await activate(client, patient)
    found = {}
    for words in ("yeux", "œil", "ophtalmologue", "vue", "diabète", "diabétologue"):
        page = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": words})
        found[words] = titles_in(page.text)
    assert found == {"yeux": ["Consultation du 20 novembre"], "œil": ["Consultation du 20 novembre"],
                     "ophtalmologue": ["Consultation du 20 novembre"], "vue": ["Consultation du 20 novembre"],
                     "diabète": ["Compte rendu de consultation"], "diabétologue": ["Compte rendu de consultation"]}


async def test_a_small_change_of_a_normal_glycemie_is_not_drawn_as_a_fall_and_its_scale_reads_evenly(app, db, patient):
    async with await as_patient(app, db, patient) as client:
        for value, day in (("0,95", "2023-11-06"), ("0,88", "2024-11-06"), ("0,85", "2025-11-06")):
            response = await add(client, patient, "measurement", label="glucose", value=value, started_on=day)
            assert response.status_code == 303, response.text
        page = await client.get(url(patient))
    svg = re.search(r'<svg class="chart".*?</svg>', page.text, re.S).group(0)
    values_up_the_side = [t for t in re.findall(r'<text class="chart-label"[^>]*>([^<]*)</text>', svg) if "/" not in t]
    # 0,10 g/L of 0,60 drawn, not 0,85 to 0,95 across the whole height; each value with as many decimals
    assert values_up_the_side == ["0,6", "0,8", "1,0", "1,2"]


async def test_she_prints_or_shows_her_doctor_a_summary_without_buttons_nor_what_she_hid(app, db, patient):
    async with await as_patient(app, db, patient) as client:
        for kind, fields in (("treatment", {"label": "Metformine 1000 mg", "detail": "1 comprimé matin et soir"}),
                             ("treatment", {"label": "Ramipril 5 mg", "started_on": "2021-06-15"}),
                             ("allergy", {"label": "Pénicilline", "severity": "severe"}),
                             ("condition", {"label": "Diabète de type 2", "nature": "current",
                                            "started_on": "2019-03-01"}),
                             ("condition", {"label": "Trouble anxieux", "nature": "past"}),
                             *(("measurement", {"label": "hba1c", "value": v, "started_on": d}) for v, d in (
                                 ("8,1", "2025-09-01"), ("7,9", "2026-03-05"), ("7,2", "2026-06-04"),
                                 ("6,8", "2026-09-03")))):
            assert (await add(client, patient, kind, **fields)).status_code == 303
        items = {i.label: i for i in await items_of(db, patient)}
        stopped = await post_form(client, url(patient, f"/{items['Ramipril 5 mg'].id}/arret"), {"ended_on": "2026-11-30"})
        assert stopped.status_code in (200, 303)
        anxiety = items["Trouble anxieux"]
        hidden = await post_form(client, url(patient, f"/{anxiety.id}/masquage"), {"masque": "oui"})
        assert hidden.status_code in (200, 303)
        profile = await client.get(url(patient))
        link = re.search(r'<a class="button secondary" href="([^"]+)">Imprimer ou montrer la synthèse</a>',
                         profile.text)
        sheet = await client.get(link.group(1))
    assert sheet.status_code == 200 and "no-store" in sheet.headers["cache-control"]
    words = text_of(sheet)
    assert "Mon profil médical Camille Martin · née le" in words
    assert words.index("Allergies et intolérances Pénicilline — gravité sévère") < words.index(
        "Traitements en cours Metformine 1000 mg — 1 comprimé matin et soir") < words.index(
        "Problèmes de santé actuels Diabète de type 2 — depuis le 1er mars 2019")
    assert "HbA1c : 6,8 %, le 3 septembre 2026 HbA1c : 7,2 %, le 4 juin 2026 HbA1c : 7,9 %, le 5 mars 2026" in words
    assert ("Traitements arrêtés Ramipril 5 mg — depuis le 15 juin 2021 — arrêté le 30 novembre 2026 Antécédents"
            in words)
    assert "8,1" not in words and "Trouble anxieux" not in words and "Maladies passées" not in words
    assert "Supprimer" not in words and "Masquer" not in words
    doctor_ = await doctor(db)  # prints from their own software, as the vaccinations' sheet
    await grants.grant_access(db, dossier=patient.dossier, professional=doctor_, categories="", duration="sans",
                              actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=doctor_)) as client:
        assert "Imprimer ou montrer la synthèse" not in (await client.get(url(patient))).text
        assert (await client.get(url(patient, "/imprimer"))).status_code == 404
