"""A minor's legal representatives download a copy of the dossier whose log has no numbering or chain of its own:
the gaps that what was kept from them (CSP L1111-5) leaves would tell them something is kept, and when. Every
representative's copy has that form, whether or not anything is kept; the patient's own copy keeps its chain."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
import zipfile
from datetime import date

from tests.conftest import AsyncTestClient

from server.accesslog.audit import Actor, append
from server.auth.accounts import account_for_patient
from server.dossiers import add_document
from server.export.logfiles import EVENT_NAMESPACE
from server.accesslog.csvrows import CHAIN_COLUMNS, CSV_COLUMNS
from tests.conftest import ORIGIN, add_text_document, new_patient, new_professional, post_form
from tests.patient_helpers import events
from tests.caregiver_helpers import as_account, invitation_code, new_caregiver, years_ago

CHAIN_WORDS = re.compile(r"complet|empreinte|hash|chaîn|modification se verrait", re.IGNORECASE)


async def copy_for(client, dossier_id: str) -> zipfile.ZipFile:
    response = await post_form(client, f"/dossiers/{dossier_id}/export", {})
    assert response.status_code == 200, response.text
    return zipfile.ZipFile(io.BytesIO(response.content))


def log_of(archive: zipfile.ZipFile) -> tuple[list[str], list[list[str]], dict]:
    """The copy's CSV (header, rows) and its AuditEvent Bundle."""
    rows = list(csv.reader(io.StringIO(archive.read("journal-acces.csv").decode("utf-8-sig")), delimiter=";"))
    return rows[0], rows[1:], json.loads(archive.read("journal-acces-auditevent.json"))


async def attached_by_mother(client, db, child, serial: int):
    """The child's dossier, attached by their mother (a legal representative), signed in on `client`."""
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=serial)
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    attached = await post_form(client, "/enfant", {"code": child.code, "birth_date": child.birth_date.isoformat()})
    assert attached.status_code in (200, 303), attached.text
    return mother


async def kept_between_other_events(db, app, ines):
    """Her doctor files a consultation kept from her parents (at her request, CSP L1111-5) and reads it, between
    ordinary events: the kept ones fall in the middle of the dossier's numbering."""
    await add_text_document(db, app, ines.dossier, title="Vaccin HPV", category="vaccination")
    doctor = await new_professional(db, given_name="Anne", family_name="Girard", profession="médecin", stem=44)
    actor = Actor(None, "professional", "Anne Girard", "médecin", doctor.rpps)
    kept = await add_document(db, app.state.storage, dossier=ines.dossier, title="Consultation confidentielle",
                              category="compte_rendu", event_date=date(2025, 2, 3), filename="cr.txt",
                              mime_type="text/plain", data=b"Confidentiel", author=doctor.professional, commit=False)
    kept.hidden_from_representatives = True
    await append(db, dossier_id=ines.dossier.id, action="add_document", document=kept, right="grant", actor=actor)
    await db.commit()
    await append(db, dossier_id=ines.dossier.id, action="read_document", document=kept, right="grant", actor=actor)
    await db.commit()
    await add_text_document(db, app, ines.dossier, title="Ordonnance lunettes", category="ordonnance")
    return kept, doctor


def assert_without_chain(archive: zipfile.ZipFile, dossier_events) -> None:
    """No number, hash or previous hash of the dossier's, nor anything made of them; positions without a gap."""
    header, rows, bundle = log_of(archive)
    assert header == [c for c in CSV_COLUMNS if c not in CHAIN_COLUMNS]
    ids = [e["resource"]["id"] for e in bundle["entry"]]
    assert ids == [f"evenement-{n}" for n in range(len(rows), 0, -1)]  # newest first, numbered 1 (oldest) to N
    details = {d["type"] for e in bundle["entry"] for d in e["resource"]["entity"][0].get("detail", [])}
    assert not details & {"numéro", "hash", "hash précédent"}
    own_urls = {f"urn:uuid:{uuid.uuid5(EVENT_NAMESPACE, f'{e.dossier_id}/{e.seq}')}" for e in dossier_events}
    assert not own_urls & {e["fullUrl"] for e in bundle["entry"]}
    assert len({e["fullUrl"] for e in bundle["entry"]}) == len(rows)
    everything = "\n".join(archive.read(n).decode("utf-8", errors="replace") for n in archive.namelist()
                           if not n.endswith(".pdf"))
    for event in dossier_events:
        assert event.hash not in everything and event.prev_hash not in everything
    readme = archive.read("LISEZMOI.txt").decode()
    assert not CHAIN_WORDS.search(readme), CHAIN_WORDS.search(readme)
    assert f"({len(rows)} événements)" in readme and "que vous pouvez voir" in readme


def wording(readme: str) -> str:
    """The LISEZMOI without what differs from one dossier to another: names, dates, counts."""
    readme = re.sub(r"\d+", "N", readme.split("\r\n", 2)[2])
    return re.sub(r"l'identité (de|d') ?\w+ Martin", "l'identité X", readme)


async def test_a_parent_s_copy_has_no_numbers_or_hashes_that_would_show_the_gap_of_what_is_kept(client, db, app):
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(17), serial=6)
    await attached_by_mother(client, db, ines, serial=5)
    kept, doctor = await kept_between_other_events(db, app, ines)

    page = await client.get(f"/dossiers/{ines.dossier.id}/export")
    assert "historique des accès</strong> que vous pouvez voir" in page.text and "complet des accès" not in page.text
    archive = await copy_for(client, ines.dossier.id)
    every = await events(db, ines.dossier.id)
    seen = [e for e in every if e.document_id != kept.id]
    assert len(every) - len(seen) == 2  # the kept document's filing and its reading, mid-log
    assert_without_chain(archive, every)
    header, rows, bundle = log_of(archive)
    assert len(rows) == len(bundle["entry"]) == len(seen)
    assert rows[0][header.index("action")] == "Export du dossier"  # newest first, as ever
    for name in archive.namelist():
        if not name.endswith(".pdf"):
            text = archive.read(name).decode("utf-8", errors="replace")
            assert "Consultation confidentielle" not in text and doctor.rpps not in text and kept.id not in text


async def test_every_representative_s_copy_has_that_form_even_with_nothing_kept(client, db, app):
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(17), serial=6)
    await attached_by_mother(client, db, ines, serial=5)
    await kept_between_other_events(db, app, ines)
    with_kept = await copy_for(client, ines.dossier.id)

    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=years_ago(9), serial=4, sex="M")
    async with AsyncTestClient(app, base_url=ORIGIN) as other:
        await attached_by_mother(other, db, leo, serial=7)
        await add_text_document(db, app, leo.dossier, title="Vaccin ROR", category="vaccination")
        await add_text_document(db, app, leo.dossier, title="Bilan orthoptique", category="compte_rendu")
        nothing_kept = await copy_for(other, leo.dossier.id)
    assert_without_chain(nothing_kept, await events(db, leo.dossier.id))
    assert log_of(nothing_kept)[0] == log_of(with_kept)[0]
    assert wording(nothing_kept.read("LISEZMOI.txt").decode()) == wording(with_kept.read("LISEZMOI.txt").decode())


def assert_chained(archive: zipfile.ZipFile, dossier_events) -> None:
    """The dossier's own numbers and hashes, in the CSV and the AuditEvents, and the LISEZMOI says so."""
    header, rows, bundle = log_of(archive)
    by_seq = {e.seq: e for e in dossier_events}
    assert header == CSV_COLUMNS
    assert all(by_seq[int(r[0])].hash == r[-1] for r in rows)
    newest = bundle["entry"][0]["resource"]
    details = {d["type"]: d["valueString"] for d in newest["entity"][0]["detail"]}
    assert newest["id"] == f"evenement-{details['numéro']}" == f"evenement-{rows[0][0]}"
    assert (details["hash"], details["hash précédent"]) == (by_seq[int(rows[0][0])].hash,
                                                            by_seq[int(rows[0][0])].prev_hash)
    readme = archive.read("LISEZMOI.txt").decode()
    assert "L'historique complet des accès" in readme and "l'empreinte (hash) du précédent" in readme


async def test_the_minor_s_own_copy_keeps_every_number_and_the_chain(client, db, app):
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(17), serial=6)
    await attached_by_mother(client, db, ines, serial=5)
    await kept_between_other_events(db, app, ines)
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        mine = await copy_for(own, ines.dossier.id)
    every = await events(db, ines.dossier.id)
    assert_chained(mine, every)
    assert [int(r[0]) for r in log_of(mine)[1]] == [e.seq for e in reversed(every)]  # the kept ones too


async def test_a_caregiver_who_is_no_legal_representative_keeps_the_chain(client, db, app, patient):
    await as_account(client, db, await account_for_patient(db, patient=patient.patient))
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with new_caregiver(app, code, given="Hugo", family="Martin") as hugo:
        copy = await copy_for(hugo, patient.dossier.id)
    assert_chained(copy, await events(db, patient.dossier.id))


async def test_the_copys_summary_names_the_parent_who_declared_an_item_as_the_profile_page_does(client, db, app):
    """An outside tester's find: the PDF said "(déclaré par le patient)" of the vaccination Inès's mother declared,
    where her profile page says "Déclarée par Camille Martin"."""
    import pypdfium2

    from server.profile.items import ItemInput, add_item

    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(17), serial=6)
    mother = await attached_by_mother(client, db, ines, serial=5)
    account = await account_for_patient(db, patient=mother.patient)
    await add_item(db, dossier=ines.dossier, data=ItemInput("vaccination", label="ROR", started_on=date(2010, 5, 2)),
                   actor=Actor(account.id, "caregiver", "Camille Martin"), added_by_account_id=account.id,
                   today=date.today())
    own = await account_for_patient(db, patient=ines.patient)
    await add_item(db, dossier=ines.dossier, data=ItemInput("allergy", label="Pollen", severity="faible"),
                   actor=Actor(own.id, "patient", "Inès Martin"), added_by_account_id=own.id, today=date.today())
    pdf = pypdfium2.PdfDocument((await copy_for(client, ines.dossier.id)).read("synthese.pdf"))
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))).replace("\r\n", " ")
    # Agreed with what each is, as the page says it: une vaccination, une allergie "déclarée" (a probe's find).
    assert "ROR" in text and "déclarée par Camille Martin" in text
    # Her own, said of her as the PDF says "Née" (it said "le patient" of a girl: an outside probe's find).
    assert "Pollen" in text and "(déclarée par la patiente" in text
