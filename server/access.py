"""Who sees what: the one rule of DESIGN.md, as a pure function.

Every view and API asks `document_right` (or `visible_documents`, built on it);
"voir comme" asks it too, with the professional's standing instead of the patient's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Right(StrEnum):
    """Why a reader may read a document; recorded in the access log."""

    PATIENT = "patient"
    CAREGIVER = "caregiver"
    AUTHOR = "author"
    MEDECIN_TRAITANT = "medecin_traitant"
    GRANT = "grant"
    EMERGENCY = "emergency"


@dataclass(frozen=True)
class GrantFacts:
    categories: frozenset[str]  # empty: every category
    starts_at: datetime
    ends_at: datetime | None
    revoked: bool

    def active(self, now: datetime) -> bool:
        return not self.revoked and self.starts_at <= now and (self.ends_at is None or now < self.ends_at)

    def covers(self, category: str) -> bool:
        return not self.categories or category in self.categories


@dataclass(frozen=True)
class Standing:
    """What one reader is to one dossier, read from the database before asking the rule."""

    professional_id: str | None = None
    is_patient: bool = False
    is_caregiver: bool = False
    is_medecin_traitant: bool = False
    blocked: bool = False
    grants: tuple[GrantFacts, ...] = ()
    emergency_until: datetime | None = None


@dataclass(frozen=True)
class DossierFacts:
    closed: bool = False
    emergency_opt_out: bool = False


@dataclass(frozen=True)
class DocumentFacts:
    category: str
    hidden: bool = False
    deleted: bool = False
    author_professional_id: str | None = None


def document_right(standing: Standing, dossier: DossierFacts, document: DocumentFacts, now: datetime) -> Right | None:
    """The right by which this reader may read this document now, or None."""
    if document.deleted:
        return None
    if standing.is_patient:
        return Right.PATIENT
    if standing.is_caregiver:
        return Right.CAREGIVER
    if standing.professional_id is None or dossier.closed:
        return None
    if standing.blocked:  # a block overrides everything, authorship included (issue 4)
        return None
    if document.author_professional_id == standing.professional_id:
        return Right.AUTHOR
    if standing.is_medecin_traitant:
        return Right.MEDECIN_TRAITANT
    if document.hidden:
        return None
    if any(g.active(now) and g.covers(document.category) for g in standing.grants):
        return Right.GRANT
    if standing.emergency_until is not None and now < standing.emergency_until and not dossier.emergency_opt_out:
        return Right.EMERGENCY
    return None


def dossier_right(standing: Standing, dossier: DossierFacts, now: datetime) -> Right | None:
    """The right by which this reader may open the dossier at all (its timeline), or None."""
    if standing.is_patient:
        return Right.PATIENT
    if standing.is_caregiver:
        return Right.CAREGIVER
    if standing.professional_id is None or dossier.closed or standing.blocked:
        return None
    if standing.is_medecin_traitant:
        return Right.MEDECIN_TRAITANT
    if any(g.active(now) for g in standing.grants):
        return Right.GRANT
    if standing.emergency_until is not None and now < standing.emergency_until and not dossier.emergency_opt_out:
        return Right.EMERGENCY
    return None
