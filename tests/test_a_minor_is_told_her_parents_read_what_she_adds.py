"""A minor who adds a note or a line of her profile herself is told, before, that her parents read it: unlike what a
professional keeps from them at her request (CSP L1111-5), what she adds reaches them (an outside probe's find: a
teenager's note went to her parents, and her form spoke of professionals only)."""

from __future__ import annotations

import html

from server.auth.accounts import account_for_patient
from tests.conftest import AsyncTestClient, ORIGIN, new_patient
from tests.caregiver_helpers import as_account, years_ago
from tests.test_export_for_parents import attached_by_mother

TOLD = "Vos parents, qui ont accès à votre dossier, pourront aussi le lire"


def said(response) -> str:
    assert response.status_code == 200, response.text
    return html.unescape(response.text).replace("\u00a0", " ")


async def test_a_minor_is_told_her_parents_read_her_note_and_her_profile_and_no_one_else_is(client, db, app):
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(15), serial=6)
    await attached_by_mother(client, db, ines, serial=5)
    forms = (f"/dossiers/{ines.dossier.id}/ajouter", f"/dossiers/{ines.dossier.id}/profil/ajouter",
             f"/dossiers/{ines.dossier.id}/profil/ajouter?type=treatment")
    for form in forms:  # her mother, on the same forms of her daughter's dossier: nothing to tell her
        assert TOLD not in said(await client.get(form))
    async with AsyncTestClient(app, base_url=ORIGIN) as hers:
        await as_account(hers, db, await account_for_patient(db, patient=ines.patient))
        for form in forms:
            assert TOLD in said(await hers.get(form)), form
        assert "article L1111-5" in said(await hers.get(forms[0]))
    adult = await new_patient(db, given_name="Paul", family_name="Martin", birth=years_ago(40), serial=7)
    async with AsyncTestClient(app, base_url=ORIGIN) as his:
        await as_account(his, db, await account_for_patient(db, patient=adult.patient))
        for form in (f"/dossiers/{adult.dossier.id}/ajouter", f"/dossiers/{adult.dossier.id}/profil/ajouter"):
            assert TOLD not in said(await his.get(form))
