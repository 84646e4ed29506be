"""The International Patient Summary (issue 12): a FHIR R4B document Bundle that the R4B models read back, with
the sections IPS requires, every profile item under its own id, and only what the reader sees."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fhir.resources.R4B.bundle import Bundle

from server.access.rule import DossierFacts, GrantFacts, Standing, visibility
from server.fhir.ips import ITEM_SYSTEM, summary_bundle
from server.listing import all_documents
from server.profile.items import profile_of
from tests.conftest import ORIGIN, add_text_document, new_professional
from tests.test_profile import NOW, items_of_every_kind

PATIENT_VIEW = visibility(Standing(is_patient=True), DossierFacts(), NOW)


async def test_the_summary_is_an_ips_document_bundle_with_every_item(db, app, patient):
    pro = await new_professional(db, stem=12, profession="médecin")
    items = await items_of_every_kind(db, patient.dossier, pro.professional)
    await add_text_document(db, app, patient.dossier)
    profile = await profile_of(db, dossier_id=patient.dossier.id, visible=PATIENT_VIEW)
    documents = await all_documents(db, dossier_id=patient.dossier.id, visible=PATIENT_VIEW)
    bundle = summary_bundle(patient=patient.patient, profile=profile, documents=documents, document_authors={},
                            base=ORIGIN, now=datetime(2026, 12, 1, 9, tzinfo=UTC))
    again = Bundle.model_validate(json.loads(bundle.model_dump_json(exclude_none=True)))
    assert again.type == "document" and again.entry[0].resource.get_resource_type() == "Composition"
    composition = again.entry[0].resource
    codes = [s.code.coding[0].code for s in composition.section if s.code]
    assert codes[:3] == ["48765-2", "10160-0", "11450-4"]  # allergies, medications, problems first
    resources = [e.resource for e in again.entry]
    kinds = {r.get_resource_type() for r in resources}
    assert {"Patient", "Practitioner", "AllergyIntolerance", "MedicationStatement", "Condition", "Immunization",
            "Observation", "FamilyMemberHistory", "DocumentReference"} <= kinds
    carried = {i.value for r in resources for i in (getattr(r, "identifier", None) or []) if i.system == ITEM_SYSTEM}
    carried |= {c.extension[0].valueString for r in resources if r.get_resource_type() == "Patient" for c in r.contact or []}
    live = {i.id for i in items if i.deleted_at is None}
    assert carried == live
    [person] = [r for r in resources if r.get_resource_type() == "Patient"]
    assert person.contact[0].telecom[0].value == "+33612345678"  # E.164: dialled from any phone, abroad too
    assert again.language == composition.language == "fr-FR"  # the texts' language, Carnet's and the patient's
    assert not person.identifier and patient.patient.ins not in bundle.model_dump_json()  # never qualified: no INS


async def test_a_reader_of_the_lab_reports_has_the_glycemie_among_the_results_and_no_vital_sign(db, patient):
    """The rule places a laboratory measure under "biologie" as the IPS files it, with the lab results (profile/kinds.py
    item_categories): the summary of what such a reader sees holds it there, and no blood pressure."""
    await items_of_every_kind(db, patient.dossier, None)
    grant = GrantFacts(categories=frozenset({"biologie"}), starts_at=NOW, ends_at=None, revoked=False)
    lab_view = visibility(Standing(professional_id="p", grants=(grant,)), DossierFacts(), NOW)
    profile = await profile_of(db, dossier_id=patient.dossier.id, visible=lab_view)
    bundle = summary_bundle(patient=patient.patient, profile=profile, documents=[], document_authors={}, base=ORIGIN,
                            now=NOW)
    sections = {s.title: s for s in bundle.entry[0].resource.section}
    assert "Mesures" not in sections and len(sections["Résultats d'analyses"].entry) == 2  # of three, one hidden
    observations = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Observation"]
    assert {o.code.coding[0].code for o in observations} == {"2339-0"}  # glucose, no blood pressure panel
    assert {o.category[0].coding[0].code for o in observations} == {"laboratory"}


async def test_an_emergency_card_holds_only_its_sections_and_what_the_reader_sees(db, app, patient):
    await items_of_every_kind(db, patient.dossier, None)
    grant = GrantFacts(categories=frozenset({"ordonnance"}), starts_at=NOW, ends_at=None, revoked=False)
    pro_view = visibility(Standing(professional_id="p", grants=(grant,)), DossierFacts(), NOW)
    profile = await profile_of(db, dossier_id=patient.dossier.id, visible=pro_view)
    bundle = summary_bundle(patient=patient.patient, profile=profile, documents=[], document_authors={}, base=ORIGIN,
                            now=NOW, kinds=("allergy", "treatment", "condition", "contact"), title="Carte d'urgence")
    composition = bundle.entry[0].resource
    assert [s.title for s in composition.section] == ["Allergies et intolérances", "Traitements",
                                                      "Problèmes de santé actuels"]
    # Whoever reads the prescriptions reads the allergies (profile/kinds.py): not the problem list.
    allergies, problems = composition.section[0], composition.section[2]
    assert len(allergies.entry) == 2 and not allergies.emptyReason  # one of the three is hidden, one deleted
    assert problems.emptyReason.coding[0].code == "withheld" and not problems.entry  # not covered by the grant
    # Never "nilknown" (a clinician's finding that there are none): her own summary, with no allergy entered, says
    # none was asked; a professional who does not see hidden items reads "withheld", hidden items or not.
    own = visibility(Standing(is_patient=True), DossierFacts(), NOW)
    for visible, reason in ((own, "notasked"), (pro_view, "withheld")):
        empty = summary_bundle(patient=patient.patient, profile=await profile_of(db, dossier_id="0" * 32, visible=visible),
                               documents=[], document_authors={}, base=ORIGIN, now=NOW)
        assert {s.emptyReason.coding[0].code for s in empty.entry[0].resource.section} == {reason}
    assert {e.resource.get_resource_type() for e in bundle.entry} == {"Composition", "Patient", "AllergyIntolerance",
                                                                      "MedicationStatement"}


async def test_a_blood_glucose_is_a_laboratory_result_and_a_weight_a_vital_sign(db, app, patient):
    """IPS: a measure from a blood sample goes to "Results" (30954-2, category laboratory), not "Vital signs"."""
    from server.profile.items import ItemInput, add_item
    from tests.test_profile import PATIENT, TODAY

    for data in (ItemInput("measurement", label="glucose", value="0.9", started_on=TODAY),
                 ItemInput("measurement", label="weight", value="62", started_on=TODAY)):
        await add_item(db, dossier=patient.dossier, data=data, actor=PATIENT, today=TODAY)
    profile = await profile_of(db, dossier_id=patient.dossier.id, visible=PATIENT_VIEW)
    bundle = json.loads(summary_bundle(patient=patient.patient, profile=profile, documents=[], document_authors={},
                                       base=ORIGIN, now=datetime(2026, 12, 1, 9, tzinfo=UTC)
                                       ).model_dump_json(exclude_none=True))
    Bundle.model_validate(bundle)
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    sections = {s["code"]["coding"][0]["code"]: s for s in bundle["entry"][0]["resource"]["section"]}
    in_section = {code: [by_url[e["reference"]] for e in s.get("entry", [])] for code, s in sections.items()}
    [glucose] = in_section["30954-2"]
    [weight] = in_section["8716-3"]
    assert glucose["code"]["coding"][0]["code"] == "2339-0" and weight["code"]["coding"][0]["code"] == "29463-7"
    assert glucose["category"][0]["coding"][0]["code"] == "laboratory"
    assert weight["category"][0]["coding"][0]["code"] == "vital-signs"


async def test_an_allergy_of_unknown_severity_is_said_so_never_guessed(db, app, patient):
    """"Je ne sais pas" on the form: the summary says it could not be assessed, and gives no severity."""
    from server.profile.items import ItemInput, add_item
    from tests.test_profile import PATIENT, TODAY

    await add_item(db, dossier=patient.dossier, data=ItemInput("allergy", label="Latex"), actor=PATIENT, today=TODAY)
    profile = await profile_of(db, dossier_id=patient.dossier.id, visible=PATIENT_VIEW)
    bundle = json.loads(summary_bundle(patient=patient.patient, profile=profile, documents=[], document_authors={},
                                       base=ORIGIN, now=datetime(2026, 12, 1, 9, tzinfo=UTC)
                                       ).model_dump_json(exclude_none=True))
    Bundle.model_validate(bundle)
    [allergy] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AllergyIntolerance"]
    assert allergy["criticality"] == "unable-to-assess" and "severity" not in allergy["reaction"][0]


async def test_each_practitioner_is_referenced_by_what_they_wrote(db, app, patient):
    """A document's author is the bundle's Practitioner entry, by reference (and still by RPPS): an entry nothing
    references is one the IPS Composition does not reach (an outside probe found 9 of 10 so)."""
    pro = await new_professional(db, stem=13, profession="médecin")
    document = await add_text_document(db, app, patient.dossier)
    document.author_professional_id = pro.professional.id
    db.add(document)
    await db.commit()
    profile = await profile_of(db, dossier_id=patient.dossier.id, visible=PATIENT_VIEW)
    documents = await all_documents(db, dossier_id=patient.dossier.id, visible=PATIENT_VIEW)
    bundle = json.loads(summary_bundle(
        patient=patient.patient, profile=profile, documents=documents,
        document_authors={pro.professional.id: pro.professional}, base=ORIGIN,
        now=datetime(2026, 12, 1, 9, tzinfo=UTC)).model_dump_json(exclude_none=True))
    [practitioner] = [e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Practitioner"]
    [reference] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DocumentReference"]
    [author] = reference["author"]
    assert author["reference"] == practitioner and author["identifier"]["value"] == f"8{pro.professional.rpps}"


async def test_a_treatment_without_a_start_says_its_date_is_unknown(db, patient):
    """IPS's MedicationStatement wants effective[x] (1..1 in IPS STU1), with the data-absent-reason extension when
    the date is not known: a treatment declared without one had none (an outside probe's find)."""
    from server.profile.items import ItemInput, add_item
    from tests.test_profile import PATIENT, TODAY

    await add_item(db, dossier=patient.dossier, data=ItemInput("treatment", label="Paracétamol 1 g"),
                   actor=PATIENT, today=TODAY)
    profile = await profile_of(db, dossier_id=patient.dossier.id, visible=PATIENT_VIEW)
    bundle = json.loads(summary_bundle(patient=patient.patient, profile=profile, documents=[], document_authors={},
                                       base=ORIGIN, now=datetime(2026, 12, 1, 9, tzinfo=UTC))
                        .model_dump_json(exclude_none=True))
    [statement] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement"]
    assert "effectivePeriod" not in statement
    assert statement["_effectiveDateTime"] == {"extension": [
        {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}]}


async def test_organ_donation_is_said_in_words_and_kept_as_its_code(db, app, patient):
    """The summary (and a health link's page) said "donneur", the stored code; it says the choice, and a copy read
    back gives the same item (an outside probe's find)."""
    from server.export.mapping import item_input
    from server.profile.items import ItemInput, add_item
    from tests.test_profile import PATIENT, TODAY

    await add_item(db, dossier=patient.dossier, data=ItemInput("organ_donation", label="donneur"), actor=PATIENT,
                   today=TODAY)
    profile = await profile_of(db, dossier_id=patient.dossier.id, visible=PATIENT_VIEW)
    bundle = json.loads(summary_bundle(patient=patient.patient, profile=profile, documents=[], document_authors={},
                                       base=ORIGIN, now=datetime(2026, 12, 1, 9, tzinfo=UTC))
                        .model_dump_json(exclude_none=True))
    [choice] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert choice["valueCodeableConcept"]["text"] == "Favorable au don d'organes" and "valueString" not in choice
    assert item_input(choice, {})[0].label == "donneur"
