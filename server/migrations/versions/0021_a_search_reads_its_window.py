"""a search reads the window it shows: SQLite lists each dossier's words, and titles are kept to rank by

A search asked FTS5 for each word as the start of longer ones ("bilan"*): FTS5 then merges the lists
of every word so starting into one, built whole, before it reads the 201 newest; and bm25 counts every
match of each word to weigh it. So a word found in a third of a 50,000-document dossier cost what its
16,667 matches cost (bench/RESULTS.md, "A search reads its window").

Now SQLite keeps the words of its index, each with how many documents hold it (`search_word`, kept by
the index's triggers), and a search asks FTS5 for the dossier's words that start with the word asked,
by name: each word's list is read newest first, and the read stops with the window. A search ranks by
the words a document's title holds (`search_title`, both engines), then the newest: no score that
counts every match.

search_text is folded words (letters and digits), one space between each: a JSON array of them is
that text with `","` for each space, which `json_each` reads in a trigger (where no WITH may be).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

import re
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

WORD = re.compile(r"[0-9a-z]+")
# The index's own row of a document, and its words as 0018 keyed them (the dossier's key before each word).
OWN_ROW = "SELECT rowid FROM document_search WHERE document_search MATCH 'document_id:\"' || old.id || '\"'"
KEYED = ("CASE {row}.search_text WHEN '' THEN '' ELSE substr({row}.dossier_id, 1, 8) "
         "|| replace({row}.search_text, ' ', ' ' || substr({row}.dossier_id, 1, 8)) END")
# A document's words, each once, as the index holds them.
WORDS = ("SELECT DISTINCT substr({row}.dossier_id, 1, 8) || value AS word "
         "FROM json_each('[\"' || replace({row}.search_text, ' ', '\",\"') || '\"]') WHERE value <> ''")


def fold(value: str) -> str:
    # As server/search.py folds a title (copied, not imported: a migration must not change when the app does).
    decomposed = unicodedata.normalize("NFKD", value.casefold().replace("œ", "oe").replace("æ", "ae"))
    return " ".join(WORD.findall("".join(ch for ch in decomposed if not unicodedata.combining(ch))))


def upgrade() -> None:
    op.add_column('document', sa.Column('search_title', sa.Text(), nullable=False, server_default=''))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, title FROM document")).all()
    for start in range(0, len(rows), 1000):
        titles = [{"title": fold(title), "id": document_id} for document_id, title in rows[start:start + 1000]]
        connection.execute(sa.text("UPDATE document SET search_title = :title WHERE id = :id"), titles)
    if connection.dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE search_word (word TEXT NOT NULL PRIMARY KEY, documents INTEGER NOT NULL) WITHOUT ROWID")
    op.execute("INSERT INTO search_word (word, documents) "
               "SELECT substr(document.dossier_id, 1, 8) || value AS word, count(DISTINCT document.id) "
               "FROM document, json_each('[\"' || replace(document.search_text, ' ', '\",\"') || '\"]') "
               "WHERE value <> '' GROUP BY word")
    _triggers(words=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _triggers(words=False)
        op.execute("DROP TABLE search_word")
    op.drop_column('document', 'search_title')  # SQLite (3.35 on) drops a column in place: the triggers stay


def _triggers(*, words: bool) -> None:
    """The index's three triggers (0018's), and with `words` those that keep its list of words."""
    def count(row: str, change: str) -> str:
        return "" if not words else (
            f"INSERT INTO search_word (word, documents) SELECT word, 1 FROM ({WORDS.format(row=row)}) WHERE true "
            "ON CONFLICT (word) DO UPDATE SET documents = documents + 1; " if change == "+" else
            f"UPDATE search_word SET documents = documents - 1 WHERE word IN ({WORDS.format(row=row)}); "
            f"DELETE FROM search_word WHERE documents = 0 AND word IN ({WORDS.format(row=row)}); ")

    insert = f"INSERT INTO document_search (document_id, text) VALUES (new.id, {KEYED.format(row='new')}); "
    delete = f"DELETE FROM document_search WHERE rowid IN ({OWN_ROW}); "
    for trigger in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER document_search_{trigger}")
    op.execute(f"CREATE TRIGGER document_search_insert AFTER INSERT ON document BEGIN {insert}{count('new', '+')}END")
    op.execute("CREATE TRIGGER document_search_update AFTER UPDATE OF search_text ON document BEGIN "
               f"{delete}{count('old', '-')}{insert}{count('new', '+')}END")
    op.execute(f"CREATE TRIGGER document_search_delete AFTER DELETE ON document BEGIN {delete}{count('old', '-')}END")
