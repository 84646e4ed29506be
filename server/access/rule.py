"""Who sees what: the one rule of DESIGN.md, as a pure function.

Every view and API asks `document_right` (or `visible_documents`, built on it);
"voir comme" asks it too, with the professional's standing instead of the patient's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
LEGAL_REPRESENTATIVES = ("parent", "tuteur")  # a Delegation's relationships that make a minor's legal representative


class Right(StrEnum):
    """Why a reader may read a document; recorded in the access log."""

    PATIENT = "patient"
    CAREGIVER = "caregiver"
    AUTHOR = "author"
    MEDECIN_TRAITANT = "medecin_traitant"
    GRANT = "grant"
    EMERGENCY = "emergency"


# The rights by which a professional reads (the others are the dossier's holders'): what their pages are said from.
PROFESSIONAL_RIGHTS = frozenset({Right.AUTHOR, Right.MEDECIN_TRAITANT, Right.GRANT, Right.EMERGENCY})
REPRESENTATIVE = "representative"  # who gave a grant or made a block (`GrantFacts.given_by`): a minor's parent or guardian


@dataclass(frozen=True)
class GrantFacts:
    categories: frozenset[str]  # empty: every category
    starts_at: datetime
    ends_at: datetime | None
    revoked: bool
    given_by: str = ""  # "patient", REPRESENTATIVE, "caregiver"; "" if not known (before migration 0031)
    revoked_at: datetime | None = None  # when it was revoked (`once_opened_to`)

    def active(self, now: datetime) -> bool:
        return not self.revoked and self.starts_at <= now and (self.ends_at is None or now < self.ends_at)

    def covers(self, category: str) -> bool:
        return not self.categories or category in self.categories

    def opens(self, document: DocumentFacts) -> bool:
        """Whether this grant lets its professional read this document (neither hidden nor theirs: the rule's
        other cases): a grant a minor's parent gave never opens what was kept from the parents (CSP L1111-5),
        or a parent could pass the secret to any professional of their choosing."""
        return any(self.covers(c) for c in document.categories) and not (document.hidden_from_representatives
                                                                         and self.given_by == REPRESENTATIVE)


@dataclass(frozen=True)
class CaregiverFacts:
    """One delegation of one account on one dossier."""

    can_manage: bool  # False: a reader
    legal_representative: bool  # a parent or guardian of the patient as a minor (relationship "parent"/"tuteur")
    starts_at: datetime
    ends_at: datetime | None = None
    ended: bool = False  # removed by the patient, stepped down, or ended at the patient's 18th birthday
    after_majority: str = ""  # what the young adult chose for this parent: "", "lecture" or "gestion"

    def active(self, now: datetime, dossier: DossierFacts) -> bool:
        if self.ended or now < self.starts_at or (self.ends_at is not None and now >= self.ends_at):
            return False
        if self.legal_representative and dossier.adult_from is not None and now >= dossier.adult_from:
            return self.after_majority != ""  # at 18 a parent's rights end, unless the young adult kept them
        return True

    def manages(self, now: datetime, dossier: DossierFacts) -> bool:
        if not self.active(now, dossier):
            return False
        if self.legal_representative and dossier.adult_from is not None and now >= dossier.adult_from:
            return self.after_majority == "gestion"
        return self.can_manage


@dataclass(frozen=True)
class Standing:
    """What one reader is to one dossier, read from the database before asking the rule."""

    professional_id: str | None = None
    is_patient: bool = False
    caregivers: tuple[CaregiverFacts, ...] = ()
    is_medecin_traitant: bool = False
    medecin_traitant_by: str = ""  # who declared them (as `GrantFacts.given_by`)
    blocked: bool = False
    grants: tuple[GrantFacts, ...] = ()
    emergency_until: datetime | None = None  # the latest end of their emergency accesses begun; None: never one
    # Declared its médecin traitant at some time, still or not (the log's declarations about them): a removed one
    # held the dossier as a grant's professional did (`access_ended`).
    declared_medecin_traitant: bool = False
    # A minor's legal representative blocked this professional after they kept care from the parents (CSP L1111-5):
    # the block stops the grants representatives gave, and nothing the minor decided (caregivers/confidential.py).
    representatives_blocked: bool = False

    def active_grants(self, now: datetime) -> list[GrantFacts]:
        return [g for g in self.grants
                if g.active(now) and not (self.representatives_blocked and g.given_by == REPRESENTATIVE)]

    @property
    def medecin_traitant(self) -> bool:
        """The médecin traitant's right, unless the parents who declared them blocked them (as their grants)."""
        return self.is_medecin_traitant and not (self.representatives_blocked
                                                 and self.medecin_traitant_by == REPRESENTATIVE)


@dataclass(frozen=True)
class DossierFacts:
    closed: bool = False
    emergency_opt_out: bool = False
    adult_from: datetime | None = None  # the patient's 18th birthday (midnight, Paris); None: unknown


@dataclass(frozen=True)
class DocumentFacts:
    category: str
    hidden: bool = False
    deleted: bool = False
    author_professional_id: str | None = None
    hidden_from_representatives: bool = False  # CSP L1111-5: a minor's care kept from their parents
    # The other categories a grant of which covers it too: a document has one; a profile item's kind may fall under
    # several (an allergy under the prescriptions' as well as the synthèse's, profile/kinds.py).
    also_under: frozenset[str] = frozenset()

    @property
    def categories(self) -> frozenset[str]:
        return self.also_under | {self.category}


def adult_from(birth_date: date) -> datetime:
    """The moment a patient born that day turns 18: midnight in France (born 29 February: 1 March)."""
    try:
        birthday = birth_date.replace(year=birth_date.year + 18)
    except ValueError:
        birthday = date(birth_date.year + 18, 3, 1)
    return datetime.combine(birthday, time(0), tzinfo=PARIS).astimezone(UTC)


def caregiver_of(standing: Standing, dossier: DossierFacts, now: datetime) -> CaregiverFacts | None:
    """The delegation by which this account is the dossier's caregiver now (a manager's first), or None."""
    active = [c for c in standing.caregivers if c.active(now, dossier)]
    return max(active, key=lambda c: c.manages(now, dossier), default=None)


def may_manage(standing: Standing, dossier: DossierFacts, now: datetime) -> bool:
    """The patient, or a caregiver who acts (hides, shares, revokes…), not one who only reads."""
    if standing.is_patient:
        return True
    caregiver = caregiver_of(standing, dossier, now)
    return caregiver is not None and caregiver.manages(now, dossier)


def document_right(standing: Standing, dossier: DossierFacts, document: DocumentFacts, now: datetime) -> Right | None:
    """The right by which this reader may read this document now, or None."""
    if document.deleted:
        return None
    if standing.is_patient:
        return Right.PATIENT
    caregiver = caregiver_of(standing, dossier, now)
    if caregiver is not None:
        # Parents never see what a professional kept from them, even after 18 if the young adult keeps them.
        if document.hidden_from_representatives and caregiver.legal_representative:
            return None
        return Right.CAREGIVER
    if standing.professional_id is None or dossier.closed:
        return None
    if standing.blocked:  # a block overrides everything, authorship included (issue 4)
        return None
    if document.author_professional_id == standing.professional_id:
        return Right.AUTHOR
    if standing.medecin_traitant:
        # Declared by a minor's parent, they never read what was kept from the parents (as `GrantFacts.opens`).
        if document.hidden_from_representatives and standing.medecin_traitant_by == REPRESENTATIVE:
            return None
        return Right.MEDECIN_TRAITANT
    if document.hidden:
        return None
    if any(g.opens(document) for g in standing.active_grants(now)):
        return Right.GRANT
    if standing.emergency_until is not None and now < standing.emergency_until and not dossier.emergency_opt_out:
        return Right.EMERGENCY
    return None


@dataclass(frozen=True)
class Visibility:
    """Which of a dossier's documents one reader sees now, said so that a query can ask for them:
    `document_right`, as data (tests/test_access_rule.py checks that the two always agree).

    A document that is not deleted is seen if `author` wrote it, or if `general` holds and it
    passes the rest: hidden ones only with `hidden_too`, only under `categories` (None: every one).
    With `not_kept_from_parents`, never one kept from a minor's parents, whoever wrote it: a
    parent's own reading sets it, and so does a parent's "voir comme" a professional (`seen_as`).
    """

    general: bool = False
    hidden_too: bool = False
    categories: frozenset[str] | None = None
    not_kept_from_parents: bool = False
    # Of what `general` shows, the categories whose documents kept from a minor's parents are seen too (None: as
    # the others): a professional whose grants a parent gave, for some categories (`GrantFacts.opens`).
    kept_categories: frozenset[str] | None = None
    author: str | None = None

    def sees_category(self, category: str) -> bool:
        """Whether what a category covers (beyond its documents: the reimbursed care for `remboursement`)
        is seen: the same condition as for a document of that category, neither hidden nor written by them. Each
        line of the care is then a document of its own to `admits` (facts.care_line_facts): a hidden one too."""
        return self.general and (self.categories is None or category in self.categories)

    def admits(self, document: DocumentFacts) -> bool:
        if document.deleted or (self.not_kept_from_parents and document.hidden_from_representatives):
            return False
        if self.author is not None and document.author_professional_id == self.author:
            return True
        return (self.general and (self.hidden_too or not document.hidden)
                and (self.categories is None or not self.categories.isdisjoint(document.categories))
                and not (document.hidden_from_representatives and self.kept_categories is not None
                         and self.kept_categories.isdisjoint(document.categories)))


def visibility(standing: Standing, dossier: DossierFacts, now: datetime) -> Visibility:
    """What `document_right` lets this reader see of the dossier now, for every document at once."""
    if standing.is_patient:
        return Visibility(general=True, hidden_too=True)
    caregiver = caregiver_of(standing, dossier, now)
    if caregiver is not None:
        return Visibility(general=True, hidden_too=True, not_kept_from_parents=caregiver.legal_representative)
    if standing.professional_id is None or dossier.closed or standing.blocked:
        return Visibility()
    author = standing.professional_id
    if standing.medecin_traitant:
        return Visibility(general=True, hidden_too=True, author=author,
                          kept_categories=frozenset() if standing.medecin_traitant_by == REPRESENTATIVE else None)
    grants = standing.active_grants(now)
    emergency = standing.emergency_until is not None and now < standing.emergency_until and not dossier.emergency_opt_out
    if not grants and not emergency:
        return Visibility(author=author)
    every = emergency or any(not g.categories for g in grants)
    return Visibility(general=True, author=author,
                      categories=None if every else frozenset().union(*(g.categories for g in grants)),
                      kept_categories=None if emergency else _kept_categories(grants))


def _kept_categories(grants: list[GrantFacts]) -> frozenset[str] | None:
    """`Visibility.kept_categories` of a professional with these grants: those no parent gave (`GrantFacts.opens`)."""
    if all(g.given_by != REPRESENTATIVE for g in grants):
        return None
    others = [g for g in grants if g.given_by != REPRESENTATIVE]
    if any(not g.categories for g in others):
        return None
    return frozenset().union(*(g.categories for g in others))


def dossier_right(standing: Standing, dossier: DossierFacts, now: datetime) -> Right | None:
    """The right by which this reader may open the dossier at all (its timeline), or None."""
    if standing.is_patient:
        return Right.PATIENT
    if caregiver_of(standing, dossier, now) is not None:
        return Right.CAREGIVER
    if standing.professional_id is None or dossier.closed or standing.blocked:
        return None
    if standing.medecin_traitant:
        return Right.MEDECIN_TRAITANT
    grants = standing.active_grants(now)
    emergency = standing.emergency_until is not None and now < standing.emergency_until and not dossier.emergency_opt_out
    # An emergency access shows every category: it is the right the dossier is open by unless a grant shows as
    # much (a grant of some categories would be named for what the emergency shows, `visibility`).
    if grants and not (emergency and all(g.categories for g in grants)):
        return Right.GRANT
    return Right.EMERGENCY if emergency else None


def access_ended(standing: Standing, dossier: DossierFacts, now: datetime) -> bool:
    """Whether this reader is a professional who held the dossier (a grant or an emergency access begun, its médecin
    traitant now or before) and opens it no more: its pages tell them so, which is no secret to them; to anyone else a
    refusal is a missing dossier's. One answer for every cause (revoked, expired, blocked, closed, an emergency's
    window over or refused, a médecin traitant removed or replaced), so none says what the patient did."""
    held = (any(g.starts_at <= now for g in standing.grants) or standing.emergency_until is not None
            or standing.is_medecin_traitant or standing.declared_medecin_traitant)
    return standing.professional_id is not None and held and dossier_right(standing, dossier, now) is None


def once_opened_to(standing: Standing, document: DocumentFacts, added_at: datetime) -> bool:
    """Whether a professional whose access ended (`access_ended`) held a right to this document, added at `added_at`,
    while it lasted, as far as the facts tell: a link to it says "Accès terminé", which her timeline's page told her
    already. Not a document hidden from her, of a category none of her grants covered, nor one added after her access
    ended: of those a missing document's answer, or her refusals would tell her which ids are this dossier's (an
    outside probe's find)."""
    if standing.is_medecin_traitant or standing.declared_medecin_traitant:
        return True  # it read every document (when it stopped being one is the log's)
    if document.hidden:
        return False
    if standing.emergency_until is not None and added_at < standing.emergency_until:
        return True
    return any(g.opens(document) and all(added_at < end for end in (g.ends_at, g.revoked_at) if end is not None)
               for g in standing.grants)
