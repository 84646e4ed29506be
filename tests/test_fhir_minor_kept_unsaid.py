"""A minor's document pushed without a confidentiality label by a professional whose care in her dossier is kept from
her parents is kept from them too, as the web form starts for that professional, and the software is told; a label
N says otherwise and is obeyed. Her Historique says which software filed a document kept from her parents."""

from __future__ import annotations

from sqlmodel import select

from server.auth.accounts import account_for_patient
from server.models import Document
from tests.caregiver_helpers import as_account
from tests.fhir_support import as_bundle, provide_bundle, report_pdf
from tests.test_fhir_api import CONFIDENTIALITY, practice, push  # noqa: F401 - `practice` is a fixture
from tests.test_fhir_push_checks import minor_granted

V = {"system": CONFIDENTIALITY, "code": "V"}
N = {"system": CONFIDENTIALITY, "code": "N"}


def labelled(ines, title: str, *labels: dict) -> dict:
    bundle = provide_bundle(ines.patient.ins, title=title, data=report_pdf(title))
    if labels:
        bundle["entry"][1]["resource"]["securityLabel"] = [{"coding": list(labels)}]
    return bundle


async def kept(db, ines) -> dict[str, bool]:
    await db.commit()
    documents = (await db.exec(select(Document).where(Document.dossier_id == ines.dossier.id))).all()
    return {d.title: d.hidden_from_representatives for d in documents}


async def test_unlabelled_after_a_document_kept_from_the_parents_is_kept_too_and_the_software_told(client, db,
                                                                                                  practice):
    ines = await minor_granted(client, db, practice)
    assert (await push(client, practice, labelled(ines, "Consultation contraception", V))).status_code == 200
    answer = await push(client, practice, labelled(ines, "Certificat de sport"))
    assert answer.status_code == 200, answer.text
    [note] = as_bundle(answer).entry[1].response.outcome.issue
    assert note.severity == "information" and "tenu secret envers les parents" in note.diagnostics
    assert "envoyez-le avec l'étiquette N" in note.diagnostics
    timeline = await client.get(f"/dossiers/{ines.dossier.id}")  # her mother's
    assert "Certificat de sport" not in timeline.text and "Claire Bernard" not in timeline.text
    said = await push(client, practice, labelled(ines, "Certificat de natation", N))
    assert said.status_code == 200 and as_bundle(said).entry[1].response.outcome is None
    assert await kept(db, ines) == {"Consultation contraception": True, "Certificat de sport": True,
                                    "Certificat de natation": False}


async def test_unlabelled_from_a_professional_the_parents_may_see_is_theirs_to_read(client, db, practice):
    ines = await minor_granted(client, db, practice)
    answer = await push(client, practice, labelled(ines, "Certificat de sport"))
    assert answer.status_code == 200 and as_bundle(answer).entry[1].response.outcome is None
    assert await kept(db, ines) == {"Certificat de sport": False}


async def test_her_historique_names_the_software_that_filed_what_is_kept_from_her_parents(client, db, practice):
    ines = await minor_granted(client, db, practice)
    assert (await push(client, practice, labelled(ines, "Consultation contraception", V))).status_code == 200
    await as_account(client, db, await account_for_patient(db, patient=ines.patient))
    log = (await client.get(f"/dossiers/{ines.dossier.id}/historique")).text
    assert "a ajouté «\u00a0Consultation contraception\u00a0» à votre dossier" in log
    assert "via le logiciel «\u00a0Logiciel du cabinet\u00a0»" in log


async def test_a_correction_sent_without_v_is_kept_as_the_version_it_replaces_and_the_software_told(client, db,
                                                                                                     practice):
    """Kept as the earlier version was (README: a correction carries the earlier one's keeping); the probe's other
    find: the software was not told, and its record then disagreed with Carnet's about who reads the correction."""
    ines = await minor_granted(client, db, practice)
    first = as_bundle(await push(client, practice, labelled(ines, "Consultation contraception", V)))
    correction = labelled(ines, "Consultation contraception (corrigée)")
    correction["entry"][1]["resource"]["relatesTo"] = [{"code": "replaces", "target": {
        "reference": first.entry[1].response.location}}]
    answer = await push(client, practice, correction)
    assert answer.status_code == 200, answer.text
    [note] = as_bundle(answer).entry[1].response.outcome.issue
    assert note.diagnostics.endswith("(étiquette V), comme la version qu'il remplace.")


async def test_an_unlabelled_correction_of_a_document_the_parents_read_stays_theirs(client, db, practice):
    """A probe's find in this default: the correction of an N report, sent unlabelled by a professional whose care is
    kept from the parents, was kept, and kept the report itself from them too, which they had read."""
    ines = await minor_granted(client, db, practice)
    assert (await push(client, practice, labelled(ines, "Consultation contraception", V))).status_code == 200
    shown = as_bundle(await push(client, practice, labelled(ines, "Certificat de sport", N)))
    correction = labelled(ines, "Certificat de sport (corrigé)")
    correction["entry"][1]["resource"]["relatesTo"] = [{"code": "replaces", "target": {
        "reference": shown.entry[1].response.location}}]
    answer = await push(client, practice, correction)
    assert answer.status_code == 200 and as_bundle(answer).entry[1].response.outcome is None, answer.text
    assert await kept(db, ines) == {"Consultation contraception": True, "Certificat de sport": False,
                                    "Certificat de sport (corrigé)": False}
