"""A name that elides "de" or "que" ("d'Hugo Lefèvre", "qu'Hugo"), through HTTP: said once escaped wherever a page puts it.

The notice "Vous ne suivez plus le dossier d'Hugo Lefèvre." read « d&#39;Hugo » on screen (an outside probe's
find): the catalogue's text, its name already escaped, was escaped a second time. The tests of before named Camille
or Jean, whose "de" never elides.
"""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from server.auth.accounts import account_for_patient
from tests.conftest import new_patient, post_form
from tests.caregiver_helpers import as_account, invitation_code, new_caregiver, words_of

# An entity escaped twice: "&amp;#39;" (an apostrophe), "&amp;amp;", "&amp;nbsp;"…
TWICE = re.compile(r"&amp;(#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)


@pytest.fixture
async def hugo(client, db):
    """Hugo Lefèvre, signed in on `client`, whose "de" elides."""
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1948, 5, 2), serial=11, sex="M")
    await as_account(client, db, await account_for_patient(db, patient=hugo.patient))
    return hugo


async def test_leaving_hugos_dossier_says_d_hugo_once(client, db, app, hugo):
    code = await invitation_code(client, hugo.dossier.id, level="gestion")
    async with new_caregiver(app, code, given="Camille", family="Lefèvre") as camille:
        left = await post_form(camille, f"/dossiers/{hugo.dossier.id}/quitter", {}, follow_redirects=False)
        page = await camille.get(left.headers["location"])
    assert not TWICE.search(page.text), TWICE.search(page.text)
    assert "Vous ne suivez plus le dossier d'Hugo Lefèvre." in words_of(page)


async def test_every_sentence_of_a_relative_that_names_hugo_elides_once(client, db, app, hugo):
    """Each page a relative who manages his dossier opens, where "de" meets his name (the band, the titles, the
    buttons and their confirmations, the notice after his devices are logged out)."""
    url = f"/dossiers/{hugo.dossier.id}"
    code = await invitation_code(client, hugo.dossier.id, level="gestion")
    async with new_caregiver(app, code, given="Camille", family="Lefèvre") as camille:
        said = {}
        for page in (url, f"{url}/profil", f"{url}/acces", f"{url}/proches", f"{url}/historique",
                     f"{url}/historique/imprimer", f"{url}/appareils/deconnexion", f"{url}/export", "/mes-dossiers"):
            response = await camille.get(page)
            assert response.status_code == 200 and not TWICE.search(response.text), (page, TWICE.search(response.text))
            # Its words, then its markup: an attribute's too (a confirmation).
            said[page] = words_of(response) + "\n" + html.unescape(response.text)
        done = await post_form(camille, f"{url}/appareils/deconnexion", {})
        assert done.status_code == 200 and not TWICE.search(done.text)
    said = {page: text.replace("\u00a0", " ") for page, text in said.items()}
    assert "Dossier d'Hugo Lefèvre" in said[url]
    assert "Profil médical d'Hugo Lefèvre" in said[f"{url}/profil"]
    assert "Qui peut voir le dossier d'Hugo Lefèvre" in said[f"{url}/acces"]
    assert "Les proches d'Hugo" in said[f"{url}/proches"]
    assert "Déconnecter tous les appareils d'Hugo" in said[f"{url}/proches"]
    assert "Historique du dossier d'Hugo Lefèvre" in said[f"{url}/historique/imprimer"]
    assert "Télécharger une copie du dossier d'Hugo Lefèvre" in said[f"{url}/export"]
    assert "Quitter le dossier d'Hugo Lefèvre ? Hugo en sera informé." in said["/mes-dossiers"]  # its confirmation
    assert "Ensuite, pour qu'Hugo se reconnecte" in said[f"{url}/appareils/deconnexion"]
    assert "il n'y a qu'Hugo qui puisse le faire" in said[f"{url}/appareils/deconnexion"]
    # On paper, who "vous" is (partials/printed_by.html).
    assert "Imprimé par Camille Lefèvre, proche d'Hugo Lefèvre, le" in said[f"{url}/historique/imprimer"]
    assert "Tous les appareils d'Hugo sont déconnectés" in words_of(done)


async def test_a_parent_removing_the_other_parent_is_asked_of_him_elided(client, db, app):
    """Inès's mother removes the father she invited by mistake, Hugo: the confirmation said "de Hugo"; he is told
    "… au dossier d'Inès Martin"."""
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=date.today().replace(year=2016),
                             serial=12)
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=13)
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": ines.code, "birth_date": ines.birth_date.isoformat()})
    proches = f"/dossiers/{ines.dossier.id}/proches"
    code = await invitation_code(client, ines.dossier.id, relationship="parent")
    async with new_caregiver(app, code, given="Hugo", family="Lefèvre") as hugo:
        page = await client.get(proches)
        assert not TWICE.search(page.text)
        assert ("Retirer l'accès d'Hugo Lefèvre au dossier d'Inès ? C'est vous qui avez invité cette personne"
                in html.unescape(page.text))
        [delegation] = re.findall(rf'action="{proches}/([0-9a-f]+)/retrait"', page.text)
        await post_form(client, f"{proches}/{delegation}/retrait", {})
        told = await hugo.get("/mes-dossiers")
    assert not TWICE.search(told.text)
    assert "Camille Martin vous a retiré l'accès au dossier d'Inès Martin." in words_of(told)
