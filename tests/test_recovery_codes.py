"""A recovery code is spent by the passkey it makes, never before: a passkey step that fails or is abandoned leaves
the code as it was, and two browsers holding one code make one passkey between them."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from server.auth.accounts import account_for_patient
from server.models import Passkey, RecoveryCode, Throttle, WebSession, utcnow
from tests.conftest import (
    ORIGIN, AsyncTestClient, activate, activate_professional, ceremony_options, login, new_professional, post_form,
    post_json, wrong_fields,
)
from tests.softauthn import SoftAuthenticator


@pytest.fixture
async def recovery(client, patient) -> str:
    """One of Camille's recovery codes, her passkey made and her browser logged out (she lost her phone)."""
    await activate(client, patient)
    code = re.findall(r"<code>([0-9A-Z-]+)</code>", (await client.get("/activer/codes")).text)[0]
    await post_form(client, "/deconnexion", {})
    return code


async def start_recovery(browser, code: str) -> None:
    response = await post_form(browser, "/recuperation", {"recovery_code": code}, follow_redirects=False)
    assert (response.status_code, response.headers.get("location")) == (303, "/activer/cle"), response.text


async def new_passkey(browser, authenticator: SoftAuthenticator | None = None):
    options, ceremony = await ceremony_options(browser, "/cle/options")
    credential = (authenticator or SoftAuthenticator(origin=ORIGIN)).create(options)
    return await post_json(browser, "/cle/verification", {"ceremony": ceremony, "credential": credential, "name": "Nouveau"})


async def codes_used(db) -> int:
    await db.commit()  # a fresh read: the app wrote from its own sessions
    return len((await db.exec(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None)))).all())  # type: ignore[union-attr]


async def passkeys_of(db, patient) -> int:
    await db.commit()
    account = await account_for_patient(db, patient=patient.patient)
    return len((await db.exec(select(Passkey).where(Passkey.account_id == account.id))).all())


async def test_a_code_whose_passkey_step_was_abandoned_still_works_from_another_browser(app, client, db, patient,
                                                                                        recovery):
    await start_recovery(client, recovery)
    await ceremony_options(client, "/cle/options")  # the dialog opened, then cancelled; the tab closed
    assert await codes_used(db) == 0 and await passkeys_of(db, patient) == 1
    async with AsyncTestClient(app, base_url=ORIGIN) as other:
        await start_recovery(other, recovery)
        phone = SoftAuthenticator(origin=ORIGIN)
        assert (await new_passkey(other, phone)).json() == {"redirect": "/cles"}
    assert await codes_used(db) == 1 and await passkeys_of(db, patient) == 2
    assert (await login(client, phone)).status_code == 200


async def test_a_passkey_refused_leaves_the_code_unspent_for_the_next_try(client, db, patient, recovery):
    await start_recovery(client, recovery)
    options, ceremony = await ceremony_options(client, "/cle/options")
    refused = await post_json(client, "/cle/verification", {
        "ceremony": ceremony, "name": "Nouveau",
        "credential": SoftAuthenticator(origin=ORIGIN).create(options, origin="http://localhost:9999")})
    assert refused.status_code == 400 and await codes_used(db) == 0
    assert (await new_passkey(client)).json() == {"redirect": "/cles"}  # the same half-session tries again
    assert await codes_used(db) == 1 and await passkeys_of(db, patient) == 2


async def test_two_browsers_holding_one_code_make_one_passkey_with_it(app, client, db, patient, recovery):
    async with AsyncTestClient(app, base_url=ORIGIN) as other:
        await start_recovery(client, recovery)
        await start_recovery(other, recovery)  # not spent yet: both may start
        assert (await new_passkey(client)).status_code == 200
        # The recovery ended the account's other sessions, the other browser's half-session with them.
        assert (await post_json(other, "/cle/options")).status_code in (401, 403)
        refused_page = await other.get(f"/dossiers/{patient.dossier.id}", follow_redirects=False)
        assert refused_page.headers["location"].startswith("/connexion")  # still not logged in
    assert await codes_used(db) == 1 and await passkeys_of(db, patient) == 2
    again = await post_form(client, "/recuperation", {"recovery_code": recovery.lower()})
    # When it served is said, as an activation code's is: her own use, or the sign that someone else has her codes.
    assert again.status_code == 400 and re.fullmatch(
        r"Ce code de secours a déjà servi, le \d+\s\w+ \d{4} à \d+\sh\s\d\d\. Utilisez-en un autre\. Si ce n'est pas "
        r"vous, quelqu'un a vos codes : une fois connecté, supprimez dans « Mes clés d'accès » la clé que vous n'avez "
        r"pas créée, et générez de nouveaux codes de secours\.", error_of(again)), error_of(again)
    unknown = await post_form(client, "/recuperation", {"recovery_code": "AAAA-BBBB-CCCC-DDDD"})
    assert error_of(unknown) == "Ce code de secours n'est pas valide ou a déjà servi."


async def test_two_browsers_registering_with_one_code_at_the_same_moment_make_one_passkey(app, db, patient, recovery):
    async with AsyncTestClient(app, base_url=ORIGIN) as one, AsyncTestClient(app, base_url=ORIGIN) as two:
        ceremonies = []
        for browser in (one, two):
            await start_recovery(browser, recovery)
            options, ceremony = await ceremony_options(browser, "/cle/options")
            ceremonies.append((browser, {"ceremony": ceremony, "name": "Nouveau",
                                         "credential": SoftAuthenticator(origin=ORIGIN).create(options)}))
        done = await asyncio.gather(*(post_json(browser, "/cle/verification", body) for browser, body in ceremonies))
    # The second refused: the code spent, or its half-session ended with the first's recovery, whichever it meets.
    first, second = sorted(response.status_code for response in done)
    assert first == 200 and second in (400, 401)
    assert await codes_used(db) == 1 and await passkeys_of(db, patient) == 2


def error_of(page) -> str:
    return html.unescape(re.search(r'<p class="error" role="alert" id="form-error"[^>]*>([^<]*)</p>', page.text)[1])


@pytest.mark.parametrize("typed", ["", "   ", " - "])
async def test_an_empty_code_is_a_field_to_fill_not_a_wrong_try(client, db, patient, recovery, typed):
    for _ in range(6):  # past settings.activation_max_attempts
        refused = await post_form(client, "/recuperation", {"recovery_code": typed})
        assert refused.status_code == 400
        assert error_of(refused) == "Saisissez l'un de vos codes de secours."
        assert wrong_fields(refused.text) == ["recovery_code"]
    await db.commit()
    assert (await db.exec(select(Throttle).where(Throttle.key.startswith("recovery-client:")))).all() == []  # type: ignore[attr-defined]
    await start_recovery(client, recovery)  # no pause was earned


async def test_wrong_codes_still_earn_a_pause_even_for_the_right_one(client, db, patient, recovery):
    for _ in range(5):  # settings.activation_max_attempts
        assert (await post_form(client, "/recuperation", {"recovery_code": "AAAA-BBBB-CCCC-DDDD"})).status_code == 400
    paused = await post_form(client, "/recuperation", {"recovery_code": recovery})
    assert paused.status_code == 429 and error_of(paused).startswith("Trop d'essais.")
    assert await codes_used(db) == 0


async def test_wrong_codes_sent_all_at_once_earn_no_more_tries_than_one_after_the_other(client, db, patient, recovery):
    """Each attempt is counted before its code is looked up: a burst is checked five times (the limit), not once per
    request that arrived before the first failure was written."""
    burst = await asyncio.gather(*(post_form(client, "/recuperation", {"recovery_code": f"AAAA-BBBB-CCCC-{n:04d}"})
                                   for n in range(20)))
    statuses = sorted(response.status_code for response in burst)
    assert statuses == [400] * 5 + [429] * 15
    assert (await post_form(client, "/recuperation", {"recovery_code": recovery})).status_code == 429


async def test_a_right_code_is_not_counted_against_the_address(client, db, patient, recovery):
    for _ in range(4):  # one short of the pause
        assert (await post_form(client, "/recuperation", {"recovery_code": "AAAA-BBBB-CCCC-DDDD"})).status_code == 400
    await start_recovery(client, recovery)  # right: given back, so the next typo is still the fifth, not a pause
    assert (await post_form(client, "/recuperation", {"recovery_code": "AAAA-BBBB-CCCC-DDDD"})).status_code == 400


async def test_a_recovery_logs_out_the_lost_phone_s_sessions(app, client, db, patient):
    """"J'ai perdu ma clé d'accès": the phone lost (and still logged in) reads nothing once its owner has recovered."""
    await activate(client, patient)  # the phone, logged in
    code = re.findall(r"<code>([0-9A-Z-]+)</code>", (await client.get("/activer/codes")).text)[0]
    assert (await client.get(f"/dossiers/{patient.dossier.id}", follow_redirects=False)).status_code == 200
    async with AsyncTestClient(app, base_url=ORIGIN) as new_phone:
        await start_recovery(new_phone, code)
        assert (await new_passkey(new_phone)).json() == {"redirect": "/cles"}
        assert (await new_phone.get(f"/dossiers/{patient.dossier.id}", follow_redirects=False)).status_code == 200
    assert (await client.get(f"/dossiers/{patient.dossier.id}", follow_redirects=False)).status_code == 303


def text_of(page) -> str:
    """A page's words as read: entities decoded, no-break spaces as spaces, tags gone."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(page.text).replace("\u00a0", " ")
                                      .replace("\u202f", " ")))


async def test_after_a_recovery_my_keys_says_the_lost_phone_s_key_still_opens_the_account_and_removes_it(
        app, client, db, patient):
    """The recovery logged the lost phone out, but its key still logs it in: the new phone is led to "Mes clés
    d'accès", told so, and removes every other key at once; the Historique says what happened."""
    lost_phone = await activate(client, patient)
    code = re.findall(r"<code>([0-9A-Z-]+)</code>", (await client.get("/activer/codes")).text)[0]
    async with AsyncTestClient(app, base_url=ORIGIN) as new_phone:
        await start_recovery(new_phone, code)
        assert (await new_passkey(new_phone)).json() == {"redirect": "/cles"}
        keys = text_of(await new_phone.get("/cles"))
        assert "Vous avez utilisé un code de secours" in keys
        assert ("Votre nouvelle clé d'accès est créée, et vos autres appareils ont été déconnectés. Mais cette clé "
                "ouvre toujours votre dossier") in keys
        card = re.search(r'<section class="card stack" aria-labelledby="recovered">.*?</section>',
                         (await new_phone.get("/cles")).text, re.S)[0]
        assert "Téléphone" in card and "Nouveau" not in card and 'action="/cles/autres-cles/suppression"' in card
        assert "Supprimer votre autre clé d'accès" in html.unescape(card)  # confirmed first
        one_left = text_of(await new_phone.get("/cles"))  # one key is not "all at once"
        assert "Supprimez-la si l'appareil qui la garde est perdu ou volé" in one_left
        assert "toutes à la fois" not in one_left
        # As said: whoever holds the lost phone logs in again with its key.
        async with AsyncTestClient(app, base_url=ORIGIN) as thief:
            assert (await login(thief, lost_phone)).status_code == 200
            removed = await post_form(new_phone, "/cles/autres-cles/suppression", {}, follow_redirects=False)
            assert removed.headers["location"] == "/cles?fait=autres-cles-supprimees"
            keys = text_of(await new_phone.get(removed.headers["location"]))
            assert "Vos autres clés d'accès sont supprimées" in keys
            assert "Vous avez utilisé un code de secours" not in keys
            # The lost phone's session ended with its key, and the key opens nothing more.
            assert (await thief.get(f"/dossiers/{patient.dossier.id}", follow_redirects=False)).status_code == 303
            assert (await login(thief, lost_phone)).status_code == 400
        assert await passkeys_of(db, patient) == 1
        log = text_of(await new_phone.get(f"/dossiers/{patient.dossier.id}/historique"))
    assert re.search(r"Vous avez utilisé un code de secours pour vous connecter .+? ; vos autres appareils ont été "
                     r"déconnectés", log), log
    assert "Vous avez supprimé une clé d'accès (« Téléphone »)" in log
    assert "Vous avez ajouté une clé d'accès (« Nouveau »)" in log


async def test_every_other_key_goes_at_once_but_this_session_s_own_and_only_after_a_recent_login(app, client, db,
                                                                                                patient):
    await activate(client, patient)  # "Téléphone", this session's
    for name in ("Tablette", "Ordinateur"):
        options, ceremony = await ceremony_options(client, "/cle/options")
        credential = SoftAuthenticator(origin=ORIGIN).create(options)
        added = await post_json(client, "/cle/verification", {"ceremony": ceremony, "name": name,
                                                              "credential": credential})
        assert added.status_code == 200
    await db.exec(update(WebSession).values(created_at=utcnow() - timedelta(minutes=11)))
    await db.commit()
    refused = await post_form(client, "/cles/autres-cles/suppression", {})
    assert refused.status_code == 403 and "cette action demande une connexion de moins de 10 minutes" in refused.text
    assert await passkeys_of(db, patient) == 3
    await db.exec(update(WebSession).values(created_at=utcnow()))
    await db.commit()
    removed = await post_form(client, "/cles/autres-cles/suppression", {}, follow_redirects=False)
    assert removed.headers["location"] == "/cles?fait=autres-cles-supprimees"
    assert await passkeys_of(db, patient) == 1
    keys = text_of(await client.get("/cles"))
    assert "Utilisée pour cette connexion" in keys and "C'est votre seule clé" in keys
    log = text_of(await client.get(f"/dossiers/{patient.dossier.id}/historique"))
    assert "Vous avez supprimé une clé d'accès (« Tablette »)" in log
    assert "Vous avez supprimé une clé d'accès (« Ordinateur »)" in log
    again = await post_form(client, "/cles/autres-cles/suppression", {}, follow_redirects=False)
    assert again.headers["location"] == "/cles"  # a second click: nothing was removed, nothing is said


async def test_a_recovery_made_elsewhere_is_told_at_the_owner_s_next_login(app, client, db, patient):
    """A recovery code used by someone else (the codes file saved on the stolen phone) logs its owner out: logging in
    again with her key, she is told first, on "Mes dossiers", which key it made and what to do, and only once."""
    phone = await activate(client, patient)
    code = re.findall(r"<code>([0-9A-Z-]+)</code>", (await client.get("/activer/codes")).text)[1]
    async with AsyncTestClient(app, base_url=ORIGIN) as thief:
        await start_recovery(thief, code)
        assert (await new_passkey(thief)).json() == {"redirect": "/cles"}  # its own page says what it did
    assert (await client.get(f"/dossiers/{patient.dossier.id}", follow_redirects=False)).status_code == 303
    back = (await login(client, phone)).json()["redirect"]
    assert back == "/mes-dossiers"
    told = text_of(await client.get(back))
    assert ("Un code de secours a servi à créer la clé d'accès « Nouveau », et vos autres appareils ont été "
            "déconnectés. Si ce n'est pas vous, supprimez cette clé dans « Mes clés d'accès », puis générez de "
            "nouveaux codes de secours : quelqu'un a les vôtres.") in told
    notice = re.search(r'action="(/avis/[^"]+/vu)"', (await client.get(back)).text)[1]
    await post_form(client, notice, {})
    assert (await login(client, phone)).json()["redirect"] == "/"


async def test_a_professional_is_told_too_and_led_on_to_her_patients(app, client, db):
    """A professional's phone holds her patients' dossiers: a recovery made elsewhere is said at her next login, then
    "Mes patients" is one tap away."""
    phone = await activate_professional(client, await new_professional(db))
    code = re.findall(r"<code>([0-9A-Z-]+)</code>", (await client.get("/activer/codes")).text)[0]
    async with AsyncTestClient(app, base_url=ORIGIN) as thief:
        await start_recovery(thief, code)
        assert (await new_passkey(thief)).json() == {"redirect": "/cles"}
    back = (await login(client, phone)).json()["redirect"]
    assert back == "/mes-dossiers?suite=/pro"
    page = await client.get(back)
    assert "Un code de secours a servi à créer la clé d'accès « Nouveau »" in text_of(page)
    assert re.search(r'<a class="button block" href="/pro">', page.text)


async def test_the_device_that_recovered_is_not_told_its_own_recovery_and_cannot_silence_it(app, client, db, patient):
    """The notice is for the keys that were there before the recovery: the device that made it (a thief holding the
    codes file) could otherwise read it on "Mes dossiers" and tap "J'ai compris", and the owner would never hear of
    it; on the owner's own new phone it would say "Si ce n'est pas vous" of what she has just done. A key that device
    adds afterwards is its own too."""
    phone = await activate(client, patient)
    code = re.findall(r"<code>([0-9A-Z-]+)</code>", (await client.get("/activer/codes")).text)[1]
    async with AsyncTestClient(app, base_url=ORIGIN) as thief:
        await start_recovery(thief, code)
        assert (await new_passkey(thief)).json() == {"redirect": "/cles"}
        home = await thief.get("/", follow_redirects=False)
        assert home.headers["location"] == f"/dossiers/{patient.dossier.id}"  # not "Mes dossiers" and its notice
        mine = await thief.get("/mes-dossiers")
        assert "Un code de secours a servi" not in text_of(mine) and "/avis/" not in mine.text
        second = SoftAuthenticator(origin=ORIGIN)  # a key of its own, added from the recovered session
        assert (await new_passkey(thief, second)).json() == {"redirect": "/cles?fait=cle-ajoutee"}
        assert (await login(thief, second)).json()["redirect"] == "/"
        assert "Un code de secours a servi" not in text_of(await thief.get("/mes-dossiers"))
    back = (await login(client, phone)).json()["redirect"]  # the owner, with the key she had
    assert back == "/mes-dossiers"
    told = await client.get(back)
    assert "Un code de secours a servi à créer la clé d'accès « Nouveau »" in text_of(told)


async def test_a_second_code_spent_by_the_device_of_the_first_cannot_silence_the_owner_s_notice(app, client, db,
                                                                                                  patient):
    """A thief holding the codes file spends one, then a second: the second's notice replaced the first's and, dated
    after the first key, was told to it, whose "J'ai compris" left the owner told of neither."""
    phone = await activate(client, patient)
    codes = re.findall(r"<code>([0-9A-Z-]+)</code>", (await client.get("/activer/codes")).text)
    async with AsyncTestClient(app, base_url=ORIGIN) as thief:
        first, second = SoftAuthenticator(origin=ORIGIN), SoftAuthenticator(origin=ORIGIN)
        await start_recovery(thief, codes[1])
        assert (await new_passkey(thief, first)).json() == {"redirect": "/cles"}
        await post_form(thief, "/deconnexion", {})
        await start_recovery(thief, codes[2])
        assert (await new_passkey(thief, second)).json() == {"redirect": "/cles"}
        await login(thief, first)
        mine = await thief.get("/mes-dossiers")
        for notice_id in re.findall(r'action="/avis/([0-9a-f]+)/vu"', mine.text):
            await post_form(thief, f"/avis/{notice_id}/vu", {})
        assert "Un code de secours a servi" not in text_of(await thief.get("/mes-dossiers"))
    back = (await login(client, phone)).json()["redirect"]
    assert back == "/mes-dossiers"
    told = text_of(await client.get(back))
    assert told.count("Un code de secours a servi à créer la clé d'accès « Nouveau »") == 2, told
