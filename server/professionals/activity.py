"""A professional's own activity ("Mon activité"): her events in every dossier's log, newest first, a page at a time,
so that she can account for her own use of Carnet: when, what kind of action, through which right, in whose dossier.

It says no more of a dossier than Carnet shows her now. The patient is named only where "Mes patients" names her (a
dossier open to this professional, one she keeps her own additions in, or one whose access ended lately); elsewhere,
"a dossier no longer open to you". Never a document's title nor what an event's detail holds (a search's words, a
reason): the patient may have hidden or deleted that document since, and the log's words are the patient's to read;
but the name of her own software that acted, where one did: with several registered, she tells what she did from
what a key did (an outside probe's find).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog.journal import new_version, software_named
from ..accesslog.right_words import said
from ..i18n import N_
from ..models import AccessEvent, Patient, utcnow
from .own_documents import ended_accesses
from .patients import my_patients

PAGE = 30

# What she did, by the event's action, as a line of her activity says it (translated where shown).
ACTIONS = {
    "read_timeline": N_("Consultation du dossier"),
    "search": N_("Recherche dans le dossier"),
    "read_document": N_("Consultation d'un document"),
    "download": N_("Téléchargement d'un document"),
    "read_profile": N_("Consultation du profil médical"),
    "read_care": N_("Consultation des soins remboursés"),
    "read_own_documents": N_("Consultation de vos propres ajouts"),
    "open_to_add": N_("Ouverture pour un ajout"),
    "add_document": N_("Ajout d'un document"),
    "withdraw_document": N_("Retrait d'un de vos documents"),
    "profile_add": N_("Ajout au profil médical"),
    "profile_hide": N_("Changement au profil médical"),
    "profile_nature": N_("Changement au profil médical"),
    "profile_end": N_("Changement au profil médical"),
    "profile_pregnancy_end": N_("Changement au profil médical"),
    "profile_dose": N_("Changement au profil médical"),
    "profile_withdraw": N_("Changement au profil médical"),
    "keep_from_parents": N_("Document gardé hors de la vue des parents"),
    "emergency": N_("Ouverture en accès d'urgence"),
    "grant": N_("Code de partage utilisé"),
    "dossier_opened": N_("Ouverture du dossier d'un patient présent"),
}
OTHER_ACTION = N_("Autre action")
# A document's new version is an "add_document" whose detail says so first (professionals/uploads.py), as the
# patient's Historique tells them apart ("une nouvelle version, qui remplace la précédente"): so does her activity.
NEW_VERSION_ACTION = N_("Nouvelle version d'un document")
# Through which right (the event's), as the same line says it; none for an action that needs none.
RIGHTS = {
    "medecin_traitant": N_("Médecin traitant"),  # "Médecin traitante" for her (FEMININE_RIGHTS)
    "grant": N_("Accès accordé"),
    "share_code": N_("Code de partage"),
    "emergency": N_("Accès d'urgence"),
    "author": N_("Auteur"),
}
# Said of her as her profession is written (`Professional.profession_feminine`), as her dossiers' banner says it.
FEMININE_RIGHTS = RIGHTS | {"medecin_traitant": N_("Médecin traitante"), "author": N_("Autrice")}


@dataclass(frozen=True)
class ActivityLine:
    at: datetime
    action: str  # a msgid of ACTIONS
    right: str  # a msgid of RIGHTS, or ""
    patient: Patient | None  # None: a dossier Carnet no longer names to her
    software: str = ""  # the name of her software that acted, "" for her own action on the web


@dataclass(frozen=True)
class Activity:
    lines: list[ActivityLine]
    older: int | None  # the cursor of the next page (the last event's id), None at the first event


def right_of(row, *, feminine: bool) -> str:
    """The right an event went through, as her line says it: a grant made from a share code is "Code de partage", as
    the patient's Historique says "grâce au code de partage du …" (its own detail says so: right_words.py)."""
    right = "share_code" if row.right == "grant" and said(row).share_code_on is not None else row.right
    return (FEMININE_RIGHTS if feminine else RIGHTS).get(right, "")


async def own_activity(session: AsyncSession, *, account_id: str, professional_id: str, before: int | None = None,
                       now: datetime | None = None, feminine: bool = False) -> Activity:
    """A page of the events this professional's account wrote as a professional, those before the event `before`
    (keyset: the ids, one range of ix_accessevent_actor), newest first; their rights said of her if `feminine`."""
    now = now or utcnow()
    query = select(AccessEvent.id, AccessEvent.at, AccessEvent.action, AccessEvent.right, AccessEvent.dossier_id,
                   AccessEvent.detail, AccessEvent.actor_kind).where(
        AccessEvent.actor_account_id == account_id, AccessEvent.actor_kind == "professional")
    if before is not None:
        query = query.where(col(AccessEvent.id) < before)
    rows = (await session.exec(query.order_by(col(AccessEvent.id).desc()).limit(PAGE + 1))).all()
    named = await _named(session, professional_id=professional_id, now=now) if rows else {}
    lines = [ActivityLine(at=row.at, right=right_of(row, feminine=feminine), patient=named.get(row.dossier_id),
                          action=NEW_VERSION_ACTION if new_version(row) else ACTIONS.get(row.action, OTHER_ACTION),
                          software=software_named(row.detail))
             for row in rows[:PAGE]]
    return Activity(lines, rows[PAGE - 1][0] if len(rows) > PAGE else None)


async def _named(session: AsyncSession, *, professional_id: str, now: datetime) -> dict[str, Patient]:
    """The patients "Mes patients" names to her now, by dossier: its two lists, asked of the one rule."""
    opened = await my_patients(session, professional_id=professional_id, now=now)
    ended = await ended_accesses(session, professional_id=professional_id,
                                 opened=[line.dossier.id for line in opened], now=now)
    return {line.dossier.id: line.patient for line in [*opened, *ended]}
