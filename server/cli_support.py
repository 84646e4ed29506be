"""What every `carnet` command needs: the settings, a migrated database session, and its failures said in French
(an operator's mistake, a database that refuses: never a traceback)."""

from __future__ import annotations

import atexit
import errno
import gettext
import hashlib
import socket
import sqlite3
import os
import shutil
import ssl
import stat
import tempfile
from datetime import date
from pathlib import Path

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy.exc import DBAPIError, InterfaceError

from .config import SettingsError, load_settings


def click_in_french() -> None:
    """Click's own errors (an unknown option, a value of the wrong kind) in French: Click says them through gettext's
    default domain, which is bound here to i18n/fr/LC_MESSAGES/click.po, compiled by Babel. A text the catalogue lacks
    stays Click's English."""
    gettext.bindtextdomain("click", str(compiled_click_catalogue()))
    gettext.textdomain("click")
    os.environ["LANGUAGE"] = "fr"  # the interface speaks French, whatever the operator's locale


def compiled_click_catalogue() -> Path:
    """A directory holding fr/LC_MESSAGES/click.mo, compiled once for each version of the catalogue and each user and
    then reused. A directory per process, removed at exit, was left behind by every command stopped with SIGKILL (a
    killed `serve`: 464 of them in /tmp after a day of test runs). A name held by someone else gets a directory of
    this process's own, as before."""
    source = Path(__file__).parent / "i18n" / "fr" / "LC_MESSAGES" / "click.po"
    name = f"carnet-click-{os.getuid()}-{hashlib.sha256(source.read_bytes()).hexdigest()[:16]}"
    shared = Path(tempfile.gettempdir()) / name
    if _ours(shared):
        return shared
    fresh = Path(tempfile.mkdtemp(prefix=f"{name}."))
    target = fresh / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with source.open("rb") as po, (target / "click.mo").open("wb") as mo:
        write_mo(mo, read_po(po, locale="fr"))
    try:
        fresh.rename(shared)  # whole or not at all: a process reading it never meets half a file
        return shared
    except OSError:  # another command made it first, or the name is someone else's
        if _ours(shared):
            shutil.rmtree(fresh, ignore_errors=True)
            return shared
        atexit.register(shutil.rmtree, fresh, True)
        return fresh


def _ours(directory: Path) -> bool:
    """A directory of this user's, which no one else may write to, with the compiled catalogue in it."""
    try:
        status = directory.lstat()
    except FileNotFoundError:
        return False
    return (stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and not status.st_mode & 0o022
            and (directory / "fr" / "LC_MESSAGES" / "click.mo").is_file())


def settings():
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


# The database's files SQLite makes in the data directory (the default DATABASE_URL's), and what they hold.
DATABASE_FILES = ("carnet.sqlite3", "carnet.sqlite3-wal", "carnet.sqlite3-shm")


def private_data_dir(settings) -> None:
    """The data directory, made if missing (its user's alone), and its database's files, readable by Carnet's user
    alone: main()'s umask keeps what it makes so; a database made before (by an earlier version, or by hand) is made
    so here, at each `serve`, `migrate` and `demo`. Not an existing directory: CARNET_DATA_DIR may name one that is
    not Carnet's alone (/var/lib), whose mode is its owner's to choose; what it holds of Carnet's is private."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in (settings.data_dir / name for name in DATABASE_FILES):
        try:
            status = path.stat()
        except FileNotFoundError:
            continue
        if status.st_uid == os.getuid() and status.st_mode & 0o077:
            path.chmod(status.st_mode & 0o700)


async def with_db(settings, work):
    """`work(session)` on the configured database, brought to the latest schema first."""
    from .db import make_engine, make_sessionmaker
    from .migrate import upgrade

    if settings.is_sqlite:
        sqlite_file_usable(settings)
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with make_sessionmaker(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


def sqlite_file_usable(settings) -> None:
    """The SQLite file's directory, which must exist and take new files (the database's, its -wal and -shm): where
    it did not, SQLite said only "unable to open database file", and the operator who had set no DATABASE_URL was
    sent to check its host and password."""
    from sqlalchemy.engine import make_url

    name = make_url(settings.database_url).database or ""
    if name in ("", ":memory:") or name.startswith("file:"):
        return
    path = Path(name).absolute()
    default = f"sqlite+aiosqlite:///{settings.data_dir / DATABASE_FILES[0]}"
    setting = "CARNET_DATA_DIR" if settings.database_url == default else "DATABASE_URL"
    if not path.parent.exists():
        problem = f"son dossier, {path.parent}, n'existe pas"
    elif not path.parent.is_dir():
        problem = f"{path.parent} n'est pas un dossier"
    elif path.is_dir():
        problem = "c'est un dossier, pas un fichier"
    elif path.exists() and not os.access(path, os.R_OK | os.W_OK):
        problem = "permission refusée sur ce fichier"
    else:
        try:  # os.access says yes to root where the file system says no (a read-only mount, /sys)
            tempfile.TemporaryFile(dir=path.parent).close()
            return
        except OSError as error:
            problem = f"Carnet ne peut pas écrire dans son dossier, {path.parent} : {_said(error)}"
    raise click.ClickException(f"La base de données SQLite ({path}) ne peut pas être ouverte : {problem}. Vérifiez "
                               f"ce chemin et que Carnet peut y écrire ({setting}).")


def address_free(host: str, port: int) -> None:
    """`serve`'s address, bound once and let go before uvicorn binds it: a port in use, or a host that is no address
    of this machine, was uvicorn's English after "Application startup complete" (exit 3)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        raise click.ClickException(f"--host {host} : nom d'hôte inconnu ; donnez une adresse de cette machine "
                                   "(127.0.0.1, 0.0.0.0…).") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds it
        try:
            probe.bind(address)
        except OSError as error:
            raise click.ClickException(f"Carnet ne peut pas écouter sur {host}:{port} : {_said(error)}.") from None


class Group(click.Group):
    """A group of `carnet` commands, whose usage line names its command in French: Click's "COMMAND [ARGS]..." is no
    text of its catalogue. Its own groups are of this class too."""

    group_class = type

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("subcommand_metavar", "COMMANDE [ARGUMENTS]...")
        super().__init__(*args, **kwargs)


class Carnet(Group):
    """The `carnet` group: what a command meets outside its own checks is said in one French sentence, exit 1."""

    group_class = Group  # `@main.group()`'s: in French too, without the invoke below (the whole command runs in it)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except SettingsError as error:  # a key file or variable the command needed, found wrong
            raise click.ClickException(str(error)) from None
        except (DBAPIError, InterfaceError) as error:
            if getattr(getattr(error, "orig", None), "sqlstate", None) == "3D000":  # invalid_catalog_name
                raise click.ClickException(
                    f"Le serveur PostgreSQL n'a pas de base de données « {_database_named()} » : créez-la (README, "
                    "« Deploying with PostgreSQL », étape 1), ou corrigez son nom à la fin de DATABASE_URL.") from None
            # Its text may carry a statement's values (health data): only its kind.
            if isinstance(getattr(error, "orig", None), sqlite3.Error):  # no host, port or password to check
                raise click.ClickException(
                    f"La base de données SQLite refuse la requête ({type(error.orig).__name__}) : vérifiez son fichier "
                    "et son dossier (CARNET_DATA_DIR, ou DATABASE_URL), et la place sur le disque.") from None
            raise click.ClickException(
                "La base de données refuse la connexion ou la requête : vérifiez DATABASE_URL (hôte, port, "
                "utilisateur, mot de passe ; dans l'adresse, un mot de passe qui contient / @ : ou # s'écrit encodé : "
                f"%2F %40 %3A %23). ({type(getattr(error, 'orig', error)).__name__})") from None
        except ModuleNotFoundError as error:
            if _raised_by_sqlalchemy(error):  # the driver DATABASE_URL names
                raise click.ClickException(
                    f"Module introuvable : {error.name}. DATABASE_URL prend sqlite+aiosqlite:///… ou "
                    "postgresql+asyncpg://…") from None
            raise click.ClickException(f"Module Python introuvable : {error.name}. L'installation de Carnet est "
                                       "incomplète : réinstallez-la (pip install .).") from None
        except OSError as error:
            if error.filename:  # a directory that cannot be made, a file that cannot be read or written
                raise click.ClickException(
                    f"Erreur du système : {_said(error)} ({error.filename}). Vérifiez que ce chemin existe et que "
                    "Carnet peut y écrire (CARNET_DATA_DIR).") from None
            if isinstance(error, ssl.SSLCertVerificationError):
                why = ("son certificat ne porte pas le nom de l'hôte de DATABASE_URL" if error.verify_code == 62
                       else "son certificat n'est pas signé par l'autorité donnée (sslrootcert), ou par une autorité "
                            "reconnue par le système")
                raise click.ClickException(f"Le serveur PostgreSQL n'a pas pu être vérifié : {why}.") from None
            if isinstance(error, ConnectionError) and "rejected SSL upgrade" in str(error):  # asyncpg's words
                raise click.ClickException(
                    "Le serveur PostgreSQL répond mais refuse le chiffrement (TLS) que DATABASE_URL demande "
                    "(sslmode) : activez ssl sur le serveur (ssl = on dans postgresql.conf).") from None
            # A database that does not answer, a host unknown: often a password's / @ : or # not encoded, the URL's
            # host then read from inside it.
            encoded = (" ; un mot de passe qui contient / @ : ou # s'y écrit encodé : %2F %40 %3A %23"
                       if isinstance(error, socket.gaierror) else "")
            raise click.ClickException(f"Erreur du système : {_said(error)}. La base de données ne répond pas : "
                                       f"vérifiez DATABASE_URL (hôte, port{encoded}).") from None


# The system's errors an operator meets, in French; any other in the system's own words.
SYSTEM_ERRORS = {errno.ENOENT: "fichier ou dossier introuvable", errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
                 errno.EACCES: "permission refusée", errno.EPERM: "opération non permise",
                 errno.EROFS: "système de fichiers en lecture seule", errno.ENOSPC: "plus de place sur le disque",
                 errno.ECONNREFUSED: "connexion refusée", errno.ETIMEDOUT: "délai de connexion dépassé",
                 errno.EHOSTUNREACH: "hôte injoignable", errno.ENETUNREACH: "réseau injoignable",
                 errno.EEXIST: "existe déjà", errno.EISDIR: "c'est un dossier",
                 errno.EADDRINUSE: "adresse déjà utilisée (un autre serveur écoute-t-il sur ce port ?)",
                 errno.EADDRNOTAVAIL: "cette adresse n'est pas celle de cette machine"}


def _said(error: OSError) -> str:
    if isinstance(error, socket.gaierror):
        return "nom d'hôte inconnu"
    if error.errno in SYSTEM_ERRORS:
        return SYSTEM_ERRORS[error.errno]
    # asyncio's "Connect call failed" joins the errors of each address tried; their errno is the first's
    causes = [e for e in (error.__cause__, error.__context__) if isinstance(e, OSError) and e.errno in SYSTEM_ERRORS]
    return SYSTEM_ERRORS[causes[0].errno] if causes else (error.strerror or type(error).__name__)


def _database_named() -> str:
    """The database DATABASE_URL names (never its password)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(os.environ.get("DATABASE_URL", "")).database or ""
    except Exception:  # noqa: BLE001 - read before, by the settings; only a name to show
        return ""


def _raised_by_sqlalchemy(error: BaseException) -> bool:
    """Whether SQLAlchemy raised it, loading the driver of a database URL's dialect."""
    frame = error.__traceback__
    while frame is not None:
        if "sqlalchemy" in Path(frame.tb_frame.f_code.co_filename).parts:
            return True
        frame = frame.tb_next
    return False


class Day(click.ParamType):
    """A day written YYYY-MM-DD or JJ/MM/AAAA, as the forms take it; any other is refused in French."""

    name = "AAAA-MM-JJ"

    def convert(self, value, param, ctx):
        from .views.forms import parse_date

        if isinstance(value, date):
            return value
        day = parse_date(str(value))
        if day is None:
            self.fail(f"« {value} » n'est pas une date : écrivez-la AAAA-MM-JJ (par exemple 1984-03-12).", param, ctx)
        return day


DAY = Day()
