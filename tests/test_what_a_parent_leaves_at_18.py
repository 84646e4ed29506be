"""What a maker leaves behind lasts only as long as their right to make it (an outside probe's find): a mother's share
code "sans date de fin" opened her son's dossier to a doctor after his 18th birthday, when she herself got 404 there.
A share code or an invitation whose maker may no longer give it is refused as an unknown code is; a health link
stops (tests/test_shl_maker_rights.py). And the birthday reads as itself everywhere: the young adult's "Mes 18 ans",
the parent's "Mes dossiers", before Carnet's check records it, and that check pushes its news, from the app's round
and from the command alike.

Birth dates are set relative to now, in Paris, when each test runs: the suite may run across midnight."""

from __future__ import annotations

import asyncio
import time
import html
import re
from datetime import date, timedelta

import pytest
from alembic import command
from click.testing import CliRunner
from sqlmodel import select

from server import housekeeping
from server.auth.accounts import account_for_patient
from server.caregivers.majority import apply_majority
from server.cli import main
from server.db import begin_write
from server.models import (
    Account, CaregiverInvitation, Delegation, Grant, Patient, ShareCode, Throttle, paris_today,
)
from server.templating import long_date
from tests.conftest import ORIGIN, AsyncTestClient, new_patient, post_form, without_csrf
from tests.patient_helpers import fresh, migrate
from tests.push_service import PushService
from tests.caregiver_helpers import as_account, camille, invitation_code, new_caregiver  # noqa: F401 - a fixture
from tests.test_notifications import settled, subscribe
from tests.test_professional_access import SAME_REFUSAL, refusal, signed_in
from tests.test_shl_maker_rights import expired, made_reader, removed, stepped_down

CHANGED = "Les personnes qui vous aident à suivre votre dossier ont changé."


def eighteen_years_before(day: date) -> date:
    """The birth date of someone who turns 18 on `day` (born a 29 February: `adult_from` says 1 March)."""
    try:
        return day.replace(year=day.year - 18)
    except ValueError:
        return date(day.year - 18, 2, 28)


def words_of(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.text)).replace("\u00a0", " ")


async def leo_and_his_mother(db):
    """Léo, 18 tomorrow in Paris, with his account; his mother Camille, his parent in Carnet."""
    leo = await new_patient(db, given_name="Léo", family_name="Martin",
                            birth=eighteen_years_before(paris_today() + timedelta(days=1)), serial=8, sex="M")
    mother = Account(display_name="Camille Martin")
    db.add(mother)
    await db.commit()
    db.add(Delegation(dossier_id=leo.dossier.id, caregiver_account_id=mother.id, relationship="parent"))
    await db.commit()
    return leo, mother, await account_for_patient(db, patient=leo.patient)


async def turns_18(db, patient: Patient) -> None:
    """Today, in Paris (the app's clock cannot be moved from here: the birth date is)."""
    await db.commit()  # the test's snapshot ends: the app wrote since
    # Read to write, as the app's writers do (db.begin_write): the app's round, every 50 ms, writes too, and on SQLite
    # a read turned write after its commit was refused at once ("database is locked", in a loaded full run).
    await begin_write(db)
    # Not `fresh`, whose commit ended the IMMEDIATE transaction just begun: the read below began a deferred one again,
    # and its write was refused at once when the round wrote in between (a full run, 2026-12-07).
    patient = await db.get(Patient, patient.id, populate_existing=True)
    patient.birth_date = eighteen_years_before(paris_today())
    db.add(patient)
    await db.commit()


async def made_share_code(browser, dossier_id: str) -> str:
    """A share code of the whole dossier "sans date de fin", made on its page as a person does."""
    made = await post_form(browser, f"/dossiers/{dossier_id}/partage", {"portee": "tout", "duree": "sans"})
    assert made.status_code == 200, made.text
    return re.search(r'<p class="code"[^>]*>([0-9A-Z]+)</p>', made.text).group(1)


async def refused_as_unknown(app, db, code: str) -> None:
    """A doctor types the code: refused word for word as a code that never was, and counted as one."""
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        _, doctor = await signed_in(desk, db, profession="médecin", stem=7, given_name="Anne", family_name="Girard")
        unknown = await post_form(desk, "/pro/code", {"code": "ZZZZZZ"})
        dead = await post_form(desk, "/pro/code", {"code": code})
        assert dead.status_code == unknown.status_code == 400
        assert refusal(dead) == refusal(unknown) == SAME_REFUSAL
        assert without_csrf(dead.text).replace(code, "CODE") == without_csrf(unknown.text).replace("ZZZZZZ", "CODE")
        await db.commit()
        failures = {t.key: t.failures for t in (await db.exec(select(Throttle))).all()}
        assert failures[f"share-code-account:{doctor.id}"] == 2  # the same pause comes after as many tries
    await db.commit()
    assert (await db.exec(select(Grant))).all() == []


# --- share codes, for every kind of maker --------------------------------------------------------------------


@pytest.mark.parametrize("recorded", [False, True], ids=["before-the-round", "after-the-round"])
async def test_a_parents_share_code_opens_nothing_once_the_child_is_18(app, db, recorded):
    leo, mother, _ = await leo_and_his_mother(db)
    async with AsyncTestClient(app, base_url=ORIGIN) as mum:
        await as_account(mum, db, mother)
        code = await made_share_code(mum, leo.dossier.id)
        await turns_18(db, leo.patient)
        if recorded:
            assert await apply_majority(db) == 1
        assert (await mum.get(f"/dossiers/{leo.dossier.id}")).status_code == 404  # her own rights ended
    await refused_as_unknown(app, db, code)


async def test_at_18_a_code_of_a_parent_he_kept_managing_and_his_own_code_still_open(app, db):
    """The control: what ended is the maker's right, not the codes made before 18."""
    leo, mother, own = await leo_and_his_mother(db)
    [delegation] = (await db.exec(select(Delegation))).all()
    delegation.after_majority = "gestion"  # what Léo chose for her, before 18
    db.add(delegation)
    await db.commit()
    async with AsyncTestClient(app, base_url=ORIGIN) as mum, AsyncTestClient(app, base_url=ORIGIN) as his:
        await as_account(mum, db, mother)
        await as_account(his, db, own)
        codes = [await made_share_code(browser, leo.dossier.id) for browser in (mum, his)]
        await turns_18(db, leo.patient)
        for n, code in enumerate(codes):
            async with AsyncTestClient(app, base_url=ORIGIN) as desk:
                await signed_in(desk, db, profession="médecin", stem=3 + n, given_name="Anne", family_name="Girard")
                used = await post_form(desk, "/pro/code", {"code": code}, follow_redirects=False)
                assert used.status_code == 303, refusal(used)


@pytest.mark.parametrize("end", [removed, stepped_down, expired, made_reader], ids=lambda end: end.__name__)
async def test_a_relatives_share_code_opens_nothing_once_he_no_longer_manages(client, app, db, patient, camille, end):
    code = await invitation_code(client, patient.dossier.id, level="gestion", duration="1a")
    async with new_caregiver(app, code) as paul:
        share = await made_share_code(paul, patient.dossier.id)
        [delegation] = (await db.exec(select(Delegation))).all()
        await end(client, paul, db, patient.dossier.id, delegation)
        await refused_as_unknown(app, db, share)
    # Hers opens.
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await signed_in(desk, db, profession="médecin", stem=5, given_name="Anne", family_name="Girard")
        used = await post_form(desk, "/pro/code", {"code": await made_share_code(client, patient.dossier.id)},
                               follow_redirects=False)
        assert used.status_code == 303


async def test_a_relatives_code_from_before_codes_kept_their_maker_is_refused_and_the_patients_opens(
        client, app, db, patient, camille):
    """Migration 0051, down and up: the codes then have no maker, as those made before it. A relative's cannot say
    whose it was; the patient's own needs no maker to open."""
    code = await invitation_code(client, patient.dossier.id, level="gestion", duration="1a")
    async with new_caregiver(app, code) as paul:
        his = await made_share_code(paul, patient.dossier.id)
    hers = await made_share_code(client, patient.dossier.id)
    await db.commit()
    await migrate(app, command.downgrade, "0050")
    await migrate(app, command.upgrade, "head")
    await db.commit()
    assert [c.made_by_account_id for c in (await db.exec(select(ShareCode))).all()] == [None, None]
    await refused_as_unknown(app, db, his)
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await signed_in(desk, db, profession="médecin", stem=5, given_name="Anne", family_name="Girard")
        assert (await post_form(desk, "/pro/code", {"code": hers}, follow_redirects=False)).status_code == 303


# --- a parent's invitation of the other parent -----------------------------------------------------------------


async def leave(mum, db, leo) -> None:
    assert (await post_form(mum, f"/dossiers/{leo.dossier.id}/quitter", {}, follow_redirects=False)).status_code == 303


async def birthday(mum, db, leo) -> None:
    await turns_18(db, leo.patient)


@pytest.mark.parametrize("end", [birthday, leave], ids=["at-18", "stepped-down"])
async def test_a_parents_invitation_of_the_other_parent_ends_with_her_right(app, db, end):
    leo, mother, own = await leo_and_his_mother(db)
    async with AsyncTestClient(app, base_url=ORIGIN) as mum:
        await as_account(mum, db, mother)
        code = await invitation_code(mum, leo.dossier.id, relationship="parent")
        await end(mum, db, leo)
    father = Account(display_name="Paul Martin")
    db.add(father)
    await db.commit()
    async with AsyncTestClient(app, base_url=ORIGIN) as dad:
        await as_account(dad, db, father)
        for step in ("/invitation", "/invitation/acceptation"):
            unknown = await post_form(dad, step, {"code": "ZZZ-ZZZ-ZZZ"})
            dead = await post_form(dad, step, {"code": code})
            assert dead.status_code == unknown.status_code == 400
            assert without_csrf(dead.text).replace(code, "CODE") == without_csrf(unknown.text).replace("ZZZ-ZZZ-ZZZ",
                                                                                                     "CODE")
        assert (await dad.get(f"/dossiers/{leo.dossier.id}")).status_code == 404
    await db.commit()
    assert [d.caregiver_account_id for d in (await db.exec(select(Delegation))).all()] == [mother.id]
    if end is birthday:  # his "Mes proches" lists no invitation waiting that no one can accept
        async with AsyncTestClient(app, base_url=ORIGIN) as his:
            await as_account(his, db, own)
            [invitation] = (await db.exec(select(CaregiverInvitation))).all()
            page = await his.get(f"/dossiers/{leo.dossier.id}/proches")
            assert page.status_code == 200 and f"/invitations/{invitation.id}" not in page.text
            shown = words_of(await his.get(f"/invitations/{invitation.id}"))
            assert "Invitation expirée : personne ne l'a acceptée." in shown


# --- the birthday reads as itself on every page, before the check records it -------------------------------------


async def test_from_midnight_the_pages_read_as_of_the_18th_birthday_before_and_after_the_check(app, db):
    leo, mother, own = await leo_and_his_mother(db)
    father = Account(display_name="Paul Martin")
    db.add(father)
    await db.commit()
    kept = Delegation(dossier_id=leo.dossier.id, caregiver_account_id=father.id, relationship="parent",
                      after_majority="lecture")
    db.add(kept)
    await db.commit()
    url = f"/dossiers/{leo.dossier.id}/majorite"
    async with AsyncTestClient(app, base_url=ORIGIN) as his, AsyncTestClient(app, base_url=ORIGIN) as mum:
        await as_account(his, db, own)
        await as_account(mum, db, mother)
        before = words_of(await his.get(url))
        assert "Ce que voient vos parents aujourd'hui" in before
        assert "Vous pouvez le changer jusqu'à vos 18 ans" in before
        assert "Léo Martin a 18 ans" not in words_of(await mum.get("/mes-dossiers"))
        await turns_18(db, leo.patient)
        ended = f"Depuis vos 18 ans, le {long_date_of(paris_today())}, Camille Martin n'a plus accès à votre dossier."
        told = "Léo Martin a 18 ans : votre accès de parent à son dossier a pris fin."
        pages = []
        for _ in range(2):  # before Carnet's check, then after it: the same
            page = await his.get(url)
            words = words_of(page)
            assert "Ce que voient vos parents aujourd'hui" not in words and "jusqu'à vos 18 ans" not in words
            assert f'action="{url}/' not in page.text  # no choice left to make
            assert "Comme vous l'avez choisi, Paul Martin garde un accès" in words and ended in words
            pages.append(re.sub(r"\s+", " ", without_csrf(page.text)))
            assert words_of(await mum.get("/mes-dossiers")).count(told) == 1
            await apply_majority(db)
        assert pages[0] == pages[1]
        # A choice posted from a page left open since before midnight changes nothing.
        refused = await post_form(his, f"{url}/{kept.id}", {"choix": ""})
        assert refused.status_code == 404
    assert (await fresh(db, Delegation, kept.id)).after_majority == "lecture"


def long_date_of(day: date) -> str:
    """As a page says the day, read as `words_of` reads it."""
    return long_date(day).replace("\u00a0", " ")


# --- the check's news is pushed ------------------------------------------------------------------------------


@pytest.fixture
def push_service():
    with PushService() as service:
        yield service


async def test_the_apps_round_pushes_the_change_to_the_young_adults_device(app, db, settings, push_service,
                                                                          monkeypatch):
    leo, _, own = await leo_and_his_mother(db)
    phone = push_service.device("telephone-de-leo")
    monkeypatch.setattr(housekeeping, "EVERY", timedelta(milliseconds=50))  # before the app starts its round
    async with AsyncTestClient(app, base_url=ORIGIN) as his:
        assert (await subscribe(his, db, own, phone)).status_code == 200
        await turns_18(db, leo.patient)  # the round comes every 50 ms (a loaded machine's seconds later)
        deadline = time.monotonic() + 30
        while not push_service.to(phone) and time.monotonic() < deadline:
            await asyncio.sleep(0.025)
        await settled(app)
    [message] = push_service.to(phone)
    assert phone.read(message) == {"title": "Carnet", "body": CHANGED, "url": "/historique"}
    await db.commit()
    assert [d.end_reason for d in (await db.exec(select(Delegation))).all()] == ["majority"]


async def test_the_command_pushes_the_change_before_it_ends(app, db, settings, push_service):
    leo, _, own = await leo_and_his_mother(db)
    phone = push_service.device("telephone-de-leo")
    async with AsyncTestClient(app, base_url=ORIGIN) as his:  # the app makes the site's VAPID key, as it starts
        assert (await subscribe(his, db, own, phone)).status_code == 200
    await turns_18(db, leo.patient)
    env = {"CARNET_ENV": "test", "CARNET_SECRET": settings.secret, "CARNET_DATA_DIR": str(settings.data_dir),
           "DATABASE_URL": settings.database_url, "CARNET_ORIGIN": ORIGIN}
    done = await asyncio.to_thread(CliRunner().invoke, main, ["caregivers", "majority"], env=env)
    assert done.exit_code == 0, done.output
    assert "1 accès de parent traité(s)." in done.output
    [message] = push_service.to(phone)  # there already: the command waited for it
    assert phone.read(message) == {"title": "Carnet", "body": CHANGED, "url": "/historique"}
