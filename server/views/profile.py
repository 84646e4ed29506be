"""The profil médical's page: read it under the rule (adding to it: views/profile_adding.py; hiding, deleting, a
treatment's end, a condition classed anew, one item's changes: views/profile_changes.py); and, for the patient and
their relatives, its vaccinations on a sheet to print, and the whole of it as a summary to print or show a doctor.

Everyone reads through `reading.open_dossier(action="read_profile")`, so a professional's read is logged
before the page is sent and shows only what their `Visibility` admits. The patient and a managing caregiver
add, hide and delete; a professional with a write right adds too, as the item's author, the right checked
inside the chained transaction that holds the dossier's lock (as for a document, professionals/uploads.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth import accounts

from ..authors import Adder, adders_of, relative_label
from ..caregivers.dossiers import band_of
from ..identifiers import age_on, identity_of
from ..dossiers import author_title
from ..facts import document_facts
from ..guards import logged_in
from ..i18n import N_, _
from ..listing import count_documents
from ..models import Account, Document, Professional, ProfileItem, paris_today, utcnow
from ..professionals.uploads import WRITE_RIGHTS
from ..profile.charts import charts_of
from ..profile.items import Profile, profile_of, removable
from ..profile.pregnancy import current, term_on
from ..profile.seen import seen_in_part, sees_kind
from ..profile.wording import in_reading_order, named_apart, printed_sections
from ..profile.kinds import (DONATION, KINDS, MEASURES, NATURES, ONE_AT_A_TIME, ORDER, PERSONAL, SEVERITIES,
                             measure_names, offered)
from ..profile.vaccines import CALENDAR_SOURCE, CALENDAR_YEAR, due_vaccinations, unrecognised
from ..access.reading import HOLDERS, DossierView, open_dossier
from ..templating import PARIS

# What the "Ajouter" link of each section says (its accessible name too), and the add page's heading.
ADD_LABELS = {
    "allergy": N_("Ajouter une allergie"), "treatment": N_("Ajouter un traitement"),
    "condition": N_("Ajouter un antécédent"), "pregnancy": N_("Indiquer une grossesse"),
    "family_history": N_("Ajouter un antécédent familial"),
    "vaccination": N_("Ajouter une vaccination"), "measurement": N_("Ajouter une mesure"),
    "directive": N_("Ajouter des directives anticipées"),
    "organ_donation": N_("Indiquer la position sur le don d'organes"),
    "contact": N_("Ajouter une personne à prévenir"),
}


# The query parameter naming the line whose end was just noted (views/profile_changes.py `stop`): by its opaque id,
# so that the address, kept in the browser's history, reads the same after a pregnancy's end as after a treatment's.
ENDED_LINE = "ligne"


def profile_url(dossier_id: str, done: str = "") -> str:
    return f"/dossiers/{dossier_id}/profil" + (f"?fait={done}" if done else "")


def may_add(view: DossierView) -> bool:
    return view.can_manage or view.right in WRITE_RIGHTS


def stater(view: DossierView) -> str:
    """Who this reader states an item as, should they add one (kinds.states): the patient, a relative, a
    professional."""
    return view.right.value if view.right in HOLDERS else "professional"


@get("/profil", guards=[logged_in])
async def my_profile(request: Request, db: AsyncSession) -> Redirect:
    dossier = await accounts.patient_dossier(db, account=request.user.account)
    if dossier is None:
        raise NotFoundException()
    return Redirect(profile_url(dossier.id), status_code=303)


@get("/dossiers/{dossier_id:str}/profil", guards=[logged_in])
async def profile_page(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    return Template("profile.html", context=await profile_context(request, db, dossier_id))


async def profile_context(request: Request, db: AsyncSession, dossier_id: str) -> dict[str, Any]:
    """What the profile page shows this reader (a professional's read of it is logged); a refused form of it (the
    end of a treatment, views/profile_changes.py) adds its error."""
    account = request.user.account
    view = await open_dossier(db, account=account, dossier_id=dossier_id, action="read_profile")
    profile = await profile_of(db, dossier_id=dossier_id, visible=view.visible)
    context = await sections_context(db, view=view, profile=profile, account=account, adds=may_add(view))
    # What the end just noted was ("fait=fin"), among the lines this reader reads: its sentence on the page.
    ended = request.query_params.get(ENDED_LINE)
    context["ended_kind"] = next((i.kind for items in profile.by_kind.values() for i in items if i.id == ended), "")
    if view.right in HOLDERS:
        now = utcnow()
        context["band"] = await band_of(db, dossier=view.dossier, account=account, now=now, manages=view.can_manage)
        # What the calendar asks of this patient now, from every vaccination noted (hidden ones were given too).
        patient = view.patient
        # A pregnancy in progress holds back what waits for the birth, and brings its own dose (profile/vaccines.py).
        pregnancy = current(profile.by_kind.get("pregnancy", []))
        vaccinations = profile.by_kind.get("vaccination", [])
        context |= {"vaccines_due": due_vaccinations(birth_date=patient.birth_date, sex=patient.sex,
                                                     vaccinations=vaccinations,
                                                     today=now.astimezone(PARIS).date(), pregnancy=pregnancy),
                    "pregnancy": pregnancy, "calendar_year": CALENDAR_YEAR, "calendar_source": CALENDAR_SOURCE}
        if context["vaccines_due"]:  # what the calendar cannot read: the dossier's vaccination documents, and names
            context["vaccination_documents"] = await count_documents(db, dossier_id=dossier_id, visible=view.visible,
                                                                     category="vaccination")
            context["vaccines_unread"] = unrecognised(vaccinations)
    else:
        context["identity"] = identity_of(view.patient, today=paris_today())
    return context


async def sections_context(db: AsyncSession, *, view: DossierView, profile: Profile, account: Account,
                           adds: bool) -> dict[str, Any]:
    """The profile's sections as `view` reads them, each item named and said who declared it to `account`, and the
    kinds this reader may add now if they `adds`: the page's, and "voir comme"'s (views/see_as.py), which shows the
    patient the profile as a professional reads it."""
    holder = view.right in HOLDERS
    # Every section, a professional's too: one their access does not cover is named as not shared with them, the
    # same whether it holds anything or not (left out, or empty, it would read as "none known").
    today = paris_today()
    age, sex = age_on(view.patient.birth_date, today), view.patient.sex
    kinds = [k for k in ORDER if offered(k, age, sex=sex) or profile.by_kind.get(k)]
    # A section their access covers in part (a grant of "biologie": the glycémie of the measurements) says which part.
    partly = {k: measure_names(part) for k in kinds if (part := seen_in_part(view.visible, k))}
    unshared = frozenset(k for k in kinds if not sees_kind(view.visible, k) and k not in partly)
    sections = [(KINDS[k], in_reading_order(k, profile.by_kind.get(k, []))) for k in kinds]
    items = [i for _, found in sections for i in found]
    # One position on organ donation at a time (items.ONE_AT_A_TIME), one pregnancy in progress: none offered beside
    # the one shown.
    addable = [k for k in ORDER if adds and offered(k, age, sex=sex, by=stater(view))
               and not (k in ONE_AT_A_TIME and profile.by_kind.get(k))
               and not (k == "pregnancy" and current(profile.by_kind.get(k, [])))]
    adders = await adders_of(db, [i for i in items if not i.author_professional_id])
    manager = view.can_manage and holder
    return {
        "view": view, "sections": sections, "unshared": unshared, "partly": partly,
        "shares_none": len(unshared) == len(kinds),
        "may_add": bool(addable), "addable": addable,
        "declared": declared_by(items=items, authors=profile.authors, adders=adders, account=account),
        # A relative who manages the dossier states none of the patient's personal declarations (kinds.PERSONAL):
        # their sections say why, and their lines offer her no change (nor a deletion, but of a relative's own).
        "personal": PERSONAL if manager and not view.standing.is_patient else frozenset(),
        "not_theirs": {i.id for i in items if manager and not removable(i, by=stater(view), adder=adders.get(i.id))},
        "charts": charts_of(i for i in items if i.kind == "measurement"),
        "linked": await linked_documents(db, view, items), "names": {i.id: named_apart(i) for i in items},
        "severities": SEVERITIES, "measures": MEASURES, "donation": DONATION, "natures": NATURES,
        "add_labels": ADD_LABELS, "today": today.isoformat(),
        # How far each pregnancy in progress is today: "16 SA et 3 jours" (profile/pregnancy.py); none once its
        # expected date has passed, which the page then says instead (not "Aujourd'hui : 44 SA", as the card).
        "terms": {i.id: term_on(i.expected_on, today) for i in items
                  if i.kind == "pregnancy" and i.expected_on and not i.ended_on and i.expected_on >= today},
        "one_at_a_time": ONE_AT_A_TIME,  # changed in one step (views/profile_changes.py), never two at once
    }


def declared_by(*, items: list[ProfileItem], authors: dict[str, Professional], adders: dict[str, Adder],
                account: Account | None) -> dict[str, str]:
    """Who declared each item, as the reader is told before the day it was: "vous", "Dr Claire Bernard", "Nathalie
    Roche, pharmacienne," (the incise closed), "Camille Martin", a relative as one, whom no one takes for the patient
    ("Paul Martin (proche)", "Camille Martin (parent)", as for a document); `adders`: authors.adders_of. Without
    `account`, as a sheet tells whoever reads it: by name, never "vous"."""
    labels = {}
    for item in items:
        adder = adders.get(item.id)
        if item.author_professional_id:
            author = authors.get(item.author_professional_id)
            label = (_("vous") if account and item.author_professional_id == account.professional_id
                     else author_title(author, mid_sentence=account is not None) if author
                     else _("un professionnel"))
        elif adder is not None:
            label = _("vous") if account and adder.account_id and adder.account_id == account.id else \
                adder.name if adder.is_patient else relative_label(adder)
        else:
            label = _("le patient")
        labels[item.id] = label
    return labels


async def linked_documents(db: AsyncSession, view: DossierView, items: list[ProfileItem]) -> dict[str, Document]:
    """The documents advance directives point to, those this reader may open."""
    ids = {i.document_id for i in items if i.document_id}
    if not ids:
        return {}
    found = await db.exec(select(Document).where(col(Document.id).in_(ids), Document.dossier_id == view.dossier.id))
    return {d.id: d for d in found.all() if view.visible.admits(document_facts(d))}


@get("/dossiers/{dossier_id:str}/profil/vaccinations/imprimer", guards=[logged_in])
async def vaccinations_print(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    """The vaccinations of the profile on a sheet of their own, oldest first, for the patient or a relative to print
    or keep as a PDF: what a crèche, a school or a holiday camp asks a parent for, without the rest of the dossier
    (the copy's summary holds it all, the INS too). A professional prints from their own software, as for the list
    of documents (views/timeline.py)."""
    account = request.user.account
    view = await open_dossier(db, account=account, dossier_id=dossier_id, action=None)
    if view.right not in HOLDERS:
        raise NotFoundException()
    profile = await profile_of(db, dossier_id=dossier_id, visible=view.visible)
    items = sorted(profile.by_kind.get("vaccination", []), key=lambda i: (i.started_on or date.min, i.created_at))
    adders = await adders_of(db, [i for i in items if not i.author_professional_id])
    now = utcnow()
    return Template("vaccinations_print.html", context={
        "view": view, "patient": view.patient, "items": items, "now": now,
        "patient_name": f"{view.patient.given_name} {view.patient.family_name}",
        "declared": declared_by(items=items, authors=profile.authors, adders=adders, account=None),
        # On screen, the menu stays in the dossier printed (base.html), as on the list of documents to print.
        "band": await band_of(db, dossier=view.dossier, account=account, now=now, manages=view.can_manage),
    })


@get("/dossiers/{dossier_id:str}/profil/imprimer", guards=[logged_in])
async def profile_print(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    """The profile as a summary to print, or to show a doctor on the phone: each section in plain words, without
    the page's buttons; what is hidden from professionals left out, as from a health link (profile/wording.py)."""
    account = request.user.account
    view = await open_dossier(db, account=account, dossier_id=dossier_id, action=None)
    if view.right not in HOLDERS:
        raise NotFoundException()
    profile = await profile_of(db, dossier_id=dossier_id, visible=view.visible)
    now = utcnow()
    return Template("profile_print.html", context={
        "view": view, "patient": view.patient, "sections": printed_sections(profile.by_kind), "now": now,
        "patient_name": f"{view.patient.given_name} {view.patient.family_name}",
        "band": await band_of(db, dossier=view.dossier, account=account, now=now, manages=view.can_manage),
    })


routes = [my_profile, profile_page, vaccinations_print, profile_print]
