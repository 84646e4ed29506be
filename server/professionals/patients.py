"""A professional's patients: the dossiers they may open now ("Mes patients"), those whose access ended lately, a
search of them by name, birth date or INS, and, in an emergency, the dossier of a patient identified by INS and
birth date."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, union_all
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.rule import Standing, access_ended, dossier_right, visibility
from ..identifiers import is_valid_ins, normalize_ins
from ..models import AccessEvent, Block, Dossier, EmergencyAccess, Grant, LogSubject, Patient, utcnow
from ..search import fold, words_of
from ..facts import dossier_facts
from ..access.standing import medecin_traitant_declarations, standing_from_rows
from . import visits


@dataclass
class PatientLine:
    """One dossier this professional may open now, and every reason why."""

    dossier: Dossier
    patient: Patient
    medecin_traitant: bool = False
    grants: list[Grant] = field(default_factory=list)
    emergency_until: datetime | None = None
    new_documents: int = 0  # added since their last opening of it, that they may read (visits.py)


async def my_patients(session: AsyncSession, *, professional_id: str, now: datetime | None = None) -> list[PatientLine]:
    """The dossiers this professional may open now, asked of the one rule; nothing about the others."""
    now = now or utcnow()
    pro = professional_id
    # Each reason through its own index (one union: an OR of them read every dossier of the installation).
    theirs = union_all(
        select(Dossier.id).where(Dossier.medecin_traitant_id == pro),
        select(Grant.dossier_id).where(Grant.professional_id == pro, Grant.revoked_at.is_(None),  # type: ignore[union-attr]
                                       or_(Grant.ends_at.is_(None), Grant.ends_at > now)),  # type: ignore[union-attr, operator]
        select(EmergencyAccess.dossier_id).where(EmergencyAccess.professional_id == pro, EmergencyAccess.ends_at > now),
    )
    rows = (await session.exec(
        select(Dossier, Patient).join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
        .where(Dossier.state == "open", Dossier.id.in_(theirs))  # type: ignore[attr-defined]
        .order_by(Patient.family_name, Patient.given_name)
    )).all()
    lines, seen = [], {}
    for dossier, patient, grants, standing in await with_standings(session, professional_id=pro, rows=rows, now=now):
        state = dossier_facts(dossier)
        if dossier_right(standing, state, now) is None:
            continue  # blocked, or every grant over, or an emergency the patient has since opted out of
        seen[dossier.id] = visibility(standing, state, now)  # what the count of new documents may count
        # standing.grants holds the rule's facts of the same rows, in the same order.
        in_force = standing.active_grants(now)
        active = [g for g, facts in zip(grants, standing.grants, strict=True) if facts in in_force]
        until = standing.emergency_until
        lines.append(PatientLine(
            dossier=dossier, patient=patient, medecin_traitant=standing.medecin_traitant,
            grants=sorted(active, key=lambda g: (g.ends_at is None, g.ends_at or now)),
            emergency_until=until if until and now < until and not dossier.emergency_opt_out else None,
        ))
    counts = await visits.new_counts(session, professional_id=pro, visible=seen)
    for line in lines:
        line.new_documents = counts.get(line.dossier.id, 0)
    return lines


# "Mes patients" lists a dossier whose access ended this long after, as ended: a grant revoked or past its end date,
# an emergency access past its window (or refused meanwhile), a médecin traitant replaced or removed.
RECENTLY_ENDED = timedelta(days=30)
RECENTLY_ENDED_LISTED = 100  # at most, by name: the page stays bounded for one who worked from share codes for years


async def recently_ended(session: AsyncSession, *, professional_id: str, opened: Collection[str] = (),
                         now: datetime | None = None) -> list[tuple[Dossier, Patient]]:
    """The dossiers where an access of this professional's ended within RECENTLY_ENDED and which no longer open to
    them, as the rule says (`access_ended`), by the patient's name. `opened`: those "Mes patients" lists as open.

    Each way they held one through its own index (as `my_patients`): a grant; an emergency access whose window
    ended, or has not yet (the rule says whether the patient opted out or blocked them meanwhile); a change of
    médecin traitant about them, declared, replaced or removed (the log's, by their key: migration 0050)."""
    now = now or utcnow()
    since = now - RECENTLY_ENDED
    ended = union_all(
        select(Grant.dossier_id).where(Grant.professional_id == professional_id, or_(
            Grant.revoked_at >= since,  # type: ignore[operator]
            and_(Grant.ends_at >= since, Grant.ends_at <= now))),  # type: ignore[operator]
        select(EmergencyAccess.dossier_id).where(EmergencyAccess.professional_id == professional_id,
                                                 EmergencyAccess.ends_at >= since),  # type: ignore[operator]
        medecin_traitant_declarations(professional_id).where(AccessEvent.at >= since),  # type: ignore[operator]
    )
    rows = (await session.exec(
        select(Dossier, Patient).join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
        .where(Dossier.id.in_(ended), Dossier.id.not_in(list(opened)))  # type: ignore[attr-defined]
        .order_by(Patient.family_name, Patient.given_name).limit(RECENTLY_ENDED_LISTED)
    )).all()
    return [(dossier, patient)
            for dossier, patient, _grants, standing in await with_standings(session, professional_id=professional_id,
                                                                             rows=rows, now=now, declared=True)
            if access_ended(standing, dossier_facts(dossier, patient), now)]


# A birth date as it is typed at the counter or read off a screen: "23/07/1950" (or 23.07.1950, 23-07-1950, 23/07/50),
# "23/07", the year alone, "1950-07-23" as software writes it, "23071950" or "230750" as a practice's software takes
# it, and "23 juillet 1950" (or "1er juillet", "23 juil."), as "Mes patients" itself shows it.
BIRTH_DATE = re.compile(r"(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})(?:[/.-](?P<year>\d{4}|\d{2}))?"
                        r"|(?P<iso_year>\d{4})-(?P<iso_month>\d{1,2})-(?P<iso_day>\d{1,2})"
                        r"|(?P<packed>\d{6}|\d{8})|(?P<born_in>\d{4})")
# A day, a month's name or its first letters (at least three, naming one month), and maybe the year: made "23/07/1950"
# before the words are read, so that a name like "Mai" or "Mars" alone stays a name.
SPELLED_DATE = re.compile(r"\b(?P<day>1er|\d{1,2})\s+(?P<month>[a-z]{3,})\.?(?:\s+(?P<year>\d{4}|\d{2}))?(?=\s|$)")
MONTHS = ["janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre", "novembre",
          "decembre"]


def named(patient: Patient, query: str) -> bool:
    """Whether each word asked starts a word of the patient's family or given name, accents and case ignored
    ("lefe" finds Lefèvre), and each date asked is their birth date, its day and month, or its year ("1950"): how a
    pharmacist makes sure of who is at the counter. Or, a whole INS asked, as the dossier's band and the carte Vitale
    show it (grouped by spaces) or as the emergency form takes it ("2a" for 2A), whether it is theirs. A search of the
    professional's own list, never of all the patients."""
    if is_valid_ins(query):
        return normalize_ins(query) == patient.ins
    pieces = SPELLED_DATE.sub(_numbered, fold(query)).split()
    dates = [found for found in map(BIRTH_DATE.fullmatch, pieces) if found]
    asked = words_of(" ".join(piece for piece in pieces if not BIRTH_DATE.fullmatch(piece)))
    names = words_of(f"{patient.family_name} {patient.given_name}")
    return bool(asked or dates) and all(any(name.startswith(word) for name in names) for word in asked) \
        and all(_born_on(patient.birth_date, found) for found in dates)


def _numbered(spelled: re.Match[str]) -> str:
    months = [number for number, name in enumerate(MONTHS, 1) if name.startswith(spelled["month"])]
    if len(months) != 1:
        return spelled[0]  # not a month: the words stay words
    day = 1 if spelled["day"] == "1er" else int(spelled["day"])
    return f"{day}/{months[0]}" + (f"/{spelled['year']}" if spelled["year"] else "")


def _born_on(born: date, asked: re.Match[str]) -> bool:
    """Whether one of the readings of the date asked is the birth date: a year of two digits is any century's, eight
    digits are a day, a month and a year or (as software writes) a year, a month and a day."""
    if asked["born_in"]:
        return int(asked["born_in"]) == born.year
    if asked["iso_year"]:
        readings = [(asked["iso_day"], asked["iso_month"], asked["iso_year"])]
    elif asked["packed"]:
        digits = asked["packed"]
        readings = [(digits[:2], digits[2:4], digits[4:])] + ([(digits[6:], digits[4:6], digits[:4])]
                                                              if len(digits) == 8 else [])
    else:
        readings = [(asked["day"], asked["month"], asked["year"])]
    return any((int(day), int(month)) == (born.day, born.month)
               and (year is None or (int(year) == born.year if len(year) == 4 else int(year) == born.year % 100))
               for day, month, year in readings)


async def with_standings(session: AsyncSession, *, professional_id: str, rows: Sequence[tuple[Dossier, Patient]],
                         now: datetime, declared: bool = False) -> list[tuple[Dossier, Patient, list[Grant], Standing]]:
    """Each dossier with this professional's grants in it and their standing, as the rule sees it: three statements
    for all the dossiers, not three for each; `declared`: a fourth, for whether the log declared them its médecin
    traitant, which only `access_ended` asks."""
    ids = [dossier.id for dossier, _ in rows]
    blocks, grants, emergencies = [
        await by_dossier(session, model, professional_id, ids) for model in (Block, Grant, EmergencyAccess)
    ]
    doctor_of = set((await session.exec(medecin_traitant_declarations(professional_id).where(
        LogSubject.dossier_id.in_(ids)))).all()) if declared and ids else set()  # type: ignore[attr-defined]
    return [(dossier, patient, grants[dossier.id],
             standing_from_rows(professional_id=professional_id, dossier=dossier, blocks=blocks[dossier.id],
                                grants=grants[dossier.id], emergencies=emergencies[dossier.id], now=now,
                                declared_medecin_traitant=dossier.id in doctor_of))
            for dossier, patient in rows]


async def by_dossier(session: AsyncSession, model, professional_id: str, dossier_ids: list[str]) -> dict[str, list]:
    """One professional's rows of `model` (grants, blocks, emergency accesses) on these dossiers, by dossier."""
    grouped: dict[str, list] = defaultdict(list)
    if dossier_ids:
        rows = await session.exec(select(model).where(model.professional_id == professional_id,
                                                      model.dossier_id.in_(dossier_ids)))
        for row in rows.all():
            grouped[row.dossier_id].append(row)
    return grouped


# --- emergency: who is this patient? ---------------------------------------------------------


async def dossier_for_identity(session: AsyncSession, *, ins: str, birth_date: date) -> Dossier | None:
    """The dossier of the patient with this INS *and* this birth date; None tells nothing more."""
    result = await session.exec(
        select(Dossier).join(Patient, Patient.id == Dossier.patient_id)  # type: ignore[arg-type]
        .where(Patient.ins == normalize_ins(ins), Patient.birth_date == birth_date)
    )
    return result.first()
