"""The API's document operations, each through the one rule (access/reading.py, access/rule.py) and the access log.

ITI-65 files documents as the professional behind the software; ITI-67 lists what that professional
sees of one dossier (once it no longer opens to them, the documents they added, as "Mes patients" lists
them on the web); ITI-68 gives a document's bytes, checked against their SHA-256; the author alone
withdraws a document (entered-in-error). Each read is logged before anything is sent, saying which
software acted ("via le logiciel « … »"); a refusal is the same 404 as a missing resource.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlencode

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from litestar.exceptions import NotFoundException
from sqlalchemy import and_, or_, tuple_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..authors import adders_of
from ..db import waiting_at_most
from ..db.errors import Busy
from ..dossiers import InvalidInput
from ..facts import document_facts
from ..files.pages import CONCURRENT_RENDERS
from ..files.store import Storage
from ..listing import ordered_documents, selection
from ..models import Document, Dossier, Patient, Professional, paris_today
from ..professionals.own_documents import own_documents
from ..professionals.uploads import IdentifierReused, add_professional_documents
from ..professionals.versions import given_back
from ..professionals.withdrawal import NotAuthor, withdraw_document
from ..access.reading import PHANTOM, log_document_read, open_dossier, open_document, readable_versions
from ..access.rule import Visibility
from .errors import NOT_FOUND, FhirError
from .query import Query
from .resources import (
    CURRENT, SUPERSEDED, WITHDRAWN, document_reference, etag_of, outcome, searchset, status_of,
)
from .submission import entry_path, read_submission
from .unapplied import Issue, ignored_authors, unapplied_metadata
from .tokens import Caller


def not_found() -> FhirError:
    return FhirError(404, NOT_FOUND)


async def _author(session: AsyncSession, document: Document) -> Professional | None:
    return await session.get(Professional, document.author_professional_id) if document.author_professional_id else None


# --- ITI-65 -------------------------------------------------------------------------------------

# The Bundles a process files at once: each renders its PDFs one after the other, so as many as the renderer has slots
# (files/pages.py). Any more wait their turn, in order, BUNDLE_WAIT_S at most, as long as one waits for the write lock;
# then a 503 with Retry-After, nothing filed, well within a client's timeout (60 s is common). Unbounded, 40 Bundles of
# 10 PDFs sent at once were answered after 52 s at the earliest, most after their client had given up (bench/burst.py).
BUNDLES_AT_ONCE = CONCURRENT_RENDERS
BUNDLE_WAIT_S = 5.0
_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def bundle_turn() -> AsyncIterator[None]:
    """A Bundle's turn to be filed (`provide`), and its write lock waited for BUNDLE_WAIT_S at most; Busy (a 503) if
    the turn does not come in that time."""
    turns = _turns.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(BUNDLES_AT_ONCE))
    try:
        async with asyncio.timeout(BUNDLE_WAIT_S):
            await turns.acquire()
    except TimeoutError:
        raise Busy("bundle queue", "Carnet reçoit trop d'envois en ce moment : rien n'a été enregistré de ce Bundle. "
                                   "Renvoyez-le tel quel dans quelques secondes (en-tête Retry-After).") from None
    try:
        with waiting_at_most(BUNDLE_WAIT_S):
            yield
    finally:
        turns.release()


async def dossier_id_of_ins(session: AsyncSession, ins: str) -> str:
    """The dossier of the patient an INS names, or reading.PHANTOM's: asked for an unknown INS too, so that the refusal
    that follows does the same work as for a dossier not the caller's."""
    patient = (await session.exec(select(Patient).where(Patient.ins == ins))).first()
    dossier = (await session.exec(select(Dossier).where(
        Dossier.patient_id == (patient.id if patient else PHANTOM.patient_id)))).first()
    return dossier.id if dossier else PHANTOM.id


async def provide(session: AsyncSession, storage: Storage, *, caller: Caller, body: bytes, base: str) -> Bundle:
    """File the Bundle's documents (all or none); the transaction-response says, per entry, what happened."""
    submission = read_submission(body, base=base)
    # Said before filing, while the professional's row is fresh: filing commits, and a refusal rolls back.
    ignored = [ignored_authors(authors, caller.professional) for authors in submission.authors]
    try:
        filed = await add_professional_documents(
            session, storage, account=caller.account, dossier_id=await dossier_id_of_ins(session, submission.ins),
            uploads=submission.uploads, today=paris_today(), via=caller.via, kept_for_minors_only=True)
    except NotFoundException:
        raise not_found() from None
    except IdentifierReused as reused:
        # IHE XDS's XDSNonIdenticalHash: a unique id names one content, for good; a correction is a new document
        # that replaces it (relatesTo, professionals/versions.py).
        raise submission.refusal(reused.upload, FhirError(
            409, "Vous avez déjà envoyé un autre contenu sous cet identifiant (masterIdentifier) dans ce dossier : "
                 "rien n'a été enregistré. Un document corrigé doit porter un nouvel identifiant"
                 f"{_first_one(reused)}.")) from None
    except InvalidInput as refused:  # a refusal of one document names its entry, and the element at fault
        raise submission.refused_input(refused) from None
    entries = []
    again = await given_back(session, [document for document, _ in filed])
    for kind, indexes in submission.entries:
        if kind == "List":
            # FHIR R4 requires Bundle.entry.response.status, and `location` "if the operation returns a location".
            # Carnet reads the SubmissionSet to file the documents but keeps no List to read back: "201 Created"
            # without a location would name the target URI, `List`, as what was created (RFC 9110, 15.3.2), and
            # with one it would name an address that answers 404. "200 OK": the entry was processed, as said.
            read = outcome("Le SubmissionSet (List) a servi à lire l'envoi ; Carnet ne le conserve pas comme "
                           "ressource : il n'a pas d'adresse.", code="informational", severity="information")
            entries.append({"response": {"status": "200 OK",
                                         "outcome": read.model_dump(mode="json", exclude_none=True)}})
            continue
        # Each entry says what it made: a document already received (same identifier, same bytes) is not made again.
        # A Binary carries the bytes of at least one document (submission.read_submission refuses any other).
        made = any(filed[index][1] for index in indexes)
        document = filed[indexes[0]][0]
        response = {"status": "201 Created" if made else "200 OK"}
        # Deleted, it has no address left; withdrawn, its metadata keeps one but its bytes are erased: a location
        # would answer 404.
        if document.deleted_at is None and not (kind == "Binary" and document.withdrawn_at is not None):
            response["location"] = f"{kind}/{document.id}"
            if kind == "DocumentReference":
                response["etag"] = etag_of(document, again.get(document.id))
        if kind == "DocumentReference":
            index, upload = indexes[0], submission.uploads[indexes[0]]
            said: list[Issue | None] = [("warning", "code-invalid", text, ()) for text in submission.warnings[index]]
            said.append(ignored[index])
            if not made:
                said.append(("information", "duplicate", _received(document), ()))
                said.append(await unapplied_metadata(session, document=document, upload=upload,
                                                     elements=submission.elements[index], author=caller.professional))
            elif document.hidden_from_representatives and not upload.hidden_from_representatives:
                said.append(("information", "informational", _kept_from_parents(document), ()))
            if said := [issue for issue in said if issue is not None]:
                place = entry_path(submission.numbers[index])
                response["outcome"] = OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": [
                    {"severity": severity, "code": code, "diagnostics": text,
                     "expression": [f"{place}.{element}" for element in elements] or None}
                    for severity, code, text, elements in said]}).model_dump(mode="json", exclude_none=True)
        entries.append({"response": response})
    return Bundle.model_validate({"resourceType": "Bundle", "type": "transaction-response", "entry": entries})


def _received(document: Document) -> str:
    """What a document sent again (same identifier, same bytes) has become, said to its author alone (an identifier
    is looked up among the sender's documents). Deleted by the patient, it is gone for everyone and has no address;
    saying so tells its author nothing new: their read of it answers 404 while they may write to the dossier, which
    they may, to be answered here."""
    said = "Ce document (même masterIdentifier, même contenu) a déjà été reçu"
    if document.deleted_at is not None:
        return f"{said}, puis supprimé du dossier : il n'y est pas enregistré de nouveau, et n'a plus d'adresse."
    if document.withdrawn_at is not None:
        return (f"{said}, et vous l'avez retiré (entered-in-error) : il n'a pas été enregistré une seconde fois. Un "
                "document corrigé doit porter un nouvel identifiant.")
    return f"{said} : il n'a pas été enregistré une seconde fois."


def _kept_from_parents(document: Document) -> str:
    """Why a document sent without the label V is filed kept from the minor's parents, said to its sender: it
    replaces a version kept from them (versions.py), or its author's care in this dossier is (uploads.py)."""
    said = "Enregistré tenu secret envers les parents de ce patient mineur (étiquette V)"
    if document.replaces_id is not None:
        return f"{said}, comme la version qu'il remplace."
    return (f"{said}, l'envoi ne portant pas d'étiquette de confidentialité : dans ce dossier, vos soins leur sont "
            "déjà cachés, et un document de vous qu'ils verraient leur apprendrait que vous suivez leur enfant. Pour "
            "qu'ils le voient, envoyez-le avec l'étiquette N (securityLabel).")


def _first_one(reused: IdentifierReused) -> str:
    """What a 409 says of the document first sent under the identifier, the sender's own (as `_received`)."""
    if reused.deleted:
        return " (le document envoyé sous cet identifiant a été supprimé du dossier)"
    if reused.withdrawn:
        return " (le document envoyé sous cet identifiant est déjà retiré)"
    return (", et remplacer celui envoyé sous cet identifiant (relatesTo, code «\u00a0replaces\u00a0», cible "
            f"DocumentReference/{reused.document_id})")


# --- ITI-67 -------------------------------------------------------------------------------------


# What each status a search asks means of a row: withdrawn says more than replaced (a withdrawn version is an error).
STATUS_OF = {
    CURRENT: and_(col(Document.withdrawn_at).is_(None), col(Document.superseded_at).is_(None)),
    SUPERSEDED: and_(col(Document.withdrawn_at).is_(None), col(Document.superseded_at).is_not(None)),
    WITHDRAWN: col(Document.withdrawn_at).is_not(None),
}


async def dossier_of_ins(session: AsyncSession, ins: str) -> str:
    """The opaque patient id of an INS, or a string that finds nothing: a search answers alike for both."""
    patient = (await session.exec(select(Patient).where(Patient.ins == ins))).first()
    return patient.id if patient else PHANTOM.patient_id


async def _readable(session: AsyncSession, *, caller: Caller, dossier_id: str,
                    next_page: bool = False) -> tuple[Dossier, Patient, Visibility]:
    """The dossier, its patient and which of its documents the professional reads, each read logged as the web logs
    it: the timeline's, or, where the dossier no longer opens to them, the documents they added to it, as their
    page on "Mes patients" lists them (own_documents: the same rule, the same event); otherwise the same 404 as for
    a missing dossier, after the same questions (a missing one is asked about as reading.PHANTOM)."""
    via = caller.via
    try:
        # The next pages of one search (`_after`) are the reading its first page logged, within RECENT_READ: an outside
        # probe's software paging 144 documents wrote 29 "a consulté votre dossier" in the patient's Historique.
        view = await open_dossier(session, account=caller.account, dossier_id=dossier_id, action="read_timeline",
                                  detail=via, once=next_page)
        return view.dossier, view.patient, view.visible
    except NotFoundException:
        # The refusal rolled back, which expired every row the session held: the account is read again.
        await session.refresh(caller.account)
    try:
        own = await own_documents(session, account=caller.account, dossier_id=dossier_id, detail=via)
    except NotFoundException:
        raise not_found() from None
    return own.dossier, own.patient, own.visible


async def search(session: AsyncSession, *, caller: Caller, query: Query, base: str) -> Bundle:
    # Asked of the database for an unknown patient too (not from the session's identity map, where an INS's patient
    # already is): a refusal does the same work, whichever it is (reading.PHANTOM).
    asked = (await session.exec(select(Patient).where(Patient.id == query.patient_id))).first()
    found = (await session.exec(select(Dossier).where(Dossier.patient_id == (asked.id if asked else PHANTOM.patient_id)))
             ).first()
    dossier, patient, visible = await _readable(session, caller=caller, dossier_id=found.id if found else PHANTOM.id,
                                                next_page=bool(query.after))
    filters = list(query.created)  # what the search asks, beyond what the reader sees
    if query.statuses:
        filters.append(or_(*(STATUS_OF[status] for status in sorted(query.statuses))))
    if query.author_rpps is not None:
        authors = (await session.exec(select(Professional.id).where(col(Professional.rpps).in_(query.author_rpps)))).all()
        filters.append(col(Document.author_professional_id).in_(list(authors) or ["-"]))
    where = [*selection(dossier.id, visible, query.category), *filters]
    link = f"{base}/fhir/DocumentReference?" + urlencode([("patient", patient.id), *query.echo,
                                                          ("_count", str(query.count))])
    # Counted only when asked: the total costs a pass over every match, and a page need not.
    total = (await session.exec(select(func.count()).select_from(Document).where(*where))).one() \
        if query.count == 0 or query.total else None
    if query.count == 0:
        return searchset([], base=base, self_url=link, next_url=None, total=total, notes=query.notes)
    # The next page starts after the last document shown, whatever was added meanwhile: each document once (the
    # timeline's keyset). `_page` (an offset) is still read, for a link written before `_after`.
    offset = (query.page - 1) * query.count
    if query.after:
        # A document this search shows, or none: one the caller may not see (hidden, out of their categories,
        # deleted) answers as an unknown id, never with the documents dated around it.
        start = (await session.exec(select(Document.event_date, Document.created_at, Document.id).where(
            Document.id == query.after, *where))).first()
        if start is None:
            raise FhirError(400, "La page demandée n'existe plus : relancez la recherche.")
        offset = 0
        filters.append(tuple_(col(Document.event_date), col(Document.created_at), col(Document.id)) < tuple_(*start))
    statement = ordered_documents(dossier.id, visible, query.category, filters, limit=query.count + 1,
                                  offset=offset)
    rows = list((await session.exec(statement)).all())
    authors = {d.author_professional_id: await _author(session, d) for d in rows}
    added = await adders_of(session, rows[:query.count])
    replaced = await _seen_versions(session, rows[:query.count], visible)
    again = await given_back(session, rows[:query.count])
    resources = [document_reference(d, patient=patient, author=authors[d.author_professional_id], base=base,
                                    added_by=added.get(d.id), served=True, replaces=d.replaces_id in replaced,
                                    given_back=again.get(d.id))
                 for d in rows[:query.count]]
    here = f"{link}&_after={query.after}" if query.after else f"{link}&_page={query.page}" if query.page > 1 else link
    return searchset(resources, base=base, self_url=here,
                     next_url=f"{link}&_after={rows[query.count - 1].id}" if len(rows) > query.count else None,
                     total=total, notes=query.notes)


async def _seen_versions(session: AsyncSession, documents: list[Document], visible: Visibility) -> set[str]:
    """The versions these documents replace that the reader sees: `relatesTo` names no document they may not read
    (a hidden one's id is no one's business but its readers')."""
    ids = {d.replaces_id for d in documents if d.replaces_id}
    if not ids:
        return set()
    found = await session.exec(select(Document).where(col(Document.id).in_(ids), col(Document.deleted_at).is_(None)))
    return {d.id for d in found.all() if visible.admits(document_facts(d))}


# --- reads, ITI-68, and withdrawal ------------------------------------------------------------


async def read(session: AsyncSession, *, caller: Caller, document_id: str, base: str):
    try:
        document, dossier, _ = await open_document(session, account=caller.account, document_id=document_id[:64],
                                                   detail=caller.via)
    except NotFoundException:
        raise not_found() from None
    patient = await session.get(Patient, dossier.patient_id)
    added = await adders_of(session, [document])
    earlier, _later = await readable_versions(session, account=caller.account, dossier=dossier, document=document)
    again = await given_back(session, [document])
    return document_reference(document, patient=patient, author=await _author(session, document), base=base,
                              added_by=added.get(document.id), served=True, replaces=earlier is not None,
                              given_back=again.get(document.id))


async def retrieve(session: AsyncSession, storage: Storage, *, caller: Caller, document_id: str,
                   action: str = "download") -> tuple[Document, bytes]:
    """A document's bytes, logged as a download (`action`: a HEAD's "read_document") before they are read; the store
    checks their SHA-256. One withdrawn by its author has none left (erased): the 404 of a missing resource, and no
    download logged."""
    try:
        document, dossier, right = await open_document(session, account=caller.account, document_id=document_id[:64],
                                                       action="")
    except NotFoundException:
        raise not_found() from None
    if document.withdrawn_at is not None:
        await session.rollback()
        raise not_found()
    await log_document_read(session, account=caller.account, dossier=dossier, right=right, action=action,
                            document=document, detail=caller.via)
    return document, storage.get(document.storage_key, sha256=document.sha256)


async def withdraw(session: AsyncSession, storage: Storage, *, caller: Caller, document_id: str, base: str,
                   if_match: str = "", status_test: str | None = None):
    """The author declares their document erroneous (professionals/withdrawal.withdraw_document, as from the web: its
    content erased), answered with the document, as it is now, with no content: withdrawn already, that answer is a
    read of it, logged as a GET's. A reader who sees it is told only its author may (403); anyone else gets the same
    404 as for a missing one."""
    async def expected(document: Document) -> None:
        """FHIR's managed contention (http.html, If-Match: a 412 for another version) and RFC 6902's test (a 409
        for another status): a withdrawal asked of the version its author last read, or of the status it believes."""
        if if_match:
            current = etag_of(document, (await given_back(session, [document])).get(document.id))
            if if_match.strip() not in (current, current.removeprefix("W/")):
                raise FhirError(412, f"Le document a changé depuis votre lecture (sa version est {current}, pas "
                                     f"{if_match.strip()[:20]}) : relisez-le avant de le retirer.",
                                headers={"ETag": current})
        if status_test is not None and status_test != status_of(document):
            raise FhirError(409, f"Le statut du document est {status_of(document)}, pas {status_test[:30]} (test du "
                                 "JSON Patch) : rien n'a été fait.", code="conflict")

    try:
        document, dossier = await withdraw_document(session, account=caller.account, document_id=document_id,
                                                    via=caller.via, answered=True, storage=storage, expected=expected)
    except NotFoundException:
        raise not_found() from None
    except NotAuthor:
        raise FhirError(403, "Seul l'auteur d'un document peut le retirer ; le patient, lui, peut le masquer.") from None
    patient = await session.get(Patient, dossier.patient_id)
    again = await given_back(session, [document])
    return document_reference(document, patient=patient, author=caller.professional, base=base, served=True,
                              given_back=again.get(document.id))
