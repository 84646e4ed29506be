"""Searching a dossier's documents by words: accents and case ignored, ranked; one interface, two engines.

What is searched is `Document.search_text`: the title and the text of the document (a text file,
or a PDF's text extracted once when it is added), folded (lower case, no accents) by `fold`, the
same way as the words asked. SQLite keeps it in an FTS5 table (document_search, kept by triggers)
whose words each start with their dossier's key (`KEY` characters of its id, migration 0018), so that
a search reads its own dossier's lists of documents, never those of the whole installation; PostgreSQL
in a stored tsvector column of `document`, checked on the dossier's rows as its own index reads them
(no installation-wide GIN index: migration 0009). Either way a search costs what the dossier holds,
never what the installation holds. Both find documents that hold every word (a word may be the start
of a longer one: "echo" finds "échographie").
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import ColumnElement, Float, Subquery, bindparam, column, func, literal_column, select, table, text

from .models import Document

MAX_TEXT = 100_000  # characters of a document's text kept for search: a long report's first pages
MAX_WORDS = 8
WORD = re.compile(r"[0-9a-z]+")


def fold(value: str) -> str:
    """Lower case, without accents or ligatures: "Échographie" and "echographie" are the same word."""
    decomposed = unicodedata.normalize("NFKD", value.casefold().replace("œ", "oe").replace("æ", "ae"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_text(title: str, body: str = "") -> str:
    """What a document is found by: its title, then its text, folded, bounded."""
    return " ".join(WORD.findall(fold(f"{title}\n{body}")))[:MAX_TEXT]


def words_of(query: str) -> list[str]:
    return WORD.findall(fold(query))[:MAX_WORDS]


# The matches a search ranks at most, the most recent; one more than what its count says before "Plus de 200
# documents" (CAP). A search's cost is its window's (the index's reads of it, the rows it joins and ranks): at
# 1,001 a common word cost a 5,000-document dossier's search 4.4 ms in SQLite alone, ×0.10 of `/sante` against
# the timeline's ×0.25 (bench/RESULTS.md, "Search's window"). Two hundred matches of one word is a list to
# narrow with a second word, not to read.
CAP = 200
WINDOW = CAP + 1


# SQLite's index of the words (migration 0018), as a table to join: its own rows, in the order they were added.
_INDEX = table("document_search", column("document_id"), column("rowid"))
# How many characters of a dossier's id start each of its words in that index (its triggers say the same): a
# search reads that key's words alone. Ids are random: two dossiers share a key once in four billion, and then
# only read a little more (the join to `document` keeps the dossier's own).
KEY = 8


def window(dialect: str, where: list[ColumnElement[bool]], *, scored: bool = True) -> Subquery:
    """The documents holding every word (each possibly as the start of a longer one) that pass `where` (the
    dossier, and what this reader sees: a match they may not see never takes a visible one's place), the
    WINDOW most recent: column `id` and, if `scored`, how well each matches (`score`, higher is better: FTS5's
    bm25, PostgreSQL's ts_rank; a count needs none, and SQLite computes it even for a count). Its values are
    `window_params`' and those of `where`; the caller builds it once per shape of reader."""
    documents = Document.__table__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        query = func.to_tsquery("simple", bindparam("tsquery"))
        vector = literal_column("document.search_vector")
        score = [func.ts_rank(vector, query).label("score")] if scored else []
        # The dossier's rows, newest first through its own index, until WINDOW of them match.
        return (select(documents.c.id, *score).where(*where, vector.op("@@")(query))
                .order_by(documents.c.event_date.desc(), documents.c.created_at.desc(), documents.c.id.desc())
                .limit(WINDOW).subquery("found"))
    # The index answers with this dossier's words alone (each starts with its key), latest added first; bm25
    # counts how common a word is in this dossier. Its weights: the words count in the text, not in the id.
    score = [literal_column("-bm25(document_search, 0.0, 1.0)", Float).label("score")] if scored else []
    return (select(documents.c.id, *score).select_from(_INDEX.join(documents, documents.c.id == _INDEX.c.document_id))
            .where(text("document_search MATCH :phrase"), *where)
            .order_by(_INDEX.c.rowid.desc()).limit(WINDOW).subquery("found"))


def window_params(dialect: str, dossier_id: str, words: list[str]) -> dict[str, str]:
    if dialect == "postgresql":
        return {"tsquery": " & ".join(f"{w}:*" for w in words)}
    # Words quoted: no FTS5 syntax from a person's words (WORD keeps letters and digits).
    return {"phrase": "text:(" + " ".join(f'"{index_word(dossier_id, w)}"*' for w in words) + ")"}


def index_word(dossier_id: str, word: str) -> str:
    """A folded word as SQLite's index holds it for this dossier (migration 0018)."""
    key = dossier_id[:KEY]
    return (key if len(key) == KEY and WORD.fullmatch(key) else "x" * KEY) + word  # ids are hex: no key holds "x"

