"""A professional's account: `carnet professional add`, activation with code and RPPS, and who reaches /pro."""

import re
import sqlite3

import pytest

from tests.conftest import AsyncTestClient

from server.app import create_app
from server.config import Settings
from tests.cli import carnet_in_process
from tests.conftest import (
    get_csrf,
    ORIGIN, TEST_SECRET, activate, activate_professional, login, new_professional, post_form,
)

PRO_PAGES = ["/pro", "/pro/code", "/pro/urgence", "/pro/nouveau-dossier"]


async def test_good_code_and_rpps_lead_to_the_patients_own_passkey_enrolment(client, db):
    pro = await new_professional(db)
    response = await post_form(client, "/pro/activer", {"code": pro.code, "rpps": pro.rpps}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/activer/cle"


async def test_an_activated_professional_gets_recovery_codes_then_logs_in_without_a_username(client, db):
    pro = await new_professional(db)
    authenticator = await activate_professional(client, pro)
    codes = await client.get("/activer/codes")
    assert codes.text.count("<code>") == 10
    await client.post("/deconnexion", headers={"x-csrftoken": await get_csrf(client)})
    assert (await login(client, authenticator)).json()["redirect"] == "/"
    home = await client.get("/", follow_redirects=False)
    assert home.headers["location"] == "/pro"
    assert "Mes patients" in (await client.get("/pro")).text


async def test_the_rpps_may_be_typed_with_spaces(client, db):
    pro = await new_professional(db)
    spaced = " ".join(pro.rpps[i:i + 3] for i in range(0, 11, 3))
    response = await post_form(client, "/pro/activer", {"code": pro.code.lower(), "rpps": spaced}, follow_redirects=False)
    assert response.status_code == 303


async def test_a_wrong_rpps_gets_a_french_message(client, db):
    pro = await new_professional(db)
    other = await new_professional(db, stem=2, given_name="Paul", family_name="Girard")
    response = await post_form(client, "/pro/activer", {"code": pro.code, "rpps": other.rpps})
    assert response.status_code == 400
    assert "ce numéro RPPS ne correspondent pas" in response.text


async def test_a_patients_code_does_not_activate_a_professional_account(client, db, patient):
    pro = await new_professional(db)
    response = await post_form(client, "/pro/activer", {"code": patient.code, "rpps": pro.rpps})
    assert response.status_code == 400
    assert "ne correspondent pas" in response.text


async def test_the_login_page_leads_a_professional_not_yet_activated_to_her_activation(client):
    """A user probe: professionals sign in at /connexion, which linked only the patients' activation."""
    login = await client.get("/connexion")
    assert re.search(r'<a class="line-link" href="/pro/activer">Activer mon compte professionnel</a>', login.text)
    activation = await client.get("/pro/activer")
    assert activation.status_code == 200 and "<h1>Activer mon compte professionnel</h1>" in activation.text


async def test_missing_fields_get_a_french_message(client, db):
    response = await post_form(client, "/pro/activer", {"code": "", "rpps": ""})
    assert response.status_code == 400
    assert "numéro RPPS (11 chiffres)" in response.text


async def test_five_wrong_rpps_lock_the_code_even_for_the_right_one(client, db):
    pro = await new_professional(db)
    assert pro.rpps != "10000000009"
    for _ in range(5):
        await post_form(client, "/pro/activer", {"code": pro.code, "rpps": "10000000009"})
    response = await post_form(client, "/pro/activer", {"code": pro.code, "rpps": pro.rpps})
    assert response.status_code == 429
    assert "Trop d&#39;essais" in response.text


async def test_nobody_but_a_professional_reaches_the_professional_pages(client, db, patient):
    for url in PRO_PAGES:
        response = await client.get(url, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, f"/connexion?suite={url}"), url
    await activate(client, patient)
    for url in PRO_PAGES:  # logged in: the login would lead back to the same refusal
        response = await client.get(url, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/connexion"), url
    refused = await post_form(client, "/pro/code", {"code": "ABCDEF"}, follow_redirects=False)
    assert refused.headers["location"] == "/connexion"


async def test_a_half_activated_professional_reaches_no_professional_page(client, db):
    pro = await new_professional(db)
    await post_form(client, "/pro/activer", {"code": pro.code, "rpps": pro.rpps})
    response = await client.get("/pro", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/connexion?suite=/pro")


# --- carnet professional add / code ----------------------------------------------------------


def carnet(tmp_path, *args):
    env = {"CARNET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    return carnet_in_process(env, *args)


CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
ADD = ["professional", "add", "--given-name", "Léa", "--family-name", "Roux", "--profession", "infirmier", "--city", "Lyon"]


async def test_the_registration_desk_command_prints_a_code_that_activates_the_account(tmp_path):
    added = carnet(tmp_path, *ADD, "--rpps", "10000000009")
    assert added.returncode == 0, added.stderr
    code = added.stdout.strip()
    assert CODE.fullmatch(code)
    assert "/pro/activer" in added.stderr
    settings = Settings(env="test", secret=TEST_SECRET, data_dir=tmp_path, origin=ORIGIN, rp_id="localhost",
                        database_url=f"sqlite+aiosqlite:///{tmp_path / 'carnet.sqlite3'}")
    async with AsyncTestClient(create_app(settings), base_url=ORIGIN) as client:
        response = await post_form(client, "/pro/activer", {"code": code, "rpps": "10000000009"}, follow_redirects=False)
    assert response.headers["location"] == "/activer/cle"


def test_the_registration_desk_command_refuses_bad_input_in_french(tmp_path):
    bad_rpps = carnet(tmp_path, *ADD, "--rpps", "10000000008")
    assert bad_rpps.returncode != 0 and "RPPS n'est pas valide" in bad_rpps.stderr
    bad_job = carnet(tmp_path, *ADD[:7], "plombier", "--city", "Lyon", "--rpps", "10000000009")
    assert bad_job.returncode != 0 and "Profession inconnue" in bad_job.stderr
    assert carnet(tmp_path, *ADD, "--rpps", "10000000009").returncode == 0
    twice = carnet(tmp_path, *ADD, "--rpps", "10000000009")
    assert twice.returncode != 0 and "déjà enregistré" in twice.stderr
    blank = carnet(tmp_path, *ADD[:2], "--given-name", "\u3164", *ADD[4:], "--rpps", "10000000017")
    assert blank.returncode != 0 and "prénom et le nom du professionnel" in blank.stderr
    unknown = carnet(tmp_path, "professional", "code", "--rpps", "10000000017")
    assert unknown.returncode != 0 and "Aucun professionnel" in unknown.stderr  # none registered
    # Never cut, nor stored raw (an outside probe's finds): a name past 100 characters, a city that turns the line.
    long = carnet(tmp_path, *ADD[:2], "--given-name", "L" * 10_000, *ADD[4:], "--rpps", "10000000017")
    assert long.returncode != 0 and "100 caractères au plus" in long.stderr
    turned = carnet(tmp_path, *ADD[:-1], "\u202eParis\x1b", "--rpps", "10000000017")
    assert turned.returncode == 0, turned.stderr
    with sqlite3.connect(tmp_path / "carnet.sqlite3") as database:
        assert database.execute("SELECT city FROM professional WHERE rpps = '10000000017'").fetchall() == [("Paris",)]


def test_a_new_code_for_a_registered_professional(tmp_path):
    first = carnet(tmp_path, *ADD, "--rpps", "10000000009").stdout.strip()
    again = carnet(tmp_path, "professional", "code", "--rpps", "10000000009")
    assert again.returncode == 0, again.stderr
    assert CODE.fullmatch(again.stdout.strip()) and again.stdout.strip() != first
    unknown = carnet(tmp_path, "professional", "code", "--rpps", "10000000017")  # valid, not registered
    assert unknown.returncode != 0 and "Aucun professionnel" in unknown.stderr


async def test_a_professional_whose_name_shows_nothing_is_not_registered(db):
    """As `create_patient`: whatever calls it (the command checks first), a blank-looking name is refused."""
    from server.dossiers import InvalidInput, create_professional
    from server.identifiers import rpps_with_key

    for given, family in (("\u3164", "Moreau"), ("Julie", "\u2800 \u200b")):
        with pytest.raises(InvalidInput, match="prénom et le nom du professionnel"):
            await create_professional(db, rpps=rpps_with_key("3000000001"), given_name=given, family_name=family,
                                      profession="infirmier", city="Lyon")
