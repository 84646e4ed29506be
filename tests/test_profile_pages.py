"""The profil médical's pages (issue 12), through HTTP: the patient adds, hides and deletes; a caregiver who
manages does too, one who reads only reads; a professional reads what the rule admits (logged) and adds as
an author; the professional's timeline opens on the allergies and treatments they may see."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from tests.conftest import AsyncTestClient
from sqlmodel import select

from server.access import blocks, grants
from server.access.medecin_traitant import set_medecin_traitant
from server.auth.accounts import account_for_patient, account_for_professional
from server.auth.sessions import start_session
from server.accesslog.audit import Actor
from server.caregivers import invitations
from server.caregivers.enrolment import new_account
from server.models import AccessEvent, ProfileItem, paris_today
from server.profile.items import ItemInput, add_item, set_item_hidden
from server.views.timeline import PROFILE_CARD
from tests.conftest import ORIGIN, add_text_document, new_patient, new_professional, post_form, set_cookie
from tests.patient_helpers import MISSING, same_404
from tests.test_profile import SAMPLES, TODAY

CAMILLE = Actor(None, "patient", "Camille Martin")


@asynccontextmanager
async def browser(app, db, account) -> AsyncIterator[AsyncTestClient]:
    """A browser signed in as this account (a session made as a passkey login makes it)."""
    async with AsyncTestClient(app, base_url=ORIGIN) as client:
        set_cookie(client, "carnet_session", await start_session(db, account=account, authenticated=True))
        yield client


async def as_patient(app, db, fixture):
    return browser(app, db, await account_for_patient(db, patient=fixture.patient))


async def doctor(db, *, stem: int = 7, family_name: str = "Bernard", given_name: str = "Claire"):
    return (await new_professional(db, given_name=given_name, family_name=family_name, profession="médecin",
                                   stem=stem)).professional


def url(fixture, tail: str = "") -> str:
    return f"/dossiers/{fixture.dossier.id}/profil{tail}"


async def add(client, fixture, kind: str, **fields):
    return await post_form(client, url(fixture, f"/ajouter?type={kind}"), fields, follow_redirects=False)


async def items_of(db, fixture) -> list[ProfileItem]:
    await db.commit()  # see what the app committed
    rows = await db.exec(select(ProfileItem).where(ProfileItem.dossier_id == fixture.dossier.id))
    return list(rows.all())


async def events_of(db, fixture, prefix: str = "") -> list[AccessEvent]:
    await db.commit()
    rows = await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == fixture.dossier.id)
                         .order_by(AccessEvent.seq))
    return [e for e in rows.all() if e.action.startswith(prefix)]


def text_of(page) -> str:
    """The page's words, as read (tags out, entities decoded, spaces folded)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def card_of(page) -> str:
    match = re.search(r'<section class="card profile-card".*?</section>', page.text, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split()) if match else ""


def as_seen_by_the_patient(card: str) -> str:
    """A professional's card as "voir comme" shows it to the patient: word for word, but for whom a section is not
    shared with (the professional, not the patient who looks)."""
    return card.replace("non partagée avec vous", "non partagée avec ce professionnel").replace(
        "que vous avez déclarées", "déclarées par ses soins")


# --- the patient --------------------------------------------------------------------------------


async def test_the_patient_adds_items_of_several_kinds_and_sees_them(app, db, patient):
    async with await as_patient(app, db, patient) as client:
        mine = await client.get("/profil", follow_redirects=False)
        assert mine.status_code == 303 and mine.headers["location"] == url(patient)
        empty = await client.get(url(patient))
        # The menu's link, marked as the page shown.
        assert empty.status_code == 200 and 'href="/profil" aria-current="page">Profil</a>' in empty.text
        assert "Aucune allergie indiquée." in text_of(empty)
        form = await client.get(url(patient, "/ajouter?type=allergy"))
        assert form.status_code == 200 and 'for="f-label">Substance' in form.text and 'name="severity"' in form.text
        for kind, fields in [
            ("allergy", {"label": "Pénicilline", "detail": "Urticaire géante", "severity": "severe"}),
            ("treatment", {"label": "Apixaban 5 mg", "detail": "1 comprimé matin et soir", "started_on": "2025-03-01",
                           "prescriber": "Dr Bernard"}),
            ("measurement", {"label": "blood_pressure", "value": "132", "value2": "84", "started_on": "2025-01-10"}),
            ("measurement", {"label": "blood_pressure", "value": "128,5", "value2": "80", "started_on": "2025-06-10"}),
            ("vaccination", {"label": "DTPolio", "started_on": "02/05/2024", "lot": "X123"}),
            ("organ_donation", {"label": "donneur"}),
            ("contact", {"label": "Paul Martin", "detail": "Époux", "phone": "06 12 34 56 78"}),
        ]:
            response = await add(client, patient, kind, **fields)
            assert response.status_code == 303, response.text
            assert response.headers["location"] == url(patient, "?fait=ajoute")
        page = await client.get(url(patient))
    words = text_of(page)
    for expected in ("Pénicilline", "Gravité : sévère", "Urticaire géante", "Apixaban 5 mg", "prescrit par Dr Bernard",
                     "Tension artérielle : 128,5/80 mmHg", "Faite le 2 mai 2024 · lot X123",
                     "Favorable au don d'organes", "Paul Martin", "Déclarée par vous"):
        assert expected in words, expected
    assert words.index("Allergies et intolérances") < words.index("Traitements en cours") < words.index("Vaccinations")
    # Two blood pressures: a chart, an image with a name, and its values as a table for screen readers.
    assert re.search(r'<svg class="chart" viewBox="[^"]+" role="img" aria-label="Tension artérielle : 2 mesures', page.text)
    assert "<caption>Tension artérielle, de la plus ancienne à la plus récente</caption>" in page.text
    assert 'style="' not in page.text  # the CSP forbids inline styles
    assert [e.detail for e in await events_of(db, patient, "profile_add")][:2] == [
        "l'allergie «\u00a0Pénicilline\u00a0»", "le traitement «\u00a0Apixaban 5 mg\u00a0»"]


@pytest.mark.parametrize("kind, fields, message", [
    ("allergy", {"label": "", "severity": "severe"}, "Indiquez la substance."),
    ("allergy", {"label": "Arachide", "severity": "extrême"}, "Choisissez la gravité"),
    ("measurement", {"label": "weight", "value": "soixante"}, "Indiquez la valeur en chiffres"),
    # float() reads all of these; a person means none of them as a weight.
    ("measurement", {"label": "weight", "value": "\u0663\u0664"}, "Indiquez la valeur en chiffres"),  # ٣٤
    ("measurement", {"label": "weight", "value": "\uff17\uff12"}, "Indiquez la valeur en chiffres"),  # ７２
    ("measurement", {"label": "weight", "value": "7_2"}, "Indiquez la valeur en chiffres"),
    ("measurement", {"label": "weight", "value": "1e2"}, "Indiquez la valeur en chiffres"),
    # In digits, and below any weight: the range says so, not "en chiffres" (− too, as a pasted text may hold it).
    ("measurement", {"label": "weight", "value": "-5"}, "Poids : une valeur entre 0,3 et 400 kg."),
    ("measurement", {"label": "weight", "value": "\u22125"}, "Poids : une valeur entre 0,3 et 400 kg."),
    ("measurement", {"label": "blood_pressure", "value": "120", "value2": "\u0668\u0660"},
     "Indiquez la tension diastolique en chiffres"),
    ("measurement", {"label": "weight", "value": "72", "value2": "abc"}, "Poids : une seule valeur."),
    ("measurement", {"label": "height", "value": "172", "value2": "80"}, "Taille : une seule valeur."),
    ("contact", {"label": "Paul", "phone": "\u0660\u0666 \u0661\u0662 \u0663\u0664 \u0665\u0666 \u0667\u0668"},
     "Le numéro de téléphone n'est pas valide"),
    ("measurement", {"label": "weight", "value": "72", "started_on": "31/02/2024"}, "La date n'est pas valide"),
    ("vaccination", {"label": "ROR"}, "Indiquez la date de la vaccination"),
    ("vaccination", {"label": "Grippe", "started_on": "01/01/1901"}, "La date ne peut pas précéder la naissance ("),
    ("vaccination", {"label": "", "started_on": "12/03/2020"}, "Indiquez le vaccin."),
    ("condition", {"label": ""}, "Indiquez la maladie ou l'intervention."),
    ("contact", {"label": "", "phone": "06 12 34 56 78"}, "Indiquez le nom."),
    # A title alone would say that directives exist, and not where to find them.
    ("directive", {"label": "Directives anticipées"}, "Indiquez où trouver ces directives, ou choisissez le document"),
    ("contact", {"label": "Paul", "phone": "appelez-moi"}, "Le numéro de téléphone n'est pas valide"),
    # Numbers no phone can dial, in France or abroad: a digit short, a range that does not exist.
    ("contact", {"label": "Paul", "phone": "06 12 34 56 7"}, "Ce numéro de téléphone ne peut pas exister : vérifiez-le."),
    ("contact", {"label": "Paul", "phone": "00 00 00 00 00"}, "Ce numéro de téléphone ne peut pas exister"),
    ("contact", {"label": "Paul", "phone": "+351 12 34 56 78"}, "un numéro étranger commence par + et l'indicatif du pays"),
    ("nothing", {"label": "x"}, "Choisissez le type d'information à ajouter."),
])
async def test_bad_input_gets_the_french_message_and_nothing_is_stored(app, db, patient, kind, fields, message):
    async with await as_patient(app, db, patient) as client:
        response = await add(client, patient, kind, **fields)
    assert response.status_code == 400
    assert message in html.unescape(response.text) and 'role="alert"' in response.text
    if fields.get("label"):
        assert f'value="{fields["label"]}"' in response.text or kind in ("measurement", "nothing")  # kept as typed
    assert await items_of(db, patient) == [] and await events_of(db, patient, "profile_") == []


async def test_a_directive_links_to_a_document_of_the_dossier_and_to_no_other(app, db, patient):
    mine = await add_text_document(db, app, patient.dossier, title="Mes directives anticipées", category="note_patient")
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=2, sex="M")
    theirs = await add_text_document(db, app, other.dossier, title="Ses directives")
    async with await as_patient(app, db, patient) as client:
        form = await client.get(url(patient, "/ajouter?type=directive"))
        assert "Mes directives anticipées" in form.text and "Ses directives" not in form.text
        refused = await add(client, patient, "directive", label="Directives anticipées", document_id=theirs.id)
        assert refused.status_code == 400 and "Choisissez un document de ce dossier." in html.unescape(refused.text)
        assert (await add(client, patient, "directive", label="Directives anticipées", document_id=mine.id)).status_code == 303
        page = await client.get(url(patient))
    assert f'<a href="/documents/{mine.id}">Mes directives anticipées</a>' in page.text
    assert [i.document_id for i in await items_of(db, patient)] == [mine.id]


async def test_hide_unhide_and_delete_each_leave_a_line_in_the_log(app, db, patient):
    item = await add_item(db, dossier=patient.dossier, data=SAMPLES["allergy"], actor=CAMILLE, today=TODAY)
    async with await as_patient(app, db, patient) as client:
        hidden = await post_form(client, url(patient, f"/{item.id}/masquage"), {"masque": "oui"})
        assert hidden.status_code == 200 and "Non visible par les professionnels" in hidden.text
        assert "Cette information est masquée aux professionnels" in html.unescape(hidden.text)
        shown = await post_form(client, url(patient, f"/{item.id}/masquage"), {"masque": "non"})
        assert "n'est plus masquée" in html.unescape(shown.text)
        confirm = await client.get(url(patient, f"/{item.id}/suppression"))
        assert confirm.status_code == 200 and "Supprimer l'allergie «\u00a0Pénicilline\u00a0» ?" in html.unescape(confirm.text)
        assert "le journal des accès garde la trace" in html.unescape(confirm.text)
        deleted = await post_form(client, url(patient, f"/{item.id}/suppression"), {})
        assert deleted.status_code == 200 and "Pénicilline" not in deleted.text
        again = await client.get(url(patient, f"/{item.id}/suppression"), follow_redirects=False)
        assert (again.status_code, again.headers["location"]) == (303, url(patient))  # gone: her profile, as it is
    assert [(e.action, e.actor_kind, e.detail) for e in await events_of(db, patient, "profile_")] == [
        ("profile_add", "patient", "l'allergie «\u00a0Pénicilline\u00a0»"),
        ("profile_hide", "patient", "l'allergie «\u00a0Pénicilline\u00a0»"),
        ("profile_unhide", "patient", "l'allergie «\u00a0Pénicilline\u00a0»"),
        ("profile_delete", "patient", "l'allergie «\u00a0Pénicilline\u00a0»")]


# --- caregivers --------------------------------------------------------------------------------


async def caregiver(db, fixture, *, level: str, given: str):
    """An account that accepted the patient's invitation to manage or to read ("gestion", "lecture")."""
    account = await account_for_patient(db, patient=fixture.patient)
    _, invitation = await invitations.invite(db, dossier=fixture.dossier, account=account, actor=CAMILLE, level=level,
                                             duration="sans")
    helper = new_account(given_name=given, family_name="Martin")
    db.add(helper)  # made with the acceptance, as a newcomer's first passkey makes it (passkeys.finish_registration)
    await invitations.accept(db, invitation_id=invitation.id, account=helper)
    return helper


async def test_a_managing_caregiver_acts_and_a_reading_one_only_reads(app, db, patient):
    item = await add_item(db, dossier=patient.dossier, data=SAMPLES["treatment"], actor=CAMILLE, today=TODAY,
                          added_by_account_id=(await account_for_patient(db, patient=patient.patient)).id)
    manager = await caregiver(db, patient, level="gestion", given="Paul")
    reader = await caregiver(db, patient, level="lecture", given="Léa")
    async with browser(app, db, manager) as client:
        page = await client.get(url(patient))
        assert f'href="/dossiers/{patient.dossier.id}/profil" aria-current="page">Profil</a>' in page.text  # the band's menu
        assert "Déclarée par Camille Martin" in text_of(page) and "Ajouter une allergie" in page.text
        assert (await add(client, patient, "allergy", label="Arachide", severity="severe")).status_code == 303
        assert (await post_form(client, url(patient, f"/{item.id}/masquage"), {"masque": "oui"})).status_code == 200
    async with browser(app, db, reader) as client:
        page = await client.get(url(patient))
        words = text_of(page)
        assert "Arachide" in words and "Déclarée par Paul Martin" in words and "Non visible par les professionnels" in words
        assert "Ajouter une allergie" not in words and "/masquage" not in page.text
        # The form, and her actions: told she may only read the dossier (errors.READ_ONLY_PAGE, READ_ONLY).
        assert (await client.get(url(patient, "/ajouter?type=allergy"))).status_code == 403
        assert (await add(client, patient, "allergy", label="Latex", severity="faible")).status_code == 403
        assert (await post_form(client, url(patient, f"/{item.id}/masquage"), {"masque": "non"})).status_code == 403
        assert (await post_form(client, url(patient, f"/{item.id}/suppression"), {})).status_code == 403
    events = await events_of(db, patient, "profile_")
    assert [(e.action, e.actor_kind, e.on_behalf_of) for e in events[1:]] == [
        ("profile_add", "caregiver", "Camille Martin"), ("profile_hide", "caregiver", "Camille Martin")]
    assert {i.label for i in await items_of(db, patient)} == {"Apixaban 5 mg", "Arachide"}


async def test_a_second_position_on_organ_donation_is_refused_not_added_beside_the_first(app, db, patient):
    """A caregivers' probe: Camille and Paul each declared a position, "Favorable" and "Opposé", and the profile, the
    IPS and the health links carried both. One position at a time: the second is refused, on its field, saying the
    first; the section offers no second. (Paul no longer states one: her phone and her computer, here.)"""
    async with await as_patient(app, db, patient) as camille, await as_patient(app, db, patient) as computer:
        form = await computer.get(url(patient, "/ajouter?type=organ_donation"))  # loaded before her phone's is sent
        assert form.status_code == 200
        assert (await add(camille, patient, "organ_donation", label="donneur")).status_code == 303
        refused = await add(computer, patient, "organ_donation", label="refus")
        page = await camille.get(url(patient))
    assert refused.status_code == 400
    assert ("La position sur le don d'organes est déjà indiquée («\u00a0Favorable au don d'organes\u00a0», le "
            in html.unescape(refused.text))
    assert [i.label for i in await items_of(db, patient) if i.kind == "organ_donation"] == ["donneur"]
    assert "Indiquer la position sur le don d'organes" not in html.unescape(page.text)
    async with await as_patient(app, db, patient) as camille:  # nor on the chooser (a probe's find)
        chooser = html.unescape((await camille.get(url(patient, "/ajouter"))).text)
    assert "Ajouter une allergie" in chooser and "Indiquer la position sur le don d'organes" not in chooser


# --- professionals -----------------------------------------------------------------------------


async def every_kind(db, fixture) -> None:
    for data in SAMPLES.values():
        await add_item(db, dossier=fixture.dossier, data=data, actor=CAMILLE, today=TODAY)


async def pharmacist_of(db, fixture, categories: str = "ordonnance"):
    """A pharmacist the patient gave these categories (a pharmacien biologiste, for "biologie")."""
    pharmacist = (await new_professional(db, given_name="Julien", family_name="Petit", profession="pharmacien",
                                         stem=8)).professional
    await grants.grant_access(db, dossier=fixture.dossier, professional=pharmacist, categories=categories,
                              duration="sans", actor=CAMILLE)
    return pharmacist


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
    assert "Apixaban 5 mg</strong>: 1 comprimé" in english.text  # English: none


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
    dossier = f"/dossiers/{patient.dossier.id}"
    async with await as_patient(app, db, patient) as camille:
        share_form = text_of(await camille.get(f"{dossier}/partage"))
        grant_form = text_of(await camille.get(f"{dossier}/professionnels/{pharmacist.id}"))
        access = text_of(await camille.get(f"{dossier}/acces"))
        seen = text_of(await camille.get(f"{dossier}/voir-comme/{pharmacist.id}/profil"))
    prescriptions = "Et, dans le profil médical : allergies et intolérances, traitements en cours, grossesse."
    for page in (share_form, grant_form):
        assert "Tous les documents Et tout le profil médical." in page
        assert (f"Ordonnance {prescriptions} Biologie Et, dans le profil médical : mesures (glycémie, HbA1c, "
                "LDL-cholestérol, créatinine). "
                "Imagerie Vaccination Et, dans le profil médical : grossesse, vaccinations.") in page
        assert ("Synthèse médicale Et, dans le profil médical : allergies et intolérances, grossesse, antécédents médicaux et "
                "chirurgicaux, mesures, antécédents familiaux, directives anticipées, don d'organes, personnes à "
                "prévenir.") in page
    assert f"Accès accordé : Ordonnance, sans date de fin. {prescriptions}" in grant_form
    assert f"catégorie Ordonnance, sauf ceux qui sont masqués ; sans date de fin. {prescriptions}" in access
    assert ("catégorie Biologie, sauf ceux qui sont masqués ; sans date de fin. Et, dans le profil médical : mesures "
            "(glycémie, HbA1c, LDL-cholestérol, créatinine).") in access
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
    assert card_of(more) == ""  # a filtered page is about documents
    reads = [(e.action, e.detail) for e in await events_of(db, patient, "") if e.actor_kind == "professional"]
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
    async with browser(app, db, await account_for_professional(db, professional=medecin)) as client:
        page, timeline = await client.get(url(patient)), await client.get(f"/dossiers/{patient.dossier.id}")
        # Masked from the others, not "from professionals": she is one, and reads it (an outside probe's find).
        assert "Pénicilline" in page.text and "Masqué aux autres professionnels" in page.text
        assert "Non visible par les professionnels" not in page.text
        assert "Pénicilline" in card_of(timeline)


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


async def test_the_organ_donation_form_says_noting_a_refusal_registers_nothing(app, db, patient):
    """A patient-year probe: "Opposé au don d'organes (inscrit au registre national des refus)" stated a registration
    Carnet does not make (and left no choice to one opposed but not registered). The choice is the position; the form
    says where a refusal is registered."""
    async with await as_patient(app, db, patient) as client:
        form = text_of(await client.get(url(patient, "/ajouter?type=organ_donation")))
    assert "Opposé au don d'organes" in form and "(inscrit au registre" not in form
    assert "le noter ici ne vous inscrit pas au registre" in form and "registrenationaldesrefus.fr" in form


async def test_the_directives_document_picker_says_when_older_documents_are_left_out(app, db, patient, monkeypatch):
    """A patient-year probe: with 130 documents, the picker silently offered the 100 most recent; her directives of
    2017 were not there, and nothing said so. It says so, and how to find the others (here with a limit of 2 and 3
    documents; the search itself: tests/test_directives_picker.py)."""
    from server.views import profile_adding as views

    monkeypatch.setattr(views, "MAX_DOCUMENTS", 2)
    for n in range(3):
        await add_text_document(db, app, patient.dossier, title=f"Compte rendu {n}", category="compte_rendu")
    async with await as_patient(app, db, patient) as client:
        page = await client.get(url(patient, "/ajouter?type=directive"))
    assert page.text.count('<option value="') == 3  # "Aucun document", and two
    assert "les 2 documents les plus récents du dossier : cherchez les plus anciens par leur titre" in text_of(page)


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


def field_of(page, name: str) -> tuple[str, str]:
    """A form field's value as sent with the page, and its hint as read."""
    value = re.search(rf'<input id="f-{name}"[^>]*? value="([^"]*)"', page.text)
    hint = re.search(rf'<p class="hint" id="f-{name}-hint">([^<]*)</p>', page.text)
    return html.unescape(value.group(1)), html.unescape(hint.group(1)) if hint else ""


async def test_a_pharmacist_who_vaccinates_finds_today_and_a_lot_hint_written_for_her(app, db, patient):
    """An outside probe: a pharmacist who had just vaccinated at her counter found the date empty, and the lot's hint
    spoke to the patient ("Sur l'étiquette collée dans le carnet de santé"), not to her who reads the packaging."""
    louis = await new_patient(db, given_name="Louis", family_name="Roux", sex="M", serial=2)
    pharmacist = await pharmacist_of(db, patient, "vaccination")
    await grants.grant_access(db, dossier=louis.dossier, professional=pharmacist, categories="vaccination",
                              duration="sans", actor=Actor(None, "patient", "Louis Roux"))
    async with browser(app, db, await account_for_professional(db, professional=pharmacist)) as client:
        hers = await client.get(url(patient, "/ajouter?type=vaccination"))
        his = await client.get(url(louis, "/ajouter?type=vaccination"))
    today = paris_today().isoformat()
    assert field_of(hers, "started_on")[0] == today and field_of(his, "started_on")[0] == today
    assert field_of(hers, "lot")[1] == ("Sur l'emballage du vaccin ; collez son étiquette dans le carnet de santé de "
                                        "votre patiente")
    assert field_of(his, "lot")[1] == ("Sur l'emballage du vaccin ; collez son étiquette dans le carnet de santé de "
                                       "votre patient")
    # Whom she may hide it for, said of her patient as she is.
    assert "À la demande de votre patiente : ni les professionnels à qui elle a donné accès" in html.unescape(hers.text)
    assert "À la demande de votre patient : ni les professionnels à qui il a donné accès" in html.unescape(his.text)


async def test_the_patient_and_her_relative_copying_old_vaccinations_type_each_date(app, db, patient):
    """Copied from the carnet de santé, an old dose's date is typed: a prefilled today would be kept by mistake."""
    manager = await caregiver(db, patient, level="gestion", given="Paul")
    for account in (await account_for_patient(db, patient=patient.patient), manager):
        async with browser(app, db, account) as client:
            form = await client.get(url(patient, "/ajouter?type=vaccination"))
        assert field_of(form, "started_on") == ("", "")
        assert field_of(form, "lot") == ("", "Sur l'étiquette collée dans le carnet de santé")


async def test_a_revoked_professional_can_no_longer_add(app, db, patient):
    pro = await doctor(db, stem=13, family_name="Moreau")
    grant = await grants.grant_access(db, dossier=patient.dossier, professional=pro, categories="", duration="sans",
                                      actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=pro)) as client:
        assert (await client.get(url(patient, "/ajouter?type=allergy"))).status_code == 200
        await grants.revoke_grant(db, dossier=patient.dossier, grant_id=grant.id, actor=CAMILLE)
        assert (await add(client, patient, "allergy", label="Iode", severity="faible")).status_code == 403  # ended
    assert await items_of(db, patient) == []


async def test_the_patient_sees_the_vaccinations_the_calendar_asks_of_her_and_a_professional_does_not(app, db, patient):
    from server.profile.vaccines import CALENDAR_YEAR

    await every_kind(db, patient)
    async with await as_patient(app, db, patient) as client:
        mine = text_of(await client.get(url(patient)))
    assert "Vaccinations à faire" in mine and f"calendrier des vaccinations {CALENDAR_YEAR}" in mine
    # Born in 1984, no ROR noted: a catch-up, which her pregnancy (one of every kind) puts off until the birth.
    assert "ROR (rougeole, oreillons, rubéole) Après l'accouchement" in mine and "À rattraper" not in mine
    assert "documents de vaccination" not in mine and "document de vaccination" not in mine
    # A vaccination filed as a document is not read by the calendar: the page says so, and where they are.
    for title in ("Certificat ROR", "Rappel dTcaP"):
        await add_text_document(db, app, patient.dossier, title=title, category="vaccination")
    async with await as_patient(app, db, patient) as client:
        page = (await client.get(url(patient))).text
    assert "Le dossier contient aussi <a href=\"/dossiers/" in page and "?categorie=vaccination\">2 documents de " \
        "vaccination</a>&nbsp;: notez au profil chaque vaccin reçu pour qu'il compte." in page
    doctor_ = await doctor(db)
    await grants.grant_access(db, dossier=patient.dossier, professional=doctor_, categories="", duration="sans",
                              actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=doctor_)) as client:
        theirs = text_of(await client.get(url(patient)))
    assert "Vaccinations à faire" not in theirs  # computed from what they may not all see: the patient's to read


@pytest.mark.parametrize("age, offered", [(9, ()), (14, ("organ_donation",)), (18, ("organ_donation", "directive"))])
async def test_what_only_an_older_patient_states_is_neither_offered_nor_taken_younger(app, db, age, offered):
    """Advance directives are an adult's (CSP L1111-11); a refusal of organ donation is registered from 13."""
    from datetime import date as day

    today = day.today()
    born = today.replace(year=today.year - age) if not (today.month, today.day) == (2, 29) else day(today.year - age, 3, 1)
    child = await new_patient(db, given_name="Léo", birth=born, serial=4, sex="M")
    async with await as_patient(app, db, child) as client:
        page = html.unescape((await client.get(url(child))).text)
        menu = html.unescape((await client.get(url(child, "/ajouter"))).text)
        for kind, title in (("directive", "Directives anticipées"), ("organ_donation", "Don d'organes")):
            assert (f'id="rubrique-{kind}"' in page) == (kind in offered), kind
            assert (f"type={kind}" in menu) == (kind in offered), kind
            answer = await add(client, child, kind, label="Mes souhaits", detail="refus")
            if kind in offered:
                continue
            assert answer.status_code == 400
            assert f"{title} : à partir de {18 if kind == 'directive' else 13} ans." in html.unescape(answer.text)
    assert [i.kind for i in await items_of(db, child) if i.kind not in offered] == []


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


async def test_a_number_to_call_is_kept_as_france_writes_it_or_with_its_country_code(app, db, patient):
    """Checked as a number a phone dials (phonenumbers), each kept as the patient's pages show it: France's and its
    overseas departments' in their ten digits, another country's with its code (the summary gives them all in E.164)."""
    async with await as_patient(app, db, patient) as client:
        for name, typed in (("Paul", "0672184590"), ("Inès", "0692 12 34 56"), ("Ana", "00351 912345678")):
            assert (await add(client, patient, "contact", label=name, phone=typed)).status_code == 303, typed
        page = html.unescape((await client.get(url(patient))).text)
    assert {item.label: item.phone for item in await items_of(db, patient)} == {
        "Paul": "06 72 18 45 90", "Inès": "0692 12 34 56", "Ana": "+351 912 345 678"}
    assert "06 72 18 45 90" in page and "0692 12 34 56" in page and "+351 912 345 678" in page


async def test_a_vaccine_given_abroad_counts_by_its_name_there_and_one_carnet_does_not_know_is_said(app, db):
    """A girl vaccinated in the United States notes "Menactra": it was not known, and her meningococcal ACWY dose
    read "En retard" with nothing to say why. Now it counts; a name that names no vaccine of the calendar is said."""
    from datetime import date as day, timedelta

    today = day.today()
    teen = await new_patient(db, given_name="Inès", birth=today - timedelta(days=15 * 365 + 30), serial=5, sex="F")
    abroad, typhoid = today - timedelta(days=3 * 365), today - timedelta(days=400)
    async with await as_patient(app, db, teen) as client:
        for label, given in (("Menactra (fait aux États-Unis)", abroad), ("Typhim Vi", typhoid)):
            answer = await add(client, teen, "vaccination", label=label, started_on=given.strftime("%d/%m/%Y"))
            assert answer.status_code == 303, answer.text
        page = text_of(await client.get(url(teen)))
    due = page[page.index("Vaccinations à faire"):]
    assert "Méningocoque ACWY" not in due and "Papillomavirus (HPV)" in due  # the one noted counts, not the other
    assert ("Carnet ne reconnaît pas ce vaccin : il ne compte dans aucune vaccination de ce calcul. "
            "Typhim Vi, le ") in page
    assert "Menactra (fait aux États-Unis), le" not in due
    assert "par exemple « Menactra, méningocoque ACWY », puis supprimez l'ancienne ligne." in page


async def test_a_vaccination_named_by_its_disease_is_recognised_however_it_is_typed(app, db, patient):
    """Camille copied her carnet de santé: "Hépatite B, le 10 octobre 1996" was said not to be known, under advice
    that a vaccine counts if its name says the disease. Each disease of the calendar, by its French name, in any case
    and with or without accents, is known; a vaccine of no disease of the calendar still is not."""
    typed = ("Hépatite B", "hepatite b", "HÉPATITE B", "Coqueluche", "Rougeole", "Oreillons", "rubeole", "Tétanos",
             "tetanos", "Diphtérie", "Polio", "Poliomyélite", "Haemophilus influenzae b", "Pneumocoque",
             "Méningocoque C", "Papillomavirus", "Zona", "Grippe", "Covid", "Virus respiratoire syncytial")
    async with await as_patient(app, db, patient) as client:
        for label in (*typed, "Typhim Vi"):
            answer = await add(client, patient, "vaccination", label=label, started_on="10/10/1996")
            assert answer.status_code == 303, (label, answer.text)
        page = text_of(await client.get(url(patient)))
    unknown = page[page.index("Carnet ne reconnaît pas"):]
    assert unknown.startswith("Carnet ne reconnaît pas ce vaccin : il ne compte dans aucune vaccination de ce calcul. "
                              "Typhim Vi, le 10 octobre 1996")
    assert [label for label in typed if f"{label}, le 10 octobre 1996" in unknown] == []


async def test_a_mother_prints_her_sons_vaccinations_for_the_creche_and_nothing_else_of_his_dossier(app, db):
    """Léo's crèche asks for proof of his vaccinations: those of his Profil were on no sheet (the list of documents
    printed two documents' titles; the copy's summary, inside a ZIP, all his dossier and his INS). A sheet of their
    own: his name and birth, each vaccine with its date, its lot and who declared it, oldest first, by name (no
    "vous" on paper); none of his documents, no INS; a professional is not offered it."""
    from datetime import date as day

    from tests.test_export_for_parents import attached_by_mother

    leo = await new_patient(db, given_name="Léo", birth=day(2022, 3, 10), serial=6, sex="M")
    await add_text_document(db, app, leo.dossier, title="Consultation otite", category="compte_rendu")
    async with AsyncTestClient(app, base_url=ORIGIN) as client:
        await attached_by_mother(client, db, leo, serial=7)
        for label, given, lot in (("Priorix (ROR)", "15/03/2023", ""), ("BCG (fait en Algérie)", "10/04/2022", "X99")):
            answer = await add(client, leo, "vaccination", label=label, started_on=given, lot=lot)
            assert answer.status_code == 303, answer.text
        profile = (await client.get(url(leo))).text
        sheet = await client.get(url(leo, "/vaccinations/imprimer"))
    assert f'<a href="/dossiers/{leo.dossier.id}/profil/vaccinations/imprimer">Imprimer les vaccinations</a>' in profile
    assert sheet.status_code == 200 and sheet.headers["cache-control"] == "no-store"
    printed = re.search(r'<section class="vaccination-print">.*?</section>', sheet.text, re.S).group(0)
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", printed)).split())
    assert "Vaccinations de Léo Martin Léo Martin · né le 10 mars 2022" in words
    assert words.index("BCG (fait en Algérie)") < words.index("Priorix (ROR)")  # oldest first, as a carnet de santé
    assert "10 avril 2022 BCG (fait en Algérie) lot X99 Camille Martin (proche)" in words
    assert "15 mars 2023 Priorix (ROR) Camille Martin (proche)" in words and "vous" not in words.lower().split()
    assert leo.patient.ins not in printed.replace(" ", "") and "Consultation otite" not in sheet.text
    assert "Il ne remplace ni le carnet de santé ni un certificat de vaccination signé par un médecin." in words
    doctor_ = await doctor(db)
    await grants.grant_access(db, dossier=leo.dossier, professional=doctor_, categories="", duration="sans",
                              actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=doctor_)) as client:
        assert "Imprimer les vaccinations" not in (await client.get(url(leo))).text
        assert (await client.get(url(leo, "/vaccinations/imprimer"))).status_code == 404


async def test_a_sheet_of_one_vaccination_or_none_puts_no_order_on_it(app, db):
    """"0 vaccination, de la plus ancienne à la plus récente" above "Aucune vaccination n'est notée", and "1
    vaccination, de la plus ancienne à la plus récente": one is counted without an order, none not counted at all."""
    from datetime import date as day

    paul = await new_patient(db, given_name="Paul", birth=day(1990, 5, 4), serial=5, sex="M")
    async with await as_patient(app, db, paul) as client:
        empty = text_of(await client.get(url(paul, "/vaccinations/imprimer")))
        answer = await add(client, paul, "vaccination", label="Revaxis", started_on="12/06/2015")
        assert answer.status_code == 303, answer.text
        one = text_of(await client.get(url(paul, "/vaccinations/imprimer")))
    assert "Aucune vaccination n'est notée au profil médical." in empty and "0 vaccination" not in empty
    assert "de la plus ancienne" not in empty
    assert re.search(r"Édité le [^·]+ · 1 vaccination Date Vaccin", one) and "de la plus ancienne" not in one


async def test_a_relative_who_only_reads_is_not_told_to_note_an_unknown_vaccine_again(app, db, patient):
    """Léa only reads Camille's dossier: the profile told her to note a vaccine Carnet did not know again and delete
    the old line, neither of which she may do (the form answers her 403). She is told it counts for nothing; the
    advice is for those who may act on it."""
    await add_item(db, dossier=patient.dossier, actor=CAMILLE, today=TODAY,
                   data=ItemInput("vaccination", label="Typhim Vi", started_on=TODAY.replace(year=TODAY.year - 2)),
                   added_by_account_id=(await account_for_patient(db, patient=patient.patient)).id)
    reader = await caregiver(db, patient, level="lecture", given="Léa")
    advice = "Un vaccin reçu à l'étranger sous un autre nom compte si son nom dit aussi la maladie"
    async with browser(app, db, reader) as client:
        hers = text_of(await client.get(url(patient)))
    assert "Carnet ne reconnaît pas ce vaccin : il ne compte dans aucune vaccination de ce calcul." in hers
    assert "Ajouter une vaccination" not in hers
    assert advice not in hers
    async with await as_patient(app, db, patient) as client:
        assert advice in text_of(await client.get(url(patient)))
