"""The session cookie ends with the browser, for every kind of account: an outside probe closed Chromium on a
pharmacy's shared computer after a professional's work, and the next person reopened it on "Mes patients", every
read logged as hers, for 12 hours. The server's own limits (30 minutes idle, 12 hours after the login) end a session
whatever a browser keeps of its cookie."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

from sqlalchemy import update

from server.models import WebSession, utcnow
from tests.conftest import (
    ORIGIN, AsyncTestClient, activate, activate_professional, login, new_professional, post_form,
)
from tests.softauthn import SoftAuthenticator
from tests.caregiver_helpers import accept_as_newcomer, invitation_code

HTTPS = "https://localhost"


def recording(client) -> list[str]:
    """Every session cookie the server gives this browser from now on, as its Set-Cookie header says it."""
    given: list[str] = []

    async def record(response) -> None:
        given.extend(header for header in response.headers.get_list("set-cookie")
                     if re.match(r"(__Host-)?carnet_session=", header))

    client.event_hooks["response"].append(record)
    return given


def ends_with_the_browser(header: str) -> bool:
    """A cookie with neither Max-Age nor Expires lasts until the browser closes (RFC 6265 5.3, step 3)."""
    attributes = [part.strip().split("=")[0].lower() for part in header.split(";")[1:]]
    return "max-age" not in attributes and "expires" not in attributes


async def test_a_patients_session_cookie_ends_with_the_browser_and_a_logout_clears_it(client, patient):
    given = recording(client)
    authenticator = await activate(client, patient)  # the activation's half-session, then the full one
    await login(client, authenticator)
    assert len(given) == 3 and all(ends_with_the_browser(header) for header in given), given
    assert all("HttpOnly" in header and "SameSite=lax" in header and "Path=/" in header for header in given)

    await post_form(client, "/deconnexion", {}, follow_redirects=False)
    assert "Max-Age=0" in given[-1]


async def test_a_professionals_session_cookie_ends_with_the_browser(client, db):
    pharmacist = await new_professional(db, given_name="Claire", family_name="Roux", profession="pharmacien",
                                        feminine=True)
    given = recording(client)
    authenticator = await activate_professional(client, pharmacist)
    await login(client, authenticator)
    assert len(given) == 3 and all(ends_with_the_browser(header) for header in given), given
    assert (await client.get("/pro")).status_code == 200


async def test_a_caregivers_session_cookie_ends_with_the_browser(client, db, app, patient):
    await activate(client, patient)
    code = await invitation_code(client, patient.dossier.id)
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        given = recording(browser)  # the newcomer's half-session, the full one, a later login
        authenticator = await accept_as_newcomer(browser, code, given="Paul", family="Martin")
        await login(browser, authenticator)
    assert len(given) == 3 and all(ends_with_the_browser(header) for header in given), given


async def test_over_https_the_session_cookie_is_a_host_cookie_that_ends_with_the_browser(app, patient):
    app.state.settings = dataclasses.replace(app.state.settings, origin=HTTPS)
    async with AsyncTestClient(app, base_url=HTTPS) as browser:
        given = recording(browser)
        await activate(browser, patient, SoftAuthenticator(origin=HTTPS))
    assert len(given) == 2, given
    for header in given:
        # "__Host-": Secure, Path=/ and no Domain, or the browser refuses it (RFC 6265bis 4.1.3.2).
        assert header.startswith("__Host-carnet_session=") and "Secure" in header and "Path=/" in header
        assert "domain=" not in header.lower() and ends_with_the_browser(header)


async def test_a_session_kept_by_the_browser_still_ends_12_hours_after_its_login(client, db, patient):
    """A browser that restores its session cookies (Chrome on Android, a desktop set to reopen its tabs)."""
    await activate(client, patient)
    assert (await client.get("/cles", follow_redirects=False)).status_code == 200
    await db.exec(update(WebSession).values(created_at=utcnow() - timedelta(hours=12, minutes=1)))
    await db.commit()
    assert (await client.get("/cles", follow_redirects=False)).status_code == 303
