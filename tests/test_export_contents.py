"""What the copy holds: file names that fit, the IPS's codes and labels, its log's URLs and words, its PDF."""

from __future__ import annotations

import io
import logging
import json
import re
import zipfile
from datetime import date

import pypdfium2
from fhir.resources.R4B.bundle import Bundle

from server.dossiers import add_document
from server.export.archive import build_export
from server.export.ips_copy import zip_path
from server.profile.items import add_item, set_item_hidden
from tests.conftest import activate, add_text_document, new_patient, post_form
from tests.export_helpers import NOW, downloaded, pdf_bytes, resources_of
from tests.export_helpers import small  # noqa: F401 - a fixture
from tests.test_profile import PATIENT, SAMPLES, TODAY


CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"


LOINC = "http://loinc.org"


# Past the 150 characters the copy kept: cut there, the name lost its ".pdf"; the Russian one (a patient's Russian
# hospital), past the 255 bytes a file system allows in a name, which `unzip` refused ("File name too long").
LONG_NAMES = ("Compte-rendu-échocardiographie-transthoracique-et-épreuve-d'effort-réalisées-à-l'hôpital-européen-"
              "Georges-Pompidou-le-3-juin-2025-évaluation-des-extrasystoles-ventriculaires.pdf",
              "Заключение-эхокардиографии-и-нагрузочной-пробы-в-европейской-больнице-Жоржа-Помпиду-3-июня-2025-"
              "оценка-желудочковых-экстрасистол-у-пациентки-Камиллы-Мартен-повторное.pdf")


async def test_a_long_file_name_keeps_its_extension_and_fits_a_file_system_in_the_copy(
        db, app, patient, tmp_path):
    pdf = pdf_bytes("Échographie")
    documents = [await add_document(db, app.state.storage, dossier=patient.dossier, title=title,
                                    category="compte_rendu", event_date=date(2025, 6, 3), filename=filename,
                                    mime_type="application/pdf", data=pdf)
                 for title, filename in (("Échographie", LONG_NAMES[0]), ("Échographie, contrôle", LONG_NAMES[0]),
                                         ("Эхокардиография", LONG_NAMES[1]))]
    data = await build_export(db, app.state.storage, dossier=patient.dossier, patient=patient.patient, now=NOW)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = [zip_path(d) for d in documents]
    assert len(set(names)) == 3  # two documents with one name: one folder each
    for name in names:
        assert name.endswith(".pdf") and all(len(part.encode()) <= 255 for part in name.split("/"))
        assert archive.read(name) == pdf
    archive.extractall(tmp_path)  # what unzip does: a name past the file system's limit fails here
    assert all((tmp_path / name).read_bytes() == pdf for name in names)


async def test_the_copy_s_ips_codes_every_section_and_labels_what_is_hidden_or_kept_from_parents(client, db, app,
                                                                                                   small):
    kept = await add_text_document(db, app, small.dossier, title="Consultation confidentielle")
    kept.hidden_from_representatives = True  # kept by the young adult from her parents (CSP L1111-5)
    db.add(kept)
    await db.commit()
    vaccine = await add_item(db, dossier=small.dossier, data=SAMPLES["vaccination"], actor=PATIENT, today=TODAY)
    await set_item_hidden(db, item=vaccine, hidden=True, actor=PATIENT)
    await activate(client, small)
    ips = json.loads((await downloaded(client, small.dossier.id)).read("synthese-ips.json"))
    Bundle.model_validate(ips)

    [composition] = resources_of(ips, "Composition")
    codings = {s["title"]: s["code"]["coding"][0] for s in composition["section"]}
    assert all(c.get("display") for c in codings.values()) and codings["Vaccinations"]["system"] == LOINC
    assert codings["Documents du dossier"] == {"system": "urn:carnet:fhir:section", "code": "documents",
                                               "display": "Documents du dossier"}
    assert {c["code"] for c in codings.values() if c["system"] == LOINC} == {
        "48765-2", "10160-0", "11450-4", "11369-6"}  # allergies, medications, problems, immunizations
    labels = {r["description"]: r.get("meta", {}).get("security") for r in resources_of(ips, "DocumentReference")}
    assert labels == {"Bilan lipidique": [{"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}],
                      "Consultation confidentielle": [{"system": CONFIDENTIALITY, "code": "V",
                                                       "display": "very restricted"}],
                      "Bilan kiné": None}
    assert composition["confidentiality"] == "V"  # the highest of what it holds

    [immunization] = resources_of(ips, "Immunization")  # declared by the patient, who did not give the injection
    assert immunization["primarySource"] is False and "performer" not in immunization
    assert immunization["reportOrigin"]["coding"][0]["code"] == "recall"
    assert immunization["meta"]["security"][0]["code"] == "R"


async def test_the_copy_s_log_has_an_absolute_stable_full_url_for_every_event(client, db, small):
    await activate(client, small)
    first = json.loads((await downloaded(client, small.dossier.id)).read("journal-acces-auditevent.json"))
    second = json.loads((await downloaded(client, small.dossier.id)).read("journal-acces-auditevent.json"))
    urls = [e["fullUrl"] for e in first["entry"]]
    assert all(re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", u)
               for u in urls)
    assert len(set(urls)) == len(urls) and set(urls) < {e["fullUrl"] for e in second["entry"]}  # one more: the export


async def test_the_readme_names_the_patient_in_french_counts_in_plural_forms_and_says_fhir_r4b(client, db, app):
    ines = await new_patient(db, given_name="Inès", family_name="Martin", serial=6)
    await add_text_document(db, app, ines.dossier, title="Bilan")
    await activate(client, ines)
    archive = await downloaded(client, ines.dossier.id)
    readme = archive.read("LISEZMOI.txt").decode()
    assert readme.startswith("Copie complète du dossier Carnet d'Inès Martin\r\n")
    assert "(1 document)" in readme and "(aucune information :" in readme and "événements)" in readme
    assert "(s)" not in readme and "FHIR R4B" in readme and not re.search(r"FHIR R4(?!B)", readme)
    assert "votre identité, votre profil médical" in readme and "ceux qui sont masqués aux professionnels" in readme
    pdf = pypdfium2.PdfDocument(archive.read("synthese.pdf"))
    assert "Synthèse du dossier d'Inès Martin" in pdf[0].get_textpage().get_text_range()
    log = json.loads(archive.read("journal-acces-auditevent.json"))
    assert {e["resource"]["entity"][0]["what"]["display"] for e in log["entry"]} == {"Dossier d'Inès Martin"}


async def test_the_copy_s_log_says_du_dossier_and_au_dossier(client, db, small):
    await activate(client, small)
    log = json.loads((await downloaded(client, small.dossier.id)).read("journal-acces-auditevent.json"))
    sentences = [e["resource"]["outcomeDesc"] for e in log["entry"]]
    assert any("une copie complète du dossier" in s for s in sentences)
    assert not [s for s in sentences if re.search(r"\b(de|à) le dossier\b", s)]


def test_a_server_that_never_made_a_copy_does_not_hold_the_pdf_library():
    """fpdf2 and its fontTools took ~30 MB of every server process at start (bench/RESULTS.md): imported when a copy
    is made, not with the app."""
    import subprocess
    import sys

    held = subprocess.run([sys.executable, "-c", "import sys, server.app; print('fpdf' in sys.modules)"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert held == "False"


async def test_making_the_copy_logs_nothing_of_its_pdf(client, db, small, caplog):
    """The PDF library's font subsetter logs at INFO the glyphs it kept: the letters of the patient's name and
    data (an outside probe found them in the server's log). Only Carnet's own lines, and warnings, are logged."""
    await activate(client, small)
    caplog.clear()
    response = await post_form(client, f"/dossiers/{small.dossier.id}/export", {})
    assert response.status_code == 200
    server_side = [r for r in caplog.records if r.name != "httpx"]  # httpx: the test's own client
    assert [r.name for r in server_side if r.levelno < logging.WARNING and not r.name.startswith("carnet")] == []
