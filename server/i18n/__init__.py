"""The interface's languages: French, in which the code is written, and English, from a gettext
catalogue (Babel). Every request runs in one language, chosen by `choose` and read by `_`."""

from __future__ import annotations

import functools
import gettext as gettext_module
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

HERE = Path(__file__).parent
LANGUAGES = ("fr", "en")
QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")  # RFC 9110, 12.4.2
SOURCE = "fr"  # msgids are the French text: French needs no catalogue
COOKIE = "langue"
NAMES = {"fr": "Français", "en": "English"}  # each in its own language, as a language menu shows them

_language: ContextVar[str] = ContextVar("language", default=SOURCE)


def catalogue_path(language: str) -> Path:
    return HERE / language / "LC_MESSAGES" / "messages.po"


@functools.cache
def _catalogue(language: str):
    with catalogue_path(language).open("rb") as po:
        return read_po(po, locale=language)


@functools.cache
def translations(language: str) -> gettext_module.NullTranslations:
    if language == SOURCE:
        return gettext_module.NullTranslations()
    catalogue = _catalogue(language)
    mo = BytesIO()
    write_mo(mo, catalogue)  # fuzzy entries left out: a guess is not a translation
    mo.seek(0)
    return gettext_module.GNUTranslations(mo)


@functools.cache
def script_messages(language: str) -> dict[str, str]:
    """The translations of the scripts' sentences (static/js), which the page hands them as JSON."""
    if language == SOURCE:
        return {}
    return {
        message.id: message.string
        for message in _catalogue(language)
        if message.id and message.string and not message.fuzzy and isinstance(message.id, str)
        and any(path.endswith(".js") for path, _ in message.locations)
    }


def current() -> str:
    return _language.get()


def use(language: str) -> None:
    """The language of the rest of this request (its task's context)."""
    _language.set(language if language in LANGUAGES else SOURCE)


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Within the block, texts in `language` (a French document written during an English request)."""
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


def choose(cookie: str | None, accept_language: str | None, fallback: str = SOURCE) -> str:
    """The language a person chose (the cookie), else the first of their browser's that Carnet speaks, else
    `fallback` for a browser that asks for others only; French for one that asks for none ("any", RFC 9110 12.5.4)."""
    if cookie in LANGUAGES:
        return cookie
    # "en-GB" typed in a link's address, or "en_GB" as software writes a locale
    if cookie and (spoken := Locale.negotiate([cookie.replace("_", "-")], LANGUAGES, sep="-")):
        return str(spoken)
    preferred = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = params.strip()
        if weight.startswith("q=") and not QVALUE.fullmatch(weight[2:]):
            continue  # float() would read "inf", "nan", "1e3" or "١"
        quality = float(weight[2:]) if weight.startswith("q=") else 1.0
        if tag and quality > 0:
            preferred.append((-quality, position, tag.strip()))
    tags = [tag for _, _, tag in sorted(preferred)]
    locale = Locale.negotiate(tags, LANGUAGES, sep="-")
    if locale:
        return str(locale)
    return fallback if tags else SOURCE


def _(message: str, **variables: object) -> str:
    """`message` in the request's language, with its %(name)s filled."""
    text = translations(current()).gettext(message)
    return text % variables if variables else text


def translated(message: str) -> str:
    """`message` in the request's language, its %(name)s left for the caller to fill from a mapping."""
    return translations(current()).gettext(message)


def plural_text(singular: str, plural: str, count: int) -> str:
    """French's rule (CLDR: one for 0 and 1, "0 document") in French; the catalogue's in others."""
    if current() == SOURCE:
        return singular if count <= 1 else plural
    return translations(current()).ngettext(singular, plural, count)


def ngettext(singular: str, plural: str, count: int, **variables: object) -> str:
    return plural_text(singular, plural, count) % {"num": count, **variables}


def pgettext(context: str, message: str, **variables: object) -> str:
    """A short word whose translation depends on where it stands ("Accès" the page, "accès" the right)."""
    text = translations(current()).pgettext(context, message)
    return text % variables if variables else text


def N_(message: str) -> str:
    """Marks a constant for the catalogue; it is translated where it is shown, with `_`."""
    return message
