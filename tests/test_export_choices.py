"""What the patient chose about her own dossier goes with its copy: read back by `carnet import dossier` into another
Carnet, a dossier whose patient refused emergency access refuses it there too, and she is told of every read there
as she was. A choice made in the new installation before the copy came stays; a copy whose choice is unreadable is
refused, with nothing written."""

from __future__ import annotations

import html

import pytest

from server.access import emergencies
from server.app import create_app
from server.config import Settings
from server.export.archive import build_export
from server.export.restore import TRANSFER, NotRestorable, restore
from tests.conftest import (
    ORIGIN, TEST_SECRET, AsyncTestClient, activate, activate_professional, new_patient, new_professional, post_form,
)
from tests.patient_helpers import CAMILLE
from tests.export_helpers import NOW, Installation, carnet, counts, elsewhere, ips_changed  # noqa: F401 - a fixture
from tests.test_professional_access import emergency_form
from tests.test_profile import TODAY

REFUSED = ("L'accès d'urgence n'est pas possible : soit le matricule INS ou la date de naissance saisis sont "
           "inexacts, soit la personne n'autorise pas l'accès d'urgence à son dossier. Vérifiez-les une fois ; "
           "s'ils sont exacts, inutile de réessayer.")
EMERGENCY_REFUSED_EXTENSION = "urn:carnet:fhir:acces-urgence-refuse"


def served(installation: Installation):
    """That installation's Carnet, as its web server runs it."""
    return create_app(Settings(env="test", secret=TEST_SECRET, data_dir=installation.data_dir,
                               database_url=installation.url, origin=ORIGIN, rp_id="localhost", page_size=5))


async def emergency_refused(app, doctor, patient) -> bool:
    """Whether a doctor of that installation, trying to open the patient's dossier in an emergency, is refused."""
    async with AsyncTestClient(app, base_url=ORIGIN) as theirs:
        await activate_professional(theirs, doctor)
        tried = await post_form(theirs, "/pro/urgence", emergency_form(patient))
        read = await theirs.get(f"/dossiers/{patient.dossier.id}")
    refused = tried.status_code == 403 and REFUSED in html.unescape(tried.text)
    assert refused == (read.status_code == 404)
    return refused


def access_page(page: str) -> tuple[bool, bool]:
    """What the Accès page says of her choices: emergency access refused, told of every read."""
    text = html.unescape(page)
    return "Accès d'urgence : refusé" in text, "Notifications : à chaque consultation" in text


async def test_her_refusal_of_emergency_access_and_being_told_of_every_read_move_with_her_copy(
        client, db, app, patient, elsewhere, tmp_path):  # noqa: F811
    dossier = f"/dossiers/{patient.dossier.id}"
    await activate(client, patient)
    assert (await post_form(client, f"{dossier}/acces-urgence", {"urgence": "refuser"})).status_code == 200
    assert (await post_form(client, f"{dossier}/notifications/chaque-consultation", {"chaque": "oui"})).status_code == 200
    assert access_page((await client.get(f"{dossier}/acces")).text) == (True, True)
    assert await emergency_refused(app, await new_professional(db, profession="médecin", stem=7), patient)
    copy = tmp_path / "carnet-dossier-2026-11-30.zip"
    copy.write_bytes((await post_form(client, f"{dossier}/export", {})).content)

    # Another Carnet: the same patient, and a doctor, registered by its operator, who reads her copy in.
    camille = await new_patient(elsewhere.session)  # the same INS, her dossier there empty
    doctor = await new_professional(elsewhere.session, profession="médecin", stem=7)
    done = carnet(elsewhere, "import", "dossier", str(copy), "--ins", patient.patient.ins)
    assert done.returncode == 0, done.stderr

    there = served(elsewhere)
    assert await emergency_refused(there, doctor, camille)
    async with AsyncTestClient(there, base_url=ORIGIN) as hers:
        await activate(hers, camille)
        assert access_page((await hers.get(f"/dossiers/{camille.dossier.id}/acces")).text) == (True, True)
        log = html.unescape((await hers.get(f"/dossiers/{camille.dossier.id}/historique")).text)
        assert "Carnet (transfert de dossier) a refusé l'accès d'urgence à votre dossier" in log
    # The page she downloaded it from said so.
    assert "<strong>les choix faits sur le dossier</strong>" in (await client.get(f"{dossier}/export")).text


async def test_a_copy_without_choices_changes_none_and_a_refusal_made_here_before_stays(
        db, app, patient, elsewhere):  # noqa: F811
    camille = await new_patient(elsewhere.session)  # where she left: emergency access allowed, first reads told
    data = await build_export(elsewhere.session, elsewhere.storage, dossier=camille.dossier, patient=camille.patient,
                              now=NOW)
    await emergencies.set_emergency_opt_out(db, dossier=patient.dossier, opt_out=True, actor=CAMILLE)  # here, already
    await restore(db, app.state.storage, zip_bytes=data, dossier=patient.dossier, actor=TRANSFER, today=TODAY)
    await db.refresh(patient.dossier)
    assert (patient.dossier.emergency_opt_out, patient.dossier.notify_every_access) == (True, False)


async def test_a_copy_whose_refusal_of_emergency_access_is_unreadable_is_refused_and_nothing_is_written(
        db, app, patient, elsewhere):  # noqa: F811
    camille = await new_patient(elsewhere.session)
    await emergencies.set_emergency_opt_out(elsewhere.session, dossier=camille.dossier, opt_out=True, actor=CAMILLE)
    data = await build_export(elsewhere.session, elsewhere.storage, dossier=camille.dossier, patient=camille.patient,
                              now=NOW)

    def spoiled(bundle: dict) -> dict:
        for entry in bundle["entry"]:
            for extension in entry["resource"].get("extension", []):
                if extension["url"] == EMERGENCY_REFUSED_EXTENSION:
                    extension.pop("valueBoolean")
                    extension["valueString"] = "oui"
        return bundle

    before = await counts(db, patient.dossier.id)
    with pytest.raises(NotRestorable, match="Un choix du patient sur son dossier .* est illisible dans la copie"):
        await restore(db, app.state.storage, zip_bytes=ips_changed(data, spoiled), dossier=patient.dossier,
                      actor=TRANSFER, today=TODAY)
    assert await counts(db, patient.dossier.id) == before
    await db.refresh(patient.dossier)
    assert not patient.dossier.emergency_opt_out
