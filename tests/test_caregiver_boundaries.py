"""What a caregiver does not do, found from outside (a probe at 390 px): spend a minor's own activation code, become
a third parent, cancel an invitation twice into a server error, touch the adult patient's invitations, or read
"for" the patient when they only read."""

from __future__ import annotations

import html
from datetime import date

from sqlmodel import func, select

from server.auth.accounts import account_for_patient, issue_activation_code
from server.models import Account, ActivationCode, CaregiverInvitation, Delegation
from tests.conftest import (
    ORIGIN, AsyncTestClient, PatientFixture, activate, ceremony_options, new_patient, post_form, post_json,
)
from tests.patient_helpers import MISSING, events
from tests.softauthn import SoftAuthenticator
from tests.caregiver_helpers import (  # noqa: F401 - `camille` is a fixture
    as_account, camille, invitation_code, new_caregiver, same_as_missing, years_ago,
)


def text_of(response) -> str:
    return html.unescape(response.text).replace("\u00a0", " ")


async def code_row(db, patient) -> ActivationCode:
    await db.commit()
    return (await db.exec(select(ActivationCode).where(ActivationCode.patient_id == patient.id)
                          .order_by(ActivationCode.created_at.desc()))).first()


async def pending(db) -> CaregiverInvitation:
    await db.commit()
    return (await db.exec(select(CaregiverInvitation).order_by(CaregiverInvitation.created_at.desc()))).first()


# --- a minor's activation code -------------------------------------------------------------------------------


async def test_a_parent_already_managing_a_teenagers_dossier_leaves_her_own_code_to_her(client, db, app):
    """Her parent, who already holds her dossier, types the code the insurer sent her: told so, and the code is
    hers still (not spent, nothing logged); she then activates her own account with it."""
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(16), serial=4)
    father = await new_patient(db, given_name="Paul", family_name="Martin", birth=date(1982, 11, 5), serial=5, sex="M")
    await as_account(client, db, await account_for_patient(db, patient=father.patient))
    attached = await post_form(client, "/enfant", {"code": ines.code, "birth_date": ines.birth_date.isoformat()},
                               follow_redirects=False)
    assert attached.status_code == 303
    own_code = await issue_activation_code(db, patient=ines.patient, issued_by="test")  # her letter, for her account
    before = len(await events(db, ines.dossier.id))

    refused = await post_form(client, "/enfant", {"code": own_code, "birth_date": ines.birth_date.isoformat()})
    assert refused.status_code == 400
    assert "Vous gérez déjà ce dossier. Ce code n'a pas servi" in text_of(refused)
    assert (await code_row(db, ines.patient)).used_at is None
    assert len(await events(db, ines.dossier.id)) == before
    async with AsyncTestClient(app, base_url=ORIGIN) as her_phone:
        await activate(her_phone, PatientFixture(ines.patient, ines.dossier, own_code, ines.birth_date))
        assert (await her_phone.get(f"/dossiers/{ines.dossier.id}")).status_code == 200
    assert (await code_row(db, ines.patient)).used_at is not None


async def test_a_childs_code_makes_no_third_parent_with_an_account_or_without(client, db, app):
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=years_ago(9), serial=4, sex="M")
    parents = [await new_patient(db, given_name=name, family_name="Martin", birth=date(1982, 11, 5), serial=serial)
               for name, serial in (("Camille", 5), ("Paul", 6), ("Marc", 7))]
    for parent in parents[:2]:  # each parent with the letter the insurer sent them
        code = await issue_activation_code(db, patient=leo.patient, issued_by="test")
        await as_account(client, db, await account_for_patient(db, patient=parent.patient))
        attached = await post_form(client, "/enfant", {"code": code, "birth_date": leo.birth_date.isoformat()},
                                   follow_redirects=False)
        assert attached.status_code == 303
    third = await issue_activation_code(db, patient=leo.patient, issued_by="test")
    before = len(await events(db, leo.dossier.id))
    accounts = (await db.exec(select(func.count()).select_from(Account))).one()

    await as_account(client, db, await account_for_patient(db, patient=parents[2].patient))
    refused = await post_form(client, "/enfant", {"code": third, "birth_date": leo.birth_date.isoformat()})
    assert refused.status_code == 400 and "Ce dossier a déjà ses deux parents ou tuteurs" in text_of(refused)
    async with AsyncTestClient(app, base_url=ORIGIN) as newcomer:  # said before an account is made for it
        refused = await post_form(newcomer, "/enfant", {"code": third, "birth_date": leo.birth_date.isoformat(),
                                                        "given_name": "Marc", "family_name": "Inconnu"})
        assert refused.status_code == 400 and "Ce dossier a déjà ses deux parents ou tuteurs" in text_of(refused)

    await db.commit()
    assert (await db.exec(select(func.count()).select_from(Account))).one() == accounts + 1  # Marc's own, no other
    assert len((await db.exec(select(Delegation).where(Delegation.dossier_id == leo.dossier.id))).all()) == 2
    assert (await code_row(db, leo.patient)).used_at is None
    assert len(await events(db, leo.dossier.id)) == before


async def test_a_newcomer_whose_childs_dossier_got_its_second_parent_meanwhile_is_not_a_third(client, db, app):
    """Checked again with his passkey, which makes his account only if he joins: the other parent accepted an
    invitation in between, so neither is kept."""
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=years_ago(9), serial=4, sex="M")
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    invited = await invitation_code(client, leo.dossier.id, relationship="parent")
    letter = await issue_activation_code(db, patient=leo.patient, issued_by="test")
    async with AsyncTestClient(app, base_url=ORIGIN) as marc:
        started = await post_form(marc, "/enfant", {"code": letter, "birth_date": leo.birth_date.isoformat(),
                                                    "given_name": "Marc", "family_name": "Inconnu"})
        assert started.status_code == 200  # his passkey's page
        async with new_caregiver(app, invited, given="Paul"):
            pass
        options, ceremony = await ceremony_options(marc, "/cle/options")
        credential = SoftAuthenticator(origin=ORIGIN).create(options)
        done = await post_json(marc, "/cle/verification", {"ceremony": ceremony, "credential": credential,
                                                           "name": "Téléphone"})
        assert done.status_code == 400
        assert done.json()["error"] == "Ce dossier a déjà ses deux parents ou tuteurs : il ne peut pas en avoir d'autre."
    await db.commit()
    assert (await db.exec(select(Account).where(Account.display_name == "Marc Inconnu"))).all() == []
    assert len((await db.exec(select(Delegation).where(Delegation.dossier_id == leo.dossier.id))).all()) == 2
    assert (await code_row(db, leo.patient)).used_at is None
    assert "parent_attached" not in [e.action for e in await events(db, leo.dossier.id)][1:]


# --- cancelling an invitation ---------------------------------------------------------------------------------


async def test_cancelling_an_invitation_twice_or_once_accepted_says_what_became_of_it(client, db, app, patient,
                                                                                     camille):
    url = f"/dossiers/{patient.dossier.id}"
    await invitation_code(client, patient.dossier.id)
    invitation = await pending(db)
    cancel = f"/invitations/{invitation.id}/annulation"
    first = await post_form(client, cancel, {}, follow_redirects=False)
    again = await post_form(client, cancel, {}, follow_redirects=False)  # a double tap, a second tab
    assert (first.status_code, first.headers["location"]) == (303, f"{url}/proches?fait=invitation-annulee")
    assert (again.status_code, again.headers["location"]) == (first.status_code, first.headers["location"])
    assert [e.action for e in await events(db, patient.dossier.id)].count("caregiver_invitation_cancelled") == 1

    code = await invitation_code(client, patient.dossier.id)
    accepted = await pending(db)
    async with new_caregiver(app, code) as paul:
        late = await post_form(client, f"/invitations/{accepted.id}/annulation", {})  # the page left open
        assert late.status_code == 200 and "Invitation acceptée le" in text_of(late)
        assert "L'invitation est annulée" not in text_of(late)
        assert (await paul.get(url)).status_code == 200
    assert [e.action for e in await events(db, patient.dossier.id)].count("caregiver_invitation_cancelled") == 1
    await db.refresh(accepted)
    assert accepted.cancelled_at is None


async def test_only_the_adult_patient_sees_and_cancels_her_invitations_to_relatives(client, db, app, patient, camille):
    url = f"/dossiers/{patient.dossier.id}"
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with new_caregiver(app, code) as paul:  # he manages her dossier
        await invitation_code(client, patient.dossier.id, level="lecture")  # she invites her sister
        invitation = await pending(db)
        page = await paul.get(f"{url}/proches")
        assert page.status_code == 200
        assert "Invitations en attente" not in page.text and invitation.id not in page.text
        await same_as_missing(paul, f"/invitations/{invitation.id}", f"/invitations/{MISSING}")
        await same_as_missing(paul, f"/invitations/{invitation.id}/annulation", f"/invitations/{MISSING}/annulation",
                              data={})
        await db.refresh(invitation)
        assert invitation.cancelled_at is None
        assert "caregiver_invitation_cancelled" not in [e.action for e in await events(db, patient.dossier.id)]
    mine = await client.get(f"{url}/proches")
    assert "Invitations en attente" in mine.text and f"/invitations/{invitation.id}/annulation" in mine.text


# --- a reader's own actions -----------------------------------------------------------------------------------


async def test_a_relative_who_only_reads_downloads_a_copy_in_his_own_name_not_for_the_patient(client, db, app,
                                                                                            patient, camille):
    url = f"/dossiers/{patient.dossier.id}"
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with new_caregiver(app, code, given="Hugo", family="Martin") as hugo:
        download = await post_form(hugo, f"{url}/export", {})
        assert download.status_code == 200
        [export] = [e for e in await events(db, patient.dossier.id) if e.action == "export"]
        assert (export.actor_kind, export.actor_name, export.on_behalf_of) == ("caregiver", "Hugo Martin", "")
        his = await hugo.get(f"{url}/historique")
        assert his.status_code == 200 and "Dossier de Camille Martin" in text_of(his)
        assert "Vous avez téléchargé une copie complète du dossier" in text_of(his)
        assert "Pour le compte de" not in text_of(his)
    hers = text_of(await client.get(f"{url}/historique"))
    assert "Hugo Martin a téléchargé une copie complète de votre dossier" in hers
    assert "pour votre compte" not in hers
