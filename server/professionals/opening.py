"""A dossier a professional opens for a patient who is there in person: the identity checked, the dossier, its
first event and an activation code made in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..accesslog.phrases import IN_PERSON, OTHER_IDENTITY, SAME_IDENTITY
from ..auth.accounts import IN_PERSON_DAYS, issue_activation_code
from ..dossiers import INVALID_BIRTH_DATE, InvalidInput, create_patient
from ..i18n import N_, _
from ..identifiers import is_valid_ins, normalize_ins
from ..models import Account, ActivationCode, Dossier, Patient, Professional
from ..search import fold
from ..text_input import names_miswritten, names_missing, names_too_long
from .professions import written_profession
from .checks import OLDEST_DATE, Problem, refuse


@dataclass(frozen=True)
class Identity:
    ins: str
    given_name: str
    family_name: str
    birth_date: date | None
    sex: str
    consent: bool
    # What the form's birth date held: a date typed that is none (31/02/2000) is said so, not asked for as if left
    # empty (`birth_date` None either way); "" where nothing was typed, or the caller gives no text (the CLI).
    birth_date_text: str = ""


# Each names the field as the form labels it, or both fields.
MISWRITTEN = {
    ("given_name",): N_("Écrivez le prénom comme sur la pièce d'identité : des lettres, et au besoin des espaces, "
                        "des traits d'union ou des apostrophes."),
    ("family_name",): N_("Écrivez le nom de naissance comme sur la pièce d'identité : des lettres, et au besoin des "
                         "espaces, des traits d'union ou des apostrophes."),
    ("given_name", "family_name"): N_("Écrivez le prénom et le nom de naissance comme sur la pièce d'identité : des "
                                      "lettres, et au besoin des espaces, des traits d'union ou des apostrophes."),
}


def check_identity(identity: Identity, *, today: date) -> None:
    """What the professional typed, checked against itself: the INS carries the sex, year and month of birth.
    Each refusal names its fields as the form (templates/pro_new_dossier.html) names them."""
    ins = normalize_ins(identity.ins)
    problems: list[Problem] = []
    read_alone = is_valid_ins(ins)  # the INS, the birth date and the sex, each right alone: compared below
    if not ins:  # asked for, not said wrong (a probe's find)
        problems.append((_("Saisissez le matricule INS du patient : les 15 caractères de sa carte Vitale."), "ins"))
    elif not read_alone:
        problems.append((_("Ce matricule INS n'est pas valide : vérifiez les 15 caractères sur la carte Vitale."),
                         "ins"))
    names = {"given_name": identity.given_name, "family_name": identity.family_name}
    if missing := names_missing(names):
        problems.append((_("Saisissez le prénom et le nom du patient."), *missing))
    elif too_long := names_too_long(names):
        problems.append((_("Le prénom et le nom doivent faire 100 caractères au plus chacun : "
                           "raccourcissez ce qui dépasse."), *too_long))
    elif miswritten := names_miswritten(names):
        problems.append((_(MISWRITTEN[miswritten]), *miswritten))
    born = identity.birth_date
    if born is None and not identity.birth_date_text.strip():
        read_alone = False
        problems.append((_("Saisissez la date de naissance du patient (JJ/MM/AAAA)."), "birth_date"))
    elif born is None or not OLDEST_DATE <= born <= today:
        read_alone = False
        problems.append((_(INVALID_BIRTH_DATE), "birth_date"))
    if identity.sex not in ("F", "M"):
        read_alone = False
        problems.append((_("Indiquez le sexe du patient."), "sex"))
    if read_alone and born is not None:
        month = int(ins[3:5])
        if (ins[0] != ("1" if identity.sex == "M" else "2") or ins[1:3] != f"{born.year % 100:02d}"
                or (1 <= month <= 12 and month != born.month)):
            # Any of the three may be the one mistyped: the INS first, as the form asks it first.
            problems.append((_("Le matricule INS ne correspond pas au sexe ou à la date de naissance saisis."),
                             "ins", "birth_date", "sex"))
    if not identity.consent:
        problems.append((_("Le patient doit consentir à l'ouverture de son dossier : cochez la case avec lui."),
                         "consent"))
    refuse(problems)  # every one at once (checks.refuse)


@dataclass(frozen=True)
class OpenedDossier:
    patient: Patient
    dossier: Dossier
    code: str
    expires_at: datetime
    issued_by: str


class AlreadyOpen(InvalidInput):
    """The INS has a dossier: said in the same words whatever the rest of the identity, and counted."""


ALREADY_OPEN = N_("Impossible d'ouvrir un dossier avec ces informations. Si le patient a déjà un dossier Carnet, "
                   "il s'y connecte avec sa clé d'accès, ou demande un nouveau code à sa caisse d'assurance maladie.")


async def open_dossier_in_person(
    session: AsyncSession, *, account: Account, identity: Identity, today: date
) -> OpenedDossier:
    """Create the patient's dossier, its first access event and an activation code, in one transaction.

    An INS that already has a dossier is refused with the same words whether the typed identity
    matches it or not, and the attempt goes into that dossier's log: its patient sees who tried.
    The code is valid IN_PERSON_DAYS only: the professional saw it (accounts.finish_activation
    says what happens to a passkey they might have made with it).
    """
    check_identity(identity, today=today)
    professional = await session.get(Professional, account.professional_id)
    actor = audit.Actor.professional(account, professional)
    issued_by = f"{professional.given_name} {professional.family_name}, {written_profession(professional)}"
    await audit.begin_chained(session)
    existing = (await session.exec(select(Patient).where(Patient.ins == normalize_ins(identity.ins)))).first()
    if existing is not None:
        same = (existing.birth_date == identity.birth_date and fold(existing.family_name) == fold(identity.family_name)
                and fold(existing.given_name) == fold(identity.given_name))
        dossier = (await session.exec(select(Dossier).where(Dossier.patient_id == existing.id))).first()
        await audit.append(session, dossier_id=dossier.id, action="dossier_open_refused", actor=actor,
                           detail=SAME_IDENTITY if same else OTHER_IDENTITY)
        await audit.commit_chained(session)
        raise AlreadyOpen(_(ALREADY_OPEN))
    try:
        # create_patient continues the write transaction (BEGIN IMMEDIATE on SQLite) and refuses a known INS.
        patient, dossier = await create_patient(
            session, ins=identity.ins, given_name=" ".join(identity.given_name.split()),
            family_name=" ".join(identity.family_name.split()), birth_date=identity.birth_date, sex=identity.sex,
            commit=False,
        )
        await audit.append(session, dossier_id=dossier.id, action="dossier_opened", actor=actor,
                           detail=IN_PERSON)
        code = await issue_activation_code(session, patient=patient, issued_by=issued_by, valid_days=IN_PERSON_DAYS,
                                           commit=False)
        await audit.commit_chained(session)
    except (IntegrityError, InvalidInput):  # the same INS, created at this very moment by someone else
        await session.rollback()
        raise AlreadyOpen(_(ALREADY_OPEN)) from None
    except BaseException:
        await session.rollback()
        raise
    activation = (await session.exec(select(ActivationCode).where(ActivationCode.patient_id == patient.id))).first()
    return OpenedDossier(patient=patient, dossier=dossier, code=code, expires_at=activation.expires_at, issued_by=issued_by)
