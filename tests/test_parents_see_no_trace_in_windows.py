"""What a minor's parents see of a professional who keeps care from them, within their own grant's window, and of
the minor's health links: an outside probe found her searches' words ("IVG"), her opening for an addition they then
saw nothing of, and every health link the minor made, with who opened it, in the parents' Historique."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from server.auth.accounts import account_for_patient, account_for_professional
from server.models import ShareLink
from server.shlinks.payload import viewer_url
from tests.caregiver_helpers import as_account
from tests.conftest import ORIGIN, AsyncTestClient, post_form
from tests.shlink_helpers import decoded, fetch
from tests.test_minors_secret_sharing import doctor_the_mother_granted, minor_and_mother, words


async def test_a_doctor_who_keeps_care_leaves_no_search_words_nor_opening_to_add_in_the_parents_log(client, db, app):
    ines, _ = await minor_and_mother(client, db)
    url = f"/dossiers/{ines.dossier.id}"
    doctor = await doctor_the_mother_granted(client, db, url, stem=71)
    async with AsyncTestClient(app, base_url=ORIGIN) as hers:
        await as_account(hers, db, await account_for_professional(db, professional=doctor.professional))
        assert (await hers.get(url)).status_code == 200
        assert (await hers.get(f"{url}/documents/nouvelle-note")).status_code == 200  # an opening to add
        kept = await post_form(hers, f"{url}/documents/nouvelle-note", {
            "category": "compte_rendu", "event_date": str(date.today() - timedelta(days=1)),
            "title": "Entretien confidentiel", "note": "…", "confidentiel": "oui"}, follow_redirects=False)
        assert kept.status_code == 303, kept.text
        assert (await post_form(hers, f"{url}/recherche", {"q": "IVG"})).status_code == 200
    mothers = words(await client.get(f"{url}/historique"))
    assert "Claire Bernard, médecin, a consulté" in mothers  # her opening by their grant stays theirs to see
    assert "IVG" not in mothers and "a fait une recherche" not in mothers
    assert "pour y ajouter" not in mothers and "Entretien confidentiel" not in mothers
    async with AsyncTestClient(app, base_url=ORIGIN) as own:  # Inès reads all of it
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        hers_log = words(await own.get(f"{url}/historique"))
    assert "(« IVG »)" in hers_log and "pour y ajouter" in hers_log


async def test_the_health_links_the_minor_makes_and_their_openings_are_not_her_parents(client, db, app):
    ines, _ = await minor_and_mother(client, db)
    url = f"/dossiers/{ines.dossier.id}"
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        made = await post_form(own, f"{url}/liens-sante", {"contenu": "emergency", "nom": "Moi", "code": "",
                                                            "duree": "7j"}, follow_redirects=False)
        assert made.status_code == 303, made.text
    mothers = await post_form(client, f"{url}/liens-sante", {"contenu": "emergency", "nom": "Colonie", "code": "",
                                                              "duree": "7j"}, follow_redirects=False)
    assert mothers.status_code == 303, mothers.text
    await db.commit()
    links = {link.label: link for link in (await db.exec(select(ShareLink))).all()}
    for label, recipient in (("Moi", "Planning familial"), ("Colonie", "Infirmière de la colonie")):
        opened = await fetch(app, decoded(viewer_url(links[label], origin=ORIGIN)), recipient=recipient)
        assert opened.status_code == 200, opened.text
    log = words(await client.get(f"{url}/historique"))
    assert "« Moi »" not in log and "Planning familial" not in log
    assert "« Colonie »" in log and "Infirmière de la colonie" in log  # theirs, as their list shows it
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        hers = words(await own.get(f"{url}/historique"))
    assert "« Moi »" in hers and "Planning familial" in hers
