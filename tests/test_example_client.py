"""README's example client (examples/practice_client.py) works against a real `carnet serve`, as an integrator runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

from server.auth.accounts import account_for_professional
from server.accesslog.audit import Actor
from server.db import make_engine, make_sessionmaker
from server.dossiers import add_document, create_patient, create_professional
from server.files.store import DiskStorage
from server.professionals.withdrawal import withdraw_document
from server.profile.items import ItemInput, add_item
from server.fhir import clients
from server.identifiers import rpps_with_key
from server.access.grants import grant_access
from tests.conftest import make_ins
from tests.live_server import ROOT, running_server

EXAMPLE = ROOT / "examples" / "practice_client.py"


def example(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, cwd=cwd, timeout=120)


async def seed(database_url: str, public_jwk: str, data_dir=None, allergy: bool = False) -> tuple[str, str]:
    """A patient, her doctor with an account and a grant, and the doctor's software registered with this key; with
    `data_dir` (the server's), a report of the doctor's she withdrew since (sent to a namesake); with `allergy`, one
    in her profile."""
    engine = make_engine(database_url).execution_options(sqlite_immediate=True)  # the server writes meanwhile
    try:
        async with make_sessionmaker(engine)() as db:
            patient, dossier = await create_patient(db, ins=make_ins("F", 1984, 3, 11), given_name="Camille",
                                                    family_name="Martin", birth_date=date(1984, 3, 12),
                                                    sex="F")
            doctor = await create_professional(db, rpps=rpps_with_key("1000000042"), given_name="Claire",
                                               family_name="Bernard", profession="médecin", city="Lyon")
            await account_for_professional(db, professional=doctor)
            await grant_access(db, dossier=dossier, professional=doctor, categories="", duration="1a",
                               actor=Actor(None, "patient", "Camille Martin"))
            software = await clients.register(db, professional_id=doctor.id, name="Logiciel des Tilleuls",
                                              jwk_text=public_jwk)
            if allergy:
                await add_item(db, dossier=dossier, data=ItemInput("allergy", label="Pénicilline", severity="severe",
                                                                   detail="Urticaire géante"),
                               actor=Actor(None, "patient", "Camille Martin"), today=date(2026, 12, 1))
            if data_dir is not None:
                storage = DiskStorage(data_dir / "files")
                wrong = await add_document(db, storage, dossier=dossier, title="Compte rendu d'un homonyme",
                                           category="compte_rendu", event_date=date(2025, 6, 3), filename="cr.pdf",
                                           mime_type="application/pdf", data=b"%PDF-1.4 homonyme", author=doctor)
                account = await account_for_professional(db, professional=doctor)
                await withdraw_document(db, account=account, document_id=wrong.id, storage=storage)
            return patient.ins, software.id
    finally:
        await engine.dispose()


async def test_the_example_pushes_a_pdf_and_reads_the_list_back_with_checked_bytes(tmp_path):
    made = example("cle", "--fichier", "cle.json", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    public = made.stdout.strip().splitlines()[-1]
    assert "d" not in json.loads(public) and json.loads(public)["crv"] == "P-384"
    with running_server(prefix="carnet-example-") as server:
        ins, client_id = await seed(server.database_url, public)
        args = ("envoyer", "--carnet", server.url, "--client-id", client_id, "--ins", ins, "--fichier", "cle.json")
        sent = example(*args, cwd=tmp_path)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert "Envoyé : « Compte rendu de consultation » → DocumentReference/" in sent.stdout
        assert "(reçu)" in sent.stdout
        assert "Compte rendu de consultation · current · 1505 octets, SHA-256 vérifié" in sent.stdout
        again = example(*args, cwd=tmp_path)
        assert "(déjà reçu, non dupliqué)" in again.stdout and again.stdout.count("SHA-256 vérifié") == 1


async def test_the_example_lists_a_document_its_author_withdrew_without_a_file_to_fetch(tmp_path):
    """A withdrawn document (entered-in-error) is listed with no title and no file, as README says: the example read
    its file's address and its title, and stopped on the first one (an outside probe's find)."""
    made = example("cle", "--fichier", "cle.json", cwd=tmp_path)
    public = made.stdout.strip().splitlines()[-1]
    with running_server(prefix="carnet-example-") as server:
        ins, client_id = await seed(server.database_url, public, data_dir=server.data_dir)
        sent = example("envoyer", "--carnet", server.url, "--client-id", client_id, "--ins", ins, "--fichier",
                       "cle.json", cwd=tmp_path)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert "2025-06-03 · document retiré par son auteur · entered-in-error" in sent.stdout
        assert "homonyme" not in sent.stdout and "SHA-256 vérifié" in sent.stdout


async def test_the_example_prints_the_patients_summary_section_by_section(tmp_path):
    """README's `synthese`: the IPS of what the doctor reads of the profile, asked with the INS in the body."""
    made = example("cle", "--fichier", "cle.json", cwd=tmp_path)
    public = made.stdout.strip().splitlines()[-1]
    with running_server(prefix="carnet-example-") as server:
        ins, client_id = await seed(server.database_url, public, allergy=True)
        read = example("synthese", "--carnet", server.url, "--client-id", client_id, "--ins", ins, "--fichier",
                       "cle.json", cwd=tmp_path)
    assert read.returncode == 0, read.stdout + read.stderr
    lines = read.stdout.splitlines()
    assert lines[0] == "Synthèse médicale — Camille Martin"
    allergies = lines.index("Allergies et intolérances :")
    assert lines[allergies + 1].startswith("  - Pénicilline")
    # A section she may not read whole (hidden lines are no professional's), said truly, not "none known"
    assert "Traitements :" in lines and "  - Aucune information transmise." in lines
