"""The "Historique de soins": what the Assurance Maladie reimbursed, the last 24 months, by month.

The patient and their caregivers see it; a professional sees it under the same rule as the
`remboursement` category's documents (reading.open_dossier with `category`), and that read is in the log.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import accounts
from ..caregivers.dossiers import band_of
from ..guards import logged_in
from ..models import utcnow
from ..reading import HOLDERS, open_dossier
from ..reimbursements.history import KINDS, PERIODS, care_history
from ..templating import PARIS

Kind = Annotated[str | None, Parameter(query="type")]


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
    history = await care_history(db, dossier_id=dossier_id, today=now.astimezone(PARIS).date(), period=period, kind=kind)
    context = {"view": view, "history": history, "kind": kind, "period": period, "kinds": KINDS, "periods": PERIODS}
    if request.htmx and request.htmx.target == "care-results":
        return Template("partials/care_results.html", context=context)
    if view.right in HOLDERS:
        context["band"] = await band_of(db, dossier=view.dossier, account=request.user.account, now=now,
                                        manages=view.can_manage)
    return Template("care.html", context=context)


routes = [my_care, care_page]
