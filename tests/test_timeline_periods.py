"""A search whose words are a date or a period lists the documents of that period, newest first, as the timeline
pages them (an outside probe: "juillet 2026", "14/07/2026" and "2026" each answered "Aucun document")."""

from __future__ import annotations

import html
import re
from datetime import date

from sqlmodel import select

from server.access import grants
from server.accesslog.audit import Actor
from server.models import AccessEvent
from tests.conftest import (activate, activate_professional, add_text_document, new_professional, post_form,
                            without_search_token)
from tests.patient_helpers import Statements, titles_in
from tests.test_timeline_scale import many_documents, statements_of

PATIENT = Actor(None, "patient", "Le patient")
JULY = [date(2026, 7, day) for day in (1, 3, 7, 14, 14, 21, 30)]  # seven: two pages of five (page_size in tests)
MORE = re.compile(r'class="more[^"]*" href="([^"]+)"')


async def a_summer(db, app, dossier) -> None:
    """Seven documents of July 2026 among June's and August's, and one of June whose title says "juillet 2026"."""
    for n, when in enumerate(JULY):
        await add_text_document(db, app, dossier, title=f"Juillet n° {n}", when=when,
                                category="imagerie" if n % 2 else "biologie")
    await add_text_document(db, app, dossier, title="Juin", when=date(2026, 6, 30))
    await add_text_document(db, app, dossier, title="Août", when=date(2026, 8, 1))
    await add_text_document(db, app, dossier, title="Rendez-vous fixé en juillet 2026", when=date(2026, 6, 2))


def july_newest_first() -> list[str]:
    """The July titles, newest first (between two of one day, the last added first, as the timeline orders them)."""
    order = sorted(range(len(JULY)), key=lambda n: (JULY[n], n), reverse=True)
    return [f"Juillet n° {n}" for n in order]


async def every_page(client, first) -> list[str]:
    """The titles of a list and of each page "Charger plus" appends to it, as htmx asks for them."""
    seen, page = titles_in(first.text), first
    while more := MORE.search(page.text):
        url = html.unescape(more.group(1)).split("#")[0]
        assert "juillet" not in without_search_token(url).lower()  # the address carries a token, never the words
        page = await client.get(url, headers={"HX-Request": "true", "HX-Target": "more-x"})
        assert page.status_code == 200
        seen += titles_in(page.text)
    return seen


async def test_a_patients_search_for_a_month_lists_that_months_documents_newest_first_page_after_page(client, db, app,
                                                                                                     patient):
    await a_summer(db, app, patient.dossier)
    await activate(client, patient)
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "juillet 2026"},
                            headers={"HX-Request": "true", "HX-Target": "timeline-results"})
    assert "juillet" not in without_search_token(found.headers["HX-Push-Url"]).lower()
    assert "Documents de juillet 2026 · 7 documents" in found.text
    assert len(titles_in(found.text)) == 5 and "Charger plus" in found.text
    assert await every_page(client, found) == july_newest_first()
    # The address "Charger plus" leaves (Back from a document, a reload) shows the list as far as it was loaded.
    loaded = html.unescape(MORE.search(found.text).group(1)).split("#")[0]
    again = await client.get(loaded)
    assert titles_in(again.text) == july_newest_first() and "Documents de juillet 2026 · 7 documents" in again.text
    # Without JavaScript: the same list, at the address the form leads to.
    page = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "Juil. 2026"})
    assert "Documents de juillet 2026" in page.text and await every_page(client, page) == july_newest_first()


async def test_a_day_a_year_and_other_ways_of_writing_them_list_the_documents_of_that_period(client, db, app, patient):
    await a_summer(db, app, patient.dossier)
    await add_text_document(db, app, patient.dossier, title="Un an avant", when=date(2025, 7, 14))
    await activate(client, patient)
    fourteenth = ["Juillet n° 4", "Juillet n° 3"]
    for words, heading, expected in [
        ("14/07/2026", "Documents du 14\u00a0juillet 2026 · 2 documents", fourteenth),
        ("14-07-2026", "Documents du 14\u00a0juillet 2026", fourteenth),
        ("2026-07-14", "Documents du 14\u00a0juillet 2026", fourteenth),
        ("14/07/26", "Documents du 14\u00a0juillet 2026", fourteenth),
        ("14 juillet 2026", "Documents du 14\u00a0juillet 2026", fourteenth),
        ("21 juillet 2026", "Documents du 21\u00a0juillet 2026 · 1 document", ["Juillet n° 5"]),
        ("07/2026", "Documents de juillet 2026 · 7 documents", july_newest_first()),
        ("août 2026", "Documents d&#39;août 2026 · 1 document", ["Août"]),
        ("2025", "Documents de 2025 · 1 document", ["Un an avant"]),
    ]:
        found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": words})
        assert heading in found.text, (words, re.findall(r"Documents d[^<]*", found.text))
        assert (await every_page(client, found))[:len(expected)] == expected, words
    # Words and a date stay a word search; so do the words of a title that names a month.
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "rendez-vous juillet 2026"})
    assert titles_in(found.text) == ["Rendez-vous fixé en juillet 2026"]


async def test_a_date_that_does_not_exist_is_said_so_rather_than_no_document(client, db, app, patient):
    await a_summer(db, app, patient.dossier)
    await activate(client, patient)
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "31/02/2026"})
    assert found.status_code == 200 and titles_in(found.text) == []
    assert "Cette date n’existe pas" in found.text or "Cette date n'existe pas" in found.text
    for words in ("31/12/9999", "12/9999", "00/00/0000", "99/99/99"):  # never a 500
        found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": words})
        assert found.status_code == 200, words


async def test_a_professional_of_some_categories_finds_those_of_the_period_alone_and_the_search_is_logged(
        client, db, app, patient):
    await a_summer(db, app, patient.dossier)
    pro = await new_professional(db, profession="médecin")
    await grants.grant_access(db, dossier=patient.dossier, professional=pro.professional, categories="imagerie",
                              duration="1a", actor=PATIENT)
    await activate_professional(client, pro)
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "juillet 2026"})
    imaging = [t for t in july_newest_first() if int(t.split()[-1]) % 2]
    assert "Documents de juillet 2026 · 3 documents" in found.text
    assert await every_page(client, found) == imaging
    # With the category chosen too, both apply.
    chosen = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche",
                             {"q": "14/07/2026", "categorie": "imagerie"})
    assert "Documents du 14\u00a0juillet 2026 · 1 document · Imagerie" in chosen.text
    assert titles_in(chosen.text) == ["Juillet n° 3"]
    await db.commit()
    logged = (await db.exec(select(AccessEvent.detail).where(AccessEvent.dossier_id == patient.dossier.id,
                                                             AccessEvent.action == "search"))).all()
    assert any("juillet 2026" in (detail or "") for detail in logged), logged  # the words asked, as before


async def test_a_period_asks_the_database_the_same_questions_at_any_size_and_never_its_words(client, db, app, patient):
    await activate(client, patient)
    await many_documents(db, patient.dossier, 30, start=date(2020, 1, 1))
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "2020"})
    url = html.unescape(found.url.path + "?" + found.url.query.decode())
    small = await statements_of(app, client, url)
    await many_documents(db, patient.dossier, 3000, start=date(2020, 1, 1))
    large = await statements_of(app, client, url)
    assert small == large
    with Statements(app.state.engine) as seen:
        page = await client.get(url)
    assert re.search(r"Documents de 2020 · [0-9\u00a0\u202f]+ documents", page.text) and len(titles_in(page.text)) == 5
    assert not [s for s in seen.seen if "MATCH" in s or "@@" in s], seen.seen  # the index of words is not read


async def test_the_printed_list_of_a_period_is_that_periods_documents(client, db, app, patient):
    await a_summer(db, app, patient.dossier)
    await activate(client, patient)
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "juillet 2026"})
    printed = await client.get(html.unescape(re.search(r'href="([^"]*/imprimer[^"]*)"', found.text).group(1)))
    assert printed.status_code == 200 and "Documents de juillet 2026" in printed.text
    assert re.findall(r"Juillet n° \d", printed.text) == july_newest_first()
    assert "du plus récent au plus ancien" in printed.text
