"""Share codes: a patient gives a professional a short code, in person; redeemed once, it becomes a grant.
Each change and its access event commit together (changes.py says how).

A code is given in its maker's right, and opens only while they hold it, as a health link does
(shlinks/links.py): a parent's code no longer opens at the child's 18th birthday, nor a relative's once
removed, stepped down, made a reader or past their delegation's end. The patient's own always may."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..auth.accounts import hash_secret, normalize_code
from ..i18n import N_, _
from ..models import Account, Dossier, Grant, Patient, Professional, ShareCode, utcnow
from ..caregivers.representatives import giver, of_age
from .durations import DURATIONS, duration_key, ends_after, grant_end
from .managing import may_act_on
from .changes import CLOSED, active_block, layer_of, refuse
from .rule import adult_from
from .grants import end_current_grants
from .scopes import logged_scope

SHARE_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L: read aloud without doubt
SHARE_CODE_LIFETIME = timedelta(minutes=10)
# A code no one used is erased this long after it ended, expired or cancelled (housekeeping.py): until then its page
# tells whoever made it and comes back to it (a reload, a tab left open) "Code expiré" or "Code annulé", not "page
# introuvable". A professional who types it is refused as for a code that never was, before and after. A used code
# stays: its grant names it.
UNUSED_KEPT = timedelta(days=1)


async def create_share_code(
    session: AsyncSession, *, dossier: Dossier, categories: str, duration: str, actor: audit.Actor,
    kept_from_representatives: bool = False,
) -> tuple[str, ShareCode]:
    """A 6-character code, valid 10 minutes, once; only its hash is kept. `kept_from_representatives`: a minor's own
    code, kept from her parents (CSP L1111-5); asked by anyone else, or once she is 18, it is an ordinary code."""
    grant_end(duration, utcnow())  # checks the duration
    await audit.begin_chained(session, dossier_id=dossier.id)
    dossier = await session.get(Dossier, dossier.id, populate_existing=True)
    if dossier.state != "open":
        await refuse(session, _(CLOSED))
    while True:  # every code kept (used, or not long ended) keeps its (unique) hash: draw again on the rare collision
        code = "".join(secrets.choice(SHARE_CODE_ALPHABET) for _ in range(6))
        code_hash = hash_secret(normalize_code(code))
        if (await session.exec(select(ShareCode.id).where(ShareCode.code_hash == code_hash))).first() is None:
            break
    row = ShareCode(
        dossier_id=dossier.id, code_hash=code_hash, categories=categories,
        grant_days=DURATIONS[duration][1], expires_at=utcnow() + SHARE_CODE_LIFETIME,
        given_by=await giver(session, dossier_id=dossier.id, actor=actor), made_by_account_id=actor.account_id,
        kept_from_representatives=kept_from_representatives and actor.kind == "patient"
        and utcnow() < adult_from((await session.get(Patient, dossier.patient_id)).birth_date),
    )
    session.add(row)
    await audit.append(session, dossier_id=dossier.id, action="share_code", actor=actor,
                       detail=logged_scope(categories, DURATIONS[duration][0]))
    await audit.commit_chained(session)
    return code, row


async def cancel_share_code(session: AsyncSession, *, share_code_id: str, dossier: Dossier, actor: audit.Actor) -> bool:
    """The patient takes back a code not yet used: it ends now (it reads as expired), logged. False: no such code
    waiting in this dossier (used, expired, cancelled already, or another's)."""
    await audit.begin_chained(session, dossier_id=dossier.id)
    row = await session.get(ShareCode, share_code_id, populate_existing=True)
    now = utcnow()
    if row is None or row.dossier_id != dossier.id or row.used_at is not None or row.expires_at <= now:
        await session.rollback()
        return False
    await _cancel(session, row=row, actor=actor, now=now)
    await audit.commit_chained(session)
    return True


async def cancel_waiting_codes(session: AsyncSession, *, dossier_id: str, actor: audit.Actor) -> None:
    """A closing takes back every code still waiting, each logged as a cancellation: closed, none could open the
    dossier, and reopened within its 10 minutes, one would have given the access the closing was meant to end.
    Within the caller's chained transaction."""
    now = utcnow()
    waiting = select(ShareCode).where(ShareCode.dossier_id == dossier_id,
                                      ShareCode.used_at.is_(None),  # type: ignore[union-attr]
                                      ShareCode.expires_at > now)  # type: ignore[operator]
    for row in (await session.exec(waiting.order_by(ShareCode.expires_at))).all():  # type: ignore[arg-type]
        await _cancel(session, row=row, actor=actor, now=now)


async def _cancel(session: AsyncSession, *, row: ShareCode, actor: audit.Actor, now: datetime) -> None:
    row.expires_at = row.cancelled_at = now  # it reads as cancelled, and is erased as an ended code is
    session.add(row)
    await audit.append(session, dossier_id=row.dossier_id, action="share_code_cancelled", actor=actor,
                       detail=logged_scope(row.categories, DURATIONS[duration_key(row.grant_days)][0]))


async def maker_may_give(session: AsyncSession, *, row: ShareCode, dossier: Dossier) -> bool:
    """Whether the code's maker may still give this access now, as they could when they made it (`manage_dossier`).
    A code of a relative or a parent made before codes kept their maker (migration 0051) cannot say whose it was."""
    if row.given_by == "patient":
        return True
    maker = await session.get(Account, row.made_by_account_id) if row.made_by_account_id else None
    return maker is not None and await may_act_on(session, account=maker, dossier=dossier,
                                                   patient=await session.get(Patient, dossier.patient_id), now=utcnow())


class ShareCodeRefused(Exception):
    """Wrong, expired, used or not usable; the message is in the request's language. `guess`: whether it counts as a
    wrong guess (views/pro.py's throttle)."""

    def __init__(self, message: str, *, guess: bool = True) -> None:
        super().__init__(message)
        self.guess = guess


# One refusal for every code that does not open a dossier: a professional typing codes learns nothing of which
# existed, were used, expired, or belong to a dossier closed or to a patient who blocked them (DESIGN.md).
REFUSED = N_("Ce code de partage n'est pas valable : il est incorrect, a expiré ou a déjà servi. "
             "Vérifiez-le avec votre patient, ou demandez-lui un nouveau code.")
# Her own code, typed again (an old note, the same QR scanned twice): she used it, so saying so tells her nothing she
# did not know, and it is no guess to count against her. Anyone else's used code stays REFUSED: that it existed, and
# was used, is not hers to learn.
USED_BY_YOU = N_("Vous avez déjà utilisé ce code : un code de partage ne sert qu'une fois. Ce patient est dans "
                 "« Mes patients » tant que votre accès dure ; pour un nouvel accès, demandez-lui un nouveau code.")


async def redeem_share_code(
    session: AsyncSession, *, code: str, professional: Professional, actor: audit.Actor
) -> Grant:
    """Turn a patient's share code into a grant for this professional (once)."""
    row = (await session.exec(select(ShareCode).where(ShareCode.code_hash == hash_secret(normalize_code(code))))).first()
    if row is None:
        raise ShareCodeRefused(_(REFUSED))
    await audit.begin_chained(session, dossier_id=row.dossier_id)
    row = await session.get(ShareCode, row.id, populate_existing=True)
    if row is None:  # long expired, and erased a moment ago by housekeeping
        await session.rollback()
        raise ShareCodeRefused(_(REFUSED))
    if row.used_by_professional_id == professional.id:
        await session.rollback()
        raise ShareCodeRefused(_(USED_BY_YOU), guess=False)
    dossier = await session.get(Dossier, row.dossier_id, populate_existing=True)  # closed a moment ago?
    # A parent's code given to a professional who kept care from them grants within the parents' own decisions.
    # A code the minor kept from her parents makes its user one who keeps care from them from now on: it stands among
    # the minor's decisions, and leaves the grant the parents gave her as it was (caregivers/confidential.py).
    layer = False if row.kept_from_representatives and not await of_age(session, dossier_id=dossier.id) else \
        await layer_of(session, dossier_id=dossier.id, professional_id=professional.id, given_by=row.given_by)
    blocked = await active_block(session, dossier_id=dossier.id, professional_id=professional.id, layer=layer)
    if row.used_at is not None or row.expires_at <= utcnow() or dossier.state != "open" or blocked is not None \
            or not await maker_may_give(session, row=row, dossier=dossier):
        await session.rollback()
        raise ShareCodeRefused(_(REFUSED))
    row.used_at, row.used_by_professional_id = utcnow(), professional.id
    session.add(row)
    now = utcnow()
    await end_current_grants(session, dossier_id=dossier.id, professional_id=professional.id, now=now, layer=layer)
    grant = Grant(dossier_id=dossier.id, professional_id=professional.id, categories=row.categories,
                  starts_at=now, ends_at=ends_after(row.grant_days, now),
                  share_code_id=row.id, given_by=row.given_by)
    session.add(grant)
    await audit.append(session, dossier_id=dossier.id, action="grant", actor=actor, right="share_code",
                       detail=logged_scope(row.categories, DURATIONS[duration_key(row.grant_days)][0]))
    await audit.commit_chained(session)
    return grant
