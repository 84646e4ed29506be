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


async def test_the_summary_s_narrative_is_french_whoever_asks_and_says_nothing_of_a_reader_it_cannot_know(app, db,
                                                                                                        patient):
    """Outside probes' finds: a recipient whose browser spoke English read "severity: severe" and "on 2 May 2024" in a
    document that says it is fr-FR, under French titles; an empty section it may not read whole said "Aucune
    information que vous puissiez lire." (to "vous": a refusal, to a doctor abroad, while Carnet's viewer said "none
    known"); its people to contact carried Carnet's own item ids; and a link with neither L nor P sent `"flag": ""`."""
    from server.fhir.profile_items import ITEM_SYSTEM

    await emergency_items(db, patient.dossier)  # Pénicilline, severe; DTP, 2 May 2024; Paul Martin; no treatment
    row = await make_link(db, patient, content="summary")
    row.single_use = True  # neither L (it opens once) nor P
    db.add(row)
    await db.commit()
    link = payload_of(row)
    assert "flag" not in link  # optional in the spec: left out, not sent empty
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        answer = await stranger.post(link["url"].removeprefix(ORIGIN), json={"recipient": "Dr Jane Smith, London"},
                                     headers={"Accept-Language": "en-GB,en;q=0.9"})
    _, bundle = decrypted(answer.json()["files"][0]["embedded"], link["key"])
    sections = {s.code.coding[0].code: s for s in bundle.entry[0].resource.section}
    allergies, vaccinations = (html.unescape(sections[code].text.div).replace("\u00a0", " ")
                               for code in ("48765-2", "11369-6"))
    assert "Pénicilline — gravité sévère — Urticaire géante" in allergies and "severity" not in allergies
    assert "DTP — lot X123 — le 2 mai 2024" in vaccinations and " on " not in vaccinations
    treatments = sections["10160-0"]  # none entered; one the patient hid would not be given either
    assert treatments.emptyReason.coding[0].code == "withheld"
    assert "<li>Aucune information transmise.</li>" in treatments.text.div and "vous" not in treatments.text.div
    [person] = resources(bundle, "Patient")
    assert [c.name.text for c in person.contact] == ["Paul Martin"] and not person.contact[0].extension
    assert ITEM_SYSTEM not in json.dumps(person.model_dump(mode="json"))

