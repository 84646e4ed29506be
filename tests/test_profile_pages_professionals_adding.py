"""What a professional adds to the profile as its author, and removes; what is the patient's alone to state."""

from __future__ import annotations

import html
import re

from sqlmodel import select

from server.access import blocks, grants
from server.access.medecin_traitant import set_medecin_traitant
from server.auth.accounts import account_for_professional
from server.models import ProfileItem
from server.profile.items import add_item
from tests.conftest import new_patient, post_form
from tests.patient_helpers import MISSING, same_404
from tests.profile_page_helpers import CAMILLE, add, as_patient, browser, doctor, events_of, items_of, text_of, url
from tests.test_profile import SAMPLES, TODAY


async def test_a_professional_adds_an_allergy_as_its_author_and_the_patient_sees_who(app, db, patient):
    medecin = await doctor(db)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=medecin, actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=medecin)) as client:
        form = await client.get(url(patient, "/ajouter?type=allergy"))
        assert "Vous en serez l'auteur" in html.unescape(form.text) and "Camille Martin" in form.text
        assert (await add(client, patient, "allergy", label="Iode", severity="moderee")).status_code == 303
        refused = await add(client, patient, "allergy", label="", severity="moderee")
        assert refused.status_code == 400 and "Indiquez la substance." in refused.text
        page = await client.get(url(patient))
        assert "Déclarée par vous" in text_of(page)
    [item] = await items_of(db, patient)
    assert (item.author_professional_id, item.added_by_account_id) == (medecin.id, None)
    [event] = await events_of(db, patient, "profile_add")
    assert (event.actor_kind, event.right, event.actor_name) == ("professional", "medecin_traitant", "Claire Bernard")
    async with await as_patient(app, db, patient) as client:
        page = await client.get(url(patient))
    assert "Iode" in page.text and "Déclarée par Dr Claire Bernard" in text_of(page)
    assert "Gravité : modérée" in text_of(page)


async def test_what_the_patient_states_is_not_declared_by_a_professional(app, db, patient):
    """A professionals' probe: a kiné with a write right recorded "Opposé au don d'organes (inscrit au registre
    national des refus)" above the patient's "Favorable", on a form that spoke in the patient's voice. A position on
    organ donation and advance directives are the patient's alone to state, the people to call hers (or a managing
    relative's): not offered to a professional, refused if sent; what they may add is offered, their access's
    sections or not."""
    kine = await doctor(db, stem=13, family_name="Fontaine")
    await grants.grant_access(db, dossier=patient.dossier, professional=kine, categories="compte_rendu,imagerie",
                              duration="sans", actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=kine)) as client:
        page = await client.get(url(patient))
        chooser = await client.get(url(patient, "/ajouter"))
        refused = {kind: await add(client, patient, kind, **fields) for kind, fields in (
            ("organ_donation", {"label": "refus"}), ("contact", {"label": "Paul Martin", "phone": "0612345678"}),
            ("directive", {"label": "Mes directives"}))}
        allergy = await add(client, patient, "allergy", label="Latex", severity="moderee")
    words = text_of(page)
    assert "Votre accès ne couvre aucune rubrique du profil médical." in words
    assert "ne couvre qu'une partie" not in words  # (both were said at once)
    assert url(patient, "/ajouter") in page.text
    assert "Ajouter une allergie" in chooser.text and "Ajouter un traitement" in chooser.text
    for label in ("Indiquer la position sur le don d", "Ajouter une personne à prévenir", "Ajouter des directives"):
        assert label not in html.unescape(chooser.text), label
    for kind, response in refused.items():
        assert response.status_code == 400, kind
    assert "seuls le patient et les proches qui gèrent son dossier renseignent cette rubrique" in text_of(
        refused["contact"])
    assert ("Don d'organes : une déclaration personnelle. C'est à Camille Martin de l'indiquer, de la changer ou de la "
            "supprimer, depuis son propre compte") in text_of(refused["organ_donation"])
    assert "Directives anticipées : une déclaration personnelle." in text_of(refused["directive"])
    assert allergy.status_code == 303
    assert [i.kind for i in await items_of(db, patient)] == ["allergy"]


async def test_a_professional_removes_what_they_declared_in_error_and_nothing_else(app, db, patient):
    """A professionals' probe: a kiné who typed the wrong allergy had no way to take it back (the routes were the
    managers'); documents they withdraw. Their own item: "Retirer (erroné)", logged in her Historique; another's, a
    patient's, or theirs once blocked: refused as a missing one."""
    kine = await doctor(db, stem=13, family_name="Fontaine")
    other = await doctor(db, stem=14, family_name="Petit")
    for pro in (kine, other):
        await grants.grant_access(db, dossier=patient.dossier, professional=pro, categories="", duration="sans",
                                  actor=CAMILLE)
    hers = await add_item(db, dossier=patient.dossier, data=SAMPLES["treatment"], actor=CAMILLE, today=TODAY)
    stranger_account = await account_for_professional(db, professional=other)
    async with browser(app, db, await account_for_professional(db, professional=kine)) as client, \
            browser(app, db, stranger_account) as stranger:
        assert (await add(client, patient, "allergy", label="Latex", severity="moderee")).status_code == 303
        [mine] = [i for i in await items_of(db, patient) if i.label == "Latex"]
        page = await client.get(url(patient))
        assert f"/profil/{mine.id}/suppression" in page.text and "Retirer (erreur de saisie)" in text_of(page)
        assert f"/profil/{hers.id}/suppression" not in page.text
        await same_404(client, url(patient, f"/{hers.id}/suppression"), url(patient, f"/{MISSING}/suppression"))
        await same_404(client, url(patient, f"/{hers.id}/suppression"), url(patient, f"/{MISSING}/suppression"),
                       data={})
        assert (await client.get(url(patient, f"/{mine.id}/suppression"))).status_code == 200
        assert (await post_form(stranger, url(patient, f"/{mine.id}/suppression"), {})).status_code == 404
        removed = await post_form(client, url(patient, f"/{mine.id}/suppression"), {}, follow_redirects=False)
        assert removed.status_code == 303
    await db.commit()
    left = await db.exec(select(ProfileItem).where(ProfileItem.dossier_id == patient.dossier.id,
                                                   ProfileItem.deleted_at.is_(None))  # type: ignore[union-attr]
                         .execution_options(populate_existing=True))  # (as the app left them since)
    assert {i.label for i in left.all()} == {SAMPLES["treatment"].label}
    [event] = await events_of(db, patient, "profile_withdraw")
    assert (event.actor_kind, event.actor_name) == ("professional", "Claire Fontaine")
    async with await as_patient(app, db, patient) as client:
        log = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/historique")).text)
    assert "a retiré l'allergie «\u00a0Latex\u00a0» du profil médical" in log and "comme une erreur de saisie" in log
    # Blocked, an author reads nothing of the dossier, their own items included: none to remove either.
    again = await add_item(db, dossier=patient.dossier, data=SAMPLES["allergy"], actor=CAMILLE, author=kine,
                           today=TODAY)
    await blocks.block(db, dossier=patient.dossier, professional=kine, actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=kine)) as client:
        assert (await post_form(client, url(patient, f"/{again.id}/suppression"), {})).status_code == 404


async def test_the_professionals_form_says_whose_profile_with_de_elided_before_a_vowel(app, db):
    ines = await new_patient(db, given_name="Inès", family_name="Roux")
    medecin = await doctor(db)
    await set_medecin_traitant(db, dossier=ines.dossier, professional=medecin, actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=medecin)) as client:
        form = await client.get(url(ines, "/ajouter?type=allergy"))
    assert "Au profil médical d'<strong>Inès Roux</strong>. Vous en serez" in html.unescape(form.text)
    async with browser(app, db, await account_for_professional(db, professional=medecin)) as client:
        page = await client.get(url(ines))
    assert re.search(r"Patiente? : Inès Roux ?, née? le", text_of(page))  # (it said "De Inès Roux")


async def test_a_revoked_professional_can_no_longer_add(app, db, patient):
    pro = await doctor(db, stem=13, family_name="Moreau")
    grant = await grants.grant_access(db, dossier=patient.dossier, professional=pro, categories="", duration="sans",
                                      actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=pro)) as client:
        assert (await client.get(url(patient, "/ajouter?type=allergy"))).status_code == 200
        await grants.revoke_grant(db, dossier=patient.dossier, grant_id=grant.id, actor=CAMILLE)
        assert (await add(client, patient, "allergy", label="Iode", severity="faible")).status_code == 403  # ended
    assert await items_of(db, patient) == []
