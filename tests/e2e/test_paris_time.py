"""Every time Carnet writes is Paris time. A patient on holiday in Lisbon, whose phone keeps Lisbon's clock (an hour
behind), is told so at the top of a page that shows a time; in France, the usual case, nothing is added."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import authenticators_on
from tests.e2e.steps import PHONE, log_in

pytestmark = pytest.mark.e2e

NOTE = "Les heures sont données à l'heure de Paris."
A_TIME = re.compile(r"\d+\u00a0h\u00a0\d\d")


@pytest.fixture
def phone_in(browser, server, console):
    """A phone whose clock is in `zone`, its own authenticator and cookies."""
    contexts = []

    def make(zone: str):
        context = browser.new_context(base_url=server.url, **{**PHONE, "timezone_id": zone})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        authenticators_on(page, server)  # before the first navigation
        page.on("console", lambda m: console.append(f"{m.text} ({page.url})") if m.type == "error" else None)
        page.on("pageerror", lambda e: console.append(f"uncaught: {e} ({page.url})"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not console.unexpected(), "the browser logged errors:\n" + "\n".join(console.unexpected())


def test_a_phone_in_lisbon_is_told_the_times_are_paris_time_where_a_page_shows_one(phone_in, seed):
    lisbon = phone_in("Europe/Lisbon")
    log_in(lisbon, seed())
    expect(lisbon.get_by_text(NOTE)).to_be_hidden()  # the dossier's first page: days, no time of day
    lisbon.goto("/historique")  # the activation, "à 8 h 35"
    expect(lisbon.locator("main li").get_by_text(A_TIME).first).to_be_visible()
    expect(lisbon.get_by_text(NOTE)).to_be_visible()
    # A boosted link to a page without a time of day: the note goes with the times.
    lisbon.get_by_role("link", name="Mon dossier").first.click()
    expect(lisbon.get_by_role("heading", name="Mon dossier")).to_be_visible()
    expect(lisbon.get_by_text(NOTE)).to_be_hidden()


def test_a_phone_in_paris_time_is_not_told(phone_in, seed):
    paris = phone_in("Europe/Paris")
    log_in(paris, seed())
    paris.goto("/historique")
    expect(paris.locator("main li").get_by_text(A_TIME).first).to_be_visible()
    expect(paris.get_by_text(NOTE)).to_be_hidden()
