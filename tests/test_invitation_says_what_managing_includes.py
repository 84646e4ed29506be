"""The invitation's "gestion" level says what it lets a relative do that cannot be undone (an outside probe's find:
it said only "Gérer votre dossier pour vous (sauf vos clés d'accès)", and the relative invited so could then delete
a professional's report for good, the deletion page saying "définitif")."""

from __future__ import annotations

from tests.conftest import activate, add_text_document, post_form
from tests.caregiver_helpers import invitation_code, new_caregiver, words_of

MANAGING = ("Gérer votre dossier pour vous (sauf vos clés d'accès), y compris masquer des documents ou les effacer "
            "pour de bon")


async def test_inviting_a_relative_to_manage_says_it_includes_deleting_documents_for_good_which_it_does(
        client, db, app, patient):
    report = await add_text_document(db, app, patient.dossier, title="Compte rendu de cardiologie")
    await activate(client, patient)
    form = words_of(await client.get(f"/dossiers/{patient.dossier.id}/proches"))
    assert MANAGING in form and "Lire seulement votre dossier" in form  # each level in a line of its own
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with new_caregiver(app, code) as relative:
        asked = words_of(await relative.get(f"/documents/{report.id}/suppression"))
        deleted = await post_form(relative, f"/documents/{report.id}/suppression", {})
    assert "définitif : il ne pourra pas être récupéré" in asked.replace("\u00a0", " ")
    assert deleted.status_code == 200 and "Le document a été supprimé" in words_of(deleted)
