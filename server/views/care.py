"""The "Historique de soins": what the Assurance Maladie reimbursed, the last 24 months, by month; and the lines a
page's filters keep, as the copy's CSV or on a page to print, for the patient and their caregivers.

The patient and their caregivers see it; a professional sees it under the same rule as the
`remboursement` category's documents (reading.open_dossier with `category`), and that read is in the log.
Each line is hidden from professionals as a document is, by the patient or a managing caregiver
(reimbursements/seen.py, hiding.py): the médecin traitant still sees it.
"""

from __future__ import annotations

import io
from typing import Annotated, Any
from urllib.parse import urlencode

from anyio import to_thread
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import accounts
from ..caregivers.dossiers import band_of
from ..errors import error_response
from ..export.carefiles import CARE_BATCH, CareCsv
from ..export.names import download_name
from ..i18n import _
from ..identifiers import identity_of
from ..guards import logged_in
from ..models import paris_today, utcnow
from ..access.managing import managed_dossier
from ..access.reading import HOLDERS, DossierView, open_dossier
from ..access.rule import visibility
from ..accesslog.audit import Actor
from ..fhir.errors import FhirError, bearer_challenge, size_limit
from ..fhir.tokens import INSURER_SCOPE, caller_of, note_for_log
from ..reimbursements import importer
from ..reimbursements.hiding import set_line_hidden
from ..reimbursements.history import KINDS, PERIODS, bounds, care_history, excess, is_year
from ..reimbursements.layout import LayoutError, read
from ..reimbursements.seen import seen_batches, seen_line
from ..templating import PARIS
from .forms import Form, text

Kind = Annotated[str | None, QueryParameter(name="type")]


@get("/soins", guards=[logged_in])
async def my_care(request: Request, db: AsyncSession) -> Redirect:
    dossier = await accounts.patient_dossier(db, account=request.user.account)
    if dossier is None:
        raise NotFoundException()
    return Redirect(f"/dossiers/{dossier.id}/soins", status_code=303)


def care_url(dossier_id: str, suffix: str = "", *, kind: str = "", period: str = "24") -> str:
    """The Soins page, or with `suffix` its lines as a file (".csv") or to print ("/imprimer"), with the filters that
    differ from the page's first: their codes only, never a word of care."""
    query = urlencode({k: v for k, v in (("type", kind), ("periode", period)) if v and (k, v) != ("periode", "24")})
    return f"/dossiers/{dossier_id}/soins{suffix}" + (f"?{query}" if query else "")


def filters(kind: str | None, period: str | None) -> tuple[str, str]:
    """The kind and period a page asks for (a number of months, or a calendar year Carnet keeps care of), or every
    kind and 24 months."""
    period = period or ""
    return (kind if kind in KINDS else ""), (period if period in PERIODS or is_year(period, paris_today()) else "24")


async def care_context(db: AsyncSession, *, view: DossierView, kind: str, period: str, url: str) -> dict[str, Any]:
    """What the Soins page shows of the dossier to this view of it (the reader's own, or "voir comme"'s of a
    professional): the lines the rule lets it see (reimbursements/seen.py), their totals, and where its filters ask."""
    history = await care_history(db, dossier_id=view.dossier.id, visible=view.visible, today=paris_today(),
                                 period=period, kind=kind)
    # The calendar years the reader has care in, and one the address asks for without any (its page says so).
    years = sorted({str(year) for year in history.years} | ({period} - PERIODS.keys()), reverse=True)
    return {"view": view, "history": history, "kind": kind, "period": period, "kinds": KINDS, "periods": PERIODS,
            "years": years, "care_url": url, "tools": None, "printing": False, "excess": excess}


@get("/dossiers/{dossier_id:str}/soins", guards=[logged_in])
async def care_page(request: HTMXRequest, db: AsyncSession, dossier_id: str, kind: Kind = None,
                    periode: str | None = None) -> Template:
    kind, period = filters(kind, periode)
    view = await open_dossier(db, account=request.user.account, dossier_id=dossier_id, action="read_care",
                              category="remboursement")
    now = utcnow()
    context = await care_context(db, view=view, kind=kind, period=period, url=care_url(dossier_id))
    if view.right in HOLDERS:  # a professional keeps care in their own software (holders_view says why)
        context["tools"] = {"csv": care_url(dossier_id, ".csv", kind=kind, period=period),
                            "print": care_url(dossier_id, "/imprimer", kind=kind, period=period)}
    if request.htmx and request.htmx.target == "care-results":
        return Template("partials/care_results.html", context=context)
    if view.right in HOLDERS:
        context["band"] = await band_of(db, dossier=view.dossier, account=request.user.account, now=now,
                                        manages=view.can_manage)
    else:
        context["identity"] = identity_of(view.patient, today=now.astimezone(PARIS).date())
    return Template("care.html", context=context)


@post("/dossiers/{dossier_id:str}/soins/{line_id:str}/masquage", guards=[logged_in], status_code=200)
async def hide(request: Request, db: AsyncSession, dossier_id: str, line_id: str, data: Form) -> Response:
    """Hide a line from professionals, or show it again: the patient's or a managing caregiver's, on a line they see
    (a minor's parent never one kept from them); a reader is told she only reads (errors.READ_ONLY); 404 for a line
    of another dossier, a missing one alike."""
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    line = await seen_line(db, dossier_id=managed.dossier.id, line_id=line_id,
                           visible=visibility(managed.standing, managed.facts, utcnow()))
    if line is None:
        raise NotFoundException()
    choice = text(data, "masque", limit=5)
    if choice not in ("oui", "non"):
        return error_response(request, 400, _("Choisissez de masquer le soin ou de ne plus le masquer."))
    await set_line_hidden(db, line=line, hidden=choice == "oui", actor=managed.actor)
    # Back to the page as it was filtered, at the line.
    kind, period = filters(text(data, "type", limit=20), text(data, "periode", limit=5))
    query = {"fait": "masque" if choice == "oui" else "visible", "type": kind, "periode": period}
    return Redirect(f"{care_url(dossier_id)}?{urlencode({k: v for k, v in query.items() if v})}#soin-{line.id}",
                    status_code=303)


async def holders_view(request: Request, db: AsyncSession, dossier_id: str) -> DossierView:
    """The dossier as its patient or a caregiver reads it, for the Soins page's file and printed page; 404 for a
    professional reading it under a grant, who keeps care in their own software (their reads are logged, and a file
    or a sheet made here would be a read no sentence of the log says), as the timeline's printed list
    (views/timeline.py). Decided on the right to this dossier, not the account: a doctor helping her father with
    his dossier prints his care as any relative does."""
    view = await open_dossier(db, account=request.user.account, dossier_id=dossier_id, action=None,
                              category="remboursement")
    if view.right not in HOLDERS:
        raise NotFoundException()
    return view


@get("/dossiers/{dossier_id:str}/soins.csv", guards=[logged_in])
async def care_csv(request: Request, db: AsyncSession, dossier_id: str, kind: Kind = None,
                   periode: str | None = None) -> Response:
    """The lines the Soins page shows with these filters, in the copy's CSV (export/carefiles.py) less the insurer's
    ids of the lines, which no page shows."""
    view = await holders_view(request, db, dossier_id)
    kind, period = filters(kind, periode)
    today = paris_today()
    since, until = bounds(period, today)
    out = io.StringIO()
    rows = CareCsv(out, insurer_ids=False)
    async for lines in seen_batches(db, dossier_id=view.dossier.id, visible=view.visible, since=since, until=until,
                                    codes=KINDS[kind][1] if kind in KINDS else (), size=CARE_BATCH):
        rows.write(lines)  # every line, past the MAX_LINES a page shows
    # Whose lines, of which period and on which day: a year's file for a complementary insurer or a tax return is
    # told from another year's made the same day. Nothing of the care itself, its kind included, in a name a
    # downloads folder shows.
    span = f"annee-{period}" if is_year(period, today) else f"{period}-mois"
    name = download_name("carnet-soins", view.patient, f"{span}-{today.isoformat()}", "csv")
    return Response("\ufeff" + out.getvalue(), media_type="text/csv",  # the BOM: a French Excel reads accents
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@get("/dossiers/{dossier_id:str}/soins/imprimer", guards=[logged_in])
async def care_print(request: Request, db: AsyncSession, dossier_id: str, kind: Kind = None,
                     periode: str | None = None) -> Template:
    """The lines the Soins page shows with these filters, on a page made to print (print.js's button): whose they
    are, without the filters' form and the buttons."""
    view = await holders_view(request, db, dossier_id)
    kind, period = filters(kind, periode)
    now = utcnow()
    context = await care_context(db, view=view, kind=kind, period=period, url=care_url(dossier_id))
    return Template("care.html", context={
        **context, "printing": True, "now": now, "back_url": care_url(dossier_id, kind=kind, period=period),
        # On screen, the menu stays in the dossier printed (base.html): a relative's, not the reader's own.
        "band": await band_of(db, dossier=view.dossier, account=request.user.account, now=now,
                              manages=view.can_manage)})


# --- the insurer's feed, sent by its system ---------------------------------------------------

MAX_FEED_BYTES = 64 * 1024 * 1024  # ~400,000 lines; a bigger extract is sent in parts
FEED_TOO_LARGE = (f"Le fichier dépasse {size_limit(MAX_FEED_BYTES)}, le plus qu'un envoi peut faire : découpez-le "
                  "en plusieurs envois (chacun est chargé entier, ou refusé entier).")


@post("/api/remboursements", request_max_body_size=MAX_FEED_BYTES, status_code=200)
async def receive_feed(request: Request, db: AsyncSession) -> Response:
    """The Assurance Maladie's system sends a file in the layout of reimbursements/layout.py, with a bearer token
    of the software the operator registered for it (`carnet logiciel assureur`): the same load as the command, its
    changes logged under the name it was registered with."""
    caller = await caller_of(db, request.headers.get("authorization", ""))
    note_for_log(request.scope, caller)
    if not caller.may("remboursements", "c"):
        raise FhirError(403, f"Ce jeton n'a pas la portée {INSURER_SCOPE}.",
                        headers=bearer_challenge("insufficient_scope", scope=INSURER_SCOPE))
    if request.headers.get("content-type", "").partition(";")[0].strip().lower() != "text/csv":
        raise FhirError(415, "Envoyez le fichier en text/csv (séparateur «\u00a0;\u00a0», UTF-8).")
    try:
        body = await request.body()
    except RequestEntityTooLarge:  # request_max_body_size, checked as the body is read
        raise FhirError(413, FEED_TOO_LARGE) from None
    try:
        # A 10,000-line file takes a second or more to read: in a thread, so the pages keep being served.
        lines = await to_thread.run_sync(read, body)
        # Refuses a line that would change patient, before writing.
        report = await importer.load(db, lines, actor=Actor(None, "system", caller.client.name))
    except LayoutError as error:  # one issue per problem, after the first that says nothing was loaded
        raise FhirError(422, error.headline, details=tuple(error.said)) from None
    return Response({"ajoutees": report.added, "corrigees": report.replaced, "deja_chargees": report.unchanged,
                     "annulees": report.cancelled, "plus_anciennes": report.older, "dossiers": report.dossiers,
                     "sans_dossier": report.waiting, "trop_anciennes": report.too_old, "retirees": report.removed,
                     "annulations_sans_ligne": report.cancelled_unknown, "resume": report.summary()})


routes = [my_care, care_page, care_csv, care_print, hide, receive_feed]
