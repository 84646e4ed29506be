"""The layout of a reimbursement file, and reading one strictly.

A file is UTF-8 text, one line of reimbursed care per row, fields separated by ";", with this header
first. It is modelled on the national claims data (SNDS, table of prestations ER_PRS_F); the SNDS
variable each column stands for is in brackets:

| column | content |
| --- | --- |
| `ins` | the patient's INS: NIR and key, 15 characters (matched to a dossier) |
| `id_ligne` | the insurer's id of the line, unique and stable: loading it again changes nothing |
| `date_soins` | date of care, YYYY-MM-DD [EXE_SOI_DTD] |
| `date_traitement` | date the insurer processed the line [FLX_TRT_DTD]: a later one replaces (a correction) |
| `nomenclature` | CCAM (technical acts), NGAP (consultations, nursing, physiotherapy), CIP13 (medicines), LPP (devices), NABM (biology) |
| `code` | the act's or product's code in that nomenclature [PRS_NAT_REF, CAM_PRS_IDE, PHA_PRS_C13] |
| `libelle` | what it is, in words |
| `executant` | who performed or dispensed it (name, or the pharmacy, lab) [PFS_EXE_NUM] |
| `rpps_executant` | their RPPS, when a person (may be empty) |
| `prescripteur` | who prescribed it (may be empty) [PFS_PRE_NUM] |
| `quantite` | how many [PRS_ACT_QTE] |
| `depense` | what was paid, in euros: "30,00" or "30.00" [PRS_PAI_MNT] |
| `base` | the reimbursement base [BSE_REM_BSE] |
| `rembourse` | what the Assurance Maladie paid back [BSE_REM_MNT] |
| `annulation` | optional last column: `oui` cancels the line (below); empty or `non` otherwise |

A row is one line of the file: a field may be quoted (…;"Ecran 15"" pouces";…), but never spans lines.
A file with any malformed or implausible line (care in the future or before the birth its INS says, more paid
back than spent or than the base, a negative amount, an amount no care of its nomenclature costs: PLAUSIBLE_UNIT)
is refused whole, every problem said with its line number (the first MAX_PROBLEMS, and how many more), so a file
is never half loaded.

A correction is the line sent again, same `id_ligne` and INS, with a later `date_traitement`: it replaces the
line. A cancellation (the annulation of a décompte: care paid in error, a line sent for the wrong patient) is the
line sent again the same way with `annulation` = `oui`: Carnet deletes the line from the dossier, and from what
waits for one. The SNDS writes a cancellation as a line of opposite sign, to be added up with the first; Carnet
keeps one version of each line, so here it is the line itself, marked, and amounts are never negative. Its other
fields are read as any line's. Carnet remembers that the line was cancelled: a version processed no later than
the cancellation (a file sent again) is ignored; only a version processed after it brings the line back.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from stdnum import ean

from ..identifiers import earliest_birth, is_valid_ins, is_valid_rpps, normalize_ins
from ..text_input import clean

COLUMNS = ("ins", "id_ligne", "date_soins", "date_traitement", "nomenclature", "code", "libelle", "executant",
           "rpps_executant", "prescripteur", "quantite", "depense", "base", "rembourse")
CODES = {  # what a code of each nomenclature looks like
    "CCAM": re.compile(r"[A-Z]{4}[0-9]{3}"),
    "NGAP": re.compile(r"[A-Z]{1,5}[0-9]{0,3}"),
    "CIP13": re.compile(r"34009[0-9]{8}"),
    "LPP": re.compile(r"[0-9]{7}"),
    "NABM": re.compile(r"[0-9]{4}"),
}
AMOUNT = re.compile(r"(?P<euros>[0-9]{1,7})(?:[.,](?P<cents>[0-9]{1,2}))?")
# The most a unit of care of each nomenclature can cost (what was paid, and the base), in cents: a line beyond is an
# error of the sending system (a field shifted, an amount typed in cents), which the patient would read as her care.
# Set far above the dearest real care, since one line refused stops the whole file: the dearest NGAP unit is an
# orthodontic semester (about 1 500 € with excess fees; a consultation or a nursing act costs tens of euros); a
# biology act (NABM) a few hundred euros; a technical act (CCAM), surgery included, a few thousand with excess fees;
# a device (LPP) tens of thousands (a cochlear implant, an electric wheelchair); a box of medicine (CIP13) a few
# hundred thousand (an orphan medicine). Without the insurer's tariffs per code, no tighter bound is safe.
PLAUSIBLE_UNIT = {"NGAP": 5_000_00, "NABM": 5_000_00, "CCAM": 50_000_00, "LPP": 200_000_00, "CIP13": 1_000_000_00}
CANCEL = "annulation"  # the optional last column
MAX_PROBLEMS = 50  # problems said one by one; beyond, how many more
MAX_LINES = 1_000_000
MAX_BYTES = 200 * 1024 * 1024
MAX_LABEL = 200  # characters of a libellé, an exécutant, a prescripteur
# A line's characters: three texts of MAX_LABEL, each maybe quoted with every quote doubled and in decomposed
# accents, and the rest, with room to spare. Far below the csv module's field limit (131,072), so a quote
# never closed or an endless field is said on its line rather than read into the rest of the file.
MAX_LINE_CHARS = 4000
# "Today" for a date of care is the latest date in France where the Assurance Maladie pays care: La Réunion's
# (UTC+4, no summer time), two or three hours ahead of Paris. So today in Paris is always accepted, and so is
# care given at 1 a.m. in Saint-Denis, when Paris still has the day before.
EASTERNMOST = ZoneInfo("Indian/Reunion")


class LayoutError(ValueError):
    """The file does not follow the layout: the first MAX_PROBLEMS problems found, in French, each with its line
    number, and how many more there are (`more`)."""

    def __init__(self, problems: list[str], more: int = 0) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.more = more

    @property
    def headline(self) -> str:
        """What the answer says first: nothing loaded, and how many problems."""
        total = len(self.problems) + self.more
        counted = "1 problème" if total == 1 else f"{total} problèmes"
        if self.more:
            counted += f", dont les {len(self.problems)} premiers sont détaillés"
        return f"Fichier refusé, rien n'a été chargé : {counted}."

    @property
    def said(self) -> list[str]:
        """The problems one by one, then how many more: "… et 10 autres lignes refusées."."""
        if not self.more:
            return self.problems
        more = "1 autre ligne refusée" if self.more == 1 else f"{self.more} autres lignes refusées"
        return [*self.problems, f"… et {more}."]


@dataclass(frozen=True)
class Line:
    number: int  # in the file, the header being line 1
    ins: str
    line_ref: str
    care_date: date
    processed_on: date
    code_system: str
    code: str
    label: str
    performer: str
    performer_rpps: str
    prescriber: str
    quantity: int
    spent_cents: int
    base_cents: int
    reimbursed_cents: int
    cancelled: bool = False  # `annulation` = `oui`: the line is to be deleted


def latest_care_day(now: datetime) -> date:
    """The latest plausible date of care at `now`: today where it is latest in France (EASTERNMOST)."""
    return now.astimezone(EASTERNMOST).date()


def read(data: bytes, *, today: date | None = None) -> list[Line]:
    """Every line of a reimbursement file, or LayoutError saying what is wrong (first MAX_PROBLEMS problems, and how
    many more: the file is read to its end to count them).

    `today` is the latest date of care accepted, latest_care_day(now) unless given."""
    latest = today or latest_care_day(datetime.now(UTC))
    if len(data) > MAX_BYTES:
        raise LayoutError([f"Le fichier dépasse {MAX_BYTES // (1024 * 1024)} Mo : découpez-le."])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LayoutError(["Le fichier n'est pas en UTF-8."]) from None
    # Lines as the csv module ends them (\n, \r\n, \r), not str.splitlines, which also ends one at U+2028.
    raw_lines = io.StringIO(text, newline="")
    try:
        header = tuple(h.strip().lower() for h in _fields(next(raw_lines, "")))
    except ValueError:
        header = ()
    if header not in (COLUMNS, (*COLUMNS, CANCEL)):
        raise LayoutError([f"Ligne 1 : l'en-tête doit être «\u00a0{';'.join(COLUMNS)}\u00a0», suivi ou non de "
                           f"«\u00a0;{CANCEL}\u00a0»."])
    lines: list[Line] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(raw_lines, start=2):
        try:
            row = _fields(raw)
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            if len(lines) + len(problems) >= MAX_LINES:
                problems.append(f"Le fichier dépasse {_thousands(MAX_LINES)} lignes : découpez-le.")
                break
            line = _line(number, row, header, latest=latest)
        except ValueError as error:
            problems.append(f"Ligne {number} : {error}")
        else:
            if line.line_ref in seen:
                problems.append(f"Ligne {number} : l'identifiant {line.line_ref} figure déjà ligne {seen[line.line_ref]}.")
            seen[line.line_ref] = number
            lines.append(line)
    if problems:
        raise LayoutError(problems[:MAX_PROBLEMS], more=max(0, len(problems) - MAX_PROBLEMS))
    return lines


def _fields(raw: str) -> list[str]:
    """The fields of one line of the file, or ValueError saying in French why they cannot be read."""
    if len(raw) > MAX_LINE_CHARS:
        raise ValueError(f"la ligne dépasse {_thousands(MAX_LINE_CHARS)} caractères (un libellé, un exécutant "
                         f"ou un prescripteur fait au plus {MAX_LABEL} caractères).")
    try:
        return next(csv.reader([raw], delimiter=";", strict=True), [])
    except csv.Error as error:
        # On one line, strict reading fails in two ways: the end comes inside quotes ("unexpected end of data",
        # the csv module's words), or a closing quote is followed by something else than ";".
        if "end of data" in str(error):
            raise ValueError("un guillemet ouvre un champ et n'est pas refermé sur la ligne (un champ ne peut pas "
                             "tenir sur plusieurs lignes).") from None
        raise ValueError("guillemets mal placés : un champ entre guillemets se termine par un guillemet suivi de "
                         "«\u00a0;\u00a0» ou de la fin de la ligne, et un guillemet à l'intérieur s'écrit «\u00a0\"\"\u00a0».") from None


def _line(number: int, row: list[str], header: tuple[str, ...], *, latest: date) -> Line:
    if len(row) != len(header):
        raise ValueError(f"{len(row)} colonnes au lieu de {len(header)}.")
    cell = dict(zip(header, (clean(value).strip() for value in row), strict=True))
    cancel = cell.get(CANCEL, "").lower()
    if cancel not in ("", "non", "oui"):
        raise ValueError(f"la colonne «\u00a0{CANCEL}\u00a0» vaut «\u00a0oui\u00a0» pour annuler la ligne, "
                         "«\u00a0non\u00a0» ou rien sinon.")
    ins = normalize_ins(cell["ins"])
    if not is_valid_ins(ins):
        raise ValueError("le matricule INS n'est pas valide.")
    line_ref = cell["id_ligne"]
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", line_ref):
        raise ValueError("l'identifiant de ligne doit faire 1 à 40 lettres, chiffres, «\u00a0_\u00a0», «\u00a0.\u00a0» ou «\u00a0-\u00a0».")
    system = cell["nomenclature"].upper()
    if system not in CODES:
        raise ValueError(f"nomenclature inconnue «\u00a0{cell['nomenclature'][:20]}\u00a0» ({', '.join(CODES)}).")
    code = cell["code"].upper().replace(" ", "")
    if not CODES[system].fullmatch(code):
        raise ValueError(f"le code «\u00a0{cell['code'][:20]}\u00a0» n'est pas un code {system}.")
    if system == "CIP13" and not ean.is_valid(code):  # its shape right, its last digit not (a probe's find: "not a code")
        raise ValueError(f"le code CIP13 «\u00a0{cell['code'][:20]}\u00a0» a une clé de contrôle fausse (son dernier "
                         "chiffre, EAN-13) : vérifiez-le.")
    label, performer = cell["libelle"], cell["executant"]
    if not label or len(label) > MAX_LABEL:
        raise ValueError(f"le libellé doit faire 1 à {MAX_LABEL} caractères.")
    if not performer or len(performer) > MAX_LABEL or len(cell["prescripteur"]) > MAX_LABEL:
        raise ValueError(f"l'exécutant (obligatoire) et le prescripteur doivent faire au plus {MAX_LABEL} caractères.")
    rpps = cell["rpps_executant"]
    if rpps and not is_valid_rpps(rpps):
        raise ValueError("le RPPS de l'exécutant n'est pas valide.")
    if not re.fullmatch(r"[0-9]{1,4}", cell["quantite"]) or int(cell["quantite"]) == 0:
        raise ValueError("la quantité doit être un nombre entier de 1 à 9999.")
    care = _date(cell["date_soins"], "date des soins", latest=latest)
    processed = _date(cell["date_traitement"], "date de traitement", latest=latest)
    if processed < care:
        raise ValueError("la date de traitement précède la date des soins.")
    born = earliest_birth(ins)
    if care < born:  # what the insurer itself sent: the INS says the year and month of birth
        raise ValueError(f"la date des soins précède la naissance que l'INS indique ({born.month:02d}/{born.year}).")
    spent, base, reimbursed = (_cents(cell[name], label) for name, label in
                               (("depense", "dépense"), ("base", "base"), ("rembourse", "remboursé")))
    if reimbursed > spent:
        raise ValueError(f"le montant remboursé ({_euros(reimbursed)}) dépasse la dépense ({_euros(spent)}).")
    if reimbursed > base:
        raise ValueError(f"le montant remboursé ({_euros(reimbursed)}) dépasse la base de remboursement "
                         f"({_euros(base)}).")
    quantity = int(cell["quantite"])
    if max(spent, base) > quantity * PLAUSIBLE_UNIT[system]:
        raise ValueError(f"{_euros(max(spent, base))} pour {quantity} {'unités' if quantity > 1 else 'unité'} "
                         f"{system} n'est pas plausible (au plus {_euros(PLAUSIBLE_UNIT[system])} l'unité) : "
                         "vérifiez le montant.")
    return Line(number, ins, line_ref, care, processed, system, code, label, performer, rpps, cell["prescripteur"],
                quantity, spent, base, reimbursed, cancel == "oui")


def _date(value: str, what: str, *, latest: date) -> date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError(f"la {what} doit s'écrire AAAA-MM-JJ.")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"la {what} n'existe pas.") from None
    if day.year < 1950:
        raise ValueError(f"la {what} est trop ancienne.")
    if day > latest:
        raise ValueError(f"la {what} est dans le futur.")
    return day


def _cents(value: str, what: str) -> int:
    if value.startswith("-"):
        raise ValueError(f"le montant «\u00a0{what}\u00a0» ne peut pas être négatif : une correction se renvoie "
                         "avec le même identifiant de ligne et une date de traitement plus récente, et remplace "
                         "la ligne.")
    found = AMOUNT.fullmatch(value)
    if found is None:
        raise ValueError(f"le montant «\u00a0{what}\u00a0» doit s'écrire en euros, par exemple 30,00.")
    return int(found["euros"]) * 100 + int((found["cents"] or "0").ljust(2, "0"))


def _euros(cents: int) -> str:
    return f"{_thousands(cents // 100)},{cents % 100:02d}\u00a0€"


def _thousands(number: int) -> str:
    """As French writes it: 1\u202f000\u202f000."""
    return f"{number:,}".replace(",", "\u202f")
