"""The kinds of item a profil médical holds: their French names, the fields each uses, and the document
category under which the rule places each kind (a grant by category covers the items of that category)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    title: str  # the section's heading
    one: str  # one item, in a sentence: "l'allergie « Pénicilline »"
    category: str  # a document category (models.CATEGORIES): what a grant must cover for a professional to see it
    label: str  # what the main field is called in the form
    fields: tuple[str, ...]  # the other fields the form asks for


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("allergy", "Allergies et intolérances", "l'allergie", "synthese", "Substance", ("detail", "severity")),
    Kind("treatment", "Traitements en cours", "le traitement", "ordonnance", "Médicament",
         ("detail", "started_on", "prescriber")),
    Kind("condition", "Antécédents médicaux et chirurgicaux", "l'antécédent", "synthese", "Maladie ou intervention",
         ("started_on", "detail")),
    Kind("family_history", "Antécédents familiaux", "l'antécédent familial", "synthese", "Maladie", ("detail",)),
    Kind("vaccination", "Vaccinations", "la vaccination", "vaccination", "Vaccin", ("started_on", "lot")),
    Kind("measurement", "Mesures", "la mesure", "synthese", "Mesure", ("value", "value2", "started_on")),
    Kind("directive", "Directives anticipées", "les directives anticipées", "synthese", "Intitulé", ("detail",)),
    Kind("organ_donation", "Don d'organes", "la position sur le don d'organes", "synthese", "Position", ("detail",)),
    Kind("contact", "Personnes à prévenir", "la personne à prévenir", "synthese", "Nom", ("detail", "phone")),
)}
# The order a professional reads them in: what an emergency needs first.
ORDER = ("allergy", "treatment", "condition", "vaccination", "measurement", "family_history", "directive",
         "organ_donation", "contact")
SEVERITIES = {"faible": "Faible", "moderee": "Modérée", "severe": "Sévère"}


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    unit: str
    low: float  # plausible bounds: a value outside is a typing error, refused
    high: float
    second: str = ""  # the second value's name (a blood pressure's diastolic)


MEASURES: dict[str, Measure] = {m.code: m for m in (
    Measure("weight", "Poids", "kg", 0.3, 400),
    Measure("height", "Taille", "cm", 20, 250),
    Measure("blood_pressure", "Tension artérielle", "mmHg", 50, 280, second="diastolique"),
    Measure("glucose", "Glycémie", "g/L", 0.2, 6),
)}
DONATION = {"donneur": "Favorable au don d'organes",
            "refus": "Opposé au don d'organes (inscrit au registre national des refus)"}


def kinds_in(categories: frozenset[str]) -> list[str]:
    """The kinds of item a set of document categories covers."""
    return [k.code for k in KINDS.values() if k.category in categories]
