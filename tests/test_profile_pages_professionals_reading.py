"""What a professional reads of the profile: the sections and card their access covers, hidden items, the log."""

from __future__ import annotations

import html
import re

from server.access import grants
from server.access.medecin_traitant import set_medecin_traitant
from server.auth.accounts import account_for_professional
from server.profile.items import ItemInput, add_item, set_item_hidden
from server.views.timeline import PROFILE_CARD
from tests.conftest import new_patient, new_professional
from tests.patient_helpers import MISSING, same_404
from tests.profile_page_helpers import (
    CAMILLE, add, as_patient, browser, card_of, doctor, events_of, every_kind, pharmacist_of, text_of, url,
)
from tests.test_profile import SAMPLES, TODAY

MAY_BE_HIDDEN = ("Certaines informations peuvent être masquées aux professionnels : ce profil peut être incomplet, même "
                 "là où rien n'est indiqué.")


async def test_a_grant_limited_to_prescriptions_shows_the_treatments_and_the_allergies_and_names_the_rest(app, db,
                                                                                                        patient):
    """An outside probe (a pharmacist): given "Ordonnance", her card listed the treatments and no "Allergies" at all,
    which reads as "no known allergy" beside a severe one to penicillin. Whoever reads the prescriptions reads the
    allergies (profile/kinds.py); a section her access does not cover is named as not shared with her."""
    await every_kind(db, patient)
    pharmacist = await pharmacist_of(db, patient)
    async with browser(app, db, await account_for_professional(db, professional=pharmacist)) as client:
        page = await client.get(url(patient))
        timeline = await client.get(f"/dossiers/{patient.dossier.id}")
    words = text_of(page)
    assert "Apixaban 5 mg" in words and "Traitements en cours" in words
    assert "Allergies et intolérances Ajouter une allergie Pénicilline" in words
    assert "Fibrillation atriale" not in words and "Paul Martin" not in words and "Diabète" not in words
    assert ("Votre accès ne couvre qu'une partie du profil médical : une rubrique non partagée avec vous peut contenir "
            "des informations que vous ne voyez pas." in words) and "Ajouter un traitement" in words
    for title in ("Antécédents médicaux et chirurgicaux", "Vaccinations", "Mesures", "Antécédents familiaux",
                  "Directives anticipées", "Don d'organes", "Personnes à prévenir"):
        assert re.search(rf"{title} (Ajouter [^.]+ )?Rubrique non partagée avec vous\.", words), title
    assert words.count("Rubrique non partagée avec vous.") == 7
    card = card_of(timeline)
    assert "Apixaban 5 mg" in card and "1 comprimé matin et soir" in card and "Voir tout le profil médical" in card
    assert "Allergies Pénicilline gravité sévère : Urticaire géante" in card and "non partagée" not in card
    assert "Apixaban 5 mg</strong>\u00a0: 1 comprimé" in timeline.text  # French: a no-break space before ":"
    async with browser(app, db, await account_for_professional(db, professional=pharmacist)) as client:
        english = await client.get(f"/dossiers/{patient.dossier.id}", headers={"accept-language": "en"})
    # English: none; the line, the patient's own words, said to be French (record_text.record)
    assert '<span lang="fr">Apixaban 5 mg</span></strong>: <span lang="fr">1 comprimé' in english.text


async def test_a_section_not_shared_reads_the_same_whether_it_holds_anything_or_not(app, db, patient):
    """"Non partagé" must tell the pharmacist nothing of what is kept from her: her pages are word for word the same
    before the patient notes antécédents (and the rest of the synthèse) and after."""
    for kind in ("allergy", "treatment"):
        await add_item(db, dossier=patient.dossier, data=SAMPLES[kind], actor=CAMILLE, today=TODAY)
    pharmacist = await pharmacist_of(db, patient)

    async def her_pages() -> tuple[str, str]:
        async with browser(app, db, await account_for_professional(db, professional=pharmacist)) as client:
            return text_of(await client.get(url(patient))), card_of(await client.get(f"/dossiers/{patient.dossier.id}"))

    before = await her_pages()
    for kind in ("condition", "family_history", "measurement", "contact", "directive", "organ_donation"):
        await add_item(db, dossier=patient.dossier, data=SAMPLES[kind], actor=CAMILLE, today=TODAY)
    after = await her_pages()
    assert "Antécédents médicaux et chirurgicaux Ajouter un antécédent Rubrique non partagée avec vous." in after[0]
    assert after == before


async def test_a_card_names_the_allergies_and_treatments_a_grant_does_not_cover(app, db, patient):
    """Given "Biologie" only: the card says both sections are not shared, never "none indicated", nor leaves them
    out; an allergy the professional declared themself is shown to them, and said to be all they see of it."""
    await every_kind(db, patient)
    pharmacist = await pharmacist_of(db, patient, categories="biologie")
    async with browser(app, db, await account_for_professional(db, professional=pharmacist)) as client:
        empty = card_of(await client.get(f"/dossiers/{patient.dossier.id}"))
        assert (await add(client, patient, "allergy", label="Latex", severity="moderee")).status_code == 303
        theirs = card_of(await client.get(f"/dossiers/{patient.dossier.id}"))
    assert ("Allergies Rubrique non partagée avec vous. Traitements en cours Rubrique non partagée avec vous."
            in empty), empty
    assert "Aucune allergie" not in empty and "Aucun traitement" not in empty and "Pénicilline" not in empty
    assert ("Allergies Rubrique non partagée avec vous : seules les informations que vous avez déclarées sont "
            "affichées. Latex" in theirs), theirs
    assert "Pénicilline" not in theirs and "Apixaban" not in theirs


async def test_where_she_chooses_categories_each_says_what_it_opens_of_the_profile(app, db, patient):
    """The probe's other find: the share form and its terms spoke of documents alone, and "Ordonnance" silently
    opened the treatments. Every page where the patient chooses or reads a professional's categories says what each
    opens of the profil médical: the share form, the grant form (a new grant or a change), the Accès page's line,
    and "voir comme", whose profile names what is not shared with them."""
    await every_kind(db, patient)
    pharmacist = await pharmacist_of(db, patient)
    other = (await new_professional(db, given_name="Inès", family_name="Roux", profession="médecin",
                                    stem=9)).professional
    await grants.grant_access(db, dossier=patient.dossier, professional=other, categories="biologie",
                              duration="sans", actor=CAMILLE)
    insurer_reader = (await new_professional(db, given_name="Marc", family_name="Blanc", profession="médecin",
                                             stem=10)).professional
    await grants.grant_access(db, dossier=patient.dossier, professional=insurer_reader, categories="remboursement",
                              duration="sans", actor=CAMILLE)
    dossier = f"/dossiers/{patient.dossier.id}"
    async with await as_patient(app, db, patient) as camille:
        share_form = text_of(await camille.get(f"{dossier}/partage"))
        grant_form = text_of(await camille.get(f"{dossier}/professionnels/{pharmacist.id}"))
        access = text_of(await camille.get(f"{dossier}/acces"))
        seen = text_of(await camille.get(f"{dossier}/voir-comme/{pharmacist.id}/profil"))
    prescriptions = "Et, dans le profil médical : allergies et intolérances, traitements en cours, grossesse."
    care = "Et l'historique des soins remboursés des 24 derniers mois."  # a page of its own (an outside probe's find)
    for page in (share_form, grant_form):
        assert f"Tous les documents Et tout le profil médical. {care}" in page
        assert f"Remboursements {care}" in page
        assert "Les documents et les soins masqués restent invisibles pour ce professionnel." in page
        assert (f"Ordonnance {prescriptions} Biologie Et, dans le profil médical : mesures (glycémie, HbA1c, "
                "LDL-cholestérol, créatinine). "
                "Imagerie Vaccination Et, dans le profil médical : grossesse, vaccinations.") in page
        assert ("Synthèse médicale Et, dans le profil médical : allergies et intolérances, grossesse, antécédents médicaux et "
                "chirurgicaux, mesures, antécédents familiaux, directives anticipées, don d'organes, personnes à "
                "prévenir.") in page
    assert f"Accès accordé : Ordonnance, sans date de fin. {prescriptions}" in grant_form
    assert f"catégorie Ordonnance, sauf ceux qui sont masqués ; sans date de fin. {prescriptions}" in access
    assert ("catégorie Biologie, sauf ceux qui sont masqués ; sans date de fin. Et, dans le profil médical : mesures "
            "(glycémie, HbA1c, LDL-cholestérol, créatinine). Accordé") in access  # no care: not Remboursements
    assert ("catégorie Remboursements, sauf ceux qui sont masqués ; sans date de fin. Rien du profil médical. "
            f"{care}") in access  # the Accès page says it as the forms do
    assert "Pénicilline" in seen and "Fibrillation atriale" not in seen
    assert "Antécédents médicaux et chirurgicaux Rubrique non partagée avec ce professionnel." in seen
    assert "Son accès ne couvre qu'une partie du profil médical" in seen


async def test_the_cards_allergy_says_its_severity_as_such_to_a_screen_reader(app, db, patient):
    """"Pénicilline sévère : Urticaire géante" was what a screen reader heard: the badge is read "gravité sévère"."""
    await add_item(db, dossier=patient.dossier, data=SAMPLES["allergy"], actor=CAMILLE, today=TODAY)
    medecin = await doctor(db)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=medecin, actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=medecin)) as client:
        card = card_of(await client.get(f"/dossiers/{patient.dossier.id}"))
    assert "Pénicilline gravité sévère : Urticaire géante" in card, card


async def test_the_card_says_no_known_allergy_when_the_professional_may_see_allergies(app, db, patient):
    await add_item(db, dossier=patient.dossier, data=SAMPLES["treatment"], actor=CAMILLE, today=TODAY)
    medecin = await doctor(db)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=medecin, actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=medecin)) as client:
        timeline = await client.get(f"/dossiers/{patient.dossier.id}")
        more = await client.get(f"/dossiers/{patient.dossier.id}?categorie=biologie")
    card = card_of(timeline)
    assert "Aucune allergie indiquée" in card and "Apixaban 5 mg" in card
    assert MAY_BE_HIDDEN not in card  # the médecin traitant reads what is hidden from the others
    async with browser(app, db, await account_for_professional(db, professional=await pharmacist_of(db, patient))) \
            as client:  # nothing hidden: the same words to one who would not read it (they tell nothing)
        assert MAY_BE_HIDDEN in card_of(await client.get(f"/dossiers/{patient.dossier.id}"))
    assert card_of(more) == ""  # a filtered page is about documents
    reads = [(e.action, e.detail) for e in await events_of(db, patient, "") if e.actor_rpps == medecin.rpps]
    assert reads == [("read_timeline", PROFILE_CARD), ("search", "Biologie")]


async def test_a_hidden_item_is_kept_from_a_granted_professional_but_not_from_the_medecin_traitant(app, db, patient):
    item = await add_item(db, dossier=patient.dossier, data=SAMPLES["allergy"], actor=CAMILLE, today=TODAY)
    await set_item_hidden(db, item=item, hidden=True, actor=CAMILLE)
    granted, medecin = await doctor(db, stem=9, family_name="Moreau"), await doctor(db)
    await grants.grant_access(db, dossier=patient.dossier, professional=granted, categories="", duration="sans",
                              actor=CAMILLE)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=medecin, actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=granted)) as client:
        page, timeline = await client.get(url(patient)), await client.get(f"/dossiers/{patient.dossier.id}")
        assert "Pénicilline" not in page.text and "Aucune allergie indiquée" in card_of(timeline)
        # "Aucune allergie indiquée" read as none before a prescription (an outside probe's find): said of what may be
        # kept from her, in the same words whether anything is (test_the_card_says_no_known_allergy_…'s doctor).
        assert MAY_BE_HIDDEN in text_of(page) and MAY_BE_HIDDEN in card_of(timeline)
    async with browser(app, db, await account_for_professional(db, professional=medecin)) as client:
        page, timeline = await client.get(url(patient)), await client.get(f"/dossiers/{patient.dossier.id}")
        # Masked from the others, not "from professionals": she is one, and reads it (an outside probe's find).
        assert "Pénicilline" in page.text and "Masqué aux autres professionnels" in page.text
        assert "Masqué aux professionnels" not in page.text
        assert "Pénicilline" in card_of(timeline)
        assert MAY_BE_HIDDEN not in text_of(page) and MAY_BE_HIDDEN not in card_of(timeline)  # she reads them
    async with await as_patient(app, db, patient) as camille:
        # To her, masked from professionals (her médecin traitant reads it: "non visible par les professionnels" was
        # untrue); seen as her médecin traitant, what he reads: masked from the others (an outside probe's find).
        mine = text_of(await camille.get(url(patient)))
        assert "Pénicilline" in mine and "Masqué aux professionnels" in mine and "Non visible" not in mine
        seen = text_of(await camille.get(f"/dossiers/{patient.dossier.id}/voir-comme/{medecin.id}/profil"))
        assert "Pénicilline" in seen and "Masqué aux autres professionnels" in seen


async def test_another_patients_dossier_answers_the_same_404_as_a_random_id(app, db, patient):
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=2, sex="M")
    item = await add_item(db, dossier=other.dossier, data=SAMPLES["allergy"], actor=CAMILLE, today=TODAY)
    theirs, missing = f"/dossiers/{other.dossier.id}/profil", f"/dossiers/{MISSING}/profil"
    async with await as_patient(app, db, patient) as client:
        for tail in ("", "/ajouter?type=allergy", f"/{item.id}/suppression"):
            await same_404(client, theirs + tail, missing + tail)
        await same_404(client, theirs + "/ajouter?type=allergy", missing + "/ajouter?type=allergy",
                       data={"label": "Latex", "severity": "faible"})
        await same_404(client, f"{theirs}/{item.id}/masquage", f"{missing}/{item.id}/masquage", data={"masque": "oui"})
        # Her own dossier's address with the other dossier's item: no more than a missing item (her profile).
        foreign = await client.get(url(patient, f"/{item.id}/suppression"), follow_redirects=False)
        unknown = await client.get(url(patient, f"/{MISSING}/suppression"), follow_redirects=False)
        assert (foreign.status_code, foreign.headers["location"]) == (unknown.status_code, unknown.headers["location"])
        await same_404(client, url(patient, f"/{item.id}/suppression"), url(patient, f"/{MISSING}/suppression"),
                       data={})
    stranger = await doctor(db, stem=11, family_name="Robert")
    async with browser(app, db, await account_for_professional(db, professional=stranger)) as client:
        await same_404(client, theirs, missing)
        await same_404(client, theirs + "/ajouter?type=allergy", missing + "/ajouter?type=allergy",
                       data={"label": "Latex", "severity": "faible"})
    assert [e.action for e in await events_of(db, other, "profile_")] == ["profile_add"]


async def test_a_professionals_read_is_in_the_log_with_their_right(app, db, patient):
    pro = await new_professional(db, stem=12)
    await grants.grant_access(db, dossier=patient.dossier, professional=pro.professional, categories="synthese",
                              duration="sans", actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=pro.professional)) as client:
        assert (await client.get(url(patient))).status_code == 200
    [read] = [e for e in await events_of(db, patient, "read_")]
    assert (read.action, read.right, read.actor_rpps) == ("read_profile", "grant", pro.rpps)


async def test_an_allergy_whose_severity_is_not_known_is_listed_before_a_mild_one(app, db, patient):
    """"Je ne sais pas" may be severe: after the severe allergies, never after a mild one, on the patient's profile as
    on a professional's card."""
    for label, severity in (("Pollen", "faible"), ("Arachide", ""), ("Pénicilline", "severe"), ("Latex", "moderee")):
        await add_item(db, dossier=patient.dossier, today=TODAY, actor=CAMILLE,
                       data=ItemInput("allergy", label=label, detail="Réaction", severity=severity))
    order = ["Pénicilline", "Arachide", "Latex", "Pollen"]
    medecin = await doctor(db)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=medecin, actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=medecin)) as client:
        card = card_of(await client.get(f"/dossiers/{patient.dossier.id}"))
    assert sorted(order, key=card.index) == order, card
    async with await as_patient(app, db, patient) as client:
        page = html.unescape((await client.get(url(patient))).text)
    assert sorted(order, key=page.index) == order


async def test_a_boys_forms_name_no_section_his_profile_cannot_hold(app, db):
    """An outside probe's find: a boy's share form said "Ordonnance" opened his "grossesse", and a child's "Synthèse
    médicale" his advance directives. Each category says what it opens of the profile this patient may hold
    (kinds.possible: his sex and age); an adult woman's still names her pregnancy."""
    boy = await new_patient(db, given_name="Hugo", family_name="Martin", birth=TODAY.replace(year=TODAY.year - 9),
                            serial=31, sex="M")
    pharmacist = await pharmacist_of(db, boy)
    async with await as_patient(app, db, boy) as hugo:
        dossier = f"/dossiers/{boy.dossier.id}"
        pages = [text_of(await hugo.get(f"{dossier}/partage")),
                 text_of(await hugo.get(f"{dossier}/professionnels/{pharmacist.id}")),
                 text_of(await hugo.get(f"{dossier}/acces"))]
    for page in pages:
        assert "Et, dans le profil médical : allergies et intolérances, traitements en cours." in page
        assert "grossesse" not in page and "directives anticipées" not in page and "don d'organes" not in page
    assert "Ordonnance Et, dans le profil médical : allergies et intolérances, traitements en cours." in pages[0]
    assert "Vaccination Et, dans le profil médical : vaccinations." in pages[0]
