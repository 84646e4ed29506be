"""The kinds of item a profil médical holds: their French names (marked for the catalogue, translated where
shown), the fields each uses, and the document categories under which the rule places each kind (a grant of any of
them covers the kind's items), and a laboratory measure under the lab reports' too (item_categories)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from ..i18n import N_, _


@dataclass(frozen=True)
class Kind:
    code: str
    title: str  # the section's heading
    one: str  # one item, in a sentence: "l'allergie « %(label)s »", no-break spaces inside (items.summary, .name)
    # Document categories (models.CATEGORIES), the first its own: a grant that covers any of them shows the kind.
    categories: tuple[str, ...]
    label: str  # what the main field is called in the form
    named: str  # the same, in a sentence, with its article: "Indiquez la substance."
    fields: tuple[str, ...]  # the other fields the form asks for


KINDS: dict[str, Kind] = {k.code: k for k in (
    # Whoever reads the prescriptions reads the allergies too: a pharmacist or a nurse who gives a drug must know
    # what the patient may not take (as the DMP and the pharmacists' dossier pharmaceutique have it), without
    # being given the rest of the synthèse (antécédents, directives…) for it.
    Kind("allergy", N_("Allergies et intolérances"), N_("l'allergie «\u00a0%(label)s\u00a0»"),
         ("synthese", "ordonnance"), N_("Substance"), N_("la substance"), ("detail", "severity")),
    Kind("treatment", N_("Traitements en cours"), N_("le traitement «\u00a0%(label)s\u00a0»"), ("ordonnance",),
         N_("Médicament"), N_("le médicament"), ("detail", "started_on", "prescriber")),
    Kind("condition", N_("Antécédents médicaux et chirurgicaux"), N_("l'antécédent «\u00a0%(label)s\u00a0»"),
         ("synthese",), N_("Maladie ou intervention"), N_("la maladie ou l'intervention"),
         ("nature", "started_on", "detail")),
    # A pregnancy, current until its end is noted (profile/pregnancy.py): whoever gives a drug or a vaccine must know
    # it (a live vaccine, many drugs are contre-indiqués), as they must know the allergies.
    Kind("pregnancy", N_("Grossesse"), N_("la grossesse"), ("synthese", "ordonnance", "vaccination"),
         N_("Grossesse"), N_("la grossesse"), ("expected_on", "detail")),
    Kind("family_history", N_("Antécédents familiaux"), N_("l'antécédent familial «\u00a0%(label)s\u00a0»"),
         ("synthese",), N_("Maladie"), N_("la maladie"), ("detail",)),
    Kind("vaccination", N_("Vaccinations"), N_("la vaccination «\u00a0%(label)s\u00a0»"), ("vaccination",),
         N_("Vaccin"), N_("le vaccin"), ("started_on", "lot")),
    Kind("measurement", N_("Mesures"), N_("la mesure «\u00a0%(label)s\u00a0»"), ("synthese",), N_("Mesure"),
         N_("la mesure"), ("value", "value2", "started_on")),
    Kind("directive", N_("Directives anticipées"), N_("les directives anticipées «\u00a0%(label)s\u00a0»"),
         ("synthese",), N_("Intitulé"), N_("l'intitulé"), ("detail",)),
    Kind("organ_donation", N_("Don d'organes"), N_("la position sur le don d'organes"), ("synthese",), N_("Position"),
         N_("la position"), ("detail",)),
    Kind("contact", N_("Personnes à prévenir"), N_("la personne à prévenir «\u00a0%(label)s\u00a0»"),
         ("synthese",), N_("Nom"), N_("le nom"), ("detail", "phone")),
)}
# Who declared an item and when, agreed with what it is ("Déclaré par vous" under a treatment: "Déclarée", agreed
# with an "information" the page never says, read as a mistake; an outside probe's find).
_DECLARED = {"m": N_("Déclaré par %(who)s le %(date)s"), "f": N_("Déclarée par %(who)s le %(date)s"),
             "fp": N_("Déclarées par %(who)s le %(date)s")}
GENDER = {"allergy": "f", "treatment": "m", "condition": "m", "pregnancy": "f", "family_history": "m",
          "vaccination": "f", "measurement": "f", "directive": "fp", "organ_donation": "f", "contact": "f"}
DECLARED = {code: _DECLARED[gender] for code, gender in GENDER.items()}
# A participle agreed with the kind, for French-only texts (the copy's summary, export/pdf.py): "déclarée", "masquées".
AGREED = {"m": "", "f": "e", "fp": "es"}
# The order a professional reads them in: what an emergency needs first.
ORDER = ("allergy", "treatment", "pregnancy", "condition", "vaccination", "measurement", "family_history",
         "directive", "organ_donation", "contact")
# From what age a person states it (France): advance directives are an adult's (CSP L1111-11); a refusal of organ
# donation is registered from 13 (Registre national des refus, R1232-5-1). Younger, neither is offered nor taken.
# A pregnancy: from puberty (10, the earliest first periods of the normal range).
MIN_AGE = {"directive": 18, "organ_donation": 13, "pregnancy": 10}
# Until what age a kind is offered: a pregnancy after 55 is exceptional, and its empty section would be every older
# woman's. One declared stays shown whatever the age (views/profile.py).
MAX_AGE = {"pregnancy": 55}
# For whom, by the sex the INS says: a pregnancy, for a woman.
SEX = {"pregnancy": "F"}
OLDEST = date(1900, 1, 1)  # the earliest day a form takes (and a measurement's order puts a dateless one last)


# The patient's personal declarations, hers alone to make, change or delete: a position on organ donation (a refusal
# is registered by the person themself, R1232-5-1) and advance directives (CSP L1111-11: written by the person). No
# relative states them for her, not even one who manages the dossier (or a minor's parent); a professional reads them.
PERSONAL = frozenset({"organ_donation", "directive"})
# What the patient states, not a professional: her personal declarations, and the people to call, which a relative
# who manages the dossier declares too.
PATIENTS_OWN = PERSONAL | {"contact"}
# A position, not a list: two would contradict each other in every copy and summary (the IPS, a health link).
ONE_AT_A_TIME = frozenset({"organ_donation"})


def states(code: str, *, by: str) -> bool:
    """Whether `by` (who acts, as audit.Actor.kind says it: "patient", "caregiver", "professional") adds, changes or
    deletes in its own name an item of this kind: the one answer the pages offer by and items.py refuses by."""
    if code in PERSONAL:
        return by == "patient"
    return not (by == "professional" and code in PATIENTS_OWN)


def possible(code: str, age: int, *, sex: str) -> bool:
    """Whether a patient of this age and sex may have an item of this kind at all (what profile/checks.py checks)."""
    return age >= MIN_AGE.get(code, 0) and SEX.get(code, sex) == sex


def offered(code: str, age: int, *, sex: str, by: str = "patient") -> bool:
    """Whether the profile offers a patient of this age and sex to add an item of this kind, and `by` (as `states`)
    to add it."""
    return possible(code, age, sex=sex) and age <= MAX_AGE.get(code, age) and states(code, by=by)


@dataclass(frozen=True)
class Nature:
    code: str
    heading: str  # its group's, on the profile page and in the copies: "Maladies passées"
    choice: str  # the form's answer to "Il s'agit de…"
    example: str


# What a condition is (ProfileItem.nature), in the order the profile lists them: the IPS has a section for each
# (fhir/ips.py: the problem list, the history of past illness, the history of procedures).
NATURES: dict[str, Nature] = {n.code: n for n in (
    Nature("current", N_("Problèmes de santé actuels"), N_("Un problème de santé actuel"),
           N_("Une maladie ou un trouble qui dure ou qui est suivi : asthme, diabète, allergie saisonnière")),
    Nature("past", N_("Maladies passées"), N_("Une maladie passée, guérie"),
           N_("Par exemple : une pneumonie, une anémie corrigée, une hépatite guérie")),
    Nature("procedure", N_("Interventions et actes"), N_("Une intervention ou un acte"),
           N_("Une opération, un accouchement, une extraction dentaire")),
)}

SEVERITIES = {"faible": N_("Faible"), "moderee": N_("Modérée"), "severe": N_("Sévère")}
# How allergies are listed, on the patient's profile and on a professional's card: the severe first. One whose
# severity is not known ("", the form's "Je ne sais pas") may be severe: it comes next, never after a mild one.
SEVERITY_ORDER = {"severe": 0, "": 1, "moderee": 2, "faible": 3}


@dataclass(frozen=True)
class Unit:
    """Another unit a laboratory may write a measure in: what a value in it is worth in the measure's own."""

    symbol: str  # as the report writes it: "mmol/L"
    factor: float  # a value in this unit, times this, is the value in the measure's unit
    digits: int  # the decimals the converted value keeps: those a report gives in the measure's unit
    example: float  # a usual value in this unit, as a message shows how to type one ("5,8")


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    unit: str
    low: float  # plausible bounds: a value outside is a typing error, refused
    high: float
    # A usual value, written as it is measured (mmHg in whole numbers, a glycémie in hundredths): the example a
    # message gives of how to type it (checks.py). One example for all told "72,5" of a diastolic pressure.
    example: float
    second: str = ""  # the second value's name (a blood pressure's diastolic)
    second_example: float = 0  # and a usual one of it
    # Measured by a laboratory on a sample (a glycémie), not on the patient (a weight, a blood pressure): a lab
    # result, which the IPS files under its results (fhir/ips.py) and the rule under the lab reports (item_categories).
    laboratory: bool = False
    # The other units French reports give it in, each offered in the form as a choice of its own: a value is kept in
    # `unit` alone, so that a chart never mixes two, and a glycémie of 5,5 mmol/L is never read as 5,5 g/L (both
    # within the bounds of either).
    others: tuple[Unit, ...] = ()
    # The narrowest range a chart's axis spans (charts.py): a change smaller than this, a glycémie from 0,95 to 0,85
    # g/L, both normal, is not drawn as a fall across the whole height. 0: the values' own range.
    least_span: float = 0


MEASURES: dict[str, Measure] = {m.code: m for m in (
    Measure("weight", N_("Poids"), "kg", 0.3, 400, example=72.5),
    Measure("height", N_("Taille"), "cm", 20, 250, example=172),
    Measure("blood_pressure", N_("Tension artérielle"), "mmHg", 50, 280, example=120, second="diastolique",
            second_example=80),
    # Glucose 180,16 g/mol; LDL-cholestérol 386,65 g/mol; créatinine 113,12 g/mol (1 mg/L = 8,84 µmol/L).
    # The least spans: about the width of each one's usual reference range (a fasting glycémie's 0,70 - 1,10 g/L).
    Measure("glucose", N_("Glycémie"), "g/L", 0.2, 6, example=1.05, laboratory=True,
            others=(Unit("mmol/L", 0.18016, 2, example=5.8),),
            least_span=0.5),
    # A diabetic's follow-up, each in the unit French laboratories give first.
    Measure("hba1c", N_("HbA1c"), "%", 3, 20, example=6.8,  # hémoglobine glyquée, as reports abbreviate it
            laboratory=True, least_span=2),
    Measure("ldl", N_("LDL-cholestérol"), "g/L", 0.1, 6, example=1.3, laboratory=True,
            others=(Unit("mmol/L", 0.38665, 2, example=3.4),),
            least_span=0.6),
    Measure("creatinine", N_("Créatinine"), "µmol/L", 10, 2000, example=80, laboratory=True,
            others=(Unit("mg/L", 8.84, 0, example=9),),
            least_span=40),
)}
UNIT_MARK = "@"  # the form's choice of a measure in another unit: "glucose@mmol/L"


def measure_and_unit(choice: str) -> tuple[Measure | None, Unit | None]:
    """The form's choice of measure ("glucose", or "glucose@mmol/L" for one of its other units): the measure, and the
    other unit the value is typed in (None for the measure's own); (None, None) for no measure known."""
    code, _mark, symbol = choice.partition(UNIT_MARK)
    measure = MEASURES.get(code)
    unit = next((u for u in measure.others if u.symbol == symbol), None) if measure and symbol else None
    return (None, None) if measure is None or (symbol and unit is None) else (measure, unit)


DONATION = {"donneur": N_("Favorable au don d'organes"),
            "refus": N_("Opposé au don d'organes")}  # what she states; the registry is hers to join (the form says it)


LAB_RESULTS = "biologie"  # the document category of lab reports


def item_categories(kind: str, label: str = "") -> tuple[str, ...]:
    """The document categories under which the rule places an item, its kind's own first: a grant of any of them
    covers it. A laboratory measure falls under the lab reports' too: whoever reads the biologie reads the glycémie it
    reports, as the IPS files it with the lab results; not the weight or the blood pressure, which are vital signs
    taken on the patient, and stay the synthèse's with the rest of the measurements."""
    measure = MEASURES.get(label) if kind == "measurement" else None
    return KINDS[kind].categories + ((LAB_RESULTS,) if measure is not None and measure.laboratory else ())


def kinds_in(categories: frozenset[str]) -> list[str]:
    """The kinds of item a set of document categories covers whole, in reading order."""
    return [code for code in ORDER if not categories.isdisjoint(KINDS[code].categories)]


def measures_in(categories: frozenset[str]) -> list[str]:
    """The measures a set of document categories covers (item_categories), in MEASURES' order: every one where it
    covers the measurements whole, the laboratory's alone for "biologie"."""
    return [code for code in MEASURES if not categories.isdisjoint(item_categories("measurement", code))]


def measure_names(codes: list[str]) -> str:
    """Measures in a sentence, in the request's language: "glycémie", "poids, glycémie", "HbA1c, LDL-cholestérol" (an
    abbreviation kept as it is written)."""
    return ", ".join(label if any(c.isupper() for c in label[1:]) else label[:1].lower() + label[1:]
                     for label in (_(MEASURES[c].label) for c in codes))


class Holder(Protocol):
    """Whose profile a sentence speaks of (a dossier's Band): what it may hold depends on their age and sex."""

    age: int
    sex: str


def profile_sections(categories: str, holder: Holder | None = None) -> str:
    """The sections of the profil médical these categories (codes, comma-separated) open besides their documents
    (profile/kinds.py), in the request's language and reading order: "allergies et intolérances, traitements en
    cours"; a section opened in part says which of its items: "mesures (glycémie)"; "" for none. With `holder`, only
    the sections their profile may hold (`possible`): a boy's share form listed "grossesse"."""
    chosen = frozenset(categories.split(","))
    whole, measures = kinds_in(chosen), measures_in(chosen)
    titles = []
    for kind in ORDER:
        if holder is not None and not possible(kind, holder.age, sex=holder.sex):
            continue
        title = _(KINDS[kind].title)
        title = title[:1].lower() + title[1:]
        if kind in whole:
            titles.append(title)
        elif kind == "measurement" and measures:
            titles.append(f"{title} ({measure_names(measures)})")
    return ", ".join(titles)


def profile_scope(categories: str, holder: Holder | None = None) -> str:
    """What a scope ("" for every category) opens of the profil médical, as the sentence that follows what it opens
    of the documents: a patient who gives "Ordonnance" is told it gives the allergies and treatments too."""
    if not categories:
        return _("Et tout le profil médical.")
    sections = profile_sections(categories, holder)
    return _("Et, dans le profil médical : %(sections)s.", sections=sections) if sections else _(
        "Rien du profil médical.")
