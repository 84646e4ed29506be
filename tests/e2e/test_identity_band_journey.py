"""The identity band on a phone (issue 13): a professional reading a patient's dossier sees whose it is, at the top
of the screen, and still sees it after scrolling down the timeline or a document."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.seeding import paris_today
from tests.e2e.steps import assert_fits_phone, log_in_professional

pytestmark = pytest.mark.e2e

PHONE_SCREEN = {"width": 360, "height": 740}
LAB_REPORT = "IRM du genou droit"  # a PDF of two pages: a long document page


def identity_band(page: Page):
    return page.get_by_role("region", name="Patient affiché")


def grouped(ins: str) -> str:
    return " ".join(ins[a:b] for a, b in ((0, 1), (1, 3), (3, 5), (5, 7), (7, 10), (10, 13), (13, 15)))


def assert_band_on_top(page: Page, traits: list[str]) -> None:
    """The band shows every trait, sits within the first screen's top, is no taller than needed, and nothing
    scrolled under it hides it."""
    band = identity_band(page)
    expect(band).to_be_visible()
    for trait in traits:
        expect(band).to_contain_text(trait)
    box = band.bounding_box()
    assert box["y"] < 200, f"the band starts {box['y']} px down {page.url}"
    assert box["height"] <= 80, f"the band is {box['height']} px high on a 360 px phone"
    on_top = page.evaluate("([x, y]) => !!document.elementFromPoint(x, y).closest('.identity-band')",
                           [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert on_top, f"something covers the band on {page.url}"


def assert_no_trait_alone(page: Page) -> None:
    """The sex shares its line with the birth date or the INS: at 360 px it was left alone on one (issue 13)."""
    birth, sex, ins = page.evaluate("""() => {
      const band = document.querySelector('.identity-band'), top = e => e.getBoundingClientRect().top;
      const spans = [...band.querySelectorAll('span')];
      return [top(spans.find(s => /^nées? le/.test(s.textContent))),
              top(spans.find(s => s.getAttribute('aria-hidden') === 'true' && s.textContent.trim() === 'F')),
              top(spans.find(s => s.textContent.startsWith('INS ')))]; }""")
    assert abs(sex - birth) < 2 or abs(sex - ins) < 2, f"the sex is alone on its line on {page.url}"


def assert_no_reason_starts_with_a_dot(page: Page) -> None:
    """Each card of "Mes patients" says its first reason with no "·" before it."""
    firsts = page.evaluate("""() => [...document.querySelectorAll('.pro-reasons > :first-child')]
      .map(item => getComputedStyle(item, '::before').content + item.textContent)""")
    assert firsts and all(not first.lstrip('"').startswith("·") for first in firsts), firsts


def scroll_down(page: Page, pixels: int = 1500) -> None:
    page.mouse.move(180, 500)  # the wheel scrolls what is under the pointer
    page.mouse.wheel(0, pixels)
    page.wait_for_function("y => window.scrollY >= y", arg=pixels // 2)


def test_a_professional_sees_whose_dossier_and_document_are_open_even_after_scrolling(
    page, seed, seed_professional, seed_grant,
):
    page.set_viewport_size(PHONE_SCREEN)
    patient, doctor = seed(), seed_professional(given_name="Claire", family_name="Bernard", profession="médecin")
    seed_grant(patient, doctor)
    today = paris_today()
    age = today.year - 1984 - ((today.month, today.day) < (3, 12))
    traits = ["MARTIN Camille", f"née le 12/03/1984 ({age} ans)", "F", f"INS {grouped(patient.ins)}", "(non qualifiée)"]

    log_in_professional(page, doctor)
    assert_no_reason_starts_with_a_dot(page)
    page.get_by_role("link", name=re.compile("^MARTIN Camille")).click()
    expect(page).to_have_url(re.compile(rf"/dossiers/{patient.dossier_id}$"))
    assert_band_on_top(page, traits)
    assert_no_trait_alone(page)
    assert_fits_phone(page)
    scroll_down(page)
    assert_band_on_top(page, traits)
    assert identity_band(page).bounding_box()["y"] == 0, "the band did not stay at the top of the screen"

    page.get_by_role("link", name=re.compile(LAB_REPORT)).click()
    expect(page.get_by_role("heading", name=LAB_REPORT)).to_be_visible()
    page.evaluate("() => window.scrollTo(0, 0)")
    assert_band_on_top(page, traits)
    assert_fits_phone(page)
    scroll_down(page, 1000)
    assert_band_on_top(page, traits)
    assert identity_band(page).bounding_box()["y"] == 0, "the band did not stay at the top of the screen"


def test_the_band_reads_in_the_dark_theme(page, seed, seed_professional, seed_grant):
    page.set_viewport_size(PHONE_SCREEN)
    page.emulate_media(color_scheme="dark")
    patient, doctor = seed(), seed_professional(given_name="Marc", family_name="Petit", profession="médecin")
    seed_grant(patient, doctor)
    log_in_professional(page, doctor)
    page.goto(f"/dossiers/{patient.dossier_id}")
    colours = identity_band(page).evaluate(
        "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]")
    assert colours == ["rgb(19, 28, 46)", "rgb(229, 233, 240)"], colours  # --surface and --text, 13:1
