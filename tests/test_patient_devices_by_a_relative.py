"""A relative who manages a dossier logs out every device of its patient (an outside probe's find: a father's phone
lost while logged in, and no other device nor recovery code at hand, and only he or the insurance desk could act).
His sessions end at once and his devices are pushed nothing more; his passkeys stay, each asking the phone's lock at
every login. His Historique says who did it, and his first page after his next login tells him. Only a manager, with
a login of less than 10 minutes: a reader is told she may only read, anyone else is refused as for a dossier that
does not exist. A minor's parent may do it for a child who has an account of his own."""

from __future__ import annotations

import html

from sqlmodel import select

from server.auth.accounts import account_for_patient
from server.caregivers.notices import text_of
from server.models import AccountNotice
from server.auth.sessions import start_session
from tests.conftest import ORIGIN, AsyncTestClient, activate, login, new_patient, post_form, set_cookie
from tests.patient_helpers import MISSING, events
from tests.caregiver_helpers import (  # noqa: F401  (camille and family: fixtures)
    accept_as_newcomer, as_account, camille, family, invitation_code, same_as_missing, words_of,
)
from tests.test_lost_device_push import emergency, subscribe_here, told, urgentiste  # noqa: F401  (urgentiste: a fixture)
from tests.test_managers_pages_to_readers import READS_ONLY
from tests.test_notifications import push_service, scene  # noqa: F401  (fixtures)
from tests.profile_page_helpers import browser, caregiver
from tests.test_recent_login import RELOGIN, age_sessions, relogin
from tests.test_rights_changed_meanwhile import READ_ONLY

ACTION = "patient_devices_logged_out"


def devices_url(dossier_id: str) -> str:
    return f"/dossiers/{dossier_id}/appareils/deconnexion"


def said(response) -> str:
    """The page's words, its no-break spaces as plain ones."""
    return words_of(response).replace("\u00a0", " ").replace("\u202f", " ")


async def logged_out(browser_) -> bool:
    """Whether this browser's session has ended: its next page is the login's."""
    answer = await browser_.get("/mes-dossiers", follow_redirects=False)
    assert answer.status_code in (200, 303), answer.status_code
    return answer.status_code == 303 and answer.headers["location"].startswith("/connexion")


async def test_a_relative_who_manages_logs_out_every_device_of_the_patient_whose_passkeys_stay(
        app, client, db, scene, push_service, urgentiste):
    lost = push_service.device("telephone-perdu")
    phone = await activate(client, scene.patient)  # Camille's phone, her passkey on it, subscribed to the pushes
    await subscribe_here(client, lost)
    url = devices_url(scene.dossier.id)
    async with AsyncTestClient(app, base_url=ORIGIN) as laptop:
        set_cookie(laptop, "carnet_session", await start_session(db, account=scene.camille, authenticated=True))
        paul = await caregiver(db, scene.patient, level="gestion", given="Paul")
        async with browser(app, db, paul) as his_phone:
            proches = await his_phone.get(f"{scene.url}/proches")
            assert f'href="{url}"' in proches.text and "Déconnecter tous les appareils de Camille" in said(proches)
            page = await his_phone.get(url)
            assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
            # What it does, what it leaves, and what she can do next, in Carnet's own words.
            for words in ("chaque appareil connecté au compte de Camille est déconnecté",
                          "ces appareils ne reçoivent plus les notifications de Carnet",
                          "ses clés d'accès restent : chacune demande de déverrouiller l'appareil qui la garde",
                          "Vous ne pouvez pas les supprimer à sa place",
                          "« Se connecter avec une clé d'accès »", "« J'ai perdu ma clé d'accès »",
                          "un nouveau code d'activation à sa caisse d'assurance maladie ou à son pharmacien",
                          "« Activer mon dossier »", "supprime ensuite sa clé dans « Mes clés d'accès »"):
                assert words in said(page), words
            assert not await logged_out(client) and not await logged_out(laptop)

            done = await post_form(his_phone, url, {}, follow_redirects=False)
            assert (done.status_code, done.headers["location"]) == (303, f"{url}?fait=appareils-deconnectes")
            after = await his_phone.get(done.headers["location"])
            assert "Tous les appareils de Camille sont déconnectés, dès maintenant." in said(after)
            assert "Pour le compte de Camille Martin, vous avez déconnecté tous les appareils de Camille Martin à" \
                in said(await his_phone.get(f"{scene.url}/historique"))
        # Each of her devices' old cookie is sent to the login.
        assert await logged_out(client) and await logged_out(laptop)
    # The lost phone's lock screen is told nothing more.
    await emergency(app, db, scene, urgentiste)
    assert told(push_service, lost) == []

    # Her passkey stays: she logs in again with it, and her first page says who logged her devices out.
    assert (await login(client, phone)).status_code == 200
    first = await client.get("/", follow_redirects=False)
    assert first.headers["location"] == "/mes-dossiers"
    assert ("Paul Martin a déconnecté tous vos appareils, pour votre compte. Vos clés d'accès ouvrent toujours votre "
            "dossier : celle d'un appareil perdu, supprimez-la dans « Mes clés d'accès ».") \
        in said(await client.get("/mes-dossiers"))
    # A login that leads back to her dossier finds it above her documents, as a relative's other changes.
    assert "Paul Martin, pour votre compte, a déconnecté tous vos appareils le" in said(await client.get(scene.url))
    [event] = [e for e in await events(db, scene.dossier.id) if e.action == ACTION]
    assert (event.actor_kind, event.actor_name, event.on_behalf_of) == ("caregiver", "Paul Martin", "Camille Martin")
    log = said(await client.get(f"{scene.url}/historique"))
    assert "Paul Martin, pour votre compte, a déconnecté tous vos appareils à" in log


async def test_a_reader_is_told_she_may_only_read_and_anyone_else_learns_nothing(client, db, app, patient, camille):
    url, missing = devices_url(patient.dossier.id), devices_url(MISSING)
    lea = await caregiver(db, patient, level="lecture", given="Léa")
    async with browser(app, db, lea) as her_phone:
        opened = await her_phone.get(url)
        assert opened.status_code == 403 and READS_ONLY in words_of(opened)
        sent = await post_form(her_phone, url, {})
        assert sent.status_code == 403 and READ_ONLY in words_of(sent)
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=7)
    stranger = await caregiver(db, hugo, level="gestion", given="Inès")  # manages a dossier, not Camille's
    async with browser(app, db, stranger) as phone:
        await same_as_missing(phone, url, missing)
        await same_as_missing(phone, url, missing, data={})
    # Camille's own devices are on "Mes clés d'accès": her "Proches" page offers nothing, the address is no page.
    assert url not in (await client.get(f"/dossiers/{patient.dossier.id}/proches")).text
    await same_as_missing(client, url, missing)
    assert not await logged_out(client)
    assert ACTION not in {e.action for e in await events(db, patient.dossier.id)}


async def test_a_login_of_more_than_10_minutes_logs_in_again_with_her_passkey_first(client, db, app, patient, camille):
    url = devices_url(patient.dossier.id)
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with AsyncTestClient(app, base_url=ORIGIN) as paul:
        key = await accept_as_newcomer(paul, code, given="Paul", family="Martin")
        await age_sessions(db)
        refused = await post_form(paul, url, {})
        assert refused.status_code == 403
        assert "cette action demande une connexion de moins de 10 minutes" in html.unescape(refused.text)
        assert RELOGIN.search(refused.text)[1] == url  # her passkey again, then back to this page
        assert not await logged_out(client)
        assert ACTION not in {e.action for e in await events(db, patient.dossier.id)}

        again = await relogin(paul, key, url)
        assert again.status_code == 200 and again.json()["redirect"] == url
        assert "data-resumed-form" in (await paul.get(url)).text
        done = await post_form(paul, url, {}, follow_redirects=False)
        assert done.status_code == 303
    assert await logged_out(client)


async def test_a_parent_logs_out_the_devices_of_her_childs_own_account(client, db, app, family):
    """A child's lost phone is his parents' to deal with: it gives them nothing of his (tests/test_caregivers_parents.py for
    what is kept from them), and he logs in again with his own passkey."""
    leo, mother = family
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    attached = await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()},
                               follow_redirects=False)
    assert attached.status_code == 303
    url, proches = devices_url(leo.dossier.id), f"/dossiers/{leo.dossier.id}/proches"
    # No account of his own yet: no device to log out.
    assert url not in (await client.get(proches)).text
    await same_as_missing(client, url, devices_url(MISSING))

    his_account = await account_for_patient(db, patient=leo.patient)
    async with browser(app, db, his_account) as his_phone:
        assert "Déconnecter tous les appareils de Léo" in said(await client.get(proches))
        done = await post_form(client, url, {}, follow_redirects=False)
        assert done.status_code == 303
        assert await logged_out(his_phone)
    [event] = [e for e in await events(db, leo.dossier.id) if e.action == ACTION]
    assert (event.actor_name, event.on_behalf_of) == ("Camille Martin", "Léo Martin")
    [notice] = (await db.exec(select(AccountNotice).where(AccountNotice.account_id == his_account.id))).all()
    assert text_of(notice).startswith("Camille Martin a déconnecté tous vos appareils, pour votre compte.")
