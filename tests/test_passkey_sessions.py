"""A passkey removed logs out the devices logged in with it, and "Déconnecter les autres appareils" logs out every
other: a lost phone's session neither reads the dossier on, nor adds a passkey of its own (an outside probe's find)."""

from __future__ import annotations

import html
import re

from sqlmodel import select

from server.auth.accounts import account_for_patient
from server.auth.passkeys import account_passkeys
from tests.conftest import ORIGIN, AsyncTestClient, activate, ceremony_options, login, post_form, post_json
from tests.softauthn import SoftAuthenticator


async def add_passkey(client, name: str) -> SoftAuthenticator:
    options, ceremony = await ceremony_options(client, "/cle/options")
    authenticator = SoftAuthenticator(origin=ORIGIN)
    added = await post_json(client, "/cle/verification", {"ceremony": ceremony, "credential": authenticator.create(options),
                                                          "name": name})
    assert added.status_code == 200, added.text
    return authenticator


async def reads(client, patient) -> bool:
    """Whether this browser's session still opens the dossier."""
    page = await client.get(f"/dossiers/{patient.dossier.id}", follow_redirects=False)
    assert page.status_code in (200, 303), page.status_code
    return page.status_code == 200


async def passkey_ids(db, patient) -> dict[str, str]:
    keys = await account_passkeys(db, account=await account_for_patient(db, patient=patient.patient))
    await db.commit()
    return {key.name: key.id for key in keys}


async def test_a_passkey_removed_from_another_device_logs_out_the_phone_that_used_it(client, db, app, patient):
    await activate(client, patient)  # the phone: its session was opened with "Téléphone"
    tablet_key = await add_passkey(client, "Tablette")
    async with AsyncTestClient(app, base_url=ORIGIN) as tablet:
        assert (await login(tablet, tablet_key)).status_code == 200
        keys = await passkey_ids(db, patient)
        removed = await post_form(tablet, f"/cles/{keys['Téléphone']}/suppression", {}, follow_redirects=False)
        assert removed.headers["location"] == "/cles?fait=cle-supprimee"
        said = (await tablet.get(removed.headers["location"])).text
        assert "cet appareil ne peut plus ouvrir votre dossier, et il est déconnecté." in said
        assert await reads(tablet, patient)
    # The phone's cookie opens nothing more, and cannot give itself a passkey.
    assert not await reads(client, patient)
    refused = await post_json(client, "/cle/options")
    assert refused.status_code in (401, 403) or "publicKey" not in refused.text
    assert set(await passkey_ids(db, patient)) == {"Tablette"}


async def test_removing_this_device_s_own_key_logs_it_out_as_its_confirmation_says(client, db, patient):
    await activate(client, patient)
    await add_passkey(client, "Tablette")
    page = (await client.get("/cles")).text
    assert "Supprimer la clé «\u00a0Téléphone\u00a0» de cet appareil-ci ? Votre session sera fermée" in page
    assert "Supprimer la clé «\u00a0Tablette\u00a0»\u202f? Cet appareil ne pourra plus ouvrir votre dossier." in page
    keys = await passkey_ids(db, patient)
    removed = await post_form(client, f"/cles/{keys['Téléphone']}/suppression", {}, follow_redirects=False)
    assert removed.headers["location"] == "/connexion?deconnecte=1"
    assert re.search(r'carnet_session="?"?;', removed.headers["set-cookie"]) or "Max-Age=0" in removed.headers["set-cookie"]
    assert not await reads(client, patient)


async def test_every_other_device_is_logged_out_at_once(client, db, app, patient):
    phone_key = await activate(client, patient)
    tablet_key = await add_passkey(client, "Tablette")
    async with AsyncTestClient(app, base_url=ORIGIN) as tablet, AsyncTestClient(app, base_url=ORIGIN) as laptop:
        assert (await login(tablet, tablet_key)).status_code == 200
        assert (await login(laptop, phone_key)).status_code == 200  # the same key, on another browser
        page = (await client.get("/cles")).text
        assert "Votre compte est ouvert sur cet appareil et sur 2 autres." in page
        done = await post_form(client, "/cles/autres-appareils/deconnexion", {}, follow_redirects=False)
        assert done.headers["location"] == "/cles?fait=appareils-deconnectes"
        page = (await client.get(done.headers["location"])).text
        assert "Vos autres appareils sont déconnectés" in page
        assert "Votre compte n'est ouvert que sur cet appareil." in page and "Déconnecter les autres appareils" not in page
        assert await reads(client, patient)
        assert not await reads(tablet, patient) and not await reads(laptop, patient)
        # Their keys stay: each can log in again, as the page says.
        assert "Leur clé d'accès leur permet toujours de revenir : supprimez celle d'un appareil perdu." in \
            html.unescape(page).replace("\u00a0", " ").replace("\u202f", " ")
        assert (await login(tablet, tablet_key)).status_code == 200 and await reads(tablet, patient)
    # The Historique says it, as it says a key added or removed.
    log = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/historique")).text).replace("\u00a0", " ")
    assert re.search(r"Vous avez déconnecté vos autres appareils", log)


async def test_a_session_opened_long_ago_logs_in_again_before_it_adds_a_passkey_or_makes_codes(client, db, patient):
    """A phone left unlocked, or taken, in a live session: it may read on until the session ends, but a passkey of its
    own or a new set of recovery codes (each a way in for ever) needs its owner's passkey again (sessions.RECENT_LOGIN)."""
    from datetime import timedelta

    from sqlalchemy import update

    from server.models import RecoveryCode, WebSession, utcnow

    phone = await activate(client, patient)
    await add_passkey(client, "Ordinateur")  # her other key, which the phone left unlocked must not remove
    await db.exec(update(WebSession).values(created_at=utcnow() - timedelta(minutes=11)))
    await db.commit()
    page = (await client.get("/cles")).text
    assert "demande une connexion de moins de 10 minutes" in page and "Me reconnecter pour continuer" in page
    assert "data-passkey-register" not in page and 'action="/cles/codes-de-secours"' not in page
    refused = await post_json(client, "/cle/options")
    assert refused.status_code == 403 and "cette action demande une connexion de moins de 10 minutes" in refused.json()["error"]
    stripped = await post_form(client, f"/cles/{(await passkey_ids(db, patient))['Ordinateur']}/suppression", {})
    assert stripped.status_code == 403 and "cette action demande une connexion de moins de 10 minutes" in stripped.text
    codes_before = len((await db.exec(select(RecoveryCode))).all())
    await db.commit()
    no_codes = await post_form(client, "/cles/codes-de-secours", {})
    assert no_codes.status_code == 403 and "cette action demande une connexion de moins de 10 minutes" in no_codes.text
    assert len((await db.exec(select(RecoveryCode))).all()) == codes_before
    await db.commit()
    # "Me reconnecter pour continuer": logged out, then the passkey's login leads back to "Mes clés d'accès".
    out = await post_form(client, "/deconnexion", {"suite": "/cles"}, follow_redirects=False)
    assert out.headers["location"] == "/connexion?deconnecte=1&suite=/cles"
    options, ceremony = await ceremony_options(client, "/connexion/options")
    back = await post_json(client, "/connexion/verification", {"ceremony": ceremony, "credential": phone.get(options),
                                                              "next": "/cles"})
    assert back.json()["redirect"] == "/cles"
    assert "data-passkey-register" in (await client.get("/cles")).text
    await add_passkey(client, "Tablette")
    assert set(await passkey_ids(db, patient)) == {"Téléphone", "Ordinateur", "Tablette"}


async def age_sessions(db, minutes: int = 11) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from server.models import WebSession, utcnow

    await db.exec(update(WebSession).values(created_at=utcnow() - timedelta(minutes=minutes)))
    await db.commit()


async def test_a_session_opened_long_ago_gives_no_lasting_way_in_of_any_kind(client, db, app, patient):
    """Not a passkey, nor a relative who manages the dossier, a health link, recovery codes an activation left to
    show, a practice's software (a review's finds: each gave a phone left unlocked a way in for ever)."""
    from server.models import ApiClient, CaregiverInvitation, ShareLink
    from tests.conftest import activate_professional, new_professional
    from tests.fhir_support import Software

    await post_form(client, "/activer", {"code": patient.code, "birth_date": patient.birth_date.isoformat()})
    options, ceremony = await ceremony_options(client, "/cle/options")
    await post_json(client, "/cle/verification", {"ceremony": ceremony, "name": "Téléphone",
                                                  "credential": SoftAuthenticator(origin=ORIGIN).create(options)})
    await age_sessions(db)  # the activation's codes were never shown, and now will not be
    assert "<code>" not in (await client.get("/activer/codes")).text
    invited = await post_form(client, f"/dossiers/{patient.dossier.id}/proches/invitations",
                              {"niveau": "gestion", "duree": "sans"})
    assert invited.status_code == 403 and "cette action demande une connexion de moins de 10 minutes" in invited.text
    assert re.search(r'name="niveau" value="gestion" checked', invited.text)  # the choice kept, for after
    linked = await post_form(client, f"/dossiers/{patient.dossier.id}/liens-sante",
                             {"contenu": "summary", "duree": "1a", "nom": "Voyage"})
    assert "cette action demande une connexion de moins de 10 minutes" in linked.text
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        pro = await new_professional(db)
        await activate_professional(desk, pro)
        await age_sessions(db)
        registered = await post_form(desk, "/pro/logiciels", {"name": "Logiciel", "jwk": Software().public_jwk()})
        assert registered.status_code == 403 and "cette action demande une connexion de moins de 10 minutes" in registered.text
    for model in (CaregiverInvitation, ShareLink, ApiClient):
        assert (await db.exec(select(model))).all() == [], model
    await db.commit()
