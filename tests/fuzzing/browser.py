"""Sending a generated request as a persona would: their cookies, their CSRF token, what the app handed them.

A failure is an answer of 500 or more, a traceback in the body, or no answer at all (`wire.AnswerWithin`).
"""

from __future__ import annotations

import logging
import re
import traceback
from dataclasses import dataclass, field, replace
from typing import Any

from tests.conftest import AsyncTestClient

from server.auth.sessions import start_session

from .requests import fill_path
from .shapes import Body, FuzzRequest, Ids
from .routes import Endpoint
from .values import FromApp
from .wire import NO_ANSWER, describe_body, encode, header_value, shorten

TRACEBACK = re.compile(r'Traceback \(most recent call last\)|File "[^"]+", line \d+')


class ServerErrors(logging.Filter):
    """Keeps the exceptions the app logs (exception_handlers.on_error) for the failure message, and lets none through:
    thousands of tracebacks on stderr would bury the one failure that matters."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        self.records.append(record)
        return False

    def take(self) -> list[str]:
        """What was logged since the last call: each exception, where it was raised, and the app's last line on the way."""
        found = []
        for record in self.records:
            exc = record.exc_info[1] if record.exc_info else None
            if exc is None:
                found.append(record.getMessage())
                continue
            frames = [(f.filename, f.lineno, f.name) for f in traceback.extract_tb(exc.__traceback__)]
            where = "{}:{}".format(*frames[-1][:2]).split("site-packages/")[-1] if frames else "?"
            ours = [f"{file.split('/server/')[-1]}:{line} in {name}" for file, line, name in frames if "/server/" in file]
            message = " ".join(str(exc).split())[:200]  # asyncpg's messages run over several lines
            found.append(f"{type(exc).__name__}: {message} (raised at {where})"
                         + (f", from server/{ours[-1]}" if ours and "/server/" not in where else ""))
        self.records.clear()
        return found


@dataclass
class Persona:
    name: str
    account: Any  # an Account, or None for anonymous
    session: str | None = None  # the session cookie's value
    cookies: dict[str, str] = field(default_factory=dict)  # what the browser keeps from a page: the CSRF cookie
    csrf_token: str = ""  # the page's <meta name="csrf-token">


@dataclass
class Outcome:
    request: FuzzRequest
    status: int
    problem: str  # "" when the answer is fine
    sent: str  # the request as sent, ids named
    server: list[str]

    def report(self) -> str:
        return "\n".join([self.problem, self.sent, *(f"  server: {line}" for line in self.server)])


def problem_with(status: int, body: bytes) -> str:
    if status == NO_ANSWER:
        return "gave no answer in time"
    if status >= 500:
        return f"answered {status}"
    if TRACEBACK.search(body.decode("utf-8", errors="replace")):
        return f"answered {status} with a traceback in the body"
    return ""


@dataclass
class Browser:
    """One client for every persona: each request carries its persona's cookies, and no one else's."""

    app: Any
    client: AsyncTestClient
    personas: dict[str, Persona]
    labels: dict[str, str]  # id -> whose it is ("<patient's dossier>"), for reports
    errors: ServerErrors = field(default_factory=ServerErrors)
    # After the first visit: which plain request hands out which JSON key to whom (a WebAuthn ceremony token…),
    # and who is welcome on each path (answered, rather than refused, redirected or told "not found").
    producers: dict[tuple[str, str], list[FuzzRequest]] = field(default_factory=dict)
    welcome: dict[str, set[str]] = field(default_factory=dict)

    async def log_in(self, persona: Persona) -> None:
        """A fresh session, then the CSRF token the way a browser gets it: from a page, with the same cookies."""
        cookie = self.app.state.settings.session_cookie
        if persona.account is not None:
            async with self.app.state.sessionmaker() as db:
                persona.session = await start_session(db, account=persona.account, authenticated=True)
        self.client.cookies.clear()
        page = await self.client.get("/cles" if persona.session else "/connexion", follow_redirects=False,
                                     headers={"cookie": f"{cookie}={persona.session}"} if persona.session else {})
        match = re.search(r'<meta name="csrf-token" content="([^"]*)"', page.text)
        assert match, f"no CSRF token in the {page.status_code} page {persona.name} got"
        persona.csrf_token = match.group(1)
        persona.cookies = {k: v for k, v in page.cookies.items() if k != cookie}

    async def first_visit(self, endpoints: list[Endpoint], ids: Ids) -> list[Outcome]:
        """A plain visit of every route, once per persona: every page and every form sent empty, except forms
        on a dossier or a document (they would close it, delete it…). None of it may fail either. It shows
        who is welcome where, and what the app hands out (JSON values, by key) for later requests to use."""
        failed = []
        for endpoint in endpoints:
            if endpoint.path_params and endpoint.method != "GET":
                continue
            path = fill_path(endpoint.path, {name: (ids.own.get(name.removesuffix("_id")) or ["1"])[0]
                                             for name in endpoint.path_params})
            for persona in self.personas:
                request = replace(plain(endpoint, persona), path=path)
                outcome, response = await self.send(request, fetch_handed_out=False)
                if outcome.problem:
                    failed.append(outcome)
                if response is None:
                    continue
                if response.status_code < 300 or response.status_code in (400, 422, 429):
                    self.welcome.setdefault(endpoint.path, set()).add(persona)
                for key in handed_out_keys(response):
                    self.producers.setdefault((persona, key), []).append(request)
        return failed

    async def send(self, request: FuzzRequest, *, fetch_handed_out: bool = True) -> tuple[Outcome, Any]:
        handed = await self.handed_out(request) if fetch_handed_out else {}
        self.errors.take()  # a failure while fetching a token is the producer's, checked in the first visit
        try:
            response, sent = await self.send_as_is(request, handed)
        except Exception as exc:  # out of the app, past its exception handlers: as bad as a 500
            return Outcome(request, 0, f"raised {type(exc).__name__}: {exc}", repr(request), self.errors.take()), None
        return Outcome(request, response.status_code, problem_with(response.status_code, response.content), sent,
                       self.errors.take()), response

    async def handed_out(self, request: FuzzRequest) -> dict[str, str]:
        """Fetch afresh what the app hands this persona (WebAuthn ceremony tokens are used once)."""
        values = {}
        for wanted in sorted(set(from_app_values([request.body.json, [v for _, v in request.body.fields]])), key=repr):
            producers = self.producers.get((request.persona, wanted.key), [])
            if producers:
                response, _ = await self.send_as_is(producers[wanted.pick % len(producers)])
                try:
                    values[wanted.key] = str(response.json().get(wanted.key, ""))
                except (ValueError, AttributeError):
                    pass
        return values

    async def send_as_is(self, request: FuzzRequest, handed: dict[str, str] | None = None) -> tuple[Any, str]:
        persona = self.personas[request.persona]
        session_cookie = self.app.state.settings.session_cookie
        headers, content = encode(request, persona, self.other_token(persona), handed or {})
        cookies = dict(persona.cookies)
        if request.session == "real" and persona.session:
            cookies[session_cookie] = persona.session
        elif request.session not in ("real", "none"):
            cookies[session_cookie] = request.session
        cookies.update(request.extra_cookies)
        if cookies:
            headers.append(("cookie", header_value("; ".join(f"{k}={v}" for k, v in cookies.items()))))
        url = request.path + (f"?{request.query}" if request.query else "")
        self.client.cookies.clear()  # the request's own cookies, never those another persona's answer set
        response = await self.client.request(request.method, url, content=content, headers=headers,
                                             follow_redirects=False)
        if persona.account is not None and any(
            c.startswith(f"{session_cookie}=") for c in response.headers.get_list("set-cookie")
        ):
            await self.log_in(persona)  # logged out, or the session rotated: the persona logs in again
        return response, self.describe(request, url, handed)

    def other_token(self, persona: Persona) -> str:
        return next((p.csrf_token for p in self.personas.values() if p is not persona and p.csrf_token), "x")

    def describe(self, request: FuzzRequest, url: str, handed: dict[str, str] | None) -> str:
        lines = [f"{request.method} {self.name_ids(url)} as {request.persona}",
                 f"  headers: {', '.join(f'{k}: {shorten(v, 80)}' for k, v in request.headers) or '-'}",
                 f"  cookies: session {shorten(request.session, 40)}, "
                 f"extra {shorten(list(request.extra_cookies), 80) if request.extra_cookies else '-'}",
                 f"  CSRF token: {CSRF_PLACES[request.csrf]}",
                 f"  body: {self.name_ids(describe_body(request.body))}"]
        if handed:
            lines.append(f"  handed-out values used: {handed}")
        return "\n".join(lines)

    def name_ids(self, text: str) -> str:
        for id_, label in self.labels.items():
            text = text.replace(id_, label)
        return text


CSRF_PLACES = {"field": "the persona's, in the form (in the header for a body without fields)",
               "header": "the persona's, in the x-csrftoken header", "both": "the persona's, in the form and the header",
               "none": "none", "wrong": "a wrong one", "other persona's": "another persona's"}


def plain(endpoint: Endpoint, persona: str) -> FuzzRequest:
    """The request a browser makes on a plain visit or click: no input, a valid token."""
    body = Body("json", json={}) if endpoint.body == "json" else Body("none") if endpoint.method == "GET" else Body("form")
    return FuzzRequest(persona=persona, endpoint=endpoint, method=endpoint.method, path=endpoint.path, query="",
                       headers=(), session="real", csrf="both", extra_cookies=(), body=body)


def handed_out_keys(response) -> list[str]:
    try:
        body = response.json()
    except ValueError:
        return []
    return [k for k, v in body.items() if isinstance(v, str)] if isinstance(body, dict) and response.is_success else []


def from_app_values(value: Any) -> list[FromApp]:
    if isinstance(value, FromApp):
        return [value]
    if isinstance(value, dict | list | tuple):
        return [found for v in (value.values() if isinstance(value, dict) else value) for found in from_app_values(v)]
    return []
