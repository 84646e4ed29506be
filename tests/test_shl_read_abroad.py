"""A SMART Health Link read abroad (an outside probe: a French patient in Lisbon, a Portuguese doctor): the viewer and
the manifest speak English to a browser that asks for neither French nor English, and French to a French one; the
viewer's switch is in its address (it sets no cookie); the summary says its texts' language and gives the people to
contact's numbers in international form."""

from __future__ import annotations

import html
import json
import re

from tests.conftest import AsyncTestClient, ORIGIN
from tests.shlink_helpers import decrypted, emergency_items, make_link, payload_of, resources

PORTUGUESE = {"Accept-Language": "pt-PT,pt;q=0.9"}


def language(page) -> str:
    return re.search(r'<html lang="(\w+)">', page.text).group(1)


async def test_the_viewer_speaks_english_to_a_portuguese_browser_and_french_to_a_french_one(client):
    portuguese = await client.get("/shl", headers=PORTUGUESE)
    assert language(portuguese) == "en" and portuguese.headers["content-language"] == "en"
    assert "Shared medical information" in html.unescape(portuguese.text)
    # Its switch: the other language, in the address (the viewer sets no cookie).
    assert re.search(r'<form class="language" method="get" action="/shl"', portuguese.text)
    assert re.search(r'<button class="link" type="submit" name="langue" value="fr" lang="fr">Français</button>',
                     portuguese.text)
    assert "set-cookie" not in portuguese.headers
    chosen = await client.get("/shl?langue=fr", headers=PORTUGUESE)
    assert language(chosen) == "fr" and "Informations médicales partagées" in html.unescape(chosen.text)
    assert "set-cookie" not in chosen.headers
    assert language(await client.get("/shl", headers={"Accept-Language": "fr-FR,fr;q=0.9"})) == "fr"
    assert language(await client.get("/shl", headers={"Accept-Language": "pt-PT,fr;q=0.5"})) == "fr"
    # A language typed in the address as a browser names it, by a doctor who shares the link with a colleague.
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    for asked, spoken in (("en-GB", "en"), ("en_GB", "en"), ("EN", "en"), ("fr-CA", "fr"), ("de", "fr"),
                          ("x" * 300, "fr")):
        assert language(await client.get("/shl", params={"langue": asked}, headers=french)) == spoken, asked


async def test_the_rest_of_carnet_still_speaks_french_to_a_portuguese_browser(client):
    assert language(await client.get("/", headers=PORTUGUESE)) == "fr"


async def test_the_manifest_refuses_in_english_to_a_browser_that_asks_for_neither_language(app, db, patient):
    path = payload_of(await make_link(db, patient))["url"].removeprefix(ORIGIN)
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        refused = await stranger.post(path, content=json.dumps({"recipient": "x" * 500}),
                                      headers={"content-type": "application/json", **PORTUGUESE})
    assert refused.status_code == 400 and refused.json()["error"] == "Your name (“recipient”): 100 characters at most."


async def test_the_summary_says_its_language_and_gives_numbers_a_phone_abroad_dials(app, db, patient):
    await emergency_items(db, patient.dossier)  # Paul Martin, "06 12 34 56 78"
    link = payload_of(await make_link(db, patient))
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        answer = await stranger.post(link["url"].removeprefix(ORIGIN), json={"recipient": "Dr Ana Sousa, Lisboa"},
                                     headers=PORTUGUESE)
    _, bundle = decrypted(answer.json()["files"][0]["embedded"], link["key"])
    assert bundle.language == bundle.entry[0].resource.language == "fr-FR"  # French texts, whatever the reader's
    [person] = resources(bundle, "Patient")
    assert [(t.system, t.value) for t in person.contact[0].telecom] == [("phone", "+33612345678")]
