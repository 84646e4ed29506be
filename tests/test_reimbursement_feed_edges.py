"""The insurer's feed at its edges: a file that cannot be read as CSV, or whose lines cannot be true, is refused
whole with the line and the reason, by the API and by `carnet import remboursements`, never with a 500."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from server.models import ReimbursementLine
from server.reimbursements.layout import LayoutError, latest_care_day, read
from tests.conftest import ORIGIN, activate, make_ins, new_patient
from tests.test_reimbursements import carnet, feed, line

REFUSED = "Fichier refusé, rien n'a été chargé : 1 problème. ; "  # the first issue, then the problem's


@pytest.fixture
async def insurer(client, settings, tmp_path) -> dict[str, str]:
    """The headers of the insurer's system, with a token of its registered key."""
    from tests.fhir_support import Software

    system = Software()
    key_file = tmp_path / "assurance-maladie.jwk"
    key_file.write_text(system.public_jwk())
    registered = carnet(settings, "logiciel", "assureur", "--nom", "Assurance Maladie", "--jwk", str(key_file))
    assert registered.returncode == 0, registered.stderr
    system.client_id = registered.stdout.split("client_id : ")[1].split()[0]
    form = system.token_form(f"{ORIGIN}/fhir/token", scope="system/remboursements.c")
    token = (await client.post("/fhir/token", data=form)).json()
    return {"authorization": f"Bearer {token['access_token']}", "content-type": "text/csv"}


async def send(client, headers: dict[str, str], text: str) -> tuple[int, str]:
    """The status, and the answer's summary, or its refusal: the first issue, then each problem's, "; "-joined."""
    answer = await client.post("/api/remboursements", content=text.encode(), headers=headers)
    body = answer.json()
    if answer.status_code == 200:
        return answer.status_code, body["resume"]
    return answer.status_code, " ; ".join(issue["diagnostics"] for issue in body["issue"])


def import_file(settings, tmp_path, text: str):
    path = tmp_path / "feed.csv"
    path.write_text(text)
    return carnet(settings, "import", "remboursements", str(path))


async def test_a_quote_never_closed_refuses_the_file_at_its_line_not_with_a_500(client, settings, patient, insurer,
                                                                               tmp_path):
    ins = patient.patient.ins
    lines = [line(ins, f"Q{n}") for n in range(3000)]
    lines[1] = line(ins, "Q1", label='"Ecran 15 pouces')  # line 3 of the file, the header being line 1
    status, said = await send(client, insurer, feed(*lines))
    assert status == 422, said
    assert said == (REFUSED + "Ligne 3 : un guillemet ouvre un champ et n'est pas refermé sur la ligne (un champ ne "
                    "peut pas tenir sur plusieurs lignes).")
    result = import_file(settings, tmp_path, feed(*lines))
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert "Fichier refusé, rien n'a été chargé" in result.stderr and "Ligne 3 : un guillemet ouvre" in result.stderr
    await activate(client, patient)
    assert "Aucun soin remboursé" in (await client.get(f"/dossiers/{patient.dossier.id}/soins")).text


async def test_an_endless_field_or_a_misplaced_quote_is_said_on_its_line(client, settings, patient, insurer, tmp_path):
    ins = patient.patient.ins
    endless = feed(line(ins, "E1"), line(ins, "E2", label="x" * 200_000))
    status, said = await send(client, insurer, endless)
    assert status == 422 and said == (REFUSED + "Ligne 3 : la ligne dépasse 4\u202f000 caractères (un libellé, un "
                                      "exécutant ou un prescripteur fait au plus 200 caractères).")
    result = import_file(settings, tmp_path, endless)
    assert result.returncode != 0 and "Traceback" not in result.stderr and "Ligne 3 : la ligne dépasse" in result.stderr
    # Any other line the csv module cannot read: a closing quote followed by more text.
    status, said = await send(client, insurer, feed(line(ins, "E3", label='"Ecran" 15 pouces')))
    assert status == 422 and said.startswith(REFUSED + "Ligne 2 : guillemets mal placés"), said
    # Quotes where CSV allows them are read as ever.
    status, said = await send(client, insurer, feed(line(ins, "E4", label='Ecran 15" pouces'),
                                                    line(ins, "E5", label='"Ecran ""15 pouces"""')))
    assert status == 200, said
    await activate(client, patient)
    page = (await client.get(f"/dossiers/{patient.dossier.id}/soins")).text
    assert "Ecran 15&#34; pouces" in page and "Ecran &#34;15 pouces&#34;" in page


async def test_care_in_the_future_or_more_paid_back_than_spent_is_refused(client, settings, patient, insurer, tmp_path):
    ins = patient.patient.ins
    status, said = await send(client, insurer, feed(line(ins, "T1"), line(ins, "T2", days=-3, processed=-3),
                                                    line(ins, "T3", days=5, processed=-2),
                                                    line(ins, "T4", spent="20,00", reimbursed="20,01")))
    assert status == 422
    assert said == REFUSED.replace("1 problème", "3 problèmes") + " ; ".join([
        "Ligne 3 : la date des soins est dans le futur.", "Ligne 4 : la date de traitement est dans le futur.",
        "Ligne 5 : le montant remboursé (20,01\u00a0€) dépasse la dépense (20,00\u00a0€)."])
    result = import_file(settings, tmp_path, feed(line(ins, "T2", days=-3, processed=-3)))
    assert result.returncode != 0 and "Ligne 2 : la date des soins est dans le futur." in result.stderr
    # Today in Paris, and all of it paid back, are plausible.
    status, said = await send(client, insurer, feed(line(ins, "T5", days=0, processed=0, reimbursed="30,00")))
    assert status == 200, said


async def test_care_before_the_birth_the_ins_says_more_paid_back_than_the_base_or_a_negative_amount_is_refused(
        client, patient, insurer):
    ins = patient.patient.ins  # born in March 1984
    fields = line(ins, "B1").split(";")
    before_birth = ";".join([*fields[:2], "1984-02-29", "1984-03-10", *fields[4:]])
    over_base = ";".join([*fields[:1], "B2", *fields[2:11], "30,00", "20,00", "25,00"])
    negative = ";".join([*fields[:1], "B3", *fields[2:11], "-30,00", "30,00", "19,00"])
    status, said = await send(client, insurer, feed(before_birth, over_base, negative))
    assert status == 422
    assert said == REFUSED.replace("1 problème", "3 problèmes") + " ; ".join([
        "Ligne 2 : la date des soins précède la naissance que l'INS indique (03/1984).",
        "Ligne 3 : le montant remboursé (25,00\u00a0€) dépasse la base de remboursement (20,00\u00a0€).",
        "Ligne 4 : le montant «\u00a0dépense\u00a0» ne peut pas être négatif : une correction se renvoie avec le même "
        "identifiant de ligne et une date de traitement plus récente, et remplace la ligne."])
    # The first of the month of birth is plausible (the INS does not say the day).
    status, said = await send(client, insurer, feed(";".join([*fields[:2], "1984-03-01", "1984-03-10", *fields[4:]])))
    assert status == 200, said


def test_today_for_a_date_of_care_is_the_latest_in_france_la_reunion():
    # 22:30 in Paris on 1 March is 01:30 on 2 March in Saint-Denis: care given there "today" is not in the future.
    assert latest_care_day(datetime(2026, 3, 1, 21, 30, tzinfo=UTC)) == date(2026, 3, 2)
    assert latest_care_day(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == date(2026, 7, 1)
    header, row = feed(line(make_ins("F", 1984, 3, 1), "R1")).splitlines()
    fields = row.split(";")
    fields[2] = fields[3] = "2026-03-02"
    assert read(f"{header}\n{';'.join(fields)}\n".encode(), today=date(2026, 3, 2))[0].care_date == date(2026, 3, 2)
    with pytest.raises(LayoutError, match="Ligne 2 : la date des soins est dans le futur"):
        read(f"{header}\n{';'.join(fields)}\n".encode(), today=date(2026, 3, 1))


async def test_a_line_never_changes_patient_and_the_refusal_says_nothing_of_either(client, db, settings, patient,
                                                                                 insurer, tmp_path):
    camille = patient.patient.ins
    paul = await new_patient(db, given_name="Paul", family_name="Durand", birth=date(1979, 6, 3), serial=7, sex="M")
    nobody = make_ins("M", 1990, 5, 44)  # no dossier
    status, _ = await send(client, insurer, feed(line(camille, "M1"), line(nobody, "M2")))
    assert status == 200

    # The same words whether the line was Camille's or waited for a dossier, and whether the new INS has one.
    for ref, other in (("M1", paul.patient.ins), ("M1", nobody), ("M2", paul.patient.ins), ("M2", camille)):
        status, said = await send(client, insurer, feed(line(camille, "M3"), line(other, ref, processed=2)))
        assert status == 422 and said == (REFUSED + f"Ligne 3 : l'identifiant {ref} a déjà été reçu avec un autre "
                                          "INS : une ligne ne change jamais de patient."), said
    result = import_file(settings, tmp_path, feed(line(paul.patient.ins, "M1", processed=2)))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "Ligne 2 : l'identifiant M1 a déjà été reçu avec un autre INS" in result.stderr

    # Nothing moved, nothing of the refused files loaded (M3 was their first line).
    await db.commit()
    kept = (await db.exec(select(ReimbursementLine.line_ref, ReimbursementLine.ins, ReimbursementLine.dossier_id))).all()
    assert sorted(kept) == [("M1", camille, patient.dossier.id), ("M2", nobody, None)]
    await activate(client, paul)
    assert "Aucun soin remboursé" in (await client.get(f"/dossiers/{paul.dossier.id}/soins")).text
    # The same INS again is still a correction, as before.
    status, said = await send(client, insurer, feed(line(camille, "M1", processed=2, reimbursed="21,00")))
    assert status == 200 and "1 corrigée(s)" in said
