"""What a person typed, kept as they can read it.

Every free text goes through `clean`, which keeps what a person can read and drops what they
cannot (control characters, NUL, zero-width and bidirectional marks): no stored title or reason
can hide text, reorder it, or break a database that refuses NUL. `readable_length` is what a
minimum length counts: twenty zero-width spaces are not a reason.
"""

from __future__ import annotations

import unicodedata

# Letters that render as nothing: Hangul fillers, the braille blank, Khmer inherent vowels.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")


def clean(value: str, *, multiline: bool = False) -> str:
    """NFC text without control or format characters; spaces squeezed unless `multiline`."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\t", " "))
    kept = "".join(
        ch for ch in value
        if (multiline and ch == "\n") or not unicodedata.category(ch).startswith("C")
    )
    if multiline:
        return "\n".join(" ".join(line.split()) for line in kept.split("\n")).strip()
    return " ".join(kept.split())


def readable_length(value: str) -> int:
    """How many characters a person can see: letters, digits, punctuation, symbols, minus blank letters."""
    return sum(1 for ch in value if unicodedata.category(ch)[0] in "LNPS" and ch not in BLANK_LETTERS)
