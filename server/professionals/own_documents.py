"""What a professional keeps of a dossier once their access to it has ended: the documents they added themselves
(the Accès page tells the patient so: "Chacun garde la lecture des documents qu'il a lui-même ajoutés"), and the
lines they declared in its profil médical, which follow the documents' rule (profile/seen.py), as the rule says
(access/rule.py: an author's right, while the dossier is open and they are not blocked), and no more.

"Mes patients" lists those dossiers apart; each leads to a page of what the professional added there. What they may
read is the rule's answer (`visibility`), asked here as everywhere: open, not blocked; never a count, a title or a
date of anybody else's document or line.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from litestar.exceptions import NotFoundException
from sqlalchemy import ColumnElement, exists, union_all
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.reading import PHANTOM, AccessEnded, dossier_and_patient, log_author_list
from ..accesslog import audit
from ..access.rule import Standing, Visibility, access_ended, dossier_right, visibility
from ..access.standing import professional_standing
from ..facts import dossier_facts
from ..models import Account, Document, Dossier, Patient, ProfileItem, utcnow
from .patients import recently_ended, with_standings


# "Mes patients" lists this many such dossiers at most, by name: the page, and the queries that fill it, stay bounded
# for a pharmacist who worked from share codes for years (a page of its own, searched, would list them all).
AUTHORED_LISTED = 100


@dataclass(frozen=True)
class AuthoredLine:
    """A dossier this professional may no longer open, where what they added is still theirs to read."""

    dossier: Dossier
    patient: Patient
    authored: bool = True  # False: one whose access ended lately (`ended_accesses`), with nothing of theirs in it
    # Whether they held it once (a grant, an emergency access, as its médecin traitant: `rule.access_ended`): what they
    # added to a dossier they never held (a restored copy, software's past) is theirs, but no access of theirs ended.
    ended: bool = True


def _keeps_own_document(dossier_id: ColumnElement[str] | str, professional_id: str) -> ColumnElement[bool]:
    """A document of theirs, not deleted, in the dossier: through the author's index (ix_document_author_newest,
    which holds `deleted_at`), whatever the dossier's size."""
    return exists().where(Document.dossier_id == dossier_id, Document.author_professional_id == professional_id,
                          Document.deleted_at.is_(None))  # type: ignore[union-attr]


def _keeps_own_item(dossier_id: ColumnElement[str] | str, professional_id: str) -> ColumnElement[bool]:
    """A line of the profile they declared, not deleted, in the dossier: through its author's index
    (ix_profileitem_author)."""
    return exists().where(ProfileItem.dossier_id == dossier_id, ProfileItem.author_professional_id == professional_id,
                          ProfileItem.deleted_at.is_(None))  # type: ignore[union-attr]


async def keeps_own(session: AsyncSession, *, dossier_id: str, professional_id: str) -> tuple[bool, bool]:
    """Whether a document of theirs, and a line of the profile, stand in the dossier (its rule not asked)."""
    documents, items = (await session.exec(select(_keeps_own_document(dossier_id, professional_id),
                                                  _keeps_own_item(dossier_id, professional_id)))).one()
    return bool(documents), bool(items)


def _only_their_own(professional_id: str, dossier: Dossier, patient: Patient, standing: Standing,
                    now: datetime) -> bool:
    """The rule's answer: not the dossier, but what they wrote in it (not closed, not blocked)."""
    facts = dossier_facts(dossier, patient)
    return dossier_right(standing, facts, now) is None and visibility(standing, facts, now).author == professional_id


async def authored_only(session: AsyncSession, *, professional_id: str, opened: Collection[str] = (),
                        now: datetime | None = None) -> list[AuthoredLine]:
    """The dossiers where this professional reads only what they added, by the patient's name.

    Their right is their authorship, whatever right they wrote under (a grant, an emergency access, as médecin
    traitant, or none the site remembers): the dossiers are found by the documents and the profile's lines of theirs
    left in them, through the author's own indexes (ix_document_author, ix_profileitem_author), never a scan of every
    document or line of the site; then the rule says, for all of them at once, where what they wrote is what they may
    read. `opened`: the dossiers that open to them ("Mes patients" above, `my_patients`), where they read more: left
    out before the list is cut at its length.
    """
    now = now or utcnow()
    pro = professional_id
    written = union_all(
        select(Document.dossier_id).where(Document.author_professional_id == pro,
                                          Document.deleted_at.is_(None)),  # type: ignore[union-attr]
        select(ProfileItem.dossier_id).where(ProfileItem.author_professional_id == pro,
                                             ProfileItem.deleted_at.is_(None)),  # type: ignore[union-attr]
    )
    rows = (await session.exec(
        select(Dossier, Patient).join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
        # A closed dossier opens to no professional (the rule says so below too): not a line of the list to cut.
        .where(Dossier.state == "open", Dossier.id.in_(written),  # type: ignore[attr-defined]
               Dossier.id.not_in(list(opened)))  # type: ignore[attr-defined]
        .order_by(Patient.family_name, Patient.given_name).limit(AUTHORED_LISTED)
    )).all()
    return [AuthoredLine(dossier=dossier, patient=patient,
                         ended=access_ended(standing, dossier_facts(dossier, patient), now))
            # `declared`: a médecin traitant replaced or removed held the dossier (`access_ended` asks the log).
            for dossier, patient, _grants, standing in await with_standings(session, professional_id=pro, rows=rows,
                                                                             now=now, declared=True)
            if _only_their_own(pro, dossier, patient, standing, now)]


async def ended_accesses(session: AsyncSession, *, professional_id: str, opened: Collection[str] = (),
                         now: datetime | None = None) -> list[AuthoredLine]:
    """"Mes patients"'s dossiers no longer open to this professional: those where they read what they added
    (`authored_only`), and those whose access ended lately (patients.recently_ended), by the patient's name."""
    now = now or utcnow()
    authored = await authored_only(session, professional_id=professional_id, opened=opened, now=now)
    listed = {line.dossier.id for line in authored}
    ended = [AuthoredLine(dossier=dossier, patient=patient, authored=False)
             for dossier, patient in await recently_ended(session, professional_id=professional_id, opened=opened,
                                                          now=now)
             if dossier.id not in listed]
    return sorted(authored + ended, key=lambda line: (line.patient.family_name, line.patient.given_name))


@dataclass(frozen=True)
class OwnDocuments:
    dossier: Dossier
    patient: Patient
    visible: Visibility  # their own documents and lines alone: listing asks the database for a page of them
    documents: bool = True  # a document of theirs stands there
    items: bool = False  # a line of the profile they declared stands there, read with the list (`with_items`)


async def own_documents(session: AsyncSession, *, account: Account, dossier_id: str, detail: str = "",
                        with_items: bool = False) -> OwnDocuments:
    """The documents this professional added to the dossier and may read now, as the rule says, and `with_items`
    the lines of its profile they declared (their page on the web; the FHIR API's search lists documents alone);
    404 if none, exactly as for a missing dossier (a dossier they never wrote to is not told apart).

    Their own alone, even where the rule lets them see more (a grant given again): the dossier's timeline is
    where the rest is read, and logged. `detail` names the software that asked (the FHIR API's search), in the log."""
    await audit.begin_chained(session, dossier_id=dossier_id)  # as every professional's read: a block committed just before is seen
    dossier, patient, documents, items = await _kept_own(session, professional_id=account.professional_id,
                                                         dossier_id=dossier_id)
    items = items and with_items
    if not (documents or items):
        await session.rollback()  # the chain's lock, taken for nothing
        raise NotFoundException()
    await log_author_list(session, account=account, dossier=dossier, detail=detail, documents=documents, items=items)
    return OwnDocuments(dossier=dossier, patient=patient, visible=Visibility(author=account.professional_id),
                        documents=documents, items=items)


async def _kept_own(session: AsyncSession, *, professional_id: str,
                    dossier_id: str) -> tuple[Dossier | None, Patient | None, bool, bool]:
    """The dossier, and whether the documents and the profile's lines this professional added to it are theirs to read
    now (their page opens to them): (False, False) for a dossier that does not, or does not exist, which asks the same
    questions as a foreign one (reading.PHANTOM says why)."""
    now = utcnow()
    dossier, patient = await dossier_and_patient(session, dossier_id)
    asked = dossier or PHANTOM
    standing = await professional_standing(session, professional_id=professional_id, dossier=asked, now=now)
    seen = visibility(standing, dossier_facts(asked, patient), now)
    documents, items = await keeps_own(session, dossier_id=asked.id, professional_id=professional_id)
    if dossier is None or patient is None or seen.author != professional_id:
        return dossier, patient, False, False
    return dossier, patient, documents, items


async def own_documents_after(session: AsyncSession, *, account: Account, refusal: AccessEnded) -> str | None:
    """The dossier an access that ended refused them (its page, or one of its documents) if their page of what they
    added to it (`own_documents`) opens to them now, asked as it asks and logging nothing; else None. The way on
    from "Accès terminé" (errors.py)."""
    if account.professional_id is None:
        return None
    _dossier, _patient, documents, items = await _kept_own(session, professional_id=account.professional_id,
                                                           dossier_id=refusal.dossier_id)
    return refusal.dossier_id if documents or items else None
