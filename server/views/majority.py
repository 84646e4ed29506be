"""Coming of age: "Préparer mes 18 ans", the young person's page before 18 and in the year after, where she chooses
what each parent keeps at 18 (caregivers/majority.py records the choice and applies it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy import Row
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.managing import managed_dossier, seen_as_caregiver
from ..access.rule import LEGAL_REPRESENTATIVES
from ..authors import author_labels
from ..caregivers import majority
from ..caregivers.dossiers import band_of, helpers_of, is_minor
from ..dossiers import InvalidInput
from ..errors import error_response
from ..guards import logged_in
from ..listing import documents_page
from ..models import utcnow
from .forms import Form, text

PREVIEW = 20  # the documents the majority page shows of what the parents see
MAJORITY_PAGE_AFTER = timedelta(days=365)


async def majority_context(request: Request, db: AsyncSession, dossier_id: str) -> dict[str, Any]:
    # With readers: the young person's page, which a relative finds no more whether she reads or manages (not told
    # she only reads, as on a managers' page).
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id, readers=True)
    now = utcnow()
    # The young person decides, no one else: before 18, and in the year after (the page says what ended, and
    # where relatives are invited now). Not an adult's page otherwise: their relatives are on "Mes proches".
    adult = managed.facts.adult_from
    if not managed.standing.is_patient or adult is None or now >= adult + MAJORITY_PAGE_AFTER:
        raise NotFoundException()
    minor = is_minor(managed.patient, now)
    helpers = await helpers_of(db, dossier=managed.dossier, patient=managed.patient, now=now)
    # As of the birthday itself, as the rule reads it (not when `majority.apply_majority` recorded it): before 18, the
    # parents she chooses for; from then, those she kept, their rights now a relative's (on "Mes proches").
    representatives = [h for h in helpers if h.delegation.relationship in LEGAL_REPRESENTATIVES]
    parents = [h for h in representatives if not h.delegation.end_reason] if minor else []
    kept = [] if minor else representatives
    preview: list[Row] = []
    if parents:  # their newest documents, asked of the database as the timeline's are: not the whole dossier
        visible = await seen_as_caregiver(db, dossier=managed.dossier, delegation=parents[0].delegation, now=now)
        preview = await documents_page(db, dossier_id=managed.dossier.id, visible=visible, limit=PREVIEW + 1)
    return {
        "dossier": managed.dossier, "patient": managed.patient, "parents": parents, "preview": preview[:PREVIEW],
        # Who withdrew a line, said of her as she is (partials/withdrawn_line.html): asked of those alone.
        "authors": await author_labels(db, [d for d in preview[:PREVIEW] if d.withdrawn_at]),
        "kept_parents": kept,
        "ended_parents": [] if minor else await majority.ended_at_majority(db, dossier=managed.dossier),
        "more_in_preview": len(preview) > PREVIEW,
        "adult_from": managed.facts.adult_from, "choices": majority.CHOICES, "minor": minor,
        "band": await band_of(db, dossier=managed.dossier, account=request.user.account, now=now),
    }


@get("/dossiers/{dossier_id:str}/majorite", guards=[logged_in])
async def majority_page(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    return Template("majority.html", context=await majority_context(request, db, dossier_id))


@post("/dossiers/{dossier_id:str}/majorite/{delegation_id:str}", guards=[logged_in], status_code=200)
async def majority_choice(request: Request, db: AsyncSession, dossier_id: str, delegation_id: str, data: Form) -> Response:
    context = await majority_context(request, db, dossier_id)
    if delegation_id not in {p.delegation.id for p in context["parents"]}:
        raise NotFoundException()
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    try:
        await majority.choose(db, dossier=managed.dossier, delegation_id=delegation_id,
                              choice=text(data, "choix", limit=10), actor=managed.actor)
    except InvalidInput as refused:
        return error_response(request, 400, str(refused))
    return Redirect(f"/dossiers/{dossier_id}/majorite?fait=choix-enregistre", status_code=303)


routes = [majority_page, majority_choice]
