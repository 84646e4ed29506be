"""A hospital's report filed through the FHIR API in the wrong patient's dossier, then withdrawn (entered-in-error): the
access events of its arrival and of its reads stored its title, and the chain hashed it. Her Historique's sentences
named it by no title; but her phone's verification data, her Historique's CSV and the copy of her dossier still gave
it (an outside probe's find). They leave it out now: such an event comes with its stored hash, checked by its place
in the chain and in the transparency log, not by its content; every other event is checked by its fields as before,
and a patient whose document was not withdrawn reads its title everywhere."""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
import zipfile
from datetime import UTC, datetime

from sqlmodel import select

from server.models import Document
from server.tlog import integrator
from server.tlog.checkpoint import open_checkpoint
from server.tlog.keys import Verifier
from server.tlog.leaf import event_leaf_hash
from server.tlog.merkle import verify_inclusion
from tests.conftest import ORIGIN, AsyncTestClient, activate, post_form
from tests.test_document_text import report
from tests.export_helpers import carnet, same_patient_there
from tests.export_helpers import elsewhere  # noqa: F401 - a fixture: another installation
from tests.test_export_log_check import csv_of, recomputed
from tests.test_fhir_api import practice  # noqa: F401 - a fixture: Dr Bernard's software, with a grant of everything
from tests.test_fhir_withdrawn_and_replaced import PATCHING, WITHDRAWAL, sent

TITLE = "CRH Pneumologie Mme Martin née 1984"  # another Mme Martin's: the records office's mistake
WORD = "Pneumologie"  # of the title alone
WITHHELD = "(document retiré depuis par son auteur)"  # its CSV cell, as the LISEZMOI names it
ENTRY = re.compile(r"data-journal-(?:entry|pending)='([^']*)'")


async def filed(client, practice, patient, *, withdrawn: bool) -> str:  # noqa: F811
    """The report, sent by the doctor's software and read by it (a second event that names it), then withdrawn
    by it if `withdrawn`."""
    document_id = await sent(client, practice, patient, title=TITLE, data=report(TITLE, "Bronchoscopie."))
    assert (await client.get(f"/fhir/DocumentReference/{document_id}", headers=practice.headers)).status_code == 200
    if withdrawn:
        answer = await client.patch(f"/fhir/DocumentReference/{document_id}", content=WITHDRAWAL,
                                    headers={**practice.headers, **PATCHING})
        assert answer.status_code == 200
    return document_id


def chain_hash(entry: dict) -> str:
    """What her phone takes as the event's hash (static/js/journal-proofs.js entryHash): recomputed from its fields,
    or, given instead of its title, the hash its chain stored."""
    if "hash" in entry:
        return entry["hash"]
    canonical = json.dumps(entry["fields"], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def checked_by_the_phone(client, page: str) -> list[dict]:
    """The page's events, checked as her phone checks them: each in the signed log (its leaf from its salt and hash,
    an inclusion proof the log serves), each naming the one before it; newest first, as the page shows them."""
    entries = [json.loads(html.unescape(raw)) for raw in ENTRY.findall(page)]
    verifier = Verifier.from_key((await client.get("/journal/cle")).text.strip())
    checkpoint, _ = open_checkpoint((await client.get("/journal/checkpoint")).text, log=verifier)
    for entry in entries:
        proof = await client.get(f"/journal/preuve/inclusion?index={entry['index']}&taille={checkpoint.size}")
        leaf = event_leaf_hash(base64.b64decode(entry["salt"]), chain_hash(entry))
        verify_inclusion(leaf_hash=leaf, index=entry["index"], size=checkpoint.size,
                         proof=[base64.b64decode(line) for line in proof.text.splitlines()], root=checkpoint.root)
    for newer, older in zip(entries, entries[1:]):
        assert newer["fields"]["seq"] == older["fields"]["seq"] + 1
        assert newer["fields"]["prev_hash"] == chain_hash(older)
    assert entries[-1]["fields"]["seq"] == 1 and entries[-1]["fields"]["prev_hash"] == "0" * 64
    return entries


def checked_as_the_readme_says(rows: list[dict]) -> list[dict]:
    """The CSV's rows checked by the LISEZMOI's rule: each hash recomputed, but a withdrawn document's, which each row
    still links to the one before it; the rows whose hash was not recomputed."""
    previous, withheld = "0" * 64, []
    for number, row in enumerate(sorted(rows, key=lambda r: int(r["numéro"])), start=1):
        assert int(row["numéro"]) == number and row["hash précédent"] == previous, row
        if row["document"] == WITHHELD:
            withheld.append(row)
        else:
            assert recomputed(row) == row["hash"], row
        previous = row["hash"]
    return withheld


async def everything_she_downloads(phone, app, db, dossier_id: str) -> tuple[str, str, str, bytes]:
    """Her Historique's page (once every event is in the signed log), its CSV, its printout and the copy of her
    dossier."""
    await integrator.integrate_now(db, signer=app.state.journal_signer)
    page = await phone.get(f"/dossiers/{dossier_id}/historique")
    spreadsheet = await phone.get(f"/dossiers/{dossier_id}/historique.csv")
    printed = await phone.get(f"/dossiers/{dossier_id}/historique/imprimer")
    copy = await post_form(phone, f"/dossiers/{dossier_id}/export", {})
    assert page.status_code == spreadsheet.status_code == printed.status_code == copy.status_code == 200
    return page.text, spreadsheet.text, " ".join(printed.text.split()), copy.content


async def test_the_wrong_patient_s_verification_data_csv_and_copy_give_no_title_and_still_verify(
        client, db, app, settings, patient, practice, elsewhere, tmp_path):  # noqa: F811
    document_id = await filed(client, practice, patient, withdrawn=True)
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        page, spreadsheet, printed, copy = await everything_she_downloads(phone, app, db, patient.dossier.id)

    # Her phone's data: the two events that named the report come with their stored hash and without their title,
    # and her phone checks them, and the rest, in the log and in the chain; their proof says what was checked.
    assert WORD not in page
    entries = await checked_by_the_phone(client, page)
    withheld = [e for e in entries if "hash" in e]
    assert [e["fields"]["action"] for e in withheld] == ["read_document", "add_document"]
    assert all("document_title" not in e["fields"] and e["fields"]["document_id"] == document_id for e in withheld)
    assert all("document_title" in e["fields"] for e in entries if "hash" not in e)
    said = " ".join(page.split())
    assert said.count("Contenu retiré : le titre du document n'est plus donné, et votre appareil "
                      "vérifie seulement la place de cet événement dans la chaîne de l'historique, pas son contenu.") == 2

    # Her Historique's CSV, and the copy's: the title cell says the document was withdrawn; each file still checks,
    # as the printout says.
    assert WORD not in spreadsheet and WORD not in printed
    assert ("Sauf pour un événement dont le document a été retiré par son auteur : son titre n'est plus donné, et "
            "seule sa place dans la chaîne se vérifie." in printed)
    assert [r["code action"] for r in checked_as_the_readme_says(csv_of(spreadsheet))] == ["add_document",
                                                                                           "read_document"]
    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        for name in archive.namelist():
            if name != "synthese.pdf":  # compressed: its words are read by test_fhir_withdrawn_and_replaced.py
                assert WORD.encode() not in archive.read(name), name
        rows = csv_of(archive.read("journal-acces.csv").decode("utf-8"))
        readme = archive.read("LISEZMOI.txt").decode()
    assert len(checked_as_the_readme_says(rows)) == 2
    assert f"Un événement dont la case « document » vaut « {WITHHELD} »" in readme

    # The copy read back in another installation: the report is a line withdrawn on the day its log says.
    dossier = await same_patient_there(elsewhere.session, patient.patient, [practice.pro.professional])
    (tmp_path / "copie.zip").write_bytes(copy)
    done = carnet(elsewhere, "import", "dossier", str(tmp_path / "copie.zip"), "--ins", patient.patient.ins)
    assert done.returncode == 0, done.stderr
    [withdrawal] = [r for r in rows if r["code action"] == "withdraw_document"]
    assert "l'est à la date d'aujourd'hui" not in done.stdout  # its day was read from the copy's log
    verified = carnet(elsewhere, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    [line] = (await elsewhere.session.exec(select(Document).where(Document.dossier_id == dossier.id))).all()
    assert line.title == "" and line.withdrawn_at.replace(tzinfo=UTC) == datetime.fromisoformat(
        withdrawal["horodatage"].replace("Z", "+00:00"))


async def test_a_patient_whose_document_was_not_withdrawn_reads_its_title_everywhere(client, db, app, patient,
                                                                                    practice):  # noqa: F811
    await filed(client, practice, patient, withdrawn=False)
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        page, spreadsheet, printed, copy = await everything_she_downloads(phone, app, db, patient.dossier.id)

    entries = await checked_by_the_phone(client, page)
    assert not [e for e in entries if "hash" in e]
    assert [e["fields"]["document_title"] for e in entries if e["fields"]["document_title"]] == [TITLE, TITLE]
    assert "Contenu retiré :" not in page and "retiré" not in spreadsheet and "Sauf pour" not in printed
    assert checked_as_the_readme_says(csv_of(spreadsheet)) == []
    assert [r["document"] for r in csv_of(spreadsheet) if r["document"]] == [TITLE, TITLE]
    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        rows = csv_of(archive.read("journal-acces.csv").decode("utf-8"))
        events = json.loads(archive.read("journal-acces-auditevent.json"))
    assert checked_as_the_readme_says(rows) == [] and [r["document"] for r in rows if r["document"]] == [TITLE, TITLE]
    assert [e["resource"]["entity"][1]["name"] for e in events["entry"] if len(e["resource"]["entity"]) > 1] == [
        TITLE, TITLE]
