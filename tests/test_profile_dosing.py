"""A treatment's dose changed (profile/dosing.py), an outside probe's find: a diabetic patient whose doctor raised
her metformine could only stop or delete the line. Now the line stops the day before the change and a new one starts
that day, hidden as the old one was; the log says it; bad input is refused in French, and only whoever manages the
dossier changes a line of it that they see."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from sqlmodel import col, select

from server.access import grants
from server.access.medecin_traitant import set_medecin_traitant
from server.auth.accounts import account_for_patient, account_for_professional
from server.models import ProfileItem, paris_today
from server.profile.items import add_item, set_item_hidden
from tests.conftest import ORIGIN, AsyncTestClient, new_patient, post_form, wrong_fields
from tests.caregiver_helpers import as_account
from tests.test_kept_items import PILL, declare, minor_with_a_doctor
from tests.test_profile import SAMPLES, TODAY
from tests.profile_page_helpers import (CAMILLE, as_patient, browser, card_of, caregiver, doctor, events_of, items_of,
                                      text_of, url)

METFORMINE = replace(SAMPLES["treatment"], label="Metformine", detail="500 mg matin et soir", prescriber="Dr Bernard")


def dose_url(fixture, item) -> str:
    return url(fixture, f"/{item.id}/posologie")


async def test_a_new_dose_stops_the_line_the_day_before_and_starts_a_new_one(app, db, patient):
    treatment = await add_item(db, dossier=patient.dossier, data=METFORMINE, actor=CAMILLE, today=TODAY)
    medecin = await doctor(db)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=medecin, actor=CAMILLE)
    changed = paris_today() - timedelta(days=2)
    async with await as_patient(app, db, patient) as client:
        page = await client.get(url(patient))
        assert "Modifier la posologie" in page.text
        assert f'for="posologie-{treatment.id}">Nouvelle posologie' in page.text
        # Its day picked from the day after the treatment began (1 March 2025), as the server takes it: the picker
        # offered any day before (a probe's find), then refused.
        field = re.search(rf'<input id="changement-{treatment.id}"[^>]*>', page.text).group(0)
        assert 'min="2025-03-02"' in field and f'max="{paris_today().isoformat()}"' in field, field
        for dose, day, message, field in (
                ("", changed.isoformat(), "Indiquez la nouvelle posologie", "detail"),
                ("500 mg matin et soir", changed.isoformat(), "C'est la posologie déjà indiquée", "detail"),
                ("1000 mg matin et soir", "", "Indiquez le jour du changement", "changed_on"),
                ("1000 mg matin et soir", "hier", "Indiquez le jour du changement", "changed_on"),
                ("1000 mg matin et soir", str(paris_today() + timedelta(days=1)), "ni avant 1900", "changed_on"),
                ("1000 mg matin et soir", "2025-03-01", "Le changement vient après le début du traitement "
                                                         "(1er mars 2025)", "changed_on")):
            refused = await post_form(client, dose_url(patient, treatment), {"detail": dose, "changed_on": day})
            assert refused.status_code == 400 and message in text_of(refused), (dose, day, text_of(refused)[-300:])
            assert wrong_fields(refused.text, f"posologie-erreur-{treatment.id}") == [field]
            assert '<details class="profile-stop profile-dose" open>' in refused.text
        assert await events_of(db, patient, "profile_dose") == []  # nothing half-done
        done = await post_form(client, dose_url(patient, treatment),
                               {"detail": "1000 mg matin et soir", "changed_on": changed.isoformat()},
                               follow_redirects=False)
        assert done.status_code == 303
        shown = text_of(await client.get(done.headers["location"]))
        again = await post_form(client, dose_url(patient, treatment),
                                {"detail": "1500 mg", "changed_on": str(paris_today())})
        log = text_of(await client.get(f"/dossiers/{patient.dossier.id}/historique"))
    assert again.status_code == 404  # the old line stopped: only the one in progress changes
    assert "La nouvelle posologie est enregistrée" in shown
    in_progress, stopped = shown.split("Traitements arrêtés")
    assert "1000 mg matin et soir" in in_progress and "500 mg matin et soir" not in in_progress
    assert "500 mg matin et soir" in stopped and "1000 mg" not in stopped
    db.expunge_all()  # read as the app wrote it, not as this session loaded it
    old, new = sorted(await items_of(db, patient), key=lambda i: i.created_at)
    assert (old.detail, old.started_on, old.ended_on) == ("500 mg matin et soir", TODAY.replace(2025, 3, 1),
                                                          changed - timedelta(days=1))
    assert (new.label, new.detail, new.started_on, new.ended_on, new.prescriber) == (
        "Metformine", "1000 mg matin et soir", changed, None, "Dr Bernard")
    assert "Vous avez noté une nouvelle posologie du traitement « Metformine »" in log
    [event] = await events_of(db, patient, "profile_dose")
    assert event.actor_kind == "patient"

    async with browser(app, db, await account_for_professional(db, professional=medecin)) as pro:
        card = card_of(await pro.get(f"/dossiers/{patient.dossier.id}"))
        refused = await post_form(pro, dose_url(patient, new), {"detail": "2000 mg", "changed_on": str(paris_today())})
    assert "1000 mg" in card and "500 mg" not in card  # one dose in progress
    assert refused.status_code == 404  # a professional does not manage the dossier, nor notes a stop
    assert len(await items_of(db, patient)) == 2


async def test_a_managing_relative_changes_it_and_a_hidden_line_stays_hidden(app, db, patient):
    treatment = await add_item(db, dossier=patient.dossier, data=METFORMINE, actor=CAMILLE, today=TODAY)
    await set_item_hidden(db, item=treatment, hidden=True, actor=CAMILLE)
    granted = await doctor(db, stem=9, family_name="Moreau")
    await grants.grant_access(db, dossier=patient.dossier, professional=granted, categories="", duration="sans",
                              actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=granted)) as pro:
        unseen = await post_form(pro, dose_url(patient, treatment), {"detail": "2000 mg",
                                                                     "changed_on": str(paris_today())})
    assert unseen.status_code == 404  # hidden from them: not even said to exist
    manager = await caregiver(db, patient, level="gestion", given="Paul")
    async with browser(app, db, manager) as client:
        done = await post_form(client, dose_url(patient, treatment),
                               {"detail": "1000 mg matin et soir", "changed_on": str(paris_today())},
                               follow_redirects=False)
    assert done.status_code == 303
    db.expunge_all()
    assert all(i.hidden for i in await items_of(db, patient))
    [event] = await events_of(db, patient, "profile_dose")
    assert (event.actor_kind, event.on_behalf_of) == ("caregiver", "Camille Martin")
    async with browser(app, db, await account_for_professional(db, professional=granted)) as pro:
        page = await pro.get(url(patient))
    assert "Metformine" not in page.text


async def test_only_a_treatment_in_progress_of_ones_own_dossier_changes(app, db, patient):
    allergy = await add_item(db, dossier=patient.dossier, data=SAMPLES["allergy"], actor=CAMILLE, today=TODAY)
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=2, sex="M")
    theirs = await add_item(db, dossier=other.dossier, data=METFORMINE, actor=CAMILLE, today=TODAY)
    reader = await caregiver(db, patient, level="lecture", given="Léa")
    mine = await add_item(db, dossier=patient.dossier, data=METFORMINE, actor=CAMILLE, today=TODAY)
    typed = {"detail": "1000 mg", "changed_on": str(paris_today())}
    async with await as_patient(app, db, patient) as client:
        for item, fixture in ((allergy, patient), (theirs, patient), (theirs, other)):
            answer = await post_form(client, dose_url(fixture, item), typed)
            assert answer.status_code == 404, (item.kind, answer.status_code)
    async with browser(app, db, reader) as client:
        assert (await post_form(client, dose_url(patient, mine), typed)).status_code == 403
    assert await events_of(db, other, "profile_dose") == [] and await events_of(db, patient, "profile_dose") == []
    assert [i.detail for i in await items_of(db, other)] == ["500 mg matin et soir"]


async def test_a_minor_changes_the_dose_of_a_treatment_kept_from_her_parents_and_it_stays_kept(client, db, app):
    """The new line is the minor's, not her doctor's: kept from her parents as the line it follows was, its change
    out of their Historique; a parent's attempt on the kept line is the 404 of a line that does not exist."""
    ines, _, doctor = await minor_with_a_doctor(client, db, app)
    await declare(app, db, doctor, ines.dossier.id, PILL, kept=True)
    kept = (await db.exec(select(ProfileItem).where(ProfileItem.label == PILL))).one()
    typed = {"detail": "1 comprimé le soir", "changed_on": str(paris_today())}
    assert (await post_form(client, url(ines, f"/{kept.id}/posologie"), typed)).status_code == 404  # her mother
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        done = await post_form(own, url(ines, f"/{kept.id}/posologie"), typed, follow_redirects=False)
        assert done.status_code == 303
        hers = text_of(await own.get(url(ines)))
    assert "1 comprimé le soir" in hers and "Caché à vos parents" in hers
    db.expunge_all()
    new = (await db.exec(select(ProfileItem).where(ProfileItem.label == PILL,
                                                   col(ProfileItem.ended_on).is_(None)))).one()
    assert new.hidden_from_representatives and new.author_professional_id is None
    page, log = await client.get(url(ines)), await client.get(f"/dossiers/{ines.dossier.id}/historique")
    assert PILL not in page.text and "Désogestrel" not in log.text and "posologie" not in log.text


async def test_a_new_strength_is_said_in_the_medicines_name_of_the_new_line(app, db, patient):
    """An outside probe: "Bisoprolol 2,5 mg", its dose changed to 5 mg, read "Bisoprolol 2,5 mg : 5 mg le matin" under
    the treatments in progress. The form offers the name too, filled with the line's: the new line takes the name
    typed, the stopped one keeps its own; the same pills under a new strength is a change; every problem at once."""
    bisoprolol = replace(METFORMINE, label="Bisoprolol 2,5 mg", detail="1 comprimé le matin")
    treatment = await add_item(db, dossier=patient.dossier, data=bisoprolol, actor=CAMILLE, today=TODAY)
    changed = paris_today() - timedelta(days=1)
    async with await as_patient(app, db, patient) as client:
        page = await client.get(url(patient))
        field = re.search(rf'<input id="medicament-{treatment.id}"[^>]*>', page.text).group(0)
        assert 'name="label"' in field and 'value="Bisoprolol 2,5 mg"' in field
        refused = await post_form(client, dose_url(patient, treatment),
                                  {"label": " ", "detail": "", "changed_on": changed.isoformat()})
        assert refused.status_code == 400
        assert wrong_fields(refused.text, f"posologie-erreur-{treatment.id}") == ["label", "detail"]
        assert "Indiquez le médicament (par exemple Bisoprolol 5 mg). Indiquez la nouvelle posologie" in text_of(refused)
        done = await post_form(client, dose_url(patient, treatment),
                               {"label": "Bisoprolol 5 mg", "detail": "1 comprimé le matin",
                                "changed_on": changed.isoformat()}, follow_redirects=False)
        assert done.status_code == 303
        shown = text_of(await client.get(done.headers["location"]))
    in_progress, stopped = shown.split("Traitements arrêtés")
    assert "Bisoprolol 5 mg" in in_progress and "Bisoprolol 2,5 mg" not in in_progress
    assert "Bisoprolol 2,5 mg" in stopped
    db.expunge_all()
    old, new = sorted(await items_of(db, patient), key=lambda i: i.created_at)
    assert (old.label, old.ended_on, new.label, new.detail, new.started_on) == (
        "Bisoprolol 2,5 mg", changed - timedelta(days=1), "Bisoprolol 5 mg", "1 comprimé le matin", changed)
    [event] = await events_of(db, patient, "profile_dose")
    # The line whose dose changed, as its stop would name it, then its new name (logged under the former alone: a probe).
    assert event.detail == "«\u00a0Bisoprolol 2,5 mg\u00a0»\n«\u00a0Bisoprolol 5 mg\u00a0»"
    async with await as_patient(app, db, patient) as client:
        log = text_of(await client.get(f"/dossiers/{patient.dossier.id}/historique"))
    assert re.search(r"Vous avez noté une nouvelle posologie du traitement « Bisoprolol 2,5 mg » à \d+ h \d+.* : "
                     r"désormais nommé « Bisoprolol 5 mg »\.", log), log
