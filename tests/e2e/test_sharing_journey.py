"""Sharing in person (issue 4): the patient's phone and the kinésithérapeute's computer, side by side."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.seeding import DOCUMENTS
from tests.e2e.steps import (
    PHONE, assert_fits_phone, document_titles, error_page, log_in, log_in_professional, log_out, menu,
    open_access_line, wait_for_image,
)

pytestmark = pytest.mark.e2e

SHARED = {"imagerie": "Imagerie", "compte_rendu": "Compte rendu"}
HIDDEN = "Radiographie du genou droit"  # in a shared category, hidden by the patient
NO_SUCH_DOCUMENT = "/documents/" + "0" * 32


def test_a_share_code_shows_the_kine_what_the_patient_chose_until_she_revokes(
    page, computer, console, seed, seed_professional,
):
    patient, kine = seed(), seed_professional()
    desk = computer.page
    log_in(page, patient)
    log_in_professional(desk, kine)

    # The patient hides the X-ray from professionals.
    page.get_by_role("link", name=re.compile(HIDDEN)).click()
    page.get_by_role("button", name="Masquer aux professionnels").click()
    expect(page.get_by_role("status")).to_contain_text("Masqué aux professionnels : seuls le médecin traitant")

    # What she hid is in one list, one tap away.
    page.get_by_role("link", name="Voir tout ce qui est masqué aux professionnels").click()
    expect(page.get_by_role("heading", name="Masqué aux professionnels")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(HIDDEN))).to_be_visible()
    assert_fits_phone(page)

    # On "Accès", she makes a share code for imaging and reports, for one month.
    menu(page, "Accès").click()
    expect(page.get_by_role("heading", name="Qui peut voir mon dossier")).to_be_visible()
    assert_fits_phone(page)
    page.get_by_role("link", name="Partager avec un nouveau professionnel").click()
    expect(page.get_by_role("heading", name="Partager avec un nouveau professionnel")).to_be_visible()
    assert_fits_phone(page)
    page.get_by_label("Seulement certaines catégories").check()
    for label in SHARED.values():
        page.get_by_role("group", name="Catégories").get_by_label(label, exact=True).check()
    page.get_by_label("1 mois", exact=True).check()
    page.get_by_role("button", name="Afficher le code de partage").click()

    # Seen whole, heard letter by letter (a paragraph may not be named: an accessibility probe's find).
    shown = page.locator("p.code")
    code = shown.inner_text().strip()
    expect(page.get_by_text(f"Code : {' '.join(code)}", exact=True)).to_have_count(1)
    assert re.fullmatch(r"[0-9A-Z]{6}", code), code
    qr = page.get_by_role("img", name=f"QR code du code de partage {code}")
    assert wait_for_image(qr) > 0
    expect(page.get_by_text("En attente du professionnel")).to_be_visible()
    assert_fits_phone(page)
    # The code and the whole QR are on the first screen, above the bottom bar, on this phone and a shorter one.
    bar = page.get_by_role("navigation", name="Menu principal")
    for size in ({"width": 390, "height": 844}, {"width": 360, "height": 640}):
        page.set_viewport_size(size)
        assert qr.bounding_box()["y"] + qr.bounding_box()["height"] <= bar.bounding_box()["y"], size
    page.set_viewport_size(PHONE["viewport"])
    page.evaluate("() => { window.samePage = true; }")

    # The kiné types the code she reads off the phone, and sees what the patient chose.
    desk.get_by_role("link", name="Saisir un code de partage").click()
    desk.get_by_label("Code de partage").fill(code)
    desk.get_by_role("button", name="Ouvrir le dossier").click()
    expect(desk).to_have_url(re.compile(rf"/dossiers/{patient.dossier_id}$"))
    # What she gave, said on opening: the categories and the month's end.
    expect(desk.get_by_text(re.compile(r"Accès accordé par la patiente : Compte rendu, Imagerie, jusqu'au \d+"))
           ).to_be_visible()
    allowed = [title for _, category, title, _ in DOCUMENTS if category in SHARED and title != HIDDEN]
    expect(desk.locator(".timeline .doc-title")).to_have_text(allowed)
    expect(desk.get_by_role("link", name=re.compile(HIDDEN))).to_have_count(0)
    kine_titles = document_titles(desk)

    # The phone, still on the code, learns who used it; the code is no longer shown.
    # Said in the page's one live region, whose polls answered nothing (204) until then.
    expect(page.get_by_role("status")).to_contain_text(f"Code utilisé par {kine.name}, {kine.profession}")
    expect(shown).to_be_hidden()
    assert page.evaluate("() => window.samePage === true"), "the page reloaded instead of polling"
    page.get_by_role("link", name="Voir les accès").click()
    granted = page.get_by_role("region", name="Professionnels")
    open_access_line(page, kine.name)
    expect(granted.get_by_role("link", name=kine.name, exact=True)).to_be_visible()
    expect(granted).to_contain_text("Les documents de ces catégories : Compte rendu, Imagerie, sauf ceux qui sont masqués")
    expect(granted).to_contain_text("avec un code de partage")
    assert_fits_phone(page)

    # "Voir comme": exactly the titles the kiné's own timeline shows.
    granted.get_by_role("link", name=re.compile(f"^Voir .*comme {kine.name}")).click()
    expect(page.get_by_role("heading", name=f"Vu par {kine.name}")).to_be_visible()
    expect(page.get_by_text(f"voit {len(allowed)} documents")).to_be_visible()
    assert document_titles(page) == kine_titles
    # And it opens, as her timeline does (still open on the desk), on the profil médical's card: what is not shared
    # with the kiné is said so of her, not of the patient who looks.
    card = page.get_by_role("region", name="Profil médical")
    expect(card).to_have_text(desk.get_by_role("region", name="Profil médical").inner_text().replace(
        "non partagée avec vous", "non partagée avec ce professionnel"))
    expect(card).to_contain_text("Rubrique non partagée avec ce professionnel.")
    assert_fits_phone(page)

    # She revokes; the kiné's next click, on the page already open, is refused.
    page.get_by_role("link", name="← Retour aux accès").click()
    open_access_line(page, kine.name)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Retirer l'accès de {kine.name}").click()
    expect(page.get_by_role("status")).to_contain_text("L'accès est retiré")
    expect(page.get_by_role("region", name="Professionnels")).to_contain_text("Aucun accès accordé en ce moment")

    console.allow("status of 403")  # the refusals below, and nothing else
    console.allow("status of 404")
    desk.get_by_role("link", name=re.compile(allowed[0])).click()
    # Her access ended, as the dossier's pages say, not "Document introuvable… peut-être supprimé"; a document that
    # does not exist is still not found.
    assert error_page(desk)[0] == "Accès terminé"
    expect(desk.get_by_text(allowed[0])).to_have_count(0)
    desk.goto(NO_SUCH_DOCUMENT)
    assert error_page(desk)[0] == "Document introuvable"


def test_a_waiting_code_is_on_acces_to_show_again_and_another_code_cancels_it(page, console, seed):
    """An outside probe's find: a code left waiting was listed nowhere, and "Créer un autre code" left it valid."""
    patient = seed()
    log_in(page, patient)
    menu(page, "Accès").click()
    page.get_by_role("link", name="Partager avec un nouveau professionnel").click()
    page.get_by_label("1 mois", exact=True).check()
    page.get_by_role("button", name="Afficher le code de partage").click()
    code = page.locator("p.code").inner_text().strip()
    # While it waits, the way to another code says it cancels this one; the plain link is not shown beside it.
    expect(page.get_by_role("button", name="Créer un autre code (celui-ci sera annulé)")).to_be_visible()
    expect(page.get_by_role("link", name="Créer un autre code", exact=True)).to_have_count(0)

    # She leaves its page: "Accès" lists it, to show again or cancel.
    page.get_by_role("link", name="← Retour aux accès").click()
    waiting = page.get_by_role("region", name="Codes de partage en attente")
    expect(waiting).to_contain_text("Code valable jusqu'à")
    expect(waiting).to_contain_text("Créé par vous.")
    assert_fits_phone(page)
    waiting.get_by_role("link", name="Afficher le code").click()
    expect(page.locator("p.code")).to_have_text(code)

    page.get_by_role("button", name="Créer un autre code (celui-ci sera annulé)").click()
    expect(page.get_by_role("heading", name="Partager avec un nouveau professionnel")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Le code de partage est annulé")
    page.get_by_role("link", name="← Retour aux accès").click()
    expect(page.get_by_role("heading", name="Qui peut voir mon dossier")).to_be_visible()
    expect(page.get_by_role("region", name="Codes de partage en attente")).to_have_count(0)


def test_a_refused_click_shows_the_refusal_as_a_whole_page(computer, console, seed, seed_professional, seed_grant,
                                                           seed_revocation):
    patient, kine = seed(), seed_professional()
    desk = computer.page
    seed_grant(patient, kine)
    log_in_professional(desk, kine)
    desk.get_by_role("link", name=re.compile("MARTIN Camille")).click()
    expect(desk.get_by_text(re.compile("Accès accordé par la patiente"))).to_be_visible()

    seed_revocation(patient, kine)
    console.allow("status of 403")
    desk.get_by_role("link", name=re.compile("IRM du genou droit")).click()
    assert error_page(desk)[0] == "Accès terminé"  # waits for the swap
    assert desk.title() == "Accès terminé · Carnet"
    assert desk.get_by_role("navigation", name="Menu principal").is_visible()


def test_a_kine_who_scans_the_qr_code_logged_out_finds_the_code_filled_in_and_it_never_reaches_a_server(
    page, computer, console, seed, seed_professional,
):
    patient, kine = seed(), seed_professional(given_name="Hugo", family_name="Marchand")
    desk = computer.page
    log_in_professional(desk, kine)
    log_out(desk)

    log_in(page, patient)
    menu(page, "Accès").click()
    page.get_by_role("link", name="Partager avec un nouveau professionnel").click()
    page.get_by_label("Tous les documents").check()
    page.get_by_label("1 mois", exact=True).check()
    page.get_by_role("button", name="Afficher le code de partage").click()
    code = page.locator("p.code").inner_text().strip()

    # The camera opens the QR code's link: the code is after "#", which a browser never sends.
    sent = []
    desk.on("request", lambda request: sent.append(request.url))
    desk.goto(f"/pro/code#c={code}")
    expect(desk.get_by_role("heading", name="Connexion")).to_be_visible()
    assert code not in desk.url  # taken out of the address (and so of the history) at once
    landed = []
    desk.on("framenavigated", lambda frame: landed.append(urlsplit(frame.url).path) if frame == desk.main_frame
            else None)
    desk.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(desk.get_by_label("Code de partage")).to_have_value(code)
    assert code not in desk.url
    # The login led straight back to the form the QR code opened, never by way of "Mes patients" (it led to "/").
    assert set(landed) == {"/pro/code"}, landed
    desk.get_by_role("button", name="Ouvrir le dossier").click()
    expect(desk).to_have_url(re.compile(rf"/dossiers/{patient.dossier_id}$"))
    assert sent and not [url for url in sent if code in url]


def test_a_professional_logged_out_comes_back_to_the_page_they_opened_fragment_and_all(
    computer, seed, seed_professional, seed_grant,
):
    """A deep link (a page of a document, "#page-2") opened logged out: the login leads back to it, not to "/"."""
    patient, kine = seed(), seed_professional(given_name="Inès", family_name="Garnier")
    desk = computer.page
    seed_grant(patient, kine)
    log_in_professional(desk, kine)
    desk.get_by_role("link", name=re.compile("MARTIN Camille")).click()
    document = desk.get_by_role("link", name=re.compile("IRM du genou droit")).get_attribute("href")
    log_out(desk)

    desk.goto(f"{document}#page-2")
    expect(desk.get_by_role("heading", name="Connexion")).to_be_visible()
    desk.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(desk.get_by_role("heading", name="IRM du genou droit")).to_be_visible()
    assert urlsplit(desk.url).path + "#" + urlsplit(desk.url).fragment == f"{document}#page-2"
