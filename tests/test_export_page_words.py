"""What the copy's page says it holds, in the words of French (an outside probe's find): "profil médical
(0 information)", "(0 soin)", as French plurals put 0 with 1, where French says "aucune information", "aucun soin";
and a relative's heading named the dossier "d'Hugo", where every other page says "d'Hugo Lefèvre"."""

from __future__ import annotations

import re

from tests.conftest import activate
from tests.caregiver_helpers import invitation_code, new_caregiver, words_of
from tests.test_export_for_parents import copy_for

# A count of none said as a number, on the page or in the LISEZMOI.
ZERO = re.compile(r"\b0 (documents?|informations?|événements?|soins?)\b")


async def test_an_empty_dossier_s_copy_says_aucun_for_what_it_holds_none_of(client, db, patient):
    await activate(client, patient)
    page = words_of(await client.get(f"/dossiers/{patient.dossier.id}/export")).replace("\u00a0", " ")
    assert not ZERO.search(page), ZERO.search(page)
    assert "aucun document pour l'instant ;" in page
    assert "profil médical (aucune information)" in page
    assert "tels que la page Soins les montre (aucun soin)" in page
    readme = (await copy_for(client, patient.dossier.id)).read("LISEZMOI.txt").decode()
    assert not ZERO.search(readme), ZERO.search(readme)
    assert "Les documents du dossier (aucun document)" in readme and "(aucun soin)" in readme


async def test_a_relative_s_copy_names_the_dossier_whole_as_every_other_page_does(client, db, app, patient):
    await activate(client, patient)
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with new_caregiver(app, code) as relative:
        page = words_of(await relative.get(f"/dossiers/{patient.dossier.id}/export"))
    assert "Télécharger une copie du dossier de Camille Martin" in page
    assert "Dossier de Camille Martin" in page  # its band, which says it the same way


async def test_the_copy_says_which_of_its_documents_are_versions_a_correction_replaced(client, db, app, patient):
    """An outside probe: after a correction, the dossier said "1 document" and the copy's page "2 documents", with
    nothing to say why: the copy keeps every version, the timeline lists each document's latest."""
    from tests.conftest import ORIGIN, AsyncTestClient
    from tests.test_pro_corrections import added_by, correct

    _pro, first = await added_by(client, db, patient)
    assert (await correct(client, first.id, title="Compte rendu de séance")).status_code == 303
    async with AsyncTestClient(app, base_url=ORIGIN) as camille:
        await activate(camille, patient)
        page = words_of(await camille.get(f"/dossiers/{patient.dossier.id}/export")).replace("\u00a0", " ")
    assert "2 documents, tels qu'ils ont été déposés" in page
    assert ("dont 1 version remplacée par une correction, que la liste du dossier ne montre plus (chaque document y "
            "apparaît dans sa dernière version) ;") in page
