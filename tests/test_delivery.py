"""What travels (issue 10): pages compressed when the browser asks, health data never cached, static
files under names that change with them and cached for a year."""

from __future__ import annotations

import re

from server.assets import ASSETS, HERE as STATIC, IMMUTABLE, load
from tests.conftest import activate


async def test_pages_are_compressed_when_the_browser_asks_and_never_cached(client, patient):
    await activate(client, patient)
    for encoding in ("br", "gzip"):
        page = await client.get(f"/dossiers/{patient.dossier.id}", headers={"accept-encoding": encoding})
        assert page.headers["content-encoding"] == encoding
        assert page.headers["cache-control"] == "no-store"
        assert "Mon dossier" in page.text  # the client decoded it
    plain = await client.get(f"/dossiers/{patient.dossier.id}", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers


async def test_static_files_have_hashed_names_are_immutable_and_come_compressed(client):
    page = (await client.get("/")).text
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert urls and all(re.fullmatch(r"/static/[\w/.-]+\.[0-9a-f]{12}\.(css|js)", u) for u in urls), urls
    for url in urls:
        answer = await client.get(url, headers={"accept-encoding": "br"})
        assert answer.headers["cache-control"] == IMMUTABLE and answer.headers["content-encoding"] == "br"
    htmx = next(u for u in urls if "htmx" in u)
    sent = await client.get(htmx, headers={"accept-encoding": "br"})
    assert int(sent.headers["content-length"]) < 20_000 < len(sent.content)  # 53 KB as it is, decoded here
    plain = await client.get("/static/css/carnet.css")
    assert plain.status_code == 200 and plain.headers["cache-control"] == "no-cache"  # unhashed: revalidated
    assert (await client.get("/static/css/carnet.000000000000.css")).status_code == 404  # an old name


async def test_the_favicon_travels_compressed_and_the_png_icons_as_they_are(client):
    """Every page's first visit asks for the SVG favicon, which is text: 551 bytes sent as they were put the landing
    page over its 40 KB (tests/e2e/test_first_visit.py); a PNG is compressed already."""
    svg = await client.get("/icons/favicon.svg", headers={"accept-encoding": "br"})
    assert svg.headers.get("content-encoding") == "br" and int(svg.headers["content-length"]) < len(svg.content)
    png = await client.get("/icons/apple-touch-icon.png", headers={"accept-encoding": "br"})
    assert png.status_code == 200 and "content-encoding" not in png.headers


async def test_a_missing_static_file_s_error_page_is_never_cached(client, patient):
    """A privacy probe's find: a 404 under /static/ or /icons/ reached a logged-in person with no Cache-Control (the
    page names who is logged in, in its header): only a static file itself is cached."""
    await activate(client, patient)
    for url in ("/static/nope", "/icons/nope.png", "/static/", "/static/%2e%2e/dossiers/x"):
        answer = await client.get(url)
        assert answer.status_code == 404 and answer.headers["cache-control"] == "no-store", url


def test_a_stylesheet_travels_without_its_comments(tmp_path):
    (tmp_path / "site.css").write_text("/* Why the band is blue: the patient's own dossier. */\n.band { color: blue; }\n")
    assert load(tmp_path)["site.css"].raw == b".band{color:blue}"
    served = ASSETS["css/carnet.css"].raw.decode()
    assert "/*" not in served and ".journal-status.success{" in served


def test_carnets_scripts_travel_without_their_comments_and_a_vendors_as_it_ships_it(tmp_path):
    (tmp_path / "app.js").write_text("// Why: the patient's own dossier.\nvar band = 1;  /* blue */\n")
    (tmp_path / "lib.min.js").write_text("/*! lib v1 | MIT */var a=1;\n")
    loaded = load(tmp_path)
    assert loaded["app.js"].raw == b"var band=1;"
    assert loaded["lib.min.js"].raw == b"/*! lib v1 | MIT */var a=1;\n"  # its licence comment stays
    served = ASSETS["js/carnet.js"].raw.decode()
    assert "//" not in served.replace("://", "") and "htmx:configRequest" in served
    vendor = ASSETS["vendor/htmx-2.0.11.min.js"]
    assert vendor.raw == (STATIC / "vendor/htmx-2.0.11.min.js").read_bytes()


def test_a_file_that_changes_gets_a_new_name(tmp_path):
    (tmp_path / "app.js").write_text("console.log(1)")
    before = load(tmp_path)["app.js"].hashed
    (tmp_path / "app.js").write_text("console.log(2)")
    after = load(tmp_path)["app.js"].hashed
    assert before != after and re.fullmatch(r"app\.[0-9a-f]{12}\.js", after)
    assert ASSETS["css/carnet.css"].hashed.startswith("css/carnet.")


async def test_the_service_worker_names_the_same_hashed_files_and_a_version_made_of_them(client):
    worker = (await client.get("/sw.js")).text
    assert ASSETS["css/carnet.css"].url in worker and "/static/css/carnet.css\"" not in worker
    assert re.search(r'const VERSION = "[0-9a-f]{12}";', worker)
    assert "cache: \"reload\"" not in worker  # precaching reuses what the page fetched
