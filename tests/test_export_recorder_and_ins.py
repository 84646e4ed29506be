"""What the copy of the dossier says of who recorded a vaccination and of the patient's INS (an outside probe: Camille
and her sage-femme): the IPS named whoever recorded a vaccination, a professional who noted in 2026 a dose given in
2018, as the one who gave it (`Immunization.performer`); the PDF summary wrote "INS (matricule national de santé)"
where every page says "Matricule INS", and left out the status the professional's band and the IPS state."""

from __future__ import annotations

import json
from datetime import date

import pypdfium2
from fhir.resources.R4B.bundle import Bundle

from server.accesslog.audit import Actor
from server.identifiers import ins_for_reading
from server.profile.items import ItemInput, add_item
from tests.conftest import activate, new_professional
from tests.export_helpers import downloaded, resources_of

TODAY = date(2026, 12, 6)
SOURCE = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Immunization.informationSource"


async def test_a_vaccination_a_professional_recorded_names_them_its_source_never_who_gave_it(client, db, patient):
    doctor = (await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin",
                                     stem=61)).professional
    await add_item(db, dossier=patient.dossier, today=TODAY, author=doctor, right="medecin_traitant",
                   actor=Actor(None, "professional", "Claire Bernard", "médecin", doctor.rpps),
                   data=ItemInput("vaccination", label="DTP (rappel)", started_on=date(2018, 4, 3)))
    await activate(client, patient)
    ips = json.loads((await downloaded(client, patient.dossier.id)).read("synthese-ips.json"))
    Bundle.model_validate(ips)

    [immunization] = resources_of(ips, "Immunization")
    # Who gave the 2018 dose is not known, nor whether the record is the giver's own: neither is said.
    assert "performer" not in immunization and "primarySource" not in immunization
    assert immunization["occurrenceDateTime"] == "2018-04-03" and not immunization["recorded"].startswith("2018")
    [source] = [e["valueReference"] for e in immunization["extension"] if e["url"] == SOURCE]
    [recorder] = [e["resource"] for e in ips["entry"] if e["fullUrl"] == source["reference"]]
    assert recorder["resourceType"] == "Practitioner" and source["display"] == "Dr Claire Bernard"
    assert recorder["identifier"][0]["value"] == f"8{doctor.rpps}"


async def test_the_pdf_summary_says_matricule_ins_and_its_status_as_the_pages_do(client, db, patient):
    await activate(client, patient)
    pdf = pypdfium2.PdfDocument((await downloaded(client, patient.dossier.id)).read("synthese.pdf"))
    text = pdf[0].get_textpage().get_text_range().replace("\u00a0", " ")
    assert f"Matricule INS : {ins_for_reading(patient.patient.ins)} (non qualifiée)" in text, text
    assert "matricule national de santé" not in text
