"""Opening a dossier: activation code, birth date, lock-out, reuse."""

from datetime import date

from tests.conftest import activate, new_patient, post_form, get_csrf


async def test_good_code_and_birth_date_lead_to_passkey_creation(client, patient):
    response = await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-12"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/activer/cle"
    page = await client.get("/activer/cle")
    assert "Créer ma clé d'accès" in page.text


async def test_code_is_accepted_in_lowercase_with_spaces_and_french_date(client, patient):
    messy = patient.code.lower().replace("-", " ")
    response = await post_form(client, "/activer", {"code": messy, "birth_date": "12/03/1984"}, follow_redirects=False)
    assert response.status_code == 303


async def test_wrong_code_gets_a_french_message(client, patient):
    response = await post_form(client, "/activer", {"code": "AAAA-BBBB-CCCC", "birth_date": "1984-03-12"})
    assert response.status_code == 400
    assert "ne correspondent pas" in response.text


async def test_wrong_birth_date_gets_the_same_message_as_a_wrong_code(client, patient):
    response = await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-13"})
    assert response.status_code == 400
    assert "ne correspondent pas" in response.text


async def test_missing_or_malformed_fields_get_a_french_message_not_an_error(client, patient):
    for data in ({}, {"code": patient.code}, {"code": patient.code, "birth_date": "31/02/1984"}, {"birth_date": "x" * 5000}):
        response = await post_form(client, "/activer", data)
        assert response.status_code == 400
        assert "date de naissance" in response.text


async def test_five_wrong_birth_dates_lock_the_code_even_for_the_right_one(client, patient):
    for _ in range(5):
        await post_form(client, "/activer", {"code": patient.code, "birth_date": "2000-01-01"})
    response = await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-12"})
    assert response.status_code == 429
    assert "Trop d&#39;essais" in response.text


async def test_a_used_code_cannot_open_the_dossier_again(client, patient):
    await activate(client, patient)
    await client.post("/deconnexion", headers={"x-csrftoken": await get_csrf(client)})
    response = await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-12"})
    assert response.status_code == 400
    assert "déjà servi" in response.text


async def test_a_code_stays_usable_until_a_passkey_is_created(client, patient):
    await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-12"})
    client.cookies.clear()
    response = await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-12"}, follow_redirects=False)
    assert response.status_code == 303


async def test_activation_shows_recovery_codes_once(client, patient):
    await activate(client, patient)
    first = await client.get("/activer/codes")
    assert first.text.count("<code>") == 10
    again = await client.get("/activer/codes")
    assert "<code>" not in again.text
    assert "déjà été affichés" in again.text


async def test_a_half_activated_session_cannot_read_the_dossier(client, db, patient):
    await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-12"})
    response = await client.get(f"/dossiers/{patient.dossier.id}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/connexion?suite=/dossiers/{patient.dossier.id}"  # back, once logged in


async def test_another_patients_code_with_my_birth_date_is_refused(client, db, patient):
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    response = await post_form(client, "/activer", {"code": other.code, "birth_date": "1984-03-12"})
    assert response.status_code == 400


async def test_two_browsers_registering_with_one_code_at_the_same_moment_make_one_passkey(app, db, patient):
    """The code is spent by the first passkey; the second, registered in the same instant, is refused, not kept."""
    import asyncio

    from sqlmodel import select

    from server.models import Passkey
    from tests.conftest import ORIGIN, AsyncTestClient, ceremony_options, post_json
    from tests.softauthn import SoftAuthenticator

    async with AsyncTestClient(app, base_url=ORIGIN) as one, AsyncTestClient(app, base_url=ORIGIN) as two:
        bodies = []
        for browser in (one, two):
            await post_form(browser, "/activer", {"code": patient.code, "birth_date": "1984-03-12"})
            options, ceremony = await ceremony_options(browser, "/cle/options")
            bodies.append((browser, {"ceremony": ceremony, "name": "Téléphone",
                                     "credential": SoftAuthenticator(origin=ORIGIN).create(options)}))
        done = await asyncio.gather(*(post_json(browser, "/cle/verification", body) for browser, body in bodies))
    # Refused by the spent code (400), or, a moment later, for its half-session, which the first ended (401, or 403
    # when it ended between the page's token and the post).
    first, second = sorted(response.status_code for response in done)
    assert first == 200 and second in (400, 401, 403)
    await db.commit()
    assert len((await db.exec(select(Passkey))).all()) == 1


async def test_a_code_revoked_while_its_passkey_was_being_made_makes_none(client, db, patient):
    """The insurance office issued a newer code (the older one is revoked) while a browser stood at the passkey step
    with the older: that browser's passkey is refused, nothing is kept (a helper's find)."""
    from server.auth.accounts import issue_activation_code
    from server.models import Passkey
    from sqlmodel import select
    from tests.conftest import ORIGIN, ceremony_options, post_json
    from tests.softauthn import SoftAuthenticator

    await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-12"})
    options, ceremony = await ceremony_options(client, "/cle/options")
    await issue_activation_code(db, patient=patient.patient, issued_by="Guichet CPAM")  # revokes the older code
    refused = await post_json(client, "/cle/verification", {
        "ceremony": ceremony, "credential": SoftAuthenticator(origin=ORIGIN).create(options), "name": "Téléphone"})
    assert refused.status_code == 400 and "plus valable" in refused.json()["error"]
    assert (await db.exec(select(Passkey))).all() == []
