""""Vos données et vos droits" (GDPR art. 13): who holds a patient's data and whom she asks, how long Carnet keeps
each kind, and where she exercises each right; public, signed in or not; the deployment's controller and DPO are
settings that production refuses to start without (an outside DPO audit found no such page)."""

import dataclasses
import html
import re
import subprocess
import sys

import pytest

from tests.conftest import PRODUCTION_SECRET, activate, activate_professional, new_professional

CONTROLLER = "Caisse d'exemple, 12 rue des Tests, 69000 Lyon"
DPO = "dpo@caisse.example.fr"


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, controller=CONTROLLER, dpo_contact=DPO)


def links(page: str) -> set[str]:
    return {html.unescape(href) for href in re.findall(r'<a [^>]*href="([^"]+)"', page)}


async def test_the_page_names_the_controller_and_the_dpo_to_anyone_signed_out(client):
    landing = await client.get("/")
    assert "/vos-donnees" in links(landing.text)
    page = await client.get("/vos-donnees")
    assert page.status_code == 200
    assert page.headers["cache-control"] == landing.headers["cache-control"] == "no-store"
    said = html.unescape(page.text)
    assert CONTROLLER in said and f'href="mailto:{DPO}"' in page.text and "à renseigner" not in said
    # The periods Carnet enforces, from its settings and constants.
    for words in ("Pourquoi Carnet traite vos données", "Base légale", "Combien de temps Carnet les garde",
                  "30 minutes sans activité", "12 heures après la connexion", "24 derniers mois",
                  "Historique des accès", "Réclamation auprès de la CNIL",
                  # The footer's "jamais gardées sur cet appareil", and what a download leaves there.
                  "rien, sauf ce que vous téléchargez (un document, la copie du dossier), qui y reste"):
        assert words in said, words
    # Each right leads to where it is exercised: signed out, the pages a login leads back to.
    assert {"/", "/profil", "/soins", "/historique", "/acces", "/cles",
            "https://www.cnil.fr/fr/plaintes"} <= links(page.text)


async def test_signed_in_each_right_leads_to_her_own_dossiers_pages(client, patient):
    await activate(client, patient)
    page = await client.get("/vos-donnees")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    base = f"/dossiers/{patient.dossier.id}"
    assert {base, f"{base}/profil", f"{base}/soins", f"{base}/historique", f"{base}/acces", f"{base}/export",
            f"{base}/masques", f"{base}/fermeture", "/cles"} <= links(page.text)
    assert "/vos-donnees" in links((await client.get(base)).text)  # every page's footer
    # Closing says that nothing is erased, ever, and leads here (it said "rien n'est effacé" and no more).
    closing = html.unescape((await client.get(f"{base}/fermeture")).text)
    assert "ni à la fermeture ni avec le temps" in closing and "/vos-donnees" in links(closing)
    # No health data: her name is not even on it, but in the header's "Session de …", every signed-in page's (who is
    # signed in, on a shared computer), as its menu is.
    assert patient.patient.family_name not in re.sub(r'<p class="session-owner">[^<]*</p>', "", page.text)


async def test_a_professional_signed_in_is_led_to_the_dossiers_he_holds_not_to_a_404(client, db):
    await activate_professional(client, await new_professional(db))
    page = await client.get("/vos-donnees")
    assert page.status_code == 200 and "Vous êtes professionnel de santé" in html.unescape(page.text)
    assert "/mes-dossiers" in links(page.text) and "/acces" not in links(page.text)


async def test_a_development_site_shows_a_placeholder_marked_as_one(client, app):
    app.state.settings = dataclasses.replace(app.state.settings, controller="", dpo_contact="")
    page = await client.get("/vos-donnees")
    assert page.status_code == 200
    assert "CARNET_CONTROLLER" in page.text and "CARNET_DPO_CONTACT" in page.text and "[à renseigner]" in page.text


@pytest.mark.parametrize("missing", ["CARNET_CONTROLLER", "CARNET_DPO_CONTACT"])
def test_production_refuses_to_start_without_the_controller_or_the_dpo(tmp_path, missing):
    env = {"PATH": "/usr/bin:/bin", "CARNET_ENV": "production", "CARNET_DATA_DIR": str(tmp_path),
           "CARNET_SECRET": PRODUCTION_SECRET, "CARNET_ORIGIN": "https://carnet.example.fr",
           "CARNET_CONTROLLER": CONTROLLER, "CARNET_DPO_CONTACT": DPO}
    env[missing] = "  "
    result = subprocess.run([sys.executable, "-c", "from server.cli import main; main()", "migrate"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{missing} est obligatoire en production" in result.stderr, result.stderr


def test_production_starts_with_both(tmp_path):
    from server.config import load_settings

    settings = load_settings({"CARNET_ENV": "production", "CARNET_DATA_DIR": str(tmp_path), "CARNET_SECRET": PRODUCTION_SECRET,
                              "CARNET_ORIGIN": "https://carnet.example.fr", "CARNET_CONTROLLER": CONTROLLER,
                              "CARNET_DPO_CONTACT": f" {DPO} "})
    assert (settings.controller, settings.dpo_contact) == (CONTROLLER, DPO)


async def test_the_pages_say_whose_reads_the_historique_holds(client, patient):
    """An outside probe (a caregiver): "Inscrire chaque consultation… vous savez qui a lu quoi" and "l'Historique dit
    qui l'a lu", while a relative's reads are not in it (professionals' are, DESIGN.md): said as it is."""
    await activate(client, patient)
    said = " ".join(html.unescape((await client.get("/vos-donnees")).text).split())
    assert "chaque consultation par un professionnel" in said and "vous savez quel professionnel a lu quoi" in said
    assert "Ce que lisent les proches que vous invitez n'y est pas inscrit" in said
    assert "qui a lu quoi" not in said and "dit qui l'a lu" not in said
    log = " ".join(html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/historique")).text).split())
    assert "Consultations par les professionnels" in log and "Les lectures des proches n'y sont pas inscrites." in log
