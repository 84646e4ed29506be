"""Words fitted to who reads them (a user probe's finds): a patient naming her new passkey is not offered "Ordinateur
du cabinet"; the page's tab and heading say the same; the end of a session is said without a gender ("Vous êtes
déconnecté" was said to every woman); a new passkey's name is at first the device's the browser says it is on (an
outside probe: "Mon téléphone" on a practice's computer); and a professional is not told the patients' health data are
hers."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import activate, activate_professional, new_professional, post_form
from tests.test_passkey_sessions import add_passkey

PATIENTS_FOOT = "Carnet — votre dossier médical partagé. Vos données de santé ne sont jamais gardées sur cet appareil."
PROFESSIONALS_FOOT = ("Carnet — le dossier médical partagé de vos patients. Les données de santé ne sont jamais gardées "
                      "sur cet appareil.")


def words_of(text: str) -> str:
    return re.sub(r"[ \t\n]+", " ", html.unescape(re.sub(r"<[^>]+>", "", text)))


def hint_of(page) -> str:
    return words_of(re.search(r'<p class="hint small muted" id="passkey-name-hint">(.*?)</p>', page.text, re.S)[1])


def foot_of(page) -> str:
    return words_of(re.search(r"<footer[^>]*>(.*?)</footer>", page.text, re.S)[1]).strip()


async def test_a_patient_names_her_first_passkey_from_examples_of_her_own_devices(client, patient):
    await post_form(client, "/activer", {"code": patient.code, "birth_date": patient.birth_date.isoformat()})
    page = await client.get("/activer/cle")
    assert hint_of(page) == ("Pour la reconnaître plus tard, par exemple «\u00a0Téléphone personnel\u00a0» ou "
                             "«\u00a0Ordinateur de la maison\u00a0».")
    assert "<title>Créer ma clé d'accès · Carnet</title>" in page.text
    assert "<h1>Créer ma clé d'accès</h1>" in page.text


async def test_a_professional_names_hers_from_examples_of_a_practice(client, db):
    pro = await new_professional(db)
    await post_form(client, "/pro/activer", {"code": pro.code, "rpps": pro.rpps})
    assert hint_of(await client.get("/activer/cle")) == (
        "Pour la reconnaître plus tard, par exemple «\u00a0Téléphone professionnel\u00a0» ou "
        "«\u00a0Ordinateur du cabinet\u00a0».")


def key_name_of(page) -> str:
    return html.unescape(re.search(r'<input id="passkey-name"[^>]* value="([^"]*)"', page.text)[1])


# What browsers send (their User-Agent, and Chromium's Sec-CH-UA-Mobile client hint), and the name a key gets at first.
WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
SAFARI = "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5"
DEVICES = {
    "chrome-android-phone": ({"user-agent": f"Mozilla/5.0 (Linux; Android 10; K) {WEBKIT} Chrome/130.0.0.0 Mobile "
                                            "Safari/537.36", "sec-ch-ua-mobile": "?1"}, "Mon téléphone"),
    "safari-iphone": ({"user-agent": f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) {SAFARI} "
                                     "Mobile/15E148 Safari/604.1"}, "Mon téléphone"),
    "firefox-android-phone": ({"user-agent": "Mozilla/5.0 (Android 14; Mobile; rv:130.0) Gecko/130.0 Firefox/130.0"},
                              "Mon téléphone"),
    "chrome-windows": ({"user-agent": f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {WEBKIT} Chrome/130.0.0.0 "
                                      "Safari/537.36", "sec-ch-ua-mobile": "?0"}, "Mon ordinateur"),
    "safari-mac": ({"user-agent": f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) {SAFARI} Safari/605.1.15"},
                   "Mon ordinateur"),
    "chrome-android-tablet": ({"user-agent": f"Mozilla/5.0 (Linux; Android 10; K) {WEBKIT} Chrome/130.0.0.0 "
                                             "Safari/537.36", "sec-ch-ua-mobile": "?0"}, "Ma tablette"),
    "safari-ipad": ({"user-agent": f"Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) {SAFARI} Mobile/15E148 "
                                   "Safari/604.1"}, "Ma tablette"),
}


@pytest.mark.parametrize("device", list(DEVICES))
async def test_a_professionals_first_passkey_is_named_for_the_device_her_browser_says_it_is_on(client, db, device):
    headers, name = DEVICES[device]
    pro = await new_professional(db)
    await post_form(client, "/pro/activer", {"code": pro.code, "rpps": pro.rpps})
    assert key_name_of(await client.get("/activer/cle", headers=headers)) == name


async def test_a_patient_on_her_phone_names_her_first_passkey_mon_telephone_and_on_a_computer_mon_ordinateur(
        client, patient):
    await post_form(client, "/activer", {"code": patient.code, "birth_date": patient.birth_date.isoformat()})
    assert key_name_of(await client.get("/activer/cle", headers=DEVICES["safari-iphone"][0])) == "Mon téléphone"
    assert key_name_of(await client.get("/activer/cle", headers=DEVICES["chrome-windows"][0])) == "Mon ordinateur"


async def test_the_end_of_a_session_is_said_of_the_session_not_of_a_man(client, patient):
    await activate(client, patient)
    ended = await post_form(client, "/deconnexion", {})
    assert "Votre session est fermée." in ended.text and "déconnecté" not in words_of(ended.text)


async def test_a_professionals_foot_says_the_health_data_are_the_patients_and_a_patients_says_hers(client, db, patient):
    assert foot_of(await client.get("/connexion")).startswith(PATIENTS_FOOT)  # a visitor, maybe a patient
    await activate_professional(client, await new_professional(db, profession="médecin"))
    assert foot_of(await client.get("/pro")).startswith(PROFESSIONALS_FOOT)
    await post_form(client, "/deconnexion", {})
    await activate(client, patient)
    assert foot_of(await client.get(f"/dossiers/{patient.dossier.id}")).startswith(PATIENTS_FOOT)


async def test_no_page_agrees_a_participle_with_a_vous_whose_gender_it_does_not_know(client, patient):
    """The same defect elsewhere: "le service qui vous a enregistré", "la personne qui vous a invité"."""
    lost = words_of((await client.get("/recuperation")).text)
    assert "Demandez-le au service qui a créé votre compte" in lost and "vous a enregistré" not in lost
    unknown = words_of((await post_form(client, "/invitation", {"code": "AAAA-BBBB-CCCC"})).text)
    assert "Vérifiez-le avec la personne qui vous l'a donné" in unknown and "vous a invité" not in unknown
    await activate(client, patient)
    await add_passkey(client, "Tablette")  # with one key alone, none is offered for removal
    confirmation = html.unescape((await client.get("/cles")).text)  # the removal's data-confirm, of this device's key
    assert "de cet appareil-ci ? Votre session sera fermée" in confirmation and "serez déconnecté" not in confirmation
