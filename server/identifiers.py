"""National identifiers: the INS (NIR + key) of patients, the RPPS of professionals; a patient's identity traits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from .i18n import N_

if TYPE_CHECKING:
    from .models import Patient

_NIR = re.compile(r"^[12][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}$")
DIGITS = re.compile(r"[0-9]+")  # ASCII: str.isdigit() and int() also take "٣" and "²"


def _nir_number(nir: str) -> int:
    # Corsica: for the control key, "2A" counts as 19 and "2B" as 18.
    return int(nir[:5] + {"2A": "19", "2B": "18"}.get(nir[5:7], nir[5:7]) + nir[7:])


def ins_key(nir: str) -> str:
    """The two-digit control key of a 13-character NIR: 97 - (NIR mod 97)."""
    if not _NIR.match(nir):
        raise ValueError("NIR invalide")
    return f"{97 - _nir_number(nir) % 97:02d}"


def normalize_ins(value: str) -> str:
    return re.sub(r"[\s.-]", "", value).upper()


def is_valid_ins(value: str) -> bool:
    ins = normalize_ins(value)
    return len(ins) == 15 and bool(_NIR.match(ins[:13])) and ins[13:].isdigit() and ins_key(ins[:13]) == ins[13:]


def ins_for_reading(ins: str) -> str:
    """An INS grouped as on the carte Vitale: sex, year, month, département, commune, order, key."""
    return " ".join(ins[a:b] for a, b in ((0, 1), (1, 3), (3, 5), (5, 7), (7, 10), (10, 13), (13, 15)))


def earliest_birth(ins: str) -> date:
    """The first day an INS's year and month of birth allow: its two digits of year read in the 1900s (a date before
    it is before any birth it can mean); a month it does not say (20 to 99) read as January."""
    month = int(ins[3:5])
    return date(1900 + int(ins[1:3]), month if 1 <= month <= 12 else 1, 1)


def age_on(birth_date: date, today: date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def months_on(birth_date: date, today: date) -> int:
    """Whole months of age: a baby's age is said in months ("3 mois"), not "0 an"."""
    return (today.year - birth_date.year) * 12 + today.month - birth_date.month - (today.day < birth_date.day)


@dataclass(frozen=True)
class Identity:
    """The traits identity vigilance asks every screen of a patient's data to show (RNIV, "traits stricts")."""

    birth_name: str  # in capitals, as the traits are written: MARTIN Camille
    first_name: str
    birth_date: date
    age: int
    sex: str  # "F" or "M"
    ins: str  # grouped for reading
    # Always False today. The RNIV calls an identity "qualifiée" only when its INS was returned or checked by
    # the INSi teleservice *and* a high-trust identity document was seen. Carnet never calls INSi: an INS here
    # was typed by an insurance office (carnet activation-code) or by a professional shown an identity document
    # (professionals.opening.check_identity checks its key and that it agrees with the sex and birth month and year),
    # and the patient row does not say which. The band says so; the reader qualifies it in their own software.
    qualified: bool = False
    months: int = 0  # whole months and days of age, said for a baby (partials/age.html)
    days: int = 0

    @property
    def status(self) -> str:
        """The INS's status as every page and the copy's summary say it after the number (partials/ins.html,
        export/pdf.py), in French: the page translates it."""
        return N_("qualifiée") if self.qualified else N_("non qualifiée")


def identity_of(patient: Patient, *, today: date) -> Identity:
    return Identity(patient.family_name.upper(), patient.given_name, patient.birth_date,
                    age_on(patient.birth_date, today), patient.sex, ins_for_reading(patient.ins),
                    months=months_on(patient.birth_date, today), days=(today - patient.birth_date).days)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def rpps_with_key(first10: str) -> str:
    """Complete a 10-digit RPPS stem with its Luhn key."""
    if not (len(first10) == 10 and DIGITS.fullmatch(first10)):
        raise ValueError("RPPS invalide")
    return next(first10 + str(k) for k in range(10) if luhn_ok(first10 + str(k)))


def is_valid_rpps(value: str) -> bool:
    rpps = value.strip()
    return len(rpps) == 11 and bool(DIGITS.fullmatch(rpps)) and luhn_ok(rpps)
