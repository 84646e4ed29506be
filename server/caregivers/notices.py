"""What an account is told on its next visit about a dossier it may no longer open (removed as a caregiver, a
parent's rights ended at 18): it cannot read that dossier's log, so "Mes dossiers" says it. What a relative did to
the account itself (every device logged out: patient_devices.py), which the patient's first page after a new login
must say before anything else, with who did it; and a recovery code used, which the owner must hear of should it not
have been her. And a dossier closed or reopened by someone else, told to everyone who holds it (the patient, each
relative), on "Mes dossiers" too.

A notice is stored as what happened (`kind`), the dossier it is about and the names it needs, and written in the
reader's language when they read it: whoever caused it may browse in another language, or be Carnet's own check at
night. A newer one replaces an older one of the same subject about the same dossier, not yet seen (`SUBJECTS`): a
relative made a reader, then a manager again, is not told the first; a dossier closed, then reopened before the
closing was read, is told both at once ("Camille Martin avait fermé…, et Inès Martin l'a rouvert"). A recovery is
told only to the keys that were there before it (`told_to`), and a second one replaces no first one."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..i18n import N_, _
from ..models import Account, AccountNotice, Dossier, Passkey, Patient, utcnow
from ..templating import de
from .dossiers import helpers_of
from . import invitations  # its LEVELS, read when a notice is said (invitations.py tells through this module)

MESSAGES = {
    "removed_by_patient": N_("%(actor)s vous a retiré l'accès à son dossier."),
    "removed_by_caregiver": N_("%(actor)s vous a retiré l'accès au dossier %(de_name)s."),
    "made_reader_by_patient": N_("%(actor)s vous laisse désormais lire son dossier, sans le gérer."),
    "majority_kept": N_("%(name)s a 18 ans et a choisi que vous gardiez l'accès à son dossier (%(level)s)."),
    "majority_ended": N_("%(name)s a 18 ans : votre accès de parent à son dossier a pris fin."),
    "devices_logged_out_by_caregiver": N_("%(actor)s a déconnecté tous vos appareils, pour votre compte. Vos clés "
                                          "d'accès ouvrent toujours votre dossier : celle d'un appareil perdu, "
                                          "supprimez-la dans « Mes clés d'accès »."),
    # Told to whoever logs in next, the owner on another device among them: the device that used the code may be a
    # thief's (a codes file saved on the stolen phone), and only this says so to the owner.
    "recovery_code_used": N_("Un code de secours a servi à créer la clé d'accès « %(key)s », et vos autres appareils "
                             "ont été déconnectés. Si ce n'est pas vous, supprimez cette clé dans « Mes clés "
                             "d'accès », puis générez de nouveaux codes de secours : quelqu'un a les vôtres."),
    # To the patient, of a relative who did it for her; to a relative, of the patient or of another relative.
    "own_closed": N_("%(actor)s a fermé votre dossier, pour votre compte : aucun professionnel ne peut plus le lire."),
    "own_reopened": N_("%(actor)s a rouvert votre dossier, pour votre compte : les accès accordés s'appliquent à "
                       "nouveau."),
    "closed_by_patient": N_("%(actor)s a fermé son dossier : aucun professionnel ne peut plus le lire."),
    "reopened_by_patient": N_("%(actor)s a rouvert son dossier : les accès accordés s'appliquent à nouveau."),
    "closed": N_("%(actor)s a fermé le dossier %(de_name)s : aucun professionnel ne peut plus le lire."),
    "reopened": N_("%(actor)s a rouvert le dossier %(de_name)s : les accès accordés s'appliquent à nouveau."),
    # A reopening that replaces a closing not yet seen (`tell_opening`): who had closed it, said with it.
    "own_closed_reopened": N_("%(actor)s a fermé puis rouvert votre dossier, pour votre compte : les accès accordés "
                              "s'appliquent à nouveau."),
    "own_reopened_after": N_("%(closer)s avait fermé votre dossier, pour votre compte, et %(actor)s l'a rouvert : les "
                             "accès accordés s'appliquent à nouveau."),
    "closed_reopened_by_patient": N_("%(actor)s a fermé puis rouvert son dossier : les accès accordés s'appliquent à "
                                     "nouveau."),
    "reopened_after_patient": N_("%(closer)s avait fermé son dossier, et %(actor)s l'a rouvert : les accès accordés "
                                 "s'appliquent à nouveau."),
    "closed_reopened": N_("%(actor)s a fermé puis rouvert le dossier %(de_name)s : les accès accordés s'appliquent à "
                          "nouveau."),
    "reopened_after": N_("%(closer)s avait fermé le dossier %(de_name)s, et %(actor)s l'a rouvert : les accès accordés "
                         "s'appliquent à nouveau."),
    # The same, to whoever reopened it: the closing they had not read is no longer so, but who did it still is news.
    "own_reopened_by_you": N_("%(closer)s avait fermé votre dossier, pour votre compte, et vous l'avez rouvert : les "
                              "accès accordés s'appliquent à nouveau."),
    "reopened_by_you_after_patient": N_("%(closer)s avait fermé son dossier, et vous l'avez rouvert : les accès "
                                        "accordés s'appliquent à nouveau."),
    "reopened_by_you": N_("%(closer)s avait fermé le dossier %(de_name)s, et vous l'avez rouvert : les accès accordés "
                          "s'appliquent à nouveau."),
}
CLOSINGS = ("own_closed", "closed_by_patient", "closed")
# What a closing not yet seen becomes for whoever reopens the dossier, by its kind.
REOPENED_BY_YOU = {"own_closed": "own_reopened_by_you", "closed_by_patient": "reopened_by_you_after_patient",
                   "closed": "reopened_by_you"}
# What each kind is about: of one dossier, a newer notice of a subject makes an older one untrue or stale. A recovery
# is of none: a second one leaves the first true (`tell`).
SUBJECTS = {
    **dict.fromkeys(("removed_by_patient", "removed_by_caregiver", "made_reader_by_patient", "majority_kept",
                     "majority_ended"), "standing"),  # what the account may do in the dossier
    "devices_logged_out_by_caregiver": "devices",
    **dict.fromkeys(("own_closed", "own_reopened", "closed_by_patient", "reopened_by_patient", "closed", "reopened",
                     "own_closed_reopened", "own_reopened_after", "closed_reopened_by_patient",
                     "reopened_after_patient", "closed_reopened", "reopened_after", "own_reopened_by_you",
                     "reopened_by_you_after_patient", "reopened_by_you"), "opening"),
}


async def tell(session: AsyncSession, *, account_id: str, dossier_id: str | None, kind: str,
               at: datetime | None = None, **names: str) -> None:
    """A notice for an account's next visit, about this dossier (None: about the account, which has none), in the
    caller's transaction: it replaces the one of its subject not yet seen. `at`: when it happened, if not now."""
    assert kind in MESSAGES, kind
    if kind == "recovery_code_used":
        # Each recovery is told, none replacing another, dated as the first one not yet seen: told only to the keys
        # older than that one (told_to), a second code spent from the device the first one made tells that device
        # nothing it could silence (it replaced the first notice with one told to it, and the owner read neither).
        first = (await session.exec(select(func.min(AccountNotice.created_at)).where(
            AccountNotice.account_id == account_id, AccountNotice.kind == kind,
            col(AccountNotice.seen_at).is_(None)))).one()
        at = first or at
    else:
        await settle(session, account_id=account_id, dossier_id=dossier_id, subject=SUBJECTS[kind])
    session.add(AccountNotice(account_id=account_id, dossier_id=dossier_id, kind=kind, created_at=at or utcnow(),
                              names=json.dumps(names, ensure_ascii=False)))


async def settle(session: AsyncSession, *, account_id: str, dossier_id: str | None, subject: str) -> None:
    """What the account was told of this subject about this dossier, and has not yet seen, is no longer so: gone (a
    relative made a reader accepts to manage again; a dossier closed is reopened)."""
    kinds = [kind for kind, of in SUBJECTS.items() if of == subject]
    await session.exec(delete(AccountNotice).where(  # type: ignore[call-overload]
        AccountNotice.account_id == account_id, AccountNotice.dossier_id == dossier_id,
        col(AccountNotice.kind).in_(kinds), col(AccountNotice.seen_at).is_(None)))


async def tell_opening(session: AsyncSession, *, dossier: Dossier, closed: bool, actor: audit.Actor,
                       now: datetime) -> None:
    """A dossier closed or reopened: everyone else who holds it is told, the patient and each relative (its log and
    its banner say it in the dossier; "Mes dossiers", where one comes first, said nothing). A reopening says who had
    closed it to whoever has not read that yet, whoever reopened it included."""
    patient = await session.get(Patient, dossier.patient_id)
    name = f"{patient.given_name} {patient.family_name}"
    state = "closed" if closed else "reopened"
    own = (await session.exec(select(Account.id).where(Account.patient_id == patient.id))).first()
    told = {own: f"own_{state}"} if own is not None else {}
    for helper in await helpers_of(session, dossier=dossier, patient=patient, now=now):
        told[helper.account.id] = f"{state}_by_patient" if actor.kind == "patient" else state
    told.pop(actor.account_id, None)
    for account_id, kind in told.items():
        names = {"actor": actor.name, "name": name}
        closing = None if closed else await unseen_closing(session, account_id=account_id, dossier_id=dossier.id)
        if closing is not None:  # replaced, it would leave "a rouvert" with no closing before it
            kind, names["closer"] = reopened_after(kind, closing, actor.name)
        await tell(session, account_id=account_id, dossier_id=dossier.id, kind=kind, **names)
    closing = None if closed or actor.account_id is None else await unseen_closing(
        session, account_id=actor.account_id, dossier_id=dossier.id)
    if closing is not None:  # "… a fermé : aucun professionnel ne peut plus le lire", read after she reopened it
        await tell(session, account_id=actor.account_id, dossier_id=dossier.id, kind=REOPENED_BY_YOU[closing.kind],
                   closer=json.loads(closing.names).get("actor", ""), name=name)


async def unseen_closing(session: AsyncSession, *, account_id: str, dossier_id: str) -> AccountNotice | None:
    """The account's notice of this dossier's closing, not yet seen, that a reopening is about to replace."""
    return (await session.exec(select(AccountNotice).where(
        AccountNotice.account_id == account_id, AccountNotice.dossier_id == dossier_id,
        col(AccountNotice.kind).in_(CLOSINGS), col(AccountNotice.seen_at).is_(None)))).first()


def reopened_after(kind: str, closing: AccountNotice, actor: str) -> tuple[str, str]:
    """What a reopening (`kind`) tells an account that has not seen the closing before it: the kind that says both,
    and who had closed it. One person who did both is named once ("a fermé puis rouvert")."""
    closer = json.loads(closing.names).get("actor", "")
    if kind == "own_reopened":
        return ("own_closed_reopened" if closer == actor else "own_reopened_after"), closer
    if closing.kind == "closed_by_patient":  # she closed her own dossier
        return ("closed_reopened_by_patient" if kind == "reopened_by_patient" else "reopened_after_patient"), closer
    return ("closed_reopened" if closer == actor else "reopened_after"), closer


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
        names["level"] = _(invitations.LEVELS[names["level"]])
    return _(MESSAGES[kind], **names)


async def unseen(session: AsyncSession, *, account: Account,
                 logged_in_with: str | None) -> list[tuple[AccountNotice, str]]:
    """The account's notices not yet acknowledged that a session opened with the passkey `logged_in_with` is told,
    oldest first, each with its text."""
    rows = await session.exec(select(AccountNotice).where(
        AccountNotice.account_id == account.id, col(AccountNotice.seen_at).is_(None))
        .order_by(col(AccountNotice.created_at)))
    key = await session.get(Passkey, logged_in_with) if logged_in_with else None
    return [(notice, text_of(notice)) for notice in rows.all() if told_to(notice, key)]


def told_to(notice: AccountNotice, key: Passkey | None) -> bool:
    """Whether a session opened with this passkey is told the notice (and may acknowledge it). A recovery, dated by
    the key it made (passkeys._keep), only to the keys older than it: the device that made it, with any key it added
    since, may be a thief's, who would tap "J'ai compris" and the owner never hear of it; and the owner on her own new
    phone is not asked whether it was her."""
    return notice.kind != "recovery_code_used" or key is None or key.created_at < notice.created_at
