"""Vaccinations due (issue 12): from the French calendar kept as data, for an age, a sex and the vaccination
items of a profil médical, what is "à faire" within three months or "en retard"; never what is done, what is
further ahead, nor a childhood dose whose catch-up is over."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from litestar.plugins.jinja import JinjaTemplateEngine

from server.models import ProfileItem
from server.profile.vaccines import (CALENDAR_FILE, CALENDAR_SOURCE, CALENDAR_YEAR, ENTRIES, FAMILIES, LATE, TO_DO,
                                     Due, add_months, due_vaccinations, unrecognised, words)
from server.templating import configure_templates


def given(label: str, on: date) -> ProfileItem:
    return ProfileItem(dossier_id="d", kind="vaccination", label=label, started_on=on)


def dues(born: date, today: date, *vaccinations: ProfileItem, sex: str = "F") -> dict[str, Due]:
    found = due_vaccinations(birth_date=born, sex=sex, vaccinations=list(vaccinations), today=today)
    return {due.id: due for due in found}


def states(born: date, today: date, *vaccinations: ProfileItem, sex: str = "F") -> dict[str, str]:
    return {code: due.state for code, due in dues(born, today, *vaccinations, sex=sex).items()}


BABY = date(2025, 1, 10)
TWELVE = date(2013, 5, 1)  # twelve on 1 May 2025


# --- the table: who, when, with what, and what is (and is not) due ------------------------------

CASES = [
    pytest.param(BABY, date(2025, 3, 10), [], "F",
                 {"dtcap-hib-hepb-2m": TO_DO, "pneumocoque-2m": TO_DO, "meningocoque-b-3m": TO_DO},
                 {"dtcap-hib-hepb-4m", "pneumocoque-4m", "meningocoque-acwy-6m", "ror-1"},
                 id="a 2-month-old with nothing is due the hexavalent and pneumococcal first doses"),
    pytest.param(BABY, date(2025, 6, 10),
                 [given("Hexyon", date(2025, 3, 10)), given("Prevenar 20", date(2025, 3, 10)),
                  given("Infanrix hexa", date(2025, 5, 12)), given("Vaxneuvance", date(2025, 5, 12))], "M",
                 {"meningocoque-b-3m": LATE},
                 {"dtcap-hib-hepb-2m", "dtcap-hib-hepb-4m", "dtcap-hib-hepb-11m", "pneumocoque-2m",
                  "pneumocoque-4m", "pneumocoque-11m"},
                 id="an infant with the 2- and 4-month doses done is not due them, nor the 11-month ones yet"),
    pytest.param(BABY, date(2025, 9, 1),
                 [given("DTP", date(2025, 4, 10))], "F",
                 {"dtcap-hib-hepb-4m": LATE},
                 {"dtcap-hib-hepb-2m"},
                 id="a first dose given late counts: the series shows its next missing dose"),
    pytest.param(TWELVE, date(2025, 9, 1), [], "F",
                 {"hpv-1": TO_DO, "dtcap-11a": TO_DO, "meningocoque-acwy-11a": TO_DO},
                 {"hpv-2", "dtcap-6a", "dtcap-hib-hepb-2m", "pneumocoque-2m", "meningocoque-acwy-6m"},
                 id="a 12-year-old girl is due HPV and dTcaP, not the infant doses she can no longer catch up"),
    pytest.param(TWELVE, date(2025, 9, 1), [], "M",
                 {"hpv-1": TO_DO, "dtcap-11a": TO_DO},
                 set(),
                 id="a 12-year-old boy is due HPV and dTcaP too"),
    pytest.param(TWELVE, date(2025, 9, 1), [given("Gardasil 9", date(2025, 1, 15))], "F",
                 {"hpv-2": TO_DO},
                 {"hpv-1"},
                 id="the second HPV dose is due 6 months after the first"),
    pytest.param(TWELVE, date(2025, 9, 1), [given("Gardasil 9", date(2024, 6, 1))], "M",
                 {"hpv-2": LATE},
                 {"hpv-1"},
                 id="the second HPV dose is late 13 months after the first"),
    pytest.param(date(1979, 3, 10), date(2025, 9, 15), [given("DTP", date(2004, 3, 20))], "F",
                 {"dtp-adulte": LATE},
                 {"coqueluche-25a", "ror-1", "hpv-1"},
                 id="a 46-year-old whose last dTP was at 25 is late for the 45 booster"),
    pytest.param(date(1978, 3, 10), date(2025, 9, 15), [given("Revaxis", date(2023, 4, 1))], "M",
                 {},
                 {"dtp-adulte"},
                 id="a 47-year-old with a Revaxis at 45 is due nothing for dTP"),
    pytest.param(date(1982, 3, 10), date(2025, 9, 15), [given("dTP", date(2022, 5, 1))], "F",
                 {"ror-1": LATE},
                 {"dtp-adulte"},
                 id="a booster at 40 carries to 65, not 45 (the transition rule: 5 years at least)"),
    pytest.param(date(1990, 3, 10), date(2025, 9, 15), [given("Tétanos", date(2008, 6, 1))], "M",
                 {"dtp-adulte": LATE, "coqueluche-25a": LATE},
                 set(),
                 id="a 35-year-old whose last booster was at 18 is late for the 25 one, pertussis with it"),
    pytest.param(date(1959, 3, 10), date(2025, 11, 15), [], "F",
                 {"grippe": TO_DO, "covid-19": TO_DO},
                 set(),
                 id="a 66-year-old in November with no flu vaccine this season is due it"),
    pytest.param(date(1959, 3, 10), date(2025, 11, 15),
                 [given("Vaxigrip", date(2025, 10, 20)), given("Comirnaty", date(2025, 10, 20))], "F",
                 {},
                 {"grippe", "covid-19"},
                 id="a 66-year-old vaccinated in October is not due flu nor COVID-19"),
    pytest.param(date(1959, 3, 10), date(2025, 11, 15), [given("Vaxigrip", date(2024, 11, 2))], "F",
                 {"grippe": TO_DO},
                 set(),
                 id="last season's flu vaccine does not count for this one"),
    pytest.param(date(1959, 3, 10), date(2025, 5, 15), [], "F",
                 {},
                 {"grippe", "covid-19"},
                 id="flu is not due out of season (March to August)"),
    pytest.param(date(1959, 3, 10), date(2025, 9, 10), [], "M",
                 {"grippe": TO_DO},
                 set(),
                 id="in September, the coming season's flu vaccine is due from 1 October"),
    pytest.param(date(1955, 6, 1), date(2025, 6, 1), [], "M",
                 {"pneumocoque-65a": TO_DO, "zona-1": TO_DO, "dtp-adulte": LATE},
                 {"zona-2", "vrs-75a", "ror-1", "coqueluche-25a"},
                 id="a 70-year-old is due pneumococcal and shingles, and the 65 booster"),
    pytest.param(date(1955, 6, 1), date(2025, 6, 1),
                 [given("Prevenar 20", date(2022, 1, 5)), given("Shingrix", date(2022, 1, 5)),
                  given("Shingrix", date(2022, 3, 10)), given("Boostrix tetra", date(2020, 7, 1))], "M",
                 {},
                 {"pneumocoque-65a", "zona-1", "zona-2", "dtp-adulte"},
                 id="a 70-year-old with them done is due nothing"),
    pytest.param(date(1955, 6, 1), date(2025, 6, 1), [given("Shingrix", date(2025, 1, 5))], "M",
                 {"zona-2": TO_DO},
                 {"zona-1"},
                 id="the second shingles dose is due 2 months after the first"),
    pytest.param(date(1950, 6, 1), date(2025, 6, 1), [given("dTP", date(2020, 6, 1))], "F",
                 {"vrs-75a": TO_DO},
                 {"dtp-adulte"},
                 id="at 75, RSV is due once; a booster at 70 carries to 85"),
    pytest.param(date(1995, 3, 10), date(2025, 9, 15), [given("M-M-RVAXPRO", date(1996, 3, 12)),
                                                         given("Priorix", date(1996, 8, 1))], "F",
                 {"dtp-adulte": LATE},
                 {"ror-1", "ror-2", "hpv-1", "meningocoque-acwy-11a", "dtcap-11a", "pneumocoque-2m"},
                 id="a 30-year-old is not listed childhood doses whose catch-up is over"),
    pytest.param(date(1975, 3, 10), date(2025, 9, 15), [given("DTP", date(2020, 6, 1))], "F",
                 {},
                 {"ror-1", "coqueluche-25a"},
                 id="ROR catch-up is for those born since 1980 only; pertussis catch-up ends at 39"),
]


@pytest.mark.parametrize(("born", "today", "vaccinations", "sex", "expected", "not_listed"), CASES)
def test_due_vaccinations(born, today, vaccinations, sex, expected, not_listed):
    found = states(born, today, *vaccinations, sex=sex)
    assert {code: found.get(code) for code in expected} == expected
    assert not not_listed & found.keys()


# --- matching the label as typed ------------------------------------------------------------------

@pytest.mark.parametrize(("label", "counts"), [
    ("revaxis", True), ("REVAXIS", True), ("Revaxis (lot 123)", True), ("dtpolio", True), ("Vaccin dTcaP", True),
    ("Tétanos", True), ("TETANOS", True), ("diphterie-tetanos-polio", True), ("Repevax", True),
    ("Boostrixtetra", True), ("Vaxigrip", False), ("adtp", False), ("Rtp", False),
])
def test_a_dtp_booster_is_recognised_accent_and_case_insensitively_on_word_starts(label, counts):
    found = dues(date(1978, 3, 10), date(2025, 9, 15), given(label, date(2023, 4, 1)))
    assert ("dtp-adulte" not in found) is counts


@pytest.mark.parametrize("label", ["VAXIGRIP tetra", "vaxigriptetra", "Influvac Tetra", "Efluelda", "Grippe",
                                   "vaccin antigrippal", "Vaccin grippal"])
def test_a_flu_vaccine_is_recognised_however_it_is_typed(label):
    assert "grippe" not in dues(date(1959, 3, 10), date(2025, 11, 15), given(label, date(2025, 10, 20)))


@pytest.mark.parametrize(("label", "family"), [
    ("Prévenar 13", "pneumocoque"), ("PREVENAR20", "pneumocoque"), ("Gardasil 9", "hpv"), ("gardasil", "hpv"),
    ("ROR", "ror"), ("Priorix", "ror"), ("m-m-rvaxpro", "ror"), ("Shingrix", "zona"), ("Nimenrix", "meningocoque-acwy"),
    ("MenQuadfi", "meningocoque-acwy"), ("Bexsero", "meningocoque-b"), ("NeisVac-C", "meningocoque-c"),
    ("Méningocoque B", "meningocoque-b"), ("Comirnaty", "covid-19"), ("COVID-19", "covid-19"), ("Abrysvo", "vrs"),
    ("Arexvy", "vrs"), ("Infanrixquinta", "dtcap-hib-hepb"), ("Vaxelis", "dtcap-hib-hepb"),
    # Given abroad, under the names there.
    ("Hexacima", "dtcap-hib-hepb"), ("Pentaxim", "dtcap-hib-hepb"), ("DTaP-IPV (Kinrix)", "dtcap"),
    ("Tetraxim", "dtp"), ("Tdap", "coqueluche"), ("Prevnar 20", "pneumocoque"), ("Menactra", "meningocoque-acwy"),
    ("ProQuad", "ror"),
])
def test_each_brand_names_its_family(label, family):
    assert FAMILIES[family].names(words(label))


def test_a_hib_vaccine_is_no_flu_shot_nor_is_a_hepatitis_b_one_a_hexavalent_dose():
    """Haemophilus influenzae starts like the flu's "influenza"; a vaccine of one disease of the hexavalent, given
    alone, is known (the page does not call it unknown) and stands for none of the infant's doses of six."""
    autumn = dues(date(1950, 3, 10), date(2025, 11, 15), given("Haemophilus influenzae b", date(2025, 10, 20)),
                  given("Act-HIB", date(2025, 10, 21)))
    assert autumn["grippe"].state == TO_DO
    infant = [given("Engerix B", date(2025, 2, 12)), given("Hépatite B", date(2025, 3, 10)),
              given("Hib", date(2025, 3, 10))]
    assert "dtcap-hib-hepb-2m" in dues(BABY, date(2025, 3, 20), *infant)
    assert unrecognised(infant) == []


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_vaccination_named_as_the_page_names_its_dose_counts_for_it(family):
    """The page lists a dose due by its family's name; a parent who copies it as the vaccination's name is understood
    (the hexavalent's whole name stood for nothing: an outside probe's find)."""
    assert FAMILIES[family].names(words(FAMILIES[family].name))
    assert unrecognised([given(FAMILIES[family].name, date(2025, 3, 10))]) == []


def test_the_hexavalent_named_as_the_page_names_it_is_the_infants_first_dose():
    named = given("Diphtérie, tétanos, coqueluche, poliomyélite, Haemophilus influenzae b, hépatite B", date(2025, 3, 10))
    assert "dtcap-hib-hepb-2m" not in dues(BABY, date(2025, 3, 20), named)


def test_a_dtap_or_tdap_without_polio_is_no_polio_dose():
    assert not FAMILIES["dtp"].names(words("Tdap")) and not FAMILIES["dtp"].names(words("DTaP"))


def test_a_name_that_names_no_family_is_unrecognised_and_a_deleted_or_undated_one_is_not_listed():
    typhoid, menactra = given("Typhim Vi", date(2024, 3, 1)), given("Menactra", date(2021, 3, 10))
    deleted, undated = given("BCG", date(2017, 8, 1)), given("Stamaril", date(2020, 1, 1))
    deleted.deleted_at, undated.started_on = datetime(2024, 1, 1), None
    found = unrecognised([typhoid, menactra, deleted, undated, given("BCG", date(2017, 8, 1))])
    assert [(i.label, i.started_on) for i in found] == [("BCG", date(2017, 8, 1)), ("Typhim Vi", date(2024, 3, 1))]


def test_zostavax_is_not_shingrix_nor_is_a_meningococcal_b_vaccine_an_acwy_one():
    assert not FAMILIES["zona"].names(words("Zostavax"))
    assert not FAMILIES["meningocoque-acwy"].names(words("Méningocoque B"))
    assert not FAMILIES["meningocoque-b"].names(words("Méningocoque ACWY"))


def test_a_meningococcal_c_vaccine_of_the_former_schedule_counts_for_the_infant_acwy_doses():
    born = date(2023, 1, 10)
    found = dues(born, date(2024, 6, 1), given("Neisvac", date(2023, 6, 12)), given("NeisVac-C", date(2024, 1, 15)))
    assert "meningocoque-acwy-6m" not in found and "meningocoque-acwy-12m" not in found


def test_a_deleted_or_undated_item_and_other_kinds_count_for_nothing():
    deleted = given("Revaxis", date(2023, 4, 1))
    deleted.deleted_at = datetime(2024, 1, 1)
    undated = given("Revaxis", date(2023, 4, 1))
    undated.started_on = None
    treatment = ProfileItem(dossier_id="d", kind="treatment", label="Revaxis", started_on=date(2023, 4, 1))
    found = dues(date(1978, 3, 10), date(2025, 9, 15), deleted, undated, treatment)
    assert found["dtp-adulte"].dose == "rappel de 45 ans"


# --- never further ahead than three months ----------------------------------------------------------

@pytest.mark.parametrize("sex", ["F", "M"])
def test_nothing_is_listed_more_than_three_months_ahead_at_any_age(sex):
    born = date(1940, 2, 29)
    today = date(1940, 3, 1)
    while today < date(2040, 1, 1):
        horizon = add_months(today, 3)
        for due in due_vaccinations(birth_date=born, sex=sex, vaccinations=[], today=today):
            assert due.due_on <= horizon, (today, due)
            assert due.upcoming is (due.due_on > today) and not (due.late and due.upcoming)
        today = add_months(today, 1) + timedelta(days=7)  # every day of the month, in turn


def test_a_dose_three_months_ahead_is_listed_and_one_a_day_further_is_not():
    assert "dtp-adulte" in dues(date(2000, 12, 10), date(2025, 9, 10))
    assert "dtp-adulte" not in dues(date(2000, 12, 11), date(2025, 9, 10))
    upcoming = dues(date(2000, 12, 10), date(2025, 9, 10))["dtp-adulte"]
    assert (upcoming.dose, upcoming.due_on, upcoming.state, upcoming.upcoming) == (
        "rappel de 25 ans", date(2025, 12, 10), TO_DO, True)


def test_add_months_keeps_to_the_month_end():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


# --- the calendar file ------------------------------------------------------------------------------

def test_the_calendar_names_its_year_and_source():
    raw = json.loads(CALENDAR_FILE.read_text(encoding="utf-8"))
    assert raw["year"] == CALENDAR_YEAR == 2025
    assert CALENDAR_SOURCE["title"] == f"Calendrier des vaccinations et recommandations vaccinales {CALENDAR_YEAR}"
    assert CALENDAR_SOURCE["url"].startswith("https://") and CALENDAR_SOURCE["publisher"]
    assert raw["notes"] and all(isinstance(note, str) and note for note in raw["notes"])


def test_every_entry_of_the_calendar_is_complete():
    raw = json.loads(CALENDAR_FILE.read_text(encoding="utf-8"))
    ids = [e["id"] for e in raw["entries"]]
    assert len(ids) == len(set(ids))
    for code, family in raw["families"].items():
        assert family["name"] and family["words"] and all(w.strip() for w in family["words"]), code
    common = {"id", "rule", "family", "dose", "age", "late_after", "sex"}
    by_rule = {"dose": {"counts_from", "until"}, "recurring": {"ages", "then_every", "min_gap"}, "seasonal": {"season"}}
    for entry in raw["entries"]:
        assert common | by_rule[entry["rule"]] <= entry.keys(), entry
        assert entry["family"] in raw["families"] and set(entry.get("also", ())) <= raw["families"].keys(), entry
        assert entry["sex"] in (None, "F", "M"), entry
        for duration in ("age", "counts_from", "late_after", "until", "then_every", "min_gap"):
            value = entry.get(duration)
            assert value is None or (value and set(value) <= {"years", "months"}), (entry["id"], duration)
        if entry["rule"] == "dose":
            assert (entry.get("after") is None) != (entry["counts_from"] is None), entry["id"]
            assert entry.get("after") is None or ids.index(entry["after"]) < ids.index(entry["id"]), entry["id"]


def test_within_a_family_doses_come_in_the_order_they_are_given():
    """A vaccination fulfils the first dose of its family it fits: the file must list them by age."""
    last: dict[str, int] = {}
    for entry in ENTRIES:
        if entry.rule == "dose" and entry.after is None:
            assert entry.age >= last.get(entry.family, 0), entry.id
            last[entry.family] = entry.age


def test_the_calendar_covers_what_the_issue_asks():
    families = {FAMILIES[e.family].name for e in ENTRIES}
    assert {"Diphtérie, tétanos, poliomyélite", "Coqueluche", "ROR (rougeole, oreillons, rubéole)",
            "Papillomavirus (HPV)", "Pneumocoque", "Zona", "Grippe", "Méningocoque B", "Méningocoque ACWY",
            "Covid-19", "VRS (virus respiratoire syncytial)"} <= families


# --- the partial ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def partial():
    engine = JinjaTemplateEngine(directory=Path(__file__).parent.parent / "server" / "templates")
    configure_templates(engine)
    return engine.get_template("partials/profile_vaccines_due.html")


def test_the_partial_lists_each_due_with_its_badge_and_cites_the_calendar(partial):
    found = due_vaccinations(birth_date=date(1979, 3, 10), sex="F", vaccinations=[], today=date(2025, 9, 15))
    html = partial.render(vaccines_due=found, calendar_year=CALENDAR_YEAR, calendar_source=CALENDAR_SOURCE)
    assert "Vaccinations à faire" in html and "Diphtérie, tétanos, poliomyélite" in html
    assert "rappel de 45 ans, depuis le 10\u00a0mars 2024" in html and "En retard" in html
    assert f'href="{CALENDAR_SOURCE["url"]}"' in html
    assert "calendrier des vaccinations 2025</a>, ministère de la Santé" in html
    assert "<script" not in html and "style=" not in html


def test_an_adult_is_told_to_catch_up_a_childs_dose_never_noted_not_that_it_is_late_since_1985(partial):
    """Born in 1984, no ROR noted: "1re dose (12 mois), depuis le 12 mars 1985" under "En retard" read as a reproach
    for 41 years; it is a catch-up the calendar recommends. An adult's own late booster stays "En retard"."""
    found = due_vaccinations(birth_date=date(1984, 3, 12), sex="F", vaccinations=[], today=date(2026, 12, 5))
    html = " ".join(partial.render(vaccines_due=found, calendar_year=CALENDAR_YEAR,
                                   calendar_source=CALENDAR_SOURCE).split())
    assert "À rattraper" in html and "1re dose (12 mois), non notée : un rattrapage est recommandé" in html
    assert "depuis le 12 mars 1985" not in html
    assert "rappel de 25 ans, depuis le 12 mars 2009" in html and "En retard" in html
    child = due_vaccinations(birth_date=date(2024, 3, 12), sex="F", vaccinations=[], today=date(2026, 12, 5))
    assert not any(due.catch_up for due in child) and any(due.late for due in child)  # a child's dose is late


def test_the_partial_says_when_nothing_is_due(partial):
    html = partial.render(vaccines_due=[], calendar_year=2025, calendar_source=CALENDAR_SOURCE)
    assert "Aucune vaccination à faire d'après le calendrier vaccinal 2025." in html and "En retard" not in html
    upcoming = Due("grippe", "Grippe", "vaccination de la saison 2025-2026", date(2025, 10, 1), TO_DO, upcoming=True)
    assert "vaccination de la saison 2025-2026, à partir du 1er\u00a0octobre 2025" in partial.render(
        vaccines_due=[upcoming], calendar_year=2025, calendar_source=CALENDAR_SOURCE)
