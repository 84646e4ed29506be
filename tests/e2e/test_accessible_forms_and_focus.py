"""What a screen reader or a keyboard user meets on a phone: a refused field is marked, described by the message and
focused, typed values kept; the focus never falls to <body> after "Charger plus" or "Vu"; a search's count is said by
a status that stays; a tap with no network, and a passkey that fails, say so in French."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import log_in, log_in_professional, menu, open_access_line
from tests.e2e.test_emergency_journey import ask_for_emergency_access
from tests.e2e.test_invitation_existing_account import invite_a_relative_to_read

pytestmark = pytest.mark.e2e

OFFLINE = "Pas de connexion : vérifiez votre réseau puis réessayez."


def test_a_refused_field_is_marked_described_by_the_message_and_focused(page: Page, seed, console):
    patient = seed()
    console.allow("status of 400")  # the refused forms, on purpose

    # Activation with no birth date: the date is the wrong field, the code is not.
    page.goto("/activer")
    page.get_by_label("Code d'activation").fill(patient.code)
    page.get_by_role("button", name="Continuer").click()
    date = page.get_by_label("Date de naissance")
    expect(date).to_be_focused()
    expect(date).to_have_attribute("aria-invalid", "true")
    expect(date).to_have_accessible_description("Saisissez votre date de naissance (JJ/MM/AAAA).")  # of it alone
    code = page.get_by_label("Code d'activation")
    expect(code).to_have_value(patient.code)
    expect(code).not_to_have_attribute("aria-invalid", "true")
    expect(code).to_have_accessible_description("12 caractères, par exemple 7KQ2-M9XD-4TRA")  # its hint, still

    log_in(page, patient)
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=allergy")
    page.get_by_role("button", name="Enregistrer").click()
    substance = page.get_by_label("Substance")
    expect(substance).to_be_focused()
    expect(substance).to_have_attribute("aria-invalid", "true")
    # The message first, then the field's own hint.
    expect(substance).to_have_accessible_description(re.compile(r"^Indiquez la substance\. Un médicament"))

    substance.fill("Pénicilline")
    expect(page.get_by_role("combobox", name="Gravité")).to_have_value("")  # "Je ne sais pas": not asked for
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Pénicilline")).to_be_visible()

    # A vaccination dated before her birth: the date is the field pointed at, the vaccine's name kept.
    page.goto(f"/dossiers/{patient.dossier_id}/profil/ajouter?type=vaccination")
    vaccine = page.get_by_label("Vaccin", exact=True)
    vaccine.fill("Grippe")
    when = page.get_by_label("Date de la vaccination")
    when.fill("1950-01-01")
    page.get_by_role("button", name="Enregistrer").click()
    expect(when).to_be_focused()
    expect(when).to_have_attribute("aria-invalid", "true")
    expect(when).to_have_accessible_description("La date ne peut pas précéder la naissance (12\u00a0mars 1984).")
    expect(vaccine).to_have_value("Grippe")
    expect(vaccine).not_to_have_attribute("aria-invalid", "true")


def test_an_invitations_form_keeps_the_typed_name_and_points_at_the_missing_one(
        page: Page, another_phone, seed_person, server, console):
    from tests.e2e.test_invitation_existing_account import a_father

    father = a_father(seed_person)
    console.allow("status of 400")
    log_in(page, father)
    code = invite_a_relative_to_read(page)

    son = another_phone.page
    son.goto(f"{server.url}/invitation#i={code}")
    son.get_by_role("button", name="Voir l'invitation").click()
    son.get_by_label("Votre prénom").fill("Marc")
    family = son.get_by_label("Votre nom", exact=True)
    family.fill("   ")  # passes the browser's "required", not Carnet
    son.get_by_role("button", name="Créer mon compte et accepter").click()
    expect(family).to_be_focused()
    expect(family).to_have_attribute("aria-invalid", "true")
    expect(family).to_have_accessible_description(
        "Saisissez votre prénom et votre nom : la personne qui vous invite les verra.")
    expect(son.get_by_label("Votre prénom")).to_have_value("Marc")


def test_a_professionals_refused_emergency_request_focuses_the_wrong_field_and_keeps_what_was_typed(
        page: Page, seed, seed_professional, console):
    patient = seed()
    doctor = seed_professional(given_name="Anne", family_name="Leroy", profession="médecin", city="Nantes")
    console.allow("status of 400")
    log_in_professional(page, doctor)

    # A reason of a few words: the reason is the wrong field, described by the message, then by its own hint.
    ask_for_emergency_access(page, ins=patient.ins, birth_date=patient.birth_date, reason="Urgence !")
    reason = page.get_by_label("Motif de l'urgence")
    expect(reason).to_be_focused()
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_accessible_description(
        "Décrivez la situation d'urgence (15 caractères au moins). 15 caractères au moins. Le patient lira ce motif.")
    ins = page.get_by_label("Matricule INS du patient")
    expect(ins).to_have_value(patient.ins)
    expect(ins).not_to_have_attribute("aria-invalid", "true")

    # A mistyped INS: now the INS is the one, and the reason typed meanwhile is kept.
    reason.fill("Patient inconscient aux urgences, antécédents inconnus.")
    ins.fill(patient.ins[:-2] + ("00" if patient.ins[-2:] != "00" else "01"))
    page.get_by_role("button", name="Ouvrir le dossier en urgence").click()
    expect(ins).to_be_focused()
    expect(ins).to_have_attribute("aria-invalid", "true")
    expect(ins).to_have_accessible_description(re.compile(r"^Ce matricule INS n'est pas valide"))
    expect(reason).to_have_value("Patient inconscient aux urgences, antécédents inconnus.")
    expect(reason).not_to_have_attribute("aria-invalid", "true")


def test_charger_plus_loads_in_place_and_focuses_the_first_new_document(page: Page, seed):
    patient = seed()
    log_in(page, patient)
    shown = page.locator("a.document-link").count()
    page.get_by_role("link", name="Charger plus").press("Enter")
    first_new = page.get_by_role("link", name=re.compile(re.escape(patient.titles[shown])))
    expect(first_new).to_be_focused()
    # The address says how far the list was loaded, in place of the page's own (Back finds it so).
    expect(page).to_have_url(re.compile(rf"/dossiers/{patient.dossier_id}\?apres=[0-9a-f]{{32}}$"))
    assert page.locator("a.document-link").count() > shown


def test_a_focus_that_tabbed_past_charger_plus_while_it_loaded_comes_back_to_what_came(page: Page, seed):
    """An accessibility probe: Tab onto "Charger plus" (which loads as it comes into view), Tab again before its page
    came, and the focus was in the footer while the documents came in above it, unseen."""
    patient = seed()
    log_in(page, patient)
    shown = page.locator("a.document-link").count()
    held = []
    page.route(re.compile(r".*\?apres=[0-9a-f]{32}$"), lambda route: held.append(route))
    more = page.get_by_role("link", name="Charger plus")
    more.focus()
    more.scroll_into_view_if_needed()
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the next page was not asked"
    page.keyboard.press("Tab")
    expect(more).not_to_be_focused()
    held[0].continue_()
    expect(page.get_by_role("link", name=re.compile(re.escape(patient.titles[shown])))).to_be_focused()


def test_a_search_says_its_count_in_a_status_outside_the_list(page: Page, seed):
    patient = seed()
    log_in(page, patient)
    results = page.locator("#timeline-results")
    expect(results).not_to_have_attribute("aria-live", re.compile(".*"))
    page.get_by_role("searchbox", name="Rechercher dans les documents").fill("genou")
    found = len([title for title in patient.titles if "genou" in title])
    status = page.get_by_role("status").filter(has_text="« genou »")
    # French typography: the guillemets hold no-break spaces (a regex reads them as they are).
    expect(status).to_have_text(re.compile(rf"^{found} documents, les plus pertinents d'abord · «\u00a0genou\u00a0»$"))
    expect(page.locator("#timeline-results a.document-link")).to_have_count(found)


def test_vu_gives_the_focus_to_the_pages_heading(page: Page, seed, seed_professional, seed_grant, seed_reads):
    patient = seed()
    kine = seed_professional()
    seed_grant(patient, kine)
    seed_reads(patient, kine, 2)
    log_in(page, patient)
    banner = page.get_by_role("region", name="Nouveaux accès au dossier")
    banner.get_by_role("button", name=re.compile("^Vu")).press("Enter")
    expect(banner).to_have_count(0)
    expect(page.get_by_role("heading", name="Mon dossier", level=1)).to_be_focused()


def test_a_boosted_page_is_announced_by_its_title_and_tab_starts_from_the_skip_link(page: Page, seed):
    """A link or form htmx boosts brings a page without the browser's page load: its title is said by a status kept
    across pages (the same node), and the focus is where a page load leaves it."""
    log_in(page, seed())
    announcer = page.locator("#page-announcer")
    announcer.evaluate("status => { status.dataset.kept = 'yes'; }")
    menu(page, "Profil").click()
    expect(page).to_have_url(re.compile(r"/profil$"))
    title = page.title()
    assert title.startswith("Mon profil médical"), title
    expect(announcer).to_have_text(title)
    assert announcer.get_attribute("data-kept") == "yes" and announcer.get_attribute("aria-live") == "polite"
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()


def test_what_an_action_did_is_on_screen_and_focused_even_far_down_the_page(page: Page, seed):
    """"Signaler chaque consultation du dossier" is low on the Accès page: the page it leads to has the
    message on screen, focused (so read), not at the top of a page that says nothing."""
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, seed())
    menu(page, "Accès").click()
    open_access_line(page, "Notifications")
    page.get_by_role("button", name="Signaler chaque consultation du dossier").click()
    done = page.get_by_text("C'est noté : chaque consultation du dossier par un professionnel sera signalée.")
    expect(done).to_be_focused()
    expect(done).to_be_in_viewport()
    expect(page.get_by_role("button", name="Ne plus signaler chaque consultation du dossier")).to_be_visible()


def test_a_tap_with_no_network_says_so(page: Page, seed, context, console):
    patient = seed()
    log_in(page, patient)
    for logged in ("ERR_INTERNET_DISCONNECTED", "htmx:sendError", "htmx:afterRequest"):  # htmx logs the failure
        console.allow(logged)
    context.set_offline(True)
    menu(page, "Profil").click()
    expect(page.get_by_role("alert")).to_have_text(OFFLINE)
    expect(page).to_have_url(re.compile(rf"/dossiers/{patient.dossier_id}$"))
    context.set_offline(False)
    menu(page, "Profil").click()
    expect(page.get_by_role("heading", name="Profil médical", level=1)).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_a_page_opened_offline_is_asked_again_by_try_again(page: Page, seed, context, console):
    """The service worker answers a page it cannot reach with its offline page, at that page's address: "Réessayer"
    asks that page again (it led home, an outside probe found)."""
    patient = seed()
    log_in(page, patient)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    console.allow("ERR_INTERNET_DISCONNECTED")
    context.set_offline(True)
    page.goto(f"/dossiers/{patient.dossier_id}/historique")
    expect(page.get_by_role("heading", name="Vous êtes hors ligne")).to_be_visible()
    context.set_offline(False)
    page.get_by_role("link", name="Réessayer").click()
    expect(page).to_have_url(re.compile(rf"/dossiers/{patient.dossier_id}/historique$"))
    expect(page.get_by_role("heading", name="Historique", level=1)).to_be_visible()


def test_a_passkey_that_cannot_be_used_says_why_in_french(page: Page, seed, context, server, console):
    console.allow("ERR_INTERNET_DISCONNECTED")
    page.goto("/connexion")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")  # its script fetched before the network goes
    context.set_offline(True)
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(page.get_by_role("alert")).to_have_text(OFFLINE)
    context.set_offline(False)

    # Not at Carnet's own address: the browser refuses the passkeys of "localhost" there.
    page.goto(server.url.replace("localhost", "127.0.0.1") + "/connexion")
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(page.get_by_role("alert")).to_have_text(
        f"Les clés d'accès ne fonctionnent qu'à l'adresse de Carnet : ouvrez {server.url} et réessayez.")


def test_a_login_on_a_device_without_her_passkey_says_what_to_do(page: Page):
    """An 81-year-old patient's probe: her new phone had no passkey for Carnet and the page said "L'opération a été
    annulée ou a expiré": she had cancelled nothing. The browser tells neither apart, so the page says what to do."""
    page.goto("/connexion")
    expect(page.get_by_text("Une clé d'accès remplace le mot de passe", exact=False)).to_be_visible()
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()  # this device holds none
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Si vous avez changé de téléphone ou d'ordinateur")
    expect(alert).to_contain_text("« J'ai perdu ma clé d'accès »")
    expect(alert).to_contain_text("« Activer mon dossier »")
    expect(page.get_by_role("link", name="J'ai perdu ma clé d'accès")).to_be_visible()
    expect(page.get_by_role("link", name="Activer mon dossier")).to_be_visible()


def test_month_headings_stick_only_where_the_screen_has_room_for_them(page: Page, seed):
    """An accessibility probe at 400 % zoom (320 x 256 CSS px): two month headings stuck at the top, with the fixed bar
    a third of the screen, the upper one stale. They scroll with the list on so short a screen."""
    log_in(page, seed())
    month = page.locator("h2.month").first
    assert month.evaluate("heading => getComputedStyle(heading).position") == "sticky"
    page.set_viewport_size({"width": 320, "height": 256})
    assert month.evaluate("heading => getComputedStyle(heading).position") == "static"
