"""The access matrix's world: every kind of reader of one dossier, its documents in every state, another patient's.

The expected answer comes from the rule function (access/rule.py) applied to what the
database says about each reader; the tests check that every endpoint agrees with it,
that a refusal is indistinguishable from a missing id, and that each allowed
professional read leaves exactly one access event (a refused one, none).
"""

from datetime import date, timedelta

from fpdf import FPDF
from sqlmodel import func, select

from server.auth.accounts import account_for_patient, account_for_professional
from server.auth.sessions import start_session
from server.dossiers import add_document, create_professional
from server.identifiers import rpps_with_key
from server.models import AccessEvent, Account, Block, Delegation, EmergencyAccess, Grant, utcnow
from tests.conftest import new_patient


CAREGIVERS = {  # kind: (relationship, manages, ends in days (None: no end), ended how, kept at 18)
    "caregiver": ("proche", True, None, "", ""),
    "caregiver_reader": ("proche", False, None, "", ""),
    "caregiver_expired": ("proche", True, -1, "", ""),
    "caregiver_removed": ("proche", True, None, "removed", ""),
    "caregiver_stepped_down": ("proche", True, None, "stepped_down", ""),
    "parent_of_minor": ("parent", True, None, "", ""),
    "parent_kept_at_18": ("parent", True, None, "", "lecture"),
}
READERS = [
    "patient", *CAREGIVERS, "medecin_traitant", "author", "granted_in_scope", "granted_out_of_scope",
    "expired", "revoked", "blocked", "emergency", "stranger",
]  # and "emergency_opted_out": the emergency reader once the dossier opts out; the parents after 18 (below)
HOLDERS = ("patient", *CAREGIVERS)
STATES = ["visible", "hidden", "deleted", "kept_from_parents", "other_patient"]
ENDPOINTS = ["timeline", "search", "print", "document", "download", "page"]
ENDED = "Votre accès à ce dossier a pris fin."


def pdf(title: str) -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", size=14)
    doc.cell(text=title)
    return bytes(doc.output())


async def build_world(db, app):
    """One dossier with a visible, a hidden and a deleted document; another patient's; a reader of each kind."""
    storage = app.state.storage
    today = date.today()
    me = await new_patient(db, birth=date(today.year - 17, 1, 15))
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    pros = {}
    for i, kind in enumerate(READERS[1 + len(CAREGIVERS):], start=1):
        pros[kind] = await create_professional(
            db, rpps=rpps_with_key(f"20{i:08d}"), given_name="Pro", family_name=kind, profession="médecin", city="Lyon"
        )
    docs = {}
    for state in ("visible", "hidden", "deleted", "kept_from_parents"):
        docs[state] = await add_document(
            db, storage, dossier=me.dossier, title=f"Imagerie {state}", category="imagerie", event_date=date(2025, 1, 1),
            filename="x.pdf", mime_type="application/pdf", data=pdf(state),
            author=pros["author"] if state != "deleted" else None,
        )
    docs["other_patient"] = await add_document(
        db, storage, dossier=other.dossier, title="Imagerie other_patient", category="imagerie",
        event_date=date(2025, 1, 1), filename="x.pdf", mime_type="application/pdf", data=pdf("other"),
    )
    docs["hidden"].hidden = True
    docs["deleted"].deleted_at = utcnow()
    docs["kept_from_parents"].hidden_from_representatives = True  # CSP L1111-5, at the minor's request
    dossier = me.dossier
    dossier.medecin_traitant_id = pros["medecin_traitant"].id
    now = utcnow()
    rows = [
        docs["hidden"], docs["deleted"], docs["kept_from_parents"], dossier,
        Grant(dossier_id=dossier.id, professional_id=pros["granted_in_scope"].id, categories="imagerie"),
        Grant(dossier_id=dossier.id, professional_id=pros["granted_out_of_scope"].id, categories="vaccination"),
        Grant(dossier_id=dossier.id, professional_id=pros["expired"].id, starts_at=now - timedelta(days=40),
              ends_at=now - timedelta(days=10)),
        Grant(dossier_id=dossier.id, professional_id=pros["revoked"].id, revoked_at=now),
        Grant(dossier_id=dossier.id, professional_id=pros["blocked"].id),
        Block(dossier_id=dossier.id, professional_id=pros["blocked"].id),
        EmergencyAccess(dossier_id=dossier.id, professional_id=pros["emergency"].id, reason="Malaise en pharmacie",
                        ends_at=now + timedelta(hours=24)),
    ]
    for row in rows:
        db.add(row)
    await db.commit()
    return me, other, pros, docs


async def reader_accounts(db, me, pros):
    accounts = {"patient": await account_for_patient(db, patient=me.patient)}
    now = utcnow()
    for kind, (relationship, manages, ends_in, ended, kept) in CAREGIVERS.items():
        caregiver = Account(display_name=f"Aidant {kind}")
        db.add(caregiver)
        await db.flush()
        db.add(Delegation(
            dossier_id=me.dossier.id, caregiver_account_id=caregiver.id, relationship=relationship, can_manage=manages,
            starts_at=now - timedelta(days=30), ends_at=None if ends_in is None else now + timedelta(days=ends_in),
            revoked_at=now if ended else None, end_reason=ended, after_majority=kept,
        ))
        accounts[kind] = caregiver
    await db.commit()
    for kind, professional in pros.items():
        accounts[kind] = await account_for_professional(db, professional=professional)
    return accounts


async def readers_world(db, app):
    """What each module's `world` fixture gives: the dossier, the professionals, the documents, and each reader's
    account and signed-in session."""
    me, other, pros, docs = await build_world(db, app)
    accounts = await reader_accounts(db, me, pros)
    tokens = {kind: await start_session(db, account=account, authenticated=True) for kind, account in accounts.items()}
    return me, pros, docs, accounts, tokens


async def events(db) -> int:
    await db.commit()  # end the test session's snapshot: see what the app committed since
    return (await db.exec(select(func.count()).select_from(AccessEvent))).one()
