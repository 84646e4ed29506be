""""Voir comme" comes a page at a time, like the timeline, and the pages together are what the professional sees."""

import html
import re

from server import rights
from tests.conftest import activate, add_text_document
from tests.patient_helpers import CAMILLE, professional, titles_in

MORE = re.compile(r'class="more[^"]*" href="([^"]+)"')


async def test_voir_comme_shows_a_page_at_a_time_and_every_page_follows_without_javascript(client, db, app, patient):
    size = app.state.settings.page_size
    titles = [f"Compte rendu {n:02d}" for n in range(size * 2 + 3)]
    for title in titles:
        await add_text_document(db, app, patient.dossier, title=title, category="imagerie")
    doctor = await professional(db, "Bernard", given_name="Claire", profession="médecin", stem=1)
    await rights.set_medecin_traitant(db, dossier=patient.dossier, professional=doctor, actor=CAMILLE)
    await activate(client, patient)
    url, pages = f"/dossiers/{patient.dossier.id}/voir-comme/{doctor.id}", []
    while url:
        page = await client.get(url)
        assert page.status_code == 200
        pages.append(titles_in(page.text))
        assert f"{len(titles)} documents" in page.text  # the count is the whole dossier's, on every page
        more = MORE.search(page.text)
        url = html.unescape(more.group(1)) if more else ""
    assert [len(p) for p in pages] == [size, size, 3]
    assert sorted(t for p in pages for t in p) == sorted(titles)  # none twice, none missing


async def test_the_next_page_of_voir_comme_comes_as_a_fragment_for_htmx(client, db, app, patient):
    size = app.state.settings.page_size
    for n in range(size + 1):
        await add_text_document(db, app, patient.dossier, title=f"Ordonnance {n:02d}", category="ordonnance")
    doctor = await professional(db, "Bernard", given_name="Claire", profession="médecin", stem=1)
    await rights.set_medecin_traitant(db, dossier=patient.dossier, professional=doctor, actor=CAMILLE)
    await activate(client, patient)
    first = await client.get(f"/dossiers/{patient.dossier.id}/voir-comme/{doctor.id}")
    more = MORE.search(first.text)
    target = re.search(r'id="(more-[^"]+)"', first.text).group(1)
    fragment = await client.get(html.unescape(more.group(1)), headers={"HX-Request": "true", "HX-Target": target})
    assert "<html" not in fragment.text and len(titles_in(fragment.text)) == 1 and not MORE.search(fragment.text)
