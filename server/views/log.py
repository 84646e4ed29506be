"""The patient's "Historique": every access event, in the reader's language, filtered, paged; exported and printed
by log_exports.py.

Only the patient and active caregivers reach it (`managing.managed_dossier`); anyone else gets the
404 of a missing dossier.

The page checks itself (issue 14): each event shown carries what static/js/journal-verify.js needs
to recompute its leaf of the transparency log (its hashed fields, its leaf's salt and index), and
the script verifies it against the log's signed checkpoint on the reader's own device. Each page says
whether the list holds every event of the dossier in turn (no filter, nothing kept from this reader),
and whether it starts at the newest or ends at the oldest: what the script holds the dossier's chain to.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from litestar.plugins.htmx import ClientRedirect, HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import accounts

from ..accesslog import days, journal, pages, queries, visits
from ..accesslog.proofs import journal_entries
from ..guards import logged_in
from ..i18n.formats import clock
from ..accesslog.journal import Viewer
from ..accesslog.numbering import Numbering
from ..accesslog.queries import KINDS, PERIODS, LogFilters
from ..i18n import N_, _
from ..models import Account, Dossier, Patient, utcnow
from ..access.managing import managed_dossier
from ..caregivers.confidential import KeptFrom, kept_from
from ..caregivers.dossiers import band_of
from ..caregivers.invitations import current_delegation
from ..templating import PARIS, de

PAGE_SIZE = 30
# A whole page of a list loaded further down ("Événements plus anciens", then Back) shows it from the newest down
# through its last page, up to this many events; further, it starts at that page (pages.loaded_log).
LOADED_CAP = 200


def log_url(dossier_id: str, suffix: str = "") -> str:
    return f"/dossiers/{dossier_id}/historique{suffix}"


def seen_from_header(request: Request, numbering: Numbering) -> int | None:
    """What the page that asks for a fragment had seen (its own header): it only decides "Nouveau"."""
    return numbering.read(request.headers.get("x-log-seen"))


async def numbering_of(request: Request, db: AsyncSession, dossier_id: str) -> tuple[KeptFrom, Numbering]:
    """What this reader may not see of the log, and how their pages name its events (accesslog/numbering.py)."""
    account = request.user.account
    kept = await kept_from(db, dossier_id=dossier_id, account=account)
    return kept, Numbering.for_reader(secret=request.app.state.settings.secret, account_id=account.id,
                                      dossier_id=dossier_id, representative=kept.representative)


async def managed(request: Request, db: AsyncSession, dossier_id: str) -> tuple[Dossier, Viewer, Patient, bool]:
    """The dossier, who reads its log, whose dossier it is, and whether the reader also acts on it (the menu offers
    "Accès"); 404 for anyone but its patient or caregivers (readers included: reading the log changes nothing)."""
    found = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id, readers=True)
    is_patient = found.standing.is_patient
    return found.dossier, Viewer(request.user.account.id, is_patient=is_patient), found.patient, found.can_manage


# Who reads a relative's log, as its paper names them: on screen, the sentences say "vous" to whoever reads them.
# Words alike for a man and a woman, whose sex an account does not hold ("proche aidant" was said of Camille).
READERS = {"proche": N_("%(reader)s, proche %(de_name)s"), "parent": N_("%(reader)s, parent %(de_name)s"),
           "tuteur": N_("%(reader)s, tuteur ou tutrice %(de_name)s")}


async def reader_named(db: AsyncSession, *, account: Account, viewer: Viewer, dossier_id: str,
                       patient_name: str) -> str:
    """Who reads the log, and what they are to its patient: "Paul Martin, proche de Camille Martin", or the
    patient's own name; whom a printed page's "vous" is (partials/printed_by.html)."""
    if viewer.is_patient:
        return account.display_name
    delegation = await current_delegation(db, dossier_id=dossier_id, account_id=account.id)
    relationship = delegation.relationship if delegation is not None else "proche"
    return _(READERS.get(relationship, READERS["proche"]), reader=account.display_name, de_name=de(patient_name),
             name=patient_name)


def witness_policy(request: Request) -> tuple[list[str], int]:
    """The witnesses' cosigner keys the page checks the checkpoint's cosignatures with, and how many it needs."""
    settings = request.app.state.settings
    return [key for key, _url in settings.journal_witnesses], settings.journal_witnesses_required


async def log_context(request: Request, db: AsyncSession, dossier_id: str, *, filters: LogFilters,
                      avant: str | None, fragment: bool = False, appended: bool = False) -> dict:
    """The list down through the page from `avant` (a page's cursor, as this reader's pages write it), from the
    newest event (pages.loaded_log); the page "Événements plus anciens" `appended`, that page alone. A `fragment`
    keeps the "Nouveau" of the page that asks for it (its header)."""
    # First: a refusal does no other work.
    dossier, viewer, patient, manages = await managed(request, db, dossier_id)
    kept, numbering = await numbering_of(request, db, dossier.id)
    visible = kept.events()
    filters = await filters.resolved(db, dossier_id=dossier.id, secret=request.app.state.settings.secret,
                                     hidden_rpps=kept.unnamed_rpps, visible=visible)
    before = before_from(avant, numbering)
    seen = seen_from_header(request, numbering) if fragment else None
    now = utcnow()
    # The head read before the events: nothing shown goes unseen. A whole page's count of new events (its notice)
    # comes in the same question.
    new_count = None
    if not fragment:
        head, seen, new_count = await visits.head_seen_and_new(db, account=request.user.account, dossier=dossier,
                                                               visible=visible)
    elif seen is None:
        head, seen = await visits.head_and_seen(db, account_id=viewer.account_id, dossier_id=dossier.id)
    else:
        head = await visits.head_seq(db, dossier_id=dossier.id)
    whole = not filters.active and not kept
    where = {"dossier_id": dossier.id, "filters": filters, "now": now, "head": head, "before": before,
             "size": PAGE_SIZE, "visible": visible, "leaves": numbering.shows_chain}
    loaded = await pages.loaded_log(db, **where, cap=LOADED_CAP) if before and not appended else None
    page = loaded or await pages.log_page(db, **where)
    from_top = before is None or loaded is not None
    shown = page.events
    withdrawn = await queries.withdrawn_among(db, shown)  # named without their titles, checked without them
    # The day of the event just above an appended page, if the list shows it; a page that goes on where a window of
    # the log ended (its `avant`, an event the list may not show) starts under its own day header.
    shown_above = () if whole else (*filters.clauses(now=now), visible)
    previous_at = (await pages.event_at(db, dossier_id=dossier.id, seq=before, where=shown_above) if appended and before
                   else None)
    # How far back the list was looked through, when it goes on below: the page says so, never "no more events".
    further_at = await pages.event_at(db, dossier_id=dossier.id, seq=page.next_before) if page.window_ended else None
    base = log_url(dossier.id)
    return {
        "dossier": dossier,
        "visible": visible,
        "band": await band_of(db, dossier=dossier, account=request.user.account, now=now, manages=manages),
        "patient_name": f"{patient.given_name} {patient.family_name}",
        "viewer": viewer,
        "head": head,
        "seen": seen,
        "new_count": new_count,
        "numbering": numbering,
        "kept": kept,  # how the page names events: the chain's numbers, or tokens (a representative)
        "lines": journal.lines(shown, viewer=viewer, seen_seq=seen, now=now, withdrawn=withdrawn),
        "journal_entries": await journal_entries(db, shown, withdrawn) if numbering.shows_chain else {},
        # Whether the list holds every event of the dossier in turn (each seq, each naming the one before it), and
        # whether this page starts at the newest or ends at the oldest: what the script holds the chain to.
        # "oldest" only when the list was read down to the dossier's first event: a filtered page that goes on below
        # a window of the log, or a period's list that ends where the period starts, does not reach it.
        "journal_page": {"whole": whole, "newest": from_top,
                         "oldest": page.next_before is None and page.read_to_first} if numbering.shows_chain else {},
        "previous_day": previous_at.astimezone(PARIS).date() if previous_at else None,
        "filters": filters,
        "kinds": KINDS,
        "periods": PERIODS,
        "before": before,
        "url": filters.url(base, avant=numbering.out(before) if before else None),
        # Whether a page of the list (partials/log_items.html) is shown: its events, or where it goes on, or that it
        # ended below the pages before it; else the list is empty, and says so.
        "list_page": bool(shown) or page.next_before is not None or before is not None,
        "next_url": filters.url(base, avant=numbering.out(page.next_before)) if page.next_before else None,
        "next_before": numbering.out(page.next_before) if page.next_before else None,
        # Fewer than a page matched in the events read: the reader chooses to look further back (not on scrolling).
        "searched_since": day_and_time(further_at, today=now.astimezone(PARIS).date()) if further_at else None,
        "newest_url": None if from_top else filters.url(base),
        "csv_url": filters.url(log_url(dossier.id, ".csv")),
        "print_url": filters.url(log_url(dossier.id, "/imprimer")),
    }


def day_and_time(at: datetime, *, today: date) -> dict[str, str]:
    """"3 mars", "14 h 12" (Paris time, the reader's language): for a sentence that says when, its own way."""
    local = at.astimezone(PARIS)
    return {"day": days.day_fr(local.date(), today=today), "time": clock(local)}


def filters_from(professionnel: str | None, kind: str | None, periode: str | None) -> LogFilters:
    return LogFilters.parse(professional=professionnel, kind=kind, period=periode)


Kind = Annotated[str | None, QueryParameter(name="type")]


def before_from(avant: str | None, numbering: Numbering) -> int | None:
    """Where a page of the list starts: an event's number, else the newest (an unknown filter shows everything;
    a cursor that is not one of this reader's starts at the top, as the timeline's does)."""
    before = numbering.read(avant)
    return before if before and before >= 1 else None


@get("/historique", guards=[logged_in])
async def my_log(request: Request, db: AsyncSession) -> Response:
    dossier = await accounts.patient_dossier(db, account=request.user.account)
    if dossier is None:
        raise NotFoundException()
    return Redirect(log_url(dossier.id), status_code=303)


@get("/dossiers/{dossier_id:str}/historique", guards=[logged_in])
async def log_page(request: HTMXRequest, db: AsyncSession, dossier_id: str, professionnel: str | None = None,
                   kind: Kind = None, periode: str | None = None, avant: str | None = None) -> Template | ClientRedirect:
    if request.htmx and request.htmx.boosted:
        # A whole page of its own: htmx drops the scripts of a page it swaps in, and this one runs journal-verify.js.
        return ClientRedirect(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    filters = filters_from(professionnel, kind, periode)
    target = request.htmx.target if request.htmx else None
    appended = bool(target and target.startswith("more-"))
    context = await log_context(request, db, dossier_id, filters=filters, avant=avant,
                                fragment=appended or target == "log-results", appended=appended)
    if target == "log-results":
        context["tools_out_of_band"] = True
        return Template("partials/log_results.html", context=context, headers={"HX-Push-Url": context["url"]})
    if appended:
        return Template("partials/log_items.html", context=context)
    secret = request.app.state.settings.secret
    context["people"] = await queries.people_in_log(db, dossier_id=dossier_id, secret=secret,
                                                    reader_id=request.user.account.id, visible=context["visible"])
    context["professionals"] = await queries.professionals_in_log(db, dossier_id=dossier_id,
                                                                  hidden_rpps=context["kept"].unnamed_rpps,
                                                                  secret=secret)
    context["witness_keys"], context["witnesses_required"] = witness_policy(request)
    context["reader"] = await reader_named(db, account=request.user.account, viewer=context["viewer"],
                                           dossier_id=dossier_id, patient_name=context["patient_name"])
    context["printed_at"] = utcnow()
    # This visit still shows what was new; the next one will not.
    await visits.record_visit(db, account_id=request.user.account.id, dossier_id=dossier_id, seq=context["head"],
                                   seen=context["seen"])
    return Template("log.html", context=context)


routes = [my_log, log_page]
