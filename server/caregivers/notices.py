"""What an account is told on its next visit about a dossier it may no longer open (removed as a caregiver, a
parent's rights ended at 18): it cannot read that dossier's log, so "Mes dossiers" says it. And what a relative did
to the account itself (every device logged out: patient_devices.py), which the patient's first page after a new
login must say before anything else, with who did it.

A notice is stored as what happened (`kind`) and the names it needs, and written in the reader's language when
they read it: whoever caused it may browse in another language, or be Carnet's own check at night."""

from __future__ import annotations

import json

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..i18n import N_, _
from ..models import Account, AccountNotice
from ..templating import de
from .invitations import LEVELS

MESSAGES = {
    "removed_by_patient": N_("%(actor)s vous a retiré l'accès à son dossier."),
    "removed_by_caregiver": N_("%(actor)s vous a retiré l'accès au dossier %(de_name)s."),
    "made_reader_by_patient": N_("%(actor)s vous laisse désormais lire son dossier, sans le gérer."),
    "majority_kept": N_("%(name)s a 18 ans et a choisi que vous gardiez l'accès à son dossier (%(level)s)."),
    "majority_ended": N_("%(name)s a 18 ans : votre accès de parent à son dossier a pris fin."),
    "devices_logged_out_by_caregiver": N_("%(actor)s a déconnecté tous vos appareils, pour votre compte. Vos clés "
                                          "d'accès ouvrent toujours votre dossier : celle d'un appareil perdu, "
                                          "supprimez-la dans « Mes clés d'accès »."),
}


def tell(session: AsyncSession, *, account_id: str, kind: str, **names: str) -> None:
    """A notice for an account's next visit, in the caller's transaction."""
    assert kind in MESSAGES, kind
    session.add(AccountNotice(account_id=account_id, kind=kind, names=json.dumps(names, ensure_ascii=False)))


def text_of(notice: AccountNotice) -> str:
    """The notice in the request's language (one written before notices were stored this way: as it was written)."""
    if notice.kind not in MESSAGES:
        return notice.text
    return say(notice.kind, **json.loads(notice.names))


def say(kind: str, **names: str) -> str:
    """What a notice of this kind says, with these names, in the request's language."""
    if "name" in names:
        names["de_name"] = de(names["name"])
    if "level" in names:
        names["level"] = _(LEVELS[names["level"]])
    return _(MESSAGES[kind], **names)


async def unseen(session: AsyncSession, *, account: Account) -> list[tuple[AccountNotice, str]]:
    """The account's notices not yet acknowledged, oldest first, each with its text."""
    rows = await session.exec(select(AccountNotice).where(
        AccountNotice.account_id == account.id, col(AccountNotice.seen_at).is_(None))
        .order_by(col(AccountNotice.created_at)))
    return [(notice, text_of(notice)) for notice in rows.all()]
