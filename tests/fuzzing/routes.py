"""The app's routes as it declares them, and what each handler reads.

Routes, path and query parameters, guards and the body's encoding come from `app.routes`; the form
fields, headers, htmx targets and words a handler reads come from its source (and its helpers'), so
a route added tomorrow is fuzzed without a change here.
"""

from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass
from functools import cache
from typing import Any, get_args

from litestar import Litestar
from litestar.enums import RequestEncodingType
from litestar.routes import HTTPRoute


@dataclass(frozen=True, eq=False)
class Endpoint:
    """One method of one route, and every input its handler reads."""

    method: str
    path: str  # the route's template: /dossiers/{dossier_id:str}/historique
    path_params: dict[str, type]
    query_params: dict[str, Any]  # name in the URL -> annotation
    body: str  # "form", "multipart", "json" or "none"
    guarded: bool
    fields: tuple[str, ...]  # the form fields (or JSON keys) the handler and its helpers read
    words: tuple[str, ...]  # the short literals they hold: "oui", "tout", "1m", "birth_date"…
    headers: tuple[str, ...]  # the request headers its module reads
    hx_targets: tuple[str, ...]  # the htmx targets its module answers with a fragment

    def __repr__(self) -> str:
        return f"{self.method} {self.path}"


# Parameters Litestar fills itself: not something a client sends as a query parameter.
RESERVED = {"request", "state", "scope", "headers", "cookies", "query", "data", "body", "socket"}
FIELD_READS = re.compile(r'(?:text|typed|form_values)\(data, "([^"]+)"|data\.get\("([^"]+)"|data\["([^"]+)"\]')
HELPER_CALLS = re.compile(r"(\w+)\(data\b")
QUERY_READS = re.compile(r'query_params\.get\("([^"]+)"')
HEADER_READS = re.compile(r'headers\.get\("([^"]+)"')
TARGETS = re.compile(r'target == "([^"]+)"|target\.startswith\("([^"]+)"')
WORDS = re.compile(r'"([0-9a-z][0-9a-z_-]{0,23})"')


def found(pattern: re.Pattern, source: str) -> set[str]:
    if pattern.groups == 1:
        return set(pattern.findall(source))
    return {next(g for g in match if g) for match in pattern.findall(source)}


@cache
def module_source(name: str) -> str:
    return inspect.getsource(sys.modules[name])


def handler_source(fn) -> str:
    """The handler's source and that of the functions it hands the form to (access.scope_from…)."""
    source = inspect.getsource(fn)
    for name in found(HELPER_CALLS, source):
        helper = fn.__globals__.get(name)
        if inspect.isfunction(helper) and helper.__module__.split(".")[0] == fn.__module__.split(".")[0]:
            source += inspect.getsource(helper)
    return source


def body_kind(handler) -> str:
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is not None:
        media = getattr(data.kwarg_definition, "media_type", None)
        return {RequestEncodingType.URL_ENCODED: "form", RequestEncodingType.MULTI_PART: "multipart"}.get(media, "json")
    source = inspect.getsource(handler.fn)
    return "json" if "request.body()" in source or "request.json()" in source else "none"


def query_params(handler, route: HTTPRoute) -> dict[str, Any]:
    dependencies = set(handler.resolve_dependencies())
    params: dict[str, Any] = {}
    for name, param in handler.parsed_fn_signature.parameters.items():
        kwarg = param.kwarg_definition
        if name in RESERVED or name in dependencies or name in route.path_parameters:
            continue
        if getattr(kwarg, "header", None) or getattr(kwarg, "cookie", None):
            continue
        params[getattr(kwarg, "query", None) or name] = param.annotation
    for name in found(QUERY_READS, inspect.getsource(handler.fn)):
        params.setdefault(name, str)
    return params


def endpoints(app: Litestar) -> list[Endpoint]:
    """Every method of every route whose handler the app itself defines (not Litestar's schema or static files)."""
    package = type(app).__module__.split(".")[0]
    result = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.fn.__module__.startswith(f"{package}."):
                continue
            source, module = handler_source(handler.fn), module_source(handler.fn.__module__)
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                result.append(Endpoint(
                    method=method, path=route.path,
                    path_params={name: p.type for name, p in route.path_parameters.items()},
                    query_params=query_params(handler, route), body=body_kind(handler),
                    guarded=bool(handler.resolve_guards()),
                    fields=tuple(sorted(found(FIELD_READS, source))), words=tuple(sorted(found(WORDS, source))),
                    headers=tuple(sorted(found(HEADER_READS, module))),
                    hx_targets=tuple(sorted(found(TARGETS, module))),
                ))
    return sorted(result, key=repr)


def is_int(annotation: Any) -> bool:
    return annotation is int or int in get_args(annotation)
