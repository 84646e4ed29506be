"""The profil médical's pages as their tests reach them: a signed-in browser, its forms, items, log and words."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tests.conftest import AsyncTestClient
from sqlmodel import select

from server.access import grants
from server.auth.accounts import account_for_patient
from server.auth.sessions import start_session
from server.accesslog.audit import Actor
from server.caregivers import invitations
from server.caregivers.enrolment import new_account
from server.models import AccessEvent, ProfileItem
from server.profile.items import add_item
from tests.conftest import ORIGIN, new_professional, post_form, set_cookie
from tests.test_profile import SAMPLES, TODAY


CAMILLE = Actor(None, "patient", "Camille Martin")


@asynccontextmanager
async def browser(app, db, account) -> AsyncIterator[AsyncTestClient]:
    """A browser signed in as this account (a session made as a passkey login makes it)."""
    async with AsyncTestClient(app, base_url=ORIGIN) as client:
        set_cookie(client, "carnet_session", await start_session(db, account=account, authenticated=True))
        yield client


async def as_patient(app, db, fixture):
    return browser(app, db, await account_for_patient(db, patient=fixture.patient))


async def doctor(db, *, stem: int = 7, family_name: str = "Bernard", given_name: str = "Claire"):
    return (await new_professional(db, given_name=given_name, family_name=family_name, profession="médecin",
                                   stem=stem)).professional


def url(fixture, tail: str = "") -> str:
    return f"/dossiers/{fixture.dossier.id}/profil{tail}"


async def add(client, fixture, kind: str, **fields):
    return await post_form(client, url(fixture, f"/ajouter?type={kind}"), fields, follow_redirects=False)


async def items_of(db, fixture) -> list[ProfileItem]:
    await db.commit()  # see what the app committed
    rows = await db.exec(select(ProfileItem).where(ProfileItem.dossier_id == fixture.dossier.id))
    return list(rows.all())


async def events_of(db, fixture, prefix: str = "") -> list[AccessEvent]:
    await db.commit()
    rows = await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == fixture.dossier.id)
                         .order_by(AccessEvent.seq))
    return [e for e in rows.all() if e.action.startswith(prefix)]


def text_of(page) -> str:
    """The page's words, as read (tags out, entities decoded, spaces folded)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def card_of(page) -> str:
    match = re.search(r'<section class="card profile-card".*?</section>', page.text, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split()) if match else ""


def as_seen_by_the_patient(card: str) -> str:
    """A professional's card as "voir comme" shows it to the patient: word for word, but for whom a section is not
    shared with (the professional, not the patient who looks)."""
    return card.replace("non partagée avec vous", "non partagée avec ce professionnel").replace(
        "que vous avez déclarées", "déclarées par ses soins")


async def caregiver(db, fixture, *, level: str, given: str):
    """An account that accepted the patient's invitation to manage or to read ("gestion", "lecture")."""
    account = await account_for_patient(db, patient=fixture.patient)
    _, invitation = await invitations.invite(db, dossier=fixture.dossier, account=account, actor=CAMILLE, level=level,
                                             duration="sans")
    helper = new_account(given_name=given, family_name="Martin")
    db.add(helper)  # made with the acceptance, as a newcomer's first passkey makes it (passkeys.finish_registration)
    await invitations.accept(db, invitation_id=invitation.id, account=helper)
    return helper


async def every_kind(db, fixture) -> None:
    for data in SAMPLES.values():
        await add_item(db, dossier=fixture.dossier, data=data, actor=CAMILLE, today=TODAY)


async def pharmacist_of(db, fixture, categories: str = "ordonnance"):
    """A pharmacist the patient gave these categories (a pharmacien biologiste, for "biologie")."""
    pharmacist = (await new_professional(db, given_name="Julien", family_name="Petit", profession="pharmacien",
                                         stem=8)).professional
    await grants.grant_access(db, dossier=fixture.dossier, professional=pharmacist, categories=categories,
                              duration="sans", actor=CAMILLE)
    return pharmacist
