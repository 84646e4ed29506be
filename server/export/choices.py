"""What the patient chose about her own dossier, carried by its copy and kept where it is read back: her refusal of
emergency access, and being told of every read. Grants, blocks, the médecin traitant and relatives are rights given
to people of the installation the copy leaves (no account is known from one to another): they stay there, as do the
devices a notification goes to.

Extensions of a whole copy's Patient (a legal representative's is never read back), written only where the patient
left Carnet's default: a copy made before 2026-12-06 reads back as the defaults, as it did. Read back, a choice is
added, never taken away: one made in the new installation before the copy came in (a refusal there) stays.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.emergencies import end_emergencies
from ..accesslog import audit
from ..accesslog.phrases import EVERY_READ
from ..models import Dossier

EMERGENCY_REFUSED_EXTENSION = "urn:carnet:fhir:acces-urgence-refuse"
EVERY_READ_EXTENSION = "urn:carnet:fhir:notifier-chaque-consultation"


@dataclass(frozen=True)
class Choices:
    emergency_refused: bool = False
    every_read: bool = False


def choices_of(dossier: Dossier) -> list[dict]:
    """The dossier's choices as the copy's Patient carries them."""
    chosen = ((EMERGENCY_REFUSED_EXTENSION, dossier.emergency_opt_out),
              (EVERY_READ_EXTENSION, dossier.notify_every_access))
    return [{"url": url, "valueBoolean": True} for url, on in chosen if on]


def choices_in(patient: dict) -> Choices:
    """The choices the copy's Patient carries; NotRestorable for one that is not a yes or a no (a refusal of
    emergency access is never read as its absence)."""
    from .mapping import NotRestorable, extension  # here: mapping imports archive, which imports this module

    found = [extension(patient, url) for url in (EMERGENCY_REFUSED_EXTENSION, EVERY_READ_EXTENSION)]
    if any(value is not None and not isinstance(value, bool) for value in found):
        raise NotRestorable("Un choix du patient sur son dossier (accès d'urgence, notifications) est illisible dans "
                            "la copie.")
    return Choices(*(value is True for value in found))


async def keep_choices(session: AsyncSession, *, dossier: Dossier, choices: Choices, actor: audit.Actor) -> None:
    """The copy's choices made here, each logged as the patient's own change is (access.emergencies,
    notifications.notify), in the caller's chained transaction (restore.write_documents): the refusal holds before any
    document is in."""
    dossier = await session.get(Dossier, dossier.id, populate_existing=True)
    if choices.emergency_refused and not dossier.emergency_opt_out:
        dossier.emergency_opt_out = True
        await end_emergencies(session, dossier_id=dossier.id)
        await audit.append(session, dossier_id=dossier.id, action="emergency_opt_out", actor=actor)
    if choices.every_read and not dossier.notify_every_access:
        dossier.notify_every_access = True
        await audit.append(session, dossier_id=dossier.id, action="notify_every_access", actor=actor,
                           detail=EVERY_READ)
    session.add(dossier)
