"""A deleted document leaves nothing of itself in the database but what its page says stays: an outside DPO audit
deleted a PDF as its patient ("Supprimer définitivement") and read its words and title in SQLite's FTS5 index
(`document_search_data`: a delete marker beside them), and in the document's row its title, file name, words to
rank by, hash and size, beside the rows of its page images. Read here as the audit read it, every table and column
of either engine, and on SQLite the file and its WAL too: once housekeeping's round has passed, the words of its
text are nowhere, those of its title only in the access log's own copy; the remaining documents are still found."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlmodel import select

from server import housekeeping
from server.models import Document, DocumentPage
from tests.conftest import ORIGIN, AsyncTestClient, activate, post_form
from tests.patient_helpers import migrate, titles_in
from tests.test_document_files import stored_pdf
from tests.test_document_text import report
from tests.test_patient_adds_documents import add

# Words no other row holds, each checked by its end: FTS5 stores a word after the part it shares with the one
# before it in its list, so its beginning may be in another word's bytes, never its end.
TITLE_WORDS = ("ornithorynque",)
TEXT_WORDS = ("quetzalcoatl", "zygapophyse")
GONE_TITLE = "Biopsie ornithorynque"
KEPT_TITLE = "Échographie rénale"


def end(word: str) -> str:
    return word[-7:]


async def columns_holding(db, piece: str) -> set[str]:
    """Every `table.column` of the database with a value that holds `piece`, stored as it is (FTS5's segments are
    blobs, PostgreSQL's tsvector is read as text)."""
    if db.bind.dialect.name == "sqlite":
        tables = (await db.exec(text("SELECT name FROM sqlite_master WHERE type = 'table' "
                                     "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"))).all()
        columns = [(table, column) for (table,) in tables
                   for column in (await db.exec(text(f"SELECT name FROM pragma_table_info('{table}')"))).scalars()]
        holds = "instr(CAST(\"{column}\" AS BLOB), CAST(:piece AS BLOB)) > 0"
    else:
        columns = (await db.exec(text("SELECT table_name, column_name FROM information_schema.columns "
                                      "WHERE table_schema = 'public'"))).all()
        holds = "strpos(\"{column}\"::text, :piece) > 0"
    found = set()
    for table, column in columns:
        where = holds.format(column=column)
        if (await db.exec(text(f'SELECT count(*) FROM "{table}" WHERE {where}'), params={"piece": piece})).one()[0]:
            found.add(f"{table}.{column}")
    await db.commit()  # the read ends: the round's checkpoint waits for no reader of an older snapshot
    return found


def files_holding(settings, piece: str) -> list[str]:
    """SQLite's database file and its WAL, byte by byte: what freed pages and older frames still hold."""
    if not settings.database_url.startswith("sqlite"):
        return []
    database = Path(settings.database_url.split("///", 1)[1])
    return [path.name for path in (database, database.with_name(database.name + "-wal"))
            if path.exists() and piece.encode() in path.read_bytes()]


async def traces(db, settings) -> dict[str, object]:
    found: dict[str, object] = {}
    for word in TEXT_WORDS:
        found[word] = (await columns_holding(db, end(word)), files_holding(settings, end(word)))
    for word in TITLE_WORDS:  # the log keeps the title, as the page says
        found[word] = await columns_holding(db, end(word)) - {"accessevent.document_title"}
    return found


NONE_LEFT = {**{word: (set(), []) for word in TEXT_WORDS}, **{word: set() for word in TITLE_WORDS}}


async def test_a_deleted_document_s_words_are_nowhere_once_housekeeping_has_passed_and_the_others_are_found(
        app, db, settings, patient, monkeypatch):
    monkeypatch.setattr(housekeeping, "EVERY", timedelta(seconds=0.2))  # the app's own round, every 0.2 s
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await activate(browser, patient)
        dossier = patient.dossier.id
        for title, lines in ((GONE_TITLE, ["Lame 3 : quetzalcoatl.", "Zygapophyse sans anomalie."]),
                             (KEPT_TITLE, ["Kyste cortical simple.", "Pas de dilatation."])):
            sent = await add(browser, dossier, title=title, category="compte_rendu",
                             file=("cr.pdf", report(*lines), "application/pdf"))
            assert sent.status_code == 303, sent.text
        gone = (await db.exec(select(Document).where(Document.title == GONE_TITLE))).one()
        assert (await db.exec(select(DocumentPage).where(DocumentPage.document_id == gone.id))).all()
        assert "document.search_text" in await columns_holding(db, end("quetzalcoatl"))  # what the reading finds

        said = (await browser.get(f"/documents/{gone.id}/suppression")).text
        deleted = await post_form(browser, f"/documents/{gone.id}/suppression", {})
        assert deleted.status_code == 200 and "Le document a été supprimé" in deleted.text

        deadline = time.monotonic() + 60  # the page promises 10 minutes: the time allowed is a loaded machine's
        while (left := await traces(db, settings)) != NONE_LEFT and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert left == NONE_LEFT
        # What the page said before: the bound it waited for, and what stays.
        assert "la recherche l'oubliera dans les 10 minutes" in said
        assert "l'historique gardera une ligne disant que vous l'avez supprimé, avec son titre mais sans son contenu" in said

        row = await db.get(Document, gone.id, populate_existing=True)
        assert row.deleted_at is not None
        assert (row.title, row.filename, row.search_title, row.search_text, row.sha256, row.storage_key, row.size) == (
            "", "", "", "", "", "", 0)
        assert (await db.exec(select(DocumentPage).where(DocumentPage.document_id == gone.id))).all() == []
        await db.commit()

        for words, found in (("kyste", [KEPT_TITLE]), ("renale", [KEPT_TITLE]), ("quetzalcoatl", []),
                             ("ornithorynque", []), ("biopsie", [])):
            answer = await post_form(browser, f"/dossiers/{dossier}/recherche", {"q": words})
            assert answer.status_code == 200 and titles_in(answer.text) == found, words


async def test_a_document_deleted_before_0046_is_emptied_by_it_and_the_migration_goes_down_and_up(app, db, patient):
    data = report("Lame 3 : quetzalcoatl.", "Zygapophyse sans anomalie.")
    gone = await stored_pdf(db, app, patient.dossier, data=data, title=GONE_TITLE)
    kept = await stored_pdf(db, app, patient.dossier, data=report("Kyste cortical simple."), title=KEPT_TITLE)
    await db.commit()
    await migrate(app, command.downgrade, "0045")  # filed by today's models, before going down
    # What a deletion did until now: the row marked, its words and text dropped, the rest (its pages' rows) left.
    await db.exec(text("UPDATE document SET deleted_at = created_at, search_text = '' WHERE id = :id"),
                  params={"id": gone.id})
    await db.exec(text("DELETE FROM documenttext WHERE document_id = :id"), params={"id": gone.id})
    await db.commit()
    assert {"document.title", "document.search_title"} <= await columns_holding(db, end("ornithorynque"))
    assert (await db.exec(text("SELECT count(*) FROM documentpage WHERE document_id = :id"),
                          params={"id": gone.id})).one()[0]
    await db.commit()

    await migrate(app, command.upgrade, "head")
    assert [await columns_holding(db, end(word)) for word in (*TEXT_WORDS, *TITLE_WORDS)] == [set()] * 3
    row = (await db.exec(text("SELECT title, filename, search_title, sha256, storage_key, size FROM document "
                              "WHERE id = :id"), params={"id": gone.id})).one()
    assert tuple(row) == ("", "", "", "", "", 0)
    assert (await db.exec(text("SELECT count(*) FROM documentpage WHERE document_id = :id"),
                          params={"id": gone.id})).one()[0] == 0
    still = (await db.exec(text("SELECT title FROM document WHERE id = :id"), params={"id": kept.id})).one()[0]
    assert still == KEPT_TITLE
    await db.commit()

    await migrate(app, command.downgrade, "0045")
    await migrate(app, command.upgrade, "head")
