"""The Soins page's lines as a file (an outside probe's find: ameli exports them, Carnet did not): what the page's
filters keep, kind and period, a calendar year too, in the copy's CSV with the reste à charge, never stored by the
browser, named without a word of care; for the patient and her relatives, not a professional; and a minor's parents
learn nothing of kept care from it, nor from the years the page offers."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from server.access import grants
from server.export import carefiles
from server.models import paris_today
from server.reimbursements import importer
from server.reimbursements.history import kept_since
from server.reimbursements.layout import read
from tests.conftest import activate, activate_professional, add_text_document, new_professional
from tests.test_kept_traces import kept_doctors_care, minor_with_a_kept_doctor
from tests.test_reimbursements import HEADER, PATIENT


def feed_line(ins: str, ref: str, day: date, *, system: str, code: str, label: str, spent: str,
              reimbursed: str) -> str:
    return ";".join([ins, ref, day.isoformat(), day.isoformat(), system, code, label, "Dr Claire Bernard", "", "",
                     "1", spent, spent, reimbursed])


async def load_two_years(db, ins: str) -> tuple[int, int]:
    """A consultation and a medicine this year, an ECG last year (both always within the 24 months kept)."""
    today = paris_today()
    this_year, last_year = date(today.year, 1, 1), date(today.year - 1, 6, 15)
    assert kept_since(today) <= last_year
    await importer.load(db, read("\n".join([
        HEADER,
        feed_line(ins, "C1", this_year, system="NGAP", code="G", label="Consultation médecin généraliste",
                  spent="30,00", reimbursed="19,00"),
        feed_line(ins, "C2", this_year, system="CIP13", code="3400930000014", label="Amoxicilline 1 g", spent="8,73",
                  reimbursed="5,67"),
        feed_line(ins, "C3", last_year, system="CCAM", code="DEQP003", label="ECG", spent="14,26", reimbursed="9,98"),
    ]).encode()))
    return today.year, today.year - 1


def rows_of(response) -> tuple[list[str], list[dict]]:
    assert response.content.startswith("\ufeff".encode())  # a French Excel reads its accents
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


async def test_the_patient_downloads_the_lines_her_filters_keep_with_what_remains_hers_to_pay(client, db, patient):
    this_year, last_year = await load_two_years(db, patient.patient.ins)
    await activate(client, patient)
    base = f"/dossiers/{patient.dossier.id}/soins"
    page = (await client.get(f"{base}?type=medicaments")).text
    assert f'href="{base}.csv?type=medicaments" hx-boost="false">' in page  # the way there, as filtered

    medicines = await client.get(f"{base}.csv?type=medicaments")
    assert medicines.status_code == 200 and medicines.headers["content-type"].startswith("text/csv")
    assert medicines.headers["cache-control"] == "no-store"
    # Whose file, its period and the day, in ASCII: nothing of the care, not even its kind.
    name = patient.patient.given_name.lower()
    assert medicines.headers["content-disposition"] == \
        f'attachment; filename="carnet-soins-{name}-24-mois-{paris_today().isoformat()}.csv"'
    header, rows = rows_of(medicines)
    # The copy's columns, less the insurer's ids of the lines, which no page shows.
    assert header == carefiles.CARE_COLUMNS[:-1]
    remaining = "reste à charge après l'Assurance Maladie (€)"
    assert [(row["libellé"], row["payé (€)"], row["remboursé (€)"], row[remaining], row["date de traitement"])
            for row in rows] == [("Amoxicilline 1 g", "8,73", "5,67", "3,06", f"{this_year}-01-01")]

    last_file = await client.get(f"{base}.csv?periode={last_year}")
    assert last_file.headers["content-disposition"] == \
        f'attachment; filename="carnet-soins-{name}-annee-{last_year}-{paris_today().isoformat()}.csv"'
    _, last = rows_of(last_file)
    assert [row["libellé"] for row in last] == ["ECG"]
    _, current = rows_of(await client.get(f"{base}.csv?periode={this_year}"))
    assert {row["libellé"] for row in current} == {"Consultation médecin généraliste", "Amoxicilline 1 g"}
    # A year Carnet keeps no care of is no filter: the 24 months, as the page's first.
    _, every = rows_of(await client.get(f"{base}.csv?periode={this_year - 5}"))
    assert len(every) == 3
    # Digits of other scripts are no year (a 500 for superscripts, which int() refuses; "٢٠٢٥" read as 2025).
    for year in ("\u00b2\u2070\u00b2\u2075", "\u0662\u0660\u0662\u0665"):
        for suffix in ("", ".csv", "/imprimer"):
            answer = await client.get(f"{base}{suffix}", params={"periode": year})
            assert answer.status_code == 200, (suffix, year)
        assert len(rows_of(await client.get(f"{base}.csv", params={"periode": year}))[1]) == 3

    # A professional who reads the care gets no file of it, nor its printed page: their own software keeps it.
    pro = await new_professional(db)
    await activate_professional(client, pro)
    await grants.grant_access(db, dossier=patient.dossier, professional=pro.professional, categories="remboursement",
                              duration="sans", actor=PATIENT)
    read = await client.get(base)
    assert read.status_code == 200 and "Amoxicilline" in read.text
    assert f"{base}.csv" not in read.text and f"{base}/imprimer" not in read.text
    assert (await client.get(f"{base}.csv")).status_code == 404
    assert (await client.get(f"{base}/imprimer")).status_code == 404


async def test_a_year_is_chosen_among_those_the_care_covers_and_said_on_the_page(client, db, patient):
    this_year, last_year = await load_two_years(db, patient.patient.ins)
    await activate(client, patient)
    base = f"/dossiers/{patient.dossier.id}/soins"
    page = (await client.get(base)).text
    assert re.findall(r'<option value="(\d{4})"', page) == [str(this_year), str(last_year)]
    chosen = (await client.get(f"{base}?periode={last_year}")).text
    assert f'<option value="{last_year}" selected>Année {last_year}</option>' in chosen
    assert "ECG" in chosen and "Amoxicilline" not in chosen
    assert f"au 31\u00a0décembre {last_year}." in chosen
    assert f'href="{base}.csv?periode={last_year}"' in chosen
    assert f'href="{base}/imprimer?periode={last_year}"' in chosen


async def test_a_parent_s_file_and_years_tell_nothing_of_care_kept_from_parents(client, db, app):
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    care = kept_doctors_care(ines, doctor)
    last_year = paris_today().year - 1
    for line in care:  # the kept care last year, the one line her parents see this year
        day = date(last_year + 1, 1, 1) if line.label == "Collyre antiallergique" else date(last_year, 12, 30)
        line.care_date = line.processed_on = day
    db.add_all(care)
    await db.commit()
    base = f"/dossiers/{ines.dossier.id}/soins"
    page = (await client.get(base)).text
    assert f'value="{last_year}"' not in page  # its year alone would tell there is care they do not see
    _, rows = rows_of(await client.get(f"{base}.csv"))
    assert [row["libellé"] for row in rows] == ["Collyre antiallergique"]
    _, none = rows_of(await client.get(f"{base}.csv?periode={last_year}"))
    assert none == []


async def test_the_file_holds_every_line_past_what_the_page_shows(client, db, patient):
    """The page shows MAX_LINES and says so; the file held the same and said nothing (the review's find): a nurse's
    daily care passes 2,000 lines in two years. It is read a batch at a time, as the copy's."""
    from server.reimbursements.history import MAX_LINES

    today = paris_today()
    ins = patient.patient.ins
    await importer.load(db, read("\n".join([HEADER, *(
        feed_line(ins, f"N{n}", date.fromordinal(today.toordinal() - 1 - n % 600), system="NGAP", code="AMI",
                  label="Soins infirmiers", spent="3,15", reimbursed="1,89") for n in range(MAX_LINES + 5))]).encode()))
    await activate(client, patient)
    page = await client.get(f"/dossiers/{patient.dossier.id}/soins")
    assert page.status_code == 200
    _, rows = rows_of(await client.get(f"/dossiers/{patient.dossier.id}/soins.csv"))
    assert len(rows) == MAX_LINES + 5


async def test_a_nurse_helping_her_mother_prints_and_downloads_her_care_and_documents(app, db, patient):
    """Léa is a nurse with a professional account and manages her mother's dossier: the Soins page and the timeline
    offer her their file and printed page, as to any relative; following them was a 404 (decided on the account,
    which is a professional's, not on her right to this dossier)."""
    from tests.test_profile_changes import nurse_managing
    from tests.profile_page_helpers import browser

    await load_two_years(db, patient.patient.ins)
    await add_text_document(db, app, patient.dossier)
    nurse = await nurse_managing(db, patient)
    base = f"/dossiers/{patient.dossier.id}"
    async with browser(app, db, nurse) as client:
        care, timeline = (await client.get(f"{base}/soins")).text, (await client.get(base)).text
        assert f"{base}/soins.csv" in care and f"{base}/soins/imprimer" in care and f"{base}/imprimer" in timeline
        _, rows = rows_of(await client.get(f"{base}/soins.csv"))
        assert len(rows) == 3
        for printed in (f"{base}/soins/imprimer", f"{base}/imprimer"):
            assert (await client.get(printed)).status_code == 200, printed
