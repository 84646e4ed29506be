"""The installable app's files, served at the site root (a service worker's scope is its path).

The service worker and the offline page name static files by their hashed names (assets.py),
filled in here once: the worker's cache is renamed whenever any of them changes.
"""

from __future__ import annotations

import re
from pathlib import Path

from litestar import Response, get
from litestar.datastructures import CacheControlHeader
from litestar.response import File
from litestar.static_files import create_static_files_router

from ..assets import asset, fingerprint

PWA = Path(__file__).resolve().parents[2] / "pwa"
STATIC = re.compile(r"/static/([\w./-]+\.\w+)")


def with_hashed_names(text: str) -> bytes:
    return STATIC.sub(lambda m: asset(m.group(1)), text).replace("__ASSETS__", fingerprint()).encode()


SERVICE_WORKER = with_hashed_names((PWA / "sw.js").read_text())
OFFLINE = with_hashed_names((PWA / "offline.html").read_text())


@get("/manifest.webmanifest", include_in_schema=False)
async def manifest() -> File:
    return File(PWA / "manifest.webmanifest", media_type="application/manifest+json", content_disposition_type="inline")


@get("/sw.js", include_in_schema=False)
async def service_worker() -> Response:
    return Response(SERVICE_WORKER, media_type="text/javascript")


@get("/offline.html", include_in_schema=False)
async def offline() -> Response:
    return Response(OFFLINE, media_type="text/html")


routes = [manifest, service_worker, offline, create_static_files_router(
    # Their names are the manifest's, not hashed: kept a day, then asked again.
    path="/icons", directories=[PWA / "icons"], cache_control=CacheControlHeader(max_age=86400))]
