"""The profil médical under the one rule (issue 12): an item is, for access/rule.py, a document of its kind's
category written by its author; the query that lists items agrees with the rule, and every change is logged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from server.access.rule import Standing, document_right, visibility
from server.accesslog.audit import Actor
from server.dossiers import InvalidInput
from server.models import AccessEvent, ProfileItem
from server.profile.items import ItemInput, add_item, delete_item, profile_of, set_item_hidden
from server.profile.kinds import KINDS, MEASURES, ONE_AT_A_TIME, ORDER, PATIENTS_OWN, kinds_in
from server.profile.seen import item_facts
from tests.conftest import new_professional
from tests.test_access_rule import dossiers, standings

PATIENT = Actor(None, "patient", "Camille Martin")
TODAY = date(2026, 12, 1)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SAMPLES = {
    "allergy": ItemInput("allergy", label="Pénicilline", detail="Urticaire géante", severity="severe"),
    "treatment": ItemInput("treatment", label="Apixaban 5 mg", detail="1 comprimé matin et soir",
                           started_on=date(2025, 3, 1), prescriber="Dr Bernard"),
    "condition": ItemInput("condition", label="Fibrillation atriale", nature="current", started_on=date(2025, 2, 14)),
    "pregnancy": ItemInput("pregnancy", expected_on=date(2027, 4, 20), detail="Suivie par Hélène Roux"),
    "family_history": ItemInput("family_history", label="Diabète de type 2", detail="Mère"),
    "vaccination": ItemInput("vaccination", label="DTP", started_on=date(2024, 5, 2), lot="X123"),
    "measurement": ItemInput("measurement", label="blood_pressure", value="132", value2="84"),
    "directive": ItemInput("directive", label="Directives anticipées", detail="Chez mon médecin traitant"),
    "organ_donation": ItemInput("organ_donation", label="donneur"),
    "contact": ItemInput("contact", label="Paul Martin", detail="Époux", phone="06 12 34 56 78"),
}
# A measure of the laboratory's, which falls under the lab reports as well as the synthèse (kinds.item_categories).
LAB_SAMPLE = ItemInput("measurement", label="glucose", value="1,05")


async def items_of_every_kind(db, dossier, author) -> list[ProfileItem]:
    """Each kind twice (one hidden), once more written by a professional, and one deleted; a laboratory measure
    besides the blood pressure, the same."""
    made = []
    for kind, data in [*SAMPLES.items(), ("measurement", LAB_SAMPLE)]:
        # A position is one at a time (items.ONE_AT_A_TIME), a pregnancy in progress too; three as a copy read back
        # holds them, made before.
        again = {"from_copy": kind in ONE_AT_A_TIME | {"pregnancy"}}
        made.append(await add_item(db, dossier=dossier, data=data, actor=PATIENT, today=TODAY, **again))
        hidden = await add_item(db, dossier=dossier, data=data, actor=PATIENT, today=TODAY, **again)
        await set_item_hidden(db, item=hidden, hidden=True, actor=PATIENT)
        made.append(hidden)
        # (and a professional states none of the patient's own: kinds.PATIENTS_OWN; one declared before, read back)
        made.append(await add_item(db, dossier=dossier, data=data, actor=PATIENT, author=author, today=TODAY,
                                   from_copy=kind in ONE_AT_A_TIME | PATIENTS_OWN | {"pregnancy"}))
    gone = await add_item(db, dossier=dossier, data=SAMPLES["allergy"], actor=PATIENT, today=TODAY)
    await delete_item(db, item=gone, actor=PATIENT)
    made.append(gone)
    return [await db.get(ProfileItem, i.id, populate_existing=True) for i in made]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(standing=standings, dossier=dossiers)
async def test_the_query_lists_exactly_the_items_the_rule_allows(db, patient, standing, dossier):
    if not hasattr(patient, "items"):  # the fixtures live across examples: the items are made once
        patient.pro = (await new_professional(db, stem=5)).professional
        patient.items = await items_of_every_kind(db, patient.dossier, patient.pro)
    standing = Standing(**{**standing.__dict__, "professional_id": patient.pro.id if standing.professional_id else None})
    visible = visibility(standing, dossier, NOW)
    profile = await profile_of(db, dossier_id=patient.dossier.id, visible=visible)
    listed = {i.id for items in profile.by_kind.values() for i in items}
    allowed = {i.id for i in patient.items if document_right(standing, dossier, item_facts(i), NOW) is not None}
    assert listed == allowed


async def test_a_grant_by_category_covers_exactly_its_kinds_and_hidden_items_are_hidden(db, patient):
    pro = await new_professional(db, stem=6)
    await items_of_every_kind(db, patient.dossier, None)
    from server.access.rule import DossierFacts, GrantFacts
    grant = GrantFacts(categories=frozenset({"ordonnance", "vaccination"}), starts_at=NOW - timedelta(days=1),
                       ends_at=None, revoked=False)
    standing = Standing(professional_id=pro.professional.id, grants=(grant,))
    profile = await profile_of(db, dossier_id=patient.dossier.id, visible=visibility(standing, DossierFacts(), NOW))
    # The prescriptions' allergies too, and a pregnancy: whoever gives a drug or a vaccine must know of it.
    assert set(profile.by_kind) == {"allergy", "treatment", "pregnancy", "vaccination"}
    assert all(len(items) == 2 and not any(i.hidden for i in items) for items in profile.by_kind.values())
    mine = await profile_of(db, dossier_id=patient.dossier.id,
                            visible=visibility(Standing(is_patient=True), DossierFacts(), NOW))
    assert set(mine.by_kind) == set(KINDS) and len(mine.by_kind["allergy"]) == 3  # hidden shown to her, deleted not


# Which kinds a grant of one category shows: whoever reads the prescriptions reads the allergies too (a pharmacist
# who dispenses a drug), without the rest of the synthèse (antécédents, directives…); whoever gives a drug or a
# vaccine reads a pregnancy (a live vaccine is contre-indiqué).
COVERED = {
    "ordonnance": {"allergy", "treatment", "pregnancy"},
    "synthese": {"allergy", "pregnancy", "condition", "family_history", "measurement", "directive", "organ_donation",
                 "contact"},
    "vaccination": {"vaccination", "pregnancy"},
    "biologie": set(), "imagerie": set(), "compte_rendu": set(), "certificat": set(), "remboursement": set(),
    "note_patient": set(),
}


# Which measures it shows, beyond a kind it covers whole: the lab reports, the laboratory's (a glycémie, an HbA1c…,
# which the IPS files with the lab results); the vital signs (weight, height, blood pressure) stay the synthèse's alone.
LABORATORY = {"glucose", "hba1c", "ldl", "creatinine"}
MEASURES_COVERED = {category: set() for category in COVERED} | {"synthese": set(MEASURES), "biologie": LABORATORY}


@pytest.mark.parametrize("category", list(COVERED))
def test_a_grant_of_one_category_shows_exactly_these_kinds_by_the_rule_its_query_and_its_wording(category):
    from server.profile.kinds import measures_in, profile_sections
    from server.access.rule import DossierFacts, GrantFacts
    from server.profile.seen import seen_in_part, sees_kind
    grant = GrantFacts(categories=frozenset({category}), starts_at=NOW - timedelta(days=1), ends_at=None,
                       revoked=False)
    standing = Standing(professional_id="pro", grants=(grant,))
    visible = visibility(standing, DossierFacts(), NOW)
    by_rule = {k for k in KINDS if document_right(standing, DossierFacts(), item_facts(ProfileItem(kind=k)), NOW)}
    assert by_rule == {k for k in KINDS if visible.admits(item_facts(ProfileItem(kind=k)))} == COVERED[category]
    assert set(kinds_in(frozenset({category}))) == COVERED[category] == {k for k in KINDS if sees_kind(visible, k)}
    measures = {m: item_facts(ProfileItem(kind="measurement", label=m)) for m in MEASURES}
    by_rule = {m for m, facts in measures.items() if document_right(standing, DossierFacts(), facts, NOW)}
    assert by_rule == {m for m, facts in measures.items() if visible.admits(facts)} == MEASURES_COVERED[category]
    assert set(measures_in(frozenset({category}))) == MEASURES_COVERED[category]
    part = set() if "measurement" in COVERED[category] else MEASURES_COVERED[category]
    assert set(seen_in_part(visible, "measurement")) == part
    assert profile_sections(category) == ", ".join(
        KINDS[k].title[:1].lower() + KINDS[k].title[1:] + (" (glycémie, HbA1c, LDL-cholestérol, créatinine)" if k == "measurement" and part else "")
        for k in ORDER if k in COVERED[category] or k == "measurement" and part)


@pytest.mark.parametrize("data, message", [
    (ItemInput("allergy", label="", severity="severe"), "Indiquez la substance"),
    (ItemInput("allergy", label="Arachide", severity="extrême"), "gravité"),
    (ItemInput("measurement", label="weight", value="abc"), "en chiffres"),
    (ItemInput("measurement", label="weight", value="720"), "entre 0.3 et 400 kg"),
    (ItemInput("measurement", label="blood_pressure", value="120", value2="140"), "diastolique"),
    (ItemInput("measurement", label="blood_pressure", value="120/80/70"), "en chiffres"),
    (ItemInput("measurement", label="blood_pressure", value="120/80", value2="75"), "en chiffres"),
    (ItemInput("measurement", label="weight", value="70/2"), "en chiffres"),
    (ItemInput("vaccination", label="ROR"), "date de la vaccination"),
    (ItemInput("vaccination", label="ROR", started_on=date(2030, 1, 1)), "futur"),
    (ItemInput("contact", label="Paul", phone="appelez-moi"), "téléphone"),
    (ItemInput("organ_donation", label="peut-être"), "don d'organes"),
    (ItemInput("nothing"), "type d'information"),
])
async def test_bad_input_is_refused_in_french_and_nothing_is_written(db, patient, data, message):
    with pytest.raises(InvalidInput, match=message):
        await add_item(db, dossier=patient.dossier, data=data, actor=PATIENT, today=TODAY)
    assert (await db.exec(select(ProfileItem))).all() == []


@pytest.mark.parametrize("typed", ["120/80", " 120 / 80 ", "120,5/80"])
async def test_a_blood_pressure_is_taken_as_it_is_said(db, patient, typed):
    item = await add_item(db, dossier=patient.dossier, today=TODAY, actor=PATIENT,
                          data=ItemInput("measurement", label="blood_pressure", value=typed))
    assert (item.value, item.value2) == (float(typed.split("/")[0].strip().replace(",", ".")), 80)


async def test_every_change_is_in_the_access_log(db, patient):
    item = await add_item(db, dossier=patient.dossier, data=SAMPLES["allergy"], actor=PATIENT, today=TODAY)
    await set_item_hidden(db, item=item, hidden=True, actor=PATIENT)
    await set_item_hidden(db, item=item, hidden=False, actor=PATIENT)
    await delete_item(db, item=item, actor=PATIENT)
    events = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id,
                                                      AccessEvent.action.like("profile_%")))).all()
    assert [(e.action, e.detail) for e in events] == [
        ("profile_add", "l'allergie «\u00a0Pénicilline\u00a0»"), ("profile_hide", "l'allergie «\u00a0Pénicilline\u00a0»"),
        ("profile_unhide", "l'allergie «\u00a0Pénicilline\u00a0»"), ("profile_delete", "l'allergie «\u00a0Pénicilline\u00a0»")]


def test_an_item_is_described_in_plain_french_as_the_pdf_and_the_ips_narrative_say_it():
    from server.profile.wording import describe

    pressure = ProfileItem(dossier_id="d", kind="measurement", label="blood_pressure", value=132, value2=84.5,
                           unit="mmHg", started_on=date(2026, 1, 17))
    treatment = ProfileItem(dossier_id="d", kind="treatment", label="Apixaban 5 mg", detail="matin et soir",
                            prescriber="Dr Bernard", started_on=date(2025, 3, 1))
    assert describe(pressure) == "Tension artérielle\u00a0: 132/84,5\u00a0mmHg, le 17\u00a0janvier 2026"
    assert describe(treatment) == "Apixaban 5 mg — matin et soir — prescrit par Dr Bernard — depuis le 1er\u00a0mars 2025"
