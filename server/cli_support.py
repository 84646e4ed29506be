"""What every `carnet` command needs: the settings, a migrated database session, and its failures said in French
(an operator's mistake, a database that refuses: never a traceback)."""

from __future__ import annotations

import atexit
import errno
import gettext
import hashlib
import socket
import os
import shutil
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

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with make_sessionmaker(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


class Carnet(click.Group):
    """The `carnet` group: what a command meets outside its own checks is said in one French sentence, exit 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except SettingsError as error:  # a key file or variable the command needed, found wrong
            raise click.ClickException(str(error)) from None
        except (DBAPIError, InterfaceError) as error:
            # Its text may carry a statement's values (health data): only its kind.
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
            # a database that does not answer, a host unknown
            raise click.ClickException(f"Erreur du système : {_said(error)}. La base de données ne répond pas : "
                                       "vérifiez DATABASE_URL (hôte, port).") from None


# The system's errors an operator meets, in French; any other in the system's own words.
SYSTEM_ERRORS = {errno.ENOENT: "fichier ou dossier introuvable", errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
                 errno.EACCES: "permission refusée", errno.EPERM: "opération non permise",
                 errno.EROFS: "système de fichiers en lecture seule", errno.ENOSPC: "plus de place sur le disque",
                 errno.ECONNREFUSED: "connexion refusée", errno.ETIMEDOUT: "délai de connexion dépassé",
                 errno.EHOSTUNREACH: "hôte injoignable", errno.ENETUNREACH: "réseau injoignable"}


def _said(error: OSError) -> str:
    if isinstance(error, socket.gaierror):
        return "nom d'hôte inconnu"
    if error.errno in SYSTEM_ERRORS:
        return SYSTEM_ERRORS[error.errno]
    # asyncio's "Connect call failed" joins the errors of each address tried; their errno is the first's
    causes = [e for e in (error.__cause__, error.__context__) if isinstance(e, OSError) and e.errno in SYSTEM_ERRORS]
    return SYSTEM_ERRORS[causes[0].errno] if causes else (error.strerror or type(error).__name__)


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
