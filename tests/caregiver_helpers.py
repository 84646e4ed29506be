"""Caregivers as their tests act them: an invitation, a newcomer's account, Camille, Léo's family, a refusal."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta

import pytest
from tests.conftest import AsyncTestClient

from server.auth.accounts import account_for_patient
from server.auth.sessions import start_session
from server.models import Account
from tests.conftest import (
    ORIGIN, add_text_document, ceremony_options, new_patient, post_form, post_json, set_cookie, without_csrf,
)
from tests.softauthn import SoftAuthenticator


TODAY = date.today()


def years_ago(years: int, *, days: int = 0) -> date:
    return date(TODAY.year - years, TODAY.month, min(TODAY.day, 28)) + timedelta(days=days)


def words_of(response) -> str:
    """The page as read: tags out (a name in a button is marked up: templating.person), entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.text))


async def as_account(client, db, account) -> None:
    set_cookie(client, "carnet_session", await start_session(db, account=account, authenticated=True))


async def invitation_code(client, dossier_id: str, *, level="gestion", duration="sans", relationship="") -> str:
    """The patient (signed in on `client`) invites; the code is on the page that follows."""
    data = {"niveau": level, "duree": duration}
    if relationship:
        data["lien"] = relationship
    response = await post_form(client, f"/dossiers/{dossier_id}/proches/invitations", data)
    assert response.status_code == 200, response.text
    return re.search(r'<p class="code"[^>]*>([0-9A-Z-]+)</p>', response.text).group(1)


@asynccontextmanager
async def new_caregiver(app, code: str, *, given="Paul", family="Martin") -> AsyncIterator[AsyncTestClient]:
    """Someone with no account accepts an invitation (their name, then a passkey, through HTTP): their browser."""
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await accept_as_newcomer(browser, code, given=given, family=family)
        yield browser


async def accept_as_newcomer(browser, code: str, *, given: str, family: str) -> SoftAuthenticator:
    page = await post_form(browser, "/invitation", {"code": code})
    assert page.status_code == 200 and "vous invite" in page.text, page.text
    response = await post_form(browser, "/invitation/compte", {"code": code, "given_name": given, "family_name": family})
    assert response.status_code == 200, response.text  # the passkey page, after the redirect
    authenticator = SoftAuthenticator(origin=ORIGIN)
    options, ceremony = await ceremony_options(browser, "/cle/options")
    done = await post_json(browser, "/cle/verification",
                           {"ceremony": ceremony, "credential": authenticator.create(options), "name": "Téléphone"})
    assert done.status_code == 200 and done.json()["redirect"] == "/activer/codes", done.text
    return authenticator


async def same_as_missing(client, url: str, missing: str, *, data: dict | None = None) -> None:
    if data is None:
        refused, absent = await client.get(url), await client.get(missing)
    else:
        refused, absent = await post_form(client, url, data), await post_form(client, missing, data)
    assert refused.status_code == absent.status_code == 404, url
    assert without_csrf(refused.text) == without_csrf(absent.text)


async def told_only_reads(client, url: str) -> None:
    """A page only managers open, asked by a relative who reads the dossier: she is told so (errors.READ_ONLY_PAGE)."""
    refused = await client.get(url)
    assert refused.status_code == 403 and "Vous pouvez le lire, mais pas le gérer." in words_of(refused), url


@pytest.fixture
async def camille(client, db, app, patient):
    """Camille, signed in on `client`, with two documents."""
    account = await account_for_patient(db, patient=patient.patient)
    await as_account(client, db, account)
    docs = [await add_text_document(db, app, patient.dossier, title=t, category=c)
            for t, c in (("IRM du genou droit", "imagerie"), ("Bilan lipidique", "biologie"))]
    return account, docs


@pytest.fixture
async def family(db, app):
    """Léo, 9, with a code the insurance office gave his parents; Camille, his mother, signed in later."""
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=years_ago(9), serial=4, sex="M")
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    return leo, mother


async def ines_turned_18(db):
    """Inès, 18 for twenty days; her mother Camille, a patient of Carnet, and her father Paul, an account only."""
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(18, days=20), serial=8)
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=9)
    father = Account(display_name="Paul Martin")
    db.add(father)
    await db.commit()
    return ines, await account_for_patient(db, patient=mother.patient), father
