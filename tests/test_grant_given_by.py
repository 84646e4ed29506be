"""A grant a relative gave says who gave it, by name: a minor's access page said "Par un parent." whichever of her
two parents it was (a probe's find). Grants given before migration 0064 keep the words they had."""

from __future__ import annotations

import html
import re

from sqlalchemy import update

from server.access import grants
from server.accesslog.audit import Actor
from server.auth.accounts import account_for_patient
from server.models import Grant
from tests.conftest import new_patient, new_professional, post_form
from tests.caregiver_helpers import as_account, invitation_code, new_caregiver, years_ago
from tests.test_export_for_parents import attached_by_mother


def said(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


async def test_a_parents_grant_names_the_parent_and_a_caregivers_the_caregiver(client, db, app, patient):
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=years_ago(12), serial=7, sex="M")
    await attached_by_mother(client, db, leo, serial=8)
    kine = (await new_professional(db, given_name="Léa", family_name="Fontaine", stem=61, feminine=True)).professional
    about = f"/dossiers/{leo.dossier.id}/professionnels/{kine.id}"
    assert (await post_form(client, f"{about}/acces", {"portee": "tout", "duree": "1m"},
                            follow_redirects=False)).status_code == 303
    for page in (f"/dossiers/{leo.dossier.id}/acces", about):
        assert "Par Camille Martin, parent." in said(await client.get(page)), page

    # Before migration 0064 a grant kept no name: it says what it said.
    await db.exec(update(Grant).where(Grant.dossier_id == leo.dossier.id).values(given_by_name=""))
    await db.commit()
    assert "Par un parent." in said(await client.get(f"/dossiers/{leo.dossier.id}/acces"))

    # A caregiver who manages an adult's dossier.
    await as_account(client, db, await account_for_patient(db, patient=patient.patient))
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with new_caregiver(app, code, given="Hugo", family="Martin") as hugo:
        about = f"/dossiers/{patient.dossier.id}/professionnels/{kine.id}"
        assert (await post_form(hugo, f"{about}/acces", {"portee": "tout", "duree": "1m"},
                                follow_redirects=False)).status_code == 303
    assert "Par Hugo Martin, proche qui gère ce dossier." in said(await client.get(f"/dossiers/{patient.dossier.id}/acces"))
    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    assert "By Hugo Martin, a relative who manages this record." in said(
        await client.get(f"/dossiers/{patient.dossier.id}/acces"))


async def test_the_patients_own_grant_names_no_one(client, db, patient):
    kine = (await new_professional(db, stem=62)).professional
    given = await grants.grant_access(db, dossier=patient.dossier, professional=kine, categories="", duration="1m",
                                      actor=Actor(None, "patient", "Camille Martin"))
    assert given.given_by_name == ""
