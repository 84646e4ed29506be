"""A dossier's SMART Health Links: made, listed and revoked by the patient or a managing caregiver.

Making and revoking a link change who can read the dossier: each appends its access event, in the
same transaction (DESIGN.md, "The access log"). A link is given in its maker's right, and opens only
while they hold it (`maker_may_share`): a caregiver removed, stepped down, made a reader, whose
delegation ended or who was a parent until the 18th birthday no longer gives the dossier to anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import i18n
from ..access.managing import may_act_on
from ..access.changes import CLOSED
from ..accesslog import audit
from ..accesslog.phrases import SINGLE_USE, VALID_UNTIL, WITH_PASSCODE, WITHOUT_PASSCODE
from ..dossiers import InvalidInput
from ..i18n import N_, _
from ..models import Account, Dossier, Patient, ShareLink, utcnow
from ..templating import date_fr
from ..text_input import clean, readable_length

# French, as the log and the shared file say them; translated where a page shows them. "vaccinations" is what a
# school, a holiday camp or a crèche asks a child's parents for: given alone, not with the whole synthèse.
CONTENTS = {"emergency": N_("Carte d'urgence"), "vaccinations": N_("Vaccins et allergies"),
            "summary": N_("Synthèse médicale")}
DURATIONS = {"1j": (N_("1 jour"), 1), "7j": (N_("7 jours"), 7), "30j": (N_("30 jours"), 30), "1a": (N_("1 an"), 365)}
LABEL_MAX = 80  # the spec's limit for `label`
PASSCODE_MIN, PASSCODE_MAX = 6, 100
ATTEMPTS = 10  # wrong passcodes over the link's whole life (the spec asks for a lifetime count)
LISTED = 200  # a dossier's links shown at once, newest first
# This long after a link expired (revoked or blocked, or not), housekeeping erases it if it was never opened: until
# then the patient's page says it expired unopened. An opened one keeps what her page says of it (its name, its
# openings, that it had a passcode) and loses what only opened it, its key and its passcode's hash (ERASED): an
# expired link never opens again. A recipient who asks it is answered as for a link that never was, before and after.
ENDED_KEPT = timedelta(days=30)
ERASED = "erased"  # an erased link's `passcode_hash`, where it had one: no scrypt hash, it matches nothing
# scrypt (RFC 7914) at the cost OWASP suggests for it: about 16 MiB and a few tens of ms per check.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def hash_passcode(passcode: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(passcode.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def passcode_matches(stored: str, passcode: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        tried = hashlib.scrypt(clean(passcode).encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                               dklen=32)
    except ValueError:
        return False
    return hmac.compare_digest(tried.hex(), digest)


# An active link whose maker may no longer make it (`maker_may_share`): it opens no more, and would again if they
# were given back that right, so the page still offers to revoke it.
MAKER_GONE = "maker_gone"


def state_of(link: ShareLink, now: datetime) -> str:
    """"active", or why the link opens no more: "revoked", "spent" (a single-use link, opened), "locked" (too many
    wrong passcodes), "expired"."""
    if link.revoked_at is not None:
        return "revoked"
    if link.single_use and link.fetch_count > 0:
        return "spent"
    if link.attempts_left <= 0:
        return "locked"
    if link.expires_at <= now:
        return "expired"
    return "active"


async def maker_may_share(session: AsyncSession, *, link: ShareLink, dossier: Dossier, patient: Patient,
                          now: datetime) -> bool:
    """Whether the link's maker may still make it: the check the pages make before one is made (`managed_dossier`),
    asked again at each opening. The patient's own links always pass it."""
    maker = await session.get(Account, link.created_by_account_id)
    return maker is not None and await may_act_on(session, account=maker, dossier=dossier, patient=patient, now=now)


async def listed(session: AsyncSession, *, links: list[ShareLink], dossier: Dossier, patient: Patient,
                 now: datetime) -> list[tuple[ShareLink, str, str]]:
    """Each link as the patient's page shows it: its `state_of`, MAKER_GONE for one that would open but whose maker
    may no longer share the dossier, and then that maker's name, to say why."""
    may: dict[str, bool] = {}  # a dossier's links have few makers: each asked once
    shown = []
    for link in links:
        state, maker = state_of(link, now), ""
        if state == "active":
            if link.created_by_account_id not in may:
                may[link.created_by_account_id] = await maker_may_share(session, link=link, dossier=dossier,
                                                                        patient=patient, now=now)
            if not may[link.created_by_account_id]:
                account = await session.get(Account, link.created_by_account_id)  # loaded by the question above
                state, maker = MAKER_GONE, account.display_name if account is not None else ""
        shown.append((link, state, maker))
    return shown


def content_names(content: str) -> set[str]:
    """What a link shows (a key of CONTENTS), named in each of the interface's languages."""
    return {i18n.translations(language).gettext(CONTENTS[content]) for language in i18n.LANGUAGES}


def own_name(link: ShareLink) -> str:
    """The name the link's maker gave it; "" for a link left unnamed, which a page names by its content in its
    reader's language (said once: not "Carte d'urgence : « Carte d'urgence »"). Before, such a link stored its
    content's name in its maker's language, which a reader of the other then read: that name is no name either."""
    return "" if link.label in content_names(link.content) else link.label


def written_name(link: ShareLink) -> str:
    """How the log and what the link carries (its payload's `label`) name it: as its maker named it, or, left unnamed,
    by its content in French, as the log and the shared file are written (a link unnamed before: as it was stored,
    which its log has said since)."""
    return link.label or CONTENTS[link.content]


def description(link: ShareLink, *terms: str) -> str:
    """How the log names a link, in French as the log is written: « Voyage » (carte d'urgence), and what else it says
    of it."""
    return f"«\u00a0{written_name(link)}\u00a0» ({', '.join([CONTENTS[link.content].lower(), *terms])})"


@dataclass(frozen=True)
class LinkInput:
    """The creation form, as typed."""

    content: str
    label: str
    passcode: str
    duration: str
    single_use: bool = False


def check(data: LinkInput) -> tuple[str, str, str, timedelta]:
    """Content, label ("" if none is given: `own_name`), passcode ("" for none) and lifetime; InvalidInput in the
    request's language for anything wrong, naming the field as the form names it."""
    if data.content not in CONTENTS:
        raise InvalidInput(_("Choisissez ce que le lien montre : la carte d'urgence, les vaccinations et allergies, ou "
                             "la synthèse médicale."),
                           "contenu")
    if data.duration not in DURATIONS:
        raise InvalidInput(_("Choisissez combien de temps le lien reste valable."), "duree")
    label = clean(data.label)
    if not readable_length(label):  # "ㅤ" is no name: the link would be listed blank
        label = ""
    if len(label) > LABEL_MAX:
        raise InvalidInput(_("Le nom du lien : %(limit)d caractères au plus.", limit=LABEL_MAX), "nom")
    passcode = clean(data.passcode)
    if data.passcode and readable_length(passcode) < PASSCODE_MIN:  # typed, even if nothing of it can be read
        raise InvalidInput(_("Le code d'accès doit compter au moins %(least)d caractères (ou laissez-le vide).",
                             least=PASSCODE_MIN), "code")
    if len(passcode) > PASSCODE_MAX:
        raise InvalidInput(_("Le code d'accès : %(limit)d caractères au plus.", limit=PASSCODE_MAX), "code")
    return data.content, label, passcode, timedelta(days=DURATIONS[data.duration][1])


async def create_link(session: AsyncSession, *, dossier: Dossier, data: LinkInput, account: Account,
                      actor: audit.Actor) -> ShareLink:
    """A new link and its access event, committed together; the dossier must be open."""
    content, label, passcode, lifetime = check(data)
    passcode_hash = hash_passcode(passcode) if passcode else ""  # before the chain lock: it takes a moment
    await audit.begin_chained(session, dossier_id=dossier.id)
    dossier = await session.get(Dossier, dossier.id, populate_existing=True)
    if dossier.state != "open":
        await session.commit()
        raise InvalidInput(_(CLOSED))
    now = utcnow()
    link = ShareLink(id=secrets.token_urlsafe(32), dossier_id=dossier.id, content=content, label=label,
                     key=secrets.token_bytes(32), passcode_hash=passcode_hash, expires_at=now + lifetime,
                     attempts_left=ATTEMPTS, created_by_account_id=account.id, created_at=now,
                     single_use=data.single_use)
    session.add(link)
    terms = [WITH_PASSCODE if passcode else WITHOUT_PASSCODE, VALID_UNTIL % {"date": date_fr(link.expires_at)}]
    await audit.append(session, dossier_id=dossier.id, action="shl_created", actor=actor,
                       detail=description(link, *terms, *([SINGLE_USE] if link.single_use else [])))
    await audit.commit_chained(session)
    return link


async def links_of(session: AsyncSession, *, dossier_id: str, made_by: frozenset[str] | None = None) -> list[ShareLink]:
    """The dossier's links, newest first; with `made_by`, those these accounts made alone (caregivers/confidential.py,
    `links_shown`)."""
    query = select(ShareLink).where(ShareLink.dossier_id == dossier_id)
    if made_by is not None:
        query = query.where(col(ShareLink.created_by_account_id).in_(made_by))
    found = await session.exec(query.order_by(col(ShareLink.created_at).desc()).limit(LISTED))
    return list(found.all())


async def link_of(session: AsyncSession, *, dossier_id: str, link_id: str,
                  made_by: frozenset[str] | None = None) -> ShareLink | None:
    """One of this dossier's links (made by `made_by`, if given); None for another dossier's link, or one another
    account made, as for no link at all."""
    link = await session.get(ShareLink, link_id, populate_existing=True)
    if link is None or link.dossier_id != dossier_id or made_by is not None and link.created_by_account_id not in made_by:
        return None
    return link


async def revoke_link(session: AsyncSession, *, dossier: Dossier, link_id: str, actor: audit.Actor,
                      made_by: frozenset[str] | None = None) -> bool:
    """Revoke one of the dossier's links (logged once; revoking again changes nothing); False if it has no such link
    (made by `made_by`, if given)."""
    await audit.begin_chained(session, dossier_id=dossier.id)
    link = (await session.exec(select(ShareLink).where(ShareLink.id == link_id, ShareLink.dossier_id == dossier.id)
                               .with_for_update().execution_options(populate_existing=True))).first()
    if link is None or made_by is not None and link.created_by_account_id not in made_by:
        await session.commit()
        return False
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        session.add(link)
        await audit.append(session, dossier_id=dossier.id, action="shl_revoked", actor=actor, detail=description(link))
    await audit.commit_chained(session)
    return True
