"""The log's side of its witnesses: submit each new checkpoint (C2SP tlog-witness), keep their cosignatures, serve them.

The witnesses are set by CARNET_JOURNAL_WITNESSES (a cosigner key and a URL each). In every app
process a background task (`run`, next to the integrator's) looks every CARNET_JOURNAL_INTERVAL
for a witness that has not cosigned the latest checkpoint, or not within REFRESH, and sends it
"add-checkpoint": the checkpoint with the consistency proof from the size that witness last
cosigned (table tlogwitness), or from the size its 409 Conflict names. Its cosignature is
checked against its configured key and stored (table tlogcosignature).

Nothing here waits in a request or in the integrator's transaction: reads end before the
network is used, each request has a timeout, and a witness that is down or refuses is retried
after RETRY while the checkpoints go on without its cosignature. Several processes share the
work through a lease on the witness's row (`busy_until`), taken in a short write transaction.

Why re-submit an unchanged checkpoint: Carnet's checkpoints carry no time (no extension line,
as tlog-checkpoint advises), and Ed25519 signs deterministically, so the log's "fresh" signature
of an unchanged tree is the same note. Freshness comes from the witnesses: a cosignature is
"a statement that, as of the specified time" this is the largest tree they saw
(tlog-cosignature), so each REFRESH the latest checkpoint is sent again (old size = its size,
an empty proof) and they cosign it at the current time.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from litestar import Litestar
from sqlalchemy import func, tuple_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from ..config import Settings
from ..db import begin_write, make_engine, make_sessionmaker
from ..models import utcnow
from . import merkle
from .cosignature import BadCosignature, Cosignature, CosignerVerifier, cosignatures
from .note import NoteError, UnverifiedNote, open_note
from .store import TlogCheckpoint, TlogCosignature, TlogWitness, latest_checkpoint, prove
from .witness import SIZE_TYPE

log = logging.getLogger("carnet.journal.temoins")

REFRESH = timedelta(minutes=1)  # a witness cosigns the latest checkpoint again at least this often
TIMEOUT = 5.0  # seconds, for one request to a witness
LEASE = timedelta(seconds=3 * TIMEOUT + 5)  # a submission's requests (at most 3) fit in it
RETRY = timedelta(seconds=15)  # after a failure, the next try at that witness
_DECIMAL = re.compile(r"(0|[1-9][0-9]{0,19})\n")


@dataclass(frozen=True)
class Witness:
    verifier: CosignerVerifier
    url: str  # the submission prefix: POST <url>/add-checkpoint

    @property
    def key(self) -> str:
        return self.verifier.key


def configured(settings: Settings) -> list[Witness]:
    """The witnesses of CARNET_JOURNAL_WITNESSES (Settings.check has checked their keys)."""
    return [Witness(CosignerVerifier.from_key(key), url.rstrip("/")) for key, url in settings.journal_witnesses]


@dataclass(frozen=True)
class Outcome:
    witness: str
    size: int  # the checkpoint submitted
    cosigned: bool
    reason: str = ""  # why not, in French, for the operator's log
    cosignature: Cosignature | None = None


async def served_checkpoint(session: AsyncSession, settings: Settings, *, newest: bool = False) -> str | None:
    """The signed checkpoint to publish, its witnesses' cosignatures appended (a signed note still).

    The newest checkpoint that CARNET_JOURNAL_WITNESSES_REQUIRED configured witnesses cosigned, or
    with `newest`, the newest checkpoint and whatever cosignatures it has. None: there is none yet.
    """
    witnesses = configured(settings)
    keys = [(w.verifier.name, w.verifier.key_id) for w in witnesses]
    required = 0 if newest else settings.journal_witnesses_required
    if required == 0:
        row = await latest_checkpoint(session)
    else:
        size = (await session.exec(
            select(TlogCosignature.size).where(tuple_(col(TlogCosignature.witness), col(TlogCosignature.key_id)).in_(keys))
            .group_by(col(TlogCosignature.size)).having(func.count() >= required)
            .order_by(col(TlogCosignature.size).desc()).limit(1))).first()
        row = None if size is None else await session.get(TlogCheckpoint, size)
    if row is None:
        return None
    if not keys:
        return row.note
    stored = (await session.exec(select(TlogCosignature).where(
        TlogCosignature.size == row.size, tuple_(col(TlogCosignature.witness), col(TlogCosignature.key_id)).in_(keys))
        .order_by(col(TlogCosignature.witness)))).all()
    return row.note + "".join(Cosignature(c.witness, c.key_id, c.timestamp, c.signature).line for c in stored)


async def submit_due(sessionmaker: async_sessionmaker[AsyncSession], *, settings: Settings,
                     http: httpx.AsyncClient, now: datetime | None = None) -> list[Outcome]:
    """Submit the latest checkpoint to every witness that is due and free, each on a session of its own."""

    async def one(witness: Witness) -> Outcome | None:
        async with sessionmaker() as session:
            latest = await latest_checkpoint(session)
            moment = now or utcnow()
            if latest is None or not await _due(session, witness, latest, moment):
                return None
            if not await _claim(session, witness, moment):
                return None
            return await submit(session, witness, latest, http=http)

    witnesses = configured(settings)
    outcomes = await asyncio.gather(*(one(w) for w in witnesses), return_exceptions=True)
    for witness, outcome in zip(witnesses, outcomes):
        if isinstance(outcome, Exception):  # a busy database: its lease runs out, the next round tries again
            log.warning("témoin %s : soumission remise (%r)", witness.verifier.name, outcome)
    return [outcome for outcome in outcomes if isinstance(outcome, Outcome)]


async def _due(session: AsyncSession, witness: Witness, latest: TlogCheckpoint, now: datetime) -> bool:
    row = await session.get(TlogWitness, witness.key)
    if row is not None and row.busy_until is not None and row.busy_until > now:
        return False
    cosigned = await session.get(TlogCosignature, (latest.size, witness.verifier.name, witness.verifier.key_id))
    return cosigned is None or cosigned.timestamp <= (now - REFRESH).timestamp()


async def _claim(session: AsyncSession, witness: Witness, now: datetime) -> bool:
    """Take the witness for LEASE, unless another process holds it: one submitter at a time."""
    await begin_write(session)
    try:
        row = (await session.exec(select(TlogWitness).where(TlogWitness.key == witness.key).with_for_update()
                                  .execution_options(populate_existing=True))).first()
        if row is None:
            row = TlogWitness(key=witness.key, size=0)
            session.add(row)
        elif row.busy_until is not None and row.busy_until > now:
            await session.commit()
            return False
        row.busy_until = now + LEASE
        await session.commit()
    except IntegrityError:  # another process added the row first: it holds the witness
        await session.rollback()
        return False
    return True


async def submit(session: AsyncSession, witness: Witness, latest: TlogCheckpoint, *, http: httpx.AsyncClient) -> Outcome:
    """Send `latest` to the witness from the size it last cosigned; store its cosignature; release the witness."""
    row = await session.get(TlogWitness, witness.key)
    old = row.size if row is not None else 0
    outcome, known = None, old
    for _ in range(3):  # the size we knew, then what a 409 names (twice, if a submission raced ours)
        outcome, known = await _send(session, witness, latest, old, http)
        if outcome is not None or known == old:
            break
        old = known
    await begin_write(session)
    row = await session.get(TlogWitness, witness.key, populate_existing=True)
    if row is None:
        row = TlogWitness(key=witness.key, size=known)
        session.add(row)
    if outcome is None:
        outcome = Outcome(witness.verifier.name, latest.size, False, "le témoin répond toujours par un conflit de taille")
    if outcome.cosignature is not None:
        row.size, row.busy_until = latest.size, None
        await _store(session, latest.size, outcome.cosignature)
    else:  # from the size it named, after a while
        row.size, row.busy_until = known, utcnow() + RETRY
    await session.commit()
    if outcome.cosigned:
        log.debug("témoin %s : point de contrôle de taille %d cosigné", witness.verifier.name, latest.size)
    else:
        log.warning("témoin %s : pas de cosignature pour la taille %d : %s", witness.verifier.name, latest.size,
                    outcome.reason)
    return outcome


async def _send(session: AsyncSession, witness: Witness, latest: TlogCheckpoint, old: int,
                http: httpx.AsyncClient) -> tuple[Outcome | None, int]:
    """One add-checkpoint from `old`: an outcome, or None and the size a 409 Conflict named."""
    name = witness.verifier.name

    def failed(reason: str) -> tuple[Outcome, int]:
        return Outcome(name, latest.size, False, reason), old

    if old > latest.size:
        return failed(f"le témoin a cosigné un arbre de {old} entrées, plus grand que le dernier point de contrôle "
                      f"du journal ({latest.size}) : la base a-t-elle été restaurée ou réécrite ?")
    proof = await prove(session, merkle.consistency_proof, old, latest.size) if 0 < old < latest.size else []
    await session.commit()  # the read ends before the network is used
    body = f"old {old}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof) + "\n" + latest.note
    try:
        response = await http.post(f"{witness.url}/add-checkpoint", content=body.encode(), timeout=TIMEOUT)
    except httpx.HTTPError as error:
        return failed(f"injoignable ({type(error).__name__})")
    if response.status_code == 409 and response.headers.get("content-type", "").startswith(SIZE_TYPE):
        size = _DECIMAL.fullmatch(response.text)
        if size is None:
            return failed("conflit, sans taille lisible")
        if int(size.group(1)) == old:
            return failed(f"conflit à la taille {old} : le témoin a cosigné un autre arbre de cette taille")
        return None, int(size.group(1))
    if response.status_code != 200:
        return failed(f"refus {response.status_code} : {response.text.strip()[:300]}")
    try:
        note = open_note(latest.note + response.text, [])
    except UnverifiedNote as unverified:
        note = unverified.note
    except NoteError:
        return failed("sa réponse n'est pas faite de lignes de signature")
    try:
        found = cosignatures(note, [witness.verifier])
    except BadCosignature as error:
        return failed(f"cosignature invalide ({error})")
    if not found:
        return failed("aucune cosignature de la clé configurée pour ce témoin")
    return Outcome(name, latest.size, True, cosignature=found[0]), latest.size


async def _store(session: AsyncSession, size: int, cosignature: Cosignature) -> None:
    row = await session.get(TlogCosignature, (size, cosignature.name, cosignature.key_id), populate_existing=True)
    if row is None:
        session.add(TlogCosignature(size=size, witness=cosignature.name, key_id=cosignature.key_id,
                                    timestamp=cosignature.timestamp, signature=cosignature.base64))
    elif cosignature.timestamp >= row.timestamp:
        row.timestamp, row.signature = cosignature.timestamp, cosignature.base64


async def run(app: Litestar) -> None:
    """Every app process, in the background: submit to the witnesses that are due, on a connection of its own."""
    settings = app.state.settings
    engine = make_engine(settings.database_url, pool_size=1, max_overflow=1)
    sessionmaker = make_sessionmaker(engine)
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            while True:
                try:
                    await submit_due(sessionmaker, settings=settings, http=http)
                except Exception as exc:  # a busy database: the next round tries again
                    log.warning("soumission aux témoins remise : %s", type(exc).__name__)
                await asyncio.sleep(settings.journal_interval)
    finally:
        await engine.dispose()


async def start(app: Litestar) -> None:
    if app.state.settings.journal_interval and app.state.settings.journal_witnesses:
        app.state.journal_witnessing = asyncio.get_running_loop().create_task(run(app))


async def stop(app: Litestar) -> None:
    task = getattr(app.state, "journal_witnessing", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
