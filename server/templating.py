"""Jinja filters that speak French: dates, months, sizes, categories."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_currency
from litestar.plugins.jinja import JinjaTemplateEngine

from .assets import asset
from .dossiers import professional_title
from .models import CATEGORIES

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"  # no-break space: inside "14 h 59", between a number and its unit, inside « guillemets »
NNBSP = "\u202f"  # narrow no-break space: before ; ! ? and : (French typography, Imprimerie nationale)
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]


def date_fr(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(PARIS)
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def datetime_fr(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(PARIS)
    return f"{date_fr(value)} à {time_fr(value)}"


def time_fr(value: datetime) -> str:
    """"14 h 59", never broken across two lines."""
    return f"{value.hour}{NBSP}h{NBSP}{value.minute:02d}"


def month_fr(value: date) -> str:
    return f"{MONTHS[value.month - 1]} {value.year}"


def filesize_fr(size: int) -> str:
    if size < 1024:
        return f"{size}{NBSP}o"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f}{NBSP}Ko"
    return f"{size / 1024 / 1024:.1f}{NBSP}Mo".replace(".", ",")


_OPENING = re.compile(r"«[ \u00a0\u202f]*")
_CLOSING = re.compile(r"[ \u00a0\u202f]*»")
_BEFORE_PUNCTUATION = re.compile(r"(?<=\S)[ \u00a0\u202f]+(?=[;!?:](?:\s|$|[»)]))")


def typography_fr(text: str) -> str:
    """A sentence with French typography's no-break spaces, so a line never ends on "(«" nor starts
    with "?": "« " is glued to the word after it, " »" to the one before, ; ! ? : to the word before."""
    text = _OPENING.sub("«" + NBSP, text)
    text = _CLOSING.sub(NBSP + "»", text)
    return _BEFORE_PUNCTUATION.sub(NNBSP, text)


def quoted_fr(text: str) -> str:
    """« text », its guillemets glued to it."""
    return f"«{NBSP}{text}{NBSP}»"


def euros(cents: int) -> str:
    """An amount as French writes it: "1 234,56 €" (Babel, CLDR's French rules and spaces)."""
    return format_currency(Decimal(cents) / 100, "EUR", locale="fr_FR")


def de(name: str) -> str:
    """"de Léo", "d'Inès", "d'Hugo": French elides "de" before a vowel or a mute h."""
    return f"d'{name}" if name[:1].lower() in "aeiouyàâäéèêëîïôöùûüh" else f"de {name}"


def configure_templates(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.filters.update(date_fr=date_fr, datetime_fr=datetime_fr, month_fr=month_fr, filesize_fr=filesize_fr, euros=euros,
                       typography_fr=typography_fr, quoted_fr=quoted_fr, time_fr=time_fr,
                       professional_title=professional_title, de=de)
    env.globals.update(CATEGORIES=CATEGORIES, category_label=lambda code: CATEGORIES.get(code, code), asset=asset)
    env.trim_blocks = True
    env.lstrip_blocks = True
