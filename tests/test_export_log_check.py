"""The log in a dossier's copy can be checked from the copy alone: every event's hash recomputed from the CSV, by
what the LISEZMOI says and by code of its own here (not audit.py's), and each event linked to the one before."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile

from server.accesslog import audit
from tests.conftest import activate, add_text_document, logged_read, post_form
from tests.shlink_helpers import fetch, make_link, payload_of

# Each hashed field, and the CSV column that holds it (as the LISEZMOI pairs them).
COLUMN_OF = {
    "dossier_id": "dossier", "seq": "numéro", "at": "horodatage", "action": "code action",
    "actor_account_id": "compte", "actor_kind": "type d'acteur", "actor_name": "qui",
    "actor_profession": "profession", "actor_rpps": "RPPS", "on_behalf_of": "pour le compte de",
    "right": "code droit", "document_id": "id document", "document_title": "document", "detail": "détail",
    "prev_hash": "hash précédent",
}
NULLABLE = {"actor_account_id", "document_id"}
TEXTS = {"actor_name", "actor_profession", "actor_rpps", "on_behalf_of", "document_title", "detail"}


def recomputed(row: dict) -> str:
    content = {}
    for field, column in COLUMN_OF.items():
        value = row[column]
        if field in TEXTS and value.startswith("'"):  # the one apostrophe added for the spreadsheet
            value = value[1:]
        content[field] = int(value) if field == "seq" else (value or None) if field in NULLABLE else value
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def checked(rows: list[dict]) -> int:
    """How many events were checked: each hash recomputed, each linked to the one before, from the first."""
    rows = sorted(rows, key=lambda r: int(r["numéro"]))
    previous = "0" * 64
    for number, row in enumerate(rows, start=1):
        assert int(row["numéro"]) == number
        assert row["hash précédent"] == previous, row
        assert recomputed(row) == row["hash"], row
        previous = row["hash"]
    return len(rows)


def csv_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))


async def varied_log(db, app, patient) -> None:
    """Events of every sort of actor, one about a document, and cells a spreadsheet would take for formulas."""
    document = await add_text_document(db, app, patient.dossier, title="=Bilan sanguin")
    await logged_read(db, patient.dossier)
    await audit.begin_chained(db)
    await audit.append(db, dossier_id=patient.dossier.id, action="read_document", document=document,
                       actor=audit.Actor(None, "patient", "Camille Martin"))
    await audit.append(db, dossier_id=patient.dossier.id, action="read_timeline", right="grant",
                       detail="-première ligne\nseconde « ligne »",
                       actor=audit.Actor("b" * 32, "professional", "'Julie Moreau", "masseur-kinésithérapeute",
                                         "10000000017"))
    await audit.commit_chained(db)
    link = payload_of(await make_link(db, patient, passcode="soleil-42"))
    await fetch(app, link, recipient="+Dr Test, Lisbonne", passcode="soleil-42")
    for left in range(10):
        await fetch(app, link, passcode=f"lune-{left}")


async def test_every_events_hash_is_recomputed_from_the_copys_csv_alone(client, app, db, patient):
    await varied_log(db, app, patient)
    await activate(client, patient)
    response = await post_form(client, f"/dossiers/{patient.dossier.id}/export", {})
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    rows = csv_of(archive.read("journal-acces.csv").decode("utf-8"))
    assert checked(rows) == len(rows) >= 6
    assert {r["id document"] for r in rows} - {""} and {r["compte"] for r in rows} - {""}
    assert any(r["qui"].startswith("''") for r in rows) and any(r["qui"].startswith("'+") for r in rows)
    assert "shl_blocked" in {r["code action"] for r in rows} and any(r["document"] == "'=Bilan sanguin" for r in rows)

    # The LISEZMOI says the same: each field and its column, the hash's making, and the first link's 64 zeros.
    readme = archive.read("LISEZMOI.txt").decode()
    for field, column in COLUMN_OF.items():
        assert re.search(rf"\b{field} \((colonne )?« {re.escape(column)} »", readme), field
    assert "SHA-256" in readme and "clés triées" in readme and "64 zéros" in readme and "apostrophe" in readme


async def test_every_events_hash_is_recomputed_from_the_historiques_csv(client, app, db, patient):
    await varied_log(db, app, patient)
    await activate(client, patient)
    rows = csv_of((await client.get(f"/dossiers/{patient.dossier.id}/historique.csv")).text)
    assert checked(rows) == len(rows) >= 6
    printed = (await client.get(f"/dossiers/{patient.dossier.id}/historique/imprimer")).text
    assert "tous les champs qui permettent de recalculer la sienne" in printed
