"""A document or a line masked from professionals is said alike on every page, as what it is to each reader: "Masqué
aux professionnels" to the patient, "Masqué aux autres professionnels" to a professional who reads it all the same
(its author, her médecin traitant) and in the patient's "voir comme" of one (an outside probe's finds: the timeline,
its printout, search, "voir comme" and the author's own list said a bare "Masqué"; the médecin traitant's first
screen did not mark a hidden allergy or treatment at all)."""

from __future__ import annotations

import re

from server.access import grants
from server.access.medecin_traitant import set_medecin_traitant
from server.profile.items import add_item, set_item_hidden
from tests.conftest import activate, activate_professional, new_professional, post_form
from tests.test_pro_files_hidden import TITLE, browsers, file_report  # noqa: F401  (a fixture)
from tests.test_professional_documents import PATIENT
from tests.test_profile import SAMPLES, TODAY

OTHERS, ALL = "Masqué aux autres professionnels", "Masqué aux professionnels"


def badges(page) -> list[str]:
    return re.findall(r'<span class="badge hidden-doc">([^<]*)</span>', page.text)


def card(page) -> str:
    found = re.search(r'<section class="card profile-card".*?</section>', page.text, re.S)
    return found.group(0) if found else ""


async def author_and_doctor(db, patient, browsers):
    """Her psychiatrist, granted every category, who files a report hidden from the others; her médecin traitant."""
    psychiatrist, _pharmacist, _urgentist, doctor = browsers
    author = await new_professional(db, stem=2, given_name="Irène", family_name="Lacan", profession="médecin",
                                    feminine=True)
    medecin = await new_professional(db, stem=5, given_name="Claire", family_name="Bernard", profession="médecin")
    await grants.grant_access(db, dossier=patient.dossier, professional=author.professional, categories="",
                              duration="sans", actor=PATIENT)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=medecin.professional, actor=PATIENT)
    await activate_professional(psychiatrist, author)
    await activate_professional(doctor, medecin)
    return author.professional, medecin.professional


async def test_a_hidden_document_is_said_alike_on_the_timeline_its_search_its_printout_and_see_as(client, db, patient,
                                                                                                   browsers):
    psychiatrist, _pharmacist, _urgentist, doctor = browsers
    author, medecin = await author_and_doctor(db, patient, browsers)
    dossier = f"/dossiers/{patient.dossier.id}"
    await file_report(psychiatrist, patient.dossier.id, hidden=True)

    for reader in (doctor, psychiatrist):  # her médecin traitant, its author: the others do not read it
        assert badges(await reader.get(dossier)) == [OTHERS]
        assert badges(await post_form(reader, f"{dossier}/recherche", {"q": "psychiatrique"})) == [OTHERS]
    # The author's own list, "Ce que vous avez ajouté au dossier".
    assert badges(await psychiatrist.get(f"/pro/dossiers/{patient.dossier.id}/mes-documents")) == [OTHERS]

    await activate(client, patient)
    assert badges(await client.get(dossier)) == [ALL]
    assert badges(await post_form(client, f"{dossier}/recherche", {"q": "psychiatrique"})) == [ALL]
    assert badges(await client.get(f"{dossier}/imprimer")) == [ALL]
    for professional in (medecin, author):  # as each of them reads it
        assert badges(await client.get(f"{dossier}/voir-comme/{professional.id}")) == [OTHERS]


async def test_the_medecin_traitants_first_screen_marks_a_hidden_allergy_and_treatment(client, db, patient, browsers):
    _psychiatrist, _pharmacist, _urgentist, doctor = browsers
    author, medecin = await author_and_doctor(db, patient, browsers)
    for kind in ("allergy", "treatment"):
        item = await add_item(db, dossier=patient.dossier, data=SAMPLES[kind], actor=PATIENT, today=TODAY)
        await set_item_hidden(db, item=item, hidden=True, actor=PATIENT)
    dossier = f"/dossiers/{patient.dossier.id}"
    first = card(await doctor.get(dossier))
    assert "Pénicilline" in first and "Apixaban 5 mg" in first
    assert first.count(f'<span class="badge hidden-doc">{OTHERS}</span>') == 2  # as on her profile page
    await activate(client, patient)
    seen = card(await client.get(f"{dossier}/voir-comme/{medecin.id}"))
    assert seen.count(f'<span class="badge hidden-doc">{OTHERS}</span>') == 2
