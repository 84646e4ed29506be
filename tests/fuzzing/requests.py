"""Whole requests: an endpoint, a persona, and a value for every path, query, header, cookie and body input."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from .routes import Endpoint, is_int
from .shapes import Body, FuzzRequest, Honest, Part
from .values import (DEEP_JSON, FILENAMES, FORMAT_KEYS, FromApp, credentials, digit_strings, file_contents, from_app,
                     hint_for, hostile, json_values, maybe, numbers, push_subscriptions, weighted)


@cache
def sampled(values: tuple) -> st.SearchStrategy:
    return st.sampled_from(values)


@cache
def path_value(name: str, kind: type, honest: Honest) -> st.SearchStrategy[str]:
    ids = honest.ids
    if kind is int:
        return weighted((3, st.integers(-2, 5).map(str)), (2, numbers))
    key = name.removesuffix("_id")
    choices = [(1, st.uuids().map(lambda u: u.hex)), (1, st.sampled_from(ids.all())), (2, hostile())]
    if ids.own.get(key):
        choices.insert(0, (8, st.sampled_from(ids.own[key])))
    if ids.foreign.get(key):
        choices.append((1, st.sampled_from(ids.foreign[key])))
    return weighted(*choices)


# An HTTP server refuses a request line or headers much over 8 KB (h11 stops at 16 KB in all) before any app
# sees them: longer values test the server, not Carnet, and the test client refuses URLs over 64 KB.
MAX_PATH_VALUE, MAX_QUERY, MAX_HEADER = 2000, 6000, 6000


def fill_path(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+):\w+\}", lambda m: quote(values[m.group(1)], safe="")[:MAX_PATH_VALUE], template)


def input_value(name: str, words: tuple[str, ...], honest: Honest, annotation: Any = str) -> st.SearchStrategy:
    """An honest value (a word the code knows, a real id or date) or a hostile one; sometimes several."""
    return _input_value(honest, words, name if name in honest.handed_out else None, is_int(annotation),
                        hint_for(name, annotation))


@cache
def _input_value(honest: Honest, words: tuple[str, ...], handed_out: str | None, integer: bool,
                 hint: str | None) -> st.SearchStrategy:
    plausible = [honest_values(honest)]
    if integer:
        plausible = [SMALL_INTEGERS]  # else the parameter is refused (400) before the handler runs
    if words:
        plausible.append(sampled(words))
    if handed_out:
        plausible.append(from_app(handed_out))
    one = weighted((2, st.one_of(plausible)), (3, hostile(hint)))
    return weighted((9, one), (1, st.lists(one, min_size=2, max_size=3)))


SMALL_INTEGERS = st.integers(0, 50).map(str)


@cache
def honest_values(honest: Honest) -> st.SearchStrategy[str]:
    return st.sampled_from(honest.values)


ACCEPTS = ["text/html", "application/json", "*/*", "image/png", "application/json;q=0, text/html"]
ODD_CONTENT_TYPES = ["multipart/form-data", "multipart/form-data; boundary=", "application/json", "text/plain",
                     "application/x-www-form-urlencoded; charset=latin-1", "application/x-www-form-urlencoded",
                     "multipart/form-data; boundary=carnet", "x/y; z"]


def as_target(target: str) -> str:
    return target + "2" if target.endswith("-") else target  # a prefix the code looks for: "more-" then a number


@cache
def headers(honest: Honest, hx_targets: tuple[str, ...], names: tuple[str, ...]) -> st.SearchStrategy[tuple]:
    """htmx's headers (mostly with a target the handler's module knows), the other headers the module reads (as
    numbers, most often: an app reads a header itself for a count or a token), an Accept, now and then an odd
    content type."""
    own_targets = [as_target(t) for t in hx_targets]
    any_target = any_hx_target(honest)
    target = weighted((4, st.sampled_from(own_targets)) if own_targets else (4, any_target), (1, any_target),
                      (1, hostile()))
    read = [name for name in names if name not in {"hx-request", "hx-boosted", "accept", "content-type"}]
    pieces = [
        hx_request(bool(own_targets)),
        maybe(st.tuples(st.just("hx-target"), target), 3, 1),
        HX_BOOSTED,
        *(read_header(name) for name in read),
        ACCEPT,
        CONTENT_TYPE,
    ]
    return st.tuples(*pieces).map(present)


@cache
def any_hx_target(honest: Honest) -> st.SearchStrategy[str]:
    return st.sampled_from([as_target(t) for t in honest.hx_targets] or ["x"])


@cache
def hx_request(own_targets: bool) -> st.SearchStrategy:
    return maybe(st.tuples(st.just("hx-request"), weighted((4, st.just("true")), (1, st.sampled_from(["false", ""])))),
                 3 if own_targets else 1)


@cache
def read_header(name: str) -> st.SearchStrategy:
    return maybe(st.tuples(st.just(name), weighted((1, digit_strings), (1, hostile("numbers")))), 2, 1)


HX_BOOSTED = maybe(st.tuples(st.just("hx-boosted"), st.just("true")), 1, 3)
ACCEPT = maybe(st.tuples(st.just("accept"), st.sampled_from(ACCEPTS)))
CONTENT_TYPE = maybe(st.tuples(st.just("content-type"), st.sampled_from(ODD_CONTENT_TYPES)), 1, 9)


def present(pairs: tuple) -> tuple:
    return tuple(p for p in pairs if p is not None)


@cache
def form_fields(honest: Honest, fields: tuple[str, ...], words: tuple[str, ...]) -> st.SearchStrategy[tuple]:
    """The fields the handler reads, most of the time; other words and fields it might read, sometimes."""
    read = st.tuples(*(maybe(named(name, words, honest), 5, 1) for name in fields))
    others = sorted({*words, *honest.other_fields} - set(fields))
    extra = st.lists(st.one_of([named(name, words, honest) for name in others]), max_size=3)
    return st.builds(flatten, read, extra)


@cache
def named(name: str, words: tuple[str, ...], honest: Honest) -> st.SearchStrategy[tuple[str, Any]]:
    return st.tuples(st.just(name), input_value(name, words, honest))


def flatten(read_pairs: tuple, extra_pairs: list) -> tuple[tuple[str, Any], ...]:
    pairs = [p for p in (*read_pairs, *extra_pairs) if p is not None]
    return tuple((k, v) for k, value in pairs for v in (value if isinstance(value, list) else [value]))


files = st.lists(st.builds(Part, st.sampled_from(["file", "x", "_csrf_token", ""]), file_contents,
                           st.sampled_from(FILENAMES),
                           st.sampled_from([None, "application/pdf", "image/png", "text/plain", "\x00/x"])),
                 min_size=1, max_size=2)


def multipart_parts(fields: tuple[tuple[str, Any], ...], files: list[Part]) -> tuple[Part, ...]:
    """The form's fields as parts, plus files: empty names, CR LF or NUL in names, bytes that are not UTF-8."""
    return (*(Part(name, b"" if isinstance(value, FromApp) else str(value).encode()) for name, value in fields), *files)


@cache
def json_bodies(honest: Honest, fields: tuple[str, ...], words: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """An object with the keys the handler reads (mostly) and others; as values, a credential (as an object, or
    as a JSON string, the way WebAuthn sends it), any JSON, or an input value. Or a push subscription, or any
    JSON at all. Most objects carry, under its own name, what the app handed out: without a live ceremony
    token, a credential is refused before it is even read."""
    keys = (*fields, *FORMAT_KEYS)
    values = weighted((2, input_value("", words, honest)), (2, json_values(keys)), (2, CREDENTIAL_TEXTS),
                      (1, credentials))
    read = st.tuples(*(maybe(st.tuples(st.just(key), values), 5, 1) for key in fields))
    others = st.dictionaries(st.sampled_from(keys), values, max_size=3)
    objects = st.one_of(st.builds(json_object, read, others), credentials)
    live = sorted(honest.handed_out & set(keys))
    if live:
        given = st.fixed_dictionaries({k: from_app(k) for k in live})
        objects = weighted((2, st.builds(merged, objects, given)), (1, objects))
    return weighted((4, objects), (2, push_subscriptions), (1, json_values(keys)))


CREDENTIAL_TEXTS = credentials.map(json.dumps)


def json_object(read_pairs: tuple, others: dict) -> dict:
    return {**others, **dict(p for p in read_pairs if p is not None)}


def merged(objects: Any, given: dict) -> dict:
    return {**objects, **given}


def bodies(endpoint: Endpoint, honest: Honest) -> st.SearchStrategy[Body]:
    if endpoint.method == "GET":
        return NO_BODY
    declared = endpoint.body if endpoint.body != "none" else "form"  # a button's form still carries its token
    return declared_bodies(honest, declared, endpoint.fields, endpoint.words)


@cache
def declared_bodies(honest: Honest, declared: str, fields: tuple[str, ...], words: tuple[str, ...]):
    form = form_fields(honest, fields, words)
    kinds = {
        "form": form.map(form_body),
        "multipart": st.builds(multipart_body, form, files),
        "json": json_bodies(honest, fields, words).map(json_body),
        "raw": RAW_BODY,
        "none": NO_BODY,
    }
    return weighted((8, kinds[declared]), *((1, kind) for name, kind in kinds.items() if name != declared))


def form_body(fields: tuple) -> Body:
    return Body("form", fields=fields)


def multipart_body(fields: tuple, parts: list[Part]) -> Body:
    return Body("multipart", parts=multipart_parts(fields, parts))


def json_body(value: Any) -> Body:
    return Body("json", json=value)


NO_BODY = st.just(Body("none"))
RAW_BODY = st.one_of(st.binary(max_size=200), st.just(DEEP_JSON.encode())).map(lambda b: Body("raw", raw=b))


@cache
def query_strings(honest: Honest, params: tuple[tuple[str, Any], ...], words: tuple[str, ...]) -> st.SearchStrategy:
    declared = st.fixed_dictionaries({}, optional={
        name: input_value(name, words, honest, annotation) for name, annotation in params
    })
    return st.builds(encode_query, declared, EXTRA_QUERY, JUNK_QUERY)


EXTRA_QUERY = st.lists(st.tuples(st.sampled_from(["page", "fait", "x", "_csrf_token", ""]), hostile()), max_size=2)
JUNK_QUERY = weighted((6, st.just("")), (1, st.sampled_from(["&", "%ff", "%", "%zz", "a=%00", "&&=&", "a=1;b=2"])))


def encode_query(values: dict, extras: list, tail: str) -> str:
    pairs = [(k, v) for k, value in values.items() for v in (value if isinstance(value, list) else [value])]
    text = "&".join(f"{quote(k, safe='')}={quote(str(v), safe='')}" for k, v in [*pairs, *extras]
                    if not isinstance(v, FromApp))
    return "&".join(p for p in (text, tail) if p)[:MAX_QUERY]


PERSONAS = ["anonymous", "patient", "caregiver", "professional"]


@cache
def personas(welcome: tuple[str, ...], guarded: bool) -> st.SearchStrategy[str]:
    """Mostly those the first visit welcomed on this path: elsewhere a request only meets the refusal."""
    if 0 < len(welcome) < len(PERSONAS):
        return weighted((4, st.sampled_from(welcome)), (1, st.sampled_from(PERSONAS)))
    # Not visited (a form on a dossier), or no one turned away: guards still say who may come in.
    return weighted((1, st.just("anonymous")), (9 if guarded else 3, st.sampled_from(PERSONAS[1:])))


def endpoint_requests(endpoint: Endpoint, honest: Honest) -> st.SearchStrategy[FuzzRequest]:
    """Requests to one endpoint, as one persona, with generated path, query, headers, cookies and body."""
    path_values = st.fixed_dictionaries({name: path_value(name, kind, honest)
                                         for name, kind in endpoint.path_params.items()})
    return st.builds(
        FuzzRequest,
        persona=personas(tuple(sorted(honest.welcome.get(endpoint.path, set()))), endpoint.guarded),
        endpoint=st.just(endpoint),
        method=methods(endpoint.method),
        path=path_values.map(lambda values: fill_path(endpoint.path, values)),
        query=query_strings(honest, tuple(endpoint.query_params.items()), endpoint.words),
        headers=headers(honest, endpoint.hx_targets, endpoint.headers),
        session=SESSIONS,
        csrf=CSRF,
        extra_cookies=extra_cookies(honest),
        body=bodies(endpoint, honest),
    )


@cache
def methods(declared: str) -> st.SearchStrategy[str]:
    return weighted((19, st.just(declared)), (1, st.sampled_from(["PUT", "DELETE", "PATCH", "POST"])))


SESSIONS = weighted((8, st.just("real")), (1, st.just("none")), (1, hostile()))
CSRF = weighted((8, st.sampled_from(["field", "header", "both"])),
                (1, st.sampled_from(["none", "wrong", "other persona's"])))


@cache
def extra_cookies(honest: Honest) -> st.SearchStrategy[tuple]:
    return st.lists(st.tuples(st.sampled_from([*honest.cookies, "x"]), hostile()), max_size=1).map(tuple)


def weight(endpoint: Endpoint) -> int:
    """How often an endpoint is tried: more often the more it reads (a body, query parameters, headers)."""
    return 1 + 2 * (endpoint.method != "GET") + bool(endpoint.query_params) + bool(endpoint.hx_targets)


def requests(endpoints: list[Endpoint], honest: Honest) -> st.SearchStrategy[FuzzRequest]:
    """Built once, since building strategies costs more than drawing from them."""
    return weighted(*((weight(endpoint), endpoint_requests(endpoint, honest)) for endpoint in endpoints))
