"""Settings refuse unsafe deployments; the migrations match the models; the CLI works."""

import os
import re
import socket
import sqlite3
import subprocess
import sys

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from server.config import SettingsError, load_settings
from server.db import make_engine
from server.identifiers import is_valid_ins
from server.migrate import upgrade
from tests.cli import carnet_in_process
from tests.conftest import PRODUCTION_SECRET
from tests.fhir_support import Software
from tests.live_server import running_server


def test_development_runs_with_the_default_secret(tmp_path):
    assert load_settings({"CARNET_DATA_DIR": str(tmp_path)}).env == "development"


@pytest.mark.parametrize("env", ["production", "test"])
def test_outside_development_the_default_secret_is_refused(tmp_path, env):
    with pytest.raises(SettingsError, match="CARNET_SECRET"):
        load_settings({"CARNET_ENV": env, "CARNET_DATA_DIR": str(tmp_path), "CARNET_ORIGIN": "https://carnet.example.fr"})


@pytest.mark.parametrize(("secret", "said"), [
    # An env file expands no variable (systemd, docker --env-file): the secret was this name, which the unit shows.
    ("${CARNET_SECRET_FROM_THE_VAULT_OF_PRODUCTION}", "une variable du shell qui n'a jamais été remplacée "
                                                     "(${CARNET_SECRET_FROM_THE_VAULT_OF_PRODUCTION})"),
    ("$CARNET_SECRET_FROM_THE_VAULT_OF_PRODUCTION_1", "une variable du shell qui n'a jamais été remplacée"),
    # 32 characters or more that a guess finds.
    ("x" * 40, "trop peu de caractères différents"),
    ("changeme" * 5, "trop peu de caractères différents"),
    ("0123456789" * 4, "trop peu de caractères différents"),
])
def test_production_refuses_a_secret_anyone_could_guess(tmp_path, secret, said):
    """An operator's probe: a secret of 32 "x", or a `${…}` that the unit's env file never expanded, started a
    production server whose CSRF tokens anyone could sign."""
    env = {"CARNET_ENV": "production", "CARNET_SECRET": secret, "CARNET_DATA_DIR": str(tmp_path),
           "CARNET_ORIGIN": "https://carnet.example.fr", "CARNET_CONTROLLER": "CHU", "CARNET_DPO_CONTACT": "dpo@chu.fr"}
    with pytest.raises(SettingsError, match=re.escape(said)):
        load_settings(env)
    load_settings(env | {"CARNET_SECRET": PRODUCTION_SECRET})  # as README makes one
    load_settings(env | {"CARNET_SECRET": "3f9a1c7be2d84a06f5c9e1b7d3a8f2c4e6b0d9a7c5e3f1b8d2a4c6e8f0b1d3a5"})  # openssl's hex


def test_production_needs_https(tmp_path):
    with pytest.raises(SettingsError, match="https"):
        load_settings({"CARNET_ENV": "production", "CARNET_SECRET": PRODUCTION_SECRET, "CARNET_DATA_DIR": str(tmp_path)})


def test_the_rp_id_must_match_the_origin(tmp_path):
    with pytest.raises(SettingsError, match="RP_ID"):
        load_settings({"CARNET_ORIGIN": "https://carnet.example.fr", "CARNET_RP_ID": "evil.example", "CARNET_DATA_DIR": str(tmp_path)})


def test_an_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(SettingsError):
        load_settings({"CARNET_ENV": "prod", "CARNET_DATA_DIR": str(tmp_path)})


@pytest.mark.parametrize(("name", "value", "said"), [
    ("CARNET_SESSION_IDLE_MINUTES", "abc", "CARNET_SESSION_IDLE_MINUTES doit être un nombre entier, pas 'abc'"),
    ("CARNET_JOURNAL_INTERVAL", "1s", "CARNET_JOURNAL_INTERVAL doit être un nombre, pas '1s'"),
    ("CARNET_JOURNAL_WITNESSES_REQUIRED", "x", "CARNET_JOURNAL_WITNESSES_REQUIRED doit être un nombre entier"),
    # 0: every session ended before its first page, and no one could log in.
    ("CARNET_SESSION_IDLE_MINUTES", "0", "CARNET_SESSION_IDLE_MINUTES va de 1 à 720 minutes"),
    ("CARNET_SESSION_IDLE_MINUTES", "-5", "CARNET_SESSION_IDLE_MINUTES va de 1 à 720 minutes"),
    # README's generator put as is in a systemd unit, which runs no command: the secret would be this public text.
    ("CARNET_SECRET", "$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')",
     "une commande du shell qui n'a jamais été exécutée"),
    ("CARNET_TRUSTED_PROXIES", "10.0.0.5, proxy.internal", "'proxy.internal' n'est pas une adresse ou un réseau IP"),
    # An operator's probe: each of these was a Python traceback, or an error about CARNET_RP_ID, never set.
    ("DATABASE_URL", "postgres://carnet:s3cr3t@db.internal/carnet",
     "DATABASE_URL commence par sqlite+aiosqlite:///… ou postgresql+asyncpg://…, pas postgres://…"),
    ("DATABASE_URL", "sqlite:////var/lib/carnet/carnet.sqlite3", "pas sqlite://…"),
    ("DATABASE_URL", "/var/lib/carnet/carnet.sqlite3",
     "DATABASE_URL n'est pas l'adresse d'une base de données : sqlite+aiosqlite:///chemin"),
    ("DATABASE_URL", "postgresql+asyncpg://carnet:s3cr3t@db.internal:port/carnet",
     "DATABASE_URL n'est pas l'adresse d'une base"),
    ("CARNET_ORIGIN", "http://[::1", "CARNET_ORIGIN est l'adresse du site, http(s)://hôte[:port]"),
    ("CARNET_ORIGIN", "carnet.example.fr:443", "pas 'carnet.example.fr:443'"),
    ("CARNET_ORIGIN", "https://carnet.example.fr/carnet", "et rien après"),
])
def test_a_setting_a_unit_file_got_wrong_is_named(tmp_path, name, value, said):
    """An operator's probe: a typo in a number was a Python traceback, a session of 0 minutes started a server no one
    could log in to, and a secret written as README's command was taken as it stood."""
    env = {"CARNET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", name: value}
    result = carnet_in_process(env, "migrate")
    assert result.returncode == 1 and said in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert "s3cr3t" not in result.stderr  # a database URL's password


def test_attempts_are_counted_for_the_client_a_trusted_proxy_names(tmp_path):
    """A proxy on another host than Carnet's (CARNET_TRUSTED_PROXIES): its X-Forwarded-For names the client whose
    wrong codes are counted; before, every client was the proxy, and one person's typos paused a whole site."""
    with running_server(prefix="carnet-proxy-", environ={"CARNET_TRUSTED_PROXIES": "127.0.0.2"}) as server:
        proxy = httpx.Client(base_url=server.url, transport=httpx.HTTPTransport(local_address="127.0.0.2"))

        def recover(client: str) -> int:
            form = proxy.get("/recuperation", headers={"X-Forwarded-For": client})
            token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)[1]
            return proxy.post("/recuperation", data={"_csrf_token": token, "recovery_code": "AAAA-BBBB-CCCC-DDDD"},
                              headers={"X-Forwarded-For": client}).status_code

        with proxy:
            assert [recover("203.0.113.7") for _ in range(6)] == [400] * 5 + [429]
            assert recover("203.0.113.8") == 400  # another person behind the same proxy


def not_search_index(obj, name, type_, reflected, compare_to) -> bool:
    """The full-text index lives outside the models (search.py): FTS5's tables, list of words and deletions to
    merge away, PostgreSQL's tsvector."""
    return not (name or "").startswith(("document_search", "search_word", "search_erasure"))


async def test_the_migrations_build_exactly_the_models(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}")
    await upgrade(engine)
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda sync: compare_metadata(
            MigrationContext.configure(sync, opts={"include_object": not_search_index}), SQLModel.metadata))
    await engine.dispose()
    assert diff == []


def carnet(tmp_path, *args):
    env = {"CARNET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    return carnet_in_process(env, *args)


def test_python_dash_m_server_cli_is_the_carnet_command(tmp_path):
    result = subprocess.run([sys.executable, "-m", "server.cli", "--help"], capture_output=True, text=True,
                            env={"CARNET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 0 and "activation-code" in result.stdout, result.stderr


# Every command's --help, each after a form feed and the command's words, from one process: a process for each of
# the 27 commands took 12 s of CPU.
EVERY_HELP = """
from server.cli import main

def walk(command, words):
    yield words
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, [*words, name])

for words in walk(main, []):
    print("\\f" + " ".join(words))
    main([*words, "--help"], prog_name="carnet", standalone_mode=False)
"""


def test_every_commands_help_speaks_french(tmp_path):
    """An operator's probe: "Utilisation : carnet serve [OPTIONS]" then "Options:", "Show this message and exit.",
    "[default: 127.0.0.1]", "[required]" and every command's description in English."""
    result = subprocess.run([sys.executable, "-c", EVERY_HELP], capture_output=True, text=True, timeout=120,
                            env={"CARNET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    helps = dict(page.split("\n", 1) for page in result.stdout.split("\f")[1:])
    assert {"", "serve", "audit verify-proof", "import dossier", "witness serve", "professional add"} <= set(helps)
    groups = {words for words in helps if any(other.startswith(f"{words} ".lstrip()) for other in helps if other != words)}
    for words, text in helps.items():
        said = f"{' '.join(['carnet', *words.split(), '--help'])}:\n{text}"
        assert f"Utilisation : carnet {words}".strip() in text, said
        assert "Options :" in text and re.search(r"--help +Afficher ce message et quitter\.", text), said
        for english in ("Usage:", "Options:", "Commands:", "Arguments:", "Show this message", "[default:",
                        "[required]"):
            assert english not in text, said
        assert not re.search(r"\b(TEXT|INTEGER|COMMAND|ARGS|PATH|FILE)\b", text), said  # Click's metavars
        assert not re.search(r"\b(the|and|with|of|from|its|their)\b", text, re.IGNORECASE), said
        if words in groups:
            assert "COMMANDE" in text.split("\n\n")[0] and "Commandes :\n" in text, said
            listed = text.split("Commandes :\n")[1].splitlines()
            assert listed and not [row for row in listed if row.endswith("...")], said  # a first sentence cut short
    assert "[par défaut : 127.0.0.1]" in helps["serve"] and "[obligatoire]" in helps["import dossier"]
    assert "Arguments :\n  FICHIER  La copie du dossier" in helps["import dossier"]


def test_the_commands_leave_nothing_behind_in_the_temporary_directory_even_when_killed(tmp_path):
    """Each command compiled Click's French catalogue into a directory of its own, removed at exit: a `serve` stopped
    with SIGKILL left its directory, 464 of them in /tmp after a day of test runs. One directory per version of the
    catalogue and user now, reused."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {"CARNET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "TMPDIR": str(temporary)}
    for _ in range(2):
        said = subprocess.run([sys.executable, "-m", "server.cli", "--nope"], capture_output=True, text=True, env=env,
                              timeout=120)
        assert "Erreur : Option inconnue : '--nope'." in said.stderr, said.stderr
    with running_server(environ={"TMPDIR": str(temporary)}) as server:  # a `serve` killed once it answers
        server.process.kill()
        server.process.wait(timeout=30)
    left = [path.name for path in temporary.iterdir()]
    assert len(left) == 1 and left[0].startswith(f"carnet-click-{os.getuid()}-"), left


def test_the_commands_say_an_operators_mistake_in_french_never_with_a_traceback(tmp_path):
    """An outside probe's finds: an impossible day was a ValueError's traceback, a database refused or unreachable
    187 lines of one, an unknown driver a ModuleNotFoundError, and a wrong --birth-date for a known INS ignored."""
    for args, said in (
        (("caregivers", "majority", "--at", "2026-02-30"), "« 2026-02-30 » n'est pas une date : écrivez-la AAAA-MM-JJ"),
        (("activation-code", "--ins", "284037505612355", "--birth-date", "1984-13-45"), "« 1984-13-45 » n'est pas"),
    ):
        result = carnet(tmp_path, *args)
        assert result.returncode == 2 and said in result.stderr and "Traceback" not in result.stderr, result.stderr
    # Click's own errors too (an unknown option, a value of the wrong kind), through its gettext catalogue.
    for args, said in (
        (("--nope",), "Erreur : Option inconnue : '--nope'."),
        (("serve", "--port", "abc"), "Erreur : Valeur incorrecte pour '--port' : 'abc' n'est pas un nombre valide.\n"),
        (("serve", "--port", "70000"), "'--port' : 70000 n'est pas dans l'intervalle 1<=x<=65535."),  # was a traceback
        (("serve", "--workers", "0"), "'--workers' : 0 n'est pas dans l'intervalle 1<=x<=64."),
        (("import", "remboursements", "/nonexistent"), "Fichier '/nonexistent' n'existe pas."),
        (("activation-code", "--ins", "1", "--sex", "X"), "'X' n'est pas parmi 'F', 'M'."),
    ):
        result = carnet(tmp_path, *args)
        assert result.returncode == 2 and said in result.stderr and "Utilisation :" in result.stderr, result.stderr
    (tmp_path / "a-file").write_text("")
    for url, data_dir, before, said in (
        ("postgresql+asyncpg://carnet:secret@127.0.0.1:1/carnet", tmp_path, "",
         "Erreur : Erreur du système : connexion refusée. La base de données ne répond pas : vérifiez DATABASE_URL"),
        ("postgresql+asyncpg://carnet:secret@nohost.invalid/carnet", tmp_path, "",
         "Erreur : Erreur du système : nom d'hôte inconnu. La base de données ne répond pas : vérifiez DATABASE_URL"),
        ("mysql://carnet@localhost/carnet", tmp_path, "",
         "DATABASE_URL commence par sqlite+aiosqlite:///… ou postgresql+asyncpg://…, pas mysql://…"),
        # Each cause said as what it is (the review's note: every system error named DATABASE_URL, a guess).
        ("", tmp_path / "a-file" / "data", "",
         f"Erreur du système : un élément du chemin n'est pas un dossier ({tmp_path / 'a-file' / 'data'}). Vérifiez "
         "que ce chemin existe et que Carnet peut y écrire (CARNET_DATA_DIR)."),
        # As if pip had not installed it: a process of its own, whose import of the driver fails.
        ("", tmp_path, "import sys; sys.modules['aiosqlite'] = None; ",
         "Module Python introuvable : aiosqlite. L'installation de Carnet est incomplète : réinstallez-la"),
    ):
        env = {"CARNET_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", **({"DATABASE_URL": url} if url else {})}
        if before:
            result = subprocess.run([sys.executable, "-c", f"{before}from server.cli import main; main()", "migrate"],
                                    capture_output=True, text=True, timeout=120, env=env)
        else:
            result = carnet_in_process(env, "migrate")
        assert result.returncode == 1 and said in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert "secret" not in result.stderr and "alembic.runtime.plugins" not in result.stderr


def test_the_activation_code_command_creates_the_patient_and_prints_a_code(tmp_path):
    assert is_valid_ins("284037505612355")  # key = 97 - (2840375056123 mod 97) = 55
    result = carnet(tmp_path, "activation-code", "--ins", "2 84 03 75 056 123 55", "--given-name", "Zoé",
                    "--family-name", "Durand", "--birth-date", "1984-03-12", "--sex", "F")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", result.stdout.strip())
    again = carnet(tmp_path, "activation-code", "--ins", "284037505612355")
    assert again.returncode == 0 and again.stdout.strip() != result.stdout.strip()
    bad = carnet(tmp_path, "activation-code", "--ins", "123")
    assert bad.returncode != 0 and "Ce matricule INS n'est pas valide" in bad.stderr  # not "Patient inconnu"


def test_the_activation_code_command_says_whose_code_it_is_and_refuses_another_identity(tmp_path):
    """An operator's probe: a code for a known INS ignored a name and birth date that were not its patient's, printed
    no one's name, and ended the code its patient held."""
    zoe = ["--ins", "284037505612355"]
    first = carnet(tmp_path, "activation-code", *zoe, "--given-name", "Zoé", "--family-name", "Durand",
                   "--birth-date", "1984-03-12", "--sex", "F")
    assert first.returncode == 0, first.stderr
    assert "Pour Zoé Durand, née le 12\u00a0mars 1984 : à saisir avec sa date de naissance sur " in first.stderr
    other = carnet(tmp_path, "activation-code", *zoe, "--given-name", "Autre", "--family-name", "Durand",
                   "--birth-date", "1950-03-12")
    assert other.returncode != 0 and other.stdout == ""
    assert "dont le prénom et la date de naissance ne correspondent pas" in other.stderr, other.stderr
    same = carnet(tmp_path, "activation-code", *zoe, "--given-name", "ZOE", "--family-name", "durand")  # as typed
    assert same.returncode == 0 and "Pour Zoé Durand" in same.stderr


def test_the_activation_code_command_refuses_an_invalid_ins(tmp_path):
    result = carnet(tmp_path, "activation-code", "--ins", "184037505612300", "--given-name", "A",
                    "--family-name", "B", "--birth-date", "1984-03-12", "--sex", "M")
    assert result.returncode != 0
    assert "INS n'est pas valide" in result.stderr


def test_the_activation_code_command_refuses_a_name_that_shows_nothing(tmp_path):
    result = carnet(tmp_path, "activation-code", "--ins", "284037505612355", "--given-name", "Zoé",
                    "--family-name", "\u2800", "--birth-date", "1984-03-12", "--sex", "F")
    assert result.returncode != 0 and "prénom et le nom du patient" in result.stderr
    assert "Patient inconnu" in carnet(tmp_path, "activation-code", "--ins", "284037505612355").stderr  # none made


def test_the_activation_code_command_checks_what_the_professional_s_form_checks(tmp_path):
    """An operator's typing met no check (an outside probe's find): born in year 1 or in 2095, a 10,000-letter name,
    an INS saying a man born in 1950 for a woman born in 1988, escape and direction characters, "day is out of range
    for month" in English. Each is refused in French, and nothing is made."""
    base = ["activation-code", "--ins", "284037505612355", "--given-name", "Zoé", "--family-name", "Durand",
            "--birth-date", "1984-03-12", "--sex", "F"]

    def changed(option, value):
        args = list(base)
        args[args.index(option) + 1] = value
        return args
    for args, said in (
        (changed("--birth-date", "0001-01-01"), "date de naissance n'est pas valide"),
        (changed("--birth-date", "2095-06-01"), "date de naissance n'est pas valide"),
        (changed("--birth-date", "1984-02-31"), "« 1984-02-31 » n'est pas une date"),
        (changed("--given-name", "Z" * 10_000), "100 caractères au plus"),
        (changed("--sex", "M"), "ne correspond pas au sexe ou à la date de naissance"),
        (changed("--birth-date", "1988-01-01"), "ne correspond pas au sexe ou à la date de naissance"),
    ):
        result = carnet(tmp_path, *args)
        assert result.returncode != 0 and said in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    assert "Patient inconnu" in carnet(tmp_path, "activation-code", "--ins", "284037505612355").stderr  # none made
    # A French date is read too, and a name's control and direction characters are left out, as the forms do.
    args = changed("--family-name", "Dur\x1band\u202e")
    args[args.index("--birth-date") + 1] = "12/03/1984"
    result = carnet(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "carnet.sqlite3") as database:
        assert database.execute("SELECT family_name, birth_date FROM patient").fetchall() == [("Durand", "1984-03-12")]


async def test_connections_to_several_workers_turn_nagle_off():
    """`carnet serve --workers N` shares one listening socket: the connections it accepts must still get
    TCP_NODELAY, or each keep-alive response waits for the client's delayed ACK (Kludex/uvicorn#3149)."""
    import asyncio
    import socket

    from server.serving import ServerConfig

    listener = ServerConfig("server.asgi:app", host="127.0.0.1", port=0, workers=2).bind_socket()
    accepted: asyncio.Future = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport):
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
    try:
        _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        assert await asyncio.wait_for(accepted, 5) != 0
        writer.close()
    finally:
        server.close()


def test_registering_the_insurers_system_refuses_a_bad_key_file_in_french(tmp_path):
    key_file = tmp_path / "assurance-maladie.jwk"
    for content, said in ((b'{"kty": ["EC"]}', "Seules les clés EC (P-384, pour ES384) et RSA"),
                          ("{\"kty\": \"EC\", \"crv\": \"P-384\"}".encode("latin-1") + b"\xe9",
                           "Ce fichier n'est pas du texte UTF-8")):
        key_file.write_bytes(content)
        result = carnet(tmp_path, "logiciel", "assureur", "--nom", "Assurance Maladie", "--jwk", str(key_file))
        assert result.returncode == 1 and said in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    # Windows' Notepad starts a UTF-8 file with a byte order mark: still the key it holds.
    key_file.write_bytes(b"\xef\xbb\xbf" + Software().public_jwk().encode())
    saved = carnet(tmp_path, "logiciel", "assureur", "--nom", "Assurance Maladie", "--jwk", str(key_file))
    assert saved.returncode == 0 and "client_id : " in saved.stdout, saved.stderr


def test_the_database_and_the_data_directory_are_readable_by_carnets_user_alone(tmp_path):
    """An operator's probe: with a shell's umask (022), the SQLite database, its WAL and the data directory were made
    readable by every local account (names, INS, the profile, the log), while documents and keys were private. Made
    so from the start, and an older installation's made private at the next command."""
    import stat

    data = tmp_path / "donnees"
    env = {"CARNET_ENV": "development", "CARNET_DATA_DIR": str(data)}
    assert carnet_in_process(env, "migrate").returncode == 0
    made = [data, *(data / name for name in ("carnet.sqlite3", "carnet.sqlite3-wal", "carnet.sqlite3-shm"))]
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in made if path.exists()}
    assert modes == {"donnees": 0o700, **{name: 0o600 for name in modes if name != "donnees"}}, modes
    assert "carnet.sqlite3" in modes
    for path in made:  # as an earlier version left them
        if path.exists():
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert carnet_in_process(env, "migrate").returncode == 0
    # The database's files made private; a directory that existed left as its owner made it (it may be /var/lib).
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in made if path.exists()} == modes | {
        "donnees": 0o755}
    subprocess.run([sys.executable, "-m", "server.cli", "migrate"], check=True, timeout=120,  # a process of its own
                   env={**env, "CARNET_DATA_DIR": str(tmp_path / "autre"), "PATH": "/usr/bin:/bin"})
    assert stat.S_IMODE((tmp_path / "autre" / "carnet.sqlite3").stat().st_mode) == 0o600


def test_a_comment_copied_after_a_value_is_refused_not_taken_into_it(tmp_path):
    """An operator's probe: README's environment block, comments after the values, put in a systemd env file (which
    strips none): Carnet made a data directory named with the comment, and showed patients the controller's name
    with its quotes and comment."""
    data_dir = tmp_path / "data"
    for name, value in (("CARNET_DATA_DIR", f"{data_dir}        # document files: shared storage if several hosts"),
                        ("CARNET_CONTROLLER", "\"Caisse exemple, 1 rue de l'Exemple, 75000 Paris\"   # who answers"),
                        ("CARNET_DPO_CONTACT", "dpo@example.fr      # its data protection officer"),
                        ("DATABASE_URL", "postgresql+asyncpg://carnet:s3cr3t@db.internal/carnet  # the database")):
        result = carnet_in_process({"CARNET_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", name: value}, "migrate")
        assert result.returncode == 1 and result.stderr == (
            f"Erreur : {name} porte un commentaire après sa valeur (« … # … ») : systemd et docker --env-file le "
            "lisent comme une part de la valeur. Mettez le commentaire sur une ligne à lui.\n"), result.stderr
    assert list(tmp_path.iterdir()) == []
    # A controller's name may hold a "#" (a building's number) and stays as written.
    controller = "Caisse exemple, bâtiment # 3"
    assert load_settings({"CARNET_CONTROLLER": controller, "CARNET_DATA_DIR": str(data_dir)}).controller == controller


def test_serve_says_in_french_that_its_address_is_taken_or_unknown(tmp_path):
    """An outside probe's find: a port in use, or a host that is no address, was uvicorn's English (`[Errno 98] error
    while attempting to bind`) after "Carnet sur …" and "Application startup complete"."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = carnet(tmp_path, "serve", "--port", str(port))
    assert result.returncode == 1 and result.stderr.endswith(
        f"Erreur : Carnet ne peut pas écouter sur 127.0.0.1:{port} : adresse déjà utilisée (un autre serveur "
        "écoute-t-il sur ce port ?).\n") and "Carnet sur" not in result.stdout, (result.stdout, result.stderr)
    result = carnet(tmp_path, "serve", "--host", "nohost.invalid", "--port", str(port))
    assert result.returncode == 1 and "--host nohost.invalid : nom d'hôte inconnu" in result.stderr, result.stderr


def test_production_refuses_to_trust_every_proxy_while_listening_beyond_this_machine(tmp_path):
    """An operator's probe: "*" believed any client's X-Forwarded-For (and so reset the attempts a form counts by
    address) with Carnet listening on 0.0.0.0; behind its proxy, on 127.0.0.1, it is the README's case."""
    env = {"CARNET_ENV": "production", "CARNET_SECRET": PRODUCTION_SECRET, "CARNET_DATA_DIR": str(tmp_path),
           "CARNET_ORIGIN": "https://carnet.example.fr", "CARNET_CONTROLLER": "Caisse exemple",
           "CARNET_DPO_CONTACT": "dpo@example.fr", "CARNET_TRUSTED_PROXIES": "*"}
    refused = carnet_in_process(env, "serve", "--host", "0.0.0.0", "--port", "18999")
    assert refused.returncode == 1 and "CARNET_TRUSTED_PROXIES=* croit l'adresse" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "carnet.sqlite3").exists()  # before anything
