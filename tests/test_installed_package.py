"""README's deployment installs Carnet with `pip install .`, not from this tree: the installed package must hold
every file it reads (an outside probe found every worker dying on import there: pwa/sw.js was left out)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The installed copy alone on the path (its dependencies from this environment's site-packages): the app made, and
# the files it serves from outside Python answered, the service worker, a page (templates, the English catalogue),
# a static file.
CHECK = """
import server
from litestar.testing import TestClient
from server.app import create_app
assert server.__file__.startswith({site!r}), server.__file__
with TestClient(create_app(), base_url="http://localhost:8000") as client:
    for path in ("/sw.js", "/manifest.webmanifest", "/offline.html", "/connexion", "/icons/icon-192.png"):
        assert client.get(path).status_code == 200, path
    assert "Log in" in client.get("/connexion", headers={{"accept-language": "en"}}).text
    style = client.get("/connexion").text.split('href="/static/css/')[1].split('"')[0]
    assert client.get("/static/css/" + style).status_code == 200
print("ok")
"""


def test_the_installed_package_holds_every_file_it_reads(tmp_path):
    source = tmp_path / "source"  # pip builds in the tree it is given: not this one
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "data", "tests", "bench", "build",
                                                                  "*.egg-info", "__pycache__", "test-results"))
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(source)],
                   check=True, capture_output=True)
    environment = {**os.environ, "PYTHONPATH": str(site), "CARNET_ENV": "test",
                   "CARNET_DATA_DIR": str(tmp_path / "data"), "CARNET_ORIGIN": "http://localhost:8000",
                   "CARNET_SECRET": "a-test-secret-that-is-long-enough-for-carnet"}
    environment.pop("DATABASE_URL", None)
    checked = subprocess.run([sys.executable, "-c", CHECK.format(site=str(site))], cwd=tmp_path, env=environment,
                             capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout.strip().endswith("ok"), checked.stderr[-3000:]
