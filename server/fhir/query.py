"""ITI-67's search parameters, read and checked before anything is asked of the database.

FHIR R4 (search.html#date): a date parameter "can be used to search ... with the precision given", and
its value is "an implicit range": `2026` is the whole year, `2026-03` the month, `2026-03-14` the day.
A prefix compares that range with the document's date: `eq` within it, `ge` from its start, `le`
until its end, `gt` after it, `lt` before it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from ..identifiers import is_valid_ins, normalize_ins
from ..models import CATEGORIES, Document
from ..templating import PARIS
from .errors import FhirError
from .categories import CATEGORIES_OF_CLASS, CATEGORY_SYSTEM, CLASS_SYSTEMS, LOINC_SYSTEMS, categories_of, category_of
from .resources import CURRENT, IDNAT_PS_SYSTEM, INS_SYSTEM, SUPERSEDED, WITHDRAWN, split_token

MAX_COUNT = 100
MAX_PAGE = 10_000  # past it, a search is refined (by date, by category), not paged through
# What ITI-67 reads (the CapabilityStatement declares them): with `Prefer: handling=strict`, any other is refused.
SEARCH_PARAMS = [
    ("patient", "reference", "Le patient, par l'identifiant opaque qu'écrit le lien next d'une recherche par INS ; "
                             "un seul par recherche."),
    ("patient.identifier", "token", "Le patient par son INS (urn:oid:1.2.250.1.213.1.4.8|INS), "
                                    "dans le corps d'un POST sur DocumentReference/_search seulement ; un seul."),
    ("category", "token", "La catégorie Carnet (urn:carnet:fhir:categorie-document|code), son type LOINC, ou la "
                          f"classe du document ({CLASS_SYSTEMS[0]}|code, TRE_A03-ClasseDocument) : les documents "
                          "de chaque catégorie qu'elle couvre (10, Compte rendu : comptes rendus, biologie, "
                          "imagerie…). Plusieurs, séparées par des virgules : l'une ou l'autre."),
    ("type", "token", "Le type LOINC du document ; plusieurs, séparés par des virgules : l'un ou l'autre."),
    ("date", "date", "Quand le document a été reçu : une année, un mois ou un jour (préfixes ge, le, gt, lt, "
                     "eq)."),
    ("period", "date", "La date de l'acte : une année, un mois ou un jour (préfixes ge, le, gt, lt, eq)."),
    ("status", "token", "current, superseded (remplacé par une version plus récente, relatesTo) ou entered-in-error "
                        "(retiré par son auteur : sans contenu)."),
    ("author.identifier", "token", "L'auteur, par son identifiant national (8 + RPPS) ; plusieurs, séparés par des "
                                   "virgules : l'un ou l'autre."),
    ("_count", "number", "Documents par page (100 au plus) ; 0 : le nombre total seulement."),
    ("_after", "string", "La page qui suit ce document : ce que le lien next écrit (les documents ajoutés entre-temps "
                         "ne décalent pas les pages)."),
    ("_page", "number", "La page, comptée de 1 : ce qu'écrivaient les liens next avant _after, toujours lu."),
    ("_total", "token", "accurate (ou estimate) : le nombre de documents trouvés, à chaque page ; none par défaut."),
]
KNOWN = {name for name, _type, _doc in SEARCH_PARAMS} | {"_format"}
WHOLE = re.compile(r"[0-9]{1,9}")
DEFAULT_COUNT = 20


@dataclass(frozen=True)
class Query:
    """A search's parameters, read and checked; `echo` is what the `self` and `next` links repeat."""

    patient_id: str
    category: str  # one category; "" for any, or a class covering several (a clause of `created`); "-" for none
    statuses: frozenset[str]
    created: list[ColumnElement[bool]]
    author_rpps: tuple[str, ...] | None  # any of these authors; None: anyone
    count: int
    page: int
    echo: list[tuple[str, str]]
    total: bool = False  # `_total=accurate` (or `estimate`): the bundle says how many match, at a count's cost
    after: str = ""  # `_after`: the id of the document a page starts after (what `next` links carry)
    notes: tuple[str, ...] = ()  # what the searchset says of the search itself (an entry of search mode "outcome")


def _values(value: str) -> list[str]:
    """A parameter's values, FHIR's OR (`a,b`); a comma escaped (`\\,`) is part of its value. 20 at most."""
    parts = [part.replace("\\,", ",") for part in re.split(r"(?<!\\),", value)]
    return [part for part in parts if part][:20]


def _rpps(system: str | None, value: str) -> str:
    """An author's RPPS, from an identifier: its IDNAT_PS form ("8" and the RPPS, 12 digits) or the RPPS alone."""
    return value[1:] if system in (None, IDNAT_PS_SYSTEM) and value.startswith("8") and len(value) == 12 else value


def type_clause(system: str | None, code: str) -> ColumnElement[bool]:
    """Documents of this type: as the sending software coded it (0029), or, for a document that came without one,
    through its category's LOINC type. A document sent as "34117-2" is not found as its category's "11488-4". LOINC
    is one system under each of its names (its URL, its OID, the ANS's copy), as filing reads it."""
    sent = col(Document.type_code) == code  # exact, as a token is compared (FHIR codes are case-sensitive)
    if system in LOINC_SYSTEMS:
        sent = and_(sent, col(Document.type_system).in_(LOINC_SYSTEMS))
    elif system is not None:
        sent = and_(sent, col(Document.type_system) == system)
    category = category_of(system, code)
    return or_(sent, and_(col(Document.type_code) == "", col(Document.category) == category)) if category else sent


PREFIXES = ("eq", "ge", "le", "gt", "lt")
# A year, a month, a day, or a dateTime (searched by its day), in ASCII digits: `date.fromisoformat` alone would
# also read "20260314" and "2026-W11-6", which are no FHIR dates.
DATE = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2})(?P<time>T.+)?)?)?")
# A day's bounds in Paris, and in UTC for the database, exist for these days only: the calendar ends a day later.
FIRST_DAY, LAST_DAY = date(1, 1, 2), date(9999, 12, 30)
MAX_DATES = 2  # a range: FHIR's "date=ge…&date=lt…"


def _range(value: str) -> tuple[str, date, date]:
    """A date parameter's prefix and the days its value covers, first and last."""
    prefix = value[:2] if value[:2] in PREFIXES else "eq"
    text = value[2:] if value[:2] in PREFIXES else value
    match = DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        if match["time"]:
            datetime.fromisoformat(text)  # a dateTime is searched by its day; anything else after the day is not a date
        year = int(match["year"])
        if match["day"]:
            first = last = date(year, int(match["month"]), int(match["day"]))
        elif match["month"]:
            first = date(year, int(match["month"]), 1)
            last = first.replace(day=calendar.monthrange(year, first.month)[1])
        else:
            first, last = date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        raise FhirError(400, f"Date de recherche invalide : «\u00a0{value[:40]}\u00a0». Formes acceptées : une "
                             "année (AAAA), un mois (AAAA-MM), un jour (AAAA-MM-JJ) ou un instant "
                             "(AAAA-MM-JJThh:mm:ss+01:00, cherché par son jour), précédés ou non d'un préfixe eq, ge, "
                             "le, gt ou lt (par exemple ge2026-03).") from None
    if not (FIRST_DAY <= first and last <= LAST_DAY):
        raise FhirError(400, f"Date de recherche hors limites : «\u00a0{value[:40]}\u00a0» (entre "
                             f"{FIRST_DAY.isoformat()} et {LAST_DAY.isoformat()}).")
    return prefix, first, last


def _between(column, prefix: str, first: date, last: date, *, instant: bool) -> ColumnElement[bool]:
    """A FHIR date comparison with the days from `first` to `last`: on an instant column, those days are Paris's."""
    start, end = first, last + timedelta(days=1)
    if instant:
        start, end = (datetime.combine(d, time(0), tzinfo=PARIS) for d in (start, end))
    return {"eq": (column >= start) & (column < end), "ge": column >= start, "le": column < end,
            "gt": column >= end, "lt": column < start}[prefix]


def one_patient(params: dict[str, list[str]]) -> None:
    """FHIR reads a repeated parameter as "and": two patients' documents in one answer is no search Carnet makes, and
    the first value alone would not be what was asked."""
    if len(params.get("patient", []) + params.get("patient.identifier", [])) > 1:
        raise FhirError(400, "Une recherche porte sur un seul patient : indiquez patient ou patient.identifier une "
                             "seule fois.")


def ins_of(params: dict[str, list[str]]) -> str | None:
    """The INS a POST search names the patient by (`patient.identifier`), or None when it names them otherwise."""
    one_patient(params)
    if "patient.identifier" not in params:
        return None
    system, ins = split_token(params["patient.identifier"][0])
    if system not in (None, INS_SYSTEM) or not is_valid_ins(ins):
        raise FhirError(400, f"patient.identifier doit être {INS_SYSTEM}|<INS>, avec un INS valide.")
    return normalize_ins(ins)


def read_query(params: dict[str, list[str]], *, patient_id: str | None = None, strict: bool = False) -> Query:
    """ITI-67's parameters. The patient is an opaque id (`patient`), or, from a POST body only, an INS
    (`patient.identifier`) that the caller resolves first: an INS never travels in an address. `strict`: the caller
    sent `Prefer: handling=strict` (FHIR R4B search.html#errors): a parameter not read is refused, not ignored."""
    def first(name: str) -> str:
        return (params.get(name) or [""])[0][:200]

    unknown = sorted(set(params) - KNOWN)
    if strict and unknown:
        raise FhirError(400, f"Paramètre de recherche inconnu : {', '.join(name[:40] for name in unknown[:5])} "
                             "(Prefer: handling=strict).")

    one_patient(params)
    echo: list[tuple[str, str]] = []
    patient = patient_id or first("patient").removeprefix("Patient/")
    if not patient:
        raise FhirError(400, "Indiquez le patient : patient=<identifiant> en GET, ou patient.identifier="
                             "urn:oid:1.2.250.1.213.1.4.8|<INS> dans le corps d'un POST sur DocumentReference/_search.")
    created: list[ColumnElement[bool]] = []  # the date, type and other clauses
    category = ""
    notes: list[str] = []
    # A comma between values of one parameter is FHIR's OR (search.html, "Composite"… "OR": `a,b`): each value read
    # alone, what they find together. Read as one value, `biologie,imagerie` found nothing, said to be no category
    # (an outside probe's find); `status` already read so.
    if first("category"):
        echo.append(("category", first("category")))
        categories: list[str] = []
        for value in _values(first("category")):
            found = categories_of(*split_token(value))
            categories += [c for c in found if c not in categories]
            if not found:
                # FHIR R4B search.html#errors: an unknown code is "a logical condition", not a syntax error; the
                # server "SHOULD process the search", which finds nothing of it, and MAY say why in the searchset: it
                # does (a class under its URL whole: 87 characters).
                classes = ", ".join(code for code, covered in CATEGORIES_OF_CLASS.items() if covered)
                notes.append(f"Catégorie inconnue : «\u00a0{value[:100]}\u00a0» ne désigne aucune "
                             "catégorie Carnet, aucun document ne peut y correspondre. Catégories : "
                             f"{', '.join(CATEGORIES)} (système {CATEGORY_SYSTEM}), leur type LOINC, ou une classe de "
                             f"document (système {CLASS_SYSTEMS[0]}, codes {classes}).")
        if not _values(first("category")):  # "," or ",,": no value at all, said as an unknown one is
            notes.append("Catégorie sans valeur : aucun document ne peut y correspondre.")
        if len(categories) == 1:
            category = categories[0]
        elif categories:  # a CI-SIS class, or several values: what the reader sees (listing.selection) of each
            created.append(col(Document.category).in_(categories))
        else:
            category = "-"
    if first("type"):
        created.append(or_(*(type_clause(*split_token(value)) for value in _values(first("type")))))
        echo.append(("type", first("type")))
    statuses = frozenset(s for value in params.get("status", []) for s in value.split(",") if s)
    if statuses - {CURRENT, WITHDRAWN, SUPERSEDED}:
        raise FhirError(400, "Statut de recherche inconnu : current, superseded ou entered-in-error.")
    if statuses:
        echo.append(("status", ",".join(sorted(statuses))))
    for name, column, instant in (("date", col(Document.created_at), True), ("period", col(Document.event_date), False)):
        if len(params.get(name, [])) > MAX_DATES:
            raise FhirError(400, f"Le paramètre {name} est répété plus de {MAX_DATES} fois : une recherche prend une "
                                 f"date, ou un intervalle (par exemple {name}=ge2026-01-01&{name}=lt2026-02-01).")
        for value in params.get(name, []):
            prefix, first_day, last_day = _range(value)
            created.append(_between(column, prefix, first_day, last_day, instant=instant))
            echo.append((name, value[:40]))
    author = first("author.identifier")
    author_rpps: tuple[str, ...] | None = None
    if author:
        author_rpps = tuple(_rpps(*split_token(value)) for value in _values(author))
        echo.append(("author.identifier", author))
    # ASCII digits only: int() would also read "٣", " 3", "+3" and "1_0"; and no sign: -1 is no count either.
    if not WHOLE.fullmatch(first("_count") or "0"):
        raise FhirError(400, f"_count est un nombre entier de 0 à {MAX_COUNT} : le nombre de documents par page "
                             "(0 : le nombre total seulement).")
    if not WHOLE.fullmatch(first("_page") or "1"):
        raise FhirError(400, f"_page est un nombre entier de 1 à {MAX_PAGE} : la page, comptée de 1.")
    count = min(int(first("_count") or DEFAULT_COUNT), MAX_COUNT)  # 0: "the total only", no entries (search.html)
    page = max(int(first("_page") or 1), 1)
    if page > MAX_PAGE:
        raise FhirError(400, "Page de résultats trop lointaine : affinez la recherche (date, catégorie).")
    total = first("_total")
    if total not in ("", "none", "estimate", "accurate"):
        raise FhirError(400, "_total vaut none, estimate ou accurate (le nombre exact, compté à chaque page).")
    if total:
        echo.append(("_total", total))
    after = first("_after")
    if after and (len(after) > 64 or not after.isascii() or not after.isalnum()):
        raise FhirError(400, "_after est l'identifiant d'un document, tel que le lien next l'écrit.")
    return Query(patient, category, statuses, created, author_rpps, count, page, echo, total in ("estimate", "accurate"),
                 after, tuple(notes))
