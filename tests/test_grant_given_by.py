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
    # Said of when he gave it: true still once he has left (test_a_grant_outlives_the_relative_who_gave_it).
    assert "Par Hugo Martin, proche qui gérait alors ce dossier." in said(
        await client.get(f"/dossiers/{patient.dossier.id}/acces"))
    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    assert "By Hugo Martin, a relative who managed this record at the time." in said(
        await client.get(f"/dossiers/{patient.dossier.id}/acces"))


async def test_the_patients_own_grant_names_no_one(client, db, patient):
    kine = (await new_professional(db, stem=62)).professional
    given = await grants.grant_access(db, dossier=patient.dossier, professional=kine, categories="", duration="1m",
                                      actor=Actor(None, "patient", "Camille Martin"))
    assert given.given_by_name == ""


async def test_a_grant_outlives_the_relative_who_gave_it_and_says_so(client, db, app):
    """Camille, managing her father's dossier, gives Léa access, then leaves it: Hugo's Accès went on saying "Par
    Camille Martin, proche qui gère ce dossier." and Léa's banner "Accès accordé par un proche qui gère ce dossier",
    while his "Mes proches" said no one helped (an outside tester's find). Said of when it was given, true after; and
    her confirmation before leaving says that what she gave stays."""
    from datetime import date

    from server.auth.accounts import account_for_professional

    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1948, 5, 2), serial=33, sex="M")
    lea = (await new_professional(db, given_name="Léa", family_name="Fontaine", stem=63, feminine=True)).professional
    await as_account(client, db, await account_for_patient(db, patient=hugo.patient))
    code = await invitation_code(client, hugo.dossier.id, level="gestion")
    async with new_caregiver(app, code, given="Camille", family="Martin") as camille:
        assert (await post_form(camille, f"/dossiers/{hugo.dossier.id}/professionnels/{lea.id}/acces",
                                {"portee": "tout", "duree": "sans"}, follow_redirects=False)).status_code == 303
        confirm = html.unescape(re.search(r'action="/dossiers/[0-9a-f]+/quitter"[^>]*data-confirm="([^"]*)"',
                                          (await camille.get("/mes-dossiers")).text, re.S).group(1))
        assert ("Quitter le dossier d'Hugo Lefèvre ? Hugo en sera informé. Les accès que vous avez pu accorder à des "
                "professionnels restent en place : c'est désormais à lui d'en décider.") in confirm
        assert (await post_form(camille, f"/dossiers/{hugo.dossier.id}/quitter", {},
                                follow_redirects=False)).status_code == 303
    proches = said(await client.get(f"/dossiers/{hugo.dossier.id}/proches"))
    assert "Camille Martin" not in proches  # no one helps him now
    for page in (f"/dossiers/{hugo.dossier.id}/acces", f"/dossiers/{hugo.dossier.id}/professionnels/{lea.id}"):
        words = said(await client.get(page))
        assert "Par Camille Martin, proche qui gérait alors ce dossier." in words, page
        assert "qui gère ce dossier" not in words, page
    await as_account(client, db, await account_for_professional(db, professional=lea))
    banner = said(await client.get(f"/dossiers/{hugo.dossier.id}"))
    assert "Accès accordé par un proche qui gérait alors ce dossier : tous les documents, sans date de fin." in banner
    assert "qui gère ce dossier" not in banner
