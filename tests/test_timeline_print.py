"""The list of documents to print: the whole timeline with its filters, not the page loaded on screen."""

from __future__ import annotations

import re
from html import unescape

from tests.conftest import activate, add_text_document, post_form
from tests.test_timeline_scale import many_documents


def printed_titles(html: str) -> list[str]:
    rows = re.findall(r"<tr>\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*<td>([^<]+)", html)
    return [row.strip() for row in rows]


async def test_the_list_prints_every_document_the_timeline_has_with_its_filters(client, db, app, patient):
    await many_documents(db, patient.dossier, 12)  # "Relevé n", remboursement; the test app's pages hold 5
    await add_text_document(db, app, patient.dossier, title="Échographie abdominale", category="imagerie")
    await activate(client, patient)
    timeline = await client.get(f"/dossiers/{patient.dossier.id}")
    link = re.search(r'href="(/dossiers/[0-9a-f]{32}/imprimer)">Imprimer la liste<', timeline.text)
    assert link, "the timeline offers the whole list"
    printed = await client.get(link[1])
    assert printed.status_code == 200 and printed.headers["cache-control"] == "no-store"
    assert len(printed_titles(printed.text)) == 13 and "13 documents, du plus récent au plus ancien" in printed.text
    assert "Documents de mon dossier" in printed.text
    # The sheet says whose documents these are: it is made to be handed to a new doctor.
    identity = re.search(r'<p class="dots print-identity">(.*?)</p>', printed.text, re.S)[1]
    assert "<strong>Camille Martin</strong>" in identity
    assert " ".join(unescape(re.sub(r"<[^>]+>", " ", identity)).split()) == "Camille Martin · née le 12 mars 1984"

    filtered = await client.get(f"/dossiers/{patient.dossier.id}?categorie=imagerie")
    link = re.search(r'href="(/dossiers/[0-9a-f]{32}/imprimer\?categorie=imagerie)"', filtered.text)
    assert link and printed_titles((await client.get(link[1])).text) == ["Échographie abdominale"]

    searched = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "releve 1"})
    link = re.search(r'href="(/dossiers/[0-9a-f]{32}/imprimer\?recherche=[^"]+)"', searched.text)
    assert link, searched.text
    titles = printed_titles((await client.get(link[1].replace("&amp;", "&"))).text)
    assert sorted(titles) == ["Relevé 1", "Relevé 10", "Relevé 11"], titles  # the words stay in the session


async def test_a_list_longer_than_what_prints_says_so(client, db, app, patient, monkeypatch):
    from server.views import timeline

    monkeypatch.setattr(timeline, "MAX_PRINTED", 10)
    await many_documents(db, patient.dossier, 12)
    await activate(client, patient)
    printed = await client.get(f"/dossiers/{patient.dossier.id}/imprimer")
    assert len(printed_titles(printed.text)) == 10
    assert "Seuls les 10 premiers documents sont listés." in printed.text
