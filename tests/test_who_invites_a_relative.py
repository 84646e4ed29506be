"""Who may invite a relative, said on the page that lists them (an outside probe's find: Camille, who manages her
father's dossier, found no way to add her brother, and nothing saying why)."""

from __future__ import annotations

from datetime import date

from server.auth.accounts import account_for_patient
from tests.conftest import new_patient, post_form
from tests.caregiver_helpers import as_account, invitation_code, new_caregiver, words_of

SAID = ("C'est Hugo qui invite les proches qui l'aident, depuis son propre compte (« Accès », puis « Mes proches ») : "
        "un proche, même s'il gère le dossier, ne peut pas en inviter un autre.")


async def test_a_relative_who_manages_is_told_only_the_patient_invites_and_what_carnet_offers_when_he_cannot(
        client, db, app):
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1948, 5, 2), serial=41, sex="M")
    await as_account(client, db, await account_for_patient(db, patient=hugo.patient))
    proches = f"/dossiers/{hugo.dossier.id}/proches"
    code = await invitation_code(client, hugo.dossier.id, level="gestion")
    async with new_caregiver(app, code, given="Camille", family="Lefèvre") as camille:
        page = words_of(await camille.get(proches)).replace("\u00a0", " ")
        refused = await post_form(camille, f"{proches}/invitations", {"niveau": "gestion", "duree": "sans"})
    assert "Inviter un autre proche" in page and SAID in page
    assert ("un code de secours, ou un nouveau code d'activation demandé à sa caisse d'assurance maladie ou à son "
            "pharmacien, lui rend son compte") in page
    assert "si Hugo ne peut plus décider de le faire, Carnet ne permet pas d'ajouter un autre proche à son dossier" in page
    assert "Créer l'invitation" not in page and refused.status_code == 404  # as before: hers to make, never his
    own = words_of(await client.get(proches))  # Hugo's own page invites, and needs no such word
    assert "Créer l'invitation" in own and "Inviter un autre proche" not in own
