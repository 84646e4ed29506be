"""The API's document operations, each through the one rule (access/reading.py, access/rule.py) and the access log.

ITI-65 files documents as the professional behind the software; ITI-67 lists what that professional
sees of one dossier; ITI-68 gives a document's bytes, checked against their SHA-256; the author alone
withdraws a document (entered-in-error). Each read is logged before anything is sent, saying which
software acted ("via le logiciel « … »"); a refusal is the same 404 as a missing resource.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode
from datetime import date, datetime, time, timedelta

from fhir.resources.R4B.bundle import Bundle
from litestar.exceptions import NotFoundException
from sqlalchemy import ColumnElement, tuple_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..dossiers import InvalidInput
from ..files.store import Storage
from ..identifiers import is_valid_ins, normalize_ins
from ..listing import NEWEST_FIRST, selection
from ..models import Document, Dossier, Patient, Professional, paris_today
from ..professionals.uploads import IdentifierReused, NotAuthor, add_professional_documents, withdraw_document
from ..access.reading import PHANTOM, open_dossier, open_document
from ..templating import PARIS
from .errors import NOT_FOUND, FhirError
from .resources import (
    CURRENT, IDNAT_PS_SYSTEM, INS_SYSTEM, WITHDRAWN, category_of, document_reference, outcome, searchset, split_token,
)
from .submission import read_submission
from .tokens import Caller

MAX_COUNT = 100
WHOLE = re.compile(r"[0-9]{1,9}")
DEFAULT_COUNT = 20


def not_found() -> FhirError:
    return FhirError(404, NOT_FOUND)


async def _author(session: AsyncSession, document: Document) -> Professional | None:
    return await session.get(Professional, document.author_professional_id) if document.author_professional_id else None


# --- ITI-65 -------------------------------------------------------------------------------------


async def provide(session: AsyncSession, storage: Storage, *, caller: Caller, body: bytes, base: str) -> Bundle:
    """File the Bundle's documents (all or none); the transaction-response says, per entry, what happened."""
    submission = read_submission(body)
    patient = (await session.exec(select(Patient).where(Patient.ins == submission.ins))).first()
    # Asked for an unknown INS too: the refusal does the same work as for a dossier not theirs (reading.PHANTOM).
    dossier = (await session.exec(select(Dossier).where(Dossier.patient_id == (patient.id if patient else PHANTOM.patient_id)))
               ).first()
    try:
        filed = await add_professional_documents(
            session, storage, account=caller.account, dossier_id=dossier.id if dossier else PHANTOM.id,
            uploads=submission.uploads, today=paris_today(), via=caller.via)
    except NotFoundException:
        raise not_found() from None
    except IdentifierReused:
        # IHE XDS's XDSNonIdenticalHash: a unique id names one content, for good. Carnet does not read relatesTo.
        raise FhirError(409, "Vous avez déjà envoyé un autre contenu sous cet identifiant (masterIdentifier) dans ce "
                             "dossier : "
                             "rien n'a été enregistré. Un document corrigé doit porter un nouvel identifiant "
                             "(retirez l'ancien document si besoin).") from None
    except InvalidInput as refused:
        raise FhirError(422, str(refused), code="processable") from None
    entries = []
    for kind, indexes in submission.entries:
        # Each entry says what it made: a document already received (same identifier, same bytes) is not made again.
        made = any(filed[index][1] for index in indexes) if indexes else any(new for _, new in filed)
        response = {"status": "201 Created" if made else "200 OK"}
        if kind == "DocumentReference":
            document = filed[indexes[0]][0]
            response |= {"location": f"DocumentReference/{document.id}", "etag": 'W/"1"'}
            if not made:
                response["outcome"] = outcome("Ce document (même masterIdentifier, même contenu) a déjà été reçu : "
                                              "il n'a pas été enregistré une seconde fois.", code="duplicate",
                                              severity="information").model_dump(mode="json", exclude_none=True)
        elif kind == "Binary" and indexes:
            response["location"] = f"Binary/{filed[indexes[0]][0].id}"
        entries.append({"response": response})
    return Bundle.model_validate({"resourceType": "Bundle", "type": "transaction-response", "entry": entries})


# --- ITI-67 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A search's parameters, read and checked; `echo` is what the `self` and `next` links repeat."""

    patient_id: str
    category: str
    statuses: frozenset[str]
    created: list[ColumnElement[bool]]
    author_rpps: str | None
    count: int
    page: int
    echo: list[tuple[str, str]]
    total: bool = False  # `_total=accurate` (or `estimate`): the bundle says how many match, at a count's cost
    after: str = ""  # `_after`: the id of the document a page starts after (what `next` links carry)


PREFIXES = ("eq", "ge", "le", "gt", "lt")
# A day's bounds in Paris, and in UTC for the database, exist for these days only: the calendar ends a day later.
FIRST_DAY, LAST_DAY = date(1, 1, 2), date(9999, 12, 30)
MAX_DATES = 2  # a range: FHIR's "date=ge…&date=lt…"


def _day(value: str) -> tuple[str, date]:
    prefix = value[:2] if value[:2] in PREFIXES else "eq"
    text = value[2:] if value[:2] in PREFIXES else value
    try:
        day = date.fromisoformat(text[:10])
        if len(text) > 10:  # a dateTime is searched by its day; anything else after the day is not a date
            datetime.fromisoformat(text)
    except ValueError:
        raise FhirError(400, f"Date de recherche invalide : «\u00a0{value[:40]}\u00a0» (attendu AAAA-MM-JJ, préfixe ge, le, gt, "
                             "lt ou eq).") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FhirError(400, f"Date de recherche hors limites : «\u00a0{value[:40]}\u00a0» (entre {FIRST_DAY.isoformat()} et "
                             f"{LAST_DAY.isoformat()}).")
    return prefix, day


def _between(column, prefix: str, day: date, *, instant: bool) -> ColumnElement[bool]:
    """A FHIR date comparison on a day: on an instant column, that day is Paris's."""
    if not instant:
        return {"eq": column == day, "ge": column >= day, "le": column <= day, "gt": column > day, "lt": column < day}[prefix]
    start = datetime.combine(day, time(0), tzinfo=PARIS)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS)
    return {"eq": (column >= start) & (column < end), "ge": column >= start, "le": column < end,
            "gt": column >= end, "lt": column < start}[prefix]


def read_query(params: dict[str, list[str]], *, patient_id: str | None = None) -> Query:
    """ITI-67's parameters. The patient is an opaque id (`patient`), or, from a POST body only, an INS
    (`patient.identifier`) that the caller resolves first: an INS never travels in an address."""
    def first(name: str) -> str:
        return (params.get(name) or [""])[0][:200]

    echo: list[tuple[str, str]] = []
    patient = patient_id or first("patient").removeprefix("Patient/")
    if not patient:
        raise FhirError(400, "Indiquez le patient : patient=<identifiant> en GET, ou patient.identifier="
                             "urn:oid:1.2.250.1.213.1.4.8|<INS> dans le corps d'un POST sur DocumentReference/_search.")
    category = ""
    for name in ("category", "type"):
        if first(name):
            system, code = split_token(first(name))
            category = category_of(system, code) or "-"  # an unknown code finds nothing
            echo.append((name, first(name)))
    statuses = frozenset(s for value in params.get("status", []) for s in value.split(",") if s)
    if statuses - {CURRENT, WITHDRAWN, "superseded"}:
        raise FhirError(400, "Statut de recherche inconnu : current, superseded ou entered-in-error.")
    if statuses:
        echo.append(("status", ",".join(sorted(statuses))))
    created = []
    for name, column, instant in (("date", col(Document.created_at), True), ("period", col(Document.event_date), False)):
        if len(params.get(name, [])) > MAX_DATES:
            raise FhirError(400, f"Le paramètre {name} est répété plus de {MAX_DATES} fois : une recherche prend un "
                                 f"jour, ou un intervalle (par exemple {name}=ge2026-01-01&{name}=lt2026-02-01).")
        for value in params.get(name, []):
            prefix, day = _day(value)
            created.append(_between(column, prefix, day, instant=instant))
            echo.append((name, value[:40]))
    author = first("author.identifier")
    author_rpps = None
    if author:
        system, value = split_token(author)
        author_rpps = value[1:] if system in (None, IDNAT_PS_SYSTEM) and value.startswith("8") and len(value) == 12 else value
        echo.append(("author.identifier", author))
    # ASCII digits only: int() would also read "٣", " 3", "+3" and "1_0".
    if not all(WHOLE.fullmatch(first(name) or "1") for name in ("_count", "_page")):
        raise FhirError(400, "_count et _page doivent être des nombres entiers.")
    count = min(int(first("_count") or DEFAULT_COUNT), MAX_COUNT)  # 0: "the total only", no entries (search.html)
    page = max(int(first("_page") or 1), 1)
    if page > 10_000:
        raise FhirError(400, "Page de résultats trop lointaine : affinez la recherche (date, catégorie).")
    total = first("_total")
    if total not in ("", "none", "estimate", "accurate"):
        raise FhirError(400, "_total vaut none, estimate ou accurate (le nombre exact, compté à chaque page).")
    if total:
        echo.append(("_total", total))
    after = first("_after")
    if after and (len(after) > 64 or not after.isascii() or not after.isalnum()):
        raise FhirError(400, "_after est l'identifiant d'un document, tel que le lien next l'écrit.")
    return Query(patient, category, statuses, created, author_rpps, count, page, echo, total in ("estimate", "accurate"),
                 after)


def ins_of(value: str) -> str:
    system, ins = split_token(value)
    if system not in (None, INS_SYSTEM) or not is_valid_ins(ins):
        raise FhirError(400, f"patient.identifier doit être {INS_SYSTEM}|<INS>, avec un INS valide.")
    return normalize_ins(ins)


async def dossier_of_ins(session: AsyncSession, ins: str) -> str:
    """The opaque patient id of an INS, or a string that finds nothing: a search answers alike for both."""
    patient = (await session.exec(select(Patient).where(Patient.ins == ins))).first()
    return patient.id if patient else PHANTOM.patient_id


async def search(session: AsyncSession, *, caller: Caller, query: Query, base: str) -> Bundle:
    # Asked of the database for an unknown patient too (not from the session's identity map, where an INS's patient
    # already is): a refusal does the same work, whichever it is (reading.PHANTOM).
    patient = (await session.exec(select(Patient).where(Patient.id == query.patient_id))).first()
    dossier = (await session.exec(select(Dossier).where(Dossier.patient_id == (patient.id if patient else PHANTOM.patient_id)))
               ).first()
    try:
        view = await open_dossier(session, account=caller.account, dossier_id=dossier.id if dossier else PHANTOM.id,
                                  action="read_timeline", detail=caller.via)
    except NotFoundException:
        raise not_found() from None
    where = selection(view.dossier.id, view.visible, query.category)
    where += query.created
    if query.statuses and WITHDRAWN not in query.statuses:
        where.append(col(Document.withdrawn_at).is_(None))
    elif query.statuses and CURRENT not in query.statuses:
        where.append(col(Document.withdrawn_at).is_not(None))
    if query.author_rpps is not None:
        author = (await session.exec(select(Professional.id).where(Professional.rpps == query.author_rpps))).first()
        where.append(col(Document.author_professional_id) == (author or "-"))
    link = f"{base}/fhir/DocumentReference?" + urlencode([("patient", view.patient.id), *query.echo,
                                                          ("_count", str(query.count))])
    # Counted only when asked: the total costs a pass over every match, and a page need not.
    total = (await session.exec(select(func.count()).select_from(Document).where(*where))).one() \
        if query.count == 0 or query.total else None
    if query.count == 0:
        return searchset([], base=base, self_url=link, next_url=None, total=total)
    # The next page starts after the last document shown, whatever was added meanwhile: each document once (the
    # timeline's keyset). `_page` (an offset) is still read, for a link written before `_after`.
    statement = select(Document).where(*where).order_by(*NEWEST_FIRST).limit(query.count + 1)
    if query.after:
        # A document this search shows, or none: one the caller may not see (hidden, out of their categories,
        # deleted) answers as an unknown id, never with the documents dated around it.
        start = (await session.exec(select(Document.event_date, Document.created_at, Document.id).where(
            Document.id == query.after, *where))).first()
        if start is None:
            raise FhirError(400, "La page demandée n'existe plus : relancez la recherche.")
        statement = statement.where(tuple_(col(Document.event_date), col(Document.created_at), col(Document.id))
                                    < tuple_(*start))
    else:
        statement = statement.offset((query.page - 1) * query.count)
    rows = list((await session.exec(statement)).all())
    authors = {d.author_professional_id: await _author(session, d) for d in rows}
    resources = [document_reference(d, patient=view.patient, author=authors[d.author_professional_id], base=base)
                 for d in rows[:query.count]]
    here = f"{link}&_after={query.after}" if query.after else f"{link}&_page={query.page}"
    return searchset(resources, base=base, self_url=here,
                     next_url=f"{link}&_after={rows[query.count - 1].id}" if len(rows) > query.count else None,
                     total=total)


# --- reads, ITI-68, and withdrawal ------------------------------------------------------------


async def read(session: AsyncSession, *, caller: Caller, document_id: str, base: str):
    try:
        document, dossier, _ = await open_document(session, account=caller.account, document_id=document_id[:64],
                                                   detail=caller.via)
    except NotFoundException:
        raise not_found() from None
    patient = await session.get(Patient, dossier.patient_id)
    return document_reference(document, patient=patient, author=await _author(session, document), base=base)


async def retrieve(session: AsyncSession, storage: Storage, *, caller: Caller, document_id: str) -> tuple[Document, bytes]:
    """A document's bytes, logged as a download before they are read; the store checks their SHA-256."""
    try:
        document, _, _ = await open_document(session, account=caller.account, document_id=document_id[:64],
                                             action="download", detail=caller.via)
    except NotFoundException:
        raise not_found() from None
    return document, storage.get(document.storage_key, sha256=document.sha256)


async def withdraw(session: AsyncSession, *, caller: Caller, document_id: str, base: str):
    """The author declares their document erroneous (professionals/uploads.withdraw_document, as from the web).
    A reader who sees it is told only its author may (403); anyone else gets the same 404 as for a missing one."""
    try:
        document, dossier = await withdraw_document(session, account=caller.account, document_id=document_id,
                                                    via=caller.via)
    except NotFoundException:
        raise not_found() from None
    except NotAuthor:
        raise FhirError(403, "Seul l'auteur d'un document peut le retirer ; le patient, lui, peut le masquer.") from None
    patient = await session.get(Patient, dossier.patient_id)
    return document_reference(document, patient=patient, author=caller.professional, base=base)
