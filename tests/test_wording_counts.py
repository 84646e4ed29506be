"""A count of one says no order (a user probe read "1 document, les plus pertinents d'abord"): the search's summary
and the printed list rank several documents only."""

from __future__ import annotations

import html
import re

from tests.conftest import activate, add_text_document, post_form


def summary_of(page) -> str:
    return re.sub(r"[ \t\n]+", " ", html.unescape(re.search(r'data-results-count="([^"]*)"', page.text)[1])).strip()


def words_of(page) -> str:
    return re.sub(r"[ \t\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


async def searched(client, patient, words: str):
    return await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": words})


async def test_a_search_that_finds_one_document_says_one_document_and_no_ranking(client, db, app, patient):
    for title in ("IRM du genou droit", "Radiographie du genou gauche", "Bilan lipidique"):
        await add_text_document(db, app, patient.dossier, title=title, category="imagerie")
    await activate(client, patient)
    assert summary_of(await searched(client, patient, "lipidique")) == "1 document · «\u00a0lipidique\u00a0»"
    assert summary_of(await searched(client, patient, "genou")) == \
        "2 documents, les plus pertinents d'abord · «\u00a0genou\u00a0»"


async def test_the_printed_list_of_one_document_says_one_document_and_no_order(client, db, app, patient):
    await add_text_document(db, app, patient.dossier, title="Bilan lipidique", category="biologie")
    await activate(client, patient)
    link = re.search(r'href="(/dossiers/[0-9a-f]{32}/imprimer\?recherche=[^"]+)"',
                     (await searched(client, patient, "lipidique")).text)
    for address, found in ((link[1].replace("&amp;", "&"), "· 1 document · «\u00a0lipidique\u00a0»"),
                           (f"/dossiers/{patient.dossier.id}/imprimer", "· 1 document")):
        printed = words_of(await client.get(address))
        assert found in printed, printed
        assert "d'abord" not in printed and "du plus récent" not in printed, address

    await add_text_document(db, app, patient.dossier, title="IRM du genou droit", category="imagerie")
    assert "2 documents, du plus récent au plus ancien" in words_of(
        await client.get(f"/dossiers/{patient.dossier.id}/imprimer"))
