"""The demo's family: Paul (Camille's husband), their children Léo (9) and Inès (17), and Hugo, Camille's father.

Who helps whom is made through the app's own functions, at plausible moments (`clock_at`):
Camille invites Paul to manage her dossier; she attaches each child's dossier with the child's
activation code, then invites Paul as the other parent; her father Hugo invites her to read his.
Inès turns 18 within the demo's year, and one of her documents, from a sage-femme, is kept from
her parents (CSP L1111-5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth.accounts import account_for_patient, issue_activation_code
from ..accesslog.audit import Actor
from ..caregivers import delegations, invitations
from ..models import Account, ActivationCode, Dossier, Patient, clock_at
from ..profile.items import ItemInput, add_item
from .catalogue import Doc, ago

PAUL_NIR, PAUL_BORN = "1" "82" "11" "69" "381" "021", date(1982, 11, 5)  # born in Lyon 1er
CITY = "69" "383"  # Lyon 3e, where the children were born
SEXES = {"leo": "1", "ines": "2"}


def children_births(today: date) -> dict[str, date]:
    """Léo is 9; Inès turns 18 in two months (within the demo's year: her parents' rights end then)."""
    ines = today + timedelta(days=61)
    return {"leo": ago(today, years=9.4), "ines": date(ines.year - 18, ines.month, min(ines.day, 28))}


def nir(key: str, born: date, order: int) -> str:
    return f"{SEXES[key]}{born.year % 100:02d}{born.month:02d}{CITY}{order:03d}"


def family_documents(today: date) -> dict[str, list[Doc]]:
    born = children_births(today)
    return {
        "paul": [
            Doc(ago(today, years=1.2), "compte_rendu", "Consultation - lombalgie aiguë", by="bernard", body=(
                ("Motif", "Lombalgie aiguë après un déménagement."),
                ("Conclusion", "Lombalgie commune. Antalgiques, reprise progressive de l'activité."))),
            Doc(ago(today, years=0.3), "vaccination", "Rappel diphtérie-tétanos-polio", by="bernard", body=(
                "Rappel dTcaPolio (Boostrixtetra), lot 4AB21, deltoïde gauche.",)),
        ],
        "leo": [
            Doc(born["leo"] + timedelta(days=60), "vaccination", "Vaccins du 2e mois (hexavalent, pneumocoque)",
                by="laurent", body=("Infanrix Hexa et Prevenar 13, bien tolérés.",)),
            Doc(ago(today, years=3), "compte_rendu", "Consultation - otite moyenne aiguë", by="laurent", body=(
                ("Examen", "Tympan droit bombé et congestif, fièvre à 38,9 °C."),
                ("Conclusion", "Otite moyenne aiguë droite : amoxicilline 10 jours."))),
            Doc(ago(today, years=1), "certificat", "Certificat de non contre-indication au judo", by="laurent", body=(
                "Examen clinique normal ce jour : pas de contre-indication à la pratique du judo en club.",)),
            Doc(born["leo"] + timedelta(days=round(6.1 * 365.25)), "vaccination", "Rappel DTCaPolio des 6 ans",
                by="laurent", body=(
                "Rappel Tetravac, lot T1234, bien toléré.",)),
        ],
        "ines": [
            Doc(ago(today, years=6), "vaccination", "Rappel DTCaPolio des 11-13 ans", by="laurent", body=(
                "Rappel Repevax, lot R5521.",)),
            Doc(ago(today, years=3), "vaccination", "Vaccin contre les papillomavirus (HPV)", by="laurent", body=(
                "Gardasil 9, 1re dose. 2e dose dans 6 mois.",)),
            Doc(ago(today, years=1.5), "compte_rendu", "Consultation - entorse de la cheville", by="laurent", body=(
                ("Conclusion", "Entorse bénigne de la cheville gauche : repos, glace, strapping 10 jours."),)),
            # What Inès asked to keep from her parents (CSP L1111-5), as the sage-femme filed it.
            Doc(ago(today, years=0.3), "compte_rendu", "Consultation de contraception", by="roux", body=(
                ("Motif", "Première consultation de contraception, à la demande de la patiente."),
                ("Conclusion", "Contraception prescrite. La patiente demande le secret envers ses représentants "
                               "légaux (article L1111-5 du code de la santé publique)."))),
        ],
    }


KEPT_FROM_PARENTS = {"Consultation de contraception"}

# What their mother copies from each child's carnet de santé into the profil médical (days after birth, or the
# vaccination documents' own days): the infant series of the calendar they were born under (méningocoque C at 5
# and 12 months), then the boosters their documents say. Inès has no second HPV dose, nor the adolescents' ACWY of
# the 2025 calendar: "Vaccinations à faire" says both.
INFANT_SERIES = (
    (61, "Infanrix Hexa (hexavalent)"), (61, "Prevenar 13 (pneumocoque)"), (122, "Infanrix Hexa (hexavalent)"),
    (122, "Prevenar 13 (pneumocoque)"), (152, "Neisvac (méningocoque C)"), (335, "Infanrix Hexa (hexavalent)"),
    (335, "Prevenar 13 (pneumocoque)"), (366, "Priorix (ROR)"), (366, "Neisvac (méningocoque C)"),
    (520, "Priorix (ROR)"),
)
LATER_DOSES = {"Rappel DTCaPolio des 6 ans": ("Tetravac (DTCaPolio)", "T1234"),
               "Rappel DTCaPolio des 11-13 ans": ("Repevax (dTcaPolio)", "R5521"),
               "Vaccin contre les papillomavirus (HPV)": ("Gardasil 9 (HPV), 1re dose", "")}


def vaccinations_of(child: Patient, documents: list[Doc], *, since: date, until: date) -> list[ItemInput]:
    """The doses of the child's carnet de santé given after `since` and up to `until`: the infant series, then the
    boosters their documents say."""
    infant = [ItemInput("vaccination", label=name, started_on=child.birth_date + timedelta(days=days))
              for days, name in INFANT_SERIES]
    later = [ItemInput("vaccination", label=LATER_DOSES[d.title][0], started_on=d.day, lot=LATER_DOSES[d.title][1])
             for d in documents if d.title in LATER_DOSES]
    return [item for item in infant + later if since < item.started_on <= until]


@dataclass
class Family:
    paul: Patient
    paul_dossier: Dossier
    paul_account: Account
    children: dict[str, tuple[Patient, Dossier]]
    ines_code: str = ""
    paul_code: str = ""


def at(day: date, hour: int = 18) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


async def link_family(session: AsyncSession, *, family: Family, camille: Patient, camille_dossier: Dossier,
                      hugo: Patient, hugo_dossier: Dossier, today: date) -> None:
    """Who helps whom, through the app's own functions, each at its moment."""
    camille_account = await account_for_patient(session, patient=camille)
    hugo_account = await account_for_patient(session, patient=hugo)
    me = Actor(camille_account.id, "patient", f"{camille.given_name} {camille.family_name}")

    # A year ago, Camille asks Paul to help her manage her dossier.
    with clock_at(at(ago(today, years=1))):
        code, invitation = await invitations.invite(session, dossier=camille_dossier, account=camille_account,
                                                    actor=me, level="gestion", duration="sans")
        await invitations.accept(session, invitation_id=invitation.id, account=family.paul_account)

    # Each child's dossier: Camille attaches it with the code the insurance office gave, then invites Paul.
    for key, (child, dossier) in family.children.items():
        when = at(ago(today, years=2 if key == "leo" else 4))
        with clock_at(when):
            await issue_activation_code(session, patient=child, issued_by="CPAM du Rhône (démo)")
            activation = (await session.exec(select(ActivationCode).where(
                ActivationCode.patient_id == child.id, ActivationCode.used_at.is_(None)))).one()  # type: ignore[union-attr]
            await delegations.attach_child_by_activation(session, account=camille_account, activation_id=activation.id,
                                                         birth_date=child.birth_date)
        with clock_at(when + timedelta(hours=1)):
            parent = Actor(camille_account.id, "caregiver", camille_account.display_name,
                           on_behalf_of=f"{child.given_name} {child.family_name}")
            _, invitation = await invitations.invite(session, dossier=dossier, account=camille_account, actor=parent,
                                                     level="gestion", duration="sans", relationship="parent")
            await invitations.accept(session, invitation_id=invitation.id, account=family.paul_account)
        # That evening she copies his carnet de santé into his profil médical; last month, the boosters since.
        for moment, since, until in ((when + timedelta(hours=2), child.birth_date, when.date()),
                                     (at(ago(today, days=20)), when.date(), today)):
            with clock_at(moment):
                for item in vaccinations_of(child, family_documents(today)[key], since=since, until=until):
                    await add_item(session, dossier=dossier, data=item, actor=parent, today=moment.date(),
                                   added_by_account_id=camille_account.id)

    # Last autumn, Hugo asks his daughter to keep an eye on his dossier: reading only.
    with clock_at(at(ago(today, years=0.2))):
        hugo_me = Actor(hugo_account.id, "patient", f"{hugo.given_name} {hugo.family_name}")
        _, invitation = await invitations.invite(session, dossier=hugo_dossier, account=hugo_account, actor=hugo_me,
                                                 level="lecture", duration="sans")
        await invitations.accept(session, invitation_id=invitation.id, account=camille_account)
