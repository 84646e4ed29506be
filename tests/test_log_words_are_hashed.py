"""The Historique says of each event only what the event's hash covers, which the patient's phone checks: an
emergency's reason and which share code (when it was made, what it opened) come from the event's own detail, never from the tables of grants and
emergency accesses, which whoever runs the database can change unseen (an outside probe's find). The CSV, the
printed page and the timeline's banner say the same."""

import csv
import hashlib
import html
import io
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from server.access import emergencies
from server.access.reading import open_document
from server.accesslog.audit import Actor
from server.models import AccessEvent, EmergencyAccess, Grant, ShareCode
from server.templating import PARIS, date_fr
from tests.log_page_helpers import World, append, as_account, log_lines, plain, professional

REASON = "Perte de connaissance sur la voie publique"
LIE = "Demande de la patiente par téléphone"
ENTRY = re.compile(r"data-journal-(?:entry|pending)='([^']*)'")


@pytest.fixture
async def world(db, app, patient):
    return await World().build(db, app, patient)


async def reads_through_an_emergency_and_a_share_code(db, world):
    """Anne opens the dossier in an emergency and reads a document; Léa reads one through a share code."""
    anne, anne_account = await professional(db, "Anne", "Roux", "médecin", 3)
    await emergencies.open_emergency(db, dossier=world.dossier, professional=anne, reason=REASON,
                                     actor=Actor.professional(anne_account, anne))
    await open_document(db, account=anne_account, document_id=world.irm.id)
    await world.share_code_for_lea(db)
    await open_document(db, account=world.lea_account, document_id=world.bilan.id)


async def operator_rewrites_the_joined_tables(db, world) -> date:
    """What the operator of the database can do without touching the log: another reason for every emergency
    access, another day for every grant and share code, another scope for every code. Returns the false day."""
    await db.exec(update(EmergencyAccess).values(reason=LIE))
    grant = (await db.exec(Grant.__table__.select().where(Grant.dossier_id == world.dossier.id))).first()
    moved = grant.starts_at - timedelta(days=40)
    await db.exec(update(Grant).values(starts_at=moved))
    await db.exec(update(ShareCode).values(created_at=moved, categories="biologie"))
    await db.commit()
    return moved.astimezone(PARIS).date()


def day_said(day: date) -> str:
    return plain(date_fr(day)).rsplit(" ", 1)[0]


def entries(page: str) -> dict[int, dict]:
    """What the page gives the phone to check each event: its hashed fields, by number."""
    found = [json.loads(html.unescape(text)) for text in ENTRY.findall(page)]
    return {entry["seq"]: entry["fields"] for entry in found}


def phone_hash(fields: dict) -> str:
    """The event's hash as the phone computes it (journal-proofs.js: the canonical JSON's SHA-256)."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def test_a_lying_database_changes_no_word_of_the_historique(client, db, world):
    await reads_through_an_emergency_and_a_share_code(db, world)
    made = (await db.exec(ShareCode.__table__.select())).first().created_at.astimezone(PARIS)
    today = made.date()
    false_day = await operator_rewrites_the_joined_tables(db, world)
    await as_account(client, db, world.patient_account)

    page = (await client.get(world.url())).text
    assert LIE not in page and day_said(false_day) not in page
    texts = {seq: text for seq, _, text in log_lines(page)}
    assert re.fullmatch(r"Léa Fontaine, masseur-kinésithérapeute, a consulté « Bilan sanguin » à \d+ h \d\d, grâce "
                        rf"au code de partage du {day_said(today)} à {made.hour} h {made:%M} \(tous les documents, "
                        r"1 mois\)\.", texts[5]), texts[5]
    assert "Biologie" not in texts[5]
    assert re.fullmatch(r"Anne Roux, médecin, a consulté « IRM du genou droit » à \d+ h \d\d, en accès d'urgence "
                        rf"\(motif : {REASON}\)\.", texts[2]), texts[2]
    # Each word of it is in what the phone hashes and holds to the log: the event's own fields.
    checked = entries(page)
    events = {e.seq: e for e in (await db.exec(AccessEvent.__table__.select().where(
        AccessEvent.dossier_id == world.dossier.id))).all()}
    for seq in (2, 5):
        assert phone_hash(checked[seq]) == events[seq].hash
    assert checked[2]["detail"] == f"motif de l'accès d'urgence : {REASON}"
    assert checked[5]["detail"] == \
        f"code de partage du {made.isoformat(timespec='minutes')} : tous les documents, 1 mois"

    csv_text = (await client.get(world.url(".csv"))).content.decode("utf-8-sig")
    rows = {row[0]: row for row in csv.reader(io.StringIO(csv_text), delimiter=";")}
    assert LIE not in csv_text and false_day.isoformat() not in csv_text
    assert rows["5"][8:10] == [f"code de partage du {made:%Y-%m-%d %H:%M} (tous les documents, 1 mois)",  # droit
                               checked[5]["detail"]]  # détail, as hashed
    assert rows["2"][8:10] == ["accès d'urgence", f"motif de l'accès d'urgence : {REASON}"]

    printed = plain((await client.get(world.url("/imprimer"))).text)
    assert LIE not in printed and day_said(false_day) not in printed
    assert f"en accès d'urgence (motif : {REASON})." in printed
    assert f"grâce au code de partage du {day_said(today)} à {made.hour} h {made:%M} (tous les documents, 1 mois)." \
        in printed



async def test_the_timelines_news_of_a_read_says_the_share_codes_day_its_event_says(client, db, world):
    await world.share_code_for_lea(db)
    await open_document(db, account=world.lea_account, document_id=world.bilan.id)
    today = (await db.exec(Grant.__table__.select())).first().starts_at.astimezone(PARIS).date()
    false_day = await operator_rewrites_the_joined_tables(db, world)
    await as_account(client, db, world.patient_account)
    timeline = plain((await client.get(f"/dossiers/{world.dossier.id}")).text)
    assert f"grâce au code de partage du {day_said(today)}" in timeline and day_said(false_day) not in timeline


async def test_an_event_written_before_it_said_its_right_says_the_right_alone(client, db, world):
    # Appended as before its detail said its right: what the tables now say was current then, it never held.
    anne, anne_account = await professional(db, "Anne", "Roux", "médecin", 3)
    read = await append(db, world.dossier.id, "read_document", Actor.professional(anne_account, anne),
                        right="emergency", document=world.irm)
    lea_read = await append(db, world.dossier.id, "read_document", Actor.professional(world.lea_account, world.lea),
                            right="grant", document=world.bilan)
    db.add(EmergencyAccess(dossier_id=world.dossier.id, professional_id=anne.id, reason=REASON,
                           starts_at=read.at - timedelta(minutes=5), ends_at=read.at + timedelta(hours=24)))
    await world.share_code_for_lea(db)
    await db.exec(update(Grant).values(starts_at=lea_read.at - timedelta(days=3)))
    await db.commit()
    await as_account(client, db, world.patient_account)
    texts = {seq: text for seq, _, text in log_lines((await client.get(world.url())).text)}
    assert re.fullmatch(r"Anne Roux, médecin, a consulté « IRM du genou droit » à \d+ h \d\d, en accès d'urgence\.",
                        texts[1]), texts[1]
    assert re.fullmatch(r"Léa Fontaine, masseur-kinésithérapeute, a consulté « Bilan sanguin » à \d+ h \d\d, grâce "
                        r"à l'accès qui lui a été donné\.", texts[2]), texts[2]
    rows = list(csv.reader(io.StringIO((await client.get(world.url(".csv"))).content.decode("utf-8-sig")),
                           delimiter=";"))
    assert [row[8:10] for row in rows if row[0] in ("1", "2")] == [["accès accordé", ""], ["accès d'urgence", ""]]


async def test_a_reason_too_long_for_the_detail_is_cut_and_says_so(client, db, world):
    anne, anne_account = await professional(db, "Anne", "Roux", "médecin", 3)
    reason = " ".join(["Détresse respiratoire"] * 45)  # the form's 1 000 characters, nearly
    await emergencies.open_emergency(db, dossier=world.dossier, professional=anne, reason=reason,
                                     actor=Actor.professional(anne_account, anne))
    await open_document(db, account=anne_account, document_id=world.irm.id)
    event = (await db.exec(AccessEvent.__table__.select().where(AccessEvent.dossier_id == world.dossier.id,
                                                                AccessEvent.seq == 2))).first()
    assert len(event.detail) == 1000 and event.detail.endswith("…")  # the column's length
    await as_account(client, db, world.patient_account)
    texts = {seq: text for seq, _, text in log_lines((await client.get(world.url())).text)}
    assert texts[2].endswith("…).") and "(motif : Détresse respiratoire Détresse" in texts[2]
    assert texts[1].endswith(f"(motif : {reason}).")  # the opening says it whole
