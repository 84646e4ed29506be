"""What hiding leaves readable is said whole (an outside probe's find: a patient hid her psychiatrist's report so that
the relative who helps with her dossier would not read it, and was told "seuls le médecin traitant et l'auteur du
document peuvent encore le lire", while that relative still read it: DESIGN.md's rule lets every active caregiver
read what is hidden from professionals)."""

from __future__ import annotations

import html
import re

from tests.conftest import activate, add_text_document, post_form
from tests.caregiver_helpers import invitation_code, new_caregiver

TITLE = "Compte rendu de consultation psychiatrique"


async def test_hiding_says_that_her_relatives_still_read_it_and_they_do(client, db, app, patient):
    document = await add_text_document(db, app, patient.dossier, title=TITLE)
    await activate(client, patient)
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    hidden = await post_form(client, f"/documents/{document.id}/masquage", {"masque": "oui"})
    page = html.unescape(hidden.text)
    assert ("seuls le médecin traitant, l'auteur du document et les proches qui ont accès au dossier peuvent encore "
            "le lire.") in page
    listed = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/masques")).text)
    assert "le médecin traitant, l'auteur d'un document et les proches qui ont accès au dossier le voient encore" in listed
    async with new_caregiver(app, code) as relative:
        read = await relative.get(f"/documents/{document.id}")
        assert read.status_code == 200 and TITLE in html.unescape(read.text)  # what the page says is so


async def test_hiding_says_who_still_reads_it_once_next_to_the_button_as_what_the_action_did(client, db, app,
                                                                                              patient):
    """A second probe's find: the page said it twice, "Ce document est masqué aux professionnels (sauf pour le
    médecin traitant, pour son auteur et pour les proches…)" at its top and "Masqué aux professionnels : seuls le
    médecin traitant, l'auteur du document et les proches… peuvent encore le lire." by the button."""
    document = await add_text_document(db, app, patient.dossier, title=TITLE)
    await activate(client, patient)
    page = html.unescape((await post_form(client, f"/documents/{document.id}/masquage", {"masque": "oui"})).text)
    assert page.count("médecin traitant") == 1 and "sauf pour le médecin traitant" not in page
    # What the action did, the one message the page focuses (carnet.js): that sentence, by the button.
    [done] = re.findall(r'<[^>]* role="status" data-done>([^<]*)', page)
    assert done.startswith("Masqué aux professionnels : seuls le médecin traitant, l'auteur du document et les ")
    later = html.unescape((await client.get(f"/documents/{document.id}")).text)  # said again, not as news
    assert "peuvent encore le lire" in later and "data-done" not in later


async def test_hiding_a_report_says_that_the_care_it_reports_still_shows_until_hidden_too(client, db, app, patient):
    """Her psychiatrist's report hidden, "Consultation psychiatre · Dr Nicolas Dubois" still showed on Soins to her
    pharmacist and to an emergency doctor, and the document's page said only that the profile is hidden apart."""
    from tests.test_care_hidden import camilles_care, hide

    lines = await camilles_care(db, patient)
    document = await add_text_document(db, app, patient.dossier, title=TITLE)
    await activate(client, patient)
    care = f'<a href="/dossiers/{patient.dossier.id}/soins">dans les soins</a>'
    page = html.unescape((await post_form(client, f"/documents/{document.id}/masquage", {"masque": "oui"})).text)
    assert ("L'historique de soins n'est pas masqué pour autant : une consultation ou un médicament remboursés se "
            f"masquent à part, {care}.") in page
    for line in lines.values():
        assert (await post_form(client, hide(patient.dossier.id, line), {"masque": "oui"})).status_code == 200
    assert care not in html.unescape((await client.get(f"/documents/{document.id}")).text)  # nothing left to hide
