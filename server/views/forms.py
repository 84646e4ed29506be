"""Reading submitted forms without ever failing on a missing, odd or hostile field.

Every text field goes through `text_input.clean`; dates and numbers are parsed strictly (ASCII
digits, bounded), so "²", "1/1/10000000000" or a 5,000-digit number are refused, not a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from ..access import durations, scopes
from ..dossiers import INVALID_BIRTH_DATE, InvalidInput
from ..professionals.checks import Problem, refuse
from ..i18n import N_, _
from ..text_input import clean


@dataclass(frozen=True)
class FormError:
    """Why a form was refused, and the fields that are wrong (their `name`s), which the page marks.

    Templates show it with templates/partials/form_error.html: the message gets an id, each wrong field
    aria-invalid and an aria-describedby naming it; carnet.js then puts the focus on the first wrong field,
    or on the message when no field is named. `relogin`: the page a new login with a passkey leads back to, which
    the message offers (views/recent_login.py).
    """

    message: str
    fields: tuple[str, ...] = ()
    relogin: str = ""
    # Several problems said at once: each sentence and its fields (InvalidInput.parts), each field described by its own.
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, refused: Exception) -> FormError:
        """The error a refusal (InvalidInput, ActivationRefused…) says, about the fields it names if any."""
        return cls(str(refused), tuple(getattr(refused, "fields", ())), parts=getattr(refused, "parts", ()))

    def part_of(self, name: str) -> int:
        """Which of the sentences (from 1) is about this field; 0: the message as a whole."""
        return next((n for n, (_text, fields) in enumerate(self.parts, 1) if name in fields), 0)

    def __str__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return bool(self.message)


Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
# A form that sends a file (a document added). The CSRF middleware reads `_csrf_token` from a multipart body too, so
# the form needs no header.
MultipartForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
FORM_OVERHEAD = 1024 * 1024  # the other fields and the multipart boundaries, over the file's own limit

DATE_FR = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
DATE_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
MAX_INT = 2**31 - 1  # the largest integer column value on every engine (PostgreSQL's integer is 32 bits)


def typed(data: dict[str, Any], name: str, *, limit: int) -> str:
    """A text field as it was sent, not cleaned (the first of repeated ones; "" for a file), cut to `limit`."""
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    if not isinstance(value, str):  # a file where text was expected
        return ""
    return value[:limit]


def text(data: dict[str, Any], name: str, *, limit: int = 200, multiline: bool = False) -> str:
    # Cut before cleaning too: a megabyte of one field costs nothing to refuse.
    return clean(typed(data, name, limit=limit * 4), multiline=multiline)[:limit]


async def file_of(data: dict[str, Any], name: str = "file") -> tuple[bytes, str]:
    """A multipart form's file: its bytes and the name the browser gave it; none (b"", "") for no file, a text where
    a file was expected, or several files under one name."""
    file = data.get(name)
    return (await file.read(), file.filename or "") if isinstance(file, UploadFile) else (b"", "")


# A birth date typed that is no date (31/02/2025, 12/31/2025): said as such, on its field, never as one left empty.
def at_once(*problems: Problem | None) -> FormError | None:
    """Every problem of a form, said at once, each wrong field marked (professionals/checks.refuse's words), for a
    page that shows its form again: a form refused for its code, then sent again and refused for its RPPS, made a
    professional send it twice (an outside probe's find). None: nothing wrong."""
    try:
        refuse(list(problems))
    except InvalidInput as refused:
        return FormError.of(refused)
    return None


def birth_date_problem(typed: str, parsed: date | None, *, missing: str) -> Problem | None:
    """A birth date left empty (`missing` says so) or typed that is no date (31/02/2025), on its field."""
    if parsed is not None:
        return None
    return (_(INVALID_BIRTH_DATE) if typed else missing), "birth_date"


def parse_date(value: str) -> date | None:
    """A French JJ/MM/AAAA date or an ISO one (what <input type=date> sends); None for anything else."""
    value = value.strip()
    if match := DATE_FR.fullmatch(value):
        day, month, year = (int(p) for p in match.groups())
    elif match := DATE_ISO.fullmatch(value):
        year, month, day = (int(p) for p in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_int(value: str | None, *, default: int = 0) -> int:
    """A non-negative ASCII integer small enough for the database, else `default` ("²" is not 2)."""
    value = (value or "").strip()
    if not value or len(value) > 10 or not value.isascii() or not value.isdigit():
        return default
    number = int(value)
    return number if number <= MAX_INT else default


# --- the terms of a grant or a share code, as the access forms ask them ------------------------------


def form_values(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name, [])
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def scope_from(data: dict[str, Any]) -> str:
    """The categories a grant or share code covers ("" for all); bad input is an InvalidInput naming its field."""
    scope = text(data, "portee", limit=20)
    if scope == "tout":
        return ""
    if scope != "categories":
        raise InvalidInput(_("Choisissez ce que ce professionnel pourra voir."), "portee")
    chosen = form_values(data, "categories")
    if not any(chosen):
        raise InvalidInput(_("Cochez au moins une catégorie, ou choisissez «\u00a0Tous les documents\u00a0»."), "categories")
    return scopes.parse_scope(chosen)


def scope_and_duration(data: dict[str, Any], *, keep: bool = False) -> tuple[str, str]:
    """What a grant or a share code covers, and for how long; both refusals at once when both are wrong, rather
    than the second only once the first is put right. `keep`: a change of a grant may keep its end (durations.KEEP)."""
    refusals: list[InvalidInput] = []
    scope = ""
    try:
        scope = scope_from(data)
    except InvalidInput as refused:
        refusals.append(refused)
    duration = text(data, "duree", limit=10)
    if duration not in durations.DURATIONS and not (keep and duration == durations.KEEP):
        refusals.append(InvalidInput(_("Choisissez une durée."), "duree"))
    if refusals:
        raise InvalidInput(" ".join(str(r) for r in refusals), *(f for r in refusals for f in r.fields))
    return scope, duration


# What gives a way in that outlasts this session (a passkey, recovery codes, a relative who manages the dossier, a
# health link, a practice's software), or takes one from its owner (removing a passkey), needs a recent login
# (sessions.RECENT_LOGIN): not a phone left unlocked in a live session. One check and one message for all
# (views/recent_login.py).
NOT_RECENT = N_("Par sécurité, reconnectez-vous d'abord : cette action demande une connexion de moins de 10 minutes.")
