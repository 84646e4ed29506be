"""What a professional sees of the dossier, shown to the patient or a managing caregiver ("voir comme"): the
timeline, the profile and the care as that professional would read them now, asked of the rule by their standing
(access/managing.py `seen_as`); nothing is logged, since no professional read anything.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..authors import author_labels
from ..guards import logged_in
from ..listing import COUNT_CAP, cursor, loaded_documents
from ..models import Dossier, paris_today, utcnow
from ..access.managing import SeenAs, managed_dossier, seen_as
from ..caregivers.confidential import kept_from
from ..profile.card import first_screen_of
from ..profile.items import profile_of
from ..access.endings import access_end
from ..access.sharing import RIGHT_LABELS
from .care import Kind, care_context, filters
from .profile import sections_context
from .access import band, professional_or_404


@get("/dossiers/{dossier_id:str}/voir-comme/{professional_id:str}", guards=[logged_in])
async def see_as(request: HTMXRequest, db: AsyncSession, dossier_id: str, professional_id: str,
                 apres: str | None = None) -> Template:
    # The view their own request gets, computed by the rule from their standing (`seen_as`); not a read by them,
    # so not logged as one.
    dossier, seen = await _seen(request, db, dossier_id, professional_id)
    more = bool(request.htmx and (request.htmx.target or "").startswith("more-"))
    context = await see_as_context(db, dossier, seen, after_id=(apres or "")[:64], appended=more,
                                   size=request.app.state.settings.page_size)
    if more:
        return Template("partials/timeline_items.html", context=context)
    # A whole page opens on what theirs opens on: the profile's card and the way to the care, as they may see them.
    first_screen = await first_screen_of(db, view=seen.view, today=paris_today())
    # Of one who cannot open it: which of her accesses ended last, and when, if she had one ("Vous ne lui avez pas
    # donné accès" was false of a grant revoked, a médecin traitant removed, an emergency access over).
    ended = None if seen.view.right else await access_end(
        db, dossier_id=dossier.id, professional=seen.professional, standing=seen.view.standing, now=utcnow(),
        parents=seen.by_parents)
    return Template("see_as.html", context={**context, "first_screen": first_screen, "ended": ended,
                                           "profile_href": f"{see_as_url(dossier.id, seen)}/profil",
                                           "care_href": f"{see_as_url(dossier.id, seen)}/soins",
                                           "band": await band(request, db, dossier)})


@get("/dossiers/{dossier_id:str}/voir-comme/{professional_id:str}/profil", guards=[logged_in])
async def see_as_profile(request: Request, db: AsyncSession, dossier_id: str, professional_id: str) -> Template:
    """The profil médical as this professional reads it now, where "voir comme"'s card leads: the patient's own
    page shows every line (hidden ones marked), which is not what the professional reads."""
    dossier, seen = await _seen(request, db, dossier_id, professional_id)
    profile = await profile_of(db, dossier_id=dossier.id, visible=seen.view.visible)
    context = await sections_context(db, view=seen.view, profile=profile, account=request.user.account, adds=False)
    return Template("profile.html", context={**context, "seen": seen,
                                             "back_href": see_as_url(dossier.id, seen),
                                             "band": await band(request, db, dossier)})


@get("/dossiers/{dossier_id:str}/voir-comme/{professional_id:str}/soins", guards=[logged_in])
async def see_as_care(request: HTMXRequest, db: AsyncSession, dossier_id: str, professional_id: str,
                      kind: Kind = None, periode: str | None = None) -> Template:
    """The reimbursed care as this professional reads it now, where "voir comme"'s first screen leads: the patient's
    own page shows every line (hidden ones marked), which is not what the professional reads."""
    dossier, seen = await _seen(request, db, dossier_id, professional_id)
    kind, period = filters(kind, periode)
    context = await care_context(db, view=seen.view, kind=kind, period=period,
                                 url=f"{see_as_url(dossier.id, seen)}/soins")
    if request.htmx and request.htmx.target == "care-results":
        return Template("partials/care_results.html", context=context)
    return Template("care.html", context={**context, "seen": seen, "back_href": see_as_url(dossier.id, seen),
                                          "band": await band(request, db, dossier)})


async def _seen(request: Request, db: AsyncSession, dossier_id: str, professional_id: str) -> tuple[Dossier, SeenAs]:
    """The dossier this reader manages, as this professional sees it now; 404 for anyone else (`seen_as`)."""
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    professional = await professional_or_404(db, professional_id)
    kept = await kept_from(db, dossier_id=managed.dossier.id, account=request.user.account)
    seen = await seen_as(db, dossier=managed.dossier, professional=professional, viewer=managed, now=utcnow(),
                         kept_author=professional.id in kept.professional_ids)
    return managed.dossier, seen


def see_as_url(dossier_id: str, seen: SeenAs) -> str:
    return f"/dossiers/{dossier_id}/voir-comme/{seen.professional.id}"


async def see_as_context(db: AsyncSession, dossier: Dossier, seen: SeenAs, *, after_id: str, size: int,
                         appended: bool) -> dict[str, Any]:
    """"Voir comme", asked of the database as the timeline's pages are (listing): a page costs what it shows, and
    the next one starts after its last document, so one added meanwhile never appears twice. The page "Charger plus"
    `appended` alone, uncounted; a whole page, the list down through it (`loaded_documents`), counted."""
    visible = seen.view.visible
    after = await cursor(db, dossier_id=dossier.id, visible=visible, after_id=after_id)
    loaded = await loaded_documents(db, dossier_id=dossier.id, visible=visible, after=after, size=size,
                                    whole=not appended, counted=not appended)
    documents = loaded.documents
    url = see_as_url(dossier.id, seen)
    return {"dossier": dossier, "seen": seen, "view": seen.view, "right_labels": RIGHT_LABELS, "documents": documents,
            "previous": after if appended else None, "page": 1, "ranked": False,
            "more_id": documents[-1].id if documents else "",
            "next_url": f"{url}?{urlencode({'apres': documents[-1].id})}" if loaded.more else None,
            "first_url": None if loaded.from_top else url, "authors": await author_labels(db, documents),
            "total": loaded.total, "count_cap": COUNT_CAP}


routes = [see_as, see_as_profile, see_as_care]
