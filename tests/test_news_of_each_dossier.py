""""Mes dossiers" says how much is new on each dossier, as its timeline's banner would: a mother learns there that her
daughter's dossier was opened by a midwife without opening it first (an outside probe's find: the news of a dossier
not open showed nowhere, not on its line nor on its band)."""

from __future__ import annotations

import html
import re

from tests.conftest import post_form
from tests.test_minors_secret_sharing import code_made, minor_and_mother, used_and_opened


def line_of(page, name: str) -> str:
    text = html.unescape(page.text).replace("\u00a0", " ")
    found = re.search(rf"<li class=\"card stack\">.*?{name}.*?</a>", text, re.S)
    assert found, text
    return found.group(0)


async def test_a_mother_sees_her_daughters_news_on_its_line_until_she_has_seen_them(client, db, app):
    ines, _mother = await minor_and_mother(client, db)
    assert "nouveauté" not in line_of(await client.get("/mes-dossiers"), "Inès Martin")
    _page, code = await code_made(client, ines.dossier.id)
    await used_and_opened(app, db, code, ines.dossier.id, stem=71)
    assert "1 nouveauté" in line_of(await client.get("/mes-dossiers"), "Inès Martin")
    assert "nouveauté" not in line_of(await client.get("/mes-dossiers"), "Camille Martin")  # her own: nothing new
    timeline = html.unescape((await client.get(f"/dossiers/{ines.dossier.id}")).text)
    up_to = re.search(r'name="jusqua" value="(\d+)"', timeline)
    assert up_to, timeline
    seen = await post_form(client, f"/dossiers/{ines.dossier.id}/notifications/vu", {"jusqua": up_to.group(1)},
                           follow_redirects=False)
    assert seen.status_code in (200, 303), seen.text
    assert "nouveauté" not in line_of(await client.get("/mes-dossiers"), "Inès Martin")
