"""A line of reimbursed care the patient hid stays hidden when her copy is read back by `carnet import dossier`:
the Assurance Maladie's feed brings her care to the new installation, but only the copy says what she hid. Whether
the feed brought the line before the copy was read back or brings it after, no professional there reads it."""

from __future__ import annotations

import html

import pytest

from server.access import grants
from server.export.archive import build_export
from server.export.restore import TRANSFER, NotRestorable, restore
from server.reimbursements.hiding import set_line_hidden
from tests.conftest import ORIGIN, AsyncTestClient, activate, activate_professional, new_patient, new_professional
from tests.patient_helpers import CAMILLE
from tests.test_care_hidden import GP, PSYCHIATRY, SEROLOGY, camilles_care
from tests.export_helpers import NOW, carnet, counts, elsewhere, rewritten  # noqa: F401 - elsewhere: a fixture
from tests.export_read_back_helpers import here
from tests.test_hidden_list import listed
from tests.test_profile import TODAY


async def copy_hiding_her_psychiatrist(there) -> bytes:
    """Her copy, made where she hid her psychiatric consultation from professionals."""
    camille = await new_patient(there.session)  # the same INS as the `patient` she is in the other installation
    lines = await camilles_care(there.session, camille)
    await set_line_hidden(there.session, line=lines[PSYCHIATRY], hidden=True, actor=CAMILLE)
    return await build_export(there.session, there.storage, dossier=camille.dossier, patient=camille.patient, now=NOW)


@pytest.mark.parametrize("feed", ["before", "after"])
async def test_care_the_copy_says_hidden_stays_hidden_whether_the_feed_brings_it_before_or_after(
        client, db, app, settings, patient, elsewhere, tmp_path, feed):  # noqa: F811
    copy = tmp_path / "carnet-dossier-2026-11-30.zip"
    copy.write_bytes(await copy_hiding_her_psychiatrist(elsewhere))
    nurse = await new_professional(db, stem=2, profession="infirmier")
    await grants.grant_access(db, dossier=patient.dossier, professional=nurse.professional, categories="",
                              duration="sans", actor=CAMILLE)  # "Tous les documents"
    if feed == "before":
        await camilles_care(db, patient)

    done = carnet(here(settings, app, db), "import", "dossier", str(copy), "--ins", patient.patient.ins)
    assert done.returncode == 0, done.stderr
    if feed == "after":
        await camilles_care(db, patient)

    url = f"/dossiers/{patient.dossier.id}/soins"
    async with AsyncTestClient(app, base_url=ORIGIN) as hers:
        await activate_professional(hers, nurse)
        theirs = (await hers.get(url)).text
        assert GP in theirs and SEROLOGY in theirs and PSYCHIATRY not in theirs
    await activate(client, patient)
    mine = (await client.get(url)).text
    assert PSYCHIATRY in mine and mine.count('<span class="badge hidden-doc">Masqué aux professionnels</span>') == 1
    assert listed((await client.get(f"/dossiers/{patient.dossier.id}/masques")).text) == [PSYCHIATRY]
    log = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/historique")).text)
    assert f"a masqué aux professionnels le soin «\u00a0{PSYCHIATRY}\u00a0» du" in log
    said = "1 soin remboursé que la copie dit masqué aux professionnels l'est ici aussi"
    assert (said + (".\n" if feed == "before" else " (dont 1 repris de la copie, que l'Assurance Maladie n'a pas "
                    "encore envoyé ici : il restera masqué quand elle l'enverra).\n")) in done.stdout


async def test_a_hidden_line_the_copy_spoils_or_gives_another_patient_is_refused_and_nothing_is_written(
        db, app, patient, elsewhere):  # noqa: F811
    data = await copy_hiding_her_psychiatrist(elsewhere)
    dossier_id, ins = patient.dossier.id, patient.patient.ins  # a refusal under the chain's lock rolls back
    before = await counts(db, dossier_id)
    spoiled = rewritten(data, lambda name, content: content.replace(b";CNP;", b";XX-1;")
                        if name == "soins-rembourses.csv" else content)
    with pytest.raises(NotRestorable, match="Un soin masqué de la copie n'est pas un soin valable : le code "):
        await restore(db, app.state.storage, zip_bytes=spoiled, dossier=patient.dossier, actor=TRANSFER, today=TODAY)
    # The insurer sent the line here for someone else: a line never changes patient.
    other = await new_patient(db, given_name="Léa", family_name="Durand", serial=9)
    await camilles_care(db, other)
    renamed = rewritten(data, lambda name, content: content.replace(
        f"PSY-{ins}".encode(), f"PSY-{other.patient.ins}".encode()) if name == "soins-rembourses.csv" else content)
    with pytest.raises(NotRestorable, match="a envoyé ici pour un autre patient"):
        await restore(db, app.state.storage, zip_bytes=renamed, dossier=patient.dossier, actor=TRANSFER, today=TODAY)
    assert await counts(db, dossier_id) == before and not list(app.state.storage.files())
