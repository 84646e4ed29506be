"""The timeline: a dossier's documents, newest first, grouped by month, filtered and searched."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Response, get, post
from litestar.exceptions import NotFoundException
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import sessions
from ..accesslog import journal
from ..guards import logged_in
from ..i18n.formats import quoted_fr
from ..models import CATEGORIES, paris_today, utcnow
from ..notifications import banners
from ..caregivers.confidential import kept_from
from ..caregivers.dossiers import band_of
from ..authors import author_labels
from ..identifiers import identity_of
from ..listing import (COUNT_CAP, LOADED_CAP, Loaded, cursor, documents_page, filter_categories, loaded_documents,
                       search_page)
from ..access.emergencies import emergencies_to_review
from ..access.reading import HOLDERS, open_dossier
from ..periods import IMPOSSIBLE, Period, period_of
from ..search import CAP as SEARCH_CAP, words_of
from .forms import MAX_INT, Form, parse_int, text
from ..profile.card import first_screen_of
from ..professionals import visits

# The read_timeline event's detail when the page showed the profil médical's card: one event for both
# (the patient's log says "a consulté votre dossier", of which the profile is part; the chain keeps this detail).
PROFILE_CARD = "avec le résumé du profil médical"


def timeline_url(dossier_id: str, *, category: str = "", search_token: str = "", after: str = "", page: int = 1,
                 suffix: str = "") -> str:
    """The timeline with its filters; with `suffix` ("/imprimer"), a page of it that takes the same filters."""
    params = {k: v for k, v in (("categorie", category), ("recherche", search_token), ("apres", after)) if v}
    if page > 1:
        params["page"] = str(page)
    return f"/dossiers/{dossier_id}{suffix}" + (f"?{urlencode(params)}" if params else "")


def _period_asked(query: str) -> tuple[Period | None, bool]:
    """The period a search's words name, if they do (periods.py), and whether they name a date that cannot be."""
    asked = period_of(query, today=paris_today()) if query else None
    return (asked if isinstance(asked, Period) else None), asked is IMPOSSIBLE


async def timeline_context(request: HTMXRequest, db: AsyncSession, dossier_id: str, *, category: str, token: str,
                           after_id: str = "", page: int = 1, whole_page: bool = False, appended: bool = False,
                           news: bool = False) -> dict:
    """The timeline: newest first, each page after the last document of the one before; with search words, those
    whose title holds the most of them first (then the newest), a page at a time; with words that name a period
    ("juillet 2026", periods.py), the documents dated within it, newest first, as the timeline pages them. The next
    page "Charger plus" `appended` is that page alone, without the count of documents; any other shows the list from
    the newest down through that page (`loaded_documents`). A professional's whole page, unfiltered, opens on the
    profil médical's card, and the timeline's read says so; it says how many documents were added since their last
    visit, which `news` lists alone, the latest added first (professionals/visits.py)."""
    category = category if category in CATEGORIES else ""
    # The search words live in the server-side session; the URL carries only an opaque token,
    # so document titles never end up in the address bar, the history or a proxy's log.
    query = sessions.remembered_search(request.user, token)
    searching = bool(category or query)
    news = news and not searching and request.user.account.professional_id is not None
    detail = " · ".join(x for x in (CATEGORIES.get(category, ""), quoted_fr(query) if query else "") if x)
    card = whole_page and not searching and not news
    view = await open_dossier(
        db, account=request.user.account, dossier_id=dossier_id,
        action="search" if searching else "read_timeline", detail=PROFILE_CARD if card else detail, visit=True,
    )
    size = request.app.state.settings.page_size
    words = words_of(query)
    # The access log keeps the words asked (`detail`), whatever they are read as.
    period, impossible = _period_asked(query)
    after, ranked = None, bool(query) and period is None and not impossible
    # What was added since the professional's last visit (None: not a professional's visit).
    new_count, new_rows = None, []
    if view.new_since is not None and (news or whole_page):
        new = {"dossier_id": dossier_id, "visible": view.visible, "professional_id": view.standing.professional_id,
               "since": view.new_since}
        if news:
            new_rows = await visits.new_documents(db, **new)
            new_count = len(new_rows)
        else:
            new_count = await visits.count_new(db, **new)
    if news:  # ranked: no month headers, each line says its date
        loaded, ranked = Loaded(new_rows[:visits.NEW_CAP], False, min(new_count or 0, visits.NEW_CAP), True), True
    elif (ranked and not words) or impossible:  # "🦵", "*", "31/02/2026": nothing to look for
        loaded = Loaded([], False, 0, True)
    elif ranked:
        # A search's address names its token, never its words, and how many pages were loaded: a whole page shows
        # them all (Back from a document), as the list does, within the search's window of matches.
        page = min(max(page, 1), MAX_INT // size)  # out of range: the nearest page, not an error
        first = 1 if not appended and page * size <= LOADED_CAP else page
        rows, total = await search_page(db, dossier_id=dossier_id, visible=view.visible, category=category,
                                        words=words, offset=(first - 1) * size,
                                        limit=(page - first + 1) * size + 1, counted=not appended)
        shown = (page - first + 1) * size
        loaded = Loaded(rows[:shown], len(rows) > shown, total, first == 1)
    else:
        page = 1
        after = await cursor(db, dossier_id=view.dossier.id, visible=view.visible, after_id=after_id)
        loaded = await loaded_documents(db, dossier_id=dossier_id, visible=view.visible, category=category,
                                        after=after, size=size, whole=not appended, counted=not appended,
                                        period=period)
    documents, more = loaded.documents, loaded.more
    base = {"category": category, "search_token": token}
    return {
        "view": view,
        "print_url": timeline_url(dossier_id, **base, suffix="/imprimer") if view.right in HOLDERS else None,
        # A professional's whole page opens on the card and the way to the care; "voir comme" them, on the same.
        "first_screen": await first_screen_of(db, view=view, today=paris_today(), card=card) if whole_page else None,
        "documents": documents,
        "authors": await author_labels(db, documents, reader=request.user.account),
        # The page "Charger plus" appends goes on under the month it ended in; any other starts with its own header.
        "previous": after if appended else None,
        "ranked": ranked,
        "total": loaded.total,
        "count_cap": SEARCH_CAP if ranked else COUNT_CAP,
        "category": category,
        # A category the reader's access does not cover, said so whether it holds documents or not: "Aucun document"
        # read as if it held none (an outside probe's find). What they see of it is what they added.
        "unshared": bool(category) and not view.visible.sees_category(category),
        # What a whole page's "Filtrer" offers: to a professional, the categories they may read or wrote in.
        "categories": await filter_categories(db, dossier_id=dossier_id, visible=view.visible,
                                              chosen=category) if whole_page else [],
        "query": query,
        "period": period,
        "impossible_date": impossible,
        "news": news,
        "new_count": new_count,
        "new_cap": visits.NEW_CAP,
        "page": page,
        "more_id": documents[-1].id if documents else "",
        # A whole page that does not start at the newest (a list loaded further than LOADED_CAP) leads to it.
        "previous_url": None if loaded.from_top else timeline_url(dossier_id, **base),
        "next_url": (timeline_url(dossier_id, **base, page=page + 1) if ranked
                     else timeline_url(dossier_id, **base, after=documents[-1].id)) if more else None,
    }


@get("/dossiers/{dossier_id:str}", guards=[logged_in])
async def timeline(
    request: HTMXRequest,
    db: AsyncSession,
    dossier_id: str,
    categorie: str | None = None,
    recherche: str | None = None,
    apres: str | None = None,
    page: str | None = None,
    nouveaux: str | None = None,
) -> Template:
    target = request.htmx.target if request.htmx else None
    more = (target or "").startswith("more-")
    context = await timeline_context(request, db, dossier_id, category=categorie or "", token=recherche or "",
                                     after_id=(apres or "")[:64], page=parse_int(page, default=1),
                                     whole_page=not (more or target == "timeline-results"), appended=more,
                                     news=nouveaux == "1")
    if target == "timeline-results":
        return Template("partials/timeline_results.html", context=context)
    if more:
        return Template("partials/timeline_items.html", context=context)
    view = context["view"]
    now = utcnow()
    if view.right in HOLDERS:  # "at the patient's next visit" (issue 4)
        account = request.user.account
        context["band"] = await band_of(db, dossier=view.dossier, account=account, now=now, manages=view.can_manage)
        kept = await kept_from(db, dossier_id=dossier_id, account=account)
        if view.can_manage and view.to_review:  # a minor's parents review none a kept professional opened
            context["emergencies"] = [(access, pro) for access, pro in await emergencies_to_review(db, dossier_id=dossier_id)
                                      if pro.id not in kept.professional_ids]
            context["now"] = now  # which of them are still open, for "Mettre fin à cet accès"
        visible = kept.events()
        viewer = journal.Viewer(account.id, is_patient=view.standing.is_patient)
        context["banner"], context["new_events"] = await banners.unseen_and_new(
            db, dossier=view.dossier, account=account, viewer=viewer, now=now, visible=visible)
    else:
        context["identity"] = identity_of(view.patient, today=paris_today())
    return Template("timeline.html", context=context)


@post("/dossiers/{dossier_id:str}/recherche", guards=[logged_in], status_code=200)
async def search(request: HTMXRequest, db: AsyncSession, dossier_id: str, data: Form) -> Response:
    await open_dossier(db, account=request.user.account, dossier_id=dossier_id, action=None)
    category = text(data, "categorie", limit=30)
    category = category if category in CATEGORIES else ""
    query = text(data, "q", limit=100)
    token = await sessions.remember_search(db, current=request.user, query=query) if query else ""
    url = timeline_url(dossier_id, category=category, search_token=token)
    if request.htmx:
        context = await timeline_context(request, db, dossier_id, category=category, token=token)
        return Template("partials/timeline_results.html", context=context, headers={"HX-Push-Url": url})
    return Redirect(url, status_code=303)


# A printed list holds at most this many documents, the newest: 5,000 lines are a hundred pages already. Beyond,
# the page says so and a category prints the rest.
MAX_PRINTED = 5000


@get("/dossiers/{dossier_id:str}/imprimer", guards=[logged_in])
async def timeline_print(request: HTMXRequest, db: AsyncSession, dossier_id: str, categorie: str | None = None,
                         recherche: str | None = None) -> Template:
    """The list of documents the timeline shows with these filters, whole (the timeline loads 20 at a time), for
    the patient or their caregivers to print: to take to a new doctor. A professional prints from their own
    software (their reads are logged, and a list printed here would be a read no sentence of the log says)."""
    account = request.user.account
    view = await open_dossier(db, account=account, dossier_id=dossier_id, action=None)
    if view.right not in HOLDERS:  # on the right to this dossier: a doctor prints her father's as any relative
        raise NotFoundException()
    category = categorie if categorie in CATEGORIES else ""
    query = sessions.remembered_search(request.user, recherche)
    words = words_of(query)
    period, impossible = _period_asked(query)
    ranked = bool(query) and period is None and not impossible
    cap = SEARCH_CAP if ranked else MAX_PRINTED  # a search ranks its window of matches, no more
    if (ranked and not words) or impossible:
        rows: list = []
    elif ranked:
        rows, _count = await search_page(db, dossier_id=dossier_id, visible=view.visible, category=category,
                                         words=words, offset=0, limit=cap + 1, counted=False)
    else:
        rows = await documents_page(db, dossier_id=dossier_id, visible=view.visible, category=category,
                                    limit=cap + 1, period=period)
    documents = rows[:cap]
    patient = view.patient
    context = {
        "view": view,
        "patient_name": f"{patient.given_name} {patient.family_name}",
        "patient": patient,  # who the sheet is about, once it has left the phone
        "documents": documents,
        "authors": await author_labels(db, documents),
        "cut": len(rows) > cap,
        "cap": cap,
        "category": category,
        "query": query,
        "period": period,
        "now": utcnow(),
        "back_url": timeline_url(dossier_id, category=category, search_token=recherche if query else ""),
        # On screen, the menu stays in the dossier printed (base.html): a relative's, not the reader's own.
        "band": await band_of(db, dossier=view.dossier, account=account, now=utcnow(), manages=view.can_manage),
    }
    return Template("timeline_print.html", context=context)


routes = [timeline, search, timeline_print]
