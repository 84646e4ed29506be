"""A lost phone's lock screen is told nothing more once its owner has dealt with it: each device subscribed to the
pushes goes with the passkey its session was opened with (its key removed, every other device logged out, a recovery,
a new activation code). A local push service stands in for the browser vendor's (tests/push_service.py)."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import inspect
from sqlmodel import select

from server.auth.accounts import account_for_professional, issue_activation_code
from server.models import PushSubscription
from server.auth.passkeys import account_passkeys
from server.auth.sessions import start_session
from tests.conftest import (
    ORIGIN, AsyncTestClient, activate, ceremony_options, login, post_form, post_json, set_cookie,
)
from tests.patient_helpers import migrate, professional
from tests.push_service import Device
from tests.softauthn import SoftAuthenticator
from tests.test_notifications import EMERGENCY, REASON, push_service, scene, settled  # noqa: F401  (fixtures)


async def subscribe_here(browser, device: Device) -> None:
    """What push.js posts once the browser subscribed, from this browser's session."""
    answer = await post_json(browser, "/notifications/abonnement", device.subscription())
    assert answer.status_code == 200, answer.text


async def add_passkey(browser, name: str) -> SoftAuthenticator:
    options, ceremony = await ceremony_options(browser, "/cle/options")
    authenticator = SoftAuthenticator(origin=ORIGIN)
    added = await post_json(browser, "/cle/verification", {"ceremony": ceremony, "name": name,
                                                           "credential": authenticator.create(options)})
    assert added.status_code == 200, added.text
    return authenticator


@pytest.fixture
async def urgentiste(db):
    return await account_for_professional(db, professional=await professional(
        db, "Bernard", given_name="Hugo", profession="médecin", stem=7))


async def emergency(app, db, scene, urgentiste) -> None:
    """An emergency access to Camille's dossier, which pushes every device of hers each time."""
    form = {"ins": scene.patient.patient.ins, "birth_date": scene.patient.birth_date.isoformat(), "reason": REASON}
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        set_cookie(desk, "carnet_session", await start_session(db, account=urgentiste, authenticated=True))
        assert (await post_form(desk, "/pro/urgence", form, follow_redirects=False)).status_code == 303
    await settled(app)


def told(push_service, device: Device) -> list[dict]:
    return [device.read(message) for message in push_service.to(device)]


async def key_id(db, scene, name: str) -> str:
    keys = {key.name: key.id for key in await account_passkeys(db, account=scene.camille)}
    await db.commit()
    return keys[name]


@asynccontextmanager
async def two_devices(app, client, scene, push_service, *, first: str, second: str, key: str):
    """Camille's phone (activated on `client`: its key "Téléphone") and a second device with a key of its own named
    `key`, logged in and subscribed each: the two devices, and the second's browser."""
    here, there = push_service.device(first), push_service.device(second)
    await activate(client, scene.patient)
    await subscribe_here(client, here)
    its_key = await add_passkey(client, key)
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        assert (await login(browser, its_key)).status_code == 200
        await subscribe_here(browser, there)
        yield here, there, browser


async def test_a_lost_phone_is_pushed_nothing_once_its_key_is_removed(app, client, db, scene, push_service,
                                                                      urgentiste):
    async with two_devices(app, client, scene, push_service, first="telephone-perdu", second="tablette",
                           key="Tablette") as (lost, tablet, on_tablet):
        await emergency(app, db, scene, urgentiste)
        assert told(push_service, lost) == told(push_service, tablet) == [EMERGENCY]

        removed = await post_form(on_tablet, f"/cles/{await key_id(db, scene, 'Téléphone')}/suppression", {},
                                  follow_redirects=False)
        assert removed.headers["location"] == "/cles?fait=cle-supprimee"
        # A colleague's: the first doctor asking again while hers is open goes back to it, told to no one again.
        colleague = await account_for_professional(db, professional=await professional(
            db, "Roux", given_name="Anne", profession="médecin", stem=8))
        await emergency(app, db, scene, colleague)
    assert told(push_service, lost) == [EMERGENCY]  # nothing since its key went
    assert told(push_service, tablet) == [EMERGENCY, EMERGENCY]


async def test_the_devices_of_other_keys_are_pushed_nothing_once_logged_out(app, client, db, scene, push_service,
                                                                            urgentiste):
    async with two_devices(app, client, scene, push_service, first="telephone", second="ordinateur",
                           key="Ordinateur") as (phone, laptop, _on_laptop):
        pass
    done = await post_form(client, "/cles/autres-appareils/deconnexion", {}, follow_redirects=False)
    assert done.headers["location"] == "/cles?fait=appareils-deconnectes"
    await emergency(app, db, scene, urgentiste)
    assert told(push_service, phone) == [EMERGENCY] and told(push_service, laptop) == []


async def test_a_phone_with_the_same_synced_passkey_is_pushed_nothing_once_logged_out(app, client, db, scene,
                                                                                     push_service, urgentiste):
    """One passkey synced between two phones (a password manager's): the lost one's subscription names the same key
    as this one's, so only the subscription this browser holds (push.js sends it with the form) tells them apart.
    A device subscribed before 0039, naming no key, goes too: it is not this one."""
    here, lost, older = (push_service.device(name) for name in ("telephone", "telephone-perdu", "abonne-avant-0039"))
    synced = await activate(client, scene.patient)
    await subscribe_here(client, here)
    async with AsyncTestClient(app, base_url=ORIGIN) as lost_phone:
        assert (await login(lost_phone, synced)).status_code == 200
        await subscribe_here(lost_phone, lost)
    async with AsyncTestClient(app, base_url=ORIGIN) as before:  # a session that names no key
        set_cookie(before, "carnet_session", await start_session(db, account=scene.camille, authenticated=True))
        await subscribe_here(before, older)
    page = (await client.get("/cles")).text
    assert '<input type="hidden" name="appareil" value="" data-push-endpoint>' in page
    done = await post_form(client, "/cles/autres-appareils/deconnexion", {"appareil": here.endpoint},
                           follow_redirects=False)
    assert done.headers["location"] == "/cles?fait=appareils-deconnectes"
    await emergency(app, db, scene, urgentiste)
    assert told(push_service, here) == [EMERGENCY]
    assert told(push_service, lost) == told(push_service, older) == []


async def test_after_a_recovery_only_the_new_phone_is_pushed(app, client, db, scene, push_service,
                                                             urgentiste):
    """The lost phone's device goes, and so does one subscribed before devices named their key (before 0039): it may
    be the lost phone's."""
    lost, older = push_service.device("telephone-perdu"), push_service.device("abonne-avant-0039")
    await activate(client, scene.patient)
    code = re.findall(r"<code>([0-9A-Z-]+)</code>", (await client.get("/activer/codes")).text)[0]
    await subscribe_here(client, lost)
    async with AsyncTestClient(app, base_url=ORIGIN) as before:  # a session that names no key
        set_cookie(before, "carnet_session", await start_session(db, account=scene.camille, authenticated=True))
        await subscribe_here(before, older)
    async with AsyncTestClient(app, base_url=ORIGIN) as new_phone:
        started = await post_form(new_phone, "/recuperation", {"recovery_code": code}, follow_redirects=False)
        assert started.headers["location"] == "/activer/cle"
        await add_passkey(new_phone, "Nouveau téléphone")
        found = push_service.device("nouveau-telephone")
        await subscribe_here(new_phone, found)
    await emergency(app, db, scene, urgentiste)
    assert told(push_service, found) == [EMERGENCY]
    assert told(push_service, lost) == told(push_service, older) == []


async def test_a_new_activation_code_leaves_no_device_pushed_but_the_new_one(app, client, db, scene, push_service,
                                                                             urgentiste):
    lost = push_service.device("telephone-perdu")
    await activate(client, scene.patient)
    await subscribe_here(client, lost)
    code = await issue_activation_code(db, patient=scene.patient.patient, issued_by="CPAM de Lyon")
    async with AsyncTestClient(app, base_url=ORIGIN) as new_phone:
        started = await post_form(new_phone, "/activer", {"code": code,
                                                          "birth_date": scene.patient.birth_date.isoformat()})
        assert started.status_code in (200, 303), started.text
        await add_passkey(new_phone, "Nouveau téléphone")
        found = push_service.device("nouveau-telephone")
        await subscribe_here(new_phone, found)
    await emergency(app, db, scene, urgentiste)
    assert told(push_service, found) == [EMERGENCY] and told(push_service, lost) == []


async def test_migration_0039_names_a_devices_key_and_takes_it_back_keeping_the_devices(app, client, db, scene,
                                                                                      push_service, urgentiste):
    from alembic import command

    phone = push_service.device("telephone")
    await activate(client, scene.patient)
    await subscribe_here(client, phone)

    async def columns() -> set[str]:
        async with app.state.engine.connect() as connection:
            found = await connection.run_sync(lambda sync: inspect(sync).get_columns("pushsubscription"))
        return {column["name"] for column in found}

    await db.commit()
    await migrate(app, command.downgrade, "0038")
    assert "passkey_id" not in await columns()
    await migrate(app, command.upgrade, "head")
    assert "passkey_id" in await columns()
    [device] = (await db.exec(select(PushSubscription))).all()
    assert (device.endpoint, device.passkey_id) == (phone.endpoint, None)  # which key made it was lost on the way
    await db.commit()
    await emergency(app, db, scene, urgentiste)
    assert told(push_service, phone) == [EMERGENCY]
