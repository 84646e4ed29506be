"""The copy of the dossier holds the reimbursed care (an outside tester's find: the page said the ZIP "contient tout
votre dossier", and it held none of the Soins page's lines): the lines its maker sees there, as a CSV a spreadsheet
opens and as a Bundle of FHIR ExplanationOfBenefits; a minor's parents never get a line of care kept from them."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pypdfium2
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from sqlmodel import select

from server.auth.accounts import account_for_patient
from server.export import carefiles
from server.models import ReimbursementLine, paris_today
from server.reimbursements import importer
from server.reimbursements.history import months_back
from server.reimbursements.layout import read
from tests.conftest import AsyncTestClient, ORIGIN, activate, post_form
from tests.caregiver_helpers import as_account
from tests.test_export_for_parents import copy_for
from tests.test_kept_traces import kept_doctors_care, minor_with_a_kept_doctor
from tests.test_reimbursements import HEADER

KEPT_CARE = ("Consultation de contraception", "Contraceptif oral", "Test de grossesse", "Échographie pelvienne")


def feed_line(ins: str, ref: str, *, days: int, system: str, code: str, label: str, performer: str, rpps: str = "",
              prescriber: str = "", quantity: str = "1", spent: str, base: str, reimbursed: str) -> str:
    day = paris_today() - timedelta(days=days)
    return ";".join([ins, ref, day.isoformat(), (day + timedelta(days=6)).isoformat(), system, code, label, performer,
                     rpps, prescriber, quantity, spent, base, reimbursed])


async def load_care(db, ins: str) -> None:
    """Her care, as the Assurance Maladie's feed sends it: a consultation, a medicine a doctor prescribed, an ECG,
    a label a spreadsheet would run as a formula, and a consultation of three years ago (on no page)."""
    rows = [
        feed_line(ins, "L1", days=20, system="NGAP", code="G", label="Consultation médecin généraliste",
                  performer="Dr Claire Bernard", rpps="10003456786", spent="30,00", base="30,00", reimbursed="19,00"),
        feed_line(ins, "L2", days=40, system="CIP13", code="3400930000014", label="Amoxicilline 1 g",
                  performer="Pharmacie du Centre", prescriber="Dr Claire Bernard", quantity="2", spent="8,73",
                  base="8,73", reimbursed="5,67"),
        feed_line(ins, "L3", days=400, system="CCAM", code="DEQP003", label="ECG", performer="Dr Paul Lefèvre",
                  spent="14,26", base="14,26", reimbursed="9,98"),
        feed_line(ins, "L4", days=40, system="NGAP", code="AMK", label="=Séance de kinésithérapie",
                  performer="Julie Moreau", spent="16,13", base="16,13", reimbursed="9,68"),
        feed_line(ins, "L5", days=3 * 365, system="NGAP", code="G", label="Consultation ancienne",
                  performer="Dr Claire Bernard", spent="25,00", base="25,00", reimbursed="16,50"),
    ]
    await importer.load(db, read("\n".join([HEADER, *rows]).encode()))


def care_of(archive: zipfile.ZipFile) -> tuple[list[str], list[dict], Bundle]:
    """The copy's care: the CSV's header and rows, and its Bundle as fhir.resources reads it."""
    text = archive.read(carefiles.CARE_CSV_NAME).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    bundle = Bundle.model_validate(json.loads(archive.read(carefiles.CARE_FHIR_NAME)))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]], bundle


def claims(bundle: Bundle) -> list[ExplanationOfBenefit]:
    found = [entry.resource for entry in bundle.entry or []]
    assert all(isinstance(resource, ExplanationOfBenefit) for resource in found)
    return found


async def shown_on_soins(client, db, dossier_id: str) -> list[ReimbursementLine]:
    """The lines the Soins page shows, in its order (each an `id="soin-…"`)."""
    page = await client.get(f"/dossiers/{dossier_id}/soins")
    assert page.status_code == 200
    ids = re.findall(r'id="soin-([^"]+)"', page.text)
    await db.commit()  # a new read: what the pages changed since
    lines = {line.id: line for line in (await db.exec(select(ReimbursementLine).where(
        ReimbursementLine.dossier_id == dossier_id).execution_options(populate_existing=True))).all()}
    return [lines[i] for i in ids]


async def test_the_copy_holds_the_soins_page_s_care_as_a_csv_and_fhir_explanations_of_benefit(client, db, patient):
    await load_care(db, patient.patient.ins)
    await activate(client, patient)
    [kine] = (await db.exec(select(ReimbursementLine).where(ReimbursementLine.line_ref == "L4"))).all()
    hid = await post_form(client, f"/dossiers/{patient.dossier.id}/soins/{kine.id}/masquage", {"masque": "oui"},
                          follow_redirects=False)
    assert hid.status_code == 303
    shown = await shown_on_soins(client, db, patient.dossier.id)
    assert [line.line_ref for line in shown] == ["L1", "L2", "L4", "L3"]  # newest first; L5: older than 24 months

    page = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/export")).text)
    assert "les soins remboursés par l'Assurance Maladie des 24 derniers mois" in page.replace("<strong>", "") \
        .replace("</strong>", "") and "(4 soins)" in page
    archive = await copy_for(client, patient.dossier.id)
    header, rows, bundle = care_of(archive)
    assert header == carefiles.CARE_COLUMNS
    assert [row["id ligne"] for row in rows] == [line.line_ref for line in shown]
    first, medicine, physio = rows[0], rows[1], rows[2]
    assert first == {"date des soins": shown[0].care_date.isoformat(), "nomenclature": "NGAP", "code": "G",
                     "libellé": "Consultation médecin généraliste", "quantité": "1",
                     "exécutant": "Dr Claire Bernard", "RPPS exécutant": "10003456786", "prescripteur": "",
                     "payé (€)": "30,00",
                     "base de remboursement (€)": "30,00", "remboursé (€)": "19,00",
                     "reste à charge après l'Assurance Maladie (€)": "11,00", "masqué aux professionnels": "non", "date de traitement": shown[0].processed_on.isoformat(),
                     "id ligne": "L1"}
    assert (medicine["prescripteur"], medicine["quantité"], medicine["code"]) == ("Dr Claire Bernard", "2",
                                                                                  "3400930000014")
    # Hidden from professionals, said so; a label a spreadsheet would run as a formula, written as text.
    assert physio["masqué aux professionnels"] == "oui" and physio["libellé"] == "'=Séance de kinésithérapie"

    assert bundle.type == "collection"
    explained = claims(bundle)
    assert [c.identifier[0].value for c in explained] == [line.line_ref for line in shown]
    assert len({entry.fullUrl for entry in bundle.entry}) == 4
    for claim, line in zip(explained, shown, strict=True):
        [item] = claim.item
        assert (item.productOrService.coding[0].code, item.productOrService.text) == (line.code, line.label)
        assert item.servicedDate == line.care_date and item.quantity.value == line.quantity
        amounts = {a.category.coding[0].code: a.amount.value for a in item.adjudication}
        assert amounts == {"submitted": Decimal(line.spent_cents) / 100, "eligible": Decimal(line.base_cents) / 100,
                           "benefit": Decimal(line.reimbursed_cents) / 100}
        assert claim.patient.identifier.value == patient.patient.ins and claim.provider.display == line.performer
        labels = [s.code for s in (claim.meta.security if claim.meta else [])]
        assert labels == (["R"] if line.hidden else [])
    assert explained[0].provider.identifier.value == "810003456786"  # the national identifier: "8" + RPPS
    assert explained[1].type.coding[0].code == "pharmacy" and explained[0].type.coding[0].code == "professional"
    assert [m.provider.display for m in explained[1].careTeam] == ["Pharmacie du Centre", "Dr Claire Bernard"]

    readme = archive.read("LISEZMOI.txt").decode()
    assert carefiles.CARE_CSV_NAME in readme and carefiles.CARE_FHIR_NAME in readme and "(4 soins)" in readme
    pdf = pypdfium2.PdfDocument(archive.read("synthese.pdf"))
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))).replace("\r\n", " ")
    assert "Soins remboursés (4)" in text


async def test_a_dossier_without_care_exports_its_headers_and_an_empty_bundle(client, db, patient):
    await activate(client, patient)
    page = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/export")).text)
    assert "(aucun soin)" in page
    archive = await copy_for(client, patient.dossier.id)
    assert archive.testzip() is None
    header, rows, bundle = care_of(archive)
    assert header == carefiles.CARE_COLUMNS and rows == []
    assert bundle.type == "collection" and not bundle.entry
    assert '"entry"' not in archive.read(carefiles.CARE_FHIR_NAME).decode()  # FHIR's JSON has no empty array
    assert "(aucun soin)" in archive.read("LISEZMOI.txt").decode()


async def test_the_copy_reads_the_care_a_batch_at_a_time_and_misses_no_line_of_one_day(client, db, patient,
                                                                                         monkeypatch):
    """Many lines of one day, read two by two: each once, in the Soins page's order (its day, then its id)."""
    rows = [feed_line(patient.patient.ins, f"J{n:02d}", days=10 + n // 4, system="NGAP", code="AMI", label=f"Soin {n}",
                      performer="Cabinet infirmier", spent="3,15", base="3,15", reimbursed="1,89") for n in range(11)]
    await importer.load(db, read("\n".join([HEADER, *rows]).encode()))
    monkeypatch.setattr(carefiles, "CARE_BATCH", 2)
    await activate(client, patient)
    shown = await shown_on_soins(client, db, patient.dossier.id)
    _, rows, bundle = care_of(await copy_for(client, patient.dossier.id))
    assert [row["id ligne"] for row in rows] == [line.line_ref for line in shown] and len(shown) == 11
    assert [c.identifier[0].value for c in claims(bundle)] == [line.line_ref for line in shown]


async def test_a_parent_s_copy_holds_no_care_kept_from_parents_and_the_minor_s_holds_it_all(client, db, app):
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    db.add_all(kept_doctors_care(ines, doctor))
    await db.commit()
    page = html.unescape((await client.get(f"/dossiers/{ines.dossier.id}/export")).text)
    assert "(1 soin)" in page  # the count leaves them out too
    copy = await copy_for(client, ines.dossier.id)
    header, rows, bundle = care_of(copy)
    assert [row["libellé"] for row in rows] == ["Collyre antiallergique"]
    assert [c.item[0].productOrService.text for c in claims(bundle)] == ["Collyre antiallergique"]
    # Nor the insurer's ids of the lines, whose gaps could tell (in every representative's copy, kept or not).
    assert header == carefiles.CARE_COLUMNS[:-1] and not claims(bundle)[0].identifier
    for name in copy.namelist():
        content = copy.read(name)
        text = " ".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(content)) \
            if name.endswith(".pdf") else content.decode("utf-8", errors="replace")
        for trace in (*KEPT_CARE, "Girard", doctor.rpps):
            assert trace not in text, (trace, name)
    assert "Soins remboursés (1)" in " ".join(
        p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(copy.read("synthese.pdf")))

    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        shown = await shown_on_soins(own, db, ines.dossier.id)
        her_header, hers, her_bundle = care_of(await copy_for(own, ines.dossier.id))
    assert len(shown) == 5 and {row["libellé"] for row in hers} == {*KEPT_CARE, "Collyre antiallergique"}
    assert her_header == carefiles.CARE_COLUMNS
    assert [row["id ligne"] for row in hers] == [line.line_ref for line in shown]
    assert [c.identifier[0].value for c in claims(her_bundle)] == [line.line_ref for line in shown]


def test_the_copy_holds_the_care_of_the_soins_page_s_longest_period():
    """The first day the copy's care starts: the Soins page's "24 derniers mois", this month included."""
    from datetime import UTC, datetime

    now = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # the 1st of December already, in Paris
    assert carefiles.care_since(now) == months_back(now.date() + timedelta(days=1), 24)
