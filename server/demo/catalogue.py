"""The demo dossier's cast and its recurring documents: who writes, from where, and what comes back every year.

A `Doc` says what a document is and says; `server.demo` turns it into a file and a row.
The one-off episodes (an appendicitis, a sprained knee, palpitations...) are in `episodes`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..templating import de
from .files import Section

BORN = date(1984, 3, 12)  # Camille Martin, the demo patient

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


def fr_date(day: date) -> str:
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def euros(amount: float) -> str:
    return f"{amount:,.2f} EUR".replace(",", " ").replace(".", ",")


@dataclass(frozen=True)
class Person:
    """A professional of the demo: identity, RPPS stem, letterhead and how they sign."""

    given_name: str
    family_name: str
    profession: str  # a code of professionals.professions.PROFESSIONS
    city: str
    rpps_stem: str  # 10 digits; the Luhn key is added by identifiers.rpps_with_key
    letterhead: tuple[str, ...]
    title: str  # under the signature: "Médecin généraliste"
    doctor: bool = True
    feminine: bool = False  # her profession written in the feminine ("infirmière"), as Carnet shows it


@dataclass(frozen=True)
class Source:
    """An institution that sends documents without a named professional as author."""

    city: str
    letterhead: tuple[str, ...]
    signer: str = ""


@dataclass(frozen=True)
class Act:
    """One line of an Assurance Maladie statement: what was paid, the base, the rate, the flat fee kept."""

    label: str
    paid: float
    base: float
    rate: float = 0.70
    flat_fee: float = 2.00
    code: str = "NGAP G"  # its nomenclature and code, as the insurer's feed names it (reimbursements/layout.py)

    @property
    def refund(self) -> float:
        return round(self.base * self.rate - self.flat_fee, 2)


@dataclass(frozen=True)
class Doc:
    day: date
    category: str
    title: str
    by: str = ""  # a key of PEOPLE
    source: str = ""  # a key of SOURCES
    body: tuple[Section, ...] = ()
    picture: tuple[str, str, dict] | None = None  # ("png" or "jpeg", drawing, its parameters)
    text: str = ""  # a patient's note, stored as text/plain
    signer: str = ""  # who signs, when not the author or the source's usual signer
    hidden: bool = False
    acts: tuple[Act, ...] = field(default=(), compare=False)


PEOPLE: dict[str, Person] = {
    "bernard": Person("Claire", "Bernard", "médecin", "Lyon", "1000287643",
                      ("Dr Claire BERNARD", "Médecine générale - Conventionnée secteur 1",
                       "Cabinet médical des Pentes, 14 montée de la Grande-Côte, 69001 Lyon", "Tél. 04 78 28 41 16"),
                      "Médecin généraliste", feminine=True),
    "fontaine": Person("Léa", "Fontaine", "masseur-kinésithérapeute", "Lyon", "1000951238",
                       ("Léa FONTAINE", "Masseuse-kinésithérapeute D.E. - Rééducation du sportif",
                        "Cabinet de kinésithérapie Croix-Rousse, 8 rue d'Austerlitz, 69004 Lyon", "Tél. 04 78 39 52 07"),
                       "Masseuse-kinésithérapeute", doctor=False, feminine=True),
    "moreau": Person("Antoine", "Moreau", "cardiologue", "Villeurbanne", "1000463175",
                     ("Dr Antoine MOREAU", "Cardiologie et maladies vasculaires - Ancien chef de clinique",
                      "Cabinet de cardiologie Gratte-Ciel, 27 avenue Henri Barbusse, 69100 Villeurbanne",
                      "Tél. 04 72 65 18 40"),
                     "Cardiologue"),
    "petit": Person("Julien", "Petit", "pharmacien", "Lyon", "1000719452",
                    ("Pharmacie de la Croix-Rousse", "Julien PETIT, docteur en pharmacie",
                     "112 boulevard de la Croix-Rousse, 69004 Lyon", "Tél. 04 78 28 90 33"),
                    "Pharmacien titulaire", doctor=False),
    "girard": Person("Marc", "Girard", "radiologue", "Lyon", "1000538621",
                     ("Centre d'imagerie médicale Bellecour", "Radiologie - Échographie - Scanner - IRM",
                      "3 place Antonin Poncet, 69002 Lyon", "Dr Marc GIRARD, radiologue"),
                     "Radiologue"),
    "laurent": Person("Sophie", "Laurent", "médecin", "Lyon", "1000394716",
                      ("Dr Sophie LAURENT", "Gynécologie médicale", "45 cours Gambetta, 69003 Lyon",
                       "Tél. 04 78 60 21 85"),
                      "Gynécologue médicale", feminine=True),
    "robert": Person("Thomas", "Robert", "chirurgien-dentiste", "Lyon", "1000825349",
                     ("Dr Thomas ROBERT", "Chirurgien-dentiste - Omnipratique",
                      "Cabinet dentaire Saxe-Gambetta, 62 avenue Maréchal de Saxe, 69003 Lyon", "Tél. 04 78 62 14 09"),
                     "Chirurgien-dentiste"),
    "roux": Person("Hélène", "Roux", "sage-femme", "Lyon", "1000672584",
                   ("Hélène ROUX", "Sage-femme libérale - Suivi gynécologique et contraception",
                    "5 rue Dumenge, 69004 Lyon", "Tél. 06 71 24 58 13"),
                   "Sage-femme", doctor=False, feminine=True),
    "garnier": Person("Nathalie", "Garnier", "infirmier", "Lyon", "1000146927",
                      ("Nathalie GARNIER", "Infirmière diplômée d'État",
                       "Cabinet infirmier du Plateau, 21 rue Hénon, 69004 Lyon", "Tél. 06 12 48 77 30"),
                      "Infirmière D.E.", doctor=False, feminine=True),
    "dubois": Person("Nicolas", "Dubois", "médecin", "Lyon", "1000253861",
                     ("Dr Nicolas DUBOIS", "Psychiatrie de l'adulte", "10 quai Saint-Vincent, 69001 Lyon",
                      "Tél. 04 78 27 63 50"),
                     "Psychiatre"),
}

LAB = "Laboratoire Biomnis Lyon"
HOSPITAL = "Hôpital Édouard Herriot, Lyon"
CPAM = "Assurance Maladie"
SOURCES: dict[str, Source] = {
    LAB: Source("Lyon", (LAB, "Laboratoire de biologie médicale multisite", "17/19 avenue Tony Garnier, 69007 Lyon",
                         "Biologiste responsable : Dr Isabelle Faure"),
                "Dr Isabelle Faure\nBiologiste médicale\nCompte rendu validé électroniquement"),
    HOSPITAL: Source("Lyon", ("Hospices Civils de Lyon - Hôpital Édouard Herriot",
                              "Service de chirurgie digestive et endocrinienne",
                              "5 place d'Arsonval, 69003 Lyon", "Pavillon V - secrétariat de chirurgie")),
    CPAM: Source("Lyon", ("Assurance Maladie - CPAM du Rhône", "Relevé de vos remboursements de soins",
                          "69907 Lyon Cedex 20 - ameli.fr")),
}

ACTS = {
    "G": Act("Consultation médecin généraliste", 30.00, 30.00, code="NGAP G"),
    "gyneco": Act("Consultation gynécologie médicale", 60.00, 30.00, code="NGAP CS"),
    "sf": Act("Consultation sage-femme", 30.00, 30.00, flat_fee=0.0, code="NGAP C"),
    "cardio": Act("Consultation cardiologue avec ECG", 65.00, 51.70, code="CCAM DEQP003"),
    "holter": Act("Holter ECG des 24 heures", 78.47, 78.47, code="CCAM DEQP005"),
    "ett": Act("Échocardiographie transthoracique", 95.66, 95.66, code="CCAM DZQM006"),
    "bio": Act("Analyses de biologie médicale", 38.61, 38.61, rate=0.60, code="NABM 1104"),
    "radio": Act("Radiographie du genou", 39.90, 39.90, code="CCAM NGQK001"),
    "irm": Act("IRM du genou et forfait technique", 204.84, 204.84, code="CCAM NZQN001"),
    "kine": Act("15 séances de kinésithérapie", 241.95, 241.95, rate=0.60, flat_fee=0.0, code="NGAP AMK"),
    "dent": Act("Extraction d'une dent de sagesse", 83.60, 83.60, code="CCAM HBGD065"),
    "infirmier": Act("Soins infirmiers (4 pansements)", 43.20, 43.20, rate=0.60, flat_fee=0.0, code="NGAP AMI"),
    "pilule": Act("Pharmacie : contraceptif oral (3 boîtes)", 8.73, 8.73, rate=0.65, flat_fee=0.0, code="CIP13 3400930000014"),
    "pharmacie": Act("Pharmacie : médicaments", 12.40, 12.40, rate=0.65, flat_fee=0.0, code="CIP13 3400936403116"),
}


def ago(today: date, *, years: float = 0, days: int = 0) -> date:
    return today - timedelta(days=round(years * 365.25) + days)


def yearly(today: date, month: int, day: int) -> Iterator[date]:
    """That day of the year, every year of the ten years that end today."""
    start = ago(today, years=10)
    for year in range(today.year - 10, today.year + 1):
        when = date(year, month, day)
        if start < when <= today:
            yield when


def age(day: date, born: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# --- what comes back every year ------------------------------------------------------------


def annual_checkups(today: date, rng: random.Random, anemia_year: int) -> Iterator[Doc]:
    """A yearly blood test ordered by the médecin traitant; one year, iron is low."""
    def val(lo: float, hi: float, digits: int = 2) -> str:
        return f"{rng.uniform(lo, hi):.{digits}f}".replace(".", ",")

    for when in yearly(today, 11, 6):
        low = when.year == anemia_year
        head = ["Analyse", "Résultat", "Unité", "Valeurs de référence"]
        widths = (70, 30, 26, 48)
        # The year in the title, as the flu shots' season: the log names a document by its title alone, and "a consulté
        # « Bilan sanguin annuel »" a month before this year's read as a read of a document not yet there.
        yield Doc(when, "biologie", f"Bilan sanguin annuel {when.year}", source=LAB, acts=(ACTS["bio"],), body=(
            f"Prélèvement du {dmy(when)} à 8 h 05, à jeun. Prescripteur : Dr Claire Bernard.",
            ("Hématologie - numération formule sanguine", [head,
                ["Hémoglobine", "11,2 *" if low else val(12.4, 13.8, 1), "g/dL", "12,0 - 16,0"],
                ["Volume globulaire moyen", "78 *" if low else val(84, 92, 0), "fL", "80 - 100"],
                ["Leucocytes", val(4.8, 7.9, 1), "G/L", "4,0 - 10,0"],
                ["Plaquettes", val(205, 320, 0), "G/L", "150 - 400"]], widths),
            ("Biochimie", [head,
                ["Ferritine", "9 *" if low else val(32, 85, 0), "µg/L", "15 - 150"],
                ["Glycémie à jeun", val(0.82, 0.95), "g/L", "0,70 - 1,10"],
                ["Hémoglobine glyquée (HbA1c)", val(5.0, 5.5, 1), "%", "4,0 - 6,0"],
                ["Cholestérol total", val(1.78, 1.98), "g/L", "< 2,00"],  # within it: the report says no anomaly
                ["HDL-cholestérol", val(0.58, 0.76), "g/L", "> 0,40"],
                ["LDL-cholestérol (calculé)", val(1.02, 1.28), "g/L", "< 1,60"],
                ["Triglycérides", val(0.62, 1.05), "g/L", "< 1,50"]], widths),
            ("Hormonologie", [head, ["TSH ultrasensible", val(1.1, 2.6), "mUI/L", "0,27 - 4,20"]], widths),
            "* Résultat hors des valeurs de référence. " + (
                "Anémie microcytaire avec ferritine basse : carence martiale probable, résultat transmis au prescripteur."
                if low else "Bilan sans anomalie."),
        ))


def flu_shots(today: date) -> Iterator[Doc]:
    """The seasonal flu shot: at the nurse's first, then at the pharmacy once pharmacists could vaccinate."""
    vaccines = ["Vaxigrip Tetra", "Influvac Tetra"]
    for when in yearly(today, 10, 21):
        pharmacy = when.year >= today.year - 6
        who = "petit" if pharmacy else "garnier"
        season = f"{when.year}-{when.year + 1}"
        vaccine = vaccines[when.year % 2]
        yield Doc(when, "vaccination", f"Vaccination antigrippale saisonnière {season}", by=who, body=(
            ("Vaccin", f"{vaccine} (vaccin grippal quadrivalent inactivé), suspension injectable en seringue préremplie, "
                       f"0,5 mL. Lot {'V' if vaccine[0] == 'V' else 'I'}{when.year % 100}{when.month:02d}A{when.day}."),
            ("Administration", f"Injection intramusculaire dans le deltoïde gauche le {dmy(when)}. "
                               "Surveillance 15 minutes sans réaction immédiate."),
            ("Remarques", f"Campagne de vaccination {season}. Pas d'antécédent d'allergie à l'œuf ni de réaction "
                          "lors des injections précédentes. Prochaine injection conseillée à l'automne prochain."),
        ))


def contraception(today: date) -> Iterator[Doc]:
    """The yearly renewal of the pill, by a gynaecologist, then by a midwife."""
    for when in yearly(today, 4, 9):
        midwife = when.year >= today.year - 5
        who = "roux" if midwife else "laurent"
        yield Doc(when, "ordonnance", "Ordonnance - renouvellement de contraception", by=who,
                  acts=(ACTS["sf" if midwife else "gyneco"], ACTS["pilule"]), body=(
            "Lévonorgestrel 0,10 mg / éthinylestradiol 0,02 mg (Leeloo), comprimé : 1 comprimé par jour en continu "
            "pendant 21 jours, puis 7 jours d'arrêt.",
            "Quantité : 3 plaquettes. Renouvelable 3 fois (soit un an de traitement).",
            ("Conseils", "En cas d'oubli de plus de 12 heures, prendre le comprimé oublié, poursuivre la plaquette "
                         "et utiliser des préservatifs pendant 7 jours. Tension artérielle contrôlée ce jour : normale."),
        ))


def statements(today: date, docs: list[Doc]) -> Iterator[Doc]:
    """An Assurance Maladie statement for every month with reimbursed care, sent early the next month."""
    by_month: dict[tuple[int, int], list[tuple[date, Act]]] = {}
    for d in docs:
        for act in d.acts:
            by_month.setdefault((d.day.year, d.day.month), []).append((d.day, act))
    start = ago(today, years=10)
    for (year, month), lines in sorted(by_month.items()):
        sent = date(year + month // 12, month % 12 + 1, 6)
        if not start < sent <= today:
            continue
        lines.sort(key=lambda line: line[0])
        rows = [["Date des soins", "Soins", "Vous avez payé", "Remboursé"]]
        rows += [[dmy(day), act.label, euros(act.paid), euros(act.refund)] for day, act in lines]
        rows.append(["", "Total versé", "", euros(sum(act.refund for _, act in lines))])
        fees = sum(act.flat_fee for _, act in lines)
        yield Doc(sent, "remboursement", f"Relevé de remboursements - {MONTHS[month - 1]} {year}", source=CPAM, body=(
            f"Madame, voici le détail des remboursements effectués pour vos soins {de(MONTHS[month - 1])} {year}. "
            "Les montants ont été versés sur votre compte bancaire ; votre complémentaire santé a été informée.",
            ("Détail des remboursements", rows, (28, 80, 34, 32)),
            ("Participation forfaitaire", f"{euros(fees)} ont été déduits au titre de la participation forfaitaire "
                                          "(consultations, actes de biologie et de radiologie)." if fees else
             "Aucune participation forfaitaire n'a été déduite ce mois-ci."),
            "Ce relevé est à conserver. Retrouvez tous vos remboursements dans votre compte ameli.",
        ))
