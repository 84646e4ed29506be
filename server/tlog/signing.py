"""The log's signing key: from CARNET_JOURNAL_SIGNING_KEY, else a file made at the first start.

As the VAPID key (notifications/webpush.py), and for the same reasons: a file under data_dir, 0600, never a
database row (rows travel into every dump, backup and replica); several hosts that share no
disk set the variable. The key is the log's identity: checkpoints it signed stay checkable only
with it, so it is made once and kept. Its name is the log's origin (Settings.journal_origin),
as C2SP tlog-checkpoint requires; `carnet` refuses a key made for another origin rather than
start a second log under the first one's name, refuses to make a key for a log that has signed
already (`log_signer`), and `carnet serve` refuses a key that did not sign it (`signed_by`).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import inspect
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import keyfiles
from ..config import Settings, SettingsError, checked_origin
from .checkpoint import CheckpointError, open_checkpoint
from .keys import MalformedKey, Signer, Verifier
from .note import NoteError
from .store import TlogCheckpoint


def key_path(settings: Settings) -> Path:
    return settings.data_dir / "journal" / "signing_key"


def load_signer(settings: Settings, *, create: bool = True) -> Signer | None:
    """The log's signer; made and kept at the first start (`create`), else None when there is none yet."""
    if settings.journal_signing_key:
        text, source = settings.journal_signing_key, "CARNET_JOURNAL_SIGNING_KEY"
    else:
        path = key_path(settings)
        if not path.exists():
            if not create:
                return None
            _write_new_key(path, Signer.generate(settings.journal_origin))
        text, source = path.read_text().strip(), str(path)
    try:
        signer = Signer.from_key(text)
    except MalformedKey as exc:
        raise SettingsError(f"{source} n'est pas une clé de signature Ed25519 "
                            "(PRIVATE+KEY+<nom>+<id>+<base64>)") from exc
    if signer.name != settings.journal_origin and not spelled_before(signer.name, settings):
        said = "CARNET_JOURNAL_NAME" if settings.journal_name else "CARNET_ORIGIN"
        raise SettingsError(f"{source} signe pour le journal {signer.name!r}, mais le journal de ce site est "
                            f"{settings.journal_origin!r} (d'après {said}) : un journal garde son nom. Si le site a "
                            f"changé d'adresse, gardez-le-lui : CARNET_JOURNAL_NAME={signer.name} (README, "
                            "« Moving to another address »)")
    return signer


def spelled_before(name: str, settings: Settings) -> bool:
    """Whether a key's name is this site's log as CARNET_ORIGIN gave it before it was read as browsers send it
    (config.checked_origin): "Carnet.example.fr/carnet-journal" for https://Carnet.example.fr, a default port written,
    a host in Unicode. The same log, whose checkpoints, witnesses and patients' phones know it by that name: it keeps
    it, where refusing it left the site no CARNET_ORIGIN to start with."""
    netloc, _slash, path = name.partition("/")
    try:
        return (path == "carnet-journal"
                and checked_origin(f"{urlsplit(settings.origin).scheme}://{netloc}") == settings.origin)
    except SettingsError:
        return False


async def log_signer(session: AsyncSession, settings: Settings) -> Signer:
    """The signer a server starts with: made at the first start only. Once the database holds signed checkpoints, a
    missing key is a restore without `journal/` or a host without the variable, and a new key under the same name
    would sign a second log that every patient's phone and `carnet audit verify` take for a rewritten one."""
    signer = load_signer(settings, create=False)
    if signer is not None:  # the database is asked only when there is no key: a start while it is down still serves
        return signer
    if await _has_signed(session):
        raise SettingsError(f"la base de données contient des points de contrôle signés du journal de transparence, "
                            f"mais {key_path(settings)} manque et CARNET_JOURNAL_SIGNING_KEY n'est pas donnée : "
                            "restaurez journal/signing_key de la sauvegarde d'où vient cette base (README, Backups) ; "
                            "une nouvelle clé ferait échouer toute vérification du journal")
    return load_signer(settings)


async def _has_signed(session: AsyncSession) -> bool:
    """Whether the log has signed a checkpoint: never, on a database not yet migrated (an app started on an empty one,
    which has no table of checkpoints to ask)."""
    table = TlogCheckpoint.__tablename__
    if not await session.run_sync(lambda sync: inspect(sync.connection()).has_table(table)):
        return False
    return (await session.exec(select(TlogCheckpoint.size).limit(1))).first() is not None


async def signed_by(session: AsyncSession, settings: Settings, signer: Signer) -> None:
    """The database's newest checkpoint is this key's, or SettingsError: a key of the log's name that did not sign it
    (`journal/` restored from another backup or host, a variable set to another site's key) would sign a second log as
    surely as a new one. Asked by `carnet serve` alone, whose database has just been migrated: a worker that starts
    while the database is down still serves (`log_signer`)."""
    newest = (await session.exec(select(TlogCheckpoint.note).order_by(col(TlogCheckpoint.size).desc()).limit(1))).first()
    if newest is None:
        return
    try:
        open_checkpoint(newest, log=signer.verifier)
    except (NoteError, CheckpointError):
        source = "CARNET_JOURNAL_SIGNING_KEY" if settings.journal_signing_key else str(key_path(settings))
        raise SettingsError(f"{source} n'a pas signé les points de contrôle que contient la base de données : "
                            "restaurez la clé de la sauvegarde d'où vient cette base (README, Backups) ; une autre clé "
                            "ferait échouer toute vérification du journal") from None


def load_verifier(settings: Settings) -> Verifier | None:
    """The published key, as the command line finds it (never making one)."""
    signer = load_signer(settings, create=False)
    return signer.verifier if signer else None


def _write_new_key(path: Path, signer: Signer) -> None:
    keyfiles.write_once(path, (signer.key + "\n").encode())
