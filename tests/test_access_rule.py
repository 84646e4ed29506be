"""The who-sees-what rule of DESIGN.md, row by row, as a table."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from server.access.rule import (
    CaregiverFacts, DocumentFacts, DossierFacts, GrantFacts, Right, Standing, access_ended, document_right,
    dossier_right, may_manage,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PRO, OTHER_PRO = "pro-1", "pro-2"
# The table's dossier: a minor's, who turns 18 in a month (what changes at 18 has its own test below).
DOSSIER = DossierFacts(adult_from=NOW + timedelta(days=30))


def caregiver(*, manages=True, parent=False, days_left=None, ended=False, started_days_ago=10, kept=""):
    return Standing(caregivers=(CaregiverFacts(
        can_manage=manages, legal_representative=parent, starts_at=NOW - timedelta(days=started_days_ago),
        ends_at=None if days_left is None else NOW + timedelta(days=days_left), ended=ended, after_majority=kept,
    ),))


def grant(*categories, days_left=30, revoked=False, started_days_ago=10):
    return GrantFacts(
        categories=frozenset(categories),
        starts_at=NOW - timedelta(days=started_days_ago),
        ends_at=None if days_left is None else NOW + timedelta(days=days_left),
        revoked=revoked,
    )


READERS = {
    "patient": Standing(is_patient=True),
    "caregiver": caregiver(),
    "caregiver_reader": caregiver(manages=False),
    "caregiver_expired": caregiver(days_left=-1),
    "caregiver_not_started": caregiver(started_days_ago=-1),
    "caregiver_removed": caregiver(ended=True),  # removed by the patient, or stepped down: the same fact
    "parent_of_minor": caregiver(parent=True),
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
    "kept_from_parents": DocumentFacts(category="compte_rendu", author_professional_id=OTHER_PRO,
                                       hidden_from_representatives=True),
}

P, C, A, M, G, E = Right.PATIENT, Right.CAREGIVER, Right.AUTHOR, Right.MEDECIN_TRAITANT, Right.GRANT, Right.EMERGENCY
_ = None
# columns:             visible visible_bio hidden deleted authored authored_hidden other_author_hidden kept_from_parents
TABLE = {
    "patient":                  (P, P, P, _, P, P, P, P),
    "caregiver":                (C, C, C, _, C, C, C, C),
    "caregiver_reader":         (C, C, C, _, C, C, C, C),
    "caregiver_expired":        (_, _, _, _, _, _, _, _),
    "caregiver_not_started":    (_, _, _, _, _, _, _, _),
    "caregiver_removed":        (_, _, _, _, _, _, _, _),
    "parent_of_minor":          (C, C, C, _, C, C, C, _),
    "medecin_traitant":         (M, M, M, _, A, A, M, M),
    "medecin_traitant_blocked": (_, _, _, _, _, _, _, _),
    "granted_all":              (G, G, _, _, A, A, _, G),
    "granted_biologie":         (_, G, _, _, A, A, _, _),
    "granted_no_end":           (G, G, _, _, A, A, _, G),
    "grant_expired":            (_, _, _, _, A, A, _, _),
    "grant_not_started":        (_, _, _, _, A, A, _, _),
    "grant_revoked":            (_, _, _, _, A, A, _, _),
    "granted_but_blocked":      (_, _, _, _, _, _, _, _),
    "emergency":                (E, E, _, _, A, A, _, E),
    "emergency_over":           (_, _, _, _, A, A, _, _),
    "emergency_blocked":        (_, _, _, _, _, _, _, _),
    "stranger_pro":             (_, _, _, _, A, A, _, _),
    "nobody":                   (_, _, _, _, _, _, _, _),
}
HOLDERS = ("patient", "caregiver", "caregiver_reader", "parent_of_minor")

CASES = [(r, d, TABLE[r][i]) for r in READERS for i, d in enumerate(DOCS)]


@pytest.mark.parametrize(("reader", "document", "expected"), CASES, ids=[f"{r}-{d}" for r, d, _ in CASES])
def test_open_dossier(reader, document, expected):
    assert document_right(READERS[reader], DOSSIER, DOCS[document], NOW) == expected


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("document", list(DOCS))
def test_a_closed_dossier_is_read_only_by_the_patient_and_caregivers(reader, document):
    right = document_right(READERS[reader], replace(DOSSIER, closed=True), DOCS[document], NOW)
    expected = TABLE[reader][list(DOCS).index(document)] if reader in HOLDERS else None
    assert right == expected


@pytest.mark.parametrize("document", list(DOCS))
def test_opting_out_of_emergency_access_removes_only_emergency_access(document):
    opted_out = replace(DOSSIER, emergency_opt_out=True)
    expected = TABLE["emergency"][list(DOCS).index(document)]
    assert document_right(READERS["emergency"], opted_out, DOCS[document], NOW) == (None if expected == E else expected)
    assert document_right(READERS["granted_all"], opted_out, DOCS[document], NOW) == TABLE["granted_all"][list(DOCS).index(document)]


DOSSIER_TABLE = {
    "patient": P, "caregiver": C, "caregiver_reader": C, "caregiver_expired": _, "caregiver_not_started": _,
    "caregiver_removed": _, "parent_of_minor": C, "medecin_traitant": M, "medecin_traitant_blocked": _,
    "granted_all": G, "granted_biologie": G, "granted_no_end": G, "grant_expired": _, "grant_not_started": _,
    "grant_revoked": _, "granted_but_blocked": _, "emergency": E, "emergency_over": _, "emergency_blocked": _,
    "stranger_pro": _, "nobody": _,
}


@pytest.mark.parametrize("reader", list(READERS))
def test_who_may_open_the_dossier_at_all(reader):
    assert dossier_right(READERS[reader], DOSSIER, NOW) == DOSSIER_TABLE[reader]
    closed = dossier_right(READERS[reader], replace(DOSSIER, closed=True), NOW)
    assert closed == (DOSSIER_TABLE[reader] if reader in HOLDERS else None)


# Who is told that their access ended, rather than a missing dossier's answer: a professional who held the dossier (a
# grant or an emergency access begun, its médecin traitant now or before) and opens it no more, whatever ended it.
ENDED = {"medecin_traitant_blocked", "grant_expired", "grant_revoked", "granted_but_blocked", "emergency_over",
         "emergency_blocked"}
HELD = {"medecin_traitant", "granted_all", "granted_biologie", "granted_no_end", "emergency"}  # and open now


@pytest.mark.parametrize("reader", list(READERS))
def test_who_is_told_that_their_access_ended(reader):
    assert access_ended(READERS[reader], DOSSIER, NOW) is (reader in ENDED)
    assert access_ended(READERS[reader], replace(DOSSIER, closed=True), NOW) is (reader in ENDED | HELD)
    assert access_ended(READERS[reader], replace(DOSSIER, emergency_opt_out=True), NOW) is (
        reader in ENDED | {"emergency"})


def test_a_medecin_traitant_replaced_or_removed_is_told_that_their_access_ended_and_one_still_declared_is_not():
    before = Standing(professional_id=PRO, declared_medecin_traitant=True)  # replaced, or removed
    assert access_ended(before, DOSSIER, NOW)
    assert not access_ended(replace(before, is_medecin_traitant=True), DOSSIER, NOW)
    assert not access_ended(replace(before, professional_id=None), DOSSIER, NOW)


MANAGERS = {"patient": True, "caregiver": True, "caregiver_reader": False, "caregiver_expired": False,
            "caregiver_removed": False, "parent_of_minor": True, "granted_all": False, "medecin_traitant": False}


@pytest.mark.parametrize("reader", list(MANAGERS))
def test_who_may_act_on_the_dossier_hide_share_revoke(reader):
    assert may_manage(READERS[reader], DOSSIER, NOW) is MANAGERS[reader]


AT_18 = DossierFacts(adult_from=NOW - timedelta(minutes=1))  # the patient turned 18 a minute ago
# After 18:           a parent (not kept) | kept, reading | kept, managing | a relative the patient chose
AFTER_18 = {
    "parent_of_minor": (caregiver(parent=True), _, False),
    "parent_kept_reading": (caregiver(parent=True, kept="lecture"), C, False),
    "parent_kept_managing": (caregiver(parent=True, kept="gestion"), C, True),
    "caregiver": (caregiver(), C, True),
}


@pytest.mark.parametrize("reader", list(AFTER_18))
def test_at_18_a_parents_rights_end_unless_the_young_adult_kept_them(reader):
    standing, right, manages = AFTER_18[reader]
    assert dossier_right(standing, AT_18, NOW) == right
    assert may_manage(standing, AT_18, NOW) is manages
    assert document_right(standing, AT_18, DOCS["visible"], NOW) == right
    # What a professional kept from the parents stays kept, even from a parent the young adult keeps.
    expected_kept = right if not standing.caregivers[0].legal_representative else None
    assert document_right(standing, AT_18, DOCS["kept_from_parents"], NOW) == expected_kept


# --- the rule as data (Visibility) says exactly what the rule says, for any reader and document ------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from server.access.rule import visibility  # noqa: E402

CATEGORY_CODES = ["imagerie", "biologie", "compte_rendu"]
moments = st.sampled_from([NOW - timedelta(days=3), NOW - timedelta(minutes=1), NOW + timedelta(minutes=1),
                           NOW + timedelta(days=3), None])
grant_facts = st.builds(
    GrantFacts, categories=st.frozensets(st.sampled_from(CATEGORY_CODES)),
    starts_at=st.sampled_from([NOW - timedelta(days=10), NOW + timedelta(days=1)]),
    ends_at=moments, revoked=st.booleans(), given_by=st.sampled_from(["", "patient", "representative"]))
caregiver_facts = st.builds(
    CaregiverFacts, can_manage=st.booleans(), legal_representative=st.booleans(),
    starts_at=st.sampled_from([NOW - timedelta(days=10), NOW + timedelta(days=1)]), ends_at=moments,
    ended=st.booleans(), after_majority=st.sampled_from(["", "lecture", "gestion"]))
standings = st.builds(
    Standing, professional_id=st.sampled_from([None, PRO]), is_patient=st.booleans(),
    caregivers=st.lists(caregiver_facts, max_size=2).map(tuple), is_medecin_traitant=st.booleans(),
    blocked=st.booleans(), grants=st.lists(grant_facts, max_size=3).map(tuple), emergency_until=moments,
    representatives_blocked=st.booleans(), medecin_traitant_by=st.sampled_from(["", "patient", "representative"]))
dossiers = st.builds(DossierFacts, closed=st.booleans(), emergency_opt_out=st.booleans(), adult_from=moments)
documents = st.builds(
    DocumentFacts, category=st.sampled_from(CATEGORY_CODES), hidden=st.booleans(), deleted=st.booleans(),
    author_professional_id=st.sampled_from([None, PRO, OTHER_PRO]), hidden_from_representatives=st.booleans(),
    also_under=st.frozensets(st.sampled_from(CATEGORY_CODES), max_size=2))  # a profile item's kind: several


@settings(max_examples=1500, deadline=None)  # random each run: CI adds 1,500 cases at every stop
@given(standing=standings, dossier=dossiers, document=documents)
def test_the_rule_as_a_query_admits_exactly_the_documents_the_rule_allows(standing, dossier, document):
    allowed = document_right(standing, dossier, document, NOW) is not None
    assert visibility(standing, dossier, NOW).admits(document) == allowed
