"""A first visit costs little (issue 10): the landing page, then a patient's timeline, each under 40 KB
on the wire (compressed pages, compressed static files fetched once and reused by the service worker)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import open_my_dossier
from tests.e2e.steps import activate as activate_on

pytestmark = pytest.mark.e2e

BUDGET = 40 * 1024


class Wire:
    """The bytes a page and its service worker received from the network, as DevTools counts them."""

    def __init__(self, page) -> None:
        self.total = 0
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.on("Network.loadingFinished", lambda event: self.add(event["encodedDataLength"]))

    def add(self, size: float) -> None:
        self.total += int(size)

    def take(self) -> int:
        taken, self.total = self.total, 0
        return taken


def test_the_landing_page_and_the_timeline_each_travel_in_under_40_kb(page, seed):
    patient = seed()
    wire = Wire(page)
    page.goto("/")
    expect(page.get_by_role("link", name="Activer mon dossier")).to_be_visible()
    page.wait_for_load_state("networkidle")
    landing = wire.take()
    assert landing < BUDGET, f"the landing page took {landing} bytes"

    activate_on(page, patient)
    wire.take()
    open_my_dossier(page, patient)
    page.wait_for_load_state("networkidle")
    timeline = wire.take()
    assert timeline < BUDGET, f"the timeline took {timeline} bytes"
    print(f"first visit: landing {landing} B, timeline {timeline} B")  # read with -s; bench/RESULTS.md keeps it
