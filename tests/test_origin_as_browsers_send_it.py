"""CARNET_ORIGIN as an operator may write it, and as browsers send it: a passkey is registered whatever the case of
the address, its explicit default port or its internationalized host; a user and password in it are refused, and
an RP ID that is no domain name."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from server.config import load_settings
from tests.conftest import TEST_SECRET, AsyncTestClient, activate, login
from tests.softauthn import SoftAuthenticator

# (CARNET_ORIGIN as written, the origin a browser's clientData names, the RP ID it hashes)
WRITTEN = [
    ("HTTPS://Carnet.Example:443/", "https://carnet.example", "carnet.example"),
    ("https://carnet-santé.fr", "https://xn--carnet-sant-lbb.fr", "xn--carnet-sant-lbb.fr"),
    ("http://localhost:80", "http://localhost", "localhost"),
    # "ß" kept as the URL standard keeps it (UTS 46 nontransitional), not "ss" as IDNA 2003: another domain.
    ("https://Straße.example", "https://xn--strae-oqa.example", "xn--strae-oqa.example"),
]


@pytest.fixture(params=WRITTEN, ids=["case-and-443", "idn", "http-80", "idn-eszett"])
def written(request):
    return request.param


@pytest.fixture
def settings(written, tmp_path):
    """The settings as `carnet serve` reads them from the environment (SQLite)."""
    loaded = load_settings({"CARNET_ENV": "test", "CARNET_DATA_DIR": str(tmp_path), "CARNET_SECRET": TEST_SECRET,
                            "CARNET_ORIGIN": written[0]})
    return dataclasses.replace(loaded, page_size=5, journal_interval=0.0)


async def test_a_passkey_is_registered_on_the_origin_as_browsers_send_it(app, patient, written):
    """An operator's probe: "HTTPS://Carnet.Example:443" was accepted, and every passkey was then refused, its
    clientData naming "https://carnet.example" as a browser serializes the origin."""
    _, origin, rp_id = written
    async with AsyncTestClient(app, base_url=origin) as client:
        authenticator = await activate(client, patient, SoftAuthenticator(origin=origin, rp_id=rp_id))
    async with AsyncTestClient(app, base_url=origin) as another_day:
        assert (await login(another_day, authenticator)).status_code == 200


@pytest.mark.parametrize("name, value, said", [
    # They would have been the transparency log's published name (its checkpoints', its key's).
    ("CARNET_ORIGIN", "https://carnet:s3cr3t@carnet.example.fr", "sans utilisateur ni mot de passe avant l'hôte"),
    # An RP ID read as browsers hash it, in Punycode: one IDNA cannot write was a traceback.
    ("CARNET_RP_ID", "carnet..example.fr", "CARNET_RP_ID doit être un nom de domaine, pas 'carnet..example.fr'"),
])
def test_an_origin_or_rp_id_no_browser_could_send_is_refused_in_one_line(tmp_path, name, value, said):
    env = {"CARNET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", name: value}
    result = subprocess.run([sys.executable, "-c", "from server.cli import main; main()", "migrate"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 1 and said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "s3cr3t" not in result.stderr
