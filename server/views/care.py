"""The "Historique de soins": what the Assurance Maladie reimbursed, the last 24 months, by month.

The patient and their caregivers see it; a professional sees it under the same rule as the
`remboursement` category's documents (reading.open_dossier with `category`), and that read is in the log.
"""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import accounts
from ..caregivers.confidential import NOTHING, confidential_in
from ..caregivers.dossiers import band_of
from ..identifiers import identity_of
from ..guards import logged_in
from ..models import utcnow
from ..access.reading import HOLDERS, open_dossier
from ..fhir.errors import FhirError, bearer_challenge, refused_token_challenge
from ..fhir.tokens import INSURER_SCOPE, caller_of
from ..reimbursements import importer
from ..reimbursements.history import KINDS, PERIODS, care_history
from ..reimbursements.layout import LayoutError, read
from ..templating import PARIS

Kind = Annotated[str | None, QueryParameter(name="type")]


@get("/soins", guards=[logged_in])
async def my_care(request: Request, db: AsyncSession) -> Redirect:
    dossier = await accounts.patient_dossier(db, account=request.user.account)
    if dossier is None:
        raise NotFoundException()
    return Redirect(f"/dossiers/{dossier.id}/soins", status_code=303)


@get("/dossiers/{dossier_id:str}/soins", guards=[logged_in])
async def care_page(request: HTMXRequest, db: AsyncSession, dossier_id: str, kind: Kind = None,
                    periode: str | None = None) -> Template:
    kind = kind if kind in KINDS else ""
    period = periode if periode in PERIODS else "24"
    view = await open_dossier(db, account=request.user.account, dossier_id=dossier_id, action="read_care",
                              category="remboursement")
    now = utcnow()
    # A minor's parents, and a professional whose grant for the category a parent gave: never the care of a
    # professional who kept care from the parents (rule.Visibility.kept_categories).
    visible = view.visible
    parents_only = visible.kept_categories is not None and "remboursement" not in visible.kept_categories
    kept = await confidential_in(db, dossier_id=dossier_id) if visible.not_kept_from_parents or parents_only \
        else NOTHING
    history = await care_history(db, dossier_id=dossier_id, today=now.astimezone(PARIS).date(), period=period,
                                 kind=kind, kept=kept)
    context = {"view": view, "history": history, "kind": kind, "period": period, "kinds": KINDS, "periods": PERIODS}
    if request.htmx and request.htmx.target == "care-results":
        return Template("partials/care_results.html", context=context)
    if view.right in HOLDERS:
        context["band"] = await band_of(db, dossier=view.dossier, account=request.user.account, now=now,
                                        manages=view.can_manage)
    else:
        context["identity"] = identity_of(view.patient, today=now.astimezone(PARIS).date())
    return Template("care.html", context=context)


# --- the insurer's feed, sent by its system ---------------------------------------------------

MAX_FEED_BYTES = 64 * 1024 * 1024  # ~400,000 lines; a bigger extract is sent in parts


@post("/api/remboursements", request_max_body_size=MAX_FEED_BYTES, status_code=200)
async def receive_feed(request: Request, db: AsyncSession) -> Response:
    """The Assurance Maladie's system sends a file in the layout of reimbursements/layout.py, with a bearer token
    of the software the operator registered for it (`carnet logiciel assureur`): the same load as the command."""
    caller = await caller_of(db, request.headers.get("authorization", ""))
    if caller is None:
        raise FhirError(401, "Jeton d'accès manquant, expiré ou révoqué : demandez-en un nouveau.",
                        headers=refused_token_challenge(request.headers.get("authorization", "")))
    if not caller.may("remboursements", "c"):
        raise FhirError(403, f"Ce jeton n'a pas la portée {INSURER_SCOPE}.",
                        headers=bearer_challenge("insufficient_scope", scope=INSURER_SCOPE))
    if request.headers.get("content-type", "").partition(";")[0].strip().lower() != "text/csv":
        raise FhirError(415, "Envoyez le fichier en text/csv (séparateur «\u00a0;\u00a0», UTF-8).")
    try:
        # A 10,000-line file takes a second or more to read: in a thread, so the pages keep being served.
        lines = await to_thread.run_sync(read, await request.body())
        report = await importer.load(db, lines)  # refuses a line that would change patient, before writing
    except LayoutError as error:
        raise FhirError(422, "Fichier refusé, rien n'a été chargé : " + " ; ".join(error.problems)) from None
    return Response({"ajoutees": report.added, "corrigees": report.replaced, "deja_chargees": report.unchanged,
                     "plus_anciennes": report.older, "dossiers": report.dossiers, "sans_dossier": report.waiting,
                     "resume": report.summary()})


routes = [my_care, care_page, receive_feed]
