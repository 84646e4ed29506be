"""Searching a dossier's documents by words: accents and case ignored, ranked; one interface, two engines.

What is searched is `Document.search_text`: what the document is (its kind, its author, where it comes from:
`dossiers.found_by`), its title and its text (a text file, or a PDF's text extracted once when it is added),
folded (lower case, no accents) by `fold`, the same way as the words asked. SQLite keeps it in an FTS5 table (document_search, kept by triggers)
whose words each start with their dossier's key (`KEY` characters of its id, migration 0018), so that
a search reads its own dossier's lists of documents, never those of the whole installation; PostgreSQL
in a stored tsvector column of `document`, checked on the dossier's rows as its own index reads them
(no installation-wide GIN index: migration 0009). Both find documents that hold every word (a word may
be the start of a longer one: "echo" finds "échographie"), among the WINDOW most recent matches. A word asked
in everyday French ("prise de sang", "lettre", "cœur") also finds the words of what it stands for (EVERYDAY: a kind,
a profession), in the same one match of the index, on both engines.

A search costs its window, not all that matches (migration 0021). SQLite looks up the dossier's words
that start with each word asked (the index's list of words, `search_word`) and asks FTS5 for them by
name: FTS5 reads each one's list of documents newest first and stops when the window is full. (Asked
as a prefix, FTS5 first merges the lists of every word so starting, whole.) Matches are ranked, on
both engines, by how many of the words asked their title holds (`Document.search_title`), then the
newest: the document about the words comes before one that mentions them. FTS5's bm25 weighed each
word by how rare it is in the dossier, which counted every match to rank 201 of them.

`search_text` is folded words of letters and digits, one space between each: SQLite's triggers read
it so (a JSON array of its words, made by replacing each space), and a search's words are the same.

A deleted document's `search_text` is emptied: PostgreSQL's tsvector with it, at once. FTS5 before SQLite 3.42
keeps the words beside a delete marker until a merge reads both, so each deletion is written down (`forget`) and
housekeeping merges the index whole within ten minutes (`erase_deleted_words`), as the deletion's page says.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import (CTE, ColumnElement, CompoundSelect, Select, Subquery, bindparam, case, column, delete, func,
                        insert, literal, literal_column, select, table, text, union_all)
from sqlmodel.ext.asyncio.session import AsyncSession

from .db import begin_write
from .db import sqlite as sqlite_db
from .models import Document

MAX_TEXT = 100_000  # characters of a document's text kept for search: a long report's first pages
MAX_WORDS = 8
# A word is letters and digits, of any script: "Łukasz", "Кардиолог" and "تحليل" are words, "_", "%" and quotes
# are not (so neither LIKE's wildcards nor FTS5's syntax can be in one). Before migration 0024, ASCII alone:
# "Łukasz" was indexed as "ukasz", and a title in Cyrillic not at all.
WORD = re.compile(r"[^\W_]+")
# Letters that are read as another with a stroke or a ligature, which Unicode does not take apart (NFKD leaves
# them whole): folded to what a French keyboard types, as accents are.
LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ŀ": "l",
                         "þ": "th", "œ": "oe", "æ": "ae"})


def fold(value: str) -> str:
    """Lower case, without accents, strokes or ligatures: "Échographie" and "echographie" are the same word, so
    are "Łukasz" and "lukasz", "Kılıç" and "kilic"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold().translate(LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def past_every_longer(word: str) -> str:
    """The end of the range of words that start with `word`, in code point order (SQLite's text, PostgreSQL's "C"
    collation): no character sorts after U+10FFFF."""
    return word + "\U0010ffff"


def search_text(title: str, body: str = "", *, about: str = "") -> str:
    """What a document is found by: the words of `about` (what it is and who wrote it), each once, then its
    title's and its text's, folded, bounded."""
    described = dict.fromkeys(WORD.findall(fold(about)))
    return " ".join([*described, *WORD.findall(fold(f"{title}\n{body}"))])[:MAX_TEXT].rstrip()  # no last space


def search_title(title: str) -> str:
    """What a search ranks a document by: its title's words, folded."""
    return " ".join(WORD.findall(fold(title)))


def words_of(query: str) -> list[str]:
    return WORD.findall(fold(query))[:MAX_WORDS]


# Everyday words for what Carnet names otherwise, in French and in English (the dossier's texts are French: "ultrasound",
# the English page's example, found nothing): asked, each also finds the documents holding what it stands for
# (one of " | ", each of its words whole), which are the words of their kind and their author's profession
# (dossiers.found_by): "prise de sang" finds a document of the kind "Biologie", "cœur" one by a cardiologist. Only
# what the words match is wider, never what the reader sees (the window's `where`, as for any word).
_SAID_EVERYDAY = {
    "biologie": "prise de sang, sang, sanguin, bilan sanguin, analyse, analyses, labo, laboratoire, prélèvement, "
                "blood test, blood tests, blood, lab, lab results",
    "compte rendu": "lettre, lettres, courrier, courriers, rapport, letter, letters, discharge summary",
    "imagerie": "radio, radios, radiographie, scanner, IRM, échographie, écho, mammographie, "
                "x-ray, x-rays, MRI, CT scan, ultrasound, mammogram",
    "ordonnance": "médicament, médicaments, traitement, traitements, prescription, comprimés, "
                  "medication, medications, medicine, medicines, prescriptions, pills",
    "vaccination": "vaccin, vaccins, piqûre, rappel, vaccine, vaccines, booster",
    "certificat": "attestation, arrêt de travail, certificate, sick note",
    "synthèse": "résumé, bilan de santé",
    "remboursements": "remboursé, sécu, sécurité sociale, assurance maladie, reimbursement, reimbursements",
    "cardiologue | cardiologie": "cœur, cardiaque, heart, cardiac",
    # A specialist's report is found by the organ or the illness, as a patient asks for it: "mon fond d'œil".
    "ophtalmologie | ophtalmologiste | ophtalmologue | fond d'œil": "yeux, œil, vue, rétine, ophtalmologue, eye, eyes, "
                                                                  "eyesight",
    "diabétologie | diabétologue | endocrinologie | endocrinologue": "diabète, diabétique, diabétologue, diabéto, "
                                                                     "diabetes, diabetic",
    "médecin": "docteur, généraliste, doctor, GP",
    "kinésithérapeute": "kiné, kinés, rééducation, physio, physiotherapy, physiotherapist",
    "dentiste": "dent, dents, dentaire, tooth, teeth, dental, dentist",
    "sage-femme": "grossesse, accouchement, pregnancy, midwife",
    "infirmier | infirmière": "piqûre, pansement, soins, nurse, dressing",
}


def _everyday() -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """Each everyday word or words of _SAID_EVERYDAY, folded, and what it stands for: the words of each, folded."""
    table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for meant, said in _SAID_EVERYDAY.items():
        for words in said.split(", "):
            table.setdefault(tuple(WORD.findall(fold(words))), []).extend(
                tuple(WORD.findall(fold(one))) for one in meant.split(" | "))
    return table


EVERYDAY = _everyday()
_LONGEST = max(map(len, EVERYDAY))


def _runs(words: list[str]) -> list[tuple[range, list[tuple[str, ...]]]]:
    """The words asked, each alone or in the longest run at its place that EVERYDAY knows, with what it stands for."""
    runs, n = [], 0
    while n < len(words):
        length = next((k for k in range(min(_LONGEST, len(words) - n), 1, -1) if tuple(words[n:n + k]) in EVERYDAY), 1)
        runs.append((range(n, n + length), EVERYDAY.get(tuple(words[n:n + length]), [])))
        n += length
    return runs


def _matching(words: list[str], asked: Callable[[int], str], whole: Callable[[str], str], both: str,
              either: str) -> str:
    """Every word asked (its `asked` form, by its number), or what the run it is in stands for (`whole` words), in
    an engine's syntax: `both` and `either` are its AND and OR."""
    def each(terms: list[str], joined: str) -> str:
        return terms[0] if len(terms) == 1 else "(" + f" {joined} ".join(terms) + ")"
    return f" {both} ".join(
        each([each([asked(n) for n in run], both), *(each([whole(w) for w in meant], both) for meant in alternatives)],
             either)
        for run, alternatives in _runs(words))


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
# Every word of SQLite's index, each with how many documents hold it (migration 0021, kept by the same triggers).
_WORDS = table("search_word", column("word"))
# A word asked stands for at most this many words of the dossier, those it starts: FTS5 reads each one's list
# newest first and stops with the window. Beyond ("1" in a dossier of numbered reports), FTS5 is asked for the
# prefix and merges their lists whole, the one search whose cost still grows with the dossier.
EXPANSION = 32


def window(dialect: str, where: list[ColumnElement[bool]], *, name: str = "found",
           columns: Sequence[ColumnElement[Any]] = ()) -> CTE | Subquery:
    """The documents (column `id`) holding every word (each possibly as the start of a longer one) that pass
    `where` (the dossier, and what this reader sees: a match they may not see never takes a visible one's
    place), the WINDOW most recent. Its values are `params`' and those of `where`; the caller builds its
    statements once per shape of reader. On SQLite a common table expression, which a page and its count share;
    on PostgreSQL a subquery, one for each (listing says why), with the document's `columns` if asked."""
    documents = Document.__table__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        # The dossier's rows, newest first through its own index, until WINDOW of them match. Each row is read
        # to check its words, so its columns come with it: joining the table again for them made PostgreSQL
        # scan the whole table below a few thousand rows (1.8 of the page's 3.0 ms at 5,000 documents).
        vector = literal_column("document.search_vector")
        matches = vector.op("@@")(func.to_tsquery("simple", bindparam("tsquery")))
        return (select(*(columns or [documents.c.id])).where(*where, matches)
                .order_by(documents.c.event_date.desc(), documents.c.created_at.desc(), documents.c.id.desc())
                .limit(WINDOW).subquery(name))
    # The index answers with this dossier's words alone (each starts with its key), latest added first.
    return (select(documents.c.id).select_from(_INDEX.join(documents, documents.c.id == _INDEX.c.document_id))
            .where(text("document_search MATCH :phrase"), *where)
            .order_by(_INDEX.c.rowid.desc()).limit(WINDOW).cte(name))


_TITLE = Document.__table__.c.search_title  # type: ignore[attr-defined]


def title_hits(count: int, title: ColumnElement[str] = _TITLE) -> ColumnElement[int]:
    """How many of the `count` words asked a document's title (`title`: the table's, or a window's) holds (each
    as a word or the start of one): a search's rank, before the date. Its values are `params`' (`title_0`… one
    for each word)."""
    spaced = literal(" ") + title
    hits = [case((spaced.like(bindparam(f"title_{n}")), 1), else_=0) for n in range(count)]
    return sum(hits[1:], hits[0])


async def params(session: AsyncSession, dossier_id: str, words: list[str]) -> dict[str, Any]:
    """The values of `window` and `title_hits` for these words in this dossier."""
    # Words are letters and digits (WORD): neither LIKE's wildcards nor FTS5's syntax can come from a person.
    ranked = {f"title_{n}": f"% {word}%" for n, word in enumerate(words)}
    if session.bind.dialect.name == "postgresql":
        # A plan for these words, not a generic one: after five runs of a prepared statement PostgreSQL may keep
        # a plan made for no words in particular, which reads `@@`'s matches blind. For this transaction alone
        # (LOCAL): two words' page went from 74-75 to 102-153 requests/s at 5,000 documents (bench/RESULTS.md).
        await session.exec(text("SET LOCAL plan_cache_mode = force_custom_plan"))  # type: ignore[call-overload]
        return ranked | {"tsquery": _matching(words, lambda n: f"{words[n]}:*", str, "&", "|")}
    starts = [index_word(dossier_id, w) for w in words]
    found: list[list[str]] = [[] for _ in words]
    rows = await session.exec(_expansions(len(words)), params={  # type: ignore[call-overload]
        **{f"start_{n}": start for n, start in enumerate(starts)},
        **{f"end_{n}": past_every_longer(start) for n, start in enumerate(starts)}})
    for n, word in rows.all():
        found[n].append(word)
    asked = _matching(words, lambda n: _asked(starts[n], found[n]), lambda w: f'"{index_word(dossier_id, w)}"',
                      "AND", "OR")
    return ranked | {"phrase": f"text:({asked})"}


def _asked(start: str, known: list[str]) -> str:
    """A word asked, in FTS5's syntax: the dossier's words it starts, by name; more than EXPANSION, as a prefix."""
    if len(known) > EXPANSION:
        return f'"{start}"*'
    if not known:
        return f'"{start}"'  # no word of the dossier starts so: none matches, as FTS5 says at once
    return "(" + " OR ".join(f'"{word}"' for word in known) + ")"


@cache
def _expansions(count: int) -> Select | CompoundSelect:
    """For each of `count` words asked, the dossier's words it starts (up to EXPANSION + 1), with its number."""
    def of(n: int) -> Select:
        return select(literal(n).label("n"), _WORDS.c.word).where(
            _WORDS.c.word >= bindparam(f"start_{n}"), _WORDS.c.word < bindparam(f"end_{n}")
        ).order_by(_WORDS.c.word).limit(EXPANSION + 1)
    if count == 1:
        return of(0)
    return union_all(*(select(sub.c.n, sub.c.word).select_from(sub)
                       for sub in (of(n).subquery(f"w{n}") for n in range(count))))


def index_word(dossier_id: str, word: str) -> str:
    """A folded word as SQLite's index holds it for this dossier (migration 0018)."""
    key = dossier_id[:KEY]
    return (key if len(key) == KEY and WORD.fullmatch(key) else "x" * KEY) + word  # ids are hex: no key holds "x"


# --- a deleted document's words, out of SQLite's pages --------------------------------------------------------

# FTS5's 'secure-delete' (SQLite 3.42) takes a deleted row's words out of the index's segments at once. Before it,
# a deletion writes a marker beside them, and they stay until a merge reads both: an outside audit read them there.
SECURE_DELETE = sqlite3.sqlite_version_info >= (3, 42, 0)
_SECURE_DELETE = text("INSERT INTO document_search (document_search, rank) VALUES ('secure-delete', 1)")
# The documents deleted since the index was last merged whole (SQLite's alone, migration 0046).
_ERASURES = table("search_erasure", column("document_id"), column("rowid"))
# Merged whole, the index costs its whole size, the installation's, under the write lock: 0.12 s at 5,000 documents
# of 300 words, 1.9 s at 50,000 (bench/erasure.py). So a round of housekeeping does it, for every deletion since
# the last, and never a patient's request.
_MERGE_WHOLE = text("INSERT INTO document_search (document_search) VALUES ('optimize')")
# How long the round's checkpoint waits for readers of older frames; writers wait for it meanwhile. Missed, the
# next round tries again.
CHECKPOINT_WAIT_MS = 250


async def forget(session: AsyncSession, document_id: str) -> None:
    """In the transaction that empties a deleted or withdrawn document's `search_text`, before it does: its words are
    to go."""
    if session.bind.dialect.name != "sqlite":
        return  # PostgreSQL's tsvector is a column of the row, generated from `search_text`
    if SECURE_DELETE:  # a setting the index keeps: from this deletion on, every one removes its words
        await session.exec(_SECURE_DELETE)  # type: ignore[call-overload]
    # Written down once: a document withdrawn by its author (erased then), deleted later by its patient, is again.
    await session.exec(insert(_ERASURES).values(document_id=document_id).prefix_with("OR IGNORE"))  # type: ignore[call-overload]


async def erase_deleted_words(session: AsyncSession) -> int:
    """SQLite: the words of the documents deleted since the last round gone from the index (merged whole: its
    segments then hold no deleted row's words) and from the database's file and its WAL (the checkpoint copies
    the pages that PRAGMA secure_delete zeroed over the old ones, then truncates the WAL). Returns how many
    deletions are done with; 0 while a checkpoint is not had (the next round tries again)."""
    if session.bind.dialect.name != "sqlite":
        return 0
    await begin_write(session)
    last = (await session.exec(select(func.max(_ERASURES.c.rowid)))).one()[0]  # type: ignore[call-overload]
    if last is None:
        await session.commit()
        return 0
    if not SECURE_DELETE:
        await session.exec(_MERGE_WHOLE)  # type: ignore[call-overload]
    await session.commit()
    connection = await session.connection()
    await connection.exec_driver_sql(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
    try:
        busy = (await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()[0]
    finally:
        await connection.exec_driver_sql(f"PRAGMA busy_timeout={sqlite_db.BUSY_TIMEOUT_S * 1000}")
    await session.commit()
    if busy:
        return 0
    await begin_write(session)
    done = await session.exec(delete(_ERASURES).where(_ERASURES.c.rowid <= last))  # type: ignore[call-overload]
    await session.commit()
    return done.rowcount
