"""What a generated request is made of: its body's parts, the request itself, and the world's honest values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .routes import Endpoint


@dataclass(frozen=True)
class Part:
    """One part of a multipart body; a filename makes it a file, even an empty one."""

    name: str
    content: bytes
    filename: str | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class Body:
    kind: str  # "form", "multipart", "json", "raw" or "none"
    fields: tuple[tuple[str, Any], ...] = ()  # form: (name, value or FromApp)
    parts: tuple[Part, ...] = ()
    json: Any = None
    raw: bytes = b""


@dataclass(frozen=True)
class FuzzRequest:
    persona: str
    endpoint: Endpoint
    method: str
    path: str  # filled in and percent-encoded
    query: str  # raw, after the "?"
    headers: tuple[tuple[str, str], ...]
    session: str  # "real", "none" or a garbage cookie value
    csrf: str  # "field", "header", "both", "none", "wrong" or "other persona's"
    extra_cookies: tuple[tuple[str, str], ...]
    body: Body = field(default_factory=lambda: Body("none"))


@dataclass(frozen=True)
class Ids:
    """The ids the world holds, by kind ("dossier", "document"…): the patient's, and another patient's."""

    own: dict[str, list[str]]
    foreign: dict[str, list[str]]

    def all(self) -> list[str]:
        return [i for ids in (*self.own.values(), *self.foreign.values()) for i in ids]


@dataclass(frozen=True, eq=False)
class Honest:
    """What the world offers as honest input: real ids by kind, and values a real form could hold.

    One per world, and a key of the caches in requests.py: endpoints that read the same fields, words or headers share
    their strategies. Hypothesis validates each strategy object the first time it draws from it; with one object
    per endpoint and field, most of the test's draws went to that, and building them took seconds."""

    ids: Ids
    values: list[str]
    handed_out: set[str]  # JSON keys the app hands out on a plain visit (a ceremony token…)
    other_fields: list[str]  # every field any handler reads: sent, now and then, where nobody reads it
    welcome: dict[str, set[str]]  # path -> the personas a plain visit did not turn away
    cookies: list[str]  # the names of the cookies a browser holds here (the session's, the CSRF token's)
    hx_targets: list[str]  # every htmx target the app's modules answer with a fragment
