"""Telling the patient who opened their dossier (issue 5): what notifies, the Web Push that
reaches a subscribed device (a local push service stands in for the browser vendor's), the
banner otherwise, the patient's choices, and what a failing push service must not break."""

from __future__ import annotations

import asyncio
import time
import html
import json
import logging
import re
import socket
import stat
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from py_vapid import Vapid
from sqlalchemy import insert, text, update
from sqlmodel import select

from server.notifications import devices, notify, webpush
from server.access import grants
from server.accesslog import audit, professionals, visits
from server.auth.accounts import account_for_patient, account_for_professional
from server.auth.sessions import start_session
from server.accesslog.audit import Actor
from server.accesslog.verify import verify_chain
from server.config import Settings, SettingsError, load_settings
from server.models import (
    AccessEvent, Account, BannerSeen, Delegation, Dossier, EmergencyAccess, LogProfessional, Notification,
    PushSubscription, utcnow,
)
from tests.conftest import ORIGIN, TEST_SECRET, add_text_document, get_csrf, post_form, post_json, set_cookie
from tests.patient_helpers import Records, Statements, events, migrate, professional
from tests.push_service import Device, PushService, b64url, unb64url, vapid_claims

READ = {"title": "Carnet", "body": "Un professionnel a consulté votre dossier.", "url": "/historique"}
EMERGENCY = {"title": "Carnet", "body": "Accès d'urgence à votre dossier.", "url": "/historique"}
REASON = "Patiente inconsciente amenée aux urgences, antécédents inconnus"


@dataclass
class Scene:
    """Camille's dossier, her account, a document, and Julie Moreau, her kiné, with a grant."""

    dossier: object
    patient: object
    camille: Account
    julie: Account
    document: object

    @property
    def url(self) -> str:
        return f"/dossiers/{self.dossier.id}"


@pytest.fixture
async def scene(db, app, patient) -> Scene:
    camille = await account_for_patient(db, patient=patient.patient)
    kine = await professional(db)
    await grants.grant_access(db, dossier=patient.dossier, professional=kine, categories="", duration="sans",
                              actor=Actor(camille.id, "patient", "Camille Martin"))
    document = await add_text_document(db, app, patient.dossier, title="IRM du genou droit", category="imagerie")
    return Scene(patient.dossier, patient, camille, await account_for_professional(db, professional=kine), document)


@pytest.fixture
def push_service():
    with PushService() as service:
        yield service


async def as_account(client, db, account) -> None:
    set_cookie(client, "carnet_session", await start_session(db, account=account, authenticated=True))


async def subscribe(client, db, account, device: Device):
    await as_account(client, db, account)
    return await post_json(client, "/notifications/abonnement", device.subscription())


async def submit(client, url: str, data: dict, **kwargs):
    """A form's POST, and its answer as sent (the 303 itself, not where it leads)."""
    return await post_form(client, url, data, follow_redirects=False, **kwargs)


async def settled(app) -> None:
    """Every push the app started has been sent, or has failed (in the seconds a loaded machine may take)."""
    deadline = time.monotonic() + 30
    while app.state.pusher.pending:
        assert time.monotonic() < deadline, "pushes still under way after 30 s"
        await asyncio.sleep(0.025)


async def read_as(client, db, app, account, url: str):
    await as_account(client, db, account)
    response = await client.get(url)
    await settled(app)
    return response


async def notifications(db, dossier_id) -> list[Notification]:
    await db.commit()
    return list((await db.exec(select(Notification).where(Notification.dossier_id == dossier_id))).all())


async def seen_mark(db, account, dossier) -> int | None:
    """The event up to which this account pressed "Vu" on the dossier's banner."""
    mark = await db.get(BannerSeen, (account.id, dossier.id), populate_existing=True)
    return mark.event_id if mark else None


def banner_of(page: str) -> str:
    match = re.search(r'<section id="notification-banner".*?</section>', page, re.S)
    return html.unescape(match.group(0)).replace("\u00a0", " ") if match else ""


# --- what notifies, and what reaches the device ------------------------------------------------


async def test_a_professionals_first_read_is_pushed_once_and_later_reads_are_not(client, db, app, scene, push_service):
    phone = push_service.device("telephone")
    answer = await subscribe(client, db, scene.camille, phone)
    assert answer.status_code == 200
    assert answer.json() == {"message": "Les notifications sont activées sur cet appareil."}

    assert (await read_as(client, db, app, scene.julie, scene.url)).status_code == 200
    [message] = push_service.to(phone)
    payload = phone.read(message)
    assert payload == READ
    said = json.dumps(payload, ensure_ascii=False)
    for private in ("Camille", "Martin", "Julie", "Moreau", "kinésithérapeute", "IRM", scene.dossier.id):
        assert private not in said  # nothing about the patient, the professional or a document
    key = (await client.get("/notifications/cle-publique")).json()["key"]
    claims = vapid_claims(message, application_server_key=key)
    assert claims["aud"] == push_service.origin and claims["sub"] == "mailto:contact@localhost"
    assert int(message.headers["ttl"]) > 0 and message.headers["topic"] == "consultation"

    # The same professional reads again, opens a document, downloads it: no one is told twice.
    for url in (scene.url, f"/documents/{scene.document.id}", f"/documents/{scene.document.id}/fichier"):
        assert (await read_as(client, db, app, scene.julie, url)).status_code == 200
    assert len(push_service.to(phone)) == 1
    [notification] = await notifications(db, scene.dossier.id)
    event = await db.get(AccessEvent, notification.event_id)
    assert event.action == "read_timeline" and event.actor_rpps


async def test_every_emergency_access_is_pushed(client, db, app, scene, push_service):
    phone = push_service.device("telephone")
    await subscribe(client, db, scene.camille, phone)
    urgentiste = await professional(db, "Bernard", given_name="Hugo", profession="médecin", stem=7)
    account = await account_for_professional(db, professional=urgentiste)
    form = {"ins": scene.patient.patient.ins, "birth_date": scene.patient.birth_date.isoformat(), "reason": REASON}

    await as_account(client, db, account)
    assert (await submit(client, "/pro/urgence", form)).status_code == 303
    await settled(app)
    [first] = push_service.to(phone)
    assert phone.read(first) == EMERGENCY
    assert first.headers["urgency"] == "high" and "topic" not in first.headers  # never replaced by a later read

    # Reading the dossier it opened is not a new "first access", nor is asking again while it is open (the same
    # access, emergencies.open_emergency); a second emergency, once the first ended, is pushed again.
    assert (await read_as(client, db, app, account, scene.url)).status_code == 200
    await as_account(client, db, account)
    assert (await submit(client, "/pro/urgence", form)).status_code == 303
    await settled(app)
    assert len(push_service.to(phone)) == 1
    await db.exec(update(EmergencyAccess).values(ends_at=utcnow()))
    await db.commit()
    assert (await submit(client, "/pro/urgence", form)).status_code == 303
    await settled(app)
    assert [phone.read(m) for m in push_service.to(phone)] == [EMERGENCY, EMERGENCY]
    assert [n.event_id for n in await notifications(db, scene.dossier.id)] == [
        e.id for e in await events(db, scene.dossier.id) if e.action == "emergency"
    ]


async def test_a_patient_who_asks_is_told_of_every_read_and_the_change_is_logged(client, db, app, scene, push_service):
    phone = push_service.device("telephone")
    await subscribe(client, db, scene.camille, phone)
    answer = await submit(client, f"{scene.url}/notifications/chaque-consultation", {"chaque": "oui"})
    assert answer.status_code == 303 and answer.headers["location"] == f"{scene.url}/acces?fait=notifications-oui"
    page = (await client.get(answer.headers["location"])).text
    assert "chaque consultation du dossier par un professionnel sera signalée" in page
    assert "Ne plus signaler chaque consultation du dossier" in page
    # One setting of the dossier's, said so (a caregiver pressed "Me prévenir…" and changed it for the patient).
    assert "vaut pour tout le dossier : le patient et chaque proche qui l" in html.unescape(page)
    # What the page says it tells of is all it tells of (an outside tester's find: a new document, a change of
    # caregivers and a blocked link were not said).
    told = re.sub(r"<[^>]+>", "", html.unescape(page))
    assert ("Carnet vous prévient à chaque consultation du dossier par un professionnel, à chaque accès d'urgence, à "
            "chaque document qu'un professionnel ajoute, quand les proches qui aident à suivre le dossier changent et quand un "
            "lien de partage est bloqué.") in told
    logged = (await events(db, scene.dossier.id))[-1]
    assert (logged.action, logged.actor_kind, logged.detail) == ("notify_every_access", "patient", "à chaque consultation")
    assert await verify_chain(db, dossier_id=scene.dossier.id) is None
    log_page = html.unescape((await client.get(f"{scene.url}/historique")).text).replace("\u00a0", " ")
    assert "Vous avez modifié les notifications de votre dossier" in log_page
    assert "(à chaque consultation)" in log_page

    for url in (scene.url, f"/documents/{scene.document.id}", scene.url):
        await read_as(client, db, app, scene.julie, url)
    assert [phone.read(m) for m in push_service.to(phone)] == [READ, READ, READ]

    await as_account(client, db, scene.camille)
    await submit(client, f"{scene.url}/notifications/chaque-consultation", {"chaque": "non"})
    await read_as(client, db, app, scene.julie, scene.url)
    assert len(push_service.to(phone)) == 3
    assert [e.detail for e in await events(db, scene.dossier.id) if e.action == "notify_every_access"] == [
        "à chaque consultation", "au premier accès et en urgence"]


async def test_a_caregivers_device_is_told_too_and_goes_to_the_dossiers_historique(client, db, app, scene, push_service):
    paul = Account(display_name="Paul Martin")
    db.add(paul)
    await db.flush()
    db.add(Delegation(dossier_id=scene.dossier.id, caregiver_account_id=paul.id, relationship="proche"))
    await db.commit()
    tablet = push_service.device("tablette-de-paul")
    assert (await subscribe(client, db, paul, tablet)).status_code == 200
    await read_as(client, db, app, scene.julie, scene.url)
    [message] = push_service.to(tablet)
    assert tablet.read(message) == {**READ, "url": f"{scene.url}/historique"}


async def test_a_dossier_a_relative_closes_and_reopens_is_pushed_to_the_patient_not_to_him(client, db, app, scene,
                                                                                           push_service):
    """Closing is the patient's strongest opposition, and a reopening lets every grant apply again: done for her by a
    managing relative, she is told at once (an outside probe's find); he is not told of his own doing."""
    paul = Account(display_name="Paul Martin")
    db.add(paul)
    await db.flush()
    db.add(Delegation(dossier_id=scene.dossier.id, caregiver_account_id=paul.id, relationship="proche"))  # a manager
    await db.commit()
    phone, tablet = push_service.device("telephone-de-camille"), push_service.device("tablette-de-paul")
    assert (await subscribe(client, db, scene.camille, phone)).status_code == 200
    assert (await subscribe(client, db, paul, tablet)).status_code == 200  # and he acts from there
    push_service.slow(phone, 0.5)  # the first message is slow to go: the second waits for it, or reads as the last
    for url in (f"{scene.url}/fermeture", f"{scene.url}/reouverture"):
        assert (await submit(client, url, {})).status_code == 303
    await settled(app)
    assert [phone.read(m)["body"] for m in push_service.to(phone)] == [
        "Votre dossier a été fermé : aucun professionnel ne peut plus le lire.",
        "Votre dossier a été rouvert : les accès accordés s'appliquent à nouveau."]
    assert push_service.to(tablet) == []
    # Her own closing is not news to her.
    await as_account(client, db, scene.camille)
    assert (await submit(client, f"{scene.url}/fermeture", {})).status_code == 303
    await settled(app)
    assert len(push_service.to(phone)) == 2


async def test_pushes_wait_for_the_commit_and_vanish_with_a_rollback(db, scene, push_service):
    phone = push_service.device("telephone")
    endpoint, p256dh, auth = devices.parse_subscription(json.dumps(phone.subscription()).encode(), env="test")
    await devices.subscribe(db, account=scene.camille, endpoint=endpoint, p256dh=p256dh, auth=auth,
                            passkey_id=None)
    kine = Actor(scene.julie.id, "professional", "Julie Moreau", "masseur-kinésithérapeute", "20000000018")
    dossier_id = scene.dossier.id

    async def read_without_committing():
        await audit.begin_chained(db)
        dossier = await db.get(Dossier, dossier_id)  # as access/reading.py does, inside the chain's transaction
        event = await audit.append(db, dossier_id=dossier_id, action="read_timeline", actor=kine, right="grant")
        return await notify.record(db, dossier=dossier, event=event)

    assert await read_without_committing() is not None
    assert webpush.READY not in db.info
    await db.rollback()
    assert webpush.STAGED not in db.info and webpush.READY not in db.info
    assert await notifications(db, dossier_id) == []

    assert await read_without_committing() is not None
    await audit.commit_chained(db)
    [push] = db.info.pop(webpush.READY)
    assert (push.endpoint, json.loads(push.payload)) == (phone.endpoint, READ)
    [notification] = await notifications(db, dossier_id)
    assert notification.event_id == (await events(db, dossier_id))[-1].id


# --- the banner, for a patient without a subscribed device -----------------------------------------


async def test_the_banner_tells_the_patient_of_a_first_access_until_she_says_vu(client, db, app, scene):
    pro_page = (await read_as(client, db, app, scene.julie, scene.url)).text
    assert "notification-banner" not in pro_page  # the professional never sees it

    await as_account(client, db, scene.camille)
    page = (await client.get(scene.url)).text
    banner = banner_of(page)
    assert re.search(r"Julie Moreau, masseur-kinésithérapeute, a consulté votre dossier le .+ à \d+ h \d\d, "
                     r"grâce à l'accès qui lui a été donné\.", banner), banner
    up_to = re.search(r'name="jusqua" value="(\d+)"', page).group(1)

    # Another professional opens it after the page was shown: "Vu" clears only what she saw.
    other = await professional(db, "Petit", given_name="Marc", profession="médecin", stem=8)
    await grants.grant_access(db, dossier=scene.dossier, professional=other, categories="", duration="sans",
                              actor=Actor(scene.camille.id, "patient", "Camille Martin"))
    await read_as(client, db, app, await account_for_professional(db, professional=other), scene.url)
    await as_account(client, db, scene.camille)
    answer = await submit(client, f"{scene.url}/notifications/vu", {"jusqua": up_to})
    assert answer.status_code == 303 and answer.headers["location"] == scene.url
    banner = banner_of((await client.get(scene.url)).text)
    assert "Marc Petit" in banner and "Julie Moreau" not in banner

    # With htmx, "Vu" answers the banner's fragment: empty once everything is seen.
    up_to = re.search(r'name="jusqua" value="(\d+)"', (await client.get(scene.url)).text).group(1)
    fragment = await post_form(client, f"{scene.url}/notifications/vu", {"jusqua": up_to},
                               headers={"hx-request": "true", "hx-target": "notification-banner"})
    assert fragment.status_code == 200 and fragment.text.strip() == ""
    assert banner_of((await client.get(scene.url)).text) == ""
    assert await seen_mark(db, scene.camille, scene.dossier) == max(
        n.event_id for n in await notifications(db, scene.dossier.id))


async def test_only_the_patient_and_caregivers_mark_the_banner_seen(client, db, app, scene):
    await read_as(client, db, app, scene.julie, scene.url)
    answer = await submit(client, f"{scene.url}/notifications/vu", {"jusqua": "999"})
    assert answer.status_code == 404
    assert (await db.exec(select(BannerSeen))).all() == []


# --- subscribing a device -------------------------------------------------------------------------


async def post_raw(client, body: bytes, *, csrf: bool = True):
    token = await get_csrf(client)
    headers = {"content-type": "application/json", "accept": "application/json"}
    if csrf:
        headers["x-csrftoken"] = token
    return await client.post("/notifications/abonnement", content=body, headers=headers)


def with_keys(device: Device, **keys) -> bytes:
    subscription = device.subscription()
    subscription["keys"].update(keys)
    return json.dumps(subscription).encode()


async def test_a_subscription_is_checked_and_refused_in_french(client, db, scene, push_service):
    phone = push_service.device("telephone")
    await as_account(client, db, scene.camille)
    not_a_point = b64url(b"\x04" + b"\x01" * 64)
    refused = {
        b"{pas du json": "Abonnement illisible",
        json.dumps({"endpoint": phone.endpoint}).encode(): "Abonnement illisible",
        json.dumps({**phone.subscription(), "endpoint": "http://push.example.com/abc"}).encode(): "https://",
        json.dumps({**phone.subscription(), "endpoint": "ftp://push.example.com/abc"}).encode(): "https://",
        with_keys(phone, p256dh=not_a_point): "clés de chiffrement",
        with_keys(phone, auth=b64url(b"short")): "clés de chiffrement",
        with_keys(phone, auth=12): "Abonnement illisible",
    }
    for body, message in refused.items():
        answer = await post_raw(client, body)
        assert answer.status_code == 400, body
        assert message in answer.json()["error"], (body, answer.json())
    assert (await post_raw(client, json.dumps(phone.subscription()).encode(), csrf=False)).status_code == 403
    await db.commit()
    assert (await db.exec(select(PushSubscription))).all() == []

    # The same browser subscribing again (new keys) is the same device, not a second one.
    assert (await post_raw(client, json.dumps(phone.subscription()).encode())).status_code == 200
    renewed = Device(endpoint=phone.endpoint)
    assert (await post_raw(client, json.dumps(renewed.subscription()).encode())).status_code == 200
    await db.commit()
    [device] = (await db.exec(select(PushSubscription))).all()
    assert (device.account_id, device.p256dh) == (scene.camille.id, renewed.subscription()["keys"]["p256dh"])

    # Unsubscribing forgets it.
    assert (await post_json(client, "/notifications/desabonnement", {"endpoint": phone.endpoint})).status_code == 200
    await db.commit()
    assert (await db.exec(select(PushSubscription))).all() == []


def test_outside_tests_only_https_push_services_are_accepted():
    assert devices.may_use_endpoint("https://fcm.googleapis.com/fcm/send/abc", env="production")
    assert devices.may_use_endpoint("http://127.0.0.1:8123/push/x", env="test")
    for env in ("production", "development"):
        assert not devices.may_use_endpoint("http://127.0.0.1:8123/push/x", env=env)
        assert not devices.may_use_endpoint("http://localhost/push/x", env=env)
    assert not devices.may_use_endpoint("http://push.example.com/x", env="test")
    for internal in ("https://10.0.0.7/push", "https://169.254.169.254/latest", "https://[::1]/x", "https://intranet/x"):
        assert not devices.may_use_endpoint(internal, env="production"), internal


async def test_only_patients_and_caregivers_may_subscribe_a_device(client, db, scene, push_service):
    phone = push_service.device("telephone")
    anonymous = await post_json(client, "/notifications/abonnement", phone.subscription())
    assert anonymous.status_code == 401
    await as_account(client, db, scene.julie)
    professional_answer = await post_json(client, "/notifications/abonnement", phone.subscription())
    assert professional_answer.status_code == 403 and professional_answer.json()["error"]
    await db.commit()
    assert (await db.exec(select(PushSubscription))).all() == []


# --- failures ----------------------------------------------------------------------------------------


def closed_port_endpoint() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/push/nobody-listens"


async def test_a_failing_push_service_never_breaks_the_professionals_read(client, db, app, scene, push_service):
    broken = push_service.device("en-panne", answer=500)
    expired = push_service.device("expire", answer=410)
    unreachable = Device(endpoint=closed_port_endpoint())
    phone = push_service.device("telephone")
    for device in (broken, expired, unreachable, phone):
        assert (await subscribe(client, db, scene.camille, device)).status_code == 200
    records = Records()
    logging.getLogger("carnet.notify").addHandler(records)
    try:
        answer = await read_as(client, db, app, scene.julie, scene.url)
    finally:
        logging.getLogger("carnet.notify").removeHandler(records)

    assert answer.status_code == 200 and "IRM du genou droit" in answer.text
    assert [phone.read(m) for m in push_service.to(phone)] == [READ]  # the others did not stop it
    assert len(push_service.to(broken)) == len(push_service.to(expired)) == 1
    await db.commit()
    kept = {d.endpoint for d in (await db.exec(select(PushSubscription))).all()}
    assert kept == {broken.endpoint, unreachable.endpoint, phone.endpoint}  # 410 Gone: that device is forgotten
    assert sorted(records.lines) == sorted([
        "web push to 127.0.0.1 failed: 500", "web push to 127.0.0.1 failed: 410",
        "web push to 127.0.0.1 failed: ConnectionError",
    ])
    assert len(await notifications(db, scene.dossier.id)) == 1


# --- the VAPID key --------------------------------------------------------------------------------------


def test_the_vapid_key_is_made_at_first_start_for_this_host_only_and_kept(tmp_path):
    settings = Settings(env="test", secret=TEST_SECRET, data_dir=tmp_path, origin=ORIGIN,
                        database_url=f"sqlite+aiosqlite:///{tmp_path / 'c.sqlite3'}")
    first = webpush.Pusher.from_settings(settings)
    key_file = tmp_path / "vapid" / "private_key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["private_key.pem"]
    assert webpush.Pusher.from_settings(settings).application_server_key == first.application_server_key
    point = unb64url(first.application_server_key)
    assert len(point) == 65 and point[0] == 4  # an uncompressed P-256 point, as PushManager.subscribe wants


def test_a_vapid_key_and_contact_from_the_environment_are_used_as_they_are(tmp_path):
    vapid = Vapid()
    vapid.generate_keys()
    raw = b64url(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))
    env = {"CARNET_DATA_DIR": str(tmp_path), "CARNET_VAPID_PRIVATE_KEY": raw,
           "CARNET_VAPID_SUBJECT": "mailto:dpo@carnet.example.fr"}
    pusher = webpush.Pusher.from_settings(load_settings(env))
    assert pusher.application_server_key == webpush.Pusher(vapid, contact="").application_server_key
    assert pusher.contact == "mailto:dpo@carnet.example.fr"
    assert not (tmp_path / "vapid").exists()
    pem = vapid.private_pem().decode()
    from_pem = webpush.Pusher.from_settings(load_settings({**env, "CARNET_VAPID_PRIVATE_KEY": pem}))
    assert from_pem.application_server_key == pusher.application_server_key
    with pytest.raises(SettingsError, match="CARNET_VAPID_PRIVATE_KEY"):
        webpush.Pusher.from_settings(load_settings({**env, "CARNET_VAPID_PRIVATE_KEY": "pas-une-cle"}))
    with pytest.raises(SettingsError, match="CARNET_VAPID_SUBJECT"):
        load_settings({**env, "CARNET_VAPID_SUBJECT": "dpo@carnet.example.fr"})


async def test_the_public_key_is_served_to_the_page(client, app):
    answer = await client.get("/notifications/cle-publique")
    assert answer.status_code == 200 and answer.json() == {"key": app.state.pusher.application_server_key}


async def test_each_new_document_from_a_professional_is_pushed_without_its_title(client, db, app, scene, push_service):
    from server.professionals.checks import Upload
    from server.professionals.uploads import add_professional_document
    from server.models import paris_today
    from tests.fhir_support import report_pdf

    phone = push_service.device("telephone")
    assert (await subscribe(client, db, scene.camille, phone)).status_code == 200
    for title in ("Bilan kinésithérapique initial", "Bilan kinésithérapique de fin de séances"):
        await add_professional_document(db, app.state.storage, account=scene.julie, dossier_id=scene.dossier.id,
                                        upload=Upload(title=title, category="compte_rendu", event_date=paris_today(),
                                                      filename="bilan.pdf", data=report_pdf(title)),
                                        today=paris_today())
        app.state.pusher.send_committed(db, app.state.sessionmaker)  # as app.provide_db does after a request
        await settled(app)
    payloads = [phone.read(m) for m in push_service.to(phone)]
    assert payloads == [{"title": "Carnet", "body": "Un nouveau document a été ajouté à votre dossier.",
                         "url": "/historique"}] * 2
    assert push_service.to(phone)[0].headers["topic"] == "document"
    # A new document is news, not an access: the banner said "2 nouveaux accès au dossier".
    await as_account(client, db, scene.camille)
    banner = banner_of(html.unescape((await client.get(scene.url)).text))
    assert re.search(r'<span class="notice-count">\d+</span> nouveautés sur le dossier', banner), banner
    assert "nouveaux accès" not in banner and 'aria-label="Vu : masquer ces nouveautés"' in banner


async def test_the_timelines_two_new_counts_each_say_what_they_count_and_agree_with_their_pages(client, db, app, scene):
    """The banner counts accesses to tell (notifications), the Historique's badge every event since its last
    visit: each says which, and each number is the one its own page shows (issue 13.3)."""
    await read_as(client, db, app, scene.julie, scene.url)
    await read_as(client, db, app, scene.julie, f"/documents/{scene.document.id}")  # logged, not a first access
    other = await professional(db, "Petit", given_name="Marc", profession="médecin", stem=8)
    await grants.grant_access(db, dossier=scene.dossier, professional=other, categories="", duration="sans",
                              actor=Actor(scene.camille.id, "patient", "Camille Martin"))
    await read_as(client, db, app, await account_for_professional(db, professional=other), scene.url)

    await as_account(client, db, scene.camille)
    page = html.unescape((await client.get(scene.url)).text).replace("\u00a0", " ")
    banner = banner_of(page)
    told = re.search(r'<span class="notice-count">(\d+)</span> nouveaux accès au dossier', banner)
    unseen = await notifications(db, scene.dossier.id)  # she has never pressed "Vu"
    assert told and int(told.group(1)) == len(unseen) == banner.count("<li>") == 2
    badge = re.search(r"Historique : <span class=\"badge log-badge\">(\d+) nouveaux événements</span>", page)
    _head, _seen, new_events = await visits.head_seen_and_new(db, account=scene.camille, dossier=scene.dossier)
    assert badge and int(badge.group(1)) == new_events > len(unseen)
    log_page = html.unescape((await client.get(f"{scene.url}/historique")).text)
    assert f"{new_events} nouveaux événements" in log_page
    # Seen there, neither is news on the timeline any more: the Historique shows every access the banner told of.
    page = (await client.get(scene.url)).text
    assert banner_of(page) == "" and "log-badge" not in page
    told_up_to, key = max(n.event_id for n in unseen), (scene.camille.id, scene.dossier.id)
    await db.rollback()  # this test's session read before the visit: a new transaction sees its mark
    assert (await db.get(BannerSeen, key)).event_id >= told_up_to


async def test_a_professional_already_in_the_log_is_told_of_at_their_first_read_and_only_then(client, db, app, scene,
                                                                                              push_service):
    """Whether a read is a professional's first is kept with them in the log's list of professionals (migration
    0019), not found by walking the log: one who is in the log without having opened the dossier (they added a
    document) is told of at their first read, once."""
    from server.professionals.checks import Upload
    from server.professionals.uploads import add_professional_document
    from server.models import paris_today
    from tests.fhir_support import report_pdf

    phone = push_service.device("telephone")
    assert (await subscribe(client, db, scene.camille, phone)).status_code == 200
    await add_professional_document(db, app.state.storage, account=scene.julie, dossier_id=scene.dossier.id,
                                    upload=Upload(title="Bilan initial", category="compte_rendu",
                                                  event_date=paris_today(), filename="bilan.pdf",
                                                  data=report_pdf("Bilan initial")), today=paris_today())
    app.state.pusher.send_committed(db, app.state.sessionmaker)
    await settled(app)
    with Statements(app.state.engine) as seen:
        for _ in range(2):
            assert (await read_as(client, db, app, scene.julie, scene.url)).status_code == 200
    topics = [message.headers["topic"] for message in push_service.to(phone)]
    assert topics == ["document", "consultation"]
    # Known from the write that keeps it (its RETURNING): no question of its own, inside the chain's lock.
    upserts = [s for s in seen.seen if s.startswith("INSERT INTO logprofessional")]
    assert len(upserts) == 2 and [s for s in seen.seen if "logprofessional" in s] == upserts
    [read] = [n for n in await notifications(db, scene.dossier.id)
              if (await db.get(AccessEvent, n.event_id)).action == "read_timeline"]
    first_read = await db.get(AccessEvent, read.event_id)
    remembered = await db.get(LogProfessional, (scene.dossier.id, first_read.actor_rpps))
    assert remembered.first_opened_seq == first_read.seq
    # Asked by a session that did not append it (this one appended her document): read from the list, the same.
    assert await professionals.first_opening(db, event=first_read) == first_read.seq


async def test_the_first_openings_of_logs_written_before_they_were_kept_are_found_once(db, app, scene):
    """Migration 0019 reads each dossier's log once for its professionals' first openings."""
    from alembic import command

    await db.commit()
    await migrate(app, command.downgrade, "0018")
    # A log as 0018's code wrote it: Julie (RPPS 10009876543) added a document, then read the dossier twice; the
    # list of professionals had no first opening.
    head = (await db.exec(select(AccessEvent.seq).where(AccessEvent.dossier_id == scene.dossier.id)
                          .order_by(AccessEvent.seq.desc()).limit(1))).one()
    rows = [dict(dossier_id=scene.dossier.id, seq=head + n, at=datetime.now(UTC), action=action,
                 actor_kind="professional", actor_name="Julie Moreau", actor_rpps="10009876543",
                 actor_account_id=scene.julie.id, prev_hash="0" * 64, hash="0" * 64)
            for n, action in enumerate(("add_document", "read_timeline", "read_document"), start=1)]
    await db.exec(insert(AccessEvent.__table__), params=rows)
    await db.exec(text("INSERT INTO logprofessional (dossier_id, key, label, last_seq) VALUES (:d, :k, :l, :s)"),
                  params={"d": scene.dossier.id, "k": "10009876543", "l": "Julie Moreau", "s": head + 3})
    await db.commit()
    await migrate(app, command.upgrade, "head")
    remembered = await db.get(LogProfessional, (scene.dossier.id, "10009876543"))
    assert (remembered.first_opened_seq, remembered.last_seq) == (head + 2, head + 3)


async def test_each_reader_starts_from_the_dossiers_own_mark_when_marks_become_each_readers(client, db, app, scene):
    """Migration 0023: "Vu" was one mark a dossier (`notification.seen_at`); each reader now has their own, from
    where the dossier's was, and nothing that was unseen becomes seen."""
    from alembic import command

    await read_as(client, db, app, scene.julie, scene.url)
    for stem, name in ((8, "Marc"), (9, "Anne")):
        other = await professional(db, "Petit", given_name=name, profession="médecin", stem=stem)
        await grants.grant_access(db, dossier=scene.dossier, professional=other, categories="", duration="sans",
                                  actor=Actor(scene.camille.id, "patient", "Camille Martin"))
        await read_as(client, db, app, await account_for_professional(db, professional=other), scene.url)
    first, second, third = sorted(n.event_id for n in await notifications(db, scene.dossier.id))
    await db.commit()
    await migrate(app, command.downgrade, "0022")
    # As 0022's code left it after a parent's "Vu": the second was kept from them, so it stayed unseen.
    await db.exec(text("UPDATE notification SET seen_at = :at WHERE event_id IN (:a, :c)"),
                  params={"at": datetime.now(UTC), "a": first, "c": third})
    await db.commit()
    await migrate(app, command.upgrade, "head")
    assert await seen_mark(db, scene.camille, scene.dossier) == first
    await as_account(client, db, scene.camille)
    told = banner_of((await client.get(scene.url)).text)
    assert "Marc Petit" in told and "Anne Petit" in told and "Julie Moreau" not in told
