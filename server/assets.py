"""Static files under names that change when their content does, cached for a year, compressed once.

Pages ask `asset("css/carnet.css")` for "/static/css/carnet.3f9a1c2b7d4e.css": the name carries a
hash of the bytes, so a file can be cached "immutable" for a year and a new version is simply a
new name. Each file is read and hashed when the app starts, and compressed (gzip and brotli, kept
implementations) once, by the first request that asks for it: brotli's best quality took 0.3 s of CPU, paid at
the import of every `carnet` command that never serves a file. A request gets the smallest encoding its browser
accepts. An old name (a page from before a deploy) is a 404; the plain name ("/static/css/carnet.css") is still
served, revalidated each time, for whatever cannot know the hash.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import brotli
import rcssmin
import rjsmin
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException

HERE = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}  # Litestar adds text's charset


@dataclass(eq=False)
class Asset:
    path: str  # "css/carnet.css"
    hashed: str  # "css/carnet.3f9a1c2b7d4e.css"
    media_type: str
    raw: bytes

    @cached_property
    def gzip(self) -> bytes:
        return gzip.compress(self.raw, compresslevel=9, mtime=0)

    @cached_property
    def brotli(self) -> bytes:
        return brotli.compress(self.raw, quality=11)

    @property
    def url(self) -> str:
        return f"/static/{self.hashed}"


def _hashed(path: str, digest: str) -> str:
    stem, dot, ext = path.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot else f"{path}.{digest}"


def load(root: Path = HERE) -> dict[str, Asset]:
    """Every static file, by its plain and its hashed name."""
    assets: dict[str, Asset] = {}
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        path = file.relative_to(root).as_posix()
        raw = file.read_bytes()
        if file.suffix == ".css":
            # Its comments say why to whoever reads the source, not to every browser: a third of the stylesheet
            # (rcssmin, a kept minifier; the first visit's 40 KB budget, tests/e2e/test_first_visit.py).
            raw = rcssmin.cssmin(raw.decode("utf-8")).encode("utf-8")
        elif file.suffix == ".js" and not file.name.endswith(".min.js"):  # Carnet's own scripts: the same (rjsmin)
            raw = rjsmin.jsmin(raw.decode("utf-8")).encode("utf-8")
        media = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        asset = Asset(path, _hashed(path, hashlib.sha256(raw).hexdigest()[:12]), media, raw)
        assets[path] = assets[asset.hashed] = asset
    return assets


ASSETS = load()


def asset(path: str) -> str:
    """The URL of a static file under its current hashed name (templates: {{ asset("js/carnet.js") }})."""
    return ASSETS[path].url


def fingerprint() -> str:
    """One hash of every asset's name: the service worker's cache changes when any of them does."""
    names = sorted({a.hashed for a in ASSETS.values()})
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]


@get("/static/{path:path}", include_in_schema=False)
async def static_file(request: Request, path: str) -> Response:
    found = ASSETS.get(path.lstrip("/"))
    if found is None:
        raise NotFoundException()
    accepted = request.headers.get("accept-encoding", "")
    body, encoding = found.raw, None
    if "br" in accepted and len(found.brotli) < len(body):
        body, encoding = found.brotli, "br"
    elif "gzip" in accepted and len(found.gzip) < len(body):
        body, encoding = found.gzip, "gzip"
    headers = {"Cache-Control": IMMUTABLE if path.lstrip("/") == found.hashed else REVALIDATE,
               "Vary": "Accept-Encoding", "ETag": f'"{found.hashed}"'}
    if encoding:
        headers["Content-Encoding"] = encoding
    return Response(body, media_type=found.media_type, headers=headers)
