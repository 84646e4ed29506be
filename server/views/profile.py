"""The profil médical's pages: read it under the rule, add to it (hiding, deleting, a treatment's end: one item's
changes, views/profile_changes.py).

Everyone reads through `reading.open_dossier(action="read_profile")`, so a professional's read is logged
before the page is sent and shows only what their `Visibility` admits. The patient and a managing caregiver
add, hide and delete; a professional with a write right adds too, as the item's author, the right checked
inside the chained transaction that holds the dossier's lock (as for a document, professionals/uploads.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import accounts

from ..accesslog import audit
from ..access.rule import Visibility, document_right, visibility
from ..caregivers.dossiers import band_of, is_minor
from ..identifiers import age_on, identity_of
from ..dossiers import InvalidInput, professional_title
from ..facts import document_facts
from ..guards import logged_in
from ..i18n import N_, _
from ..listing import count_documents, documents_page
from ..models import Account, Document, Dossier, Patient, Professional, ProfileItem, paris_today, utcnow
from ..professionals.uploads import WRITE_RIGHTS, write_right
from ..profile.charts import charts_of
from ..profile.items import ItemInput, Profile, add_item, positions_stated, profile_of
from ..profile.wording import in_reading_order, name
from ..profile.kinds import DONATION, KINDS, MEASURES, ONE_AT_A_TIME, ORDER, SEVERITIES, offered
from ..profile.vaccines import CALENDAR_SOURCE, CALENDAR_YEAR, due_vaccinations
from ..access.reading import HOLDERS, DossierView, open_dossier
from ..access.managing import managed_dossier
from ..access.standing import facts_of, standing_of
from ..templating import PARIS
from .forms import Form, FormError, parse_date, text

Kind = Annotated[str | None, QueryParameter(name="type")]
MAX_DOCUMENTS = 100  # the most recent ones offered to link advance directives to
# What the "Ajouter" link of each section says (its accessible name too), and the add page's heading.
ADD_LABELS = {
    "allergy": N_("Ajouter une allergie"), "treatment": N_("Ajouter un traitement"),
    "condition": N_("Ajouter un antécédent"), "family_history": N_("Ajouter un antécédent familial"),
    "vaccination": N_("Ajouter une vaccination"), "measurement": N_("Ajouter une mesure"),
    "directive": N_("Ajouter des directives anticipées"),
    "organ_donation": N_("Indiquer la position sur le don d'organes"),
    "contact": N_("Ajouter une personne à prévenir"),
}
FIELDS = ("label", "detail", "severity", "started_on", "value", "value2", "lot", "prescriber", "phone", "document_id")


def profile_url(dossier_id: str, done: str = "") -> str:
    return f"/dossiers/{dossier_id}/profil" + (f"?fait={done}" if done else "")


def may_add(view: DossierView) -> bool:
    return view.can_manage or view.right in WRITE_RIGHTS


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
    if view.right in HOLDERS:
        now = utcnow()
        context["band"] = await band_of(db, dossier=view.dossier, account=account, now=now, manages=view.can_manage)
        # What the calendar asks of this patient now, from every vaccination noted (hidden ones were given too).
        patient = view.patient
        context |= {"vaccines_due": due_vaccinations(birth_date=patient.birth_date, sex=patient.sex,
                                                     vaccinations=profile.by_kind.get("vaccination", []),
                                                     today=now.astimezone(PARIS).date()),
                    "calendar_year": CALENDAR_YEAR, "calendar_source": CALENDAR_SOURCE}
        if context["vaccines_due"]:  # what the calendar cannot read: the dossier's vaccination documents
            context["vaccination_documents"] = await count_documents(db, dossier_id=dossier_id, visible=view.visible,
                                                                     category="vaccination")
    else:
        context["identity"] = identity_of(view.patient, today=paris_today())
    return context


async def sections_context(db: AsyncSession, *, view: DossierView, profile: Profile, account: Account,
                           adds: bool) -> dict[str, Any]:
    """The profile's sections as `view` reads them, each item named and said who declared it to `account`, and the
    kinds this reader may add now if they `adds`: the page's, and "voir comme"'s (views/access.py), which shows the
    patient the profile as a professional reads it."""
    holder = view.right in HOLDERS
    # A professional gets no section of a kind they may not see: an empty one would read as "none known".
    age = age_on(view.patient.birth_date, paris_today())
    kinds = [k for k in ORDER if profile.by_kind.get(k) or (holder or view.visible.sees_category(KINDS[k].category))
             and offered(k, age)]
    sections = [(KINDS[k], in_reading_order(k, profile.by_kind.get(k, []))) for k in kinds]
    items = [i for _, found in sections for i in found]
    # One position on organ donation at a time (items.ONE_AT_A_TIME): none offered beside the one shown.
    addable = [k for k in ORDER if adds and offered(k, age, by_professional=not holder)
               and not (k in ONE_AT_A_TIME and profile.by_kind.get(k))]
    return {
        "view": view, "sections": sections, "partial": len(kinds) < len([k for k in ORDER if offered(k, age)]),
        "may_add": bool(addable), "addable": addable,
        # A professional may add a kind their access does not show (as a document of any category): offered apart.
        "add_apart": bool(set(addable) - set(kinds)),
        "declared": await declared_by(db, items=items, authors=profile.authors, account=account),
        "charts": charts_of(i for i in items if i.kind == "measurement"),
        "linked": await linked_documents(db, view, items), "names": {i.id: name(i) for i in items},
        "severities": SEVERITIES, "measures": MEASURES, "donation": DONATION,
        "add_labels": ADD_LABELS, "today": paris_today().isoformat(),
    }


async def declared_by(db: AsyncSession, *, items: list[ProfileItem], authors: dict[str, Professional],
                      account: Account) -> dict[str, str]:
    """Who declared each item, as the reader is told: "vous", "Dr Claire Bernard", "Paul Martin"."""
    ids = {i.added_by_account_id for i in items if i.added_by_account_id and i.added_by_account_id != account.id}
    names = {}
    if ids:
        found = await db.exec(select(Account.id, Account.display_name).where(col(Account.id).in_(ids)))
        names = dict(found.all())
    labels = {}
    for item in items:
        if item.author_professional_id:
            author = authors.get(item.author_professional_id)
            label = (_("vous") if item.author_professional_id == account.professional_id
                     else professional_title(author) if author else _("un professionnel"))
        elif item.added_by_account_id == account.id:
            label = _("vous")
        else:
            label = names.get(item.added_by_account_id, _("le patient"))
        labels[item.id] = label
    return labels


async def linked_documents(db: AsyncSession, view: DossierView, items: list[ProfileItem]) -> dict[str, Document]:
    """The documents advance directives point to, those this reader may open."""
    ids = {i.document_id for i in items if i.document_id}
    if not ids:
        return {}
    found = await db.exec(select(Document).where(col(Document.id).in_(ids), Document.dossier_id == view.dossier.id))
    return {d.id: d for d in found.all() if view.visible.admits(document_facts(d))}


# --- adding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Writer:
    """Who adds an item: the patient or a managing caregiver in their own name, or a professional as its author."""

    dossier: Dossier
    actor: audit.Actor
    author: Professional | None = None
    added_by_account_id: str | None = None
    right: str = ""
    sees: Visibility | None = None  # what the writer reads of the profile (a manager's: a position's check, items.py)


async def writer_of(db: AsyncSession, *, account: Account, dossier_id: str) -> Writer:
    """Inside the caller's chained transaction: who may add to this dossier's profile now; 404 for anyone else."""
    if account.professional_id is not None:
        # Locked before the right is read: a revoke or a block committed just before is seen (professionals/uploads.py).
        await audit.lock_chain(db, dossier_id=dossier_id)
    try:
        managed = await managed_dossier(db, account=account, dossier_id=dossier_id)
        return Writer(managed.dossier, managed.actor, added_by_account_id=account.id,
                      sees=visibility(managed.standing, managed.facts, utcnow()))
    except NotFoundException:
        if account.professional_id is None:
            raise
    dossier, right = await write_right(db, account=account, dossier_id=dossier_id)
    professional = await db.get(Professional, account.professional_id)
    return Writer(dossier, audit.Actor.professional(account, professional), author=professional, right=right.value)


async def check_document(db: AsyncSession, *, account: Account, dossier: Dossier, document_id: str) -> None:
    """A directive links to a document of the dossier that its writer sees, and to no other."""
    document = await db.get(Document, document_id)
    now = utcnow()
    if document is None or document.dossier_id != dossier.id or document_right(
            await standing_of(db, account=account, dossier=dossier, now=now), await facts_of(db, dossier),
            document_facts(document), now) is None:
        raise InvalidInput(_("Choisissez un document de ce dossier."), "document_id")


def item_input(kind: str, data: dict) -> ItemInput:
    started = text(data, "started_on", limit=20)
    values = {name: text(data, name, limit=600 if name == "detail" else 250) for name in FIELDS if name != "started_on"}
    return ItemInput(kind, **values, started_on=parse_date(started), started_on_text=started)


async def form_page(request: Request, db: AsyncSession, dossier_id: str, kind: str, *, form: dict | None = None,
                    error: FormError | None = None, status: int = 200) -> Template:
    account = request.user.account
    # The documents offered for advance directives are titles of the dossier: a professional's read, logged.
    listing = kind == "directive"
    # Else the form shows the patient's identity: opened to add to the dossier (a refused form, shown again, was).
    view = await open_dossier(db, account=account, dossier_id=dossier_id,
                              action="read_timeline" if listing else "open_to_add" if form is None else None)
    if not may_add(view):
        await db.rollback()
        raise NotFoundException()
    documents = (await documents_page(db, dossier_id=dossier_id, visible=view.visible, limit=MAX_DOCUMENTS + 1)
                 if listing else [])  # one more: whether older ones are left out, which the form then says
    age = age_on(view.patient.birth_date, paris_today())
    stated = await positions_stated(db, dossier_id=view.dossier.id, visible=view.visible)  # (one at a time)
    offered_kinds = [KINDS[k] for k in ORDER if offered(k, age, by_professional=view.right not in HOLDERS)
                     and k not in stated]
    context = {"view": view, "kind": KINDS.get(kind) if kind in {k.code for k in offered_kinds} else None,
               "kinds": offered_kinds, "form": form or {},
               "error": error, "documents": documents[:MAX_DOCUMENTS], "older_documents": len(documents) > MAX_DOCUMENTS,
               "max_documents": MAX_DOCUMENTS, "severities": SEVERITIES, "measures": MEASURES,
               "donation": DONATION, "today": paris_today().isoformat(), "patient": view.patient,
               "add_labels": ADD_LABELS,
               # A professional on a minor's dossier may keep what they declare from the parents (CSP L1111-5).
               "keeps_from_parents": view.right not in HOLDERS and is_minor(view.patient, utcnow())}
    if view.right in HOLDERS:
        context["band"] = await band_of(db, dossier=view.dossier, account=account, now=utcnow(), manages=view.can_manage)
    else:
        context["identity"] = identity_of(view.patient, today=paris_today())
    await db.commit()  # a professional's dossier was opened in a chained transaction: its lock is released
    return Template("profile_add.html", context=context, status_code=status)


@get("/dossiers/{dossier_id:str}/profil/ajouter", guards=[logged_in])
async def add_form(request: Request, db: AsyncSession, dossier_id: str, kind: Kind = None) -> Template:
    return await form_page(request, db, dossier_id, kind or "")


@post("/dossiers/{dossier_id:str}/profil/ajouter", guards=[logged_in], status_code=200)
async def add(request: Request, db: AsyncSession, dossier_id: str, data: Form, kind: Kind = None) -> Response:
    account = request.user.account
    entry = item_input(kind or "", data)
    await audit.begin_chained(db, dossier_id=dossier_id)
    try:
        writer = await writer_of(db, account=account, dossier_id=dossier_id)
        if entry.document_id:
            await check_document(db, account=account, dossier=writer.dossier, document_id=entry.document_id)
        # Kept from a minor's parents: by its author alone (add_item), on a minor's dossier.
        kept = text(data, "confidentiel", limit=5) == "oui" and \
            is_minor(await db.get(Patient, writer.dossier.patient_id), utcnow())
        await add_item(db, dossier=writer.dossier, data=entry, actor=writer.actor, author=writer.author,
                       added_by_account_id=writer.added_by_account_id, right=writer.right, today=paris_today(),
                       kept_from_parents=kept, seen_by=writer.sees)
    except InvalidInput as invalid:
        await db.rollback()
        form = {name: text(data, name, limit=600) for name in (*FIELDS, "confidentiel")}
        return await form_page(request, db, dossier_id, kind or "", form=form, error=FormError.of(invalid), status=400)
    except BaseException:
        await db.rollback()
        raise
    return Redirect(profile_url(dossier_id, "ajoute"), status_code=303)


routes = [my_profile, profile_page, add_form, add]
