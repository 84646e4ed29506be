"""The installable app's files, served at the site root (a service worker's scope is its path)."""

from __future__ import annotations

from pathlib import Path

from litestar import get
from litestar.response import File
from litestar.static_files import create_static_files_router

PWA = Path(__file__).resolve().parents[2] / "pwa"


@get("/manifest.webmanifest", include_in_schema=False)
async def manifest() -> File:
    return File(PWA / "manifest.webmanifest", media_type="application/manifest+json", content_disposition_type="inline")


@get("/sw.js", include_in_schema=False)
async def service_worker() -> File:
    return File(PWA / "sw.js", media_type="text/javascript", content_disposition_type="inline")


@get("/offline.html", include_in_schema=False)
async def offline() -> File:
    return File(PWA / "offline.html", media_type="text/html", content_disposition_type="inline")


routes = [manifest, service_worker, offline, create_static_files_router(path="/icons", directories=[PWA / "icons"])]
