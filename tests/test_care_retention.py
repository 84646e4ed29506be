"""Carnet keeps no more reimbursed care than it shows: 24 months by date of care (an outside DPO audit's finds: a
line of 2019 was loaded into Camille's dossier, where no page, no copy showed it, so she could neither see, hide nor
export it, and lines of people who never joined waited for ever). Older care is not loaded, and the command and the
API say so; a line that ages past it is purged, in a dossier or waiting for one, hidden or not."""

from __future__ import annotations

import asyncio
import time
import html
from datetime import date, timedelta

from sqlmodel import select

from server import housekeeping
from server.auth.accounts import account_for_patient
from server.i18n.formats import date_fr
from server.models import AccessEvent, ReimbursementLine, new_id, paris_today, utcnow
from server.reimbursements.history import kept_since
from server.reimbursements.retention import purge_aged_care
from tests.conftest import ORIGIN, AsyncTestClient, activate, make_ins, new_patient, post_form
from tests.patient_helpers import migrate
from tests.caregiver_helpers import as_account
from tests.export_helpers import carnet as carnet_there, elsewhere, rewritten  # noqa: F401 - elsewhere: a fixture
from tests.test_export_care import shown_on_soins
from tests.test_export_hidden_care import copy_hiding_her_psychiatrist
from tests.export_read_back_helpers import here
from tests.test_hidden_list import listed
from tests.test_kept_traces import care_line, minor_with_a_kept_doctor
from tests.test_reimbursement_feed_edges import insurer  # noqa: F401 - a fixture
from tests.test_reimbursements import carnet, feed

IVG = "Consultation Centre IVG"
ECHO, GP = "Échographie pelvienne", "Consultation médecin généraliste"
STRANGER = make_ins("M", 1990, 5, 42)  # Louis Girard, who has no dossier yet


def row(ins: str, ref: str, day: date, label: str) -> str:
    return ";".join([ins, ref, day.isoformat(), min(day + timedelta(days=3), paris_today()).isoformat(), "NGAP", "G",
                     label, "Dr Claire Bernard", "", "", "1", "30,00", "30,00", "21,00"])


def next_month(today: date) -> date:
    """The first day of the next month: the day the 24 months Carnet keeps move on by one."""
    return (today.replace(day=28) + timedelta(days=4)).replace(day=1)


async def stored(db) -> set[str]:
    await db.commit()
    return set((await db.exec(select(ReimbursementLine.line_ref))).all())


def old_line(ins: str, dossier_id: str | None, day: date, label: str) -> ReimbursementLine:
    """A line as the older code kept it, whatever its age."""
    return ReimbursementLine(line_ref=new_id(), dossier_id=dossier_id, ins=ins, care_date=day,
                             processed_on=day + timedelta(days=3), code_system="NGAP", code="G", label=label,
                             performer="Centre de santé", spent_cents=3000, base_cents=3000, reimbursed_cents=2100,
                             imported_at=utcnow())


async def test_care_older_than_carnet_keeps_is_not_loaded_and_the_command_says_how_many_and_why(
        client, db, settings, patient, tmp_path):
    today, ins = paris_today(), patient.patient.ins
    since = kept_since(today)
    path = tmp_path / "feed.csv"
    path.write_text(feed(row(ins, "IVG", date(2019, 3, 4), IVG), row(ins, "GP", today - timedelta(days=20), GP),
                         row(ins, "EDGE", since, ECHO), row(ins, "EVE", since - timedelta(days=1), ECHO),
                         row(STRANGER, "OLD-W", date(2020, 1, 6), GP), row(STRANGER, "NEW-W", since, GP)))
    loaded = carnet(settings, "import", "remboursements", str(path))
    assert loaded.returncode == 0, loaded.stderr
    said = loaded.stdout.replace("\xa0", " ")
    assert "2 ligne(s) ajoutée(s), 0 corrigée(s), 0 déjà chargée(s), dans 1 dossier(s)." in said, said
    assert (f"3 ligne(s) de soins d'avant le {date_fr(since)} (lignes 2, 5, 6) : non chargée(s), Carnet ne garde "
            "que les soins des 24 derniers mois, ceux que la page Soins montre.").replace("\xa0", " ") in said, said
    assert ("1 ligne(s) sans dossier pour leur INS (ligne 7) : gardées tant que leurs soins ont moins de 24 mois, "
            "elles rejoindront le dossier s'il est créé d'ici là.") in said, said
    assert await stored(db) == {"GP", "EDGE", "NEW-W"}

    # The Soins page, as before, for the care it shows; the first day kept is the first day it shows.
    await activate(client, patient)
    assert [line.line_ref for line in await shown_on_soins(client, db, patient.dossier.id)] == ["GP", "EDGE"]
    page = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/soins")).text)
    assert f"Depuis le {date_fr(since)}." in page and IVG not in page


async def test_the_insurers_system_is_told_which_lines_were_too_old_to_load(client, db, patient, insurer):  # noqa: F811
    ins = patient.patient.ins
    body = feed(row(ins, "IVG", date(2019, 3, 4), IVG), row(ins, "GP", paris_today() - timedelta(days=20), GP))
    answer = await client.post("/api/remboursements", content=body.encode(), headers=insurer)
    assert answer.status_code == 200, answer.text
    assert answer.json()["ajoutees"] == 1 and answer.json()["trop_anciennes"] == [2]
    assert "1 ligne(s) de soins d'avant le" in answer.json()["resume"]
    assert await stored(db) == {"GP"}


async def test_care_that_ages_past_what_carnet_keeps_is_purged_hidden_or_not_with_a_dossier_or_without(
        client, db, settings, patient, tmp_path):
    today, ins = paris_today(), patient.patient.ins
    since = kept_since(today)
    path = tmp_path / "feed.csv"
    path.write_text(feed(row(ins, "EDGE", since, ECHO), row(ins, "GP", today - timedelta(days=20), GP),
                         row(STRANGER, "EDGE-W", since, ECHO), row(STRANGER, "NEW-W", today - timedelta(days=20), GP)))
    assert carnet(settings, "import", "remboursements", str(path)).returncode == 0
    await activate(client, patient)
    [edge] = (await db.exec(select(ReimbursementLine).where(ReimbursementLine.line_ref == "EDGE"))).all()
    hid = await post_form(client, f"/dossiers/{patient.dossier.id}/soins/{edge.id}/masquage", {"masque": "oui"})
    assert hid.status_code == 200
    assert listed((await client.get(f"/dossiers/{patient.dossier.id}/masques")).text) == [ECHO]

    assert await purge_aged_care(db, today=today) == 0  # all still within the 24 months
    assert await purge_aged_care(db, today=next_month(today)) == 2  # a month on: her hidden line, and his waiting one
    assert await stored(db) == {"GP", "NEW-W"}
    assert [line.line_ref for line in await shown_on_soins(client, db, patient.dossier.id)] == ["GP"]
    assert listed((await client.get(f"/dossiers/{patient.dossier.id}/masques")).text) == []

    # A line the older code kept past the 24 months, waiting: not his when his dossier is created, nor in his log.
    db.add(old_line(STRANGER, None, date(2020, 1, 6), IVG))
    await db.commit()
    louis = await new_patient(db, given_name="Louis", family_name="Girard", birth=date(1990, 5, 2), serial=42, sex="M")
    await activate(client, louis)
    assert [line.line_ref for line in await shown_on_soins(client, db, louis.dossier.id)] == ["NEW-W"]
    received = (await db.exec(select(AccessEvent.detail).where(AccessEvent.dossier_id == louis.dossier.id,
                                                               AccessEvent.action == "care_received"))).all()
    assert received == ["1 ligne reçue avant la création du dossier"]


async def test_the_housekeeping_purges_the_care_an_older_carnet_kept(app, db, patient, monkeypatch):
    """What a site kept before this rule, in a dossier and waiting for one, goes at the housekeeping's next round."""
    db.add_all([old_line(patient.patient.ins, patient.dossier.id, date(2019, 3, 4), IVG),
                old_line(STRANGER, None, date(2020, 1, 6), GP),
                old_line(patient.patient.ins, patient.dossier.id, paris_today() - timedelta(days=20), GP)])
    await db.commit()
    monkeypatch.setattr(housekeeping, "EVERY", timedelta(milliseconds=20))
    async with AsyncTestClient(app, base_url=ORIGIN):  # the app started: its housekeeping runs
        deadline = time.monotonic() + 30  # every 20 ms, as a loaded machine gets to it
        while time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            await db.commit()
            if len((await db.exec(select(ReimbursementLine.label))).all()) == 1:
                break
    await db.commit()
    assert (await db.exec(select(ReimbursementLine.label))).all() == [GP]


async def test_a_kept_line_s_hiding_stays_out_of_the_parents_log_once_the_line_is_purged(client, db, app):
    """The log names a line by its label and date; only the line said whose care it was. Gone, its hiding must not
    reach the minor's parents: Inès's contraceptive, prescribed by the doctor who kept her care from them."""
    ines, _, _ = await minor_with_a_kept_doctor(client, db, app)
    kept = care_line(ines.dossier, ines.patient.ins, label="Contraceptif oral", prescriber="Dr GIRARD Anne")
    kept.care_date = kept_since(paris_today())
    seen = care_line(ines.dossier, ines.patient.ins, label="Collyre antiallergique", prescriber="Dr Paul Lefèvre")
    db.add_all([kept, seen])
    await db.commit()
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        for line in (kept, seen):
            url = f"/dossiers/{ines.dossier.id}/soins/{line.id}/masquage"
            assert (await post_form(own, url, {"masque": "oui"})).status_code == 200
    log = (await client.get(f"/dossiers/{ines.dossier.id}/historique")).text
    assert "Collyre antiallergique" in log and "Contraceptif oral" not in log
    assert await purge_aged_care(db, today=next_month(paris_today())) == 1
    log = (await client.get(f"/dossiers/{ines.dossier.id}/historique")).text
    assert "Collyre antiallergique" in log and "Contraceptif oral" not in log


async def test_a_copy_read_back_files_no_hidden_care_older_than_carnet_keeps(
        db, app, settings, patient, elsewhere, tmp_path):  # noqa: F811
    data = await copy_hiding_her_psychiatrist(elsewhere)
    psychiatry_day = (paris_today() - timedelta(days=30)).isoformat()  # camilles_care's dates
    older = (kept_since(paris_today()) - timedelta(days=1)).isoformat()
    copy = tmp_path / "carnet-dossier-2024-11-30.zip"
    copy.write_bytes(rewritten(data, lambda name, content: content.replace(psychiatry_day.encode(), older.encode())
                               if name == "soins-rembourses.csv" else content))
    done = carnet_there(here(settings, app, db), "import", "dossier", str(copy), "--ins", patient.patient.ins)
    assert done.returncode == 0, done.stderr
    assert "masqué" not in done.stdout and await stored(db) == set()


async def test_the_migration_indexes_the_date_of_care_and_takes_it_back_keeping_every_line(db, app, patient):
    from alembic import command
    from sqlalchemy import inspect

    db.add(old_line(patient.patient.ins, patient.dossier.id, paris_today() - timedelta(days=20), GP))
    await db.commit()

    async def indexes() -> set[str]:
        async with app.state.engine.connect() as connection:
            found = await connection.run_sync(lambda sync: inspect(sync).get_indexes("reimbursementline"))
        return {index["name"] for index in found}

    await migrate(app, command.downgrade, "0043")
    assert "ix_reimbursementline_care_date" not in await indexes()
    await migrate(app, command.upgrade, "head")
    assert "ix_reimbursementline_care_date" in await indexes()
    assert (await db.exec(select(ReimbursementLine.label))).all() == [GP]
