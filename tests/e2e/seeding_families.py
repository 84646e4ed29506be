"""Families for the end-to-end tests: a child's dossier, an elderly parent's, a minor who turns 18 (issue 9)."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.auth.accounts import account_for_patient, issue_activation_code
from server.caregivers.delegations import attach_child_by_activation
from server.caregivers.invitations import accept, invite
from server.db import make_sessionmaker
from server.dossiers import add_document, create_patient, create_professional
from server.identifiers import rpps_with_key
from server.models import ActivationCode, Dossier, Patient, Professional
from server.files.store import DiskStorage
from tests.conftest import make_ins
from tests.e2e.seeding import SeededPatient, as_patient, text_file, writer_engine

_family_serials = itertools.count(500)  # INS serials of their own: `seed_patient` counts from 1


@dataclass
class SeededPerson(SeededPatient):
    """A patient with a name of their own (and, for a minor, the documents kept from their parents)."""

    given_name: str = ""
    family_name: str = ""
    kept_from_parents: list[str] = field(default_factory=list)
    kept_by: str = ""  # the professional who kept them (their id)

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


async def _add_person(db: AsyncSession, storage: DiskStorage, *, given_name: str, family_name: str, birth_date: date,
                      sex: str, documents: list[tuple[date, str, str]], kept_from_parents: tuple[str, ...] = (),
                      author: Professional | None = None) -> tuple[Patient, SeededPerson]:
    patient, dossier = await create_patient(
        db, ins=make_ins(sex, birth_date.year, birth_date.month, next(_family_serials)), given_name=given_name,
        family_name=family_name, birth_date=birth_date, sex=sex)
    for when, category, title in documents:
        filename, mime_type, data = text_file(title)
        kept = title in kept_from_parents
        document = await add_document(
            db, storage, dossier=dossier, title=title, category=category, event_date=when, filename=filename,
            mime_type=mime_type, data=data, author=author if kept else None,
            source="" if kept else "Laboratoire de test", commit=False)
        # Kept from a minor's parents at her request, as the demo's sage-femme files it (CSP L1111-5).
        document.hidden_from_representatives = kept
    await db.commit()
    titles = [title for _, _, title in sorted(documents, reverse=True)]
    return patient, SeededPerson("", birth_date, dossier.id, titles, ins=patient.ins, given_name=given_name,
                                 family_name=family_name, kept_from_parents=list(kept_from_parents))


async def seed_person(data_dir: Path, *, given_name: str, family_name: str, birth_date: date, sex: str,
                      documents: list[tuple[date, str, str]]) -> SeededPerson:
    """A patient with a few text documents and an activation code, as a health insurance office issues it."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            patient, person = await _add_person(
                db, DiskStorage(data_dir / "files"), given_name=given_name, family_name=family_name,
                birth_date=birth_date, sex=sex, documents=documents)
            person.code = await issue_activation_code(db, patient=patient, issued_by="tests e2e")
            return person
    finally:
        await engine.dispose()


async def seed_minor_with_parent(
    data_dir: Path, *, parent: SeededPerson, given_name: str, family_name: str, birth_date: date, sex: str,
    documents: list[tuple[date, str, str]], kept_from_parents: tuple[str, ...],
) -> SeededPerson:
    """A minor whose dossier the parent attached with the child's first activation code (as on /enfant), with
    documents a sage-femme kept from the parents; the minor's own activation code comes afterwards."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            rpps = rpps_with_key(f"3{secrets.randbelow(10**9):09d}")
            midwife = await create_professional(db, rpps=rpps, given_name="Aurélie", family_name="Garnier",
                                                profession="sage-femme", city="Lyon")
            patient, child = await _add_person(
                db, DiskStorage(data_dir / "files"), given_name=given_name, family_name=family_name,
                birth_date=birth_date, sex=sex, documents=documents, kept_from_parents=kept_from_parents,
                author=midwife)
            parent_dossier = await db.get(Dossier, parent.dossier_id)
            parent_account = await account_for_patient(db, patient=await db.get(Patient, parent_dossier.patient_id))
            # The parent proves the child's first code, as on /enfant; the code is spent.
            await issue_activation_code(db, patient=patient, issued_by="tests e2e")
            activation = (await db.exec(select(ActivationCode).where(
                ActivationCode.patient_id == patient.id,
                ActivationCode.used_at.is_(None)))).one()  # type: ignore[union-attr]
            await attach_child_by_activation(db, account=parent_account, activation_id=activation.id,
                                             birth_date=birth_date)
            child.code = await issue_activation_code(db, patient=patient, issued_by="tests e2e")
            child.kept_by = midwife.id
            return child
    finally:
        await engine.dispose()


async def seed_relative(data_dir: Path, *, patient: SeededPerson, relative: SeededPerson,
                        level: str = "lecture") -> None:
    """An adult patient invites a relative who has a dossier (and so an account) of her own, and she accepts, as from
    "Mes proches" and /invitation."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            dossier, actor = await as_patient(db, patient)
            account = await account_for_patient(db, patient=await db.get(Patient, dossier.patient_id))
            _code, invitation = await invite(db, dossier=dossier, account=account, actor=actor, level=level,
                                             duration="sans")
            theirs = await db.get(Dossier, relative.dossier_id)
            await accept(db, invitation_id=invitation.id,
                         account=await account_for_patient(db, patient=await db.get(Patient, theirs.patient_id)))
    finally:
        await engine.dispose()


async def move_birth_date(data_dir: Path, *, person: SeededPerson, to: date) -> None:
    """Change a patient's birth date in the database (no screen does this: it is the clock's stand-in)."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            dossier = await db.get(Dossier, person.dossier_id)
            patient = await db.get(Patient, dossier.patient_id)
            patient.birth_date = to
            db.add(patient)
            await db.commit()
            person.birth_date = to
    finally:
        await engine.dispose()
