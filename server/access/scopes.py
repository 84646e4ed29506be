"""What an access covers: every category, or a list of them (a grant's, a share code's), as a form chooses it, a page
shows it and the log keeps it; how long it lasts is durations.py's."""

from __future__ import annotations

from ..dossiers import InvalidInput
from ..i18n import N_, _
from ..models import CATEGORIES

ALL_DOCUMENTS = N_("tous les documents")


def parse_scope(categories: list[str]) -> str:
    """Comma-separated category codes, or "" for every category; unknown codes are refused."""
    chosen = [c for c in categories if c]
    if any(c not in CATEGORIES for c in chosen):
        raise InvalidInput(_("Catégorie inconnue."), "categories")
    return "" if not chosen or set(chosen) == set(CATEGORIES) else ",".join(sorted(set(chosen)))


def scope_label(categories: str) -> str:
    """"Biologie, Imagerie", or "tous les documents", in the request's language."""
    if not categories:
        return _(ALL_DOCUMENTS)
    return ", ".join(_(CATEGORIES[c]) for c in categories.split(",") if c in CATEGORIES)


CARE_OPENED = N_("Et l'historique des soins remboursés des 24 derniers mois.")


def care_scope(categories: str) -> str:
    """What a scope opens of the reimbursed care, said after what it opens of the profile: every document's, and
    "Remboursements"'s, open the Soins page too (views/care.py); "" for any other (a probe's find: a patient who
    gave "Remboursements" was told of the insurer's statements alone, and 24 months of care opened)."""
    return _(CARE_OPENED) if not categories or "remboursement" in categories.split(",") else ""


def logged_scope(categories: str, duration_label: str) -> str:
    """"Biologie, Imagerie, 3 mois": the log's detail of a grant or a share code, in French as every detail is stored."""
    scope = ", ".join(CATEGORIES[c] for c in categories.split(",") if c in CATEGORIES) if categories else ALL_DOCUMENTS
    return f"{scope}, {duration_label}"
