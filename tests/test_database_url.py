"""DATABASE_URL as an operator writes it: libpq's options (sslmode, application_name, connect_timeout) reach asyncpg
in its own words, TLS to a database on another host, and each way it can fail said in French, never a traceback."""

import os
import shutil
import ssl
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from server.db import make_engine
from server.db.postgres import UnusableOption, asyncpg_arguments
from tests.cli import carnet_in_process
from tests.pgserver import create_database, running_postgres

BASE = "postgresql+asyncpg://carnet:s3cr3t@127.0.0.1:1/carnet"


def migrate(tmp_path, url: str) -> subprocess.CompletedProcess:
    env = {"CARNET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "DATABASE_URL": url}
    result = carnet_in_process(env, "migrate")
    assert "Traceback" not in result.stderr and "s3cr3t" not in result.stderr, result.stderr
    return result


def test_libpq_options_in_database_url_are_given_to_asyncpg_in_its_own_words(tmp_path):
    """An operator's probe: `?sslmode=require` (or application_name, connect_timeout), the options a DBA adds first,
    ended `carnet migrate` in a 97-line traceback (asyncpg's connect() takes none of them)."""
    result = migrate(tmp_path, f"{BASE}?sslmode=require&application_name=carnet&connect_timeout=5")
    assert result.returncode == 1 and "connexion refusée" in result.stderr, result.stderr

    url, arguments = asyncpg_arguments(f"{BASE}?sslmode=require&application_name=carnet&connect_timeout=5")
    assert not url.query and url.password == "s3cr3t"
    assert arguments["server_settings"] == {"application_name": "carnet"} and arguments["timeout"] == 5
    assert arguments["ssl"].verify_mode == ssl.CERT_NONE  # libpq's require: encrypted, no certificate checked
    for mode in ("disable", "prefer"):
        assert asyncpg_arguments(f"{BASE}?sslmode={mode}")[1] == {"ssl": mode}
    full = asyncpg_arguments(f"{BASE}?ssl=verify-full")[1]["ssl"]  # asyncpg's own name for it, too
    assert full.verify_mode == ssl.CERT_REQUIRED and full.check_hostname
    verify_ca = asyncpg_arguments(f"{BASE}?sslmode=verify-ca")[1]["ssl"]
    assert verify_ca.verify_mode == ssl.CERT_REQUIRED and not verify_ca.check_hostname
    assert asyncpg_arguments(BASE)[1] == {}


@pytest.mark.parametrize(("query", "said"), [
    ("target_session_attrs=read-write", "DATABASE_URL : paramètre « target_session_attrs » non pris en charge par "
                                        "Carnet ; il prend sslmode, sslrootcert"),
    ("sslmode=required", "DATABASE_URL : sslmode=required inconnu ; il prend disable, allow, prefer, require"),
    ("connect_timeout=5s", "DATABASE_URL : connect_timeout=5s n'est pas un nombre entier de secondes"),
    ("sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
     "DATABASE_URL : sslrootcert=/nonexistent/ca.pem : fichier introuvable ou illisible par Carnet."),
    ("sslrootcert=/etc/hostname", "DATABASE_URL : sslrootcert demande sslmode=require, verify-ca ou verify-full."),
    ("sslmode=require&sslmode=disable", "DATABASE_URL : le paramètre « sslmode » est donné plusieurs fois."),
])
def test_an_option_carnet_cannot_pass_on_is_refused_in_one_french_line_naming_it(tmp_path, query, said):
    result = migrate(tmp_path, f"{BASE}?{query}")
    assert result.returncode == 1 and said in result.stderr and len(result.stderr.strip().splitlines()) == 1, \
        result.stderr
    with pytest.raises(UnusableOption):
        asyncpg_arguments(f"{BASE}?{query}")


async def test_the_options_reach_postgresql_and_a_missing_database_is_named(postgres, tmp_path):
    url = await create_database(postgres, "carnet_url_options")
    engine = make_engine(f"{url}?application_name=carnet-h&connect_timeout=5&sslmode=prefer")
    async with engine.connect() as connection:
        assert (await connection.execute(text("SHOW application_name"))).scalar() == "carnet-h"
    await engine.dispose()
    assert migrate(tmp_path, f"{url}?application_name=carnet&connect_timeout=5").returncode == 0
    # The one thing wrong, its name, was not among what the message said to check.
    result = migrate(tmp_path, f"{postgres}/carnet_nonexistent")
    assert result.returncode == 1 and "Le serveur PostgreSQL n'a pas de base de données « carnet_nonexistent » : " \
        "créez-la" in result.stderr, result.stderr
    # It answers, but not in TLS: it was "ne répond pas : vérifiez DATABASE_URL (hôte, port)".
    result = migrate(tmp_path, f"{url}?sslmode=require")
    assert result.returncode == 1 and "refuse le chiffrement (TLS)" in result.stderr, result.stderr


@pytest.fixture(scope="module")
def tls_postgres():
    """A PostgreSQL server that speaks TLS, its certificate (for 127.0.0.1, not for localhost) signed by a CA of
    the test's; the CA's file."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    keys = Path(tempfile.mkdtemp(prefix="carnet-tls-"))  # pytest's are closed to the server's user

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=keys, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-days", "2", "-subj", "/CN=Carnet test CA")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key",
            "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (keys / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    os.chmod(keys / "server.key", 0o600)
    if os.geteuid() == 0:  # the server runs as `postgres`, which must own its key
        os.chmod(keys, 0o755)
        for name in ("server.key", "server.pem"):
            shutil.chown(keys / name, "postgres")
    options = f"-c ssl=on -c ssl_cert_file={keys / 'server.pem'} -c ssl_key_file={keys / 'server.key'}"
    try:
        with running_postgres(options=options) as base:
            yield base, keys / "ca.pem"
    finally:
        shutil.rmtree(keys)


async def test_the_connection_to_postgresql_is_encrypted_and_its_certificate_checked(tls_postgres, tmp_path):
    """README's deployment puts the database on another host: health data crossing a network, encrypted with
    sslmode=require, and the server's identity checked with verify-full and the CA's certificate."""
    base, ca = tls_postgres
    url = await create_database(base, "carnet_tls")
    for query in ("sslmode=require", f"sslmode=verify-full&sslrootcert={ca}", f"sslmode=verify-ca&sslrootcert={ca}"):
        engine = make_engine(f"{url}?{query}")
        async with engine.connect() as connection:
            used = (await connection.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")))
            assert used.scalar() is True, query
        await engine.dispose()
    assert migrate(tmp_path, f"{url}?sslmode=verify-full&sslrootcert={ca}").returncode == 0
    # The certificate names 127.0.0.1, not localhost; and the system's authorities do not know the test's CA.
    wrong_host = url.replace("127.0.0.1", "localhost")
    for wrong, said in ((f"{wrong_host}?sslmode=verify-full&sslrootcert={ca}", "ne porte pas le nom de l'hôte"),
                        (f"{url}?sslmode=verify-full", "n'est pas signé par l'autorité donnée (sslrootcert)")):
        result = migrate(tmp_path, wrong)
        assert result.returncode == 1 and "Le serveur PostgreSQL n'a pas pu être vérifié : " in result.stderr \
            and said in result.stderr, result.stderr


def test_a_sqlite_file_that_cannot_be_made_is_said_as_what_it_is_not_as_a_database_password(tmp_path):
    """An operator's probe: a data directory Carnet cannot write to, or a SQLite path whose directory is missing, was
    "vérifiez DATABASE_URL (hôte, port, utilisateur, mot de passe…)", DATABASE_URL unset."""
    (tmp_path / "data" / "carnet.sqlite3").mkdir(parents=True)
    env = {"CARNET_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    result = carnet_in_process(env, "migrate")
    assert result.returncode == 1 and result.stderr.strip() == (
        f"Erreur : La base de données SQLite ({tmp_path / 'data' / 'carnet.sqlite3'}) ne peut pas être ouverte : "
        "c'est un dossier, pas un fichier. Vérifiez ce chemin et que Carnet peut y écrire (CARNET_DATA_DIR)."
    ), result.stderr
    result = migrate(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x' / 'carnet.sqlite3'}")
    assert result.returncode == 1 and (
        f"ne peut pas être ouverte : son dossier, {tmp_path / 'missing' / 'x'}, n'existe pas. Vérifiez ce chemin et "
        "que Carnet peut y écrire (DATABASE_URL)."
    ) in result.stderr and "mot de passe" not in result.stderr, result.stderr


def test_an_unknown_host_from_a_password_written_unencoded_gets_the_hint_to_encode_it(tmp_path):
    """An operator's probe: `p@ss` in the password made the host "ss@…", said as an unknown host with no word of
    the %40 that README asks for (the refused-password message had it)."""
    result = migrate(tmp_path, "postgresql+asyncpg://carnet:s3cr3t@p@ss@nohost.invalid/carnet")
    assert result.returncode == 1 and "nom d'hôte inconnu" in result.stderr and "%40" in result.stderr, result.stderr
