"""Who a document or an item of the profil médical comes from, as each reader is told: the professional who wrote
it, the patient or a relative who added it ("Vous" to whoever did), or where it came from (a lab, a hospital)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .dossiers import author_title, professionals_by_id
from .i18n import N_, _
from .access.rule import LEGAL_REPRESENTATIVES
from .models import Account, Delegation, Dossier, Patient, Professional

RELATIVE = N_("%(name)s (proche)")  # a caregiver: not the patient, and no professional either
# A relative who is, or was, the patient's legal representative, as the Historique names them ("comme parent"):
# her own mother was "Camille Martin (proche)" on the Profil of a girl whose Historique said "parent".
RELATIVES = {"parent": N_("%(name)s (parent)"), "tuteur": N_("%(name)s (tuteur ou tutrice)")}


@dataclass(frozen=True)
class Adder:
    """An account that added to a dossier in its own name, not as a professional author; or, for what a copy read
    back says (export/restore.py), the patient (her account here, "" until she has one) or a relative by name ("")."""

    account_id: str
    name: str
    is_patient: bool  # the dossier's own patient; else a relative who helps with it
    relationship: str = "proche"  # a relative's: "parent" or "tuteur" if ever one of the patient's as a minor


async def adders(session: AsyncSession, *, dossier_id: str, ids: set[str]) -> dict[str, Adder]:
    """The accounts of `ids` that added to this dossier, by id, each the patient's own or a relative's: one
    question, none for no id. An account gone since is not there."""
    if not ids:
        return {}
    found = await session.exec(_adders(), params={"dossier_id": dossier_id, "ids": sorted(ids)})
    return {account_id: Adder(account_id, name, bool(is_patient), representative or "proche")
            for account_id, name, is_patient, representative in found.all()}


@cache
def _adders() -> Select:
    """Built once, as the timeline's other statements (listing says why). A parent is one still after 18 (kept as a
    relative or not), as her Historique goes on saying."""
    patient = select(Dossier.patient_id).where(Dossier.id == bindparam("dossier_id")).scalar_subquery()
    representative = (select(Delegation.relationship)
                      .where(Delegation.dossier_id == bindparam("dossier_id"),
                             col(Delegation.caregiver_account_id) == Account.id,
                             col(Delegation.relationship).in_(LEGAL_REPRESENTATIVES))
                      .order_by(col(Delegation.created_at)).limit(1).scalar_subquery())
    return select(Account.id, Account.display_name, (Account.patient_id == patient).label("own"),
                  representative.label("representative")).where(col(Account.id).in_(bindparam("ids", expanding=True)))


async def the_patient(session: AsyncSession, *, dossier_id: str) -> Adder:
    """The dossier's patient, who added what a copy read back says she did: named by her account here, which is
    told "Vous", or by her identity until she has one."""
    given_name, family_name, account_id, name = (await session.exec(_the_patient(), params={
        "dossier_id": dossier_id})).one()
    return Adder(account_id or "", name or f"{given_name} {family_name}", True)


@cache
def _the_patient() -> Select:
    return (select(Patient.given_name, Patient.family_name, Account.id, Account.display_name)
            .join(Dossier, col(Dossier.patient_id) == Patient.id)
            .outerjoin(Account, col(Account.patient_id) == Patient.id)
            .where(Dossier.id == bindparam("dossier_id")))


def adder_label(adder: Adder, *, reader_id: str | None = None) -> str:
    """"Vous" to whoever added it; to anyone else (a sheet, a copy, software: no reader), the patient's name, or a
    relative's said to be one, who is no professional author ("Paul Martin (proche)", "Camille Martin (parent)")."""
    if adder.account_id and adder.account_id == reader_id:
        return _("Vous")
    return adder.name if adder.is_patient else relative_label(adder)


def relative_label(adder: Adder) -> str:
    """A relative who added to the dossier, by name and what they are to its patient: "Paul Martin (proche)"."""
    return _(RELATIVES.get(adder.relationship, RELATIVE), name=adder.name)


async def adders_of(session: AsyncSession, rows: list[Any]) -> dict[str, Adder]:
    """Who added each of one dossier's documents, or items of its profile, that no professional wrote (the patient,
    a relative), by the row's id: the account that did, or who a copy read back says did; `rows` are models or a
    listing's rows."""
    added = [r for r in rows if not r.author_professional_id
             and (r.added_by_account_id or r.added_by_patient or r.added_by_relative_name)]
    if not added:
        return {}
    dossier_id = added[0].dossier_id
    accounts = await adders(session, dossier_id=dossier_id, ids={r.added_by_account_id for r in added
                                                                 if r.added_by_account_id})
    patient = await the_patient(session, dossier_id=dossier_id) if any(r.added_by_patient for r in added) else None
    found = {}
    for row in added:
        if row.added_by_account_id:
            adder = accounts.get(row.added_by_account_id)  # an account gone since is not there
        else:
            adder = patient if row.added_by_patient else Adder("", row.added_by_relative_name, False)
        if adder is not None:
            found[row.id] = adder
    return found


class AuthorLabels(dict[str, str]):
    """Each document's author as a line says it, by the document's id; and `women`, the documents whose author is a
    professional whose profession is written in the feminine (`Professional.profession_feminine`), of whom a sentence
    says "son autrice" ("Document ajouté le 7 décembre 2026, retiré par son autrice": it said "son auteur" of Dr
    Claire Bernard, an outside tester's find)."""

    def __init__(self, labels: dict[str, str], women: frozenset[str] = frozenset()) -> None:
        super().__init__(labels)
        self.women = women


def labelled(documents: list[Any], professionals: dict[str, Professional], added: dict[str, Adder], *,
             reader_id: str | None = None) -> AuthorLabels:
    """Each document's author as a line says it: its professional (dossiers.author_title), who added it, or its
    source ("" for none)."""
    return AuthorLabels({
        d.id: author_title(professionals[d.author_professional_id]) if d.author_professional_id in professionals
        else adder_label(added[d.id], reader_id=reader_id) if d.id in added else d.source
        for d in documents
    }, frozenset(d.id for d in documents if d.author_professional_id in professionals
                 and professionals[d.author_professional_id].profession_feminine))


async def author_labels(session: AsyncSession, documents: list[Any], *,
                        reader: Account | None = None) -> AuthorLabels:
    """Who each of one dossier's documents comes from, as the timeline shows it to `reader` ("Vous" for what they
    added); without a reader, as anyone reads it (a printed list, "voir comme")."""
    professionals = await professionals_by_id(session, {d.author_professional_id for d in documents
                                                        if d.author_professional_id})
    return labelled(documents, professionals, await adders_of(session, documents),
                    reader_id=reader.id if reader is not None else None)
