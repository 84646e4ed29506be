"""Every kind of reader × every document state × every endpoint that reads: each agrees with the rule."""

import html
from datetime import date

import pytest
from sqlmodel import select

from server.access.rule import access_ended, dossier_right, document_right, once_opened_to
from server.models import Document, Grant, utcnow
from server.facts import document_facts, dossier_facts
from server.access.standing import standing_of
from tests.access_matrix_helpers import ENDED, ENDPOINTS, HOLDERS, READERS, STATES, events, readers_world
from tests.conftest import set_cookie, get_csrf, without_csrf


@pytest.fixture
async def world(db, app):
    return await readers_world(db, app)


def url(endpoint: str, dossier_id: str, document_id: str) -> str:
    return {
        "timeline": f"/dossiers/{dossier_id}",
        "document": f"/documents/{document_id}",
        "download": f"/documents/{document_id}/fichier",
        "page": f"/documents/{document_id}/pages/1",
    }[endpoint]


DOSSIER_WIDE = ("timeline", "search", "print")  # one page for the whole dossier, whatever document is looked for


async def check_reader(client, db, me, docs, reader, account, token) -> int:
    """Ask every endpoint about every document as this reader; compare with the rule.

    The dossier's own pages (timeline, search, print) are one answer for every document: each is asked once, and
    every document's state is checked against that answer; each document's pages are asked for each document."""
    set_cookie(client, "carnet_session", token)
    missing_document = "0" * 32
    checked = 0
    dossier = await db.get(type(me.dossier), me.dossier.id, populate_existing=True)
    patient = await db.get(type(me.patient), me.patient.id, populate_existing=True)
    now = utcnow()
    standing = await standing_of(db, account=account, dossier=dossier, now=now)
    facts = dossier_facts(dossier, patient)
    may_open = dossier_right(standing, facts, now) is not None
    # A professional who held a grant is told, on the dossier's pages, that it ended; anyone else gets a missing id's.
    refused = 403 if access_ended(standing, facts, now) else 404
    documents = {state: await db.get(Document, docs[state].id) for state in STATES}
    expected = {state: state != "other_patient" and document_right(
        standing, facts, document_facts(documents[state]), now) is not None for state in STATES}
    missing_pages: dict[str, str] = {}  # endpoint: a missing document's answer, the same for every document refused
    counted = [await events(db)]  # the log's events so far: each request's are those counted after it, less these

    async def logged_since() -> int:
        counted.append(await events(db))
        return counted[-1] - counted[-2]

    def agrees(response, endpoint: str, logged: int) -> None:
        professional_read = account.professional_id is not None and response.status_code == 200
        if endpoint == "page":  # the document page was read just before: not logged twice
            assert logged == 0, (reader, endpoint)
        else:
            assert logged == (1 if professional_read else 0), (reader, endpoint, logged)

    for endpoint in DOSSIER_WIDE:
        checked += len(STATES)
        if endpoint == "print":  # the whole list, for the patient and their caregivers alone
            response = await client.get(f"/dossiers/{dossier.id}/imprimer")
            # A professional under a grant prints from her own software: 404, as for a dossier she cannot open;
            # one whose access ended is told so, as on the timeline. Decided on the right, not the account.
            if not may_open or dossier_right(standing, facts, now) not in HOLDERS:
                assert response.status_code == (refused if not may_open else 404), (reader, endpoint)
                if response.status_code == 404:
                    missing = await client.get(f"/dossiers/{'0' * 32}/imprimer")
                    assert without_csrf(response.text) == without_csrf(missing.text), (reader, endpoint)
                assert await logged_since() == 0, (reader, endpoint)
                continue
            assert response.status_code == 200, (reader, endpoint)
            for state in STATES:
                assert (documents[state].title in response.text) == expected[state], (reader, state, endpoint)
        else:
            if endpoint == "timeline":
                response = await client.get(url("timeline", dossier.id, ""))
            else:
                csrf = await get_csrf(client)
                response = await client.post(
                    f"/dossiers/{dossier.id}/recherche", data={"q": "Imagerie", "_csrf_token": csrf},
                )
            if not may_open:
                assert response.status_code == refused, (reader, endpoint)
                assert (ENDED in response.text) == (refused == 403), (reader, endpoint)
                for state in STATES:
                    assert documents[state].title not in response.text, (reader, state, endpoint)
                assert await logged_since() == 0, (reader, endpoint)
                continue
            assert response.status_code == 200, (reader, endpoint)
            for state in STATES:
                assert (documents[state].title in response.text) == expected[state], (reader, state, endpoint)
            shown = sum(1 for d in docs.values() if d.title in response.text)
            assert (f"{shown} document" if shown else "Aucun document") in response.text, (reader, endpoint)
        agrees(response, endpoint, await logged_since())
    for state in STATES:
        document = documents[state]
        for endpoint in ENDPOINTS:
            if endpoint in DOSSIER_WIDE:
                continue
            checked += 1
            response = await client.get(url(endpoint, dossier.id, document.id))
            assert (response.status_code == 200) == expected[state], (reader, state, endpoint, response.status_code)
            opened_once = once_opened_to(standing, document_facts(document), document.created_at)
            if not expected[state] and state != "other_patient" and refused == 403 and opened_once:
                # A link she had, to her dossier's document, says what the dossier's pages say, of a document her
                # access opened while it lasted; of any other, a missing one's answer (below).
                assert response.status_code == 403 and ENDED in response.text, (reader, state, endpoint)
                assert document.title not in response.text, (reader, state, endpoint)
            elif not expected[state]:
                if endpoint not in missing_pages:
                    missing_pages[endpoint] = without_csrf(
                        (await client.get(url(endpoint, dossier.id, missing_document))).text)
                assert without_csrf(response.text) == missing_pages[endpoint], (reader, state, endpoint)
            agrees(response, endpoint, await logged_since())
    return checked


async def test_every_reader_state_and_endpoint_agrees_with_the_rule(client, db, world):
    me, pros, docs, accounts, tokens = world
    checked = 0
    for reader in READERS:
        checked += await check_reader(client, db, me, docs, reader, accounts[reader], tokens[reader])
    assert checked == len(READERS) * len(STATES) * len(ENDPOINTS)


async def test_emergency_access_to_a_dossier_that_opted_out_gives_nothing(client, db, app, world):
    me, pros, docs, accounts, tokens = world
    dossier = me.dossier
    dossier.emergency_opt_out = True
    db.add(dossier)
    await db.commit()
    checked = await check_reader(client, db, me, docs, "emergency_opted_out", accounts["emergency"], tokens["emergency"])
    assert checked == len(STATES) * len(ENDPOINTS)
    set_cookie(client, "carnet_session", tokens["emergency"])
    assert (await client.get(f"/documents/{docs['visible'].id}")).status_code == 403  # told her access ended


async def test_a_closed_dossier_is_closed_to_every_professional_but_open_to_its_patient(client, db, world):
    me, pros, docs, accounts, tokens = world
    dossier = me.dossier
    dossier.state = "closed"
    db.add(dossier)
    await db.commit()
    for reader in READERS:
        set_cookie(client, "carnet_session", tokens[reader])
        timeline = await client.get(f"/dossiers/{dossier.id}")
        document = await client.get(f"/documents/{docs['visible'].id}/fichier")
        allowed = reader in HOLDERS and reader in ALLOWED_HOLDERS
        assert (timeline.status_code == 200) == allowed, reader
        assert (document.status_code == 200) == allowed, reader


ALLOWED_HOLDERS = ("patient", "caregiver", "caregiver_reader", "parent_of_minor", "parent_kept_at_18")


async def test_at_18_parents_see_nothing_unless_kept_and_never_what_was_kept_from_them(client, db, world):
    """The patient's 18th birthday, as the rule sees it the minute after (before any scheduled check)."""
    me, pros, docs, accounts, tokens = world
    patient = me.patient
    patient.birth_date = date(date.today().year - 18, 1, 1)
    db.add(patient)
    await db.commit()
    checked = 0
    for reader in ("parent_of_minor", "parent_kept_at_18", "caregiver"):
        checked += await check_reader(client, db, me, docs, reader, accounts[reader], tokens[reader])
    assert checked == 3 * len(STATES) * len(ENDPOINTS)
    set_cookie(client, "carnet_session", tokens["parent_of_minor"])
    assert (await client.get(f"/dossiers/{me.dossier.id}")).status_code == 404
    set_cookie(client, "carnet_session", tokens["parent_kept_at_18"])
    assert (await client.get(f"/dossiers/{me.dossier.id}")).status_code == 200
    assert (await client.get(f"/documents/{docs['kept_from_parents'].id}")).status_code == 404


async def test_a_grant_revoked_while_a_document_is_open_stops_the_next_request(client, db, world):
    me, pros, docs, accounts, tokens = world
    set_cookie(client, "carnet_session", tokens["granted_in_scope"])
    assert (await client.get(f"/documents/{docs['visible'].id}")).status_code == 200
    grant = (await db.exec(select(Grant).where(Grant.professional_id == pros["granted_in_scope"].id))).one()
    grant.revoked_at = utcnow()
    db.add(grant)
    await db.commit()
    # She held it: told it ended, by the document's addresses as by the dossier's.
    assert (await client.get(f"/documents/{docs['visible'].id}/pages/1")).status_code == 403
    assert (await client.get(f"/documents/{docs['visible'].id}/fichier")).status_code == 403
    assert (await client.get(f"/dossiers/{me.dossier.id}")).status_code == 403


async def test_a_document_kept_from_parents_says_so_to_the_minor_and_to_the_professionals_who_read_it(client, db,
                                                                                                     world):
    me, pros, docs, accounts, tokens = world
    kept, visible = docs["kept_from_parents"], docs["visible"]
    for reader, label in (("patient", "Caché à vos parents"), ("medecin_traitant", "Caché aux parents")):
        set_cookie(client, "carnet_session", tokens[reader])
        page = html.unescape((await client.get(f"/documents/{kept.id}")).text)
        assert label in page, reader
        timeline = html.unescape((await client.get(f"/dossiers/{me.dossier.id}")).text)
        assert timeline.count(label) == 1, reader  # its line alone
        assert "Caché" not in html.unescape((await client.get(f"/documents/{visible.id}")).text).replace(
            "Masqué", ""), reader
