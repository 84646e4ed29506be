"""No account without a passkey: a newcomer's account (a relative invited, a parent adding a child while logged out)
is made by its first passkey, in the transaction that accepts the invitation or attaches the child's dossier. Until
then the session keeps what they typed; someone who stops half-way leaves nothing behind."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, text as sql
from sqlmodel import col, select

from server.auth.accounts import account_for_patient
from server.models import Account, ActivationCode, CaregiverInvitation, Delegation, Passkey, WebSession, utcnow
from tests.conftest import ORIGIN, AsyncTestClient, activate, ceremony_options, new_patient, post_form, post_json
from tests.patient_helpers import migrate
from tests.softauthn import SoftAuthenticator
from tests.caregiver_helpers import camille, family, invitation_code  # noqa: F401  (camille, family: fixtures)

NO_LONGER_VALID = "Cette invitation n'est plus valable. Demandez-en une nouvelle."


async def named(db, given_name: str) -> list[Account]:
    await db.commit()  # a fresh read: the app wrote from its own sessions
    return list((await db.exec(select(Account).where(col(Account.display_name).startswith(given_name)))).all())


async def count(db, model) -> int:
    await db.commit()
    return (await db.exec(select(func.count()).select_from(model))).one()


async def stop_before_the_passkey(browser, code: str, family_name: str) -> None:
    """A name typed for an invitation, the passkey page reached, and no passkey made."""
    response = await post_form(browser, "/invitation/compte",
                               {"code": code, "given_name": "Orphée", "family_name": family_name})
    assert response.status_code == 200 and "Créer ma clé d'accès" in response.text, response.text


async def make_passkey(browser):
    options, ceremony = await ceremony_options(browser, "/cle/options")
    return await post_json(browser, "/cle/verification", {
        "ceremony": ceremony, "credential": SoftAuthenticator(origin=ORIGIN).create(options), "name": "Téléphone"})


async def test_newcomers_who_stop_before_their_passkey_leave_no_account_and_accept_nothing(client, db, app, patient,
                                                                                         camille):
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    for n in range(2):
        async with AsyncTestClient(app, base_url=ORIGIN) as browser:
            await stop_before_the_passkey(browser, code, f"Sanscle{n}")
            await ceremony_options(browser, "/cle/options")  # the dialog opened, then cancelled
    assert await named(db, "Orphée") == []
    assert await count(db, Delegation) == 0
    [invitation] = (await db.exec(select(CaregiverInvitation))).all()
    assert invitation.used_at is None and invitation.used_by_account_id is None


async def test_the_account_is_made_by_its_first_passkey_which_accepts_the_invitation(client, db, app, patient, camille):
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await stop_before_the_passkey(browser, code, "Sanscle")
        done = await make_passkey(browser)
        assert done.status_code == 200 and done.json() == {"redirect": "/activer/codes"}
        assert "Vos codes de secours" in (await browser.get("/activer/codes")).text
        assert (await browser.get(f"/dossiers/{patient.dossier.id}")).status_code == 200
    [orphee] = await named(db, "Orphée")
    assert orphee.display_name == "Orphée Sanscle"
    assert len((await db.exec(select(Passkey).where(Passkey.account_id == orphee.id))).all()) == 1
    [delegation] = (await db.exec(select(Delegation))).all()
    assert delegation.caregiver_account_id == orphee.id and not delegation.can_manage
    [invitation] = (await db.exec(select(CaregiverInvitation))).all()
    assert invitation.used_by_account_id == orphee.id


async def test_two_newcomers_holding_one_invitation_make_one_account(client, db, app, patient, camille):
    code = await invitation_code(client, patient.dossier.id)
    async with AsyncTestClient(app, base_url=ORIGIN) as first, AsyncTestClient(app, base_url=ORIGIN) as second:
        await stop_before_the_passkey(first, code, "Premier")
        await stop_before_the_passkey(second, code, "Second")
        assert (await make_passkey(first)).status_code == 200
        refused = await make_passkey(second)
        assert refused.status_code == 400 and refused.json()["error"] == NO_LONGER_VALID
    assert [account.display_name for account in await named(db, "Orphée")] == ["Orphée Premier"]
    assert await count(db, Delegation) == 1


async def test_two_newcomers_registering_at_the_same_moment_make_one_account(client, db, app, patient, camille):
    code = await invitation_code(client, patient.dossier.id)
    async with AsyncTestClient(app, base_url=ORIGIN) as one, AsyncTestClient(app, base_url=ORIGIN) as two:
        bodies = []
        for browser, name in ((one, "Un"), (two, "Deux")):
            await stop_before_the_passkey(browser, code, name)
            options, ceremony = await ceremony_options(browser, "/cle/options")
            bodies.append((browser, {"ceremony": ceremony, "name": "Téléphone",
                                     "credential": SoftAuthenticator(origin=ORIGIN).create(options)}))
        done = await asyncio.gather(*(post_json(browser, "/cle/verification", body) for browser, body in bodies))
    assert sorted(response.status_code for response in done) == [200, 400]
    assert len(await named(db, "Orphée")) == 1 and await count(db, Delegation) == 1


async def test_an_invitation_cancelled_before_the_passkey_makes_no_account(client, db, app, patient, camille):
    code = await invitation_code(client, patient.dossier.id)
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await stop_before_the_passkey(browser, code, "Tardive")
        [invitation] = (await db.exec(select(CaregiverInvitation))).all()
        cancelled = await post_form(client, f"/invitations/{invitation.id}/annulation", {}, follow_redirects=False)
        assert cancelled.status_code == 303
        refused = await make_passkey(browser)
        assert refused.status_code == 400 and refused.json()["error"] == NO_LONGER_VALID
    assert await named(db, "Orphée") == [] and await count(db, Delegation) == 0


async def add_child_logged_out(browser, leo, family_name: str) -> None:
    response = await post_form(browser, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat(),
                                                    "given_name": "Orphée", "family_name": family_name})
    assert response.status_code == 200 and "Créer ma clé d'accès" in response.text, response.text


async def test_a_parent_new_to_carnet_who_stops_before_the_passkey_leaves_no_account(db, app, family):
    leo, _mother = family
    for n in range(2):
        async with AsyncTestClient(app, base_url=ORIGIN) as browser:
            await add_child_logged_out(browser, leo, f"Sanscle{n}")
    assert await named(db, "Orphée") == [] and await count(db, Delegation) == 0
    assert (await db.exec(select(ActivationCode))).all()[0].used_at is None  # Léo's code, still his to use
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await add_child_logged_out(browser, leo, "Parent")
        assert (await make_passkey(browser)).json() == {"redirect": "/activer/codes"}
        assert (await browser.get(f"/dossiers/{leo.dossier.id}")).status_code == 200
    [parent] = await named(db, "Orphée")
    [delegation] = (await db.exec(select(Delegation))).all()
    assert (delegation.caregiver_account_id, delegation.relationship) == (parent.id, "parent")


async def test_two_new_parents_holding_one_childs_code_make_one_account(db, app, family):
    leo, _mother = family
    async with AsyncTestClient(app, base_url=ORIGIN) as first, AsyncTestClient(app, base_url=ORIGIN) as second:
        await add_child_logged_out(first, leo, "Premier")
        await add_child_logged_out(second, leo, "Second")
        assert (await make_passkey(first)).status_code == 200
        refused = await make_passkey(second)
        assert refused.status_code == 400
        assert refused.json()["error"] == "Ce code d'activation n'est plus valable. Demandez-en un nouveau."
    assert [account.display_name for account in await named(db, "Orphée")] == ["Orphée Premier"]
    assert await count(db, Delegation) == 1


async def test_accounts_left_without_a_passkey_before_migration_0037_are_removed_with_their_sessions(
        client, db, app, patient):
    """Before 0037, a newcomer's account was made before its passkey: those that never got one go."""
    from alembic import command

    await activate(client, patient)  # Camille's account, with its passkey: stays
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=2, sex="M")
    await account_for_patient(db, patient=hugo.patient)  # a patient's, his activation half done: stays too
    await migrate(app, command.downgrade, "0037-1")
    now = utcnow().replace(tzinfo=None)
    for n in range(2):
        await db.exec(sql("INSERT INTO account (id, user_handle, display_name, created_at) VALUES (:id, :h, :n, :at)"),
                      params={"id": f"orphan{n}", "h": f"handle{n}", "n": f"Orphée Sanscle{n}", "at": now})
        await db.exec(sql("INSERT INTO websession (id, account_id, authenticated, created_at, last_seen_at, data) "
                          "VALUES (:id, :a, false, :at, :at, '{}')"), params={"id": f"s{n}", "a": f"orphan{n}", "at": now})
    await db.exec(sql("INSERT INTO passkeychallenge (id, challenge, purpose, account_id, client, expires_at) "
                      "VALUES ('c', :c, 'register', 'orphan0', '', :at)"), params={"c": b"x", "at": now})
    await db.commit()
    await migrate(app, command.upgrade, "head")
    assert await named(db, "Orphée") == []
    [camille_account] = await named(db, "Camille")
    assert [s.account_id for s in (await db.exec(select(WebSession))).all()] == [camille_account.id]
    assert len(await named(db, "Hugo")) == 1
