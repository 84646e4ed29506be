"""A professional keeps what they declare in a minor's profil médical from the parents (CSP L1111-5), as they keep
a document: before, a treatment declared without a kept document was on the parents' profile page, in their copy
and in their Historique. The minor sees it, marked; the copy of the dossier keeps the mark, and its restore too."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from server.auth.accounts import account_for_patient, account_for_professional
from server.models import ProfileItem
from tests.conftest import AsyncTestClient, ORIGIN, new_patient, new_professional, post_form
from tests.caregiver_helpers import as_account, years_ago
from tests.test_export_for_parents import attached_by_mother, copy_for
from tests.test_parents_decisions import grant

PILL = "Désogestrel 75 µg"


async def minor_with_a_doctor(client, db, app):
    """Inès, 17, whose mother is signed in on `client`; Inès gave Dr Anne Girard access, who keeps nothing yet."""
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(17), serial=6)
    mother = await attached_by_mother(client, db, ines, serial=5)
    doctor = await new_professional(db, given_name="Anne", family_name="Girard", profession="médecin", stem=44)
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        await grant(own, ines.dossier.id, doctor.professional.id, [])
    return ines, mother, doctor


async def declare(app, db, doctor, dossier_id: str, label: str, kept: bool) -> None:
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await as_account(desk, db, await account_for_professional(db, professional=doctor.professional))
        form = await desk.get(f"/dossiers/{dossier_id}/profil/ajouter?type=treatment")
        assert form.status_code == 200 and "Ne pas montrer aux parents" in form.text
        data = {"label": label, "started_on": (date.today() - timedelta(days=3)).isoformat()}
        if kept:
            data["confidentiel"] = "oui"
        answer = await post_form(desk, f"/dossiers/{dossier_id}/profil/ajouter?type=treatment", data,
                                 follow_redirects=False)
        assert answer.status_code == 303, answer.text


async def test_a_professional_keeps_a_profile_item_from_the_parents(client, db, app):
    ines, _, doctor = await minor_with_a_doctor(client, db, app)
    await declare(app, db, doctor, ines.dossier.id, PILL, kept=True)
    item = (await db.exec(select(ProfileItem).where(ProfileItem.label == PILL))).one()
    assert item.hidden_from_representatives
    # The mother: not on her page, not in her copy, not in her Historique, not by its id; nor Dr Girard anywhere.
    page = await client.get(f"/dossiers/{ines.dossier.id}/profil")
    assert page.status_code == 200 and PILL not in page.text
    copy = await copy_for(client, ines.dossier.id)
    everything = "\n".join(copy.read(name).decode("utf-8", errors="replace") for name in copy.namelist()
                           if not name.endswith(".pdf"))
    assert PILL not in everything and "Girard" not in everything
    log = (await client.get(f"/dossiers/{ines.dossier.id}/historique")).text
    assert "Désogestrel" not in log and "Girard" not in log
    assert (await post_form(client, f"/dossiers/{ines.dossier.id}/profil/{item.id}/masquage", {},
                            follow_redirects=False)).status_code == 404
    # Inès sees it, marked as kept from her parents.
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        hers = (await own.get(f"/dossiers/{ines.dossier.id}/profil")).text
        assert PILL in hers and "Caché à vos parents" in hers


async def test_an_item_not_kept_is_the_parents_to_see(client, db, app):
    ines, _, doctor = await minor_with_a_doctor(client, db, app)
    await declare(app, db, doctor, ines.dossier.id, "Paracétamol 500 mg", kept=False)
    page = await client.get(f"/dossiers/{ines.dossier.id}/profil")
    assert "Paracétamol 500 mg" in page.text and "Caché aux parents" not in page.text


async def test_an_adults_dossier_offers_no_such_choice(client, db, app):
    adult = await new_patient(db, given_name="Jeanne", family_name="Roux", birth=date(1990, 1, 1), serial=7)
    doctor = await new_professional(db, given_name="Anne", family_name="Girard", profession="médecin", stem=45)
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=adult.patient))
        await grant(own, adult.dossier.id, doctor.professional.id, [])
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await as_account(desk, db, await account_for_professional(db, professional=doctor.professional))
        form = await desk.get(f"/dossiers/{adult.dossier.id}/profil/ajouter?type=treatment")
        assert form.status_code == 200 and "Ne pas montrer aux parents" not in form.text
        await post_form(desk, f"/dossiers/{adult.dossier.id}/profil/ajouter?type=treatment",
                        {"label": PILL, "started_on": date.today().isoformat(), "confidentiel": "oui"})
    item = (await db.exec(select(ProfileItem).where(ProfileItem.label == PILL))).one()
    assert not item.hidden_from_representatives


async def test_only_a_professional_keeps_an_item_from_the_parents(client, db, app):
    """A parent (or the minor) sending the flag with their own item: it is the parents' to see, as any."""
    ines, _, _ = await minor_with_a_doctor(client, db, app)
    answer = await post_form(client, f"/dossiers/{ines.dossier.id}/profil/ajouter?type=treatment",
                             {"label": PILL, "started_on": date.today().isoformat(), "confidentiel": "oui"},
                             follow_redirects=False)
    assert answer.status_code == 303, answer.text
    item = (await db.exec(select(ProfileItem).where(ProfileItem.label == PILL))).one()
    assert not item.hidden_from_representatives
    assert PILL in (await client.get(f"/dossiers/{ines.dossier.id}/profil")).text
