"""A profession keeps one code (the rule, the directory, the filters go by it) and is written in the person's form:
"Claire Bernard, infirmière" wherever her patient, or she herself, reads it; "nurse" in English, which has no
gender. `carnet professional` takes either form, and sets it for a professional registered before (migration 0048)."""

from __future__ import annotations

import re
import sqlite3

from sqlalchemy import inspect
from sqlmodel import select

from server.access import share_codes
from server.accesslog.audit import Actor
from server.models import AccessEvent, Professional
from tests.conftest import ORIGIN, AsyncTestClient, activate, activate_professional, new_professional, post_form
from tests.patient_helpers import migrate
from tests.test_professional_access import emergency_form
from tests.test_professional_activation import carnet
from tests.test_professional_dossiers import IDENTITY

# Their professions in the masculine, as words ("soins infirmiers" is care, not a profession), in the feminine, and
# in English.
MASCULINE = re.compile(r"\b(?:infirmier|pharmacien|chirurgien-dentiste)\b")
FEMININE = re.compile(r"\b(?:infirmière|pharmacienne|chirurgienne-dentiste)\b")
ENGLISH = re.compile(r"\b(?:nurse|pharmacist|dentist)\b")
# What the Historique hands the patient's phone to check (the log's own fields, as hashed): not a text it shows.
LOGGED_FIELDS = re.compile(r"""data-journal[\w-]*='[^']*'""")


async def test_professionals_written_in_the_feminine_are_so_on_every_page_their_patient_reads(app, client, db, patient):
    nurse = await new_professional(db, given_name="Claire", family_name="Bernard", profession="infirmier",
                                   feminine=True, stem=2)
    rescuer = await new_professional(db, given_name="Anne", family_name="Roux", profession="pharmacien",
                                     feminine=True, stem=3)
    dentist = await new_professional(db, given_name="Inès", family_name="Garnier", profession="chirurgien-dentiste",
                                     feminine=True, stem=4)
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"
    nurse_id = nurse.professional.id
    # The patient gives the nurse access; the nurse reads; the pharmacist opens the dossier in an emergency; the
    # dentist uses a share code; each through the pages they would use.
    granted = await post_form(client, f"{dossier}/professionnels/{nurse_id}/acces", {"portee": "tout", "duree": "1m"},
                              follow_redirects=False)
    assert granted.status_code == 303, granted.text
    code, shared = await share_codes.create_share_code(db, dossier=patient.dossier, categories="", duration="1m",
                                                       actor=Actor(None, "patient", "Camille Martin"))
    for pro, step in ((nurse, ("GET", dossier, None)), (rescuer, ("POST", "/pro/urgence", emergency_form(patient))),
                      (dentist, ("POST", "/pro/code", {"code": code}))):
        async with AsyncTestClient(app, base_url=ORIGIN) as theirs:
            await activate_professional(theirs, pro)
            method, url, form = step
            done = await (theirs.get(url) if method == "GET" else post_form(theirs, url, form, follow_redirects=False))
            assert done.status_code in (200, 303), done.text
            if pro is nurse:  # her own page says who handed a patient a code: herself, in her form
                opened = await post_form(theirs, "/pro/nouveau-dossier", IDENTITY)  # (followed to its code's page)
                assert "Remis par Claire Bernard, infirmière." in opened.text

    async def pages() -> dict[str, str]:
        found = await post_form(client, f"{dossier}/annuaire", {"q": "bernard"})  # the directory's search
        urls = [dossier, f"{dossier}/acces", f"{dossier}/professionnels/{nurse_id}", f"{dossier}/voir-comme/{nurse_id}",
                f"{dossier}/voir-comme/{nurse_id}/profil", f"{dossier}/voir-comme/{nurse_id}/soins",
                f"{dossier}/historique", f"{dossier}/historique.csv", f"/partage/{shared.id}"]
        read = {url: await client.get(url) for url in urls}
        assert all(page.status_code == 200 for page in read.values()), {u: p.status_code for u, p in read.items()}
        return {"annuaire": found.text} | {url: LOGGED_FIELDS.sub("", page.text) for url, page in read.items()}

    french = await pages()
    for url, page in french.items():
        assert FEMININE.search(page) and not MASCULINE.search(page), url
    assert "Claire Bernard, infirmière, a consulté" in french[f"{dossier}/historique"]
    assert "Code utilisé par Dr Inès Garnier, chirurgienne-dentiste" in french[f"/partage/{shared.id}"]
    assert "Anne Roux, pharmacienne, a ouvert votre dossier en urgence" in french[dossier]  # to review
    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    for url, page in (await pages()).items():
        if not url.endswith(".csv"):  # (the CSV is the log's own words, in French)
            assert ENGLISH.search(page) and not FEMININE.search(page) and not MASCULINE.search(page), url
    assert "Claire Bernard, nurse," in (await client.get(f"{dossier}/historique")).text


async def test_the_profession_keeps_its_code_for_the_directory_and_the_log_keeps_the_form_it_wrote(client, db, patient):
    nurse = (await new_professional(db, given_name="Claire", family_name="Bernard", profession="infirmier",
                                    feminine=True, stem=2)).professional
    assert (nurse.profession, nurse.profession_feminine) == ("infirmier", True)
    await activate(client, patient)
    for query in ("infirmière bernard", "infirmier bernard"):
        found = await post_form(client, f"/dossiers/{patient.dossier.id}/annuaire", {"q": query})
        assert "Claire Bernard" in found.text, query
    granted = await post_form(client, f"/dossiers/{patient.dossier.id}/professionnels/{nurse.id}/acces",
                              {"portee": "tout", "duree": "1m"}, follow_redirects=False)
    assert granted.status_code == 303
    await db.commit()
    [event] = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id,
                                                       AccessEvent.action == "grant"))).all()
    assert event.detail.startswith("Claire Bernard (infirmière) : ")


# --- the registration desk ----------------------------------------------------------------------

ADD = ["professional", "add", "--given-name", "Claire", "--family-name", "Bernard", "--city", "Lyon"]


def registered(tmp_path, rpps: str) -> tuple[str, int]:
    with sqlite3.connect(tmp_path / "carnet.sqlite3") as database:
        return database.execute("SELECT profession, profession_feminine FROM professional WHERE rpps = ?",
                                (rpps,)).fetchone()


def test_the_desk_registers_a_profession_in_either_form_and_says_how_patients_will_read_it(tmp_path):
    nurse = carnet(tmp_path, *ADD, "--profession", "infirmière", "--rpps", "10000000009")
    assert nurse.returncode == 0, nurse.stderr
    assert "Profession telle que les patients la lisent : infirmière (l'autre forme : --form masculine)." in nurse.stderr
    assert registered(tmp_path, "10000000009") == ("infirmier", 1)
    # A name the same in both forms, or given in the masculine: --form says hers.
    doctor = carnet(tmp_path, *ADD, "--profession", "médecin", "--form", "feminine", "--rpps", "10000000017")
    assert doctor.returncode == 0 and "la lisent : médecin." in doctor.stderr
    assert registered(tmp_path, "10000000017") == ("médecin", 1)
    # The profession's name, then her form (a dentist's probe: refused as a contradiction).
    surgeon = carnet(tmp_path, *ADD, "--profession", "chirurgien-dentiste", "--form", "feminine", "--rpps",
                     "10000000033")
    assert surgeon.returncode == 0 and "la lisent : chirurgienne-dentiste (l'autre forme" in surgeon.stderr
    assert registered(tmp_path, "10000000033") == ("chirurgien-dentiste", 1)
    dentist = carnet(tmp_path, *ADD, "--profession", "chirurgien-dentiste", "--rpps", "10000000025")
    assert "la lisent : chirurgien-dentiste (l'autre forme : --form feminine)." in dentist.stderr
    # Registered before (or as the masculine by mistake): the desk writes it in her form, from now on.
    hers = carnet(tmp_path, "professional", "form", "--rpps", "10000000025", "--form", "feminine")
    assert hers.returncode == 0 and "la lisent : chirurgienne-dentiste" in hers.stderr
    assert registered(tmp_path, "10000000025") == ("chirurgien-dentiste", 1)


def test_the_desk_is_refused_a_contradiction_or_an_unknown_profession_in_french(tmp_path):
    both = carnet(tmp_path, *ADD, "--profession", "infirmière", "--form", "masculine", "--rpps", "10000000009")
    assert both.returncode != 0
    assert "« infirmière » est la forme féminine de la profession : --form masculine la contredit." in both.stderr
    unknown = carnet(tmp_path, *ADD, "--profession", "plombière", "--rpps", "10000000009")
    assert unknown.returncode != 0 and "Profession inconnue. Professions possibles : médecin, " in unknown.stderr
    assert "infirmier ou infirmière, pharmacien ou pharmacienne" in unknown.stderr
    nobody = carnet(tmp_path, "professional", "form", "--rpps", "10000000009", "--form", "feminine")
    assert nobody.returncode != 0 and "Aucun professionnel enregistré avec ce numéro RPPS." in nobody.stderr


# --- migration 0048 -------------------------------------------------------------------------------


async def test_migration_0048_adds_the_form_in_the_masculine_as_shown_before_and_takes_it_back(app, db):
    from alembic import command

    nurse = (await new_professional(db, given_name="Claire", family_name="Bernard", profession="infirmier",
                                    feminine=True)).professional
    await db.commit()

    async def columns() -> set[str]:
        async with app.state.engine.connect() as connection:
            found = await connection.run_sync(lambda sync: inspect(sync).get_columns("professional"))
        return {column["name"] for column in found}

    await migrate(app, command.downgrade, "0047")
    assert "profession_feminine" not in await columns()
    await migrate(app, command.upgrade, "head")
    assert "profession_feminine" in await columns()
    again = await db.get(Professional, nurse.id, populate_existing=True)
    assert (again.profession, again.profession_feminine) == ("infirmier", False)  # nothing said hers: as before
