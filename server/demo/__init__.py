"""The demo dataset: Camille Martin's ten-year dossier, her professionals, her family, her father.

Everything goes through the data functions the app uses (create_patient, create_professional,
add_document, issue_activation_code, account_for_patient, the caregivers' invitations and a
child's attachment); the médecin traitant is a plain update. Apart from the activation codes
(and row ids), the same `today` and `seed` give the same dossiers, files included: the
catalogue is in catalogue, episodes, heart_knee, notes and family.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth.accounts import account_for_patient, issue_activation_code
from .access_history import make_history
from .care import reimbursement_file
from .catalogue import BORN, PEOPLE, SOURCES, Doc, fr_date
from .episodes import history
from .files import jpeg_image, pdf_document, png_image
from .family import KEPT_FROM_PARENTS, PAUL_BORN, PAUL_NIR, Family, children_births, family_documents, link_family, nir
from .notes import other_patient_documents
from .profile import later_flu_shots, make_profile
from ..dossiers import add_document, create_patient, create_professional
from ..export.names import dated_name
from ..identifiers import ins_key, rpps_with_key
from ..models import Account, Dossier, Patient, Professional, clock_at
from ..professionals.professions import written_profession
from ..files.store import Storage
from ..reimbursements import importer as reimbursements
from ..reimbursements.layout import read as read_layout

ISSUED_BY = "CPAM du Rhône (démo)"
CHILDREN = {"leo": "Léo", "ines": "Inès"}
# NIR: sex, year and month of birth, department and commune of birth (INSEE), birth order number.
CAMILLE_NIR = "2" "84" "03" "69" "383" "047"  # a woman born in March 1984 in Lyon 3e
HUGO_NIR = "1" "50" "07" "2A" "004" "012"  # a man born in July 1950 in Ajaccio (Corse-du-Sud)
HUGO_BORN = date(1950, 7, 23)


@dataclass
class DemoResult:
    patient: Patient
    dossier: Dossier
    patient_code: str
    other_patient: Patient
    other_dossier: Dossier
    other_patient_code: str
    professionals: dict[str, Professional]  # by catalogue key: "bernard", "fontaine", "moreau"...
    medecin_traitant_code: str
    kine_code: str
    caregiver: Account  # Paul Martin, Camille's husband: a patient too, and the children's father
    documents: int
    events: int = 0
    family: Family | None = None
    midwife_code: str = ""  # the sage-femme who kept a consultation of Inès's from her parents (CSP L1111-5)

    @property
    def medecin_traitant(self) -> Professional:
        return self.professionals["bernard"]

    @property
    def kine(self) -> Professional:
        return self.professionals["fontaine"]

    @property
    def patient_birth_date(self) -> date:
        return self.patient.birth_date

    @property
    def other_patient_birth_date(self) -> date:
        return self.other_patient.birth_date

    def summary(self) -> str:
        """What a command line prints so that someone can log in to the demo, one line per person."""
        def pro(p: Professional) -> str:
            return f"{p.given_name} {p.family_name} ({written_profession(p)}, RPPS {p.rpps})"
        return "\n".join([
            f"Patiente {self.patient.given_name} {self.patient.family_name} : code {self.patient_code}, "
            f"date de naissance {self.patient_birth_date:%d/%m/%Y}, INS {self.patient.ins}",
            f"Patient {self.other_patient.given_name} {self.other_patient.family_name} : code "
            f"{self.other_patient_code}, date de naissance {self.other_patient_birth_date:%d/%m/%Y}",
            f"Médecin traitant {pro(self.medecin_traitant)} : code {self.medecin_traitant_code} (à saisir sur /pro/activer)",
            f"Kinésithérapeute {pro(self.kine)} : code {self.kine_code} (à saisir sur /pro/activer)",
            f"{self.documents} documents, {self.events} événements dans l'historique de Camille Martin",
            "Logiciel d'un cabinet : le médecin traitant enregistre sa clé sur « Logiciels », puis "
            "examples/practice_client.py envoie un compte rendu par l'API FHIR (/fhir/metadata ; voir README)",
            *self.family_lines(),
        ])

    def family_lines(self) -> list[str]:
        if self.family is None:
            return []
        family = self.family
        leo, ines = family.children["leo"][0], family.children["ines"][0]
        turns_18 = ines.birth_date.replace(year=ines.birth_date.year + 18)
        return [
            f"Aidant et parent {family.paul.given_name} {family.paul.family_name} : code {family.paul_code}, "
            f"date de naissance {family.paul.birth_date:%d/%m/%Y} (son dossier, et il gère celui de Camille, "
            f"de Léo et d'Inès)",
            f"Camille gère aussi les dossiers de ses enfants {leo.given_name} ({leo.birth_date:%d/%m/%Y}) et "
            f"{ines.given_name}, et lit celui de son père {self.other_patient.given_name} {self.other_patient.family_name}",
            f"Jeune {ines.given_name} {ines.family_name}, 18 ans le {turns_18:%d/%m/%Y} : son propre code "
            f"{family.ines_code}, date de naissance {ines.birth_date:%d/%m/%Y}",
            f"Sage-femme {self.professionals['roux'].given_name} {self.professionals['roux'].family_name} "
            f"(RPPS {self.professionals['roux'].rpps}) : code {self.midwife_code} (à saisir sur /pro/activer) ; "
            f"elle a gardé une consultation d'{ines.given_name} hors de la vue de ses parents",
        ]


async def load_demo(
    session: AsyncSession, storage: Storage, *, today: date | None = None, seed: int = 1984
) -> DemoResult:
    """Fill an empty database with the demo dataset, the history ending `today`."""
    today = today or date.today()
    rng = random.Random(seed)
    pros = {
        key: await create_professional(
            session, rpps=rpps_with_key(p.rpps_stem), given_name=p.given_name, family_name=p.family_name,
            profession=p.profession, city=p.city, feminine=p.feminine,
        )
        for key, p in PEOPLE.items()
    }
    patient, dossier = await create_patient(
        session, ins=CAMILLE_NIR + ins_key(CAMILLE_NIR), given_name="Camille", family_name="Martin",
        birth_date=BORN, sex="F",
    )
    other, other_dossier = await create_patient(
        session, ins=HUGO_NIR + ins_key(HUGO_NIR), given_name="Hugo", family_name="Lefèvre",
        birth_date=HUGO_BORN, sex="M",
    )
    account = await account_for_patient(session, patient=patient)
    dossier.medecin_traitant_id = pros["bernard"].id
    session.add(dossier)
    await session.commit()
    paul, paul_dossier = await create_patient(
        session, ins=PAUL_NIR + ins_key(PAUL_NIR), given_name="Paul", family_name="Martin", birth_date=PAUL_BORN, sex="M")
    caregiver = await account_for_patient(session, patient=paul)
    children = {}
    for order, (key, born) in enumerate(children_births(today).items(), start=51):
        number = nir(key, born, order)
        children[key] = await create_patient(session, ins=number + ins_key(number), given_name=CHILDREN[key],
                                             family_name="Martin", birth_date=born, sex="M" if key == "leo" else "F")
    family = Family(paul, paul_dossier, caregiver, children)
    relatives = family_documents(today)

    count = 0
    camille_docs = history(today, rng)
    for target, who, docs in (
        (dossier, patient, camille_docs),
        (other_dossier, other, other_patient_documents(today)),
        (paul_dossier, paul, relatives["paul"]),
        *((children[key][1], children[key][0], relatives[key]) for key in ("leo", "ines")),
    ):
        identity = identity_lines(who)
        for doc in docs:
            filename, mime_type, data = render(doc, identity=identity, pros=pros, seed=rng.getrandbits(32))
            from_patient = who is patient and not doc.by and doc.source not in SOURCES  # her notes, her scans
            with clock_at(datetime.combine(doc.day, time(16), tzinfo=UTC)):  # added the day it happened
                document = await add_document(
                    session, storage, dossier=target, title=doc.title, category=doc.category, event_date=doc.day,
                    filename=filename, mime_type=mime_type, data=data, author=pros.get(doc.by), source=doc.source,
                    added_by=account if from_patient else None, commit=False,
                    # The text the PDF was written from: what an upload's extraction would give (files/pages.py).
                    text=body_text(doc) if mime_type == "application/pdf" else "",
                )
            document.hidden = doc.hidden  # the patient chose to hide it (DESIGN.md, "Who sees what")
            # Kept from a minor's parents at her request, as the sage-femme's upload form does (CSP L1111-5).
            document.hidden_from_representatives = doc.title in KEPT_FROM_PARENTS and who is children["ines"][0]
            count += target is dossier
    await session.commit()

    await link_family(session, family=family, camille=patient, camille_dossier=dossier, hugo=other,
                      hugo_dossier=other_dossier, today=today)
    await make_profile(session, dossier=dossier, patient=patient, pros=pros, docs=camille_docs, today=today)
    later = later_flu_shots(session, dossier=dossier, patient=patient, docs=camille_docs, today=today)
    events = await make_history(session, dossier=dossier, patient=patient, caregiver=caregiver, pros=pros, today=today,
                                later=later)
    # Her reimbursed care arrives as the insurer sends it: a file, through the importer (after her past history,
    # so that the log's order stays the order of time).
    await reimbursements.load(session, read_layout(reimbursement_file(
        patient.ins, camille_docs, today=today, prescriber="Dr Claire Bernard")), today=today)
    family.paul_code = await issue_activation_code(session, patient=paul, issued_by=ISSUED_BY)
    family.ines_code = await issue_activation_code(session, patient=children["ines"][0], issued_by=ISSUED_BY)

    return DemoResult(
        patient=patient,
        dossier=dossier,
        patient_code=await issue_activation_code(session, patient=patient, issued_by=ISSUED_BY),
        other_patient=other,
        other_dossier=other_dossier,
        other_patient_code=await issue_activation_code(session, patient=other, issued_by=ISSUED_BY),
        professionals=pros,
        medecin_traitant_code=await issue_activation_code(session, professional=pros["bernard"], issued_by=ISSUED_BY),
        kine_code=await issue_activation_code(session, professional=pros["fontaine"], issued_by=ISSUED_BY),
        midwife_code=await issue_activation_code(session, professional=pros["roux"], issued_by=ISSUED_BY),
        caregiver=caregiver,
        documents=count,
        events=events,
        family=family,
    )


def body_text(doc: Doc) -> str:
    """The words of a document's sections, as plain text."""
    parts: list[str] = []
    for section in doc.body:
        if isinstance(section, str):
            parts.append(section)
            continue
        heading, content, *_ = section
        parts.append(heading)
        if isinstance(content, str):
            parts.append(content)
        else:
            parts.extend(" ".join(str(cell) for cell in row) for row in content)
    return "\n".join(parts)


def identity_lines(patient: Patient) -> list[str]:
    ins = patient.ins
    spaced = " ".join((ins[0], ins[1:3], ins[3:5], ins[5:7], ins[7:10], ins[10:13], ins[13:]))
    woman = patient.sex == "F"
    return [
        f"{'Mme' if woman else 'M.'} {patient.given_name} {patient.family_name.upper()}",
        f"{'Née' if woman else 'Né'} le {patient.birth_date:%d/%m/%Y}",
        f"INS {spaced}",
    ]


def render(doc: Doc, *, identity: list[str], pros: dict[str, Professional], seed: int) -> tuple[str, str, bytes]:
    """The file of one catalogue entry: (filename, MIME type, bytes)."""
    if doc.text:
        return dated_name(doc.day, doc.title, "txt"), "text/plain", doc.text.encode()
    if doc.picture:
        fmt, kind, params = doc.picture
        if fmt == "png":
            return dated_name(doc.day, doc.title, "png"), "image/png", png_image(kind, seed=seed, **params)
        return dated_name(doc.day, doc.title, "jpg"), "image/jpeg", jpeg_image(kind, seed=seed, **params)
    if doc.by:
        person, rpps = PEOPLE[doc.by], pros[doc.by].rpps
        letterhead, city = (*person.letterhead, f"N° RPPS {rpps}"), person.city
        name = f"{'Dr ' if person.doctor else ''}{person.given_name} {person.family_name}"
        signature = doc.signer or f"{name}\n{person.title}\nRPPS {rpps}"
    else:
        source = SOURCES[doc.source]
        letterhead, city, signature = source.letterhead, source.city, doc.signer or source.signer
    data = pdf_document(
        title=doc.title, header_lines=letterhead, body_paragraphs=doc.body, signature=signature,
        patient_lines=identity, place_date=f"{city}, le {fr_date(doc.day)}", created=doc.day,
    )
    return dated_name(doc.day, doc.title, "pdf"), "application/pdf", data
