"""What a person typed, kept as they can read it.

Every free text goes through `clean`, which keeps what a person can read and drops what they
cannot (control characters, NUL, zero-width and bidirectional marks): no stored title or reason
can hide text, reorder it, or break a database that refuses NUL. What writing needs of the
invisible stays: the zero-width joiner and non-joiner where they join (Persian and Indic spelling,
emoji sequences such as the family man-ZWJ-woman-ZWJ-girl), a subdivision flag's tags, and emoji
newer than this Python's Unicode tables. `readable_length` is what a minimum length counts: twenty
zero-width spaces are not a reason.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any
from urllib.parse import unquote_to_bytes

# Letters that render as nothing: Hangul fillers, the braille blank, Khmer inherent vowels.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")
# ZWNJ and ZWJ: format characters, yet part of the spelling of Persian, Urdu, Indic and Sinhala words ("می",
# ZWNJ, "خواهم") and of emoji (UTS #51's ZWJ sequences). Kept between two letters, marks or symbols, what they
# join, and after a mark that ends a word (a virama: Malayalam's chillu as older keyboards type it). Dropped
# elsewhere (leading, next to a space or punctuation, doubled) and between two letters of an alphabet that
# never needs one, where they would only make "san<ZWJ>guin" look like "sanguin" and not be it.
JOINERS = frozenset("\u200c\u200d")
JOINED = ("L", "M", "S")  # categories, by their first letter: letters, marks (virama, VS16), symbols (emoji)
NO_JOINERS = ("LATIN ", "GREEK ", "CYRILLIC ")
# UTS #51's emoji tag sequence as flags use it: U+1F3F4, a subdivision code in tag letters and digits (gbsct:
# Scotland), CANCEL TAG. Tag characters anywhere else are invisible text, and go.
FLAG_TAGS = re.compile("\U0001f3f4[\U000e0061-\U000e007a]{2}[\U000e0030-\U000e0039\U000e0061-\U000e007a]{1,4}"
                       "\U000e007f")
# Unassigned in Python 3.11's Unicode 14, but emoji since (U+1FA77 PINK HEART: Unicode 15), which phones offer.
FUTURE_EMOJI = range(0x1F000, 0x1FB00)


def _kind(ch: str) -> str:
    """The character's general category, "So" for an emoji this Python does not know yet."""
    category = unicodedata.category(ch)
    return "So" if category == "Cn" and ord(ch) in FUTURE_EMOJI else category


def _joins(value: str, at: int, kept: list[str]) -> bool:
    """Whether the joiner at value[at] joins what was kept before it to what follows."""
    if not kept:
        return False
    before, after = kept[-1][-1], value[at + 1: at + 2]
    before_kind, after_kind = _kind(before)[0], _kind(after)[0] if after else ""
    if before_kind == after_kind == "L" and all(unicodedata.name(c, "").startswith(NO_JOINERS)
                                                for c in (before, after)):
        return False
    return before_kind in JOINED and (after_kind in JOINED or before_kind == "M")


def _visible(value: str, *, multiline: bool) -> str:
    kept: list[str] = []
    at = 0
    while at < len(value):
        ch = value[at]
        if ch == "\U0001f3f4" and (flag := FLAG_TAGS.match(value, at)):
            kept.append(flag.group())
            at = flag.end()
            continue
        if _kind(ch)[0] != "C" or (multiline and ch == "\n") or (ch in JOINERS and _joins(value, at, kept)):
            kept.append(ch)
        at += 1
    return "".join(kept)


# What ends a line, besides "\n": read as one in a text of lines, as a space in a text of one (a software's
# "Compte rendu\nService de rythmologie" was filed as "Compte renduService de rythmologie": an outside probe's find).
LINE_BREAKS = str.maketrans({"\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})


def clean(value: str, *, multiline: bool = False) -> str:
    """NFC text without control or format characters (but joiners that join); spaces squeezed unless `multiline`,
    a line's end a space."""
    value = value.replace("\r\n", "\n").translate(LINE_BREAKS).replace("\t", " ")
    if not multiline:
        value = value.replace("\n", " ")
    kept = _visible(unicodedata.normalize("NFC", value), multiline=multiline)
    if multiline:
        return "\n".join(" ".join(line.split()) for line in kept.split("\n")).strip()
    return " ".join(kept.split())


def readable_length(value: str) -> int:
    """How many characters a person can see: letters, digits, punctuation, symbols, minus blank letters."""
    return sum(1 for ch in value if _kind(ch)[0] in "LNPS" and ch not in BLANK_LETTERS)


def letter_count(value: str) -> int:
    """How many letters, in any script: twenty ambulance emoji or a row of dots say nothing in words."""
    return sum(1 for ch in value if _kind(ch)[0] == "L" and ch not in BLANK_LETTERS)


NAME_MAX = 100  # a person's given or family name, in every form that asks for one


def names_missing(names: dict[str, str]) -> tuple[str, ...]:
    """The fields (field name: value) whose name has nothing to read: "ㅤ ⠀" would list a blank person."""
    return tuple(field for field, name in names.items() if not readable_length(name))


def names_too_long(names: dict[str, str]) -> tuple[str, ...]:
    """The fields (field name: value) whose name is past NAME_MAX: refused on that field, never cut."""
    return tuple(field for field, name in names.items() if len(name) > NAME_MAX)


# Besides letters, what an identity's names (the INS traits: nom de naissance, prénoms) hold: spaces, hyphens and
# apostrophes, straight or curly (’, as phones type it). Digits, emoji and markup are no part of a name: the
# printed code's page read "Pour jean- pierre d'<i>Artagnan</i> 🤺".
IDENTITY_NAME_MARKS = frozenset(" -'’")


def _identity_letter(ch: str) -> bool:
    # French civil status writes names in the Latin script, accented or not (é, ç, ï, œ, ß): a Cyrillic or fullwidth
    # letter in an INS identity is a mistyped one, and the free texts' other scripts (`clean`) have no place here.
    return unicodedata.category(ch)[0] == "L" and unicodedata.name(ch, "").startswith("LATIN ")


def names_miswritten(names: dict[str, str]) -> tuple[str, ...]:
    """The fields (field name: value) whose name, cleaned, is not an identity's: Latin letters, spaces, hyphens and
    apostrophes, with a letter at least. Checked wherever a patient's identity is typed (professionals/opening.py)."""
    def written(name: str) -> bool:
        return (any(_identity_letter(ch) for ch in name)
                and all(ch in IDENTITY_NAME_MARKS or _identity_letter(ch) for ch in name))

    return tuple(field for field, name in names.items() if not written(clean(name)))


def encoded_control(query: bytes) -> bool:
    """Whether a query string (or a form body) holds a control character, raw or percent-encoded (`%00`): nothing
    a person types in a field, and NUL, which PostgreSQL refuses in text (a 500 at the statement that used it)."""
    return any(byte < 32 or byte == 127 for byte in unquote_to_bytes(query))


class UnstorableText(ValueError):
    """JSON that parses, whose text holds a NUL or a lone surrogate: a caller may say so rather than "not JSON"."""


def read_json(raw: bytes | str) -> Any:
    """JSON a client sent, read as `json.loads` reads it, or ValueError for what no handler can use: nesting
    deeper than Python's stack (a RecursionError otherwise, from 2 KB of "[[[["), and any key or string holding
    NUL, which PostgreSQL refuses in text, or a lone surrogate ("\\ud800"), which UTF-8 cannot encode for either
    database (UnstorableText, a ValueError). Python's json reads both escapes into a str, which only the statement
    that stores or looks up the value would then refuse (msgspec, which reads Litestar's own JSON bodies, refuses
    the surrogate)."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item or not item.isascii() and _has_surrogate(item):
                raise UnstorableText("JSON text that no database stores")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return data


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
