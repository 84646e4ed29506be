"""words of any script are searched: "Łukasz", "Kılıç", a title in Cyrillic or Arabic

A word was ASCII letters and digits after folding: "Łukasz" was indexed as "ukasz" (a search for
"lukasz" missed it), "Kılıç" as "k l c", a title in Cyrillic or Arabic not at all; the professionals'
directory alike. Now a word is letters and digits of any script, and letters with a stroke (ł, ø, đ, ı…)
fold as accents do (server/search.py).

Each document's title words are made again (`search_title`, and the start of `search_text`, which holds
the title's words then its text's). The text's own words stay as they were: only its folded words were
kept, so a document added before this migration is found by the words of its text that were ASCII. The
directory's words are made again for each professional whose words change. Only rows that change are
written; SQLite's triggers keep its index and its list of words.

Downgrade: nothing to undo. The older code never asks for a word that is not ASCII, and finds the rest.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

import re
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

MAX_TEXT = 100_000
BATCH = 1000
# As server/search.py folds (copied, not imported: a migration must not change when the app does).
WORD = re.compile(r"[^\W_]+")
OLD_WORD = re.compile(r"[0-9a-z]+")
LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ŀ": "l",
                         "þ": "th", "œ": "oe", "æ": "ae"})
# As server/dossiers.py lists them (0022's copy).
PROFESSIONS = {
    "médecin": ("médecin", "médecin"),
    "masseur-kinésithérapeute": ("masseur-kinésithérapeute", "masseuse-kinésithérapeute"),
    "infirmier": ("infirmier", "infirmière"),
    "pharmacien": ("pharmacien", "pharmacienne"),
    "sage-femme": ("sage-femme", "sage-femme"),
    "chirurgien-dentiste": ("chirurgien-dentiste", "chirurgienne-dentiste"),
    "cardiologue": ("cardiologue", "cardiologue"),
    "radiologue": ("radiologue", "radiologue"),
}


def words(value: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", value.casefold().translate(LETTERS))
    return WORD.findall("".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def old_words(value: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", value.casefold().replace("œ", "oe").replace("æ", "ae"))
    return OLD_WORD.findall("".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def directory_words(rpps: str, given_name: str, family_name: str, profession: str, city: str,
                    fold=words) -> set[str]:
    text = " ".join((family_name, given_name, city, *PROFESSIONS.get(profession, (profession,))))
    return {word[:100] for word in {rpps, *fold(text)}}


def upgrade() -> None:
    connection = op.get_bind()
    _documents(connection)
    _directory(connection)


def downgrade() -> None:
    pass


def _batches(connection, query: str):
    """The rows of `query` (which selects `id` first, with `WHERE id > :after ORDER BY id LIMIT :batch`), a batch
    at a time: a national installation's documents are not read into memory at once."""
    after = ""
    while True:
        rows = connection.execute(sa.text(query), {"after": after, "batch": BATCH}).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _documents(connection) -> None:
    query = "SELECT id, title, search_title FROM document WHERE id > :after ORDER BY id LIMIT :batch"
    for rows in _batches(connection, query):
        changed = {document_id: " ".join(words(title)) for document_id, title, kept in rows
                   if " ".join(words(title)) != kept}
        for document_id, title in changed.items():
            old_title = connection.execute(sa.text("SELECT title, search_text FROM document WHERE id = :id"),
                                           {"id": document_id}).one()
            body = old_title.search_text.split(" ")[len(old_words(old_title.title)):] if old_title.search_text else []
            search_text = " ".join([*title.split(), *body])[:MAX_TEXT].rstrip() if title else " ".join(body)
            connection.execute(sa.text("UPDATE document SET search_title = :title, search_text = :text WHERE id = :id"),
                               {"title": title, "text": search_text, "id": document_id})


def _directory(connection) -> None:
    query = ("SELECT id, rpps, given_name, family_name, profession, city FROM professional "
             "WHERE id > :after ORDER BY id LIMIT :batch")
    for rows in _batches(connection, query):
        for row in rows:
            new = directory_words(*row[1:])
            if new == directory_words(*row[1:], fold=old_words):
                continue
            connection.execute(sa.text("DELETE FROM professionalword WHERE professional_id = :id"), {"id": row[0]})
            connection.execute(sa.text("INSERT INTO professionalword (word, professional_id) VALUES (:word, :id)"),
                               [{"word": word, "id": row[0]} for word in sorted(new)])
