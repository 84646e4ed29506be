"""The who-sees-what rule of DESIGN.md, row by row, as a table."""

from datetime import UTC, datetime, timedelta

import pytest

from server.access import DocumentFacts, DossierFacts, GrantFacts, Right, Standing, document_right, dossier_right

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PRO, OTHER_PRO = "pro-1", "pro-2"


def grant(*categories, days_left=30, revoked=False, started_days_ago=10):
    return GrantFacts(
        categories=frozenset(categories),
        starts_at=NOW - timedelta(days=started_days_ago),
        ends_at=None if days_left is None else NOW + timedelta(days=days_left),
        revoked=revoked,
    )


READERS = {
    "patient": Standing(is_patient=True),
    "caregiver": Standing(is_caregiver=True),
    "medecin_traitant": Standing(professional_id=PRO, is_medecin_traitant=True),
    "medecin_traitant_blocked": Standing(professional_id=PRO, is_medecin_traitant=True, blocked=True),
    "granted_all": Standing(professional_id=PRO, grants=(grant(),)),
    "granted_biologie": Standing(professional_id=PRO, grants=(grant("biologie"),)),
    "granted_no_end": Standing(professional_id=PRO, grants=(grant(days_left=None),)),
    "grant_expired": Standing(professional_id=PRO, grants=(grant(days_left=-1),)),
    "grant_not_started": Standing(professional_id=PRO, grants=(grant(started_days_ago=-1),)),
    "grant_revoked": Standing(professional_id=PRO, grants=(grant(revoked=True),)),
    "granted_but_blocked": Standing(professional_id=PRO, grants=(grant(),), blocked=True),
    "emergency": Standing(professional_id=PRO, emergency_until=NOW + timedelta(hours=3)),
    "emergency_over": Standing(professional_id=PRO, emergency_until=NOW - timedelta(minutes=1)),
    "emergency_blocked": Standing(professional_id=PRO, emergency_until=NOW + timedelta(hours=3), blocked=True),
    "stranger_pro": Standing(professional_id=PRO),
    "nobody": Standing(),
}

DOCS = {
    "visible": DocumentFacts(category="imagerie"),
    "visible_bio": DocumentFacts(category="biologie"),
    "hidden": DocumentFacts(category="imagerie", hidden=True),
    "deleted": DocumentFacts(category="imagerie", deleted=True),
    "authored": DocumentFacts(category="imagerie", author_professional_id=PRO),
    "authored_hidden": DocumentFacts(category="imagerie", hidden=True, author_professional_id=PRO),
    "other_author_hidden": DocumentFacts(category="imagerie", hidden=True, author_professional_id=OTHER_PRO),
}

P, C, A, M, G, E = Right.PATIENT, Right.CAREGIVER, Right.AUTHOR, Right.MEDECIN_TRAITANT, Right.GRANT, Right.EMERGENCY
_ = None
# columns:             visible visible_bio hidden deleted authored authored_hidden other_author_hidden
TABLE = {
    "patient":                  (P, P, P, _, P, P, P),
    "caregiver":                (C, C, C, _, C, C, C),
    "medecin_traitant":         (M, M, M, _, A, A, M),
    "medecin_traitant_blocked": (_, _, _, _, _, _, _),
    "granted_all":              (G, G, _, _, A, A, _),
    "granted_biologie":         (_, G, _, _, A, A, _),
    "granted_no_end":           (G, G, _, _, A, A, _),
    "grant_expired":            (_, _, _, _, A, A, _),
    "grant_not_started":        (_, _, _, _, A, A, _),
    "grant_revoked":            (_, _, _, _, A, A, _),
    "granted_but_blocked":      (_, _, _, _, _, _, _),
    "emergency":                (E, E, _, _, A, A, _),
    "emergency_over":           (_, _, _, _, A, A, _),
    "emergency_blocked":        (_, _, _, _, _, _, _),
    "stranger_pro":             (_, _, _, _, A, A, _),
    "nobody":                   (_, _, _, _, _, _, _),
}

CASES = [(r, d, TABLE[r][i]) for r in READERS for i, d in enumerate(DOCS)]


@pytest.mark.parametrize(("reader", "document", "expected"), CASES, ids=[f"{r}-{d}" for r, d, _ in CASES])
def test_open_dossier(reader, document, expected):
    assert document_right(READERS[reader], DossierFacts(), DOCS[document], NOW) == expected


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("document", list(DOCS))
def test_a_closed_dossier_is_read_only_by_the_patient_and_caregivers(reader, document):
    right = document_right(READERS[reader], DossierFacts(closed=True), DOCS[document], NOW)
    expected = TABLE[reader][list(DOCS).index(document)] if reader in ("patient", "caregiver") else None
    assert right == expected


@pytest.mark.parametrize("document", list(DOCS))
def test_opting_out_of_emergency_access_removes_only_emergency_access(document):
    opted_out = DossierFacts(emergency_opt_out=True)
    expected = TABLE["emergency"][list(DOCS).index(document)]
    assert document_right(READERS["emergency"], opted_out, DOCS[document], NOW) == (None if expected == E else expected)
    assert document_right(READERS["granted_all"], opted_out, DOCS[document], NOW) == TABLE["granted_all"][list(DOCS).index(document)]


DOSSIER_TABLE = {
    "patient": P, "caregiver": C, "medecin_traitant": M, "medecin_traitant_blocked": _,
    "granted_all": G, "granted_biologie": G, "granted_no_end": G, "grant_expired": _, "grant_not_started": _,
    "grant_revoked": _, "granted_but_blocked": _, "emergency": E, "emergency_over": _, "emergency_blocked": _,
    "stranger_pro": _, "nobody": _,
}


@pytest.mark.parametrize("reader", list(READERS))
def test_who_may_open_the_dossier_at_all(reader):
    assert dossier_right(READERS[reader], DossierFacts(), NOW) == DOSSIER_TABLE[reader]
    closed = dossier_right(READERS[reader], DossierFacts(closed=True), NOW)
    assert closed == (DOSSIER_TABLE[reader] if reader in ("patient", "caregiver") else None)
