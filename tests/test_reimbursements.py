"""The insurer's feed (issue 11): `carnet import remboursements`, idempotent, corrections replace, unmatched
lines kept for their dossier; the "Historique de soins" page, under the rule of the `remboursement` category."""

from __future__ import annotations

import html
import re
import subprocess
from datetime import date, timedelta

from sqlmodel import select

from server.access import grants
from server.identifiers import rpps_with_key
from server.accesslog.audit import Actor
from server.i18n.formats import date_fr, long_date
from server.models import AccessEvent, paris_today, utcnow
from server.reimbursements.history import months_back
from server.templating import PARIS
from tests.cli import carnet_in_process
from tests.conftest import ORIGIN, activate, activate_professional, make_ins, new_patient, new_professional, without_csrf

HEADER = "ins;id_ligne;date_soins;date_traitement;nomenclature;code;libelle;executant;rpps_executant;prescripteur;quantite;depense;base;rembourse"
PATIENT = Actor(None, "patient", "Le patient")


def recent(days: int) -> str:
    return (utcnow().astimezone(PARIS).date() - timedelta(days=days)).isoformat()


def feed(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def line(ins: str, ref: str, *, days: int = 20, processed: int = 13, system: str = "NGAP", code: str = "G",
         label: str = "Consultation médecin généraliste", spent: str = "30,00", reimbursed: str = "19,00",
         rpps: str = "") -> str:
    return ";".join([ins, ref, recent(days), recent(processed), system, code, label, "Dr Claire Bernard", rpps,
                     "", "1", spent, spent, reimbursed])


def carnet(settings, *args: str) -> subprocess.CompletedProcess:
    env = {"CARNET_ENV": "test", "CARNET_SECRET": settings.secret, "CARNET_DATA_DIR": str(settings.data_dir),
           "DATABASE_URL": settings.database_url, "PATH": "/usr/bin:/bin"}
    return carnet_in_process(env, *args)


async def test_an_import_is_idempotent_corrections_replace_and_unmatched_lines_wait(client, db, settings, patient,
                                                                                     tmp_path):
    ins = patient.patient.ins
    stranger = make_ins("M", 1990, 5, 42)
    first = tmp_path / "feed.csv"
    first.write_text(feed(line(ins, "L1"), line(ins, "L2", days=40, processed=33, system="CIP13", code="3400930000014",
                                                label="Pharmacie : contraceptif oral", spent="8,73", reimbursed="5,67"),
                          line(ins, "L3", days=400, processed=393, system="CCAM", code="DEQP003", label="ECG",
                               reimbursed="14,00"),
                          line(stranger, "L4")))
    loaded = carnet(settings, "import", "remboursements", str(first))
    assert loaded.returncode == 0, loaded.stderr
    assert "3 ligne(s) ajoutée(s), 0 corrigée(s), 0 déjà chargée(s), dans 1 dossier(s)." in loaded.stdout
    assert "1 ligne(s) sans dossier pour leur INS (ligne 5)" in loaded.stdout

    again = carnet(settings, "import", "remboursements", str(first))
    assert "0 ligne(s) ajoutée(s), 0 corrigée(s), 3 déjà chargée(s), dans 0 dossier(s)." in again.stdout

    corrected = tmp_path / "correction.csv"
    corrected.write_text(feed(line(ins, "L1", processed=5, reimbursed="21,00"),  # processed later: replaces
                              line(ins, "L3", days=400, processed=398, system="CCAM", code="DEQP003", label="ECG",
                                   reimbursed="0,01")))  # processed before the version kept: ignored
    fixed = carnet(settings, "import", "remboursements", str(corrected))
    assert "0 ligne(s) ajoutée(s), 1 corrigée(s), 0 déjà chargée(s), 1 plus ancienne(s)" in fixed.stdout

    await activate(client, patient)
    page = await client.get(f"/dossiers/{patient.dossier.id}/soins")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Consultation médecin généraliste" in page.text and "21,00\xa0€" in page.text and "19,00" not in page.text
    # The correction says it is one, and when the first version was processed; the others say nothing of it.
    said = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
    corrected_line = (f"Remboursement corrigé par l'Assurance Maladie, traité le {long_date(date.fromisoformat(recent(5)))} "
                      f"(d'abord le {long_date(date.fromisoformat(recent(13)))})")
    assert " ".join(corrected_line.split()) in said, said
    assert said.count("corrigé par l'Assurance Maladie") == 1
    assert "Pharmacie : contraceptif oral" in page.text
    assert "ECG" in page.text and "14,00\xa0€" in page.text and "0,01" not in page.text  # 400 days ago: within 24 months
    medicines = await client.get(f"/dossiers/{patient.dossier.id}/soins?type=medicaments&periode=12")
    assert "Pharmacie : contraceptif oral" in medicines.text and "Consultation médecin" not in medicines.text
    short = await client.get(f"/dossiers/{patient.dossier.id}/soins?periode=12")
    # Looked for outside the forms' random ids, which hold three given letters in one run of some thousand.
    assert "ECG" not in without_csrf(short.text) and "Consultation médecin généraliste" in short.text
    # Whole months, this one included: the page says the day they start (a probe read "24 mois" as to the day).
    since = date_fr(months_back(paris_today(), 12))
    assert f"Depuis le {since}." in short.text.replace("&nbsp;", "\xa0")

    # The insurer's deliveries are in the patient's log, said in French, with how many lines.
    log = await client.get(f"/dossiers/{patient.dossier.id}/historique")
    assert "Assurance Maladie a ajouté des soins remboursés" in log.text and "(3 lignes)" in log.text

    # The stranger's line waited: it joins their dossier when it is created, and their log says so.
    other = await new_patient(db, given_name="Louis", family_name="Girard", birth=date(1990, 5, 2), serial=42, sex="M")
    assert other.patient.ins == stranger
    await activate(client, other)
    theirs = await client.get(f"/dossiers/{other.dossier.id}/soins")
    assert "Consultation médecin généraliste" in theirs.text
    events = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == other.dossier.id))).all()
    assert any(e.action == "care_received" and "avant la création du dossier" in e.detail for e in events)


async def test_a_malformed_file_is_refused_whole_with_each_problem_and_its_line(settings, patient, tmp_path, client):
    ins = patient.patient.ins
    bad = tmp_path / "bad.csv"
    bad.write_text(feed(line(ins, "OK1"), line("123", "B1"), line(ins, "B2", system="XYZ"),
                        line(ins, "B3", spent="trente"), line(ins, "B4", system="CIP13", code="3400930000015"),
                        line(ins, "OK1")))
    result = carnet(settings, "import", "remboursements", str(bad))
    assert result.returncode != 0
    for expected in ("Ligne 3 : le matricule INS", "Ligne 4 : nomenclature inconnue", "Ligne 5 : le montant",
                     "Ligne 6 : le code CIP13 «\u00a03400930000015\u00a0» a une clé de contrôle fausse", "Ligne 7 : l'identifiant OK1"):
        assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    await activate(client, patient)
    page = await client.get(f"/dossiers/{patient.dossier.id}/soins")
    assert "Aucun soin remboursé" in page.text  # nothing of the file was loaded
    header = tmp_path / "header.csv"
    header.write_text("ins;date\n")
    assert "l'en-tête doit être" in carnet(settings, "import", "remboursements", str(header)).stderr


async def test_professionals_see_care_under_the_rule_of_the_remboursement_category(client, db, settings, patient,
                                                                                    tmp_path):
    feed_file = tmp_path / "feed.csv"
    feed_file.write_text(feed(line(patient.patient.ins, "P1")))
    assert carnet(settings, "import", "remboursements", str(feed_file)).returncode == 0
    pro = await new_professional(db)
    await activate_professional(client, pro)
    url = f"/dossiers/{patient.dossier.id}/soins"
    missing = await client.get("/dossiers/0123456789abcdef0123456789abcdef/soins")
    assert missing.status_code == 404
    assert (await client.get(url)).status_code == 404  # no right at all

    grant = await grants.grant_access(db, dossier=patient.dossier, professional=pro.professional, categories="biologie",
                                      duration="sans", actor=PATIENT)
    refused = await client.get(url)
    assert refused.status_code == 404 and without_csrf(refused.text) == without_csrf(missing.text)  # a right, but not to this category
    await grants.revoke_grant(db, dossier=patient.dossier, grant_id=grant.id, actor=PATIENT)

    grant = await grants.grant_access(db, dossier=patient.dossier, professional=pro.professional,
                                      categories="remboursement", duration="sans", actor=PATIENT)
    timeline = await client.get(f"/dossiers/{patient.dossier.id}")
    assert f'href="{url}"' in timeline.text  # the way there, for whom it is open
    seen = await client.get(url)
    assert seen.status_code == 200 and "Consultation médecin généraliste" in seen.text
    await db.commit()
    reads = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id,
                                                     AccessEvent.action == "read_care"))).all()
    assert len(reads) == 1 and reads[0].actor_kind == "professional"

    await grants.revoke_grant(db, dossier=patient.dossier, grant_id=grant.id, actor=PATIENT)
    assert (await client.get(url)).status_code == 403  # told that her access ended


async def test_the_insurers_system_sends_its_feed_with_a_token_of_its_registered_key(client, db, settings, patient,
                                                                                     tmp_path):
    from tests.fhir_support import Software

    system = Software()
    key_file = tmp_path / "assurance-maladie.jwk"
    key_file.write_text(system.public_jwk())
    registered = carnet(settings, "logiciel", "assureur", "--nom", "Assurance Maladie (SNIIRAM)", "--jwk", str(key_file))
    assert registered.returncode == 0, registered.stderr
    system.client_id = registered.stdout.split("client_id : ")[1].split()[0]
    token_url = f"{ORIGIN}/fhir/token"
    token = (await client.post("/fhir/token", data=system.token_form(token_url, scope="system/remboursements.c"))).json()
    headers = {"authorization": f"Bearer {token['access_token']}", "content-type": "text/csv"}
    body = feed(line(patient.patient.ins, "F1"), line(make_ins("M", 1990, 5, 43), "F2")).encode()

    first = await client.post("/api/remboursements", content=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["ajoutees"] == 1 and first.json()["sans_dossier"] == [3]
    again = (await client.post("/api/remboursements", content=body, headers=headers)).json()
    assert again["ajoutees"] == 0 and again["deja_chargees"] == 1
    from server.accesslog.verify import verify_chain
    await db.commit()
    assert await verify_chain(db, dossier_id=patient.dossier.id) is None  # the feed's events are in the chain

    broken = await client.post("/api/remboursements", content=feed("pas;une;ligne").encode(), headers=headers)
    assert broken.status_code == 422 and "rien n'a été chargé" in broken.json()["issue"][0]["diagnostics"]
    # An RPPS is ASCII digits: one in Arabic-Indic digits (its Luhn key right) or with a "²" is refused in French.
    arabic = "".join(chr(0x660 + int(d)) for d in rpps_with_key("1000000001"))
    odd = feed(line(patient.patient.ins, "F3", rpps=arabic), line(patient.patient.ins, "F4", rpps="1000000001\u00b2"))
    refused = await client.post("/api/remboursements", content=odd.encode(), headers=headers)
    said = [issue["diagnostics"] for issue in refused.json()["issue"]]
    assert refused.status_code == 422 and said[0] == "Fichier refusé, rien n'a été chargé : 2 problèmes.", said
    assert all("le RPPS de l'exécutant n'est pas valide" in problem for problem in said[1:]) and len(said) == 3, said
    anonymous = await client.post("/api/remboursements", content=body, headers={"content-type": "text/csv"})
    assert anonymous.status_code == 401 and anonymous.json()["resourceType"] == "OperationOutcome"
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="carnet"'  # RFC 6750 §3.1: no credentials, no code
    basic = await client.post("/api/remboursements", content=body,
                              headers={"content-type": "text/csv", "authorization": "Basic YXNzdXJldXI6eA=="})
    assert basic.status_code == 401 and basic.headers["www-authenticate"] == 'Bearer realm="carnet"'  # not a bearer's
    wrong_scope = await client.post("/fhir/token", data=system.token_form(token_url))
    assert wrong_scope.status_code == 400 and wrong_scope.json()["error"] == "invalid_scope"
