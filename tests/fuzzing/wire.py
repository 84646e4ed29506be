"""The request on the wire: bodies and headers encoded as a browser sends them, and the app wrapped so that
the test client behaves like a real server (a request that hangs is answered). The test client passes header
bytes as sent, as a server does (httpx's ASGI transport: tests/conftest.py)."""

from __future__ import annotations

import asyncio
import io
import json
import re
from typing import Any
from urllib.parse import urlencode

from litestar.types import ASGIApp, Receive, Scope, Send

from .requests import MAX_HEADER
from .shapes import Body, FuzzRequest, Part
from .values import FromApp

NO_ANSWER = 599  # what AnswerWithin answers for the app, when it has not answered in time


class AnswerWithin:
    """The app, except that a request still unanswered after `seconds` is cancelled and answered 599.

    The test client waits for the app as long as it runs: a request that never ends (it waits for a body
    already read, say) would stop the whole test instead of failing it.
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = finished = False

        async def watched(message: Any) -> None:
            nonlocal started, finished
            started = started or message["type"] == "http.response.start"
            finished = finished or (message["type"] == "http.response.body" and not message.get("more_body"))
            await send(message)

        try:
            await asyncio.wait_for(self.app(scope, receive, watched), self.seconds)
        except TimeoutError:
            if finished:  # answered in full, then slow to return (a loaded machine): the client has its answer
                return
            if not started:
                await send({"type": "http.response.start", "status": NO_ANSWER, "headers": []})
            await send({"type": "http.response.body", "body": b"", "more_body": False})


# --- encoding, the way a browser would ------------------------------------------------------------------


def resolve(value: Any, handed: dict[str, str]) -> Any:
    """The value, its FromApp placeholders replaced by what the app handed out just before."""
    if isinstance(value, FromApp):
        return handed.get(value.key, "")
    if isinstance(value, dict):
        return {k: resolve(v, handed) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, handed) for v in value]
    return value


def encode(request: FuzzRequest, persona: Any, other_token: str, handed: dict[str, str]) -> tuple[list, bytes]:
    """The headers (the CSRF token among them) and the body's bytes."""
    token = {"none": None, "wrong": "x" * len(persona.csrf_token), "other persona's": other_token}.get(
        request.csrf, persona.csrf_token)
    body = request.body
    headers = [(k, header_value(v)) for k, v in request.headers]
    in_field = token is not None and request.csrf != "header"
    # Where the body has no fields (JSON), the page's script sends the token in the header instead.
    if token is not None and (request.csrf != "field" or body.kind not in ("form", "multipart")):
        headers.append(("x-csrftoken", header_value(token)))
    content, content_type = b"", None
    if body.kind == "form":
        pairs = [(k, resolve(v, handed)) for k, v in body.fields] + ([("_csrf_token", token)] if in_field else [])
        content, content_type = urlencode(pairs).encode(), "application/x-www-form-urlencoded"
    elif body.kind == "multipart":
        parts = [*body.parts, *([Part("_csrf_token", token.encode())] if in_field else [])]
        content, content_type = encode_multipart(parts), f"multipart/form-data; boundary={BOUNDARY}"
    elif body.kind == "json":
        content, content_type = json.dumps(resolve(body.json, handed)).encode(), "application/json"
    elif body.kind == "raw":
        content, content_type = body.raw, "application/octet-stream"
    if content_type and not any(k == "content-type" for k, _ in headers):
        headers.append(("content-type", content_type.encode()))
    return headers, content


def header_value(value: str) -> bytes:
    """Latin-1 if it fits, else UTF-8; without CR, LF or NUL, which an HTTP server never lets through."""
    value = re.sub(r"[\x00\r\n]", "", value)
    try:
        return value.encode("latin-1")[:MAX_HEADER]
    except UnicodeEncodeError:
        return value.encode()[:MAX_HEADER]


BOUNDARY = "carnetfuzz7MA4YWxkTrZu0gW"


def encode_multipart(parts: list[Part]) -> bytes:
    out = io.BytesIO()
    for part in parts:
        disposition = f'form-data; name="{part.name}"'
        if part.filename is not None:
            disposition += f'; filename="{part.filename}"'
        out.write(f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode())
        if part.content_type is not None:
            out.write(f"Content-Type: {part.content_type}\r\n".encode())
        out.write(b"\r\n" + part.content + b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue()


def describe_body(body: Body) -> str:
    if body.kind == "form":
        return "form: " + ", ".join(f"{k}={shorten(v)}" for k, v in body.fields)
    if body.kind == "multipart":
        return "multipart: " + ", ".join(
            f"{p.name}" + (f" (file {p.filename!r}, {p.content_type})" if p.filename is not None else "")
            + f"={shorten(p.content)}" for p in body.parts)
    if body.kind == "json":
        return f"json: {shorten(body.json, 400)}"
    if body.kind == "raw":
        return f"raw bytes: {shorten(body.raw)}"
    return "no body"


def shorten(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"
