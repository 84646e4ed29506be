"""The dossier's own texts as pages show them (a title, a line of the profile, a reimbursement): fitted to a narrow
line, and said to be French on a page in another language (templating's `fitted`, `record`, `record_lang`)."""

from __future__ import annotations

import html
import math
import re

from markupsafe import Markup, escape

from . import i18n
from .i18n.formats import RECORD

# Where a line may break in a text: after a space (not a no-break one: "10 mars", "« Titre »" hold together) or
# after a hyphen. What is between is a word that no line cuts (carnet.css, .fit).
TAGS = re.compile(r"<[^>]*>")
# A word's width in letters of an average width, closer to the drawn one than its count of characters: a narrow letter
# counts half, a wide one one and a half ("d'hospitalisation", 17 characters, is 13.5; "mmmm" is 6).
_NARROW = "fijlrtI.,;:!'’()[]|"
_WIDE = "mwMWŒœÆæ"
_WITHOUT_NARROW = str.maketrans("", "", _NARROW)  # str.translate counts them at C's speed: every title of a page
_WITHOUT_WIDE = str.maketrans("", "", _WIDE)      # and every line of the Historique goes through here


def _width(word: str) -> float:
    return len(word) + (len(word) - len(word.translate(_WITHOUT_WIDE))) / 2 \
        - (len(word) - len(word.translate(_WITHOUT_NARROW))) / 2


def fitted(text: str) -> Markup | str:
    """A text of the dossier (a title, a name) that may hold a word wider than a narrow line (200 % zoom on a phone:
    "Électrocardiogramme" in 130 px): in a span whose class says how wide its widest word is, from which carnet.css
    (.fit) makes its letters smaller, as much as that word needs to fit whole on the line (WCAG 1.4.10). A text whose
    words are 10 letters at most, which every line holds, is left as it is."""
    units = _fit_units(text)
    return Markup(f'<span class="fit fit-{units}">{escape(text)}</span>') if units else text


def record(text: str) -> Markup | str:
    """A text the dossier holds as it was written (a title, a line of the profile, a reimbursement): `fitted`, and on a
    page in another language said to be French (WCAG 3.1.2), which a screen reader then reads with a French voice, not
    the page's. A French page gets `fitted`'s bytes, one look at the language more. Not for a name, nor what Carnet
    translates itself (a category, a profession)."""
    if i18n.current() == RECORD or not text:
        return fitted(text)
    units = _fit_units(text)
    opening = f'<span lang="{RECORD}" class="fit fit-{units}">' if units else f'<span lang="{RECORD}">'
    return Markup(f"{opening}{escape(text)}</span>")


def record_lang() -> Markup | str:
    """' lang="fr"' for an element whose text, or alt, is the dossier's own (a document's text, its image) on a page
    in another language; nothing on a French page."""
    return "" if i18n.current() == RECORD else Markup(f' lang="{RECORD}"')


def _fit_units(text: str) -> int:
    """The width class `fitted` gives a text (its widest word's width in average letters, to the even number above,
    at most 30), 0 for none."""
    # Not Markup.striptags(): it splits at no-break spaces too.
    plain = html.unescape(TAGS.sub("", text)) if isinstance(text, Markup) else text
    # (str.replace, not a translation table or a regex: a fifth of their time on a line of the Historique.)
    words = plain.replace("\t", " ").replace("\n", " ").replace("\r", " ").replace("\f", " ").replace("-", "- ").split(" ")
    # A word is from half to one and a half its length wide: its width asked of the longest ones alone.
    widest = 0.0
    for word in sorted((word for word in words if len(word) > 6), key=len, reverse=True):  # 7 wide letters: 10.5
        if len(word) * 1.5 <= widest:
            break
        widest = max(widest, _width(word))
    return min(30, 2 * math.ceil(widest / 2)) if widest > 10 else 0
