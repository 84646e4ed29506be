"""Her copy, made in the installation she leaves, and the installation that reads it back: the read-back tests'."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import select

from server.accesslog import audit
from server.auth.accounts import account_for_patient, account_for_professional
from server.dossiers import add_document
from server.export.archive import build_export
from server.models import Document
from server.patient_uploads import Addition, add_own_document
from server.professionals import withdrawal
from server.professionals.checks import Upload
from server.profile.items import add_item
from tests.conftest import new_patient, new_professional
from tests.export_helpers import NOW, Installation, pdf_bytes
from tests.test_patient_adds_documents import relative, words
from tests.test_profile import PATIENT, SAMPLES, TODAY


KINE = 41  # her kiné's stem: the same RPPS in both installations
TYPED = ("http://loinc.org", "34117-2", "History and physical note")  # not the category's own LOINC type


async def note(session, storage, dossier_id: str, account, title: str, text: str):
    """A note added from the timeline's form, by the patient or a relative who manages her dossier."""
    upload = Upload(title=title, category="note_patient", event_date=date(2025, 2, 3), filename="", data=b"")
    return await add_own_document(session, storage, account=account, dossier_id=dossier_id, today=TODAY,
                                  addition=Addition(upload, note=text))


async def copy_made_elsewhere(there: Installation, *, withdrawn_at: datetime | None = None,
                              monkeypatch=None) -> bytes:
    """Camille's dossier in the installation she leaves: a note of hers, one and an allergy her husband added, her
    kiné's report, as software coded its type (withdrawn by him at `withdrawn_at`, if given); and her treatment,
    declared by her. Her copy of it."""
    camille = await new_patient(there.session)  # the same INS as the `patient` she is in the other installation
    her, paul = await account_for_patient(there.session, patient=camille.patient), await relative(
        there.session, camille, manages=True)
    await note(there.session, there.storage, camille.dossier.id, her, "Mes questions", "Et ce traitement ?")
    await note(there.session, there.storage, camille.dossier.id, paul, "Questions pour le cardiologue",
               "Les palpitations reviennent le soir.")
    kine = await new_professional(there.session, stem=KINE)
    report = await add_document(there.session, there.storage, dossier=camille.dossier, title="Bilan kiné",
                                category="compte_rendu", event_date=date(2025, 6, 3), filename="bilan.pdf",
                                mime_type="application/pdf", data=pdf_bytes("Bilan"), author=kine.professional)
    report.type_system, report.type_code, report.type_display = TYPED
    there.session.add(report)
    await there.session.commit()
    if withdrawn_at is not None:  # on that day, as his page's button does it
        with monkeypatch.context() as then:
            for module in (withdrawal, audit):
                then.setattr(module, "utcnow", lambda: withdrawn_at)
            account = await account_for_professional(there.session, professional=kine.professional)
            await withdrawal.withdraw_document(there.session, account=account, document_id=report.id)
    await add_item(there.session, dossier=camille.dossier, data=SAMPLES["treatment"], actor=PATIENT,
                   added_by_account_id=her.id, today=TODAY)
    await add_item(there.session, dossier=camille.dossier, data=SAMPLES["allergy"], actor=PATIENT,
                   added_by_account_id=paul.id, today=TODAY)
    return await build_export(there.session, there.storage, dossier=camille.dossier, patient=camille.patient, now=NOW)


# Her copy, as each engine made it in this process: (engine, withdrawn_at) -> its bytes.
COPIES: dict[tuple[str, datetime | None], bytes] = {}


def engine_of(settings) -> str:
    return "postgresql" if settings.database_url.startswith("postgresql") else "sqlite"


def installation_unless_made(request, settings, withdrawn_at: datetime | None) -> Installation | None:
    """`elsewhere`, set up only while this engine's copy is not made yet in this process (from a synchronous fixture:
    an asynchronous one cannot set up another as it runs)."""
    return None if (engine_of(settings), withdrawn_at) in COPIES else request.getfixturevalue("elsewhere")


def text(response) -> str:
    """A page's words, each space one."""
    return " ".join(words(response).split())


def here(settings, app, db) -> Installation:
    """The installation the app serves, as its operator's `carnet` command reaches it."""
    return Installation(db, app.state.storage, settings.database_url, settings.data_dir)


async def documents_by_title(db, dossier_id: str) -> dict[str, Document]:
    await db.commit()
    found = await db.exec(select(Document).where(Document.dossier_id == dossier_id))
    return {d.title: d for d in found.all()}
