"""The insurer's corrections and cancellations, and what its feed says (an outside probe's finds): a line sent by
mistake is cancelled through the feed and leaves the dossier, her copy and any file sent again; a correction that
dates the care before what Carnet keeps removes the version it corrects; her log says what was added, corrected or
removed, under the name the system was registered with; a refused file says every bad line, one issue each, and a
file past the API's limit is told that limit."""

from __future__ import annotations

import html
import logging
from datetime import timedelta

from sqlmodel import select

from server.access import grants
from server.models import AccessEvent, ReimbursementLine, paris_today
from server.reimbursements import importer
from server.reimbursements.layout import read
from server.reimbursements.retention import purge_aged_care
from tests.conftest import ORIGIN, activate, activate_professional, make_ins, new_professional, post_form
from tests.fhir_support import Software
from tests.patient_helpers import CAMILLE, migrate
from tests.test_care_hidden import GP, PSYCHIATRY, camilles_care, care, hide, pro  # noqa: F401 - pro: a fixture
from tests.export_helpers import carnet as carnet_there, elsewhere  # noqa: F401 - elsewhere: a fixture
from tests.test_export_care import care_of
from tests.test_export_for_parents import copy_for
from tests.test_export_hidden_care import copy_hiding_her_psychiatrist
from tests.export_read_back_helpers import here
from tests.test_reimbursements import HEADER, carnet, feed, line


async def registered(client, settings, tmp_path, name: str) -> tuple[dict[str, str], str]:
    """The headers of an insurer's system registered as `name` (`carnet logiciel assureur`), and its client_id."""
    system = Software()
    key_file = tmp_path / f"{name.replace(' ', '-')}.jwk"
    key_file.write_text(system.public_jwk())
    done = carnet(settings, "logiciel", "assureur", "--nom", name, "--jwk", str(key_file))
    assert done.returncode == 0, done.stderr
    system.client_id = done.stdout.split("client_id : ")[1].split()[0]
    token = (await client.post("/fhir/token", data=system.token_form(f"{ORIGIN}/fhir/token",
                                                                      scope="system/remboursements.c"))).json()
    return {"authorization": f"Bearer {token['access_token']}", "content-type": "text/csv"}, system.client_id


def with_cancellations(*rows: tuple[str, str]) -> str:
    """A file with the optional `annulation` column: each row and its mark."""
    return "\n".join([f"{HEADER};annulation", *(f"{row};{mark}" for row, mark in rows)]) + "\n"


async def send(client, headers: dict[str, str], text: str) -> dict:
    answer = await client.post("/api/remboursements", content=text.encode(), headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def historique(client, dossier_id: str) -> str:
    return html.unescape((await client.get(f"/dossiers/{dossier_id}/historique")).text).replace("\u00a0", " ")


async def test_a_line_sent_by_mistake_is_cancelled_and_leaves_her_soins_page_her_copy_and_any_file_sent_again(
        client, settings, patient, tmp_path):
    insurer, _ = await registered(client, settings, tmp_path, "CNAM flux a")
    ins, dossier_id = patient.patient.ins, patient.dossier.id
    first = feed(line(ins, "C1"), line(ins, "C2", label=PSYCHIATRY))
    assert (await send(client, insurer, first))["ajoutees"] == 2

    # Cancelled by the line sent again, marked, in the same all-or-nothing file as a line unchanged.
    cancelled = await send(client, insurer, with_cancellations((line(ins, "C2", label=PSYCHIATRY, processed=5), "oui"),
                                                               (line(ins, "C1"), "non")))
    assert (cancelled["annulees"], cancelled["deja_chargees"], cancelled["ajoutees"]) == (1, 1, 0), cancelled
    await activate(client, patient)
    page = (await client.get(f"/dossiers/{dossier_id}/soins")).text
    assert PSYCHIATRY not in page and GP in page
    _header, rows, _bundle = care_of(await copy_for(client, dossier_id))
    assert [row["id ligne"] for row in rows] == ["C1"]
    log = await historique(client, dossier_id)
    assert "CNAM flux a a retiré des soins remboursés de l'historique de soins de votre dossier" in log
    assert "(1 ligne)" in log and PSYCHIATRY not in log  # how many, never which: it may be someone else's care

    # The first file sent again (processed before the cancellation) brings nothing back; nor does the cancellation.
    again = await send(client, insurer, first)
    assert (again["plus_anciennes"], again["ajoutees"], again["deja_chargees"]) == (1, 0, 1), again
    assert (await send(client, insurer, with_cancellations((line(ins, "C2", processed=5), "oui"))))["deja_chargees"] == 1
    assert PSYCHIATRY not in (await client.get(f"/dossiers/{dossier_id}/soins")).text
    # A cancelled line still never changes patient.
    other = await client.post("/api/remboursements", headers=insurer, content=feed(
        line(make_ins("M", 1990, 5, 44), "C2", processed=2)).encode())
    assert other.status_code == 422 and "une ligne ne change jamais de patient" in other.text
    # A version processed after the cancellation brings it back.
    assert (await send(client, insurer, feed(line(ins, "C2", label=PSYCHIATRY, processed=2))))["ajoutees"] == 1
    assert PSYCHIATRY in (await client.get(f"/dossiers/{dossier_id}/soins")).text

    # A cancellation of a line Carnet never had is kept: the line, sent later but processed before, is not loaded.
    unknown = await send(client, insurer, with_cancellations((line(ins, "C9", processed=3), "oui")))
    assert unknown["annulations_sans_ligne"] == [2] and unknown["annulees"] == 0
    assert (await send(client, insurer, feed(line(ins, "C9", processed=4))))["plus_anciennes"] == 1
    # Said of its cancellation, not of a version loaded (an outside probe's find: none was).
    before = tmp_path / "avant.csv"
    before.write_text(feed(line(ins, "C9", processed=5)))
    said = carnet(settings, "import", "remboursements", str(before))
    assert "1 plus ancienne(s) qu'une version déjà chargée ou que son annulation, ignorée(s)" in said.stdout, said.stdout
    # The command reads the same column.
    path = tmp_path / "annulation.csv"
    path.write_text(with_cancellations((line(ins, "C1", processed=1), "oui")))
    done = carnet(settings, "import", "remboursements", str(path))
    assert done.returncode == 0 and "1 annulée(s)" in done.stdout, done.stderr
    assert GP not in (await client.get(f"/dossiers/{dossier_id}/soins")).text


async def test_a_correction_that_dates_the_care_before_what_carnet_keeps_removes_the_version_it_corrects(
        client, settings, patient, tmp_path):
    insurer, _ = await registered(client, settings, tmp_path, "CNAM flux a")
    ins, dossier_id = patient.patient.ins, patient.dossier.id
    first = feed(line(ins, "O1", days=100, processed=90, label=PSYCHIATRY))
    assert (await send(client, insurer, first))["ajoutees"] == 1
    moved = await send(client, insurer, feed(line(ins, "O1", days=800, processed=5, label=PSYCHIATRY)))
    assert moved["trop_anciennes"] == [2] and moved["retirees"] == [2], moved
    assert "corrige(nt) une ligne que Carnet avait : sa version précédente est retirée" in moved["resume"]
    await activate(client, patient)
    assert PSYCHIATRY not in (await client.get(f"/dossiers/{dossier_id}/soins")).text
    assert "a retiré des soins remboursés" in await historique(client, dossier_id)
    # The corrected version sent again stays corrected.
    assert (await send(client, insurer, first))["plus_anciennes"] == 1
    assert PSYCHIATRY not in (await client.get(f"/dossiers/{dossier_id}/soins")).text


async def test_a_correction_by_a_second_system_is_logged_as_a_correction_under_that_systems_name(
        client, db, settings, patient, tmp_path, caplog):
    flux_a, _ = await registered(client, settings, tmp_path, "CNAM flux a")
    flux_b, b_id = await registered(client, settings, tmp_path, "CNAM flux b")
    ins, dossier_id = patient.patient.ins, patient.dossier.id
    assert (await send(client, flux_a, feed(line(ins, "L1"), line(ins, "L2"))))["ajoutees"] == 2
    with caplog.at_level(logging.INFO, logger="carnet.access"):
        corrected = await send(client, flux_b, feed(line(ins, "L1", processed=5, reimbursed="21,00")))
    assert corrected["corrigees"] == 1 and corrected["ajoutees"] == 0
    await db.commit()
    events = (await db.exec(select(AccessEvent.action, AccessEvent.actor_name, AccessEvent.detail).where(
        AccessEvent.dossier_id == dossier_id, AccessEvent.action.like("care_%")).order_by(AccessEvent.seq))).all()
    assert events == [("care_received", "CNAM flux a", "2 lignes"), ("care_corrected", "CNAM flux b", "1 ligne")]
    await activate(client, patient)
    log = await historique(client, dossier_id)
    assert "CNAM flux a a ajouté des soins remboursés à l'historique de soins de votre dossier" in log
    assert "CNAM flux b a corrigé des soins remboursés de l'historique de soins de votre dossier" in log
    # The server's log names the system by its opaque client_id, and nothing of what it sent.
    logged = [r.getMessage() for r in caplog.records if r.name == "carnet.access" and "/api/" in r.getMessage()]
    assert logged[-1].startswith("POST /api/remboursements 200 ") and logged[-1].endswith(f"account=- client={b_id}")
    assert ins not in caplog.text


async def test_an_insurer_asking_a_scope_it_may_not_have_is_told_the_one_it_may_ask(client, settings, tmp_path):
    system = Software()
    key_file = tmp_path / "flux.jwk"
    key_file.write_text(system.public_jwk())
    done = carnet(settings, "logiciel", "assureur", "--nom", "CNAM flux a", "--jwk", str(key_file))
    system.client_id = done.stdout.split("client_id : ")[1].split()[0]
    refused = await client.post("/fhir/token", data=system.token_form(f"{ORIGIN}/fhir/token",
                                                                       scope="system/DocumentReference.cruds"))
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    said = refused.json()["error_description"]
    assert said == "Aucune des portées demandées n'est permise à ce logiciel, qui peut demander : " \
                   "system/remboursements.c.", said


async def test_a_feed_past_the_apis_limit_is_told_that_limit_in_the_apis_words(client, settings, patient, tmp_path):
    insurer, _ = await registered(client, settings, tmp_path, "CNAM flux a")
    answer = await client.post("/api/remboursements", headers=insurer, content=b"x" * (65 * 1024 * 1024))
    assert answer.status_code == 413 and answer.json()["resourceType"] == "OperationOutcome"
    assert answer.json()["issue"][0]["diagnostics"] == (
        "Le fichier dépasse 64\u00a0Mo, le plus qu'un envoi peut faire : découpez-le en plusieurs envois (chacun est "
        "chargé entier, ou refusé entier).")
    # The FHIR API's routes say their own limit too.
    token = await client.post("/fhir/token", content=b"a=" + b"x" * (17 * 1024),
                              headers={"content-type": "application/x-www-form-urlencoded"})
    assert token.json()["error_description"] == "Requête trop volumineuse : 16\u00a0Ko au plus."


async def test_sixty_bad_lines_are_one_issue_each_up_to_fifty_and_then_how_many_more(client, settings, patient,
                                                                                     tmp_path):
    insurer, _ = await registered(client, settings, tmp_path, "CNAM flux a")
    bad = feed(*(line("123", f"B{n}") for n in range(60)))
    answer = await client.post("/api/remboursements", headers=insurer, content=bad.encode())
    said = [issue["diagnostics"] for issue in answer.json()["issue"]]
    assert answer.status_code == 422 and len(said) == 52
    assert said[0] == "Fichier refusé, rien n'a été chargé : 60 problèmes, dont les 50 premiers sont détaillés."
    assert said[1:51] == [f"Ligne {n} : le matricule INS n'est pas valide." for n in range(2, 52)]
    assert said[51] == "… et 10 autres lignes refusées."
    path = tmp_path / "bad.csv"
    path.write_text(bad)
    done = carnet(settings, "import", "remboursements", str(path))
    assert done.returncode != 0 and "Ligne 51 : le matricule" in done.stderr and "Ligne 52 :" not in done.stderr
    assert "… et 10 autres lignes refusées." in done.stderr


async def test_an_amount_no_care_of_its_nomenclature_costs_is_refused(client, settings, patient, tmp_path):
    insurer, _ = await registered(client, settings, tmp_path, "CNAM flux a")
    ins = patient.patient.ins
    answer = await client.post("/api/remboursements", headers=insurer, content=feed(
        line(ins, "P1", spent="9999999,99", reimbursed="19,00")).encode())
    assert answer.status_code == 422
    assert answer.json()["issue"][1]["diagnostics"] == (
        "Ligne 2 : 9\u202f999\u202f999,99\u00a0€ pour 1 unité NGAP n'est pas plausible (au plus 5\u202f000,00\u00a0€ "
        "l'unité) : vérifiez le montant.")
    # Dear care is not refused: a box of an orphan medicine, a specialist's consultation with excess fees.
    dear = feed(line(ins, "P2", system="CIP13", code="3400930000014", label="Médicament orphelin",
                     spent="45000,00", reimbursed="45000,00"),
                line(ins, "P3", code="APC", label="Consultation de chirurgien", spent="400,00", reimbursed="39,20"))
    assert (await send(client, insurer, dear))["ajoutees"] == 2


async def test_a_copy_read_back_never_brings_back_a_line_the_insurer_cancelled_here(
        client, db, app, settings, patient, elsewhere, tmp_path):  # noqa: F811
    copy = tmp_path / "carnet-dossier-2026-11-30.zip"
    copy.write_bytes(await copy_hiding_her_psychiatrist(elsewhere))  # her psychiatric consultation, hidden there
    ins = patient.patient.ins
    await camilles_care(db, patient)
    path = tmp_path / "annulation.csv"
    path.write_text(with_cancellations((care(ins, f"PSY-{ins}", PSYCHIATRY, days=30), "oui")))
    assert carnet(settings, "import", "remboursements", str(path)).returncode == 0
    done = carnet_there(here(settings, app, db), "import", "dossier", str(copy), "--ins", ins)
    assert done.returncode == 0, done.stderr
    await activate(client, patient)
    assert PSYCHIATRY not in (await client.get(f"/dossiers/{patient.dossier.id}/soins")).text
    # Brought back by a version the insurer processed after its cancellation: hidden, as her copy says.
    fields = care(ins, f"PSY-{ins}", PSYCHIATRY, days=30).split(";")
    fields[3] = paris_today().isoformat()
    await importer.load(db, read(feed(";".join(fields)).encode()))
    rows = (await client.get(f"/dossiers/{patient.dossier.id}/soins.csv")).text.splitlines()
    [psychiatry] = [row for row in rows if PSYCHIATRY in row]
    assert ";oui;" in psychiatry  # "masqué aux professionnels"


async def test_the_migration_adds_the_cancelled_lines_table_and_takes_it_back(client, db, app, settings, patient,
                                                                             tmp_path):
    from alembic import command
    from sqlalchemy import inspect

    ins = patient.patient.ins
    await camilles_care(db, patient)
    path = tmp_path / "annulation.csv"
    path.write_text(with_cancellations((care(ins, f"PSY-{ins}", PSYCHIATRY, days=30), "oui")))
    assert carnet(settings, "import", "remboursements", str(path)).returncode == 0
    await db.commit()

    async def tables() -> set[str]:
        async with app.state.engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))

    await migrate(app, command.downgrade, "0054")
    assert "retractedline" not in await tables()
    await migrate(app, command.upgrade, "head")
    assert "retractedline" in await tables()
    await activate(client, patient)
    page = (await client.get(f"/dossiers/{patient.dossier.id}/soins")).text
    assert GP in page and PSYCHIATRY not in page  # the lines kept, the cancelled one still gone


async def test_a_cancelled_line_is_forgotten_once_its_care_is_older_than_carnet_keeps(db, settings, patient, tmp_path):
    from server.models import RetractedLine

    path = tmp_path / "annulation.csv"
    path.write_text(with_cancellations((line(patient.patient.ins, "F1", days=40, processed=30), "oui")))
    assert carnet(settings, "import", "remboursements", str(path)).returncode == 0
    await db.commit()
    assert (await db.exec(select(RetractedLine.line_ref))).all() == ["F1"]
    await purge_aged_care(db, today=paris_today() + timedelta(days=2 * 365))
    assert (await db.exec(select(RetractedLine.line_ref))).all() == []


def cancelling(*rows: str) -> str:
    return "\n".join([f"{HEADER};annulation", *(f"{row};oui" for row in rows)]) + "\n"


async def test_a_cancellation_sent_again_later_keeps_out_a_version_processed_between(db, patient):
    """The insurer's latest word holds: a line cancelled, then cancelled again later, is not brought back by a
    version processed between the two (the review's find: the first cancellation's date stayed)."""
    from server.models import ReimbursementLine, RetractedLine
    from server.reimbursements import importer
    from server.reimbursements.layout import read

    ins = patient.patient.ins
    await importer.load(db, read(feed(line(ins, "Z1", days=30, processed=20)).encode()))
    await importer.load(db, read(cancelling(line(ins, "Z1", days=30, processed=15)).encode()))
    await importer.load(db, read(cancelling(line(ins, "Z1", days=30, processed=5)).encode()))
    between = await importer.load(db, read(feed(line(ins, "Z1", days=30, processed=10)).encode()))
    assert (between.added, between.older) == (0, 1)
    assert (await db.exec(select(ReimbursementLine.line_ref))).all() == []
    assert [row.processed_on for row in (await db.exec(select(RetractedLine))).all()] == \
        [paris_today() - timedelta(days=5)]


async def test_two_files_at_once_are_loaded_one_after_the_other(app, db, patient, monkeypatch):
    """On PostgreSQL, two loads decided from the same rows: a cancellation and a later correction of one line both
    answered, the log said both, and the correction was lost (its UPDATE found no row); one cancellation sent twice
    at once failed on the other's row (a 500). Each batch now holds the feed's lock (SQLite's write lock did)."""
    import asyncio

    from server.accesslog import audit
    from server.models import ReimbursementLine, RetractedLine
    from server.reimbursements import importer
    from server.reimbursements.layout import read

    decided = audit.append_each

    async def slowly(*args, **kwargs):  # what was decided waits a little before it is written: the two overlap
        await asyncio.sleep(0.3)
        return await decided(*args, **kwargs)

    monkeypatch.setattr(importer.audit, "append_each", slowly)
    ins = patient.patient.ins
    await importer.load(db, read(feed(line(ins, "K1", days=30, processed=20)).encode()))
    await db.commit()

    async def load(text: str):
        async with app.state.sessionmaker() as session:
            return await importer.load(session, read(text.encode()))

    cancel = cancelling(line(ins, "K1", days=30, processed=15))
    correct = feed(line(ins, "K1", days=30, processed=2, reimbursed="21,00"))
    await asyncio.gather(load(cancel), load(correct))
    # In either order the correction, processed after the cancellation, is the line's last word.
    await db.rollback()  # what the two sessions committed, not this one's earlier snapshot
    assert (await db.exec(select(ReimbursementLine.line_ref, ReimbursementLine.reimbursed_cents))).all() == \
        [("K1", 2100)]
    assert (await db.exec(select(RetractedLine))).all() == []
    twice = cancelling(line(ins, "K9", days=30, processed=15))
    reports = await asyncio.gather(load(twice), load(twice))
    assert sorted(len(report.cancelled_unknown) for report in reports) == [0, 1]
    await db.rollback()
    assert [row.line_ref for row in (await db.exec(select(RetractedLine))).all()] == ["K9"]


async def test_a_line_she_hid_brought_back_after_its_cancellation_is_still_hidden(client, db, app, patient, pro):
    """A correction keeps a hidden line hidden (its row stays); a cancellation deleted the row, and the version the
    insurer sent after it came back shown to every professional whose access covers her care."""
    ins, dossier_id = patient.patient.ins, patient.dossier.id
    await importer.load(db, read(feed(line(ins, "H1", label=PSYCHIATRY, processed=20)).encode()))
    [kept] = (await db.exec(select(ReimbursementLine).where(ReimbursementLine.line_ref == "H1"))).all()
    await activate(client, patient)
    assert (await post_form(client, hide(dossier_id, kept), {"masque": "oui"}, follow_redirects=False)).status_code \
        == 303
    await importer.load(db, read(cancelling(line(ins, "H1", label=PSYCHIATRY, processed=10)).encode()))
    back = await importer.load(db, read(feed(line(ins, "H1", label=PSYCHIATRY, processed=5)).encode()))
    assert back.added == 1

    nurse = await new_professional(db, stem=2, given_name="Julie", family_name="Moreau", profession="infirmier")
    await grants.grant_access(db, dossier=patient.dossier, professional=nurse.professional, categories="",
                              duration="sans", actor=CAMILLE)
    await activate_professional(pro, nurse)
    assert PSYCHIATRY not in (await pro.get(f"/dossiers/{dossier_id}/soins")).text
    mine = (await client.get(f"/dossiers/{dossier_id}/soins")).text
    assert PSYCHIATRY in mine and "Ne plus masquer" in mine


async def test_migration_0059_keeps_whether_a_cancelled_line_was_hidden_and_takes_it_back(db, app, patient):
    from alembic import command
    from sqlalchemy import inspect

    from server.models import RetractedLine

    ins = patient.patient.ins
    await importer.load(db, read(feed(line(ins, "H2", label=PSYCHIATRY, processed=20)).encode()))
    await importer.load(db, read(cancelling(line(ins, "H2", label=PSYCHIATRY, processed=10)).encode()))
    await db.commit()

    async def columns() -> set[str]:
        async with app.state.engine.connect() as connection:
            return {c["name"] for c in await connection.run_sync(
                lambda sync: inspect(sync).get_columns("retractedline"))}

    await migrate(app, command.downgrade, "0058")
    assert "hidden" not in await columns()
    await migrate(app, command.upgrade, "head")
    assert "hidden" in await columns()
    [kept] = (await db.exec(select(RetractedLine).execution_options(populate_existing=True))).all()
    assert (kept.line_ref, kept.hidden) == ("H2", False)  # remembered, as not hidden
