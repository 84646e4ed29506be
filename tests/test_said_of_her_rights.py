"""Through which right a professional acts, said of a woman: never "en tant qu'auteur du document" nor "en tant que
médecin traitant" of Dr Claire Bernard (an outside tester's find, on the patient's Historique).

The Historique says what the event's own words hold (accesslog/journal.py), and "médecin" is written alike for a man
and a woman: it says her right without a word to agree ("grâce à son accès aux documents ajoutés par ses soins"),
and so do the log's files. Where Carnet knows how her profession is written (`profession_feminine`), the pages that
speak of her or to her agree: "comme médecin traitante", "Autrice", "Vous en serez l'autrice"."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date

from server.access.medecin_traitant import set_medecin_traitant
from server.auth.accounts import account_for_patient
from server.dossiers import add_document
from tests.caregiver_helpers import as_account
from tests.conftest import activate_professional, new_professional
from tests.log_page_helpers import log_lines
from tests.patient_helpers import CAMILLE

WOMAN = {"given_name": "Claire", "family_name": "Bernard", "profession": "médecin", "feminine": True}
MASCULINE = re.compile(r"en tant qu'auteur|en tant que médecin traitant|auteur du document")
# Of her, on the pages that know how her profession is written (the generic "le médecin traitant voit…" aside).
SAID_OF_A_MAN = re.compile(r"en serez l'auteur|(son|dossier comme) médecin traitant\b|Médecin traitant :|"
                           r" · (Auteur|Médecin traitant)\b")


def said(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).replace("\u00a0", " ").split())


async def her_synthesis(db, app, patient, doctor):
    """Dr Bernard, the médecin traitant, added her "Synthèse médicale 2026" to the dossier."""
    return await add_document(db, app.state.storage, dossier=patient.dossier, title="Synthèse médicale 2026",
                              category="synthese", event_date=date(2026, 1, 5), filename="synthese.txt",
                              mime_type="text/plain", data=b"Synthese", author=doctor.professional)


async def test_the_historique_and_its_csv_say_her_right_with_no_word_to_agree(client, pro_client, db, app, patient):
    doctor = await new_professional(db, **WOMAN)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor.professional, actor=CAMILLE)
    synthesis = await her_synthesis(db, app, patient, doctor)
    await activate_professional(pro_client, doctor)
    assert (await pro_client.get(f"/documents/{synthesis.id}")).status_code == 200  # her own document
    assert (await pro_client.get(f"/dossiers/{patient.dossier.id}")).status_code == 200  # as the médecin traitant

    await as_account(client, db, await account_for_patient(db, patient=patient.patient))
    log = f"/dossiers/{patient.dossier.id}/historique"
    texts = [text for _, _, text in log_lines((await client.get(log)).text)]
    assert re.fullmatch(r"Claire Bernard, médecin, a consulté votre dossier à \d+ h \d\d, grâce à son rôle de "
                        r"médecin traitant\.", texts[0]), texts[0]
    assert re.fullmatch(r"Claire Bernard, médecin, a consulté « Synthèse médicale 2026 » à \d+ h \d\d, grâce à son "
                        r"accès aux documents ajoutés par ses soins\.", texts[1]), texts[1]
    assert not any(MASCULINE.search(text) for text in texts), texts

    exported = await client.get(f"{log}.csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    rights = {row["action"]: row["droit"] for row in rows if row["qui"] == "Claire Bernard"}
    assert rights == {"Consultation du dossier": "rôle de médecin traitant",
                      "Consultation d'un document": "accès à ses propres ajouts"}


async def test_her_pages_say_her_in_the_feminine(client, pro_client, db, app, patient):
    doctor = await new_professional(db, **WOMAN)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor.professional, actor=CAMILLE)
    synthesis = await her_synthesis(db, app, patient, doctor)
    dossier = f"/dossiers/{patient.dossier.id}"

    # The patient's pages about her: her page, her line on "Accès", the dossier as she sees it.
    await as_account(client, db, await account_for_patient(db, patient=patient.patient))
    her_page = said(await client.get(f"{dossier}/professionnels/{doctor.professional.id}"))
    assert "Peut ouvrir le dossier comme médecin traitante." in her_page
    assert "Médecin traitante : voit tous les documents, y compris ceux qui sont masqués." in her_page
    access = said(await client.get(f"{dossier}/acces"))
    assert "Médecin traitante : voit tous les documents" in access and "Médecin traitant :" not in access
    seen = said(await client.get(f"{dossier}/voir-comme/{doctor.professional.id}"))
    assert "Dr Claire Bernard peut ouvrir le dossier comme médecin traitante et voit" in seen

    # Her own pages: her patients, her activity, her forms.
    await activate_professional(pro_client, doctor)
    assert (await pro_client.get(f"/documents/{synthesis.id}")).status_code == 200
    assert (await pro_client.get(dossier)).status_code == 200
    assert "médecin traitante" in said(await pro_client.get("/pro"))
    activity = said(await pro_client.get("/pro/activite"))
    assert "Consultation du dossier · MARTIN Camille · Médecin traitante" in activity
    assert "Consultation d'un document · MARTIN Camille · Autrice" in activity
    form = said(await pro_client.get(f"{dossier}/documents/nouveau"))
    assert "Vous en serez l'autrice : le dossier dira que vous l'avez ajouté." in form
    assert "Vous le verrez, en tant que sa médecin traitante, ainsi que votre patiente" in form
    profile_form = said(await pro_client.get(f"{dossier}/profil/ajouter?type=allergy"))
    assert "Vous en serez l'autrice : le profil dira que vous l'avez déclaré." in profile_form
    assert "Vous la verrez, en tant que sa médecin traitante, ainsi que votre patiente" in profile_form
    for page in (her_page, access, seen, activity, form, profile_form):
        assert not SAID_OF_A_MAN.search(page), SAID_OF_A_MAN.search(page)

