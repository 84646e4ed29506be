"""Passkey ceremonies verified for real by py_webauthn: what must be refused is refused."""

import asyncio
import re
from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlmodel.ext.asyncio.session import AsyncSession

from server.auth.accounts import hash_secret
from server.auth.passkeys import PasskeyRefused, _take_challenge
from server.db import begin_write
from server.models import PasskeyChallenge, utcnow
from tests.conftest import ORIGIN, activate, ceremony_options, login, post_form, post_json, wrong_fields
from tests.softauthn import SoftAuthenticator, b64url


async def logout(client):
    await post_form(client, "/deconnexion", {})


async def test_a_registered_passkey_logs_in_without_a_user_name(client, patient):
    authenticator = await activate(client, patient)
    await logout(client)
    response = await login(client, authenticator)
    assert response.status_code == 200
    assert response.json()["redirect"] == "/"
    # The device is told which passkeys the account holds (WebAuthn's signalAllAcceptedCredentials), to forget others.
    assert response.json()["accepted"] == {"rpId": "localhost", "userId": b64url(authenticator.user_handle),
                                           "allAcceptedCredentialIds": [b64url(authenticator.credential_id)]}
    home = await client.get("/", follow_redirects=False)
    assert home.headers["location"] == f"/dossiers/{patient.dossier.id}"


async def test_a_replayed_login_challenge_is_refused(client, patient):
    authenticator = await activate(client, patient)
    await logout(client)
    options, ceremony = await ceremony_options(client, "/connexion/options")
    assertion = authenticator.get(options)
    assert (await post_json(client, "/connexion/verification", {"ceremony": ceremony, "credential": assertion})).status_code == 200
    await logout(client)
    replay = await post_json(client, "/connexion/verification", {"ceremony": ceremony, "credential": assertion})
    assert replay.status_code == 400
    assert "expiré ou a déjà servi" in replay.json()["error"]


async def test_a_login_sent_twice_at_once_opens_one_session(client, patient):
    """One assertion, its challenge taken by two requests at the same moment: one login, the other refused (a
    challenge read then deleted let both read it on PostgreSQL, where nothing made the second wait)."""
    authenticator = await activate(client, patient)
    await logout(client)
    options, ceremony = await ceremony_options(client, "/connexion/options")
    assertion = authenticator.get(options)
    body = {"ceremony": ceremony, "credential": assertion}
    both = await asyncio.gather(*(post_json(client, "/connexion/verification", body) for _ in range(2)))
    assert sorted(response.status_code for response in both) == [200, 400]


async def test_a_challenge_read_by_two_at_the_same_moment_is_taken_by_one(app, db):
    """The race above, made certain: a second request reads the challenge while the first has deleted it and not yet
    committed. On PostgreSQL its DELETE then waits for the first's commit and takes nothing: it is refused, not
    given the challenge (the ORM's delete of a row already gone only warned, and the second login went on)."""
    token = "un-defi-de-connexion"
    db.add(PasskeyChallenge(id=hash_secret(token), challenge=b"defi", purpose="login",
                            expires_at=utcnow() + timedelta(minutes=5)))
    await db.commit()
    async with AsyncSession(app.state.engine) as first, AsyncSession(app.state.engine) as second:
        await begin_write(first)
        await first.exec(delete(PasskeyChallenge).where(PasskeyChallenge.id == hash_secret(token)))
        racing = asyncio.create_task(_take_challenge(second, token=token, purpose="login"))
        await asyncio.sleep(0.5)  # the second has read it (PostgreSQL) or waits for the write lock (SQLite)
        await first.commit()
        with pytest.raises(PasskeyRefused):
            await racing


async def test_a_replayed_registration_challenge_is_refused(client, patient):
    await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-12"})
    options, ceremony = await ceremony_options(client, "/cle/options")
    first = SoftAuthenticator(origin=ORIGIN)
    await post_json(client, "/cle/verification", {"ceremony": ceremony, "credential": first.create(options), "name": "A"})
    late = SoftAuthenticator(origin=ORIGIN)
    second = await post_json(client, "/cle/verification", {"ceremony": ceremony, "credential": late.create(options), "name": "B"})
    assert second.status_code == 400
    # The device made that passkey all the same: it is told to forget it (WebAuthn's signalUnknownCredential), or it
    # would offer it at every login, to be refused.
    assert second.json()["unknownCredential"] == {"rpId": "localhost", "credentialId": b64url(late.credential_id)}


async def test_a_passkey_the_account_holds_is_never_named_for_its_device_to_forget(client, patient):
    authenticator = await activate(client, patient)
    options, ceremony = await ceremony_options(client, "/cle/options")
    again = await post_json(client, "/cle/verification", {"ceremony": ceremony, "credential": authenticator.create(options),
                                                         "name": "Encore"})
    assert again.status_code == 400 and "déjà enregistrée" in again.json()["error"]
    assert "unknownCredential" not in again.json()
    assert (await login(client, authenticator)).status_code == 200


async def test_an_assertion_from_another_origin_is_refused(client, patient):
    authenticator = await activate(client, patient)
    await logout(client)
    options, ceremony = await ceremony_options(client, "/connexion/options")
    response = await post_json(
        client, "/connexion/verification", {"ceremony": ceremony, "credential": authenticator.get(options, origin="https://carnet.example.evil")}
    )
    assert response.status_code == 400
    assert "pas pu être vérifiée" in response.json()["error"]


async def test_a_registration_from_another_origin_is_refused(client, patient):
    await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-12"})
    options, ceremony = await ceremony_options(client, "/cle/options")
    response = await post_json(
        client, "/cle/verification",
        {"ceremony": ceremony, "credential": SoftAuthenticator(origin=ORIGIN).create(options, origin="http://localhost:9999"), "name": "x"},
    )
    assert response.status_code == 400


async def test_an_assertion_without_user_verification_is_refused(client, patient):
    authenticator = await activate(client, patient)
    await logout(client)
    authenticator.user_verification = False
    options, ceremony = await ceremony_options(client, "/connexion/options")
    response = await post_json(client, "/connexion/verification", {"ceremony": ceremony, "credential": authenticator.get(options)})
    assert response.status_code == 400
    assert (await client.get("/cles", follow_redirects=False)).status_code == 303


async def test_a_registration_without_user_verification_is_refused(client, patient):
    await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-12"})
    options, ceremony = await ceremony_options(client, "/cle/options")
    assert options["authenticatorSelection"] == {
        "residentKey": "required", "requireResidentKey": True, "userVerification": "required",
    }
    authenticator = SoftAuthenticator(origin=ORIGIN, user_verification=False)
    response = await post_json(client, "/cle/verification", {"ceremony": ceremony, "credential": authenticator.create(options), "name": "x"})
    assert response.status_code == 400


async def test_an_unknown_credential_is_refused(client, patient):
    await activate(client, patient)
    await logout(client)
    stranger = SoftAuthenticator(origin=ORIGIN, user_handle=b"someone-else")
    options, ceremony = await ceremony_options(client, "/connexion/options")
    response = await post_json(client, "/connexion/verification", {"ceremony": ceremony, "credential": stranger.get(options)})
    assert response.status_code == 400
    assert "pas reconnue" in response.json()["error"]


async def test_a_user_handle_that_does_not_match_the_credential_is_refused(client, patient):
    authenticator = await activate(client, patient)
    await logout(client)
    authenticator.user_handle = b"0" * 32
    options, ceremony = await ceremony_options(client, "/connexion/options")
    response = await post_json(client, "/connexion/verification", {"ceremony": ceremony, "credential": authenticator.get(options)})
    assert response.status_code == 400


async def test_garbage_credentials_get_a_french_error_not_a_500(client, patient):
    await activate(client, patient)
    await logout(client)
    for credential in ["", "{", '{"id": 1}', '{"id": "x", "response": {"userHandle": "!!"}}', "[]"]:
        _, ceremony = await ceremony_options(client, "/connexion/options")
        response = await post_json(client, "/connexion/verification", {"ceremony": ceremony, "credential": credential})
        assert response.status_code == 400, credential
        assert "error" in response.json()


async def test_add_rename_and_remove_a_second_passkey_but_never_the_last(client, db, patient):
    await activate(client, patient)
    options, ceremony = await ceremony_options(client, "/cle/options")
    assert len(options["excludeCredentials"]) == 1
    second = SoftAuthenticator(origin=ORIGIN)
    added = await post_json(client, "/cle/verification", {"ceremony": ceremony, "credential": second.create(options), "name": "Tablette"})
    assert added.json()["redirect"] == "/cles?fait=cle-ajoutee"
    said = (await client.get(added.json()["redirect"])).text
    assert "est ajoutée : cet appareil peut ouvrir votre dossier." in said and "data-done" in said
    page = await client.get("/cles")
    assert "Tablette" in page.text and page.text.count('class="passkey card stack"') == 2
    from server.auth.passkeys import account_passkeys
    from server.auth.accounts import account_for_patient

    keys = await account_passkeys(db, account=await account_for_patient(db, patient=patient.patient))
    renamed = await post_form(client, f"/cles/{keys[1].id}/nom", {"name": "  Tablette   du salon "}, follow_redirects=False)
    assert renamed.headers["location"] == "/cles?fait=cle-renommee"
    assert "Tablette du salon" in (await client.get("/cles")).text
    removed = await post_form(client, f"/cles/{keys[1].id}/suppression", {}, follow_redirects=False)
    assert removed.headers["location"] == "/cles?fait=cle-supprimee"
    again = await post_form(client, f"/cles/{keys[1].id}/suppression", {}, follow_redirects=False)  # a second click
    assert again.headers["location"] == "/cles"  # nothing was deleted: nothing is said
    gone = await post_form(client, f"/cles/{keys[1].id}/nom", {"name": "X"}, follow_redirects=False)
    assert gone.headers["location"] == "/cles"
    assert "est supprimée : cet appareil ne peut plus ouvrir votre dossier, et il est déconnecté." in (await client.get(removed.headers["location"])).text
    await post_form(client, f"/cles/{keys[0].id}/suppression", {})
    page = await client.get("/cles")
    assert page.text.count('class="passkey card stack"') == 1
    assert "Supprimer" not in page.text.split("Ajouter un appareil")[0]
    assert "est votre seule clé : pour la supprimer, ajoutez d'abord celle d'un autre appareil" in page.text


async def test_the_last_passkey_cannot_be_removed_and_the_message_takes_the_focus(client, db, patient):
    await activate(client, patient)
    from server.auth.accounts import account_for_patient
    from server.auth.passkeys import account_passkeys

    keys = await account_passkeys(db, account=await account_for_patient(db, patient=patient.patient))
    response = await post_form(client, f"/cles/{keys[0].id}/suppression", {})
    assert response.status_code == 400
    assert "dernière clé" in response.text
    # No field is wrong: the message itself is what carnet.js focuses.
    assert wrong_fields(response.text) == [] and 'id="form-error" tabindex="-1" data-form-error' in response.text


async def test_a_recovery_code_replaces_a_lost_passkey_once(client, patient):
    await activate(client, patient)
    codes_page = (await client.get("/activer/codes")).text
    import re

    code = re.findall(r"<code>([0-9A-Z-]+)</code>", codes_page)[0]
    await logout(client)
    response = await post_form(client, "/recuperation", {"recovery_code": code}, follow_redirects=False)
    assert response.headers["location"] == "/activer/cle"
    options, ceremony = await ceremony_options(client, "/cle/options")
    new_phone = SoftAuthenticator(origin=ORIGIN)
    done = await post_json(client, "/cle/verification", {"ceremony": ceremony, "credential": new_phone.create(options), "name": "Nouveau"})
    assert done.json()["redirect"] == "/cles"  # where the lost phone's key, still valid, is to remove
    await logout(client)
    again = await post_form(client, "/recuperation", {"recovery_code": code})
    assert again.status_code == 400
    assert (await login(client, new_phone)).status_code == 200


async def test_two_ceremonies_in_one_browser_do_not_overwrite_each_other(client, patient):
    """The login page open in two tabs: each button's ceremony keeps its own challenge."""
    authenticator = await activate(client, patient)
    await logout(client)
    first_options, first = await ceremony_options(client, "/connexion/options")
    await ceremony_options(client, "/connexion/options")  # the other tab's
    response = await post_json(
        client, "/connexion/verification", {"ceremony": first, "credential": authenticator.get(first_options)}
    )
    assert response.status_code == 200


async def test_a_ceremony_token_from_another_ceremony_is_refused(client, patient):
    authenticator = await activate(client, patient)
    await logout(client)
    options, _ = await ceremony_options(client, "/connexion/options")
    _, other = await ceremony_options(client, "/connexion/options")
    response = await post_json(client, "/connexion/verification", {"ceremony": other, "credential": authenticator.get(options)})
    assert response.status_code == 400


async def test_adding_and_removing_a_passkey_is_in_the_patients_access_log(client, db, patient):
    from sqlmodel import select

    from server.auth.accounts import account_for_patient
    from server.accesslog.verify import verify_chain
    from server.models import AccessEvent
    from server.auth.passkeys import account_passkeys

    await activate(client, patient)
    options, ceremony = await ceremony_options(client, "/cle/options")
    await post_json(client, "/cle/verification",
                    {"ceremony": ceremony, "credential": SoftAuthenticator(origin=ORIGIN).create(options), "name": "Tablette"})
    keys = await account_passkeys(db, account=await account_for_patient(db, patient=patient.patient))
    await post_form(client, f"/cles/{keys[1].id}/suppression", {})
    await db.commit()
    events = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id)
                            .order_by(AccessEvent.seq))).all()
    # Each names, on a last line, the key it was done with: the first, made at activation, by none yet.
    assert [(e.action, e.detail) for e in events] == [
        ("passkey_added", "«\u00a0Téléphone\u00a0»"),
        ("passkey_added", "«\u00a0Tablette\u00a0»\nclé d'accès : Téléphone"),
        ("passkey_removed", "«\u00a0Tablette\u00a0»\nclé d'accès : Téléphone"),
    ]
    assert await verify_chain(db, dossier_id=patient.dossier.id) is None


async def test_a_key_removed_from_its_own_device_is_logged_as_removed_with_it(client, db, patient):
    """A thief's phone removing its own key from the account: the event still says which key did it."""
    from sqlmodel import select

    from server.auth.accounts import account_for_patient
    from server.auth.passkeys import account_passkeys
    from server.models import AccessEvent

    await activate(client, patient)
    options, ceremony = await ceremony_options(client, "/cle/options")
    await post_json(client, "/cle/verification",
                    {"ceremony": ceremony, "credential": SoftAuthenticator(origin=ORIGIN).create(options), "name": "Tablette"})
    this_one = (await account_passkeys(db, account=await account_for_patient(db, patient=patient.patient)))[0]
    await post_form(client, f"/cles/{this_one.id}/suppression", {})
    await db.commit()
    removed = (await db.exec(select(AccessEvent.detail).where(AccessEvent.dossier_id == patient.dossier.id,
                                                               AccessEvent.action == "passkey_removed"))).one()
    assert removed == "«\u00a0Téléphone\u00a0»\nclé d'accès : Téléphone"


async def test_a_new_name_longer_than_the_field_allows_is_refused_not_cut(client, db, patient):
    await activate(client, patient)
    from server.auth.accounts import account_for_patient
    from server.auth.passkeys import account_passkeys

    key = (await account_passkeys(db, account=await account_for_patient(db, patient=patient.patient)))[0]
    response = await post_form(client, f"/cles/{key.id}/nom", {"name": "Téléphone " + "x" * 60})
    assert response.status_code == 400 and "60 caractères au plus" in response.text
    # What was typed stays in its field, to shorten it (a probe's find: the old name came back instead).
    assert re.search(rf'<input id="name-{key.id}"[^>]*value="Téléphone {"x" * 40}', response.text)
    assert "x" * 50 not in (await client.get("/cles")).text
    for blank in ("", "   ", "\u200b\u200b"):  # no name: said in French, not replaced by "Clé d'accès"
        response = await post_form(client, f"/cles/{key.id}/nom", {"name": blank})
        assert response.status_code == 400 and "Donnez un nom à cette clé." in response.text
        # This key's field is marked and tied to the message, as every other form's (an outside probe's find).
        assert wrong_fields(response.text) == ["name"]
        assert re.search(rf'<input id="name-{key.id}"[^>]*aria-invalid="true"', response.text)
    assert key.name in (await client.get("/cles")).text


async def test_my_keys_mark_the_one_this_session_was_opened_with(client, patient):
    """Two keys read alike ("Créée le…"): the one this connection used is marked, so it is not the one deleted."""
    def marked(page) -> list[str]:
        return re.findall(r"<strong>([^<]+)</strong>\s*<span class=\"badge\">Utilisée pour cette connexion</span>",
                          page.text)

    phone = await activate(client, patient)  # "Téléphone": the activation's session was opened with it
    assert marked(await client.get("/cles")) == ["Téléphone"]
    options, ceremony = await ceremony_options(client, "/cle/options")
    tablet = SoftAuthenticator(origin=ORIGIN)
    await post_json(client, "/cle/verification", {"ceremony": ceremony, "credential": tablet.create(options),
                                                  "name": "Tablette"})
    assert marked(await client.get("/cles")) == ["Téléphone"]  # added in this session, not opened with
    for authenticator, name in ((tablet, "Tablette"), (phone, "Téléphone")):
        await logout(client)
        options, ceremony = await ceremony_options(client, "/connexion/options")
        await post_json(client, "/connexion/verification", {"ceremony": ceremony,
                                                            "credential": authenticator.get(options)})
        assert marked(await client.get("/cles")) == [name]
