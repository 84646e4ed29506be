"""What a phone-sized walk through the demo found (a walk through the demo on a phone): a minor is told which documents her parents do not
see, a note with no author shows its date alone, a long legend stays inside its box, and "Mes dossiers" underlines
names, not initials."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from server.db import make_sessionmaker
from server.dossiers import add_document
from server.files.store import DiskStorage
from server.models import Dossier
from tests.e2e.conftest import run_async
from tests.e2e.seeding import paris_today, text_file, writer_engine, years_before
from tests.e2e.steps import back, held_dossier, log_in, log_out, menu

pytestmark = pytest.mark.e2e


def text_documents(today, *titles: tuple[int, str, str]) -> list:
    """(days ago, category, title) → what the seeding functions file."""
    return [(today - timedelta(days=days), category, title) for days, category, title in titles]


async def add_a_note_without_author(data_dir, *, dossier_id: str, title: str, when: date) -> None:
    """A note the patient wrote herself, as the demo files them: no professional, no source."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            filename, mime_type, data = text_file(title)
            await add_document(db, DiskStorage(data_dir / "files"), dossier=await db.get(Dossier, dossier_id),
                               title=title, category="note_patient", event_date=when, filename=filename,
                               mime_type=mime_type, data=data, source="")
    finally:
        await engine.dispose()


def test_a_minor_sees_which_documents_are_kept_from_her_parents(page: Page, seed_person, seed_minor_with_parent):
    today = paris_today()
    mother = seed_person(given_name="Agnès", family_name="Perrin", birth_date=years_before(today, 44), sex="F",
                         documents=text_documents(today, (30, "biologie", "Bilan d'Agnès")))
    lou = seed_minor_with_parent(
        mother, given_name="Lou", family_name="Perrin", birth_date=years_before(today, 16), sex="F",
        documents=text_documents(today, (20, "vaccination", "Rappel DTCaPolio"),
                                 (45, "compte_rendu", "Consultation de contraception")),
        kept_from_parents=("Consultation de contraception",))

    log_in(page, lou)
    kept = page.locator("#timeline-results li.document").filter(has_text="Consultation de contraception")
    shared = page.locator("#timeline-results li.document").filter(has_text="Rappel DTCaPolio")
    expect(kept.get_by_text("Caché à vos parents")).to_be_visible()
    expect(shared.get_by_text("Caché à vos parents")).to_have_count(0)

    kept.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Consultation de contraception")).to_be_visible()
    expect(page.get_by_text("Caché à vos parents")).to_be_visible()


def test_a_note_without_author_shows_its_date_alone(page: Page, server, seed):
    patient = seed()
    run_async(add_a_note_without_author(server.data_dir, dossier_id=patient.dossier_id,
                                        title="Mes questions pour le cardiologue", when=date(2025, 6, 25)))
    log_in(page, patient)
    note = page.locator("#timeline-results li.document").filter(has_text="Mes questions pour le cardiologue")
    expect(note.locator(".doc-meta")).to_have_text("25 juin 2025")  # not "· 25 juin 2025"


def test_a_legend_that_wraps_stays_inside_its_box(page: Page, seed):
    patient = seed()
    log_in(page, patient)
    page.set_viewport_size({"width": 320, "height": 740})
    page.goto(f"/dossiers/{patient.dossier_id}/partage")
    scope = page.get_by_role("group", name="Ce que ce professionnel pourra voir")
    expect(scope).to_be_visible()
    box = scope.bounding_box()
    legend = scope.locator("legend").bounding_box()
    assert legend["height"] > 30, "the legend no longer wraps at 320 px: the test proves nothing"
    # A fieldset's box starts at its legend's top when the legend sits on the border, half outside the card.
    assert legend["y"] >= box["y"] + 8, "the legend sits astride its box's border, its first line outside the card"


def test_my_dossiers_underlines_the_name_not_the_initials(page: Page, seed):
    patient = seed()
    log_in(page, patient)
    menu(page, "Mes dossiers").click()
    expect(page.get_by_role("heading", name="Mes dossiers")).to_be_visible()
    link = held_dossier(page, "Camille Martin")
    expect(link).to_be_visible()
    decoration = link.evaluate("a => getComputedStyle(a).textDecorationLine")
    assert decoration == "none", f"the whole band is underlined ({decoration}), its initials' disc too"
    expect(link.locator("strong")).to_have_css("text-decoration-line", re.compile("underline"))


def test_back_from_a_professional_finds_the_directory_search_again(page: Page, seed, seed_professional):
    patient = seed()
    kine = seed_professional(given_name="Aurore", family_name="Vasseur-Delmas")
    log_in(page, patient)
    page.goto(f"/dossiers/{patient.dossier_id}/annuaire")
    page.get_by_label("Chercher un professionnel dans l'annuaire").fill("vasseur")
    result = page.get_by_role("link", name=re.compile("Vasseur-Delmas"))
    expect(result).to_be_visible()
    expect(page).to_have_url(re.compile(r"/annuaire\?recherche=[\w-]+$"))  # the search's token, not its words
    result.click()
    expect(page).to_have_url(re.compile(f"/professionnels/{kine.professional_id}"))
    back(page)
    expect(page.get_by_label("Chercher un professionnel dans l'annuaire")).to_have_value("vasseur")
    expect(page.get_by_role("link", name=re.compile("Vasseur-Delmas"))).to_be_visible()
    assert "vasseur" not in page.url.lower()


def test_a_page_restored_from_the_back_forward_cache_is_reloaded(page, seed):
    patient = seed()
    log_in(page, patient)
    page.goto(f"/dossiers/{patient.dossier_id}/profil")
    log_out(page)
    # What a browser does when it shows a page from its back/forward cache (headless Chromium has none).
    page.goto(f"/dossiers/{patient.dossier_id}/profil")  # logged out: the server sends the login page
    expect(page).to_have_url(re.compile(r"/connexion"))
    with page.expect_navigation():
        page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()


def test_a_share_form_sent_without_a_duration_is_answered_in_french_by_the_server(page: Page, console, seed):
    """Not the browser's bubble ("Please select one of these options.", in the browser's language): Carnet's error,
    on its field, as every other form says it."""
    patient = seed()
    console.allow("status of 400")  # the refusal itself
    log_in(page, patient)
    page.goto(f"/dossiers/{patient.dossier_id}/partage")
    page.get_by_label("Tous les documents").check()
    page.get_by_role("button", name="Afficher le code de partage").click()
    expect(page.get_by_text("Choisissez une durée.").first).to_be_visible()
    expect(page.get_by_label("1 mois", exact=True)).to_have_attribute("aria-invalid", "true")
