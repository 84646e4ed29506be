"""What an outside probe found on a phone (390 px) and at 200 % zoom (180 and 195 px wide, WCAG 1.4.10), measured in
the browser: a document's details, label above value, never a column of one letter; the dossier band compact enough
that the page's heading is on the first screen; no word of the menu cut; the search field's placeholder whole; no "·"
at the end or the start of a line; a code on one line; and nothing wider than the screen. Then what the last fix left:
a word cut inside (a title, a badge, a label: "Vaccinatio-n", a letter or two a line in a timeline's card), a
six-digit care total wider than its card, on every page of a patient, a relative and a professional."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from server.db import make_sessionmaker
from server.reimbursements import importer
from server.reimbursements.layout import read
from tests.e2e.conftest import run_async
from tests.e2e.seeding import paris_today, writer_engine, years_before
from tests.e2e.steps import dossier_band, log_in, log_in_professional

pytestmark = pytest.mark.e2e

ZOOMED = ({"width": 180, "height": 370}, {"width": 195, "height": 422})  # 360 x 740 and 390 x 844 phones at 200 %
AT_240 = {"width": 240, "height": 500}  # a 480 px wide phone at 200 %, or a 360 px one at 150 %
PHONE_390 = {"width": 390, "height": 844}

# Each "·" that is drawn (a row clips off the one before an item that starts a line) has a word of its line on each
# side.
CUT_SEPARATORS = """() => {
  const drawn = el => el.checkVisibility({visibilityProperty: true}) && el.getBoundingClientRect().width > 1;
  const texts = () => {
    const found = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) if (drawn(walker.currentNode.parentElement)) found.push(walker.currentNode);
    return found;
  };
  const boxes = (node, pattern) => [...node.data.matchAll(pattern)].flatMap(match => {
    const range = document.createRange();
    range.setStart(node, match.index); range.setEnd(node, match.index + match[0].length);
    return [...range.getClientRects()];
  });
  const cut = [];
  for (const node of texts()) for (const match of node.data.matchAll(/·/g)) {
    node.parentElement.scrollIntoView({block: "center"});
    const range = document.createRange();
    range.setStart(node, match.index); range.setEnd(node, match.index + 1);
    const dot = range.getBoundingClientRect();
    const hit = document.elementsFromPoint(dot.left + dot.width / 2, dot.top + dot.height / 2);
    if (!hit.includes(node.parentElement)) continue;  // clipped off
    const line = texts().flatMap(other => boxes(other, /[^\\s·]+/g))
      .filter(word => (word.top + word.bottom) / 2 > dot.top && (word.top + word.bottom) / 2 < dot.bottom);
    if (!line.some(word => word.right <= dot.left + 1) || !line.some(word => word.left >= dot.right - 1))
      cut.push((node.parentElement.closest("p, li, dd, div") || node.parentElement).textContent
        .replace(/\\s+/g, " ").trim());
  }
  window.scrollTo(0, 0);
  return cut;
}"""

# Wider than the screen, or scrolling inside a box of its own (a field's text aside). Not what is not drawn: a text for
# screen readers alone (clipped to a pixel), nor a "·" its row clips off (partials/dots.html), past the screen's edge.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth, found = [];
  if (document.documentElement.scrollWidth > width) found.push(`the page, ${document.documentElement.scrollWidth} px`);
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (!el.checkVisibility() || box.width <= 1 || el.matches("input, select, textarea")) continue;
    if (el.closest(".visually-hidden")) continue;
    if (el.matches(".dots .dot") && box.right <= el.closest(".dots").getBoundingClientRect().left - 5) continue;
    const name = `${el.tagName.toLowerCase()}.${el.className} «${el.textContent.trim().slice(0, 30)}»`;
    if (box.left < -0.5 || box.right > width + 0.5)
      found.push(`${name}: ${Math.round(box.left)}-${Math.round(box.right)} px`);
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible")
      found.push(`${name} scrolls`);
  }
  return found;
}"""

# Each word cut inside, in an element or the whole page: drawn on more than one line. A word is what lies between two
# spaces (a no-break one holds "10 mars" or "« Titre »" together), or ends with its own hyphen, where a line may end.
# An address ("https://…/invitation") is no word: it breaks where it must, as no size of letters would fit it.
WORDS_CUT = """root => {
  const cut = [], range = document.createRange();
  const walker = document.createTreeWalker(root || document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent.checkVisibility({visibilityProperty: true}) || parent.closest(".visually-hidden")) continue;
    for (const word of node.data.matchAll(/[^ \\t\\n\\r-]+-?/g)) {
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.bottom)));
      if (lines.size > 1 && !word[0].includes("://"))
        cut.push(`«${word[0]}» on ${lines.size} lines in ${parent.tagName.toLowerCase()}.${parent.className}`);
    }
  }
  return cut;
}"""

# The width of an element's widest word, and the element's own: the word fits in it.
WIDEST_WORD = """el => {
  const range = document.createRange(), walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let widest = 0;
  while (walker.nextNode()) for (const word of walker.currentNode.data.matchAll(/[^ \\t\\n\\r-]+-?/g)) {
    range.setStart(walker.currentNode, word.index);
    range.setEnd(walker.currentNode, word.index + word[0].length);
    widest = Math.max(widest, range.getBoundingClientRect().width);
  }
  return [widest, el.getBoundingClientRect().width];
}"""

LINES = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.top))).size;
}"""

HEADING_LINES = """el => {
  const range = document.createRange(), box = el.getBoundingClientRect();
  range.selectNodeContents(el);
  return [box.top, range.getClientRects()[0].bottom, box.bottom];
}"""

PLACEHOLDER_ROOM = """input => {
  const style = getComputedStyle(input), context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  return [context.measureText(input.placeholder).width,
          input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)];
}"""


def reflows(page: Page) -> None:
    size = page.viewport_size
    assert page.evaluate(OVERFLOWING) == [], f"{page.url} at {size}"
    assert page.evaluate(WORDS_CUT) == [], f"words cut inside on {page.url} at {size}"
    assert page.evaluate(CUT_SEPARATORS) == [], f"a “·” ends or starts a line on {page.url} at {size}"


def heading_on_first_screen(page: Page) -> None:
    """The page's h1 in sight without scrolling, its first line whole above the phone's bottom bar (all of it on a
    390 x 844 phone at 200 %; a 360 x 740 one has room for less)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_be_visible()
    top, first_line, bottom = heading.evaluate(HEADING_LINES)
    bar = page.get_by_role("navigation", name="Menu principal").bounding_box()["y"]
    shown = bottom if page.viewport_size["height"] >= 422 else first_line
    assert top >= 0 and shown <= bar + 1, f"{page.url}: the h1 at {top:.0f}-{bottom:.0f} px, the bar at {bar:.0f} px"


def placeholder_fits(page: Page, field) -> None:
    text, room = field.evaluate(PLACEHOLDER_ROOM)
    assert text <= room, f"“{field.get_attribute('placeholder')}” is {text:.0f} px in {room:.0f} px"


def at_each_size(page: Page, sizes: tuple[dict, ...], n: int):
    """The sizes for the n-th page of a row, each page loaded once and resized: its layout is its CSS's alone (no
    script reads a width), the same as loaded at that size. Every other page goes through them backwards, so that it
    starts at the size the page before it ended at, one resize fewer."""
    for size in sizes if n % 2 == 0 else sizes[::-1]:
        if page.viewport_size != size:
            page.set_viewport_size(size)
        yield size


@pytest.fixture
def mother_of_leo(seed_person, seed_minor_with_parent):
    today = paris_today()
    mother = seed_person(given_name="Sophie", family_name="Bernard-Delacroix", sex="F",
                         birth_date=years_before(today, 38) - timedelta(days=40),
                         documents=[(today - timedelta(days=20), "biologie", "Bilan sanguin de Sophie")])
    leo = seed_minor_with_parent(mother, given_name="Léo", family_name="Bernard-Delacroix", sex="M",
                                 birth_date=years_before(today, 9) - timedelta(days=50),
                                 documents=[(today - timedelta(days=10), "compte_rendu", "Consultation pédiatrique")],
                                 kept_from_parents=())
    return mother, leo


def test_a_childs_dossier_at_200_percent_zoom_shows_whose_it_is_then_its_heading(page: Page, mother_of_leo):
    mother, leo = mother_of_leo
    log_in(page, mother)
    dossier = f"/dossiers/{leo.dossier_id}"
    for size in ZOOMED:
        page.set_viewport_size(size)
        page.goto(dossier)
        expect(dossier_band(page)).to_contain_text(f"Dossier de {leo.name}")
        heading_on_first_screen(page)
        # "Documents" in the bottom bar, whole on its line ("Document" / "s").
        documents = page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Documents")
        assert documents.evaluate(LINES) == 1, size
        placeholder_fits(page, page.get_by_role("searchbox", name="Rechercher dans les documents"))
        reflows(page)
        # The band's details, and what she may do in it, are one tap away.
        band = dossier_band(page)
        expect(band.get_by_text("Vous gérez ce dossier")).to_be_hidden()
        band.get_by_text("Détails").click()
        expect(band.get_by_text("Vous gérez ce dossier")).to_be_visible()
        expect(band.get_by_text(re.compile(r"^né le "))).to_be_visible()
        reflows(page)
    document = page.locator("a.document-link").first.get_attribute("href")
    for n, path in enumerate((f"{dossier}/proches", f"{dossier}/acces", document, f"{dossier}/historique",
                              f"{dossier}/profil")):
        page.goto(path)
        for _ in at_each_size(page, ZOOMED, n + 1):  # from the size the dossier's page ended at
            heading_on_first_screen(page)
            reflows(page)

    # On the phone itself: whose dossier and what she may do in it, the rest behind "Détails"; the links under the
    # heading, and the placeholder, whole.
    page.set_viewport_size(PHONE_390)
    page.goto(dossier)
    band = dossier_band(page)
    expect(band.get_by_text("Vous gérez ce dossier")).to_be_visible()
    expect(band.get_by_text(re.compile(r"^né le "))).to_be_hidden()
    expect(page.get_by_role("link", name="Ses proches")).to_be_visible()
    placeholder_fits(page, page.get_by_role("searchbox", name="Rechercher dans les documents"))
    reflows(page)


def test_a_documents_details_put_each_label_above_its_value_at_200_percent_zoom(page: Page, seed):
    patient = seed()
    log_in(page, patient)
    page.goto(page.locator("a.document-link").first.get_attribute("href"))
    details = page.locator("dl.doc-details")
    for size in (*ZOOMED, AT_240, PHONE_390):
        page.set_viewport_size(size)
        expect(details.locator("dt").first).to_have_text("Date")
        widths = details.locator("dd").evaluate_all("values => values.map(dd => dd.getBoundingClientRect().width)")
        assert len(widths) == 4 and min(widths) >= 60, f"values {widths} px wide at {size}"
        # "5 décembre 2023" on one line, or two, not one letter a line.
        assert details.locator("dd").first.evaluate(LINES) <= 2, size
        reflows(page)


def test_codes_stay_whole_and_rows_of_links_keep_their_separators_inside_at_200_percent_zoom(
        page: Page, another_phone, seed_person):
    # The links under the login form: "Activer mon dossier ·" was left at the end of a line.
    login = another_phone.page
    login.goto("/connexion")
    for size in (*ZOOMED, AT_240):
        login.set_viewport_size(size)
        expect(login.get_by_role("link", name="Activer mon dossier")).to_be_visible()
        reflows(login)

    person = seed_person(given_name="Jean", family_name="Dupont", sex="M",
                         birth_date=years_before(paris_today(), 70), documents=[])
    log_in(page, person)
    page.goto(f"/dossiers/{person.dossier_id}/proches")
    page.get_by_label("Gérer votre dossier pour vous (sauf vos clés d'accès)").check()
    page.get_by_role("button", name="Créer l'invitation").click()
    code = page.locator("p.code")
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code.inner_text().strip())
    for size in (*ZOOMED, PHONE_390):
        page.set_viewport_size(size)
        assert code.evaluate(LINES) == 1, f"the invitation code is cut at {size}"
        reflows(page)

    page.goto(f"/dossiers/{person.dossier_id}/partage")
    page.get_by_label("Tous les documents").check()
    page.get_by_label("1 mois", exact=True).check()
    page.get_by_role("button", name="Afficher le code de partage").click()
    code = page.locator("p.code")
    expect(code).to_have_text(re.compile(r"^\w{6}$"))
    for size in (*ZOOMED, PHONE_390):
        page.set_viewport_size(size)
        assert code.evaluate(LINES) == 1, f"the share code is cut at {size}"
        reflows(page)


def test_a_timelines_titles_and_badges_keep_their_words_whole_at_200_percent_zoom(page: Page, seed):
    # The e2e patient's titles: "Ordonnance de kinésithérapie", "Compte rendu d'hospitalisation de jour" (a word wider
    # than a 180 px screen's card), "Rappel diphtérie-tétanos-polio" (which may wrap at its hyphens).
    patient = seed()
    log_in(page, patient)
    cards = page.locator("a.document-link")
    page.set_viewport_size(ZOOMED[0])
    page.goto(f"/dossiers/{patient.dossier_id}")  # once, resized (see at_each_size)
    for size in at_each_size(page, (*ZOOMED, AT_240, PHONE_390), 0):
        expect(cards.first).to_be_visible()
        # Every card measured in one call (CARDS), not a dozen round trips a card.
        measured = cards.evaluate_all(CARDS)
        assert len(measured) == cards.count() > 0
        for card in measured:
            title = card["title"]
            widest, width = title["widest"]
            said = f"“{title['text']}”: a word of {widest:.0f} px in {width:.0f} px at {size}"
            assert widest <= width + .5, said
            assert title["cut"] == [], f"“{title['text']}” at {size}"
            # A badge's words whole ("Vaccinatio" / "n" was one): on a line of its own if need be, inside its card.
            for badge in card["badges"]:
                assert badge["cut"] == [], f"the badge “{badge['text']}” at {size}"
                assert badge["right"] <= card["right"], f"“{badge['text']}” at {size}"
        reflows(page)


# Each card of a timeline: its title's widest word and width (WIDEST_WORD) and its words cut (WORDS_CUT); each
# badge's words cut, and where it ends, as the card's own right edge.
CARDS = f"""cards => {{
  const widest = {WIDEST_WORD}, cut = {WORDS_CUT};
  return cards.map(card => {{
    const title = card.querySelector(".doc-title");
    return {{
      title: {{text: title.innerText, widest: widest(title), cut: cut(title)}},
      badges: [...card.querySelectorAll(".badge")].map(badge => ({{
        text: badge.innerText, cut: cut(badge), right: badge.getBoundingClientRect().right}})),
      right: card.getBoundingClientRect().right,
    }};
  }});
}}"""

# Where a box's content ends, inside its padding and border.
CONTENT_RIGHT = """el => {
  const style = getComputedStyle(el);
  return el.getBoundingClientRect().right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
}"""

CARE_FEED = ("ins;id_ligne;date_soins;date_traitement;nomenclature;code;libelle;executant;rpps_executant;prescripteur;"
             "quantite;depense;base;rembourse")


async def seed_reimbursements(data_dir, feed: bytes) -> None:
    """The Assurance Maladie's file loaded as `carnet import remboursements` loads it (its reader and importer), in this
    process: no interpreter of its own to start (tests/test_reimbursements.py runs the command)."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            await importer.load(db, read(feed))
    finally:
        await engine.dispose()


def test_a_six_digit_care_total_fits_its_card_at_200_percent_zoom(page: Page, seed, server):
    patient = seed()
    day = paris_today() - timedelta(days=20)
    feed = (f"{CARE_FEED}\n{patient.ins};REFLOW-{patient.ins};{day};{day + timedelta(days=3)};LPP;3161541;"
            "Prothèse totale de hanche;Clinique du Parc;;;1;123456,78;123456,78;98765,43\n")
    run_async(seed_reimbursements(server.data_dir, feed.encode()))
    log_in(page, patient)
    totals = page.get_by_label("Totaux")
    sizes = (*ZOOMED, AT_240, PHONE_390)
    page.set_viewport_size(sizes[0])
    page.goto(f"/dossiers/{patient.dossier_id}/soins")  # each page once, resized (see at_each_size)
    for size in at_each_size(page, sizes, 0):
        expect(totals).to_contain_text(re.compile(r"123\s456,78\s€"))
        inside = totals.evaluate(CONTENT_RIGHT)
        assert inside <= size["width"], f"the totals' card ends at {inside:.0f} px at {size}"
        for amount in totals.locator("dd").all():
            assert amount.evaluate(LINES) == 1, f"“{amount.inner_text()}” is cut at {size}"
            widest, _ = amount.evaluate(WIDEST_WORD)
            right = amount.bounding_box()["x"] + widest
            said = f"“{amount.inner_text()}” ends at {right:.0f} px, its card at {inside:.0f} px, at {size}"
            assert right <= inside + .5, said
        reflows(page)
    page.goto(f"/dossiers/{patient.dossier_id}/soins/imprimer")  # the same card, on the page to print
    for size in at_each_size(page, sizes, 1):
        expect(totals).to_contain_text(re.compile(r"123\s456,78\s€"))
        reflows(page)


def visit_at_200_percent_zoom(page: Page, paths: list[str]) -> None:
    """Each page at 180 px (a 360 px phone at 200 %) and 240 px: its heading, its words whole, nothing wider."""
    page.set_viewport_size(ZOOMED[0])
    for n, path in enumerate(paths):
        page.goto(path)
        for _ in at_each_size(page, (ZOOMED[0], AT_240), n):
            expect(page.get_by_role("heading", level=1).first).to_be_visible()
            reflows(page)


def test_every_page_of_a_patient_keeps_its_words_whole_at_200_percent_zoom(page: Page, seed, seed_professional,
                                                                          seed_grant):
    patient = seed()
    kine = seed_professional(given_name="Lucie", family_name="Bernard")  # a masseur-kinésithérapeute
    seed_grant(patient, kine)
    log_in(page, patient)
    dossier = f"/dossiers/{patient.dossier_id}"
    # Her profile: an allergy of one long word, and two blood pressures, drawn with their keys.
    page.goto(f"{dossier}/profil/ajouter?type=allergy")
    page.get_by_label("Substance").fill("Hydroxychloroquine")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("C'est enregistré")
    for systolic, diastolic in (("132", "85"), ("128", "82")):
        page.goto(f"{dossier}/profil/ajouter?type=measurement")
        page.get_by_label("Mesure", exact=True).select_option(label="Tension artérielle (mmHg)")
        page.get_by_label("Valeur").fill(systolic)
        page.get_by_label("Second chiffre de la tension (diastolique)").fill(diastolic)
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_role("status")).to_contain_text("C'est enregistré")
    page.goto(dossier)
    document = page.get_by_role("link", name=re.compile("Compte rendu d'hospitalisation de jour")).get_attribute("href")
    pro = kine.professional_id
    visit_at_200_percent_zoom(page, [
        dossier, document, f"{document}/suppression", f"{dossier}/acces", f"{dossier}/professionnels/{pro}",
        f"{dossier}/voir-comme/{pro}", f"{dossier}/partage", f"{dossier}/liens-sante", f"{dossier}/proches",
        f"{dossier}/export", f"{dossier}/historique", f"{dossier}/profil", f"{dossier}/soins", f"{dossier}/imprimer",
        f"{dossier}/soins/imprimer", "/cles", "/mes-dossiers"])
    # The list to print, a table on a wide screen: no column narrower than its words ("Rembourse-ments" at 1,280 px),
    # and lines of their own where four columns of whole words would not fit (600 px).
    for width in (600, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{dossier}/imprimer")
        reflows(page)


def test_every_page_of_a_professional_keeps_its_words_whole_at_200_percent_zoom(page: Page, seed, seed_professional,
                                                                               seed_grant):
    patient = seed()
    kine = seed_professional(given_name="Lucie", family_name="Bernard")
    seed_grant(patient, kine)
    log_in_professional(page, kine)
    dossier = f"/dossiers/{patient.dossier_id}"
    page.goto(dossier)
    document = page.get_by_role("link", name=re.compile("Ordonnance de kinésithérapie")).get_attribute("href")
    visit_at_200_percent_zoom(page, [
        "/pro", dossier, document, f"{dossier}/documents/nouveau", f"{dossier}/documents/nouvelle-note",
        f"{dossier}/profil", "/pro/code", "/pro/urgence", "/pro/nouveau-dossier", "/pro/logiciels", "/cles"])
