"""The browser tests' Chromium opens no address bar popup beside each page (conftest.NO_ADDRESS_BAR_POPUP): a
renderer per page that no test uses, most of what a new page cost Chromium. A Chromium that renames the features
that turn it off fails here, rather than only making the run slower."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_page_opens_without_the_address_bars_popup(page, browser):
    page.goto("/")
    expect(page.get_by_role("link", name="Activer mon dossier")).to_be_visible()
    page.wait_for_timeout(500)  # the popup, where there is one, is loaded beside the page's first navigation
    targets = browser.new_browser_cdp_session().send("Target.getTargets")["targetInfos"]
    assert any(target["type"] == "page" for target in targets)
    assert [target["url"] for target in targets if target["type"] == "browser_ui"] == []
