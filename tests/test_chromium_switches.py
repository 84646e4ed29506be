"""The browser tests' Chromium switches keep the features Playwright turns off (tests/e2e/conftest.py): their
--disable-features replaces Playwright's, so a Playwright that turns off one more must find it in the list."""

from __future__ import annotations

import re
from pathlib import Path

import playwright

from tests.e2e.conftest import CHROMIUM_ARGS, PLAYWRIGHTS_DISABLED_FEATURES

BUNDLE = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "coreBundle.js"


def test_every_feature_playwright_turns_off_stays_off():
    bundle = BUNDLE.read_text()
    listed = re.search(r"disabledFeatures = \[(.*?)\]\.filter", bundle, re.S)
    assert listed, f"Playwright's list of disabled features no longer found in {BUNDLE}"
    playwrights = re.findall(r'^\s*"(\w+)"', listed.group(1), re.M)
    assert len(playwrights) >= 10
    assert set(playwrights) <= set(PLAYWRIGHTS_DISABLED_FEATURES)
    ours = [arg for arg in CHROMIUM_ARGS if arg.startswith("--disable-features=")]
    assert len(ours) == 1 and set(PLAYWRIGHTS_DISABLED_FEATURES) <= set(ours[0].split("=", 1)[1].split(","))
