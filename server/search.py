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

from sqlalchemy import ColumnElement, Float, Subquery, column, func, literal_column, select, text
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

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


# The matches a search ranks at most, the most recent: one more than the count's cap (listing.COUNT_CAP),
# so that a full window says "Plus de 1 000 documents".
WINDOW = 1001


def matching(session: AsyncSession, dossier_id: str, words: list[str]) -> Subquery | None:
    """The ids (column `id`) of the dossier's documents holding every word (each possibly as the start of a
    longer one): the WINDOW most recent, so that a search costs the same however many documents match."""
    if not words:
        return None
    if session.bind.dialect.name == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        # The dossier's rows, newest first through its own index, until WINDOW of them match.
        return (select(col(Document.id)).where(
            col(Document.dossier_id) == dossier_id, col(Document.deleted_at).is_(None),
            literal_column("document.search_vector").op("@@")(func.to_tsquery("simple", query)))
            .order_by(col(Document.event_date).desc(), col(Document.created_at).desc(), col(Document.id).desc())
            .limit(WINDOW).subquery("found"))
    # Words quoted: no FTS5 syntax from a person's words (WORD keeps letters and digits). The dossier's id
    # is a word of its own column (migration 0008): the index answers for this dossier alone, latest added first.
    dossier_word = dossier_id if WORD.fullmatch(dossier_id) else "x"  # ids are hex: "x" finds nothing
    phrase = f'dossier_id:"{dossier_word}" AND text:(' + " ".join(f'"{w}"*' for w in words) + ")"
    return (select(column("document_id").label("id")).select_from(text("document_search"))
            .where(text("document_search MATCH :phrase")).params(phrase=phrase)
            .order_by(text("document_search.rowid DESC")).limit(WINDOW).subquery("found"))


def rank(session: AsyncSession, words: list[str]) -> ColumnElement[float]:
    """Higher for a better match (PostgreSQL's ts_rank; SQLite: how many of the words the title holds)."""
    if session.bind.dialect.name == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        return func.ts_rank(literal_column("document.search_vector"), func.to_tsquery("simple", query))
    score = sum((func.instr(col(Document.search_text), w) > 0).cast(Float) for w in words)  # type: ignore[union-attr]
    return score
