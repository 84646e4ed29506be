"""A dossier's profil médical, item by item: added once checked (checks.py), hidden, deleted (each in the access log),
and read under the one rule (seen.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..authors import Adder, adders_of, relative_label
from ..access.rule import Visibility
from ..dossiers import InvalidInput
from ..i18n import N_, _
from ..i18n.formats import long_date, quoted_fr
from ..identifiers import age_on
from ..models import Document, Dossier, Patient, Professional, ProfileItem
from .checks import ItemInput, check
from .erasing import erase
from .kinds import DONATION, KINDS, MIN_AGE, ONE_AT_A_TIME, ORDER, PERSONAL, kinds_in, possible, states
from .seen import visible_items_clause
from .wording import summary

MAX_ITEMS = 2000  # per dossier and kind, read at once: a profile is a summary, not a log


@dataclass
class Profile:
    """The items one reader sees, by kind, in the order a professional reads them."""

    by_kind: dict[str, list[ProfileItem]] = field(default_factory=dict)
    authors: dict[str, Professional] = field(default_factory=dict)
    # The kinds this reader sees whole (every item, hidden ones too): an empty one of them says nothing was
    # entered; another may hold what is kept from the reader (the IPS says "withheld", whether it does or not).
    whole: frozenset[str] = frozenset()
    # The kinds whose section is shared with this reader (what the patient hid left out): the people to contact a
    # document carries, or says there are none of (fhir/ips.py, CONTACTS_CARRIED).
    opened: frozenset[str] = frozenset()

    def sections(self) -> list[tuple[str, list[ProfileItem]]]:
        return [(kind, self.by_kind.get(kind, [])) for kind in ORDER]

    def __bool__(self) -> bool:
        return any(self.by_kind.values())

    def count(self) -> int:
        return sum(len(items) for items in self.by_kind.values())


async def profile_of(session: AsyncSession, *, dossier_id: str, visible: Visibility,
                     kinds: tuple[str, ...] = ORDER) -> Profile:
    rows = await session.exec(
        select(ProfileItem).where(ProfileItem.dossier_id == dossier_id, col(ProfileItem.kind).in_(kinds),
                                  visible_items_clause(visible))
        .order_by(col(ProfileItem.kind), col(ProfileItem.started_on).desc().nulls_last(),
                  col(ProfileItem.created_at).desc())
        .limit(MAX_ITEMS * len(kinds))
    )
    by_kind: dict[str, list[ProfileItem]] = defaultdict(list)
    for item in rows.all():
        by_kind[item.kind].append(item)
    author_ids = {i.author_professional_id for items in by_kind.values() for i in items if i.author_professional_id}
    authors = {}
    if author_ids:
        found = await session.exec(select(Professional).where(col(Professional.id).in_(author_ids)))
        authors = {p.id: p for p in found.all()}
    opened = frozenset(() if not visible.general else kinds if visible.categories is None
                       else set(kinds_in(visible.categories)) & set(kinds))
    return Profile(dict(by_kind), authors, opened if visible.hidden_too else frozenset(), opened)


async def declarers_of(session: AsyncSession, *, profile: Profile, patient: Patient) -> dict[str, str]:
    """Who declared each item no professional wrote, by name, as a copy of the dossier says it: a caregiver's
    name said to be a relative's ("Paul Martin (proche)", "Camille Martin (parent)"), "la patiente" or "le patient"
    for the patient's own (or an account no longer there)."""
    items = [item for items in profile.by_kind.values() for item in items if not item.author_professional_id]
    relatives = {item_id: relative_label(adder) for item_id, adder in (await adders_of(session, items)).items()
                 if not adder.is_patient and adder.name}
    themselves = "la patiente" if patient.sex == "F" else "le patient"  # as the copy says "Née" or "Né"
    return {item.id: relatives.get(item.id, themselves) for item in items}


# --- changes, each in the log -----------------------------------------------------------------

PERSONAL_REFUSED = N_("%(what)s : une déclaration personnelle. C'est à %(name)s de l'indiquer, de la changer ou de la "
                      "supprimer, depuis son propre compte : personne ne le fait à sa place.")


def refusal(kind: str, *, by: str, patient: Patient) -> InvalidInput | None:
    """Why `by` (an actor's kind) may not add, change or delete an item of this kind in its own name (kinds.states),
    in the request's language; None if it may. The patient's personal declarations are hers alone, and a
    professional states nothing the patient states."""
    if states(kind, by=by):
        return None
    what = _(KINDS[kind].title)
    if kind in PERSONAL:
        return InvalidInput(_(PERSONAL_REFUSED, what=what, name=f"{patient.given_name} {patient.family_name}"), "kind")
    return InvalidInput(_("%(what)s : seuls le patient et les proches qui gèrent son dossier renseignent cette "
                          "rubrique.", what=what), "kind")


def removable(item: ProfileItem, *, by: str, adder: Adder | None) -> bool:
    """Whether `by` (an actor's kind), who manages the dossier, deletes this item, which `adder` declared
    (authors.adders_of): one it states (kinds.states), or a personal declaration a relative made in the patient's
    name before Carnet refused it, which is none of hers (the patient's own stays hers alone to delete)."""
    return states(item.kind, by=by) or (by == "caregiver" and adder is not None and not adder.is_patient)


async def removal_refused(session: AsyncSession, *, item: ProfileItem, by: str) -> InvalidInput | None:
    """Why `by` may not delete this item (`refusal`'s words), or None if it may (`removable`)."""
    if removable(item, by=by, adder=(await adders_of(session, [item])).get(item.id)):
        return None
    dossier = await session.get(Dossier, item.dossier_id)
    return refusal(item.kind, by=by, patient=await session.get(Patient, dossier.patient_id))


async def add_item(session: AsyncSession, *, dossier: Dossier, data: ItemInput, actor: audit.Actor,
                   author: Professional | None = None, added_by_account_id: str | None = None, right: str = "",
                   today: date, detail_suffix: str = "", declared_at: datetime | None = None,
                   from_copy: bool = False, added_by_patient: bool = False, added_by_relative_name: str = "",
                   kept_from_parents: bool = False, seen_by: Visibility | None = None,
                   replacing: ProfileItem | None = None, hidden: bool = False) -> ProfileItem:
    """Add an item, with its access event, in one transaction (begun here unless the caller holds it), `kept_from_parents`
    by a professional on a minor's dossier (CSP L1111-5: profile/seen.py); `hidden`: hidden from professionals as it
    is added (by its author, at the patient's request), so that no one the rule keeps hidden items from reads it meanwhile;
    `declared_at`: when it was first declared, for an item read back from a copy of the dossier (restore.py, which
    says `from_copy`: such an item keeps its date as it was declared, even one a typed date would be refused for,
    and who the copy says declared it, `added_by_patient` or `added_by_relative_name`: authors.adders_of);
    `replacing`: a position (ONE_AT_A_TIME) of the dossier, of this kind, that the new one replaces in the same
    transaction, deleted as `delete_item` deletes it (its event first), so no moment holds none or two. The caller
    read it standing, under the chain's lock, in the transaction it began (views/profile_changes.py)."""
    patient = await session.get(Patient, dossier.patient_id)
    if not from_copy and (refused := refusal(data.kind, by=actor.kind, patient=patient)):
        raise refused  # a copy read back says who declared each line, as it was checked then
    if patient is not None and not possible(data.kind, age_on(patient.birth_date, today), sex=patient.sex):
        raise InvalidInput(_not_possible(data.kind, age_on(patient.birth_date, today)), "kind")
    # The birth date checks what is typed now; a copy's items were checked when declared (and planned before).
    born = patient.birth_date if patient is not None and not from_copy else None
    fields = check(data, today=today, born=born, from_copy=from_copy)
    if data.document_id:
        document = await session.get(Document, data.document_id)
        if document is None or document.dossier_id != dossier.id or document.deleted_at is not None:
            raise InvalidInput(_("Choisissez un document de ce dossier."), "document_id")
        fields["document_id"] = document.id
    if replacing is not None and (replacing.kind != data.kind or data.kind not in ONE_AT_A_TIME
                                  or replacing.dossier_id != dossier.id or replacing.deleted_at is not None):
        raise ValueError("only a standing position of this dossier and kind is replaced")
    if not session.in_transaction():
        await audit.begin_chained(session, dossier_id=dossier.id)
    if (data.kind in ONE_AT_A_TIME or data.kind == "pregnancy") and not from_copy:
        # Under the dossier's chain lock (taken by begin_chained here, or by the caller that began): what was
        # committed before is read after it, so of two writers at once, one wins. Asked again for a caller's
        # transaction begun without it (no statement on SQLite, whose BEGIN IMMEDIATE holds the database).
        await audit.lock_chain(session, dossier_id=dossier.id)
        await _no_other(session, dossier_id=dossier.id, kind=data.kind, seen_by=seen_by,
                        but=replacing.id if replacing is not None else None)
    if replacing is not None:  # nothing written before the checks: a refusal above commits nothing of it
        await erase(session, item=replacing, actor=actor, right=right)
    item = ProfileItem(dossier_id=dossier.id, author_professional_id=author.id if author else None,
                       added_by_account_id=added_by_account_id, added_by_patient=added_by_patient,
                       added_by_relative_name=added_by_relative_name,
                       # Only its author keeps an item from the parents, as a document (professionals/uploads.py);
                       # a copy says so of a kept line's new dose too, the patient's own (profile/dosing.py).
                       hidden_from_representatives=kept_from_parents and (author is not None or from_copy), **fields)
    if declared_at is not None and declared_at.tzinfo is not None:
        item.created_at = declared_at
    session.add(item)
    await audit.append(session, dossier_id=dossier.id, action="profile_add", actor=actor, right=right,
                       detail=summary(item) + detail_suffix)
    if hidden:
        item.hidden = True
        await audit.append(session, dossier_id=dossier.id, action="profile_hide", actor=actor, right=right,
                           detail=summary(item))
    await audit.commit_chained(session)
    return item


async def positions_stated(session: AsyncSession, *, dossier_id: str, visible: Visibility) -> set[str]:
    """The kinds one at a time (ONE_AT_A_TIME) this reader already reads a line of, and a pregnancy while they read
    one in progress: not offered to add again."""
    found = await session.exec(select(ProfileItem.kind).where(
        ProfileItem.dossier_id == dossier_id,
        or_(col(ProfileItem.kind).in_(ONE_AT_A_TIME),
            and_(ProfileItem.kind == "pregnancy", col(ProfileItem.ended_on).is_(None))),
        col(ProfileItem.deleted_at).is_(None), visible_items_clause(visible)).distinct())
    return set(found.all())


def _not_possible(kind: str, age: int) -> str:
    """Why this patient may have no item of this kind: their age, or their sex (kinds.SEX)."""
    title = _(KINDS[kind].title)
    if age < MIN_AGE.get(kind, 0):
        return _("%(what)s : à partir de %(age)d ans.", what=title, age=MIN_AGE[kind])
    return _("%(what)s : cette rubrique n'est pas proposée pour ce dossier.", what=title)


async def _no_other(session: AsyncSession, *, dossier_id: str, kind: str, seen_by: Visibility | None,
                    but: str | None = None) -> None:
    """Refuse a second position, or a second pregnancy in progress, its writer reads (`seen_by`, the rule's: one a
    professional kept from a minor's parents is never told to a parent; with none given, any but those kept), `but`
    the one being replaced."""
    query = select(ProfileItem).where(ProfileItem.dossier_id == dossier_id, ProfileItem.kind == kind,
                                      col(ProfileItem.deleted_at).is_(None), ProfileItem.id != (but or ""),
                                      col(ProfileItem.ended_on).is_(None),
                                      visible_items_clause(seen_by) if seen_by is not None
                                      else col(ProfileItem.hidden_from_representatives).is_(False))
    found = (await session.exec(query)).first()
    if found is None:
        return
    await session.commit()  # nothing written; a rollback would expire what the caller holds
    if kind == "pregnancy":
        raise InvalidInput(_("Une grossesse en cours est déjà indiquée au profil médical, depuis le %(date)s : "
                             "notez d'abord sa fin pour en indiquer une autre.", date=long_date(found.created_at)),
                           "expected_on")
    raise InvalidInput(_("La position sur le don d'organes est déjà indiquée (%(position)s, le %(date)s). "
                         "Pour en indiquer une autre, changez-la depuis le profil médical.",
                         position=quoted_fr(_(DONATION.get(found.label, found.label))),
                         date=long_date(found.created_at)), "label")


async def set_item_hidden(session: AsyncSession, *, item: ProfileItem, hidden: bool, actor: audit.Actor) -> None:
    await audit.begin_chained(session, dossier_id=item.dossier_id)
    item = await session.get(ProfileItem, item.id, populate_existing=True)
    if item.deleted_at is None and item.hidden != hidden:
        item.hidden = hidden
        session.add(item)
        await audit.append(session, dossier_id=item.dossier_id, action="profile_hide" if hidden else "profile_unhide",
                           actor=actor, detail=summary(item))
    await audit.commit_chained(session)


async def delete_item(session: AsyncSession, *, item: ProfileItem, actor: audit.Actor, right: str = "",
                      begun: bool = False) -> None:
    """Deleted by whoever manages the dossier, or withdrawn by its author (`right` "author"), the professional who
    declared it in error: gone for every reader alike, erased, in the log by its name (erasing.py). `begun`: inside
    the chained transaction the caller began and checked the right in."""
    if not begun:
        await audit.begin_chained(session, dossier_id=item.dossier_id)
    item = await session.get(ProfileItem, item.id, populate_existing=True)
    if item.deleted_at is None:
        await erase(session, item=item, actor=actor, right=right,
                    action="profile_withdraw" if right == "author" else "profile_delete")
    await audit.commit_chained(session)
