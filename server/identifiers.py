"""National identifiers: the INS (NIR + key) of patients, the RPPS of professionals."""

from __future__ import annotations

import re

_NIR = re.compile(r"^[12][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}$")


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
    if not (len(first10) == 10 and first10.isdigit()):
        raise ValueError("RPPS invalide")
    return next(first10 + str(k) for k in range(10) if luhn_ok(first10 + str(k)))


def is_valid_rpps(value: str) -> bool:
    rpps = value.strip()
    return len(rpps) == 11 and rpps.isdigit() and luhn_ok(rpps)
