""""Mes clés d'accès" says what the keys open to whoever reads it: a patient's, her dossier (as before); a
professional's, or a relative's who has no dossier here, their account: "votre dossier" was said to Dr Bernard, who
has none (an outside probe's find). So does the page of a new activation's recovery codes, which names the keys it
removed."""

from __future__ import annotations

import html
import re

from server.auth.accounts import issue_activation_code
from server.models import Account
from tests.conftest import ORIGIN, AsyncTestClient, activate, activate_professional, new_professional
from tests.caregiver_helpers import as_account

ACCOUNT = ("Chaque appareil qui peut ouvrir votre compte a sa clé d'accès.",
           "afin de toujours pouvoir ouvrir votre compte.")


def said(page) -> str:
    """The page's own words (its main part: the foot names Carnet "votre dossier médical partagé" to all but a professional)."""
    main = page.text.split("<main")[1].split("</main>")[0]
    return re.sub(r"[ \t\n]+", " ", html.unescape(main))


async def test_a_professionals_keys_open_her_account(client, db):
    await activate_professional(client, await new_professional(db, given_name="Claire", family_name="Bernard",
                                                               profession="médecin", feminine=True))
    page = said(await client.get("/cles"))
    assert all(sentence in page for sentence in ACCOUNT) and "votre dossier" not in page


async def test_a_relatives_keys_without_a_dossier_of_her_own_open_her_account(client, db):
    relative = Account(display_name="Paul Martin")
    db.add(relative)
    await db.commit()
    await as_account(client, db, relative)
    page = said(await client.get("/cles"))
    assert ACCOUNT[0] in page and "votre dossier" not in page


async def test_a_patients_keys_still_open_her_dossier(client, db, patient):
    await activate(client, patient)
    page = said(await client.get("/cles"))
    assert "Chaque appareil qui peut ouvrir votre dossier a sa clé d'accès." in page
    assert "afin de toujours pouvoir ouvrir votre dossier." in page and "votre compte a sa clé" not in page


async def test_a_professionals_new_activation_says_her_account_is_hers_alone(app, client, db):
    doctor = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin",
                                    feminine=True)
    await activate_professional(client, doctor)
    again = type(doctor)(doctor.professional, await issue_activation_code(db, professional=doctor.professional,
                                                                          issued_by="test"), doctor.rpps)
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await activate_professional(desk, again)
        page = said(await desk.get("/activer/codes"))
    assert "Seule la clé d'accès que vous venez de créer ouvre désormais votre compte." in page
    assert "«\u00a0Cabinet\u00a0», ajoutée le" in page  # the key it removed
    assert "votre dossier" not in page and "votre Historique" not in page
