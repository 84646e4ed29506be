"""What bench/ingest.py sends: its seeded dossiers (bulk rows through the app's models, and a few real dossiers
made with its own functions), the insurer's feed in parts, and the software's tokens."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx

from bench.generate import nir_of
from tests.fhir_support import Software

REAL = 3  # dossiers made with the app's own functions; the first is the patient whose timeline is read


# What a line is: (nomenclature, code, label, performer, spent, reimbursed), in turn.
CARE = [("NGAP", "G", "Consultation médecin généraliste", "Dr Claire Bernard", "30,00", "19,00"),
        ("CIP13", "3400930000014", "Pharmacie : contraceptif oral", "Pharmacie du Parc", "8,73", "5,67"),
        ("CCAM", "DEQP003", "Électrocardiogramme", "Dr Paul Lefèvre", "14,26", "10,00"),
        ("NABM", "1104", "Hémogramme", "Laboratoire Bio Lyon", "8,10", "4,86"),
        ("NGAP", "AMK8", "Séance de kinésithérapie", "Léa Fontaine", "17,04", "10,22")]


@dataclass
class Seeded:
    ins: list[str]  # every dossier's patient, the real ones first
    push_ins: list[str]  # the dossiers the professional may write to
    timeline: str  # the patient's dossier id
    patient_token: str
    insurer: Software
    practice: Software


async def seed(url: str, data_dir: Path, *, dossiers: int, pushes: int) -> Seeded:
    from sqlalchemy import insert

    from server.access import grants
    from server.auth.accounts import account_for_patient, account_for_professional
    from server.auth.sessions import start_session
    from server.accesslog.audit import Actor
    from server.db import make_engine, make_sessionmaker
    from server.dossiers import add_document, create_patient, create_professional
    from server.fhir import clients
    from server.files.store import DiskStorage
    from server.identifiers import ins_key, rpps_with_key
    from server.migrate import upgrade
    from server.models import ChainHead, Document, Dossier, Patient, new_id, utcnow
    from server.search import search_text, search_title

    def person(n: int) -> dict:  # the NIR says the sex, the year and the month of birth
        nir = nir_of(n)
        return dict(ins=nir + ins_key(nir), given_name=f"Prénom{n}", family_name=f"Nom{n}",
                    birth_date=date(1950 + n % 50, 1 + n % 12, 1 + n % 28), sex="M" if n % 2 == 0 else "F")

    engine = make_engine(url)
    await upgrade(engine)
    storage = DiskStorage(data_dir / "files")
    async with make_sessionmaker(engine)() as db:
        real = [await create_patient(db, **person(n)) for n in range(REAL)]
        patient, dossier = real[0]
        template = await add_document(db, storage, dossier=dossier, title="Bilan lipidique", category="biologie",
                                      event_date=date(2025, 6, 1), filename="bilan.txt", mime_type="text/plain",
                                      data=b"Cholesterol total 1,9 g/L")
        now = utcnow()
        await db.exec(insert(Document), params=[  # the demo dossier's size: 131 documents
            dict(id=new_id(), dossier_id=dossier.id, title=f"Compte rendu {n}", category="compte_rendu",
                 event_date=date(2025, 5, 1) - timedelta(days=n), storage_key=template.storage_key,
                 filename="bilan.txt", mime_type="text/plain", size=template.size, sha256=template.sha256,
                 search_text=search_text(f"Compte rendu {n}"), search_title=search_title(f"Compte rendu {n}"),
                 hidden=False, hidden_from_representatives=False, page_count=0, created_at=now) for n in range(130)])
        people = [person(n) for n in range(REAL, dossiers)]
        patient_ids, dossier_ids = [new_id() for _ in people], [new_id() for _ in people]
        for start in range(0, len(people), 5000):
            chunk = range(start, min(start + 5000, len(people)))
            await db.exec(insert(Patient), params=[dict(id=patient_ids[i], created_at=now, **people[i]) for i in chunk])
            await db.exec(insert(Dossier), params=[dict(id=dossier_ids[i], patient_id=patient_ids[i], state="open",
                                                        emergency_opt_out=False, notify_every_access=False,
                                                        created_at=now) for i in chunk])
            await db.exec(insert(ChainHead), params=[dict(dossier_id=dossier_ids[i], seq=0, hash="0" * 64)
                                                     for i in chunk])
        await db.commit()

        doctor = await create_professional(db, rpps=rpps_with_key("1000951238"), given_name="Claire",
                                           family_name="Bernard", profession="médecin", city="Lyon")
        await account_for_professional(db, professional=doctor)
        for dossier_id in dossier_ids[:pushes]:  # each patient of the pushes gave Dr Bernard access
            await grants.grant_access(db, dossier=await db.get(Dossier, dossier_id), professional=doctor,
                                      categories="", duration="sans", actor=Actor(None, "patient", "Le patient"))
        insurer, practice = Software(), Software()
        insurer.client_id = (await clients.register(db, professional_id=None, name="Assurance Maladie (SNIIRAM)",
                                                    jwk_text=insurer.public_jwk(), kind="insurer")).id
        practice.client_id = (await clients.register(db, professional_id=doctor.id, name="Logiciel du cabinet",
                                                     jwk_text=practice.public_jwk())).id
        token = await start_session(db, account=await account_for_patient(db, patient=patient), authenticated=True)
        seeded = Seeded(ins=[p.ins for p, _ in real] + [p["ins"] for p in people],
                        push_ins=[p["ins"] for p in people[:pushes]], timeline=dossier.id, patient_token=token,
                        insurer=insurer, practice=practice)
    await engine.dispose()
    return seeded


# --- what is sent ----------------------------------------------------------------------------------


def feed_parts(ins: list[str], *, lines: int, parts: int, prefix: str, spread: bool = False) -> list[bytes]:
    """The file in `parts` posts, each patient's lines together (an extract by beneficiary); `spread`: line n
    for dossier n mod len(ins), the importer's worst case (one log event per line, 500 per transaction)."""
    from server.reimbursements.layout import COLUMNS

    today = date.today()
    per_patient = max(1, lines // len(ins))
    rows = []
    for n in range(lines):
        system, code, label, performer, spent, reimbursed = CARE[n % len(CARE)]
        care = today - timedelta(days=10 + n % 700)
        patient = ins[n % len(ins)] if spread else ins[n // per_patient % len(ins)]
        rows.append(";".join([patient, f"{prefix}-{n:07d}", care.isoformat(),
                              (care + timedelta(days=6)).isoformat(), system, code, label, performer, "", "", "1",
                              spent, spent, reimbursed]))
    size = math.ceil(lines / parts)
    return [("\n".join([";".join(COLUMNS), *rows[i:i + size]]) + "\n").encode() for i in range(0, lines, size)]


def token_for(base: str, software: Software, scope: str | None = None) -> str:
    form = software.token_form(f"{base}/fhir/token", **({"scope": scope} if scope else {}))
    answer = httpx.post(f"{base}/fhir/token", data=form, timeout=30)
    answer.raise_for_status()
    return answer.json()["access_token"]
