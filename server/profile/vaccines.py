"""Which vaccinations a patient has due or late, from the French vaccination calendar kept as data in
calendrier_vaccinal.json (its year, source and the notes on what it leaves out travel with it) and the
vaccination items of their profil médical, and a pregnancy in progress: what waits until the birth, and the dose of
the pregnancy itself. Pure functions: no database, `today` is an argument."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from ..i18n import N_, _
from ..models import ProfileItem, add_months
from .pregnancy import OVERDUE, at_week

CALENDAR_FILE = Path(__file__).with_name("calendrier_vaccinal.json")
HORIZON_MONTHS = 3  # a dose due within this many months is "à faire"; later ones are not listed yet
TO_DO, LATE = "à faire", "en retard"


@dataclass(frozen=True)
class Due:
    """One vaccination to do: "Diphtérie, tétanos, poliomyélite", "rappel de 45 ans", due on, its state."""

    id: str  # the calendar entry's
    family: str
    dose: str
    due_on: date
    state: str  # TO_DO or LATE
    upcoming: bool  # due_on is still ahead ("à partir du …" rather than "depuis le …")
    values: tuple[tuple[str, object], ...] = ()  # what fills the calendar's dose text: ("age", 45)
    # A child's dose an adult never had (ROR's second dose, for someone born in 1984): "à rattraper", as the
    # calendar's catch-up says, not "en retard depuis le 12 juillet 1985".
    catch_up: bool = False
    # Held back while a pregnancy is in progress, to be done after the birth: why (AFTER_BIRTH's "live" or
    # "postponed"); "" for a dose to do now.
    after_birth: str = ""

    @property
    def late(self) -> bool:
        return self.state == LATE

    @property
    def family_label(self) -> str:
        """The family in the request's language (CALENDAR_WORDS)."""
        return _(self.family)

    @property
    def dose_label(self) -> str:
        """The dose in the request's language: the calendar's text translated (CALENDAR_WORDS), then filled;
        `dose` itself where it has no translation (French)."""
        template = ENTRY_DOSES.get(self.id, self.dose)
        translated = _(template)
        return self.dose if translated == template else translated.format(**dict(self.values))


# --- the calendar, read once ------------------------------------------------------------------


def words(text: str) -> str:
    """How labels and a family's words compare: lower case, no accents, every other character a space."""
    plain = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    plain = plain.encode("ascii", "ignore").decode()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def _months(duration: dict | None) -> int | None:
    """{"years": 1, "months": 6} → 18."""
    if duration is None:
        return None
    return 12 * duration.get("years", 0) + duration.get("months", 0)


def _month_day(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)


@dataclass(frozen=True)
class Family:
    name: str
    terms: tuple[str, ...]  # the words, compared as `words()` makes them
    # What starts like a term and is no vaccine of the family, taken out of the label first: "Haemophilus
    # influenzae" starts like the flu's "influenza".
    not_terms: tuple[str, ...] = ()

    def names(self, label_words: str) -> bool:
        """Whether a label names this family: one of its terms starts a word of the label."""
        padded = f" {label_words}"
        for other in self.not_terms:
            padded = padded.replace(f" {other}", " ")
        return any(f" {term}" in padded for term in self.terms)


@dataclass(frozen=True)
class Entry:
    id: str
    rule: str  # "dose", "recurring" (the adult dTP boosters) or "seasonal" (influenza, COVID-19)
    family: str
    also: tuple[str, ...]  # other families whose vaccines count for this dose
    dose: str
    age: int  # months; for a dose given `after` another, months after it
    counts_from: int | None  # the age (months) from which a vaccination counts for this dose
    late_after: int | None  # months after the due date; None: never late, only due
    until: int | None  # the age (months) from which a missed dose is no longer listed: catch-up is over
    sex: str | None
    born_since: int | None  # only for those born that year or later (ROR: 1980)
    after: str | None  # the entry this dose follows
    ages: tuple[int, ...] = ()  # recurring: the fixed ages (months)
    then_every: int = 0  # recurring: months between boosters after the last fixed age
    min_gap: int = 0  # recurring: months a booster must follow the last dose
    season: dict | None = None


def _entry(raw: dict) -> Entry:
    return Entry(id=raw["id"], rule=raw["rule"], family=raw["family"], also=tuple(raw.get("also", ())),
                 dose=raw["dose"], age=_months(raw["age"]), counts_from=_months(raw.get("counts_from")),
                 late_after=_months(raw["late_after"]), until=_months(raw.get("until")), sex=raw["sex"],
                 born_since=raw.get("born_since"), after=raw.get("after"), ages=tuple(12 * a for a in raw.get("ages", ())),
                 then_every=_months(raw.get("then_every")) or 0, min_gap=_months(raw.get("min_gap")) or 0,
                 season=raw.get("season"))


def _load() -> tuple[dict, dict[str, Family], list[Entry]]:
    raw = json.loads(CALENDAR_FILE.read_text(encoding="utf-8"))
    # A family is named by its own name too: the page lists a dose due by it ("Diphtérie, tétanos, coqueluche,
    # poliomyélite, Haemophilus influenzae b, hépatite B"), which a parent may copy as the vaccination's name.
    families = {code: Family(f["name"], tuple(words(w) for w in (f["name"], *f["words"])),
                             tuple(words(w) for w in f.get("not", ()))) for code, f in raw["families"].items()}
    return raw, families, [_entry(e) for e in raw["entries"]]


@dataclass(frozen=True)
class PregnancyDose:
    """A dose of each pregnancy (the coqueluche's), in weeks of amenorrhoea (profile/pregnancy.py): listed from
    `from_weeks`, done by a vaccine of its family given from `counts_from_weeks`, late after `late_after_weeks`."""

    id: str
    family: str
    dose: str
    from_weeks: int
    counts_from_weeks: int
    late_after_weeks: int


_RAW, FAMILIES, ENTRIES = _load()
# While a pregnancy is in progress: the families whose doses wait until the birth, and why ("live": a live vaccine,
# contre-indiqué; "postponed": not recommended during pregnancy), and the doses of the pregnancy itself.
AFTER_BIRTH: dict[str, str] = _RAW["pregnancy"]["after_birth"]
PREGNANCY_DOSES = [PregnancyDose(**raw) for raw in _RAW["pregnancy"]["doses"]]
ENTRY_DOSES = {e.id: e.dose for e in [*ENTRIES, *PREGNANCY_DOSES]}
# The calendar's words a page shows, as calendrier_vaccinal.json writes them, for the catalogue (pybabel does not
# read the JSON): a text of a newer calendar missing here is shown in French until it is added.
CALENDAR_WORDS = (
    N_("Diphtérie, tétanos, coqueluche, poliomyélite, Haemophilus influenzae b, hépatite B"),
    N_("Diphtérie, tétanos, coqueluche, poliomyélite"),
    N_("Diphtérie, tétanos, poliomyélite"),
    N_("Coqueluche"),
    N_("ROR (rougeole, oreillons, rubéole)"),
    N_("Pneumocoque"),
    N_("Méningocoque B"),
    N_("Méningocoque ACWY"),
    N_("Méningocoque C"),
    N_("Papillomavirus (HPV)"),
    N_("Zona"),
    N_("Grippe"),
    N_("Covid-19"),
    N_("VRS (virus respiratoire syncytial)"),
    N_("1re dose (2 mois)"),
    N_("2e dose (4 mois)"),
    N_("rappel (11 mois)"),
    N_("dose unique (à partir de 65 ans)"),
    N_("1re dose (3 mois)"),
    N_("2e dose (5 mois)"),
    N_("rappel (12 mois)"),
    N_("1re dose (6 mois)"),
    N_("dose de 11 à 14 ans"),
    N_("1re dose (12 mois)"),
    N_("2e dose (16 à 18 mois)"),
    N_("rappel de 6 ans (DTCaP)"),
    N_("rappel de 11 à 13 ans (dTcaP)"),
    N_("1re dose (11 à 14 ans)"),
    N_("2e dose (6 mois après la 1re)"),
    N_("rappel de {age} ans"),
    N_("rappel de 25 ans (vaccin dTcaP)"),
    N_("1re dose (à partir de 65 ans)"),
    N_("2e dose (2 mois après la 1re)"),
    N_("dose unique (à partir de 75 ans)"),
    N_("vaccination de la saison {season}"),
    N_("vaccination de l'automne {year}"),
    N_("dose de la grossesse (vaccin dTcaP), de préférence entre 20 et 36 SA"),
)
CALENDAR_YEAR: int = _RAW["year"]
CALENDAR_SOURCE: dict = _RAW["source"]  # {"title", "publisher", "url"}


# --- dates ---------------------------------------------------------------------------------------


def _state(due_on: date, late_after: int | None, today: date) -> str:
    return LATE if late_after is not None and today > add_months(due_on, late_after) else TO_DO


# --- what is due -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Given:
    id: str
    on: date
    label: str  # as `words()` makes it


def due_vaccinations(*, birth_date: date, sex: str, vaccinations: list[ProfileItem], today: date,
                     pregnancy: ProfileItem | None = None) -> list[Due]:
    """The vaccinations due within the next three months or late, for this age, sex and history, earliest first,
    and those a pregnancy in progress (`pregnancy`, pregnancy.current's) holds back until the birth, after them.

    A vaccination counts once per family, for the first dose of the calendar it fits (given from that
    dose's `counts_from` age, before its catch-up ends); a series shows only its next missing dose;
    a missed dose is no longer listed once its catch-up age (`until`) is passed. During a pregnancy, its own dose of
    a family (the coqueluche's) stands for the family's others."""
    if today < birth_date:
        return []
    given = sorted((_Given(i.id, i.started_on, words(i.label)) for i in vaccinations
                    if i.kind == "vaccination" and i.started_on is not None and i.deleted_at is None),
                   key=lambda g: (g.on, g.id))
    horizon = add_months(today, HORIZON_MONTHS)
    found: list[Due] = []
    taken: dict[str, date] = {}  # entry id → the day the vaccination that fulfilled it was given
    used: set[tuple[str, str]] = set()  # (family, vaccination id): a vaccination fulfils one dose of a family
    listed: set[str] = set()  # the families with a dose listed already: one dose of a series at a time
    if pregnancy is not None:
        listed |= {dose.family for dose in PREGNANCY_DOSES}
        if pregnancy.expected_on is not None:
            found += [due for dose in PREGNANCY_DOSES
                      if (due := _pregnancy_dose(dose, pregnancy.expected_on, given, today, horizon)) is not None]
    held = AFTER_BIRTH if pregnancy is not None else {}
    for entry in ENTRIES:
        if (entry.sex and entry.sex != sex) or (entry.born_since and birth_date.year < entry.born_since):
            continue
        if entry.rule == "recurring":
            due = _recurring(entry, birth_date, given, today, horizon)
        elif entry.rule == "seasonal":
            due = _seasonal(entry, birth_date, given, today, horizon)
        else:
            due = _dose(entry, birth_date, given, today, horizon, taken, used)
        if due is not None and entry.family not in listed:
            listed.add(entry.family)
            adult = add_months(birth_date, 18 * 12)
            found.append(replace(due, catch_up=due.late and due.due_on < adult <= today,
                                 after_birth=held.get(entry.family, "")))
    return sorted(found, key=lambda d: (bool(d.after_birth), d.due_on, d.family))


def unrecognised(vaccinations: list[ProfileItem]) -> list[ProfileItem]:
    """The vaccinations noted whose name names no family of the calendar, oldest first: they count for no dose, and a
    vaccine given abroad under a name Carnet does not know would leave its dose "en retard" unsaid."""
    return sorted((i for i in vaccinations if i.kind == "vaccination" and i.started_on is not None
                   and i.deleted_at is None and not any(f.names(words(i.label)) for f in FAMILIES.values())),
                  key=lambda i: (i.started_on, i.id))


def _naming(given: list[_Given], families: tuple[str, ...]) -> list[_Given]:
    return [g for g in given if any(FAMILIES[f].names(g.label) for f in families)]


def _due(entry: Entry, due_on: date, today: date, **values: object) -> Due:
    return Due(entry.id, FAMILIES[entry.family].name, entry.dose.format(**values), due_on,
               _state(due_on, entry.late_after, today), upcoming=due_on > today, values=tuple(values.items()))


def _dose(entry: Entry, birth_date: date, given: list[_Given], today: date, horizon: date,
          taken: dict[str, date], used: set[tuple[str, str]]) -> Due | None:
    if entry.after is not None:
        previous = taken.get(entry.after)
        if previous is None:
            return None  # the series' earlier dose is listed (or no longer due) first
        due_on, earliest = add_months(previous, entry.age), previous + timedelta(days=1)
    else:
        due_on, earliest = add_months(birth_date, entry.age), add_months(birth_date, entry.counts_from)
    ends = add_months(birth_date, entry.until) if entry.until is not None else None
    for g in _naming(given, (entry.family, *entry.also)):
        if (entry.family, g.id) not in used and earliest <= g.on and (ends is None or g.on < ends):
            used.add((entry.family, g.id))
            taken[entry.id] = g.on
            return None
    if (ends is not None and today >= ends) or due_on > horizon:
        return None
    return _due(entry, due_on, today)


def _pregnancy_dose(dose: PregnancyDose, expected_on: date, given: list[_Given], today: date,
                    horizon: date) -> Due | None:
    """The dose of this pregnancy, unless a vaccine of its family was given from `counts_from_weeks` of it, or the
    pregnancy is surely over though its end was not noted (the page asks for it)."""
    due_on = at_week(expected_on, dose.from_weeks)
    counts_from = at_week(expected_on, dose.counts_from_weeks)
    if due_on > horizon or today > expected_on + OVERDUE or any(
            counts_from <= g.on for g in _naming(given, (dose.family,))):
        return None
    state = LATE if today > at_week(expected_on, dose.late_after_weeks) else TO_DO
    return Due(dose.id, FAMILIES[dose.family].name, dose.dose, due_on, state, upcoming=due_on > today)


def _recurring(entry: Entry, birth_date: date, given: list[_Given], today: date, horizon: date) -> Due | None:
    """The adult dTP booster: the first fixed age (25, 45, 65, then every 10 years) more than `min_gap`
    after the last dose, as the calendar's transition rule says; when several have passed, the latest."""
    doses = _naming(given, (entry.family,))
    after = add_months(doses[-1].on, entry.min_gap) if doses else None
    ages = list(entry.ages)
    while add_months(birth_date, ages[-1]) <= horizon and entry.then_every:
        ages.append(ages[-1] + entry.then_every)
    passed = [(age, due_on) for age in ages if (due_on := add_months(birth_date, age)) <= horizon
              and (after is None or due_on > after)]
    if not passed:
        return None
    age, due_on = passed[-1]
    return _due(entry, due_on, today, age=age // 12)


def _seasonal(entry: Entry, birth_date: date, given: list[_Given], today: date, horizon: date) -> Due | None:
    """Once each autumn from the entry's age: due from the campaign's opening to its close, done by a dose
    given since the season's start (1 September)."""
    season = entry.season
    start_month, start_day = _month_day(season["counts_since"])
    year = today.year if (today.month, today.day) >= (start_month, start_day) else today.year - 1
    counts_since = date(year, start_month, start_day)
    opens = date(year, *_month_day(season["opens"]))
    closes_before = date(year + 1, *_month_day(season["closes_before"]))
    due_on = max(opens, add_months(birth_date, entry.age))
    if today >= closes_before or due_on >= closes_before or due_on > horizon:
        return None
    if any(counts_since <= g.on for g in _naming(given, (entry.family,))):
        return None
    return _due(entry, due_on, today, season=f"{year}-{year + 1}", year=year)
