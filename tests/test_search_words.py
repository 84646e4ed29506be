"""A search reads the window it shows (migration 0021): SQLite names the dossier's words a word asked starts,
from its list of words, which follows the documents exactly; and a search ranks by the words a title holds."""

from __future__ import annotations

import re
from datetime import date

import pytest
from alembic import command
from sqlalchemy import text

from server import search
from server.dossiers import add_document
from server.listing import LOADED_CAP
from server.models import Document
from tests.conftest import activate, add_text_document, new_patient, post_form
from tests.patient_helpers import Statements, migrate, titles_in
from tests.test_timeline_scale import many_documents


@pytest.mark.parametrize("title, body", [
    ('Compte "rendu" n°3 \\ {x}', "Œdème – Straße, 12,5 mg/L"),
    ("Bil", "ab " * 60_000),  # cut at MAX_TEXT on a space
    ("", ""),
    ("Dr Łukasz Kılıç — Консультация", 'تحليل الدم "_x_" 血液検査 ١٢'),
])
def test_the_words_a_document_is_found_by_are_what_the_triggers_read(title, body):
    """Words of letters and digits, one space between each: SQLite's triggers read them as a JSON array."""
    assert re.fullmatch(r"([^\W_]+( [^\W_]+)*)?", search.search_text(title, body))


def test_a_word_of_any_script_is_a_word_and_a_stroke_folds_as_an_accent_does():
    assert search.search_text("Dr Łukasz KILIÇ, Ørsted-Kılıç", "Анализ крови ; تحليل الدم ; Straße") == (
        "dr lukasz kilic orsted kilic анализ крови تحليل الدم strasse")
    assert search.words_of("ŁUKASZ_kılıç 50%") == ["lukasz", "kilic", "50"]


async def test_a_search_finds_words_of_any_script_and_names_with_a_stroke(client, db, app, patient):
    for title in ("Consultation du Dr Łukasz Nowak", "Консультация кардиолога", "تحليل الدم", "Échographie"):
        await add_text_document(db, app, patient.dossier, title=title, category="compte_rendu")
    await activate(client, patient)
    for words, expected in (("lukasz", ["Consultation du Dr Łukasz Nowak"]), ("ŁUKASZ", ["Consultation du Dr Łukasz Nowak"]),
                            ("консультация", ["Консультация кардиолога"]), ("КАРДИО", ["Консультация кардиолога"]),
                            ("تحليل", ["تحليل الدم"]), ("ukasz", [])):
        found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": words})
        assert found.status_code == 200 and titles_in(found.text) == expected, (words, titles_in(found.text))


async def test_documents_added_before_0024_are_found_by_their_title_s_words_of_any_script(client, db, app, patient):
    document = await add_text_document(db, app, patient.dossier, title="Consultation du Dr Łukasz Nowak")
    await add_text_document(db, app, patient.dossier, title="Консультация кардиолога")
    await db.commit()
    await migrate(app, command.downgrade, "0023")
    # What the code before 0024 stored: ASCII words, the title's first, then the text's ("Contenu : …").
    await db.exec(text("UPDATE document SET search_title = 'consultation du dr ukasz nowak', "
                       "search_text = 'consultation du dr ukasz nowak contenu consultation du dr ukasz nowak' "
                       "WHERE id = :id"), params={"id": document.id})
    await db.exec(text("UPDATE document SET search_title = '', search_text = 'contenu' WHERE id <> :id"),
                  params={"id": document.id})
    await db.commit()
    await migrate(app, command.upgrade, "0024")
    rows = dict((await db.exec(text("SELECT search_title, search_text FROM document WHERE dossier_id = :d"),
                               params={"d": patient.dossier.id})).all())
    await db.commit()
    assert rows == {"consultation du dr lukasz nowak": "consultation du dr lukasz nowak contenu consultation du dr ukasz nowak",
                    "консультация кардиолога": "консультация кардиолога contenu"}
    await migrate(app, command.upgrade, "head")
    await activate(client, patient)
    for words, expected in (("lukasz nowak", 1), ("кардиолога", 1), ("contenu", 2)):
        found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": words})
        assert len(titles_in(found.text)) == expected, (words, titles_in(found.text))
    if db.bind.dialect.name == "sqlite":
        assert await words_listed(db) == await words_indexed(db)


async def words_listed(db) -> dict[str, int]:
    words = dict((await db.exec(text("SELECT word, documents FROM search_word"))).all())
    await db.commit()  # the test's transaction ends: the server's writes go on
    return words


async def words_indexed(db) -> dict[str, int]:
    """FTS5's own count of each word's documents (its vocabulary), leaving out the ids' column."""
    await db.exec(text("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_terms "
                       "USING fts5vocab(main, document_search, 'col')"))
    words = dict((await db.exec(text("SELECT term, doc FROM temp.search_terms WHERE col = 'text'"))).all())
    await db.commit()
    return words


async def test_the_list_of_words_is_the_index_s_own_as_documents_come_and_go(client, db, app, patient):
    if db.bind.dialect.name != "sqlite":
        pytest.skip("the list of words is SQLite's (PostgreSQL reads the dossier's rows)")
    other = await new_patient(db, given_name="Louis", family_name="Girard", birth=date(1990, 5, 2), serial=7, sex="M")
    kept = await add_text_document(db, app, patient.dossier, title="Échographie abdominale", category="imagerie")
    gone = await add_text_document(db, app, patient.dossier, title="Scintigraphie osseuse", category="imagerie")
    await add_text_document(db, app, other.dossier, title="Scintigraphie thyroïdienne", category="imagerie")
    await many_documents(db, patient.dossier, 30)
    listed = await words_listed(db)
    assert listed == await words_indexed(db)
    mine = search.index_word(patient.dossier.id, "")
    assert (listed[mine + "scintigraphie"], listed[mine + "releve"], listed[mine + "contenu"]) == (1, 30, 2)
    await activate(client, patient)
    await post_form(client, f"/documents/{gone.id}/suppression", {})  # its words go with its file
    listed = await words_listed(db)
    assert listed == await words_indexed(db)
    assert mine + "osseuse" not in listed and mine + "scintigraphie" not in listed
    assert search.index_word(other.dossier.id, "scintigraphie") in listed  # another dossier's word stays its own
    document = await db.get(Document, kept.id)
    document.search_text = search.search_text("Échographie rénale")
    db.add(document)
    await db.commit()
    listed = await words_listed(db)
    assert listed == await words_indexed(db)
    assert mine + "renale" in listed and mine + "abdominale" not in listed
    await db.delete(document)
    await db.commit()
    assert await words_listed(db) == await words_indexed(db)


async def test_a_word_is_asked_as_the_dossier_s_words_it_starts(db, patient):
    if db.bind.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's tsquery asks for the start of a word itself")
    await many_documents(db, patient.dossier, 3)  # "Relevé 0", "Relevé 1", "Relevé 2"
    key = search.index_word(patient.dossier.id, "")
    values = await search.params(db, patient.dossier.id, ["rel", "2", "xyz"])
    assert values["phrase"] == f'text:(("{key}releve") AND ("{key}2") AND "{key}xyz")'
    assert [values[f"title_{n}"] for n in range(3)] == ["% rel%", "% 2%", "% xyz%"]


async def test_a_word_that_starts_more_words_than_are_named_finds_every_match(client, db, patient):
    """Past search.EXPANSION words ("1" starts 111 numbers of 0 to 199), FTS5 is asked for the start itself."""
    await many_documents(db, patient.dossier, 200)
    await activate(client, patient)
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "releve 1"})
    assert "111 documents" in found.text
    assert len(titles_in(found.text)) == 5 and all(t.startswith("Relevé 1") for t in titles_in(found.text))
    narrow = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "releve 19"})
    assert "11 documents" in narrow.text  # 19 and 190 to 199
    # A page past the last (an old link): the pages before it, as loaded down to it (Back), each match once.
    past = await client.get(f"{narrow.url}&page=9")
    assert past.status_code == 200 and len(set(titles_in(past.text))) == 11 and "11 documents" in past.text
    # Past what a whole page shows (listing.LOADED_CAP): none of it, and the count all the same (asked on its own).
    beyond = await client.get(f"{narrow.url}&page={LOADED_CAP // 5 + 1}")  # page_size is 5 in tests
    assert beyond.status_code == 200 and titles_in(beyond.text) == [] and "11 documents" in beyond.text


async def test_a_search_page_asks_for_its_window_once_with_its_count_and_without_the_documents_text(client, db, app,
                                                                                                  patient):
    await many_documents(db, patient.dossier, 30)
    await activate(client, patient)
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "releve"})
    with Statements(app.state.engine) as seen:
        page = await client.get(str(found.url))
    assert page.status_code == 200 and "30 documents" in page.text
    [window] = [s for s in seen.seen if "MATCH" in s or "@@" in s]  # the page and its count: one statement
    assert "count(" in window
    assert "search_text" not in window.split(" FROM ")[0]  # a PDF's text is never loaded to show a page


async def test_a_title_that_holds_more_of_the_words_comes_first_then_the_newest(client, db, app, patient):
    """On both engines: the words a title holds, then the date; the text counts to be found, not to rank."""
    for title, body, when in [
        ("Échographie abdominale", "Foie et vésicule normaux.", date(2020, 3, 1)),
        ("Échographie rénale", "Reins normaux, pas de lésion abdominale.", date(2024, 3, 1)),
        ("Compte rendu de consultation", "Échographie abdominale prévue, échographie abdominale.", date(2025, 3, 1)),
        ("Échographie du foie", "Bilan abdominal et abdominale.", date(2022, 3, 1)),
    ]:
        await add_document(db, app.state.storage, dossier=patient.dossier, title=title, category="imagerie",
                           event_date=when, filename="cr.txt", mime_type="text/plain", data=body.encode())
    await activate(client, patient)
    found = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "echo abdominale"})
    assert titles_in(found.text) == ["Échographie abdominale", "Échographie rénale", "Échographie du foie",
                                     "Compte rendu de consultation"]


async def test_documents_added_before_0021_are_ranked_by_title_and_their_words_listed(db, app, patient):
    await add_text_document(db, app, patient.dossier, title="Œdème du genou", category="imagerie")
    await db.commit()
    await migrate(app, command.downgrade, "0020")
    await migrate(app, command.upgrade, "head")
    row = (await db.exec(text("SELECT search_title FROM document WHERE dossier_id = :d"),
                         params={"d": patient.dossier.id})).one()
    assert row.search_title == "oedeme du genou"
    if db.bind.dialect.name == "sqlite":
        assert await words_listed(db) == await words_indexed(db) != {}
