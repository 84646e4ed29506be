"""Adding to the profil médical: the add page (a kind's form, the advance directives' document picker) and its
form sent, by the patient or a managing caregiver in their own name, or by a professional with a write right as the
item's author, the right checked inside the chained transaction that holds the dossier's lock (as for a document,
professionals/uploads.py). Reading the profile is views/profile.py; one item's changes, views/profile_changes.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..access.rule import Right, Visibility, document_right, visibility
from ..caregivers.confidential import keeps_from_parents
from ..caregivers.dossiers import band_of, is_minor
from ..caregivers.representatives import parents_read_what_she_writes
from ..identifiers import age_on, identity_of
from ..dossiers import InvalidInput
from ..errors import Unsent, access_ended, giving_back
from ..facts import document_facts
from ..guards import logged_in
from ..i18n import _
from ..listing import documents_page, search_page
from ..models import Account, Document, Dossier, Patient, Professional, ProfileItem, paris_today, utcnow
from ..professionals.own_documents import own_documents_after
from ..professionals.uploads import write_right
from ..profile.items import ItemInput, add_item, positions_stated
from ..profile.seen import seen_in_part, sees_kind
from ..profile.kinds import DONATION, KINDS, MEASURES, NATURES, ORDER, SEVERITIES, UNIT_MARK, offered
from ..access.reading import HOLDERS, AccessEnded, DossierView, open_dossier
from ..search import words_of
from ..access.managing import managed_dossier
from ..access.standing import facts_of, standing_of
from .forms import Form, FormError, parse_date, text
from .profile import ADD_LABELS, may_add, profile_url, stater

Kind = Annotated[str | None, QueryParameter(name="type")]
MAX_DOCUMENTS = 100  # the documents offered to link advance directives to: the most recent, or a search's first
FIELDS = ("label", "detail", "severity", "nature", "started_on", "value", "value2", "lot", "prescriber", "phone",
          "document_id", "expected_on")
DATES = ("started_on", "expected_on")


@dataclass(frozen=True)
class Writer:
    """Who adds an item: the patient or a managing caregiver in their own name, or a professional as its author."""

    dossier: Dossier
    actor: audit.Actor
    author: Professional | None = None
    added_by_account_id: str | None = None
    right: str = ""
    sees: Visibility | None = None  # what the writer reads of the profile (a position's check, items.py)


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
    # What they read of the profile: a pregnancy in progress the patient hid from them is never told to them by a
    # refusal of a second one (items.py).
    now = utcnow()
    standing = await standing_of(db, account=account, dossier=dossier, now=now)
    sees = visibility(standing, await facts_of(db, dossier), now)
    return Writer(dossier, audit.Actor.professional(account, professional), author=professional, right=right.value,
                  sees=sees)


async def check_document(db: AsyncSession, *, account: Account, dossier: Dossier, document_id: str) -> None:
    """A directive links to a document of the dossier that its writer sees, and to no other."""
    document = await db.get(Document, document_id)
    now = utcnow()
    if document is None or document.dossier_id != dossier.id or document_right(
            await standing_of(db, account=account, dossier=dossier, now=now), await facts_of(db, dossier),
            document_facts(document), now) is None:
        raise InvalidInput(_("Choisissez un document de ce dossier."), "document_id")


def item_input(kind: str, data: dict) -> ItemInput:
    values = {name: text(data, name, limit=600 if name == "detail" else 250) for name in FIELDS if name not in DATES}
    dates = {name: text(data, name, limit=20) for name in DATES}
    return ItemInput(kind, **values, **{name: parse_date(typed) for name, typed in dates.items()},
                     **{f"{name}_text": typed for name, typed in dates.items()})


@dataclass(frozen=True)
class Picker:
    """The documents the advance directives' form offers: the dossier's most recent, or those its search finds."""

    documents: list  # rows of listing's pages
    more: bool  # some are left out: older ones, or matches beyond those shown
    query: str = ""  # the words searched ("" for the most recent), never in an address: the form's POST carries them
    chosen: Document | None = None  # the one chosen before, which `documents` does not hold (another search found it)


async def picker_of(db: AsyncSession, *, view: DossierView, query: str, chosen: str) -> Picker:
    """The documents this reader sees (the rule's `Visibility`) that the picker offers: with `query`, those the
    timeline's search finds (search.py: any word of the title, accents and case aside, among the dossier's whole,
    not its most recent alone), else the most recent; the one `chosen` before stays offered while it is seen."""
    words = words_of(query)
    if query and not words:  # "🦵", "*": nothing to look for, so nothing found (as the timeline's search)
        rows: list = []
    elif query:
        rows, _count = await search_page(db, dossier_id=view.dossier.id, visible=view.visible, words=words, offset=0,
                                         limit=MAX_DOCUMENTS + 1, counted=False)
    else:  # one more than shown: whether some are left out, which the form then says
        rows = await documents_page(db, dossier_id=view.dossier.id, visible=view.visible, limit=MAX_DOCUMENTS + 1)
    rows = [row for row in rows if row.withdrawn_at is None]  # erased: nothing a directive could be read in
    documents = rows[:MAX_DOCUMENTS]
    kept = None
    if chosen and chosen not in {d.id for d in documents}:  # chosen from another search: kept, not silently lost
        document = await db.get(Document, chosen[:64])
        if (document is not None and document.dossier_id == view.dossier.id and document.withdrawn_at is None
                and view.visible.admits(document_facts(document))):
            kept = document
    return Picker(documents, more=len(rows) > MAX_DOCUMENTS, query=query, chosen=kept)


async def form_page(request: HTMXRequest, db: AsyncSession, dossier_id: str, kind: str, *, form: dict | None = None,
                    error: FormError | None = None, status: int = 200,
                    replacing: ProfileItem | None = None) -> Template:
    """The form that adds an item of `kind` (the chooser of kinds without one), or that changes a position
    (`replacing`, views/profile_changes.py); with htmx asking for the directives' document picker alone, that part
    (a search of the dossier's documents, its words in `form["recherche"]`)."""
    account = request.user.account
    # A professional's form shows the patient's identity: opened to add to the dossier (a refused form, shown again,
    # was). The documents offered for advance directives are the patient's own (kinds.PATIENTS_OWN) to see.
    view = await open_dossier(db, account=account, dossier_id=dossier_id,
                              action="open_to_add" if form is None else None)
    if not may_add(view):
        await db.rollback()
        # Refused as every page only a manager opens: a relative who reads the dossier is told she may only read it.
        await managed_dossier(db, account=account, dossier_id=dossier_id)
        raise NotFoundException()  # a manager since the dossier was opened: refused as it was found
    keeps = view.right not in HOLDERS and is_minor(view.patient, utcnow())
    if form is None:  # a new form: ticked for a professional already kept from the parents (pro_documents.kept_at_first)
        form = {"confidentiel": "oui"} if keeps and await keeps_from_parents(
            db, dossier_id=view.dossier.id, professional_id=account.professional_id) else {}
    age = age_on(view.patient.birth_date, paris_today())
    # One at a time: a kind already stated is not offered, but to the form that changes it.
    stated = await positions_stated(db, dossier_id=view.dossier.id, visible=view.visible) - (
        {replacing.kind} if replacing is not None else set())
    offered_kinds = [KINDS[k] for k in ORDER if offered(k, age, sex=view.patient.sex, by=stater(view))
                     and k not in stated]
    chosen_kind = KINDS.get(kind) if kind in {k.code for k in offered_kinds} else None
    picker = (await picker_of(db, view=view, query=form.get("recherche", ""), chosen=form.get("document_id", ""))
              if chosen_kind is not None and chosen_kind.code == "directive" else Picker([], more=False))
    context = {"view": view, "kind": chosen_kind, "kinds": offered_kinds, "form": form,
               "error": error, "picker": picker, "max_documents": MAX_DOCUMENTS, "severities": SEVERITIES,
               "natures": NATURES, "measures": MEASURES, "unit_mark": UNIT_MARK, "donation": DONATION, "today": paris_today().isoformat(), "patient": view.patient,
               "add_labels": ADD_LABELS, "replacing": replacing,
               "action": (f"/dossiers/{view.dossier.id}/profil/{replacing.id}/changement" if replacing is not None
                          else f"/dossiers/{view.dossier.id}/profil/ajouter?type={chosen_kind.code}" if chosen_kind
                          else ""),
               # A professional on a minor's dossier may keep what they declare from the parents (CSP L1111-5).
               "keeps_from_parents": keeps,
               # A professional may hide what they declare from the other professionals, at the patient's request.
               "hides_from_professionals": view.right not in HOLDERS and replacing is None,
               # Its hint speaks to a médecin traitant as one (partials/hidden_hint.html), as the upload form's does.
               "medecin_traitant": view.right == Right.MEDECIN_TRAITANT,
               # A section a professional's access does not cover, or in part: she is told she cannot see what it
               # already holds, whatever it holds (what she adds is checked against what she reads alone: items.py).
               "unshared_kind": chosen_kind is not None and view.right not in HOLDERS
               and not sees_kind(view.visible, chosen_kind.code)
               and not seen_in_part(view.visible, chosen_kind.code),
               "partly_kind": chosen_kind is not None and view.right not in HOLDERS
               and bool(seen_in_part(view.visible, chosen_kind.code))}
    if request.htmx and request.htmx.target == "document-picker" and chosen_kind is not None:
        await db.commit()
        return Template("partials/profile_document_picker.html", context=context, status_code=status)
    if view.right in HOLDERS:
        context["band"] = await band_of(db, dossier=view.dossier, account=account, now=utcnow(), manages=view.can_manage)
        context["parents_read"] = await parents_read_what_she_writes(db, dossier=view.dossier,
                                                                     account_patient_id=account.patient_id)
    else:
        context["identity"] = identity_of(view.patient, today=paris_today())
    await db.commit()  # a professional's dossier was opened in a chained transaction: its lock is released
    return Template("profile_add.html", context=context, status_code=status)


@get("/dossiers/{dossier_id:str}/profil/ajouter", guards=[logged_in])
async def add_form(request: Request, db: AsyncSession, dossier_id: str, kind: Kind = None) -> Template:
    return await form_page(request, db, dossier_id, kind or "")


def form_values(data: dict) -> dict[str, str]:
    """What a form sent, to show it again: refused, or after a search of its document picker (its words, as long as
    the timeline's search takes them)."""
    return {name: text(data, name, limit=600) for name in (*FIELDS, "confidentiel", "masquer")} | {
        "recherche": text(data, "recherche", limit=100)}


# What a professional, or a relative, types into an item (its kind's choices are codes, not her words), given back
# to copy.
TYPED = ("label", "detail", "started_on", "expected_on", "value", "value2", "lot", "prescriber", "phone")


def unsent(data: dict, *, software: bool = True) -> Unsent:
    """What she typed, given back: to a professional to copy into her `software`; else to a relative."""
    typed = "\n".join(value for name in TYPED if (value := text(data, name, limit=600)))
    said = _("L'information n'a pas été ajoutée au profil médical. La voici, pour la copier dans votre logiciel : "
             "Carnet ne l'a pas gardée.") if software else \
        _("L'information n'a pas été ajoutée au profil médical. La voici, pour la copier : Carnet ne l'a pas gardée.")
    return Unsent(said, ((_("Ce que vous aviez saisi"), typed, True),))


@post("/dossiers/{dossier_id:str}/profil/ajouter", guards=[logged_in], status_code=200)
async def add(request: HTMXRequest, db: AsyncSession, dossier_id: str, data: Form, kind: Kind = None) -> Response:
    if text(data, "chercher", limit=5):
        # The directives' picker searched (its words in the body, never in an address): the form again, as typed.
        return await form_page(request, db, dossier_id, kind or "", form=form_values(data))
    account = request.user.account
    entry = item_input(kind or "", data)
    # A relative the patient made a reader (or removed) while she typed: refused, with what she typed given back.
    with giving_back(unsent(data, software=False)):
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
                           kept_from_parents=kept, seen_by=writer.sees,
                           hidden=writer.author is not None and text(data, "masquer", limit=5) == "oui")
        except InvalidInput as invalid:
            await db.rollback()
            return await form_page(request, db, dossier_id, kind or "", form=form_values(data),
                                   error=FormError.of(invalid), status=400)
        except AccessEnded as ended:  # a professional's, ended while she typed (write_right rolled back): her words
            return access_ended(request, unsent=unsent(data),
                                own_documents=await own_documents_after(db, account=account, refusal=ended))
        except BaseException:
            await db.rollback()
            raise
    return Redirect(profile_url(dossier_id, "ajoute"), status_code=303)


routes = [add_form, add]
