"""Closing a dossier, and its relatives: the patient is told that those who follow it keep reading it (and a manager
may reopen it), the closing is said once done, and no invitation is made that no one could accept (an outside probe:
a relative learnt only at the last step, under "Créer ma clé d'accès", that the dossier was closed)."""

from __future__ import annotations

from sqlmodel import select

from server.models import CaregiverInvitation
from tests.caregiver_helpers import camille  # noqa: F401 - a fixture
from tests.caregiver_helpers import invitation_code, new_caregiver, words_of
from tests.conftest import ORIGIN, AsyncTestClient, post_form


async def test_closing_says_who_keeps_reading_then_that_it_is_closed(client, db, app, patient, camille):
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with new_caregiver(app, code):
        pass
    base = f"/dossiers/{patient.dossier.id}"
    asked = words_of(await client.get(f"{base}/fermeture"))
    assert "les proches qui suivent ce dossier le lisent toujours (" in asked
    assert "et ceux qui le gèrent peuvent le rouvrir" in asked
    closed = await post_form(client, f"{base}/fermeture", {}, follow_redirects=False)
    assert closed.status_code == 303 and closed.headers["location"].endswith("fait=dossier-ferme")
    told = await client.get(closed.headers["location"])
    assert 'role="status"' in told.text or 'role="alert"' in told.text
    # Said once done; what closing does, the page says itself (not twice: test_patient_rights.py)
    assert "Le dossier est fermé : vous pouvez le rouvrir à tout moment, ci-dessous." in words_of(told)


async def test_without_relatives_closing_names_none(client, db, app, patient, camille):
    asked = words_of(await client.get(f"/dossiers/{patient.dossier.id}/fermeture"))
    assert "proches qui suivent" not in asked


async def test_a_closed_dossier_offers_no_invitation_and_makes_none(client, db, app, patient, camille):
    base = f"/dossiers/{patient.dossier.id}"
    assert (await post_form(client, f"{base}/fermeture", {}, follow_redirects=False)).status_code == 303
    page = await client.get(f"{base}/proches")
    said = words_of(page)
    assert "Ce dossier est fermé : une invitation ne pourrait pas être acceptée." in said
    assert "Créer l'invitation" not in said and f'href="{base}/acces"' in page.text
    refused = await post_form(client, f"{base}/proches/invitations", {"niveau": "lecture", "duree": "sans"},
                              follow_redirects=False)
    assert refused.status_code == 400 and "Rouvrez-le d'abord" in words_of(refused)
    await db.commit()
    assert (await db.exec(select(CaregiverInvitation))).all() == []


async def test_a_minor_closing_her_dossier_is_not_told_to_remove_her_parents(client, db, app):
    """The probe of this stop's changes: a minor was told to remove her parents from "Proches", which she cannot."""
    from server.auth.accounts import account_for_patient
    from tests.caregiver_helpers import as_account
    from tests.test_minors_secret_sharing import minor_and_mother

    ines, _ = await minor_and_mother(client, db)
    await as_account(client, db, await account_for_patient(db, patient=ines.patient))
    asked = words_of(await client.get(f"/dossiers/{ines.dossier.id}/fermeture"))
    assert "les proches qui suivent ce dossier le lisent toujours" in asked and "retirez-les" not in asked


async def test_a_share_codes_page_left_open_by_a_relative_made_a_reader_says_so(client, db, app, patient, camille):
    """An outside probe (a caregiver): her share code's page, left open, became a bare "Page introuvable" once her
    father made her a reader; the dossier's own pages say she may read it, not manage it."""
    from server.models import Delegation
    from tests.caregiver_helpers import as_account
    from tests.test_patient_adds_documents import relative

    paul = await relative(db, patient, manages=True)
    async with AsyncTestClient(app, base_url=ORIGIN) as his:
        await as_account(his, db, paul)
        made = await post_form(his, f"/dossiers/{patient.dossier.id}/partage", {"portee": "tout", "duree": "1m"},
                               follow_redirects=False)
        assert made.status_code == 303, made.text
        delegation = (await db.exec(select(Delegation).where(Delegation.caregiver_account_id == paul.id))).one()
        delegation.can_manage = False
        db.add(delegation)
        await db.commit()
        page = await his.get(made.headers["location"])
    assert page.status_code == 403 and "Page introuvable" not in page.text
    assert "Page réservée" in words_of(page) and "Vous pouvez le lire, mais pas le gérer." in words_of(page)


async def test_a_parent_closing_a_minors_dossier_is_told_what_it_ends_and_that_she_may_reopen_it(client, db, app):
    """A caregiver's probe: Camille closed her daughter's dossier, which ended the care Inès keeps from her parents
    (CSP L1111-5), and the page said nothing of it, nor that Inès is told and may reopen it."""
    from tests.test_minors_secret_sharing import minor_and_mother

    from server.auth.accounts import account_for_patient

    ines, _ = await minor_and_mother(client, db)
    unheld = words_of(await client.get(f"/dossiers/{ines.dossier.id}/fermeture"))
    assert "L1111-5" in unheld and "en sera informée" not in unheld  # no account of hers: no one to tell
    await account_for_patient(db, patient=ines.patient)  # she holds her dossier herself
    asked = words_of(await client.get(f"/dossiers/{ines.dossier.id}/fermeture"))
    assert ("cela vaut aussi pour les professionnels qu'un mineur consulte sans que ses parents le sachent, comme la "
            "loi le lui permet (article L1111-5 du code de la santé publique)") in asked
    assert "Inès en sera informée et pourra le rouvrir" in asked


async def test_a_patient_closing_her_own_dossier_is_not_told_of_herself(client, db, app, patient, camille):
    asked = words_of(await client.get(f"/dossiers/{patient.dossier.id}/fermeture"))
    assert "en sera informée" not in asked and "L1111-5" not in asked
