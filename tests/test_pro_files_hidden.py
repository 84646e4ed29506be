"""A professional files a document hidden from the other professionals, at the patient's request (an outside probe's
find: a psychiatrist's report was listed, with its title and a "nouveau document" badge, to the patient's pharmacist
and to an emergency doctor until the patient came to hide it herself). Hidden as it is filed, it is never shown to
those the rule keeps hidden documents from; the patient, the author and the médecin traitant read it."""

from __future__ import annotations

import html

import pytest

from server.access import grants
from server.access.medecin_traitant import set_medecin_traitant
from tests.conftest import ORIGIN, AsyncTestClient, activate, activate_professional, get_csrf, new_professional, post_form
from tests.test_patient_documents import emergency
from tests.test_professional_documents import PATIENT, pdf_bytes

TITLE = "Compte rendu de consultation psychiatrique"


@pytest.fixture
async def browsers(app):
    async with AsyncTestClient(app, base_url=ORIGIN) as psychiatrist, AsyncTestClient(app, base_url=ORIGIN) as pharmacist, \
            AsyncTestClient(app, base_url=ORIGIN) as urgentist, AsyncTestClient(app, base_url=ORIGIN) as doctor:
        yield psychiatrist, pharmacist, urgentist, doctor


async def care_team(db, patient, browsers):
    """Her psychiatrist and her pharmacist, each granted every category; an emergency doctor; her médecin traitant."""
    psychiatrist, pharmacist, urgentist, doctor = browsers
    people = [await new_professional(db, stem=2, given_name="Irène", family_name="Lacan", profession="médecin",
                                     feminine=True),
              await new_professional(db, stem=3, given_name="Paul", family_name="Durand", profession="pharmacien"),
              await new_professional(db, stem=4, given_name="Anne", family_name="Roux", profession="médecin"),
              await new_professional(db, stem=5, given_name="Claire", family_name="Bernard", profession="médecin")]
    for person in people[:2]:
        await grants.grant_access(db, dossier=patient.dossier, professional=person.professional, categories="",
                                  duration="sans", actor=PATIENT)
    await emergency(db, patient.dossier, people[2].professional)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=people[3].professional, actor=PATIENT)
    for browser, person in zip(browsers, people, strict=True):
        await activate_professional(browser, person)
        assert (await browser.get(f"/dossiers/{patient.dossier.id}")).status_code == 200  # a visit before it is filed


async def file_report(browser, dossier_id: str, *, hidden: bool, note: bool = False) -> str:
    fields = {"title": TITLE, "category": "compte_rendu", "event_date": "2025-02-03",
              "_csrf_token": await get_csrf(browser)}
    if hidden:
        fields["masquer"] = "oui"
    if note:
        fields["note"] = "Suivi d'une addiction aux opiacés ; traitement de substitution poursuivi."
        sent = await browser.post(f"/dossiers/{dossier_id}/documents/nouvelle-note", data=fields,
                                  follow_redirects=False)
    else:
        sent = await browser.post(f"/dossiers/{dossier_id}/documents/nouveau", data=fields,
                                  files={"file": ("cr.pdf", pdf_bytes("Addiction aux opiaces"), "application/pdf")},
                                  follow_redirects=False)
    assert sent.status_code == 303, sent.text
    return sent.headers["location"].split("?")[0]


@pytest.mark.parametrize("note", [False, True], ids=["file", "note"])
async def test_a_report_filed_hidden_is_never_shown_to_the_other_professionals(client, db, patient, browsers, note):
    psychiatrist, pharmacist, urgentist, doctor = browsers
    await care_team(db, patient, browsers)
    dossier_id = patient.dossier.id
    form = html.unescape((await psychiatrist.get(f"/dossiers/{dossier_id}/documents/"
                                                 f"{'nouvelle-note' if note else 'nouveau'}")).text)
    assert 'name="masquer" value="oui"' in form and "Masquer aux autres soignants" in form
    assert "ni ceux qui ouvriraient son dossier en urgence ne le verront" in form
    address = await file_report(psychiatrist, dossier_id, hidden=True, note=note)

    for other in (pharmacist, urgentist):
        timeline = html.unescape((await other.get(f"/dossiers/{dossier_id}")).text)
        assert TITLE not in timeline and "Aucun document pour l'instant." in timeline
        assert "nouveau document" not in (await other.get("/pro")).text  # nor counted as new
        assert (await other.get(address)).status_code == 404
        found = await post_form(other, f"/dossiers/{dossier_id}/recherche", {"q": "psychiatrique"})
        assert "Aucun document ne correspond." in html.unescape(found.text)
    for reader in (psychiatrist, doctor):  # its author, her médecin traitant: masked from the others, not from them
        read = html.unescape((await reader.get(address)).text)
        assert TITLE in read and "Masqué aux autres professionnels" in read and "Masqué aux professionnels" not in read
    assert "1 nouveau document" in (await doctor.get("/pro")).text

    await activate(client, patient)
    page = html.unescape((await client.get(address)).text)
    assert "Masqué aux professionnels" in page and "Ne plus masquer" in page
    log = html.unescape((await client.get(f"/dossiers/{dossier_id}/historique")).text)
    assert f"Irène Lacan, médecin, a masqué «\u00a0{TITLE}\u00a0» aux professionnels" in log
    # She shows it again: then it is the pharmacist's, as any document of his grant.
    assert (await post_form(client, f"{address}/masquage", {"masque": "non"})).status_code == 200
    assert TITLE in html.unescape((await pharmacist.get(f"/dossiers/{dossier_id}")).text)


async def test_a_report_filed_without_the_box_is_read_by_the_grants(client, db, patient, browsers):
    psychiatrist, pharmacist, urgentist, doctor = browsers
    await care_team(db, patient, browsers)
    address = await file_report(psychiatrist, patient.dossier.id, hidden=False)
    for other in (pharmacist, urgentist):
        assert TITLE in html.unescape((await other.get(address)).text)
    assert "1 nouveau document" in (await pharmacist.get("/pro")).text


async def test_the_box_hides_nothing_from_the_patient_side_or_from_a_professional_who_may_not_write(client, db, patient,
                                                                                                    browsers):
    """Only a professional who may write to the dossier files anything, hidden or not: the box opens nothing."""
    psychiatrist, pharmacist, urgentist, doctor = browsers
    stranger = await new_professional(db, stem=6, given_name="Marc", family_name="Petit", profession="médecin")
    await activate_professional(psychiatrist, stranger)
    fields = {"title": TITLE, "category": "compte_rendu", "event_date": "2025-02-03", "masquer": "oui",
              "_csrf_token": await get_csrf(psychiatrist)}
    refused = await psychiatrist.post(f"/dossiers/{patient.dossier.id}/documents/nouveau", data=fields,
                                      files={"file": ("cr.pdf", pdf_bytes("x"), "application/pdf")})
    assert refused.status_code == 404


async def test_a_treatment_declared_hidden_is_never_shown_to_the_other_professionals(client, db, patient, browsers):
    """The same box on the profil médical: her substitution treatment, declared by her psychiatrist, never reaches
    the profile card her pharmacist or an emergency doctor reads."""
    psychiatrist, pharmacist, urgentist, doctor = browsers
    await care_team(db, patient, browsers)
    dossier_id = patient.dossier.id
    address = f"/dossiers/{dossier_id}/profil/ajouter?type=treatment"
    form = html.unescape((await psychiatrist.get(address)).text)
    assert 'name="masquer" value="oui"' in form and "Masquer aux autres soignants" in form
    added = await post_form(psychiatrist, address, {"label": "Buprénorphine 8 mg", "detail": "1 comprimé par jour",
                                                    "masquer": "oui"}, follow_redirects=False)
    assert added.status_code == 303, added.text
    for other in (pharmacist, urgentist):
        for page in (f"/dossiers/{dossier_id}", f"/dossiers/{dossier_id}/profil"):
            assert "Buprénorphine" not in html.unescape((await other.get(page)).text)
    for reader in (psychiatrist, doctor):
        assert "Buprénorphine 8 mg" in html.unescape((await reader.get(f"/dossiers/{dossier_id}/profil")).text)

    await activate(client, patient)
    listed = html.unescape((await client.get(f"/dossiers/{dossier_id}/masques")).text)
    assert "Le traitement «\u00a0Buprénorphine 8 mg\u00a0»" in listed
    log = html.unescape((await client.get(f"/dossiers/{dossier_id}/historique")).text)
    assert "Irène Lacan, médecin, a masqué" in log and "du profil médical aux professionnels" in log


async def test_the_patients_own_form_neither_offers_the_box_nor_obeys_it(client, db, app, patient):
    """Hiding as one declares is a professional's: the patient's side hides from the profile's own page."""
    await activate(client, patient)
    address = f"/dossiers/{patient.dossier.id}/profil/ajouter?type=treatment"
    assert 'name="masquer"' not in (await client.get(address)).text
    added = await post_form(client, address, {"label": "Paracétamol 1 g", "masquer": "oui"}, follow_redirects=False)
    assert added.status_code == 303
    listed = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/masques")).text)
    assert "Paracétamol" not in listed
