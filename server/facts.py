"""Rows as the rule sees them: the facts `access/rule.py` decides on, read from the models."""

from __future__ import annotations

from .access.rule import LEGAL_REPRESENTATIVES, CaregiverFacts, DocumentFacts, DossierFacts, adult_from
from .models import Delegation, Document, Dossier, Patient, ReimbursementLine

CARE_CATEGORY = "remboursement"  # the category whose grant shows the reimbursed care, as its documents


def dossier_facts(dossier: Dossier, patient: Patient | None = None) -> DossierFacts:
    """The dossier's facts; with its patient, the moment they turn 18 too (which ends their parents' rights)."""
    return DossierFacts(closed=dossier.state == "closed", emergency_opt_out=dossier.emergency_opt_out,
                        adult_from=adult_from(patient.birth_date) if patient is not None else None)


def document_facts(document: Document) -> DocumentFacts:
    return DocumentFacts(
        category=document.category,
        hidden=document.hidden,
        deleted=document.deleted_at is not None,
        author_professional_id=document.author_professional_id,
        hidden_from_representatives=document.hidden_from_representatives,
    )


def care_line_facts(line: ReimbursementLine) -> DocumentFacts:
    """A line of reimbursed care as the rule sees it: a document of the `remboursement` category that no
    professional wrote (the insurer sent it; who performed or prescribed it is a name it gives, not an author), hidden
    or not. What a minor's parents must not see of it is said apart (caregivers/confidential.py `covers_care`)."""
    return DocumentFacts(category=CARE_CATEGORY, hidden=line.hidden)


def caregiver_facts(delegation: Delegation) -> CaregiverFacts:
    # An early end (removed, stepped down, 18th birthday) is an end like the planned one, from its moment on.
    ends = [t for t in (delegation.ends_at, delegation.revoked_at) if t is not None]
    return CaregiverFacts(
        can_manage=delegation.can_manage,
        legal_representative=delegation.relationship in LEGAL_REPRESENTATIVES,
        starts_at=delegation.starts_at,
        ends_at=min(ends, default=None),
        after_majority=delegation.after_majority,
    )
