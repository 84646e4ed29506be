"""A page only a dossier's managers open, asked by a relative who reads the dossier (an old link, a bookmark, a page
of before the patient made her a reader), tells her so, as a refused form does, under the dossier's band with the
way back to it: not "Page introuvable" (an outside probe's find). What she is told is true whether her rights
changed or she always only read it. Anyone who does not read the dossier (a stranger, a relative the patient
removed) learns nothing: the refusal a dossier that does not exist gets."""

from __future__ import annotations

import pytest
from sqlmodel import select

from server.models import Delegation
from server.profile.items import add_item
from tests.conftest import new_patient, post_form, without_csrf
from tests.patient_helpers import CAMILLE, MISSING, professional
from tests.caregiver_helpers import camille, same_as_missing, words_of  # noqa: F401  (camille: a fixture)
from tests.test_profile import SAMPLES, TODAY
from tests.profile_page_helpers import browser, caregiver
from tests.test_rights_changed_meanwhile import READ_ONLY, way_on
from tests.shlink_helpers import make_link

READS_ONLY = "Cette page sert à gérer le dossier de Camille Martin. Vous pouvez le lire, mais pas le gérer."


@pytest.fixture
async def pages(db, patient, camille):
    """Each page only a manager of Camille's dossier opens, with real ids in it; and the same for a dossier (and a
    document) that does not exist."""
    _, (irm, _) = camille
    pro = await professional(db)
    allergy, position = [await add_item(db, dossier=patient.dossier, data=SAMPLES[kind], actor=CAMILLE, today=TODAY)
                         for kind in ("allergy", "organ_donation")]
    link = await make_link(db, patient)
    tails = ["/acces", "/annuaire", f"/professionnels/{pro.id}", "/fermeture", "/partage", "/proches",
             "/liens-sante", f"/liens-sante/{link.id}", "/masques", "/ajouter", "/profil/ajouter?type=allergy",
             f"/profil/{allergy.id}/suppression", f"/profil/{position.id}/changement", f"/voir-comme/{pro.id}",
             f"/voir-comme/{pro.id}/profil", f"/voir-comme/{pro.id}/soins", "/appareils/deconnexion"]
    return ([(f"/dossiers/{patient.dossier.id}{tail}", f"/dossiers/{MISSING}{tail}") for tail in tails]
            + [(f"/documents/{irm.id}/suppression", f"/documents/{MISSING}/suppression")])


async def test_a_relative_made_a_reader_who_opens_a_managers_page_is_told_she_may_only_read(
        client, db, app, patient, pages):
    paul = await caregiver(db, patient, level="gestion", given="Paul")
    dossier = f"/dossiers/{patient.dossier.id}"
    async with browser(app, db, paul) as his_phone:
        opened = {page: (await his_phone.get(page)).status_code for page, _ in pages}
        # But the form that changes her position on organ donation: hers alone to state, which he is told.
        assert {page: status for page, status in opened.items() if status != 200} == {
            page: 403 for page, _ in pages if page.endswith("/changement")}
        [delegation] = (await db.exec(select(Delegation))).all()
        await db.commit()
        made_reader = await post_form(client, f"{dossier}/proches/{delegation.id}/lecture-seule", {},
                                      follow_redirects=False)
        assert made_reader.status_code == 303
        for page, _ in pages:
            refused = await his_phone.get(page)
            assert refused.status_code == 403, page
            assert "Page réservée" in words_of(refused) and READS_ONLY in words_of(refused), page
            assert way_on(refused) == (dossier, "Revenir au dossier")
            # Under the band, which says whose dossier it is, and that he reads it.
            assert "Lecture seule : vous lisez ce dossier sans pouvoir le modifier" in words_of(refused)
        assert (await his_phone.get(dossier)).status_code == 200
        # "Mes 18 ans" is the young person's page alone, no relative's, who reads or manages: not one to be told of.
        await same_as_missing(his_phone, f"{dossier}/majorite", f"/dossiers/{MISSING}/majorite")


async def test_a_relative_who_always_only_read_is_told_so_never_that_her_rights_changed(db, app, patient, pages):
    lea = await caregiver(db, patient, level="lecture", given="Léa")
    async with browser(app, db, lea) as her_phone:
        # A managers' form she sends anyway (forged, or copied from someone else's page).
        sent = await post_form(her_phone, f"/dossiers/{patient.dossier.id}/partage", {"portee": "tout", "duree": "1m"})
        assert sent.status_code == 403 and READ_ONLY in words_of(sent) and "changé" not in words_of(sent)
        for page, _ in pages:
            opened = await her_phone.get(page)
            assert opened.status_code == 403 and READS_ONLY in words_of(opened), page
            assert "changé" not in words_of(opened)


async def test_a_stranger_and_a_relative_removed_get_a_missing_dossiers_answer(client, db, app, patient, pages):
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=7)
    stranger = await caregiver(db, hugo, level="gestion", given="Inès")  # manages a dossier, not Camille's
    paul = await caregiver(db, patient, level="gestion", given="Paul")
    [delegation] = (await db.exec(select(Delegation).where(Delegation.caregiver_account_id == paul.id))).all()
    await db.commit()
    removed = await post_form(client, f"/dossiers/{patient.dossier.id}/proches/{delegation.id}/retrait", {},
                              follow_redirects=False)
    assert removed.status_code == 303
    for account in (stranger, paul):
        async with browser(app, db, account) as phone:
            for page, missing in pages:
                refused, absent = await phone.get(page), await phone.get(missing)
                assert refused.status_code == absent.status_code == 404, page
                assert without_csrf(refused.text) == without_csrf(absent.text), page
                assert "Camille" not in words_of(refused)
