"""End-to-end fixtures: one real server, seeded through the app's own functions, and one Chromium.

Each test gets a phone-sized page with a virtual authenticator (WebAuthn over CDP),
and fails if the page logged an error (a CSP violation, a failed request, an exception).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, CDPSession, Page, expect, sync_playwright

from tests.e2e import seeding, seeding_families
from tests.e2e.seeded_passkeys import SeededPasskey
from tests.e2e.seeding import SeededPatient, seed_patient
from tests.e2e.seeding_families import SeededPerson
from tests.e2e.steps import DESKTOP, PHONE, hold, let_go
from tests.live_server import ROOT, Server, running_server

# Chromium's headless mode opens each page in a browser window of its own, toolbar included, whose address bar loads
# its suggestions' popup (chrome://omnibox-popup.top-chrome/, and its AI mode's) into a renderer of its own: per new
# context, 1.3-1.6 s of Chromium's CPU with them, 0.6 s without (2026-12-07, Chromium 156). The switch replaces
# Playwright's own --disable-features (Chromium reads one), whose features are kept first (Playwright 1.65's list).
PLAYWRIGHTS_DISABLED_FEATURES = [
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding", "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect", "TcpPortRandomizationWin", "OptimizationHints", "NetworkTimeServiceQuerying",
    "AimEnabled", "PreconnectToSearch", "msForceBrowserSignIn", "msEdgeUpdateLaunchServicesPreferredVersion",
]
NO_ADDRESS_BAR_POPUP = ["WebUIOmniboxPopup", "WebUIOmniboxFullPopup", "WebUIOmniboxAimPopup"]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
    "--disable-features=" + ",".join(PLAYWRIGHTS_DISABLED_FEATURES + NO_ADDRESS_BAR_POPUP),
]

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def server() -> Server:
    with running_server(prefix="carnet-e2e-") as running:
        yield running


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed e2e test shows the end of the server's log next to its traceback."""
    outcome = yield
    report = outcome.get_result()
    running = item.funcargs.get("server") if hasattr(item, "funcargs") else None
    # The server's directory is gone once the last test's teardown has stopped it.
    if report.failed and isinstance(running, Server) and running.log.exists():
        report.sections.append(("carnet server log (last 60 lines)", "\n".join(running.log_text().splitlines()[-60:])))


@pytest.fixture(scope="session")
def seed(server):
    """Make a new patient, with 30 documents, in the server's own database; return who they are."""
    serials = itertools.count(1)

    def make() -> SeededPatient:
        # Sync Playwright marks its own event loop as running in this thread between calls,
        # so asyncio.run() gets a thread of its own.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, seed_patient(server.data_dir, next(serials))).result()

    return make


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Browser tests run last, and all in one process when pytest-xdist shares the tests out
    (`--dist loadgroup`): one server and one Chromium for them all. Sync Playwright marks its event
    loop as running in this thread until it stops, and pytest-asyncio refuses to run under it."""
    here = Path(__file__).parent
    items.sort(key=lambda item: item.path.is_relative_to(here))  # stable: the order is kept otherwise
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.xdist_group("e2e"))


@pytest.fixture(autouse=True)
def grouped(request):
    """In a pytest-xdist worker under `--dist loadgroup`, the group must be in each browser test's node id: it is
    what the scheduler groups by. pytest 9.2 no longer reads what xdist 3.8 writes there (pytest-dev/pytest-xdist#1386),
    and the browser tests silently went to both workers, each with its own server and Chromium."""
    if getattr(request.config.option, "loadgroup", False) and not request.node.nodeid.endswith("@e2e"):
        pytest.fail("pytest-xdist did not group the browser tests on one worker: see pyproject.toml's pin of pytest")


@pytest.fixture(scope="package")  # stopped when the browser tests are done, before any other test of this process
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Authenticators:
    """The phone's authenticators (its own, and any security key plugged in), through DevTools."""

    def __init__(self, cdp: CDPSession) -> None:
        self.cdp = cdp
        cdp.send("WebAuthn.enable")
        self.first = self.add()

    def add(self, transport: str = "internal") -> str:
        """Chromium allows one "internal" (platform) authenticator; others can be "usb" security keys."""
        options = {
            "protocol": "ctap2", "transport": transport, "hasResidentKey": True, "hasUserVerification": True,
            "isUserVerified": True, "automaticPresenceSimulation": True,
        }
        return self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]

    def hold(self, passkey: SeededPasskey, authenticator_id: str | None = None) -> None:
        """A passkey made by the test (seeded_passkeys), as the one this authenticator would have made: resident,
        for Carnet's relying party, with the user handle its registration gave it. (DevTools' bytes are base64.)"""
        credential = {"credentialId": base64.b64encode(passkey.credential_id).decode(), "isResidentCredential": True,
                      "rpId": passkey.rp_id, "privateKey": base64.b64encode(passkey.private_key).decode(),
                      "userHandle": base64.b64encode(passkey.user_handle).decode(), "signCount": passkey.sign_count,
                      "userName": passkey.user_name, "userDisplayName": passkey.user_name}
        self.cdp.send("WebAuthn.addCredential", {"authenticatorId": authenticator_id or self.first,
                                                  "credential": credential})

    def credentials(self, authenticator_id: str | None = None) -> list[dict]:
        found = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id or self.first})
        return found["credentials"]

    def answers(self, authenticator_id: str, yes: bool) -> None:
        """Whether this authenticator answers at once, as if its user touched it."""
        self.cdp.send(
            "WebAuthn.setAutomaticPresenceSimulation", {"authenticatorId": authenticator_id, "enabled": yes}
        )


class ConsoleErrors(list):
    """Errors the page logged (CSP violations, failed loads, exceptions), minus the expected ones."""

    def __init__(self) -> None:
        super().__init__()
        self.allowed: list[str] = []

    def allow(self, fragment: str) -> None:
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        return [e for e in self if not any(a in e for a in self.allowed)]


@pytest.fixture
def console() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def context(browser, server) -> BrowserContext:
    context = browser.new_context(base_url=server.url, **PHONE)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@dataclass
class Phone:
    page: Page
    authenticators: Authenticators


def authenticators_on(page: Page, server: Server) -> Authenticators:
    """A new page's authenticators, put in before its first navigation, as on a real phone, and known to its steps
    (steps.hold: a login with a seeded passkey) until `steps.let_go`."""
    authenticators = Authenticators(page.context.new_cdp_session(page))
    hold(page, authenticators, server)
    return authenticators


@pytest.fixture
def phone(context, server, console) -> Phone:
    page = context.new_page()
    authenticators = authenticators_on(page, server)
    page.on("console", lambda m: console.append(f"{m.text} ({page.url})") if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e} ({page.url})"))
    yield Phone(page, authenticators)
    let_go(page)
    assert not console.unexpected(), "the browser logged errors:\n" + "\n".join(console.unexpected())


@pytest.fixture
def page(phone) -> Page:
    return phone.page


@pytest.fixture
def authenticators(phone) -> Authenticators:
    return phone.authenticators


# --- the professional's side --------------------------------------------------------------------


def run_async(coroutine):
    """Run a seeding coroutine from a test (see `seed`: not in Playwright's thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def seed_professional(server):
    """Register a professional in the server's database; return who they are, with their activation code."""

    def make(*, given_name: str = "Léa", family_name: str = "Fontaine", profession: str = "masseur-kinésithérapeute",
             city: str = "Lyon", feminine: bool = False) -> seeding.SeededProfessional:
        return run_async(seeding.seed_professional(server.data_dir, given_name=given_name, family_name=family_name,
                                                   profession=profession, city=city, feminine=feminine))

    return make


@pytest.fixture(scope="session")
def seed_grant(server):
    """Give a professional access to a patient's dossier, as the patient would from the Accès page."""

    def make(patient: SeededPatient, professional: seeding.SeededProfessional, **options) -> None:
        run_async(seeding.seed_grant(server.data_dir, patient=patient, professional=professional, **options))

    return make


@pytest.fixture(scope="session")
def seed_revocation(server):
    """The patient revokes a professional's access, as from the Accès page, while the test's pages stay open."""

    def make(patient: SeededPatient, professional: seeding.SeededProfessional) -> None:
        run_async(seeding.seed_revocation(server.data_dir, patient=patient, professional=professional))

    return make


@pytest.fixture(scope="session")
def seed_reads(server):
    """A professional read the patient's dossier so many times, each one notified to the patient."""

    def make(patient: SeededPatient, professional: seeding.SeededProfessional, reads: int) -> None:
        run_async(seeding.seed_reads(server.data_dir, patient=patient, professional=professional, reads=reads))

    return make


@dataclass
class Computer:
    page: Page
    authenticators: Authenticators


@pytest.fixture
def computer(browser, server, console) -> Computer:
    """The professional's computer, beside the patient's phone: its own context, screen and authenticator.

    Chromium allows one "internal" virtual authenticator per tab, not per browser, so this
    page gets a platform authenticator of its own, as a computer with Windows Hello would.
    """
    context = browser.new_context(base_url=server.url, **DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    authenticators = authenticators_on(page, server)
    page.on("console", lambda m: console.append(f"{m.text} ({page.url})") if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e} ({page.url})"))
    yield Computer(page, authenticators)
    let_go(page)
    context.close()
    assert not console.unexpected(), "the browser logged errors:\n" + "\n".join(console.unexpected())



# --- families (issue 9): more phones, people with names of their own, the clock ------------------


@pytest.fixture
def another_phone(browser, server, console) -> Phone:
    """A second person's phone beside the first: its own context (cookies), 360 px screen and authenticator."""
    context = browser.new_context(base_url=server.url, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    authenticators = authenticators_on(page, server)
    page.on("console", lambda m: console.append(f"{m.text} ({page.url})") if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e} ({page.url})"))
    yield Phone(page, authenticators)
    let_go(page)
    context.close()
    assert not console.unexpected(), "the browser logged errors:\n" + "\n".join(console.unexpected())


@pytest.fixture(scope="session")
def seed_person(server):
    """A patient with a name, a birth date and a few text documents, and their activation code."""

    def make(**person) -> SeededPerson:
        return run_async(seeding_families.seed_person(server.data_dir, **person))

    return make


@pytest.fixture(scope="session")
def seed_minor_with_parent(server):
    """A minor whose dossier a seeded parent already manages (attached with the child's code), with the
    minor's own activation code."""

    def make(parent: SeededPerson, **child) -> SeededPerson:
        return run_async(seeding_families.seed_minor_with_parent(server.data_dir, parent=parent, **child))

    return make


@pytest.fixture(scope="session")
def seed_relative(server):
    """An adult patient's relative, with a dossier of her own, reads (or manages) his dossier."""

    def make(patient: SeededPerson, relative: SeededPerson, level: str = "lecture") -> None:
        run_async(seeding_families.seed_relative(server.data_dir, patient=patient, relative=relative, level=level))

    return make


@pytest.fixture(scope="session")
def move_birth_date(server):
    def move(person: SeededPerson, to) -> None:
        run_async(seeding_families.move_birth_date(server.data_dir, person=person, to=to))

    return move


@pytest.fixture(scope="session")
def carnet(server):
    """Run a `carnet` command against the e2e server's data directory, as its operator would."""

    def run(*arguments: str) -> str:
        env = {**os.environ, "CARNET_ENV": "test", "CARNET_DATA_DIR": str(server.data_dir),
               "CARNET_ORIGIN": server.url, "CARNET_SECRET": secrets.token_urlsafe(32)}
        env.pop("DATABASE_URL", None)
        done = subprocess.run([sys.executable, "-c", "from server.cli import main; main()", *arguments],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # as other commands
        assert done.returncode == 0, f"carnet {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    return run
