"""A condition of the profil médical says what it is: a current problem, a past illness, or a procedure (an outside
probe's find: every "antécédent" went out as an active problem). The form asks it, the profile page shows each
under its heading, whoever manages the dossier classes one anew; the summary puts each in its IPS section, through
a health link, an emergency card and the dossier's copy alike. And an INS Carnet never qualified is never sent as
an INS (FR Core: "Le matricule INS ne peut être véhiculé que dans le cas d'une identité qualifiée")."""

from __future__ import annotations

import html
import json
import re
import zipfile

import pypdfium2
from fhir.resources.R4B.bundle import Bundle
from jwcrypto import jwe, jwk
from sqlalchemy import text
from sqlmodel import select

from server.access import grants
from server.accesslog.journal import Viewer, sentence
from server.auth.accounts import account_for_professional
from server.export.archive import build_export
from server.export.restore import TRANSFER, restore
from server.models import AccessEvent, ProfileItem
from server.profile.items import ItemInput, add_item, set_item_hidden
from tests.conftest import post_form
from tests.patient_helpers import migrate
from tests.export_helpers import (  # noqa: F401 - `elsewhere` and `small` are fixtures
    NOW, authors_of, downloaded, elsewhere, ips_changed, profile_as_read, same_patient_there, small)
from tests.test_profile import TODAY
from tests.profile_page_helpers import CAMILLE, add, as_patient, browser, doctor, items_of, url
from tests.shlink_helpers import decoded, fetch

INS_OID = "urn:oid:1.2.250.1.213.1.4.8"
# As the patient types them; the summary's narrative says each in French, under its section.
CONDITIONS = (
    {"label": "Asthme allergique", "nature": "current", "started_on": "2019-04-02"},
    {"label": "Anémie par carence martiale, corrigée", "nature": "past", "started_on": "2021-11-06"},
    {"label": "Appendicectomie", "nature": "procedure", "started_on": "2020-03-03", "detail": "Suites simples"},
    {"label": "Avulsion d'une dent de sagesse", "nature": "procedure"},
)
SECTIONS = {  # IPS (Composition-uv-ips): the section, its title, its entries' resource and what its narrative says
    "11450-4": ("Problèmes de santé actuels", "Condition", ["Asthme allergique — depuis le 2 avril 2019"]),
    "11348-0": ("Maladies passées", "Condition", ["Anémie par carence martiale, corrigée — le 6 novembre 2021"]),
    "47519-4": ("Interventions et actes", "Procedure", ["Appendicectomie — Suites simples — le 3 mars 2020",
                                                       "Avulsion d'une dent de sagesse"]),
}


async def declared_through_the_form(app, db, patient) -> None:
    async with await as_patient(app, db, patient) as client:
        for fields in CONDITIONS:
            assert (await add(client, patient, "condition", **fields)).status_code == 303


def narrative(section: dict) -> list[str]:
    return [html.unescape(line).replace("\u00a0", " ") for line in re.findall(r"<li>(.*?)</li>", section["text"]["div"])]


def checked_summary(raw: dict) -> dict[str, dict]:
    """The summary read by the R4B models, its conditions each in its IPS section and said in its narrative; its
    sections by LOINC code."""
    Bundle.model_validate(raw)
    by_url = {e["fullUrl"]: e["resource"] for e in raw["entry"]}
    sections = {s["code"]["coding"][0]["code"]: s for s in raw["entry"][0]["resource"]["section"]}
    for code, (title, kind, said) in SECTIONS.items():
        section = sections[code]
        entries = [by_url[e["reference"]] for e in section["entry"]]
        assert section["title"] == title and {r["resourceType"] for r in entries} == {kind}, code
        assert narrative(section) == said and [r["code"]["text"] for r in entries] == [s.split(" — ")[0] for s in said]
    [problem] = [by_url[e["reference"]] for e in sections["11450-4"]["entry"]]
    [past] = [by_url[e["reference"]] for e in sections["11348-0"]["entry"]]
    assert problem["clinicalStatus"]["coding"][0]["code"] == "active"
    assert past["clinicalStatus"]["coding"][0]["code"] == "resolved"  # "corrigée": never an active problem
    operation, tooth = [by_url[e["reference"]] for e in sections["47519-4"]["entry"]]
    assert operation["status"] == "completed" and operation["performedDateTime"] == "2020-03-03"
    # IPS: performed[x] 1..1, its absence said by the data-absent-reason extension.
    assert "performedDateTime" not in tooth and tooth["_performedDateTime"]["extension"][0]["valueCode"] == "unknown"
    return sections


def never_an_ins(raw: dict) -> None:
    """No INS under its OID, and the patient's identity said not yet qualified (FR Core's identity reliability)."""
    assert INS_OID not in json.dumps(raw)
    [person] = [e["resource"] for e in raw["entry"] if e["resource"]["resourceType"] == "Patient"]
    [reliability] = person["extension"]
    assert reliability["url"] == "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"
    assert reliability["extension"][0]["valueCoding"]["code"] == "VIDE"


async def shared_summary(app, db, patient, content: str) -> dict:
    """The Bundle a recipient reads: the link made by the patient on her page, its manifest, its JWE opened."""
    async with await as_patient(app, db, patient) as client:
        made = await post_form(client, f"/dossiers/{patient.dossier.id}/liens-sante",
                               {"contenu": content, "duree": "7j"}, follow_redirects=False)
        assert made.status_code == 303, made.text
        shown = await client.get(made.headers["location"])
    link = decoded(html.unescape(re.search(r'id="lien" type="url" readonly value="([^"]+)"', shown.text).group(1)))
    answer = await fetch(app, link)
    assert answer.status_code == 200, answer.text
    token = jwe.JWE()
    token.deserialize(answer.json()["files"][0]["embedded"], key=jwk.JWK(kty="oct", k=link["key"]))
    return json.loads(token.payload)


# --- the form and the page ------------------------------------------------------------------------


async def test_the_form_asks_what_a_condition_is_and_never_guesses(app, db, patient):
    async with await as_patient(app, db, patient) as client:
        form = html.unescape((await client.get(url(patient, "/ajouter?type=condition"))).text)
        assert "Il s'agit de…" in form and all(f'name="nature" value="{code}"' in form
                                               for code in ("current", "past", "procedure"))
        refused = await add(client, patient, "condition", label="Appendicectomie")
        assert refused.status_code == 400
        assert ("Indiquez s'il s'agit d'un problème de santé actuel, d'une maladie passée ou d'une intervention."
                in html.unescape(refused.text))
        assert 'value="Appendicectomie"' in refused.text and await items_of(db, patient) == []
        assert (await add(client, patient, "condition", label="Appendicectomie", nature="opération")).status_code == 400
    await declared_through_the_form(app, db, patient)
    assert sorted((i.label, i.nature) for i in await items_of(db, patient)) == sorted(
        (c["label"], c["nature"]) for c in CONDITIONS)

    async with await as_patient(app, db, patient) as client:
        page = html.unescape((await client.get(url(patient))).text)
    # Under their headings, in the summary's order: the current problems, the past illnesses, the procedures.
    headings = [page.index(f'<h3 class="profile-subhead">{h}</h3>') for h in
                ("Problèmes de santé actuels", "Maladies passées", "Interventions et actes")]
    # (A label with a long word is in a span that fits it to a narrow line: record_text.fitted.)
    where = [re.search(rf'<strong>(?:<span class="fit fit-\d+">)?{re.escape(c["label"])}(?:</span>)?</strong>',
                       page).start() for c in CONDITIONS]
    assert headings[0] < where[0] < headings[1] < where[1] < headings[2] < min(where[2:])
    said = page.replace("\u00a0", " ")  # each dated as its narrative in the summary says it
    assert "Depuis le 2 avril 2019" in said and "Le 6 novembre 2021" in said and "Le 3 mars 2020" in said


async def test_her_doctor_says_it_too(app, db, patient):
    bernard = await doctor(db)
    await grants.grant_access(db, dossier=patient.dossier, professional=bernard, categories="", duration="1a",
                              actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=bernard)) as client:
        assert (await add(client, patient, "condition", label="Cholécystectomie", nature="procedure",
                          started_on="2023-09-14")).status_code == 303
    [item] = await items_of(db, patient)
    assert (item.nature, item.author_professional_id) == ("procedure", bernard.id)


async def test_whoever_manages_the_dossier_classes_a_condition_anew_and_the_log_says_so(app, db, patient):
    await declared_through_the_form(app, db, patient)
    asthma = next(i for i in await items_of(db, patient) if i.label == "Asthme allergique")
    allergy = await add_item(db, dossier=patient.dossier, data=ItemInput("allergy", label="Latex"), actor=CAMILLE,
                             today=TODAY)
    async with await as_patient(app, db, patient) as client:
        page = html.unescape((await client.get(url(patient))).text)
        assert f'action="/dossiers/{patient.dossier.id}/profil/{asthma.id}/classement"' in page
        assert f"/profil/{allergy.id}/classement" not in page  # only a condition is classed
        done = await post_form(client, url(patient, f"/{asthma.id}/classement"), {"nature": "past"},
                               follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"].endswith(f"?fait=classe#item-{asthma.id}")
        again = await post_form(client, url(patient, f"/{asthma.id}/classement"), {"nature": "past"})
        assert again.status_code == 200 and "Le classement de l'antécédent est enregistré." in html.unescape(again.text)
        wrong = await post_form(client, url(patient, f"/{asthma.id}/classement"), {"nature": "guéri"})
        assert wrong.status_code == 400 and "d'une maladie passée ou d'une intervention" in html.unescape(wrong.text)
        assert (await post_form(client, url(patient, f"/{allergy.id}/classement"), {"nature": "past"})).status_code == 404
    await db.commit()
    assert (await db.get(ProfileItem, asthma.id, populate_existing=True)).nature == "past"
    events = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id,
                                                      AccessEvent.action == "profile_nature"))).all()
    [event] = events  # the same class again changes nothing, and logs nothing
    said = sentence(event, viewer=Viewer(None, is_patient=True)).replace("\u00a0", " ")
    assert said.startswith("Vous avez classé l'antécédent « Asthme allergique » (Maladies passées) le ")


# --- the summary, wherever it goes ------------------------------------------------------------------


async def test_a_health_links_summary_puts_each_condition_in_its_ips_section_and_sends_no_ins(app, db, patient):
    await declared_through_the_form(app, db, patient)
    raw = await shared_summary(app, db, patient, "summary")
    checked_summary(raw)
    never_an_ins(raw)
    assert patient.patient.ins not in json.dumps(raw)  # to a recipient, not even under another name


async def test_the_emergency_card_has_the_three_sections_and_sends_no_ins(app, db, patient):
    await declared_through_the_form(app, db, patient)
    raw = await shared_summary(app, db, patient, "emergency")
    sections = checked_summary(raw)
    assert [s["title"] for s in raw["entry"][0]["resource"]["section"]] == [
        "Allergies et intolérances", "Traitements", "Problèmes de santé actuels", "Maladies passées",
        "Interventions et actes"]
    assert set(sections) == {"48765-2", "10160-0", *SECTIONS}
    never_an_ins(raw)
    assert patient.patient.ins not in json.dumps(raw)


async def test_the_copy_s_summary_too_and_its_files_name_the_ins_as_not_qualified(app, db, patient):
    await declared_through_the_form(app, db, patient)
    async with await as_patient(app, db, patient) as client:
        archive: zipfile.ZipFile = await downloaded(client, patient.dossier.id)
    raw = json.loads(archive.read("synthese-ips.json"))
    checked_summary(raw)
    never_an_ins(raw)
    [person] = [e["resource"] for e in raw["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert [(i["system"], i["value"]) for i in person["identifier"]] == [
        ("urn:carnet:fhir:ins-non-qualifie", patient.patient.ins)]  # her own copy, read back by it (restore.py)
    for name in archive.namelist():
        if name.endswith(".json"):
            assert INS_OID not in archive.read(name).decode(), name
            Bundle.model_validate_json(archive.read(name))
    pdf = pypdfium2.PdfDocument(archive.read("synthese.pdf"))  # its PDF summary lists them as the page does
    said = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))).replace("\r\n", "\n")
    headings = [said.index(h) for h in ("Problèmes de santé actuels", "Maladies passées", "Interventions et actes")]
    assert headings == sorted(headings) and headings[0] < said.index("Asthme allergique") < headings[1]


async def small_copy_with_conditions(db, app, small) -> bytes:
    """Her copy, with each kind of condition, an operation she hid from professionals."""
    for fields in CONDITIONS:
        data = ItemInput("condition", **{k: v for k, v in fields.items() if k != "started_on"})
        item = await add_item(db, dossier=small.dossier, data=data, actor=CAMILLE, today=TODAY)
        if item.label == "Appendicectomie":
            await set_item_hidden(db, item=item, hidden=True, actor=CAMILLE)
    return await build_export(db, app.state.storage, dossier=small.dossier, patient=small.patient, now=NOW)


async def test_a_copy_read_back_keeps_each_condition_as_it_was(db, app, small, elsewhere):
    data = await small_copy_with_conditions(db, app, small)
    there, storage = elsewhere.session, elsewhere.storage
    dossier = await same_patient_there(there, small.patient, await authors_of(db, small.dossier.id))
    await restore(there, storage, zip_bytes=data, dossier=dossier, actor=TRANSFER, today=TODAY)
    await there.commit()
    # Its nature, hidden or not, and when it was declared (a Procedure's, in R5's `recorded` extension).
    assert await profile_as_read(there, dossier.id) == await profile_as_read(db, small.dossier.id)


async def test_a_copy_made_before_goes_in_its_conditions_as_it_said_them(db, app, small, elsewhere):
    data = await small_copy_with_conditions(db, app, small)
    there, storage = elsewhere.session, elsewhere.storage
    dossier = await same_patient_there(there, small.patient, await authors_of(db, small.dossier.id))

    def as_before(ips: dict) -> dict:
        """As a copy made before 2026-12-06 wrote it: the INS under its OID, every condition an active one."""
        for entry in ips["entry"]:
            resource = entry["resource"]
            if resource["resourceType"] == "Patient":
                resource["identifier"] = [{"system": INS_OID, "value": small.patient.ins}]
                resource.pop("extension")
            if resource["resourceType"] == "Condition":
                resource["clinicalStatus"]["coding"][0]["code"] = "active"
        return ips

    await restore(there, storage, zip_bytes=ips_changed(data, as_before), dossier=dossier, actor=TRANSFER, today=TODAY)
    await there.commit()
    found = (await there.exec(select(ProfileItem).where(ProfileItem.dossier_id == dossier.id,
                                                        ProfileItem.kind == "condition"))).all()
    assert sorted((i.label, i.nature) for i in found) == sorted(
        (c["label"], "current" if c["nature"] == "past" else c["nature"]) for c in CONDITIONS)


# --- the conditions declared before -----------------------------------------------------------------


async def test_the_migration_classes_the_conditions_already_declared_and_goes_back(app, db, patient):
    from alembic import command

    await declared_through_the_form(app, db, patient)
    await db.commit()
    await migrate(app, command.downgrade, "0041")
    async with app.state.engine.begin() as connection:
        await connection.execute(text("UPDATE profileitem SET ended_on = started_on WHERE label = :label"),
                                 {"label": "Anémie par carence martiale, corrigée"})
    await migrate(app, command.upgrade, "head")
    async with app.state.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT label, nature FROM profileitem"))).all()
    # What the summary said of them until now (an active problem), but one noted as ended; the page lets her class
    # each anew.
    assert sorted(rows) == sorted((c["label"], "past" if c["nature"] == "past" else "current") for c in CONDITIONS)


async def test_no_summary_names_her_by_an_ins_she_never_qualified(app, db, patient):
    """Her identity band says "INS … (non qualifiée)": a recipient's software is never told otherwise."""
    await add_item(db, dossier=patient.dossier, data=ItemInput("allergy", label="Pénicilline"), actor=CAMILLE,
                   today=TODAY)
    for content in ("emergency", "summary"):
        raw = await shared_summary(app, db, patient, content)
        never_an_ins(raw)
        assert patient.patient.ins not in json.dumps(raw), content
