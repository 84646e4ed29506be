"""A list loaded further down ("Charger plus") names how far in its address, so that Back from a document finds it.

htmx keeps no page in the browser (no history cache: health data), so Back asks the server for the list's address
again: htmx put the last page's address in place of the page's (hx-replace-url), and a whole page at that address
shows the list from the newest down through that page, each document once, in order, for the browser to scroll to
where the reader was (tests/e2e/test_back_after_scrolling.py). Its cost grows with the pages shown, up to a cap.
"""

from __future__ import annotations

import html
import re
from datetime import date

from sqlmodel import select

from server.access import grants
from server.accesslog import audit
from server.auth.accounts import account_for_patient
from server.listing import LOADED_CAP
from server.models import Document
from server.views.log import LOADED_CAP as LOG_LOADED_CAP, PAGE_SIZE as LOG_PAGE_SIZE
from tests.conftest import activate, add_text_document, new_patient, post_form, without_search_token
from tests.patient_helpers import CAMILLE, professional, titles_in
from tests.log_page_helpers import as_account, day_headers, log_lines
from tests.test_timeline_scale import many_documents, many_events, statements_of

MORE = re.compile(r'<a id="(more-[^"]+)" class="more[^"]*" href="([^"]+)"\s+hx-get="([^"]+)"[^>]*>')
RECENT = "Documents plus récents"


def next_link(page: str) -> tuple[str, str, str] | None:
    """The "Charger plus" link: its target's id, its address without JavaScript, and the one htmx asks for."""
    found = MORE.search(page)
    return (found[1], html.unescape(found[2]), html.unescape(found[3])) if found else None


async def scroll(client, url: str, pages: int, *, meanwhile=None) -> tuple[list[str], str]:
    """The titles a reader sees as "Charger plus" appends `pages` pages after the first, and the address htmx puts in
    place of the page's when the last of them came: `meanwhile` runs before each next page."""
    first = await client.get(url)
    seen, link = titles_in(first.text), next_link(first.text)
    for _ in range(pages):
        if meanwhile:
            await meanwhile(len(seen))
        target, _plain, address = link
        page = await client.get(address, headers={"HX-Request": "true", "HX-Target": target})
        assert page.status_code == 200 and "<html" not in page.text
        seen += titles_in(page.text)
        link = next_link(page.text)
    return seen, address


async def test_back_to_the_timeline_shows_every_document_loaded_each_once_in_order_newest_ones_above(client, db, app,
                                                                                                  patient):
    await activate(client, patient)
    for n in range(18):
        await add_text_document(db, app, patient.dossier, title=f"Document {n:02d}", when=date(2024, 1, 1 + n))

    async def one_arrives(count: int) -> None:  # a professional adds one while she scrolls: the newest of all
        await add_text_document(db, app, patient.dossier, title=f"Arrivé {count}", when=date(2025, 6, 1))

    url = f"/dossiers/{patient.dossier.id}"
    seen, address = await scroll(client, url, 2, meanwhile=one_arrives)  # three pages of 5 (page_size in tests)
    assert seen == [f"Document {n:02d}" for n in range(17, 2, -1)]  # none arrived in between
    assert re.fullmatch(rf"{url}\?apres=[0-9a-f]{{32}}", address)  # an opaque id, never a title
    back = await client.get(address)  # Back from the document: the whole page at the address htmx left
    assert back.status_code == 200
    assert titles_in(back.text) == ["Arrivé 10", "Arrivé 5", *seen]  # down through the last page loaded
    assert RECENT not in back.text and next_link(back.text) is not None  # and on from there
    assert "20 documents" in back.text  # counted, as a whole page is
    # Months once each, as on the first page: one header per month, the list from the newest.
    months = re.findall(r'<h2 class="month">([^<]+)</h2>', back.text)
    assert months == sorted(set(months), key=months.index)


async def test_back_to_the_timeline_lands_on_exactly_the_pages_loaded(client, db, app, patient):
    await activate(client, patient)
    for n in range(23):
        await add_text_document(db, app, patient.dossier, title=f"Document {n:02d}", when=date(2024, 1, 1 + n))
    url = f"/dossiers/{patient.dossier.id}"
    seen, address = await scroll(client, url, 2)
    back = await client.get(address)
    assert titles_in(back.text) == seen  # exactly what she had loaded: each once, in order, nothing more
    target, plain, htmx = next_link(back.text)  # and the list goes on from there, as it did
    last = re.findall(r'href="/documents/([0-9a-f]{32})"', back.text)[-1]
    assert htmx == f"{url}?apres={last}" and plain == f"{htmx}#document-{last}" and target == f"more-{last}"
    assert f'id="document-{last}"' in back.text  # where a browser without JavaScript opens that page
    assert 'hx-replace-url="true"' in back.text and 'hx-push-url' not in re.search(r"<a id=\"more-[^>]*>", back.text)[0]


async def test_coming_back_asks_the_same_questions_however_deep_the_list_and_big_the_dossier(client, db, app,
                                                                                             patient):
    """Two statements for the list (the documents down through the cursor, capped; the page after it, counted), at
    any depth: their rows grow with the pages shown alone."""
    await activate(client, patient)
    url = f"/dossiers/{patient.dossier.id}"
    await many_documents(db, patient.dossier, 40)
    _, shallow = await scroll(client, url, 1)
    small = await statements_of(app, client, shallow)
    await many_documents(db, patient.dossier, 3000, start=date(2010, 1, 1))  # older: the pages loaded stay the same
    _, deep = await scroll(client, url, 6)
    assert await statements_of(app, client, deep) == small == await statements_of(app, client, shallow)
    assert len(titles_in((await client.get(deep)).text)) == 35


async def test_further_down_than_the_cap_the_page_starts_at_the_last_page_under_a_link_to_the_newest(client, db, app,
                                                                                                     patient):
    await activate(client, patient)
    url = f"/dossiers/{patient.dossier.id}"
    await many_documents(db, patient.dossier, LOADED_CAP + 20)
    size = app.state.settings.page_size
    ids = (await db.exec(select(Document.id).where(Document.dossier_id == patient.dossier.id)
                         .order_by(*(c.desc() for c in (Document.event_date, Document.created_at, Document.id))))).all()
    at_the_cap = await client.get(f"{url}?apres={ids[LOADED_CAP - size - 1]}")  # 195 above, 5 after: 200 shown
    assert len(titles_in(at_the_cap.text)) == LOADED_CAP and RECENT not in at_the_cap.text
    beyond = await client.get(f"{url}?apres={ids[LOADED_CAP - size]}")
    shown = re.findall(r'href="/documents/([0-9a-f]{32})"', beyond.text)
    assert shown == ids[LOADED_CAP - size + 1:LOADED_CAP + 1]  # the page after it alone
    assert f'<a class="button secondary block" href="{url}">{RECENT}</a>' in beyond.text
    assert f"{LOADED_CAP + 20} documents" in beyond.text


async def test_a_reader_of_some_categories_comes_back_to_the_list_they_loaded(client, db, app, patient):
    """A grant's documents are read a category at a time (listing.statements.category_ranges): the list down through a page too."""
    lea = await professional(db, "Fontaine", given_name="Léa", profession="infirmier", stem=3)
    for n in range(9):
        for category in ("biologie", "imagerie", "ordonnance"):
            await add_text_document(db, app, patient.dossier, title=f"{category} {n}", category=category,
                                    when=date(2024, 1 + n, 1 + n))
    await grants.grant_access(db, dossier=patient.dossier, professional=lea, categories="biologie,imagerie",
                              duration="1m", actor=CAMILLE)
    await activate(client, patient)  # "voir comme" Léa: what her own requests get (test_access_matrix_profile_and_voir_comme.py)
    url = f"/dossiers/{patient.dossier.id}/voir-comme/{lea.id}"
    seen, address = await scroll(client, url, 2)
    assert len(seen) == 15 and not [t for t in seen if t.startswith("ordonnance")]
    back = await client.get(address)
    assert titles_in(back.text) == seen and "18 documents" in back.text


async def test_a_forged_or_stale_cursor_gets_the_first_page(client, db, app, patient):
    other = await new_patient(db, given_name="Louis", family_name="Girard", birth=date(1990, 5, 2), serial=7, sex="M")
    await activate(client, patient)
    for n in range(8):
        await add_text_document(db, app, patient.dossier, title=f"Document {n:02d}", when=date(2024, 1, 1 + n))
    theirs = await add_text_document(db, app, other.dossier, title="Pas le vôtre")
    gone = await add_text_document(db, app, patient.dossier, title="Supprimé", when=date(2023, 1, 1))
    await post_form(client, f"/documents/{gone.id}/suppression", {})
    url = f"/dossiers/{patient.dossier.id}"
    first = titles_in((await client.get(url)).text)
    for apres in (theirs.id, gone.id, "0" * 32, "../../etc", "x" * 5000, "é", "' OR 1=1 --"):
        page = await client.get(url, params={"apres": apres})
        assert page.status_code == 200 and titles_in(page.text) == first, apres
        assert RECENT not in page.text
    for query in ("apres=%FF%FE", "page=0", "page=-3", "page=abc", f"page={'9' * 40}", "page=1e9"):
        page = await client.get(f"{url}?{query}")
        assert page.status_code == 200 and titles_in(page.text) == first, query
    for query in ("apres=%00", "page=%00"):  # a control character: the front door's French 400 (test_hostile_input.py)
        refused = await client.get(f"{url}?{query}")
        assert refused.status_code == 400 and "Les informations envoyées ne sont pas valides." in refused.text


async def test_a_category_stays_in_the_address_and_the_list_at_it_holds_that_category_alone(client, db, app, patient):
    await activate(client, patient)
    for n in range(12):
        await add_text_document(db, app, patient.dossier, title=f"Bilan {n:02d}", category="biologie",
                                when=date(2024, 1, 1 + n))
        await add_text_document(db, app, patient.dossier, title=f"Radio {n:02d}", category="imagerie",
                                when=date(2024, 1, 1 + n))
    url = f"/dossiers/{patient.dossier.id}?categorie=biologie"
    seen, address = await scroll(client, url, 1)
    assert "categorie=biologie" in address and "apres=" in address
    back = await client.get(address)
    assert titles_in(back.text) == seen == [f"Bilan {n:02d}" for n in range(11, 1, -1)]
    assert next_link(back.text)[2].startswith(f"/dossiers/{patient.dossier.id}?categorie=biologie&apres=")


async def test_a_search_comes_back_with_its_pages_by_its_token_never_its_words(client, db, app, patient):
    await activate(client, patient)
    for n in range(12):
        await add_text_document(db, app, patient.dossier, title=f"Échographie {n:02d}", when=date(2024, 1, 1 + n))
        await add_text_document(db, app, patient.dossier, title=f"Ordonnance {n:02d}", when=date(2024, 1, 1 + n))
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "echographie"},
                            follow_redirects=False)
    url = found.headers["location"]
    seen, address = await scroll(client, url, 1)
    assert re.fullmatch(rf"/dossiers/{patient.dossier.id}\?recherche=[\w-]+&page=2", address)
    assert "echo" not in without_search_token(address).casefold()
    back = await client.get(address)
    assert titles_in(back.text) == seen and len(seen) == 10 and len(set(seen)) == 10
    assert RECENT not in back.text and next_link(back.text)[2].endswith("&page=3")
    assert (await client.get(address, headers={"HX-Request": "true", "HX-Target": "more-x"})).text.count(
        "doc-title") == 5  # the page htmx appends is that page alone


async def test_back_to_the_historique_shows_it_from_the_newest_down_through_the_pages_loaded(client, db, app,
                                                                                             patient):
    await as_account(client, db, await account_for_patient(db, patient=patient.patient))
    await audit.begin_chained(db)
    for i in range(70):
        await audit.append(db, dossier_id=patient.dossier.id, action="hide" if i % 2 else "unhide", actor=CAMILLE)
    await audit.commit_chained(db)
    url = f"/dossiers/{patient.dossier.id}/historique"
    first = await client.get(url)
    head = log_lines(first.text)[0][0]
    target, plain, address = next_link(first.text)
    await many_events(db, patient.dossier, 3)  # read meanwhile: above, on coming back
    page = await client.get(address, headers={"HX-Request": "true", "HX-Target": target})
    assert len(log_lines(page.text)) == LOG_PAGE_SIZE
    await many_events(db, patient.dossier, 2)
    back = await client.get(address)  # the address of the last page loaded, the second
    seqs = [seq for seq, _, _ in log_lines(back.text)]
    assert seqs == list(range(head + 5, head - 2 * LOG_PAGE_SIZE, -1))  # each once, in order, the new ones above
    assert day_headers(back.text) == ["Aujourd'hui"] and "Événements plus récents" not in back.text
    assert '"newest": true' in html.unescape(back.text)  # what journal-verify.js holds the chain to: from the head
    assert plain.endswith(f"#evenement-{head - LOG_PAGE_SIZE + 1}")  # without JavaScript, at the last event seen
    # A filter stays in the address it leads to.
    filtered = await client.get(f"{url}?type=droits")
    assert "type=droits&avant=" in next_link(filtered.text)[2]


async def test_further_down_the_historique_than_the_cap_the_page_starts_where_the_last_one_did(client, db, patient):
    await as_account(client, db, await account_for_patient(db, patient=patient.patient))
    await many_events(db, patient.dossier, LOG_LOADED_CAP + 40)
    url = f"/dossiers/{patient.dossier.id}/historique"
    head = log_lines((await client.get(url)).text)[0][0]
    cursor = head - LOG_LOADED_CAP + LOG_PAGE_SIZE  # 171 events through it: 201 with the page after
    beyond = await client.get(f"{url}?avant={cursor}")
    assert [seq for seq, _, _ in log_lines(beyond.text)] == list(range(cursor - 1, cursor - 1 - LOG_PAGE_SIZE, -1))
    assert "Événements plus récents" in beyond.text and '"newest": false' in html.unescape(beyond.text)
    at_the_cap = await client.get(f"{url}?avant={cursor + 1}")
    assert len(log_lines(at_the_cap.text)) == LOG_LOADED_CAP
    for forged in ("0", "-5", "abc", "9" * 40, "%FF%FE"):
        page = await client.get(f"{url}?avant={forged}")
        assert page.status_code == 200 and log_lines(page.text)[0][0] == head, forged
