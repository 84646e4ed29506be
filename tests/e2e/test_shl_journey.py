"""SMART Health Links (issue 12): the patient makes an emergency-card link with a passcode on her phone; a
stranger's phone, with no Carnet account, opens it with a name and the passcode and reads the card."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from server.accesslog.audit import Actor
from server.db import make_sessionmaker
from server.i18n.formats import date_fr
from tests.e2e.seeding import writer_engine
from server.models import Dossier
from server.profile.ending import end_item
from server.profile.items import ItemInput, add_item, set_item_hidden
from tests.e2e.conftest import run_async
from tests.e2e.seeding import SeededPatient, paris_today
from tests.e2e.steps import PHONE, assert_fits_phone, log_in, menu

pytestmark = pytest.mark.e2e

CAMILLE = Actor(None, "patient", "Camille Martin")
RECIPIENT = "Dr Anne Roux, urgences de Lyon"
PASSCODE = "soleil-42"


async def seed_profile(data_dir: Path, patient: SeededPatient) -> None:
    """An allergy, a person to contact and a vaccination (not on an emergency card), an allergy she hid, a treatment
    she takes and one she stopped."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            dossier = await db.get(Dossier, patient.dossier_id)
            today = paris_today()
            for data in (ItemInput("allergy", label="Pénicilline", detail="Urticaire géante", severity="severe"),
                         ItemInput("contact", label="Paul Martin", detail="Époux", phone="06 12 34 56 78"),
                         ItemInput("vaccination", label="Vaccin DTP", started_on=today)):
                await add_item(db, dossier=dossier, data=data, actor=CAMILLE, today=today)
            hidden = await add_item(db, dossier=dossier, actor=CAMILLE, today=today,
                                    data=ItemInput("allergy", label="Arachide", severity="moderee"))
            await set_item_hidden(db, item=hidden, hidden=True, actor=CAMILLE)
            await add_item(db, dossier=dossier, actor=CAMILLE, today=today,
                           data=ItemInput("treatment", label="Levothyrox 50 µg"))
            stopped = await add_item(db, dossier=dossier, actor=CAMILLE, today=today,
                                     data=ItemInput("treatment", label="Amoxicilline 1 g"))
            await end_item(db, item=stopped, ended_on=today, actor=CAMILLE, today=today)
    finally:
        await engine.dispose()


@pytest.fixture
def stranger(browser, server, console):
    """Another person's phone: no Carnet account, no cookie, only the link."""
    context = browser.new_context(base_url=server.url, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", lambda m: console.append(f"{m.text} ({page.url})") if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e} ({page.url})"))
    yield page
    context.close()


def make_emergency_link(page, patient, *, label: str = "Voyage au Portugal", passcode: str = PASSCODE) -> str:
    """On the patient's phone: "Accès", then "Liens de partage", an emergency card with a passcode; the link shown."""
    page.goto("/")
    menu(page, "Accès").click()
    page.get_by_role("link", name="Liens de partage").click()
    expect(page.get_by_role("heading", name="Liens de partage", exact=True)).to_be_visible()
    page.get_by_label("Carte d'urgence").check()
    page.get_by_label("Nom du lien (facultatif)").fill(label)
    page.get_by_label("Code d'accès (facultatif)").fill(passcode)
    page.get_by_label("7 jours").check()
    page.get_by_role("button", name="Créer le lien").click()
    # A link left unnamed is named by what it shows, once (an outside tester read "Carte d'urgence : « Carte
    # d'urgence »").
    called = label or "Carte d'urgence"
    expect(page.get_by_role("heading", name=f"Carte d'urgence : « {label} »" if label else called,
                            exact=True)).to_be_visible()
    expect(page.get_by_role("img", name=f"QR code du lien « {called} »")).to_be_visible()
    # Said once (a whole page loads: a screen reader heard only its title, an accessibility probe).
    expect(page.get_by_role("status").filter(has_text="Le lien de partage est créé")).to_be_visible()
    assert_fits_phone(page)
    return page.get_by_label("Lien à copier").input_value()


def test_an_empty_field_of_the_viewer_is_said_as_carnets_forms_say_it(page, stranger, console, server, seed):
    """An accessibility probe: the viewer's empty form was the browser's own bubble, in its language, gone at once."""
    patient = seed()
    log_in(page, patient)
    stranger.goto(make_emergency_link(page, patient))
    stranger.get_by_role("button", name="Afficher les informations").click()
    name = stranger.get_by_label("Votre nom et votre service")
    expect(stranger.get_by_role("alert")).to_have_text(
        "Saisissez votre nom et votre service : ils seront inscrits dans l'historique du dossier.")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    name.fill(RECIPIENT)
    stranger.get_by_role("button", name="Afficher les informations").click()
    passcode = stranger.get_by_label("Code d'accès")
    expect(passcode).to_be_focused()
    expect(stranger.get_by_role("alert")).to_contain_text("Saisissez le code d'accès")
    expect(name).not_to_have_attribute("aria-invalid", "true")


def test_an_emergency_card_link_opens_on_a_strangers_phone_with_a_name_and_the_passcode(
    page, stranger, console, server, seed,
):
    patient = seed()
    run_async(seed_profile(server.data_dir, patient))
    log_in(page, patient)
    address = make_emergency_link(page, patient)
    assert address.startswith(f"{server.url}/shl#shlink:/")

    sent = []
    stranger.on("request", lambda r: sent.append((r.method, r.url)))
    stranger.goto(address)
    expect(stranger.get_by_text("« Voyage au Portugal »")).to_be_visible()
    assert stranger.url == f"{server.url}/shl"  # read, the link (its key, its label) left the address and history
    stranger.get_by_label("Votre nom").fill(RECIPIENT)

    # A wrong passcode: the attempts left, and the card stays closed.
    console.allow("status of 401")
    stranger.get_by_label("Code d'accès").fill("lune-99")
    stranger.get_by_role("button", name="Afficher les informations").click()
    expect(stranger.get_by_role("alert")).to_have_text(
        "Code d'accès incorrect. Il reste 9 essais avant que le lien soit bloqué.")
    expect(stranger.get_by_role("region", name="Allergies et intolérances")).to_have_count(0)

    stranger.get_by_label("Code d'accès").fill(PASSCODE)
    stranger.get_by_role("button", name="Afficher les informations").click()
    expect(stranger.get_by_role("heading", name="Carte d'urgence — Camille Martin")).to_be_visible()
    # The form that had the focus is gone: the focus is on what opened (an accessibility probe: it fell to <body>).
    expect(stranger.get_by_role("heading", name="Carte d'urgence — Camille Martin")).to_be_focused()
    expect(stranger.get_by_role("region", name="Patient")).to_contain_text("12 mars 1984")
    assert "12\u00a0mars 1984" in stranger.get_by_role("region", name="Patient").text_content()  # never "12" alone
    allergies = stranger.get_by_role("region", name="Allergies et intolérances")
    expect(allergies).to_contain_text("Pénicilline — gravité sévère — Urticaire géante")
    expect(allergies).not_to_contain_text("Arachide")  # hidden from professionals: never on a link
    contacts = stranger.get_by_role("region", name="Personnes à prévenir")
    expect(contacts).to_contain_text("Paul Martin — Époux")
    # In international form, which a phone abroad dials too ("06 12 34 56 78" reaches no one from Lisbon).
    expect(contacts.get_by_role("link", name="+33 6 12 34 56 78")).to_have_attribute("href", "tel:+33612345678")
    expect(stranger.get_by_text("Vaccin DTP")).to_have_count(0)  # not on an emergency card
    # A stopped treatment says so (a probe's find: it read as one in progress, under "Traitements en cours").
    treatments = stranger.get_by_role("region", name="Traitements")
    expect(treatments).to_contain_text("Levothyrox 50 µg")
    expect(treatments.get_by_role("listitem").filter(has_text="Amoxicilline 1 g")).to_contain_text("arrêté le")
    expect(treatments.get_by_role("listitem").filter(has_text="Levothyrox")).not_to_contain_text("arrêté")
    expect(stranger.get_by_role("alert")).to_be_hidden()
    assert_fits_phone(stranger)

    # It sent the manifest's POST and nothing else; the key, after "#", never left the phone.
    key = address.split("#", 1)[1]
    manifest = [url for method, url in sent if method != "GET"]
    assert len(manifest) == 2 and all(re.fullmatch(rf"{server.url}/shl/[\w-]{{43}}/manifest", url) for url in manifest)
    assert not any(key in url or "#" in url for _, url in sent)

    # The patient reads who opened it, under the name they gave.
    page.goto("/historique")
    expect(page.get_by_text(re.compile(
        rf"{re.escape(RECIPIENT)} \(nom déclaré par le destinataire\) a ouvert le lien de partage "
        r"«\s?Voyage au Portugal\s?» \(carte d'urgence\)"))).to_be_visible()

    # She turns it off; the same link, opened again, says it no longer opens.
    page.goto(f"/dossiers/{patient.dossier_id}/liens-sante")
    expect(page.get_by_text("Ouvert 1 fois")).to_be_visible()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message.replace("\u00a0", " ")), dialog.accept()))
    # Named for its link (a screen reader heard "Désactiver" for each), and said done once turned off.
    page.get_by_role("button", name="Désactiver le lien « Voyage au Portugal »").click()
    expect(page.get_by_role("status")).to_contain_text("Le lien est désactivé : il ne s'ouvre plus, pour personne.")
    expect(page.get_by_text(re.compile("désactivé le"))).to_be_visible()
    assert asked == ["Désactiver le lien « Voyage au Portugal » ? Il ne s'ouvrira plus, pour personne."]
    console.allow("status of 404")
    stranger.goto(address)  # the link, opened again
    stranger.get_by_label("Votre nom").fill(RECIPIENT)
    stranger.get_by_label("Code d'accès").fill(PASSCODE)
    stranger.get_by_role("button", name="Afficher les informations").click()
    expect(stranger.get_by_role("alert")).to_have_text(
        "Ce lien n'est plus valable : il a expiré, a été désactivé ou bloqué, ou il ne s'ouvrait qu'une fois et "
        "l'a déjà été. Demandez-en un nouveau à la personne qui vous l'a donné.")


# What a link's reader is told of what the patient hid, as a professional is on her profile
# (partials/profile_may_be_hidden.html), in the viewer's two languages.
MAY_BE_HIDDEN = {
    "fr-FR": ("Certaines informations peuvent être masquées aux professionnels, et un lien de partage ne les montre "
              "jamais : ce qui suit peut être incomplet, même là où rien n'est indiqué."),
    "en-GB": ("Some information may be hidden from professionals, and a sharing link never shows it: what follows may "
              "be incomplete, even where nothing is indicated."),
}


def test_a_links_reader_is_told_what_is_hidden_never_shows_whether_or_not_anything_is(
    page, another_phone, browser, server, seed,
):
    """An outside probe: the link's maker is told that what she hid is never on it, its reader was not, and would take
    a card for all there is. Told in the page's language, the same of a card with a hidden allergy as of one with
    nothing hidden, so that it says nothing of what the patient did; on paper too."""
    hid, hid_nothing = seed(), seed()
    run_async(seed_profile(server.data_dir, hid))  # her peanut allergy hidden from professionals
    addresses = []
    for phone, patient in ((page, hid), (another_phone.page, hid_nothing)):
        log_in(phone, patient)
        addresses.append(make_emergency_link(phone, patient))
    for locale, sentence in MAY_BE_HIDDEN.items():
        context = browser.new_context(base_url=server.url, **{**PHONE, "locale": locale})
        try:
            stranger = context.new_page()
            for address in addresses:
                stranger.goto(address)
                stranger.get_by_label(re.compile("^(Votre nom et votre service|Your name and your department)$")).fill(
                    RECIPIENT)
                stranger.get_by_label(re.compile("^(Code d'accès|Passcode)$")).fill(PASSCODE)
                stranger.get_by_role("button", name=re.compile("^(Afficher les informations|Show the information)$")
                                     ).click()
                expect(stranger.get_by_role("region", name=re.compile("^(Allergies et intolérances|Allergies and "
                                                                      "intolerances)$"))).to_be_visible()
                expect(stranger.get_by_text(sentence)).to_be_visible()
                stranger.emulate_media(media="print")
                expect(stranger.get_by_text(sentence)).to_be_visible()
                stranger.emulate_media(media="screen")
        finally:
            context.close()


def test_a_second_link_opened_in_the_same_tab_shows_its_own_card_never_the_first(page, stranger, console, server,
                                                                                  seed):
    """From one link to the next only the part after "#" changes, so the browser keeps the page: the viewer starts
    again for the new link, and nothing of the first patient's card stays on screen or answers for the second."""
    first, second = seed(), seed()
    run_async(seed_profile(server.data_dir, first))  # the first has an allergy on her card, the second nothing
    log_in(page, first)
    one = make_emergency_link(page, first, label="Voyage au Portugal")
    page.context.clear_cookies()
    log_in(page, second)
    other = make_emergency_link(page, second, label="Colonie de vacances", passcode="")

    sent = []
    stranger.on("request", lambda r: sent.append((r.method, r.url)))
    stranger.goto(one)
    stranger.get_by_label("Votre nom").fill(RECIPIENT)
    stranger.get_by_label("Code d'accès").fill(PASSCODE)
    stranger.get_by_role("button", name="Afficher les informations").click()
    expect(stranger.get_by_role("region", name="Allergies et intolérances")).to_contain_text("Pénicilline")

    stranger.goto(other)  # the same page, another fragment
    expect(stranger.get_by_text("« Colonie de vacances »")).to_be_visible()
    expect(stranger.get_by_text("« Voyage au Portugal »")).to_have_count(0)
    expect(stranger.get_by_text("Pénicilline")).to_have_count(0)
    expect(stranger.get_by_label("Code d'accès")).to_be_hidden()  # the second link asks none
    sent.clear()
    stranger.get_by_label("Votre nom").fill(RECIPIENT)
    stranger.get_by_role("button", name="Afficher les informations").click()
    expect(stranger.get_by_role("heading", name="Carte d'urgence — Camille Martin")).to_be_visible()
    expect(stranger.get_by_text("Pénicilline")).to_have_count(0)
    posted = [url for method, url in sent if method == "POST"]
    assert len(posted) == 1, posted
    assert re.search(r"/shl/([\w-]{43})/", posted[0]).group(1) not in one, (posted, one)


def test_without_javascript_the_link_says_what_it_needs(browser, server, page, console, seed):
    patient = seed()
    log_in(page, patient)
    address = make_emergency_link(page, patient)
    context = browser.new_context(base_url=server.url, java_script_enabled=False, **PHONE)
    try:
        no_js = context.new_page()
        no_js.goto(address)
        expect(no_js.get_by_role("alert")).to_contain_text("Cette page a besoin de JavaScript pour ouvrir le lien")
        expect(no_js.get_by_label("Votre nom")).to_be_hidden()
        assert_fits_phone(no_js)
    finally:
        context.close()


def test_a_summary_reads_in_the_strangers_language_with_its_numbers_written_as_it_writes_them(
    page, browser, server, console, seed,
):
    """The summary comes in French from the server; the viewer titles its sections by their LOINC codes and writes
    its numbers in the page's language: "60,4 kg" in French, "60.4 kg" and "Allergies and intolerances" in English."""
    patient = seed()
    run_async(seed_profile(server.data_dir, patient))

    async def weight() -> None:
        engine = writer_engine(server.data_dir)
        try:
            async with make_sessionmaker(engine)() as db:
                dossier = await db.get(Dossier, patient.dossier_id)
                await add_item(db, dossier=dossier, actor=CAMILLE, today=paris_today(),
                               data=ItemInput("measurement", label="weight", value="60,4", started_on=paris_today()))
                await add_item(db, dossier=dossier, actor=CAMILLE, today=paris_today(),
                               data=ItemInput("organ_donation", label="donneur"))
        finally:
            await engine.dispose()

    run_async(weight())
    log_in(page, patient)
    page.goto(f"/dossiers/{patient.dossier_id}/liens-sante")
    page.get_by_label("Synthèse médicale").check()
    page.get_by_label("7 jours").check()
    page.get_by_role("button", name="Créer le lien").click()
    address = page.get_by_label("Lien à copier").input_value()

    # Carnet's own words in the summary (a measure's name, a choice on organ donation) are said by their codes too:
    # an English page said "Poids" and "donneur" (an outside probe's finds).
    # Its heading too (it said "Synthèse médicale — …" on an English page).
    for locale, label, allergies, measures, weighs, donation, heading in (
            ("fr-FR", "Votre nom et votre service", "Allergies et intolérances", "Mesures", "Poids — 60,4\u00a0kg",
             "Don d'organes — Favorable au don d'organes", "Synthèse médicale — "),
            ("en-GB", "Your name and your department", "Allergies and intolerances", "Measurements", "Weight — 60.4\u00a0kg",
             "Organ donation — In favour of organ donation", "Medical summary — ")):
        context = browser.new_context(base_url=server.url, **{**PHONE, "locale": locale})
        try:
            stranger = context.new_page()
            stranger.goto(address)
            stranger.get_by_label(label).fill(RECIPIENT)
            stranger.get_by_role("button", name=re.compile("Afficher les informations|Show")).click()
            expect(stranger.get_by_role("region", name=allergies)).to_contain_text("Pénicilline")
            expect(stranger.get_by_role("region", name=measures)).to_contain_text(weighs)
            expect(stranger.get_by_text(donation)).to_be_visible()
            expect(stranger.get_by_role("heading", level=1)).to_have_text(re.compile("^" + heading))
        finally:
            context.close()


TAKEN = ("Le lien n'est plus dans l'adresse de cette page : il en est retiré dès son ouverture, pour qu'il ne reste "
         "pas dans l'historique du navigateur. Ouvrez-le de nouveau depuis le message reçu, ou scannez à nouveau le QR "
         "code.")


def test_a_reloaded_viewer_says_where_the_link_went_and_the_link_opens_again(page, stranger, console, server, seed):
    """A reload (the recipient's thumb pulled the page down) found the address without the link, which the viewer takes
    out of the history, and called it broken: it says why and where to find it. The link is kept nowhere, not even in
    the tab's storage (a closed tab's restore would bring its key back); opened again, it opens while active (the
    spec lets the manifest be fetched again), and once revoked says so."""
    patient = seed()
    run_async(seed_profile(server.data_dir, patient))
    log_in(page, patient)
    address = make_emergency_link(page, patient)
    stranger.goto(address)
    stranger.get_by_label("Votre nom").fill(RECIPIENT)
    stranger.get_by_label("Code d'accès").fill(PASSCODE)
    stranger.get_by_role("button", name="Afficher les informations").click()
    expect(stranger.get_by_role("heading", name="Carte d'urgence — Camille Martin")).to_be_visible()

    stranger.reload()
    expect(stranger.get_by_role("alert")).to_have_text(TAKEN)
    expect(stranger.get_by_label("Votre nom")).to_be_hidden()
    expect(stranger.get_by_role("region", name="Allergies et intolérances")).to_have_count(0)
    assert stranger.url == f"{server.url}/shl"  # the link did not come back into the address or the history
    assert stranger.evaluate("() => sessionStorage.length + localStorage.length") == 0

    stranger.goto(address)  # from the message again
    stranger.get_by_label("Votre nom").fill(RECIPIENT)
    stranger.get_by_label("Code d'accès").fill(PASSCODE)
    stranger.get_by_role("button", name="Afficher les informations").click()
    expect(stranger.get_by_role("region", name="Allergies et intolérances")).to_contain_text("Pénicilline")

    # Turned off, the link opens no more, and says so in the words the server allows.
    page.goto(f"/dossiers/{patient.dossier_id}/liens-sante")
    expect(page.get_by_text("Ouvert 2 fois")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("^Désactiver le lien")).click()
    expect(page.get_by_text(re.compile("désactivé le"))).to_be_visible()
    console.allow("status of 404")
    stranger.goto("/")
    stranger.goto(address)
    stranger.get_by_label("Votre nom").fill(RECIPIENT)
    stranger.get_by_label("Code d'accès").fill(PASSCODE)
    stranger.get_by_role("button", name="Afficher les informations").click()
    expect(stranger.get_by_role("alert")).to_have_text(
        "Ce lien n'est plus valable : il a expiré, a été désactivé ou bloqué, ou il ne s'ouvrait qu'une fois et "
        "l'a déjà été. Demandez-en un nouveau à la personne qui vous l'a donné.")
    expect(stranger.get_by_role("region", name="Allergies et intolérances")).to_have_count(0)

    # Back to the viewer from another page, or its address alone in another tab: the same words.
    stranger.goto("/")
    stranger.go_back()
    expect(stranger.get_by_role("alert")).to_have_text(TAKEN)
    other = stranger.context.new_page()
    other.goto("/shl")
    expect(other.get_by_role("alert")).to_have_text(TAKEN)
    expect(other.get_by_label("Votre nom")).to_be_hidden()


def the_time_in(sentence: str) -> tuple[int, str]:
    """The minutes of the day a "… à 8 h 35 (…)" sentence says, and the zone it names ("" for none)."""
    found = re.search(r"à (\d+)\u00a0h\u00a0(\d\d)(?: \(([^)]+)\))?", sentence)
    assert found, sentence
    return int(found.group(1)) * 60 + int(found.group(2)), found.group(3) or ""


def minutes_apart(shown: int, zone: str) -> int:
    now = datetime.now(ZoneInfo(zone))
    return abs((shown - (now.hour * 60 + now.minute) + 720) % 1440 - 720)


def test_a_doctor_in_lisbon_reads_the_card_in_english_or_in_french_and_at_her_own_time(page, browser, server, console,
                                                                                     seed):
    """A Portuguese browser in Lisbon (an outside probe's): the viewer spoke French, which she may not read, and wrote
    Paris's time, an hour ahead of hers, unlabelled. It speaks English, offers French, which opens the same link, and
    writes her own time, naming its zone; a French doctor in France reads Paris's, which needs no name."""
    patient = seed()
    run_async(seed_profile(server.data_dir, patient))
    log_in(page, patient)
    address = make_emergency_link(page, patient)
    lisbon = browser.new_context(base_url=server.url, **{**PHONE, "locale": "pt-PT", "timezone_id": "Europe/Lisbon"})
    paris = browser.new_context(base_url=server.url, **PHONE)
    try:
        doctor = lisbon.new_page()
        doctor.on("pageerror", lambda e: console.append(f"uncaught: {e} ({doctor.url})"))
        doctor.goto(address)
        expect(doctor.get_by_label("Your name and your department")).to_be_visible()
        # The name the patient gave the link, in whichever language she wrote it: quoted as the page quotes, and
        # said to be in none (`test_a_links_name_is_quoted_as_the_viewer_quotes_in_no_language_of_its_own`).
        expect(doctor.get_by_text("\u201cVoyage au Portugal\u201d", exact=True)).not_to_have_attribute("lang", "fr")
        doctor.get_by_role("button", name="Français").click()
        expect(doctor.get_by_text("« Voyage au Portugal »")).to_be_visible()  # the same link, opened again
        expect(doctor.get_by_text("« Voyage au Portugal »")).not_to_have_attribute("lang", "fr")
        assert doctor.url == f"{server.url}/shl?langue=fr"  # and out of the address once read
        doctor.get_by_label("Votre nom et votre service").fill("Dra Ana Sousa, Hospital de Santa Maria")
        doctor.get_by_label("Code d'accès").fill(PASSCODE)
        doctor.get_by_role("button", name="Afficher les informations").click()
        expect(doctor.get_by_role("heading", name="Carte d'urgence — Camille Martin")).to_be_visible()
        shown, zone = the_time_in(doctor.get_by_text(re.compile("^Informations à jour le")).text_content())
        assert minutes_apart(shown, "Europe/Lisbon") <= 2 and re.search("Europe de l.Ouest", zone), (shown, zone)
        expect(doctor.locator("#shl-result [lang]")).to_have_count(0)  # a French page: French throughout
        # And back, if she prefers, the card as it opened, in English: not opened again (a single-use link would be
        # spent, and the patient would read a second opening; an outside probe's find), printed for her file.
        sent = []
        doctor.on("request", lambda request: sent.append((request.method, request.url)))
        doctor.get_by_role("button", name="English").click()
        expect(doctor.get_by_role("heading", name="Emergency card — Camille Martin")).to_be_focused()
        expect(doctor.locator("html")).to_have_attribute("lang", "en")
        expect(doctor.get_by_role("heading", name="Allergies and intolerances")).to_be_visible()
        expect(doctor.get_by_text(re.compile("^Information up to date on"))).to_be_visible()
        # What the card holds as the dossier wrote it is French on the English page (WCAG 3.1.2: an accessibility
        # probe's find), so that her screen reader reads it with a French voice; the page's own words are English.
        for written in ("Pénicilline", "Urticaire géante", "Levothyrox 50 µg", "Époux"):
            expect(doctor.get_by_text(written, exact=True)).to_have_attribute("lang", "fr")
        expect(doctor.locator("#shl-label")).to_have_text("\u201cVoyage au Portugal\u201d")  # the patient's, as above
        expect(doctor.locator("#shl-label")).not_to_have_attribute("lang", "fr")
        expect(doctor.get_by_role("region", name="Allergies and intolerances")).to_contain_text(
            "Pénicilline — severity: severe — Urticaire géante")
        expect(doctor.get_by_role("heading", name="Allergies and intolerances")).not_to_have_attribute("lang", "fr")
        expect(doctor.get_by_role("button", name="Français")).to_be_visible()
        expect(doctor.get_by_label("Your name and your department")).to_be_hidden()
        assert [method for method, url in sent] == ["GET"] and sent[0][1] == f"{server.url}/shl?langue=en", sent
        assert doctor.url == f"{server.url}/shl?langue=fr"  # the link nowhere: not in the address, not in a request
        expect(doctor.get_by_role("button", name="Print or save as PDF")).to_be_visible()
        doctor.emulate_media(media="print")  # on paper: the card, without the page's buttons
        expect(doctor.get_by_role("heading", name="Emergency card — Camille Martin")).to_be_visible()
        expect(doctor.get_by_role("button", name="Print or save as PDF")).to_be_hidden()
        expect(doctor.get_by_role("button", name="Français")).to_be_hidden()
        doctor.emulate_media(media="screen")
        page.goto(f"/dossiers/{patient.dossier_id}/liens-sante")
        expect(page.get_by_text("Ouvert 1 fois")).to_be_visible()

        french = paris.new_page()
        french.goto(address)
        french.get_by_label("Votre nom et votre service").fill(RECIPIENT)
        french.get_by_label("Code d'accès").fill(PASSCODE)
        french.get_by_role("button", name="Afficher les informations").click()
        shown, zone = the_time_in(french.get_by_text(re.compile("^Informations à jour le")).text_content())
        assert minutes_apart(shown, "Europe/Paris") <= 2 and zone == "", (shown, zone)
    finally:
        lisbon.close()
        paris.close()


def test_a_links_name_is_quoted_as_the_viewer_quotes_in_no_language_of_its_own(page, browser, server, console,
                                                                              seed):
    """An English-speaking patient abroad (an outside tester's): "Holiday in Spain – Dr García" showed on an English
    viewer as « Holiday in Spain – Dr García », in French guillemets, and said to be French, so read by a French
    voice. The name is the patient's, in a language nobody knows: in the page's quotes, with no language of its own.
    A link left unnamed carries what it shows, which the viewer says in its own language."""
    patient = seed()
    log_in(page, patient)
    named = make_emergency_link(page, patient, label="Holiday in Spain – Dr García", passcode="")
    unnamed = make_emergency_link(page, patient, label="", passcode="")
    for locale, name, card in (("en-GB", "\u201cHoliday in Spain – Dr García\u201d", "\u201cEmergency card\u201d"),
                               ("fr-FR", "« Holiday in Spain – Dr García »", "« Carte d'urgence »")):
        context = browser.new_context(base_url=server.url, **{**PHONE, "locale": locale})
        try:
            stranger = context.new_page()
            for address, said in ((named, name), (unnamed, card)):
                stranger.goto(address)
                expect(stranger.locator("#shl-label")).to_have_text(said)
                expect(stranger.locator("#shl-label")).not_to_have_attribute("lang", re.compile("."))
                stranger.goto("about:blank")  # another link in this tab reloads the viewer: a fresh start each
        finally:
            context.close()


def test_a_pregnancy_declared_just_after_midnight_in_paris_reads_that_day_on_a_paris_phone(page, stranger, server,
                                                                                           seed):
    """The card says a pregnancy in progress "since" the day it was declared, an instant in UTC: one declared at 00:30
    in Paris read as the day before, UTC's (the review's find)."""
    patient = seed()
    today = paris_today()
    midnight = datetime(today.year, today.month, today.day, tzinfo=ZoneInfo("Europe/Paris"))
    declared = (midnight + timedelta(minutes=30)).astimezone(UTC)  # 23:30 or 22:30 UTC the day before

    async def pregnant() -> None:
        engine = writer_engine(server.data_dir)
        try:
            async with make_sessionmaker(engine)() as db:
                item = await add_item(db, dossier=await db.get(Dossier, patient.dossier_id), actor=CAMILLE,
                                      today=today, data=ItemInput("pregnancy", expected_on=today + timedelta(weeks=20)))
                item.created_at = declared
                db.add(item)
                await db.commit()
        finally:
            await engine.dispose()

    run_async(pregnant())
    log_in(page, patient)
    stranger.goto(make_emergency_link(page, patient))
    stranger.get_by_label("Votre nom et votre service").fill(RECIPIENT)
    stranger.get_by_label("Code d'accès").fill(PASSCODE)
    stranger.get_by_role("button", name="Afficher les informations").click()
    section = stranger.get_by_role("region", name="Grossesse")
    expect(section).to_contain_text(date_fr(today))
    expect(section).not_to_contain_text(date_fr(today - timedelta(days=1)))
