"""A filtered Historique page reads a window of the log, not the log (accesslog/pages.py, WINDOW): a rare event deep in a long
log is found page after page, each once, and no page says the list has ended while older events are unread."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

from sqlalchemy import insert

from server.accesslog import pages as log_pages
from server.accesslog.audit import Actor
from server.accesslog.queries import professional_token
from server.auth.accounts import account_for_patient, account_for_professional
from server.models import AccessEvent, ChainHead, utcnow
from tests.conftest import TEST_SECRET
from tests.patient_helpers import Statements, professional
from tests.log_page_helpers import append, as_account, day_headers, log_lines, plain

FURTHER = "Chercher dans les événements plus anciens"
NONE_AT_ALL = "Aucun événement ne correspond à ces filtres."
RECENT = "Événements plus récents"


async def rows(db, dossier, count: int, *, action="read_timeline", right="grant", at=None) -> list[int]:
    """`count` events of another professional at once after the chain's head (their hashes do not matter here);
    their numbers."""
    head = await db.get(ChainHead, dossier.id, populate_existing=True) or ChainHead(dossier_id=dossier.id)
    at = at or utcnow()
    first = head.seq + 1
    await db.exec(insert(AccessEvent), params=[
        dict(dossier_id=dossier.id, seq=seq, at=at, action=action, actor_kind="professional",
             actor_name="Julie Moreau", actor_profession="masseur-kinésithérapeute", actor_rpps="10000000017",
             right=right, prev_hash="0" * 64, hash="0" * 64) for seq in range(first, first + count)])
    head.seq += count
    db.add(head)
    await db.commit()
    return list(range(first, first + count))


async def head_of(db, dossier) -> int:
    return (await db.get(ChainHead, dossier.id, populate_existing=True)).seq


async def as_patient(client, db, patient) -> None:
    await as_account(client, db, await account_for_patient(db, patient=patient.patient))


def journal_page(page: str) -> dict:
    return json.loads(html.unescape(re.search(r"data-journal-page='([^']*)'", page).group(1)))


async def walk(client, url: str, *, htmx: bool = True) -> list[str]:
    """Every page of a list, following its next link as htmx does (or as a browser without JavaScript does)."""
    pages = [(await client.get(url)).text]
    while found := re.search(r'id="(more-\d+)"[^>]*?(?:href="([^"]+)"|>[^<]*<a href="([^"]+)")', pages[-1]):
        target, href = found.group(1), html.unescape(found.group(2) or found.group(3))
        headers = {"HX-Request": "true", "HX-Target": target} if htmx else {}
        response = await client.get(href, headers=headers)
        assert response.status_code == 200
        pages.append(response.text)
    return pages


def bounded(statements: list[str]) -> bool:
    """Whether the page's events were read between two numbers of the log."""
    return any("FROM accessevent" in s and "accessevent.seq >=" in s and "accessevent.seq <" in s for s in statements)


async def test_a_rare_kind_deep_in_a_long_log_is_found_page_after_page_each_once(client, db, patient, monkeypatch):
    monkeypatch.setattr(log_pages, "WINDOW", 100)
    await as_patient(client, db, patient)
    first = await rows(db, patient.dossier, 1, action="emergency", right="emergency")
    await rows(db, patient.dossier, 250)
    second = await rows(db, patient.dossier, 1, action="emergency", right="emergency")
    await rows(db, patient.dossier, 40)
    head = await head_of(db, patient.dossier)
    url = f"/dossiers/{patient.dossier.id}/historique?type=urgences"
    for htmx in (False, True):
        pages = await walk(client, url, htmx=htmx)
        seen = [[seq for seq, _, _ in log_lines(page)] for page in pages]
        if htmx:
            assert sum(seen, []) == second + first  # each once, newest first
        else:
            # Without JavaScript, a page is the list down through it (Back finds it so), as far as a window of the
            # log below its head: further, it starts where the one before ended, under a link to the newest.
            assert seen == [second, second, first]
            assert [RECENT in page for page in pages] == [False, False, True]
        assert head == 292 and len(pages) == 3  # a window of the log a page, down to its first event
        for page in pages[:-1]:  # each short page says so, and that older events are still to be looked through
            assert FURTHER in page and NONE_AT_ALL not in page
            assert not journal_page(page)["oldest"] and not journal_page(page)["whole"]
        assert FURTHER not in pages[-1] and journal_page(pages[-1])["oldest"]  # the log's first event was reached
    # The first window held the newer one, the next none, and said since when it had looked (htmx's pages).
    assert re.search(r"Aucun autre événement à afficher depuis le \d+ \w+ à \d+ h \d\d\.", plain(pages[0]))
    assert [seq for seq, _, _ in log_lines(pages[1])] == [] and "Aucun autre événement à afficher depuis" in pages[1]
    assert day_headers(pages[-1]) == ["Aujourd'hui"]  # a page after a window's end starts under its own day


async def test_a_filtered_page_reads_one_window_of_a_long_log(client, db, app, patient):
    await as_patient(client, db, patient)
    emergency = await rows(db, patient.dossier, 1, action="emergency", right="emergency")
    await rows(db, patient.dossier, log_pages.WINDOW + 500)
    head = await head_of(db, patient.dossier)
    url = f"/dossiers/{patient.dossier.id}/historique?type=urgences"
    with Statements(app.state.engine) as seen:
        page = (await client.get(url)).text
    assert bounded(seen.seen), seen.seen
    # Its one emergency is older than the window: the page does not show it, nor say there is none.
    assert log_lines(page) == [] and NONE_AT_ALL not in page
    assert "Aucun événement à afficher depuis le" in html.unescape(page) and FURTHER in page
    floor = head + 1 - log_pages.WINDOW
    assert f'id="more-{floor}"' in page and f"avant={floor}" in page
    older = await client.get(f"{url}&avant={floor}", headers={"HX-Request": "true", "HX-Target": f"more-{floor}"})
    assert [seq for seq, _, _ in log_lines(older.text)] == emergency and FURTHER not in older.text


async def test_the_period_filter_stops_at_the_first_event_older_than_the_period(client, db, app, patient, monkeypatch):
    monkeypatch.setattr(log_pages, "WINDOW", 100)
    await as_patient(client, db, patient)
    await rows(db, patient.dossier, 300, at=utcnow() - timedelta(days=40))
    recent = await rows(db, patient.dossier, 5)
    with Statements(app.state.engine) as seen:
        page = (await client.get(f"/dossiers/{patient.dossier.id}/historique?periode=30j")).text
    assert bounded(seen.seen)
    assert [seq for seq, _, _ in log_lines(page)] == recent[::-1]
    # The list ends there, in one page, though older events of the log were never read; and it does not claim
    # to reach the dossier's first event.
    assert FURTHER not in page and 'id="more-' not in page
    assert journal_page(page) == {"whole": False, "newest": True, "oldest": False}


async def test_a_professionals_page_starts_at_their_latest_event(client, db, app, patient, monkeypatch):
    monkeypatch.setattr(log_pages, "WINDOW", 100)
    await as_patient(client, db, patient)
    lea = await professional(db, "Fontaine", given_name="Léa", stem=5)
    lea_account = await account_for_professional(db, professional=lea)
    read = await append(db, patient.dossier.id, "read_timeline", Actor.professional(lea_account, lea), right="grant")
    await rows(db, patient.dossier, 300)  # someone else's, newer than three windows
    lea_key = professional_token(secret=TEST_SECRET, dossier_id=patient.dossier.id, key=lea.rpps)
    with Statements(app.state.engine) as seen:
        page = (await client.get(f"/dossiers/{patient.dossier.id}/historique?professionnel={lea_key}")).text
    assert bounded(seen.seen)
    assert [seq for seq, _, _ in log_lines(page)] == [read.seq] and FURTHER not in page
    assert journal_page(page)["oldest"]


async def test_the_unfiltered_page_still_pages_by_its_keyset_alone(client, db, app, patient, monkeypatch):
    monkeypatch.setattr(log_pages, "WINDOW", 10)
    await as_patient(client, db, patient)
    await rows(db, patient.dossier, 75)
    pages = await walk(client, f"/dossiers/{patient.dossier.id}/historique")
    seen = [seq for page in pages for seq, _, _ in log_lines(page)]
    assert seen == list(range(75, 0, -1)) and len(pages) == 3
    assert not any(FURTHER in page for page in pages) and journal_page(pages[-1])["oldest"]
