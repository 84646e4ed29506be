"""Searching a dossier's documents by words: accents and case ignored, ranked; one interface, two engines.

What is searched is `Document.search_text`: the title and the text of the document (a text file,
or a PDF's text extracted once when it is added), folded (lower case, no accents) by `fold`, the
same way as the words asked. SQLite keeps it in an FTS5 table (document_search, kept by triggers),
which names each document's dossier so that a search asks for that dossier's matches alone (migration
0008); PostgreSQL in a stored tsvector column of `document`, checked on the dossier's rows as its
own index reads them (no installation-wide GIN index: migration 0009). Either way a search costs
what the dossier holds, never what the installation holds. Both find documents that hold every word
(a word may be the start of a longer one: "echo" finds "échographie").
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


# SQLite's index of the words (migration 0008), as a table to join: its own rows, in the order they were added.
_INDEX = table("document_search", column("document_id"), column("rowid"))


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
    # The dossier's id is a word of its own column (migration 0008): the index answers for this dossier alone,
    # latest added first. bm25's weights: the words count in the text, not in the two id columns.
    score = [literal_column("-bm25(document_search, 0.0, 0.0, 1.0)", Float).label("score")] if scored else []
    return (select(documents.c.id, *score).select_from(_INDEX.join(documents, documents.c.id == _INDEX.c.document_id))
            .where(text("document_search MATCH :phrase"), *where)
            .order_by(_INDEX.c.rowid.desc()).limit(WINDOW).subquery("found"))


def window_params(dialect: str, dossier_id: str, words: list[str]) -> dict[str, str]:
    if dialect == "postgresql":
        return {"tsquery": " & ".join(f"{w}:*" for w in words)}
    # Words quoted: no FTS5 syntax from a person's words (WORD keeps letters and digits).
    dossier_word = dossier_id if WORD.fullmatch(dossier_id) else "x"  # ids are hex: "x" finds nothing
    return {"phrase": f'dossier_id:"{dossier_word}" AND text:(' + " ".join(f'"{w}"*' for w in words) + ")"}
