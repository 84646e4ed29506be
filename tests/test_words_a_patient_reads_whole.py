"""Wording an outside probe stumbled on (a patient of 78, on a phone, sometimes with a screen reader): one page, one
name (the menu's "Historique", never "le journal des accès"); a relative's standing in whole words; and the passkey
step of an activation says whose dossier it opens."""

from __future__ import annotations

import re

from tests.caregiver_helpers import camille  # noqa: F401 - a fixture
from tests.caregiver_helpers import invitation_code, new_caregiver
from tests.caregiver_helpers import words_of as tagless
from tests.conftest import activate, add_text_document, post_form


def words_of(response) -> str:
    """The page as a screen reader says it: no tags, one space for any run of white space (a no-break one too)."""
    return re.sub(r"\s+", " ", tagless(response))


async def test_closing_and_deleting_name_the_historique_as_the_menu_does(client, db, app, patient, camille):
    base = f"/dossiers/{patient.dossier.id}"
    closing = words_of(await client.get(f"{base}/fermeture"))
    assert "lire et télécharger tous les documents, et l'Historique ;" in closing
    assert "La fermeture est inscrite dans l'Historique." in closing
    document = await add_text_document(db, app, patient.dossier, title="IRM du coude", category="imagerie")
    done = await post_form(client, f"/documents/{document.id}/suppression", {}, follow_redirects=False)
    assert done.headers["location"].endswith("?fait=document-supprime")
    deleted = await client.get(done.headers["location"])
    assert "L'Historique garde la trace de sa suppression." in words_of(deleted)
    for page in (closing, words_of(deleted)):
        assert "journal des accès" not in page


async def test_the_relatives_list_says_each_standing_in_whole_words(client, db, app, patient, camille):
    base = f"/dossiers/{patient.dossier.id}"
    async with new_caregiver(app, await invitation_code(client, patient.dossier.id, level="gestion")) as paul:
        theirs = words_of(await paul.get(f"{base}/proches"))
    async with new_caregiver(app, await invitation_code(client, patient.dossier.id, level="lecture", duration="1m"),
                             given="Léa", family="Roux") as lea:
        held = words_of(await lea.get("/mes-dossiers"))
    mine = words_of(await client.get(f"{base}/proches"))
    assert re.search(r"Paul Martin Proche qui gère votre dossier, depuis le \d+ \w+ \d{4}\.", mine), mine
    assert re.search(r"Léa Roux Proche, en lecture seule, depuis le \d+ \w+ \d{4}, jusqu'au \d+ \w+ \d{4}\.", mine)
    assert "Proche qui gère ce dossier, depuis le" in theirs
    assert "Vous le lisez seulement, en tant que proche" in held
    for page in (mine, theirs, held):
        assert "gestion depuis" not in page and "lecture seule depuis" not in page and ", gestion" not in page


async def test_the_passkey_step_of_an_activation_says_whose_dossier_it_opens(client, patient):
    started = await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-12"},
                              follow_redirects=False)
    assert started.headers["location"] == "/activer/cle"  # no name in the URL
    page = words_of(await client.get("/activer/cle"))
    assert "Vous activez le dossier de Camille Martin, née le 12 mars 1984." in page


async def test_the_historique_says_in_plain_words_what_its_check_means_and_what_a_proof_is_for(client, patient):
    await activate(client, patient)
    page = words_of(await client.get(f"/dossiers/{patient.dossier.id}/historique"))
    assert "En clair : vous n'avez rien à faire." in page
    assert "seule une fraude de Carnet lui-même le permettrait, et cela ne change rien à ce que vous lisez ici." in page
    assert ("« Preuve », sous chaque événement : un fichier qui prouve que cet événement est inscrit dans le journal "
            "public de Carnet. Vous n'en avez pas besoin vous-même ; il permet à une personne de confiance ou à une "
            "autorité (la CNIL, un avocat) de le vérifier.") in page
