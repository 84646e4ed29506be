"""What a professional's event says of the right it went through, besides the right's name: the reason of the
emergency access, or which share code the grant was made from (the minute it was made and what it opened, so that
two codes of one day are told apart; the day alone in an event written before 2026-12-06).

The event carries these words in its own detail, on a last line that `audit.append` writes, so that its hash covers
them: the Historique never reads them from the tables of grants and emergency accesses, which whoever runs the
database could change unseen while the patient's phone finds every event as the log signed it. An event written
before it carried them says the right alone.

The patient's own event says so, on the same last line, of the passkey she acted with: its name as she gave it
then (her keys are named, "Téléphone", "Ordinateur"), so that she can tell what each of her devices did; a lost or
lent phone's actions from hers. An event written before it did, or by no passkey's session (a command), says none.

Here too, those words said: as a clause of the Historique's sentence (`right_clause`), and as the log's files label
the right (`right_label`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, bindparam, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import SIGNED_IN_WITH
from ..i18n import _
from ..i18n.formats import PARIS, clock, quoted
from ..models import AccessEvent, EmergencyAccess, Grant, Passkey, Professional, ShareCode
from .days import day_fr
from .details import stored

# The last line of a detail, in French as the log is written (the CSV shows the detail as it is).
EMERGENCY_REASON = "motif de l'accès d'urgence : "
# And when the code was made, ISO to the minute with Paris's offset, then " : " and what it opened as its own event
# said it ("2026-12-06T14:05+01:00 : Ordonnance, 1 mois"); before 2026-12-06, the day of its grant alone.
SHARE_CODE_OF = "code de partage du "
SCOPE_AFTER = " : "
PASSKEY_OF = "clé d'accès : "  # then the key's name, as it was when she acted
SHORTEST_REASON = 40  # a reason cut to fit the detail keeps at least this much, else it is left out (…)


@dataclass(frozen=True)
class RightWords:
    detail: str  # what else the event's detail says
    reason: str = ""
    share_code_on: date | None = None
    share_code_at: datetime | None = None  # when the code was made (None in an older event: its day alone)
    share_code_scope: str = ""  # what it opened, in French as stored ("Ordonnance, 1 mois")
    passkey: str = ""  # the patient's own event: the name of the key she acted with


def said(event: AccessEvent) -> RightWords:
    """What the event's own detail says of the right it went through (or of the patient's key), and the rest of its
    detail."""
    if event.actor_kind == "patient":
        rest, _, line = event.detail.rpartition("\n")
        if line.startswith(PASSKEY_OF):
            return RightWords(rest, passkey=line.removeprefix(PASSKEY_OF))
        return RightWords(event.detail)
    if event.actor_kind != "professional" or event.action == "emergency" or event.right not in ("grant", "emergency"):
        return RightWords(event.detail)
    rest, _, line = event.detail.rpartition("\n")
    if event.right == "emergency" and line.startswith(EMERGENCY_REASON):
        return RightWords(rest, reason=line.removeprefix(EMERGENCY_REASON))
    if event.right == "grant" and line.startswith(SHARE_CODE_OF):
        when, _, scope = line.removeprefix(SHARE_CODE_OF).partition(SCOPE_AFTER)
        try:
            if "T" not in when:  # written before 2026-12-06
                return RightWords(rest, share_code_on=date.fromisoformat(when))
            made = datetime.fromisoformat(when)
        except ValueError:
            return RightWords(event.detail)
        return RightWords(rest, share_code_on=made.astimezone(PARIS).date(), share_code_at=made,
                          share_code_scope=scope)
    return RightWords(event.detail)


def emergency_reason(event: AccessEvent, *, words: RightWords | None = None) -> str:
    """The reason a professional wrote for an emergency access, as the Historique's sentence quotes it: of her opening
    (the event's detail) or of what she did through it (`right_clause`); "" for none. Her words, as she wrote them."""
    if event.action == "emergency":
        return event.detail.strip().rstrip(".")
    return (words or said(event)).reason.strip().rstrip(".")


async def words(session: AsyncSession, *, dossier_id: str, action: str, kind: str, rpps: str, right: str,
                at: datetime, account_id: str | None = None) -> str:
    """The line an event appended now says of its right (`said` reads it back): none but for a professional's
    event through an emergency access (its opening says its reason itself) or a grant made from a share code; or,
    for the patient's own, the passkey her session was opened with (`account_id`: hers)."""
    if kind == "patient":
        return await _passkey_line(session, account_id=account_id)
    if kind != "professional" or not rpps or action == "emergency" or right not in ("grant", "emergency"):
        return ""
    params = {"dossier_id": dossier_id, "rpps": rpps, "at": at}
    if right == "emergency":
        reason = (await session.exec(_emergency_reason(), params=params)).first()  # type: ignore[call-overload]
        return f"{EMERGENCY_REASON}{reason}" if reason else ""
    grant = (await session.exec(_current_grant(), params=params)).first()  # type: ignore[call-overload]
    if grant is None or grant.share_code_id is None:
        return ""
    from ..access.durations import DURATIONS  # access/ writes through the log: imported once both are
    from ..access.scopes import logged_scope

    made = grant.made_at.astimezone(PARIS).isoformat(timespec="minutes")
    # What it opened, as the code's own event said it ("Code de partage créé (Ordonnance, 1 mois)").
    duration = next((label for label, days in DURATIONS.values() if days == grant.grant_days), "")
    return f"{SHARE_CODE_OF}{made}{SCOPE_AFTER}{logged_scope(grant.categories, duration).removesuffix(', ')}"


async def _passkey_line(session: AsyncSession, *, account_id: str | None) -> str:
    """The key the request's session was opened with (sessions.load_session), if it is this account's: by name."""
    signed_in, passkey_id = session.info.get(SIGNED_IN_WITH, (None, None))
    if account_id is None or signed_in != account_id or passkey_id is None:
        return ""
    name = (await session.exec(select(Passkey.name).where(Passkey.id == passkey_id,
                                                           Passkey.account_id == account_id))).first()
    return f"{PASSKEY_OF}{name}" if name else ""


def joined(detail: str, line: str, *, limit: int) -> str:
    """The detail, cut to `limit`, with `line` last where it fits: a long reason cut short ("…"), else left out."""
    detail = detail[:limit]
    if not line:
        return detail
    room = limit - len(detail) - (1 if detail else 0)
    if len(line) > room:
        if not line.startswith(EMERGENCY_REASON) or room < len(EMERGENCY_REASON) + SHORTEST_REASON:
            return detail
        line = line[:room - 1] + "…"
    return f"{detail}\n{line}" if detail else line


# Built once (listing says why): asked by each professional's event through one of these rights.
@cache
def _emergency_reason() -> Select:
    emergencies, pros = EmergencyAccess.__table__, Professional.__table__  # type: ignore[attr-defined]
    emergency, pro = emergencies.c, pros.c
    return (select(emergency.reason).join_from(emergencies, pros, emergency.professional_id == pro.id)
            .where(emergency.dossier_id == bindparam("dossier_id"), pro.rpps == bindparam("rpps"),
                   emergency.starts_at <= bindparam("at"), emergency.ends_at > bindparam("at"))
            .order_by(emergency.starts_at.desc()).limit(1))


@cache
def _current_grant() -> Select:
    """The newest grant current now: the one a read through a grant is said to go through (the rule asks for any);
    and the share code it was made from, if any (a used one is kept): when it was made, what it opened."""
    grants, pros, codes = Grant.__table__, Professional.__table__, ShareCode.__table__  # type: ignore[attr-defined]
    grant, pro, code = grants.c, pros.c, codes.c
    return (select(grant.share_code_id, grant.starts_at, code.created_at.label("made_at"), code.categories,
                   code.grant_days)
            .join_from(grants, pros, grant.professional_id == pro.id)
            .outerjoin(codes, code.id == grant.share_code_id)
            .where(grant.dossier_id == bindparam("dossier_id"), pro.rpps == bindparam("rpps"),
                   grant.starts_at <= bindparam("at"),
                   or_(grant.revoked_at.is_(None), grant.revoked_at > bindparam("at")),
                   or_(grant.ends_at.is_(None), grant.ends_at > bindparam("at")))
            .order_by(grant.starts_at.desc()).limit(1))


# A professional's actions that their right "author" alone allows, said without it (`right_clause`). A read of her
# document says it: she may read it through another right too, and the patient may wonder why she still could.
AUTHORS_OWN = frozenset({"read_own_documents", "profile_withdraw", "withdraw_document", "keep_from_parents"})


def right_clause(event: AccessEvent, *, words: RightWords, today: date | None, vous: bool = False) -> str:
    """Through which right a professional acted, as a clause after the time: the right's name, and what the event's
    detail says of it (an event written before it did: the right's name alone); `vous`, to the professional herself.

    Never a word that agrees with her: the event holds her profession as written for her, and "médecin" is written
    alike for a man and a woman ("en tant qu'auteur du document" was said of Dr Claire Bernard: a tester's find)."""
    right = event.right
    if right in ("grant", "share_code"):
        if words.share_code_at is not None:  # which code, as the patient made it: two of one day told apart
            made = words.share_code_at.astimezone(PARIS)
            clause = _(", grâce au code de partage du %(day)s à %(time)s", day=day_fr(made.date(), today=today),
                       time=clock(made))
            return f"{clause} ({stored(words.share_code_scope)})" if words.share_code_scope else clause
        if words.share_code_on is not None:
            return _(", grâce au code de partage du %(day)s", day=day_fr(words.share_code_on, today=today))
        if right == "share_code":
            return _(", grâce au code de partage")
        return _(", grâce à l'accès qui lui a été donné")  # by the patient, or by whoever manages the dossier
    if right == "medecin_traitant":
        return _(", grâce à votre rôle de médecin traitant") if vous else _(", grâce à son rôle de médecin traitant")
    if right == "emergency":
        reason = emergency_reason(event, words=words)
        return _(", en accès d'urgence (motif : %(reason)s)", reason=reason) if reason else _(", en accès d'urgence")
    if right == "author":
        # The list of the documents they added, and a line of the profile withdrawn, say so themselves (their phrase).
        # What only its author may do to her document (withdraw it, keep it from a minor's parents) needs no right
        # said: "grâce à son accès aux documents ajoutés par ses soins" followed a withdrawal whose addition had said
        # "grâce à son rôle de médecin traitant" (the right she wrote in the dossier under), as if of two rights.
        if event.action in AUTHORS_OWN:
            return ""
        if event.action == "read_profile":
            return _(", grâce à votre accès aux informations du profil ajoutées par vos soins") if vous else \
                _(", grâce à son accès aux informations du profil ajoutées par ses soins")
        return _(", grâce à votre accès aux documents ajoutés par vos soins") if vous else \
            _(", grâce à son accès aux documents ajoutés par ses soins")
    if right in ("", "patient", "caregiver"):
        return ""
    return _(", au titre du droit %(right)s", right=quoted(right))


# Each names the right, never the person (the log does not say whether "médecin" is a man or a woman): "aidant" and
# "auteur du document" said a man of whoever acted.
RIGHT_LABELS = {
    "grant": "accès accordé",  # by the patient, or by whoever manages the dossier (a grant says which)
    "share_code": "code de partage",
    "medecin_traitant": "rôle de médecin traitant",
    "emergency": "accès d'urgence",
    "author": "accès à ses propres ajouts",  # a document, or a line of the profile, the professional added
    "patient": "titulaire du dossier",
    "caregiver": "proche",
    "shl": "lien de partage",
}


def right_label(event: AccessEvent) -> str:
    """The right, in French as a file of the log says it: which share code ("code de partage du 2026-12-06 14:05
    (Ordonnance, 1 mois)"), where the event says it."""
    words = said(event)
    if event.right not in ("grant", "share_code") or words.share_code_on is None:
        return RIGHT_LABELS.get(event.right, event.right)
    if words.share_code_at is None:
        return f"code de partage du {words.share_code_on.isoformat()}"
    made = words.share_code_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M")
    return f"code de partage du {made}" + (f" ({words.share_code_scope})" if words.share_code_scope else "")
