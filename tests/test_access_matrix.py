"""Every kind of reader × every document state × every endpoint a professional can reach.

The expected answer comes from the rule function (access/rule.py) applied to what the
database says about each reader; the test checks that every endpoint agrees with it,
that a refusal is indistinguishable from a missing id, and that each allowed
professional read leaves exactly one access event (a refused one, none).
"""

import html
from datetime import date, timedelta

import pytest
from fpdf import FPDF
from sqlmodel import func, select

from server.access.rule import access_ended, dossier_right, document_right
from server.access.reading import HOLDERS
from server.auth.accounts import account_for_patient, account_for_professional
from server.auth.sessions import start_session
from server.dossiers import add_document, create_professional
from server.identifiers import rpps_with_key
from server.models import AccessEvent, Account, Block, Delegation, Document, EmergencyAccess, Grant, utcnow
from server.facts import document_facts, dossier_facts
from server.access.standing import standing_of
from tests.conftest import new_patient, set_cookie, get_csrf, without_csrf

# The patient is a minor (17): her parents are caregivers of their own kind until her 18th birthday.
CAREGIVERS = {  # kind: (relationship, manages, ends in days (None: no end), ended how, kept at 18)
    "caregiver": ("proche", True, None, "", ""),
    "caregiver_reader": ("proche", False, None, "", ""),
    "caregiver_expired": ("proche", True, -1, "", ""),
    "caregiver_removed": ("proche", True, None, "removed", ""),
    "caregiver_stepped_down": ("proche", True, None, "stepped_down", ""),
    "parent_of_minor": ("parent", True, None, "", ""),
    "parent_kept_at_18": ("parent", True, None, "", "lecture"),
}
READERS = [
    "patient", *CAREGIVERS, "medecin_traitant", "author", "granted_in_scope", "granted_out_of_scope",
    "expired", "revoked", "blocked", "emergency", "stranger",
]  # and "emergency_opted_out": the emergency reader once the dossier opts out; the parents after 18 (below)
HOLDERS = ("patient", *CAREGIVERS)
STATES = ["visible", "hidden", "deleted", "kept_from_parents", "other_patient"]
ENDPOINTS = ["timeline", "search", "print", "document", "download", "page"]
ENDED = "Votre accès à ce dossier a pris fin."


def pdf(title: str) -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", size=14)
    doc.cell(text=title)
    return bytes(doc.output())


async def build_world(db, app):
    """One dossier with a visible, a hidden and a deleted document; another patient's; a reader of each kind."""
    storage = app.state.storage
    today = date.today()
    me = await new_patient(db, birth=date(today.year - 17, 1, 15))
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    pros = {}
    for i, kind in enumerate(READERS[1 + len(CAREGIVERS):], start=1):
        pros[kind] = await create_professional(
            db, rpps=rpps_with_key(f"20{i:08d}"), given_name="Pro", family_name=kind, profession="médecin", city="Lyon"
        )
    docs = {}
    for state in ("visible", "hidden", "deleted", "kept_from_parents"):
        docs[state] = await add_document(
            db, storage, dossier=me.dossier, title=f"Imagerie {state}", category="imagerie", event_date=date(2025, 1, 1),
            filename="x.pdf", mime_type="application/pdf", data=pdf(state),
            author=pros["author"] if state != "deleted" else None,
        )
    docs["other_patient"] = await add_document(
        db, storage, dossier=other.dossier, title="Imagerie other_patient", category="imagerie",
        event_date=date(2025, 1, 1), filename="x.pdf", mime_type="application/pdf", data=pdf("other"),
    )
    docs["hidden"].hidden = True
    docs["deleted"].deleted_at = utcnow()
    docs["kept_from_parents"].hidden_from_representatives = True  # CSP L1111-5, at the minor's request
    dossier = me.dossier
    dossier.medecin_traitant_id = pros["medecin_traitant"].id
    now = utcnow()
    rows = [
        docs["hidden"], docs["deleted"], docs["kept_from_parents"], dossier,
        Grant(dossier_id=dossier.id, professional_id=pros["granted_in_scope"].id, categories="imagerie"),
        Grant(dossier_id=dossier.id, professional_id=pros["granted_out_of_scope"].id, categories="vaccination"),
        Grant(dossier_id=dossier.id, professional_id=pros["expired"].id, starts_at=now - timedelta(days=40),
              ends_at=now - timedelta(days=10)),
        Grant(dossier_id=dossier.id, professional_id=pros["revoked"].id, revoked_at=now),
        Grant(dossier_id=dossier.id, professional_id=pros["blocked"].id),
        Block(dossier_id=dossier.id, professional_id=pros["blocked"].id),
        EmergencyAccess(dossier_id=dossier.id, professional_id=pros["emergency"].id, reason="Malaise en pharmacie",
                        ends_at=now + timedelta(hours=24)),
    ]
    for row in rows:
        db.add(row)
    await db.commit()
    return me, other, pros, docs


async def reader_accounts(db, me, pros):
    accounts = {"patient": await account_for_patient(db, patient=me.patient)}
    now = utcnow()
    for kind, (relationship, manages, ends_in, ended, kept) in CAREGIVERS.items():
        caregiver = Account(display_name=f"Aidant {kind}")
        db.add(caregiver)
        await db.flush()
        db.add(Delegation(
            dossier_id=me.dossier.id, caregiver_account_id=caregiver.id, relationship=relationship, can_manage=manages,
            starts_at=now - timedelta(days=30), ends_at=None if ends_in is None else now + timedelta(days=ends_in),
            revoked_at=now if ended else None, end_reason=ended, after_majority=kept,
        ))
        accounts[kind] = caregiver
    await db.commit()
    for kind, professional in pros.items():
        accounts[kind] = await account_for_professional(db, professional=professional)
    return accounts


@pytest.fixture
async def world(db, app):
    me, other, pros, docs = await build_world(db, app)
    accounts = await reader_accounts(db, me, pros)
    tokens = {kind: await start_session(db, account=account, authenticated=True) for kind, account in accounts.items()}
    return me, pros, docs, accounts, tokens


def url(endpoint: str, dossier_id: str, document_id: str) -> str:
    return {
        "timeline": f"/dossiers/{dossier_id}",
        "document": f"/documents/{document_id}",
        "download": f"/documents/{document_id}/fichier",
        "page": f"/documents/{document_id}/pages/1",
    }[endpoint]


async def events(db) -> int:
    await db.commit()  # end the test session's snapshot: see what the app committed since
    return (await db.exec(select(func.count()).select_from(AccessEvent))).one()


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
            if not expected[state] and state != "other_patient" and refused == 403:
                # A link she had, to her dossier's document, says what the dossier's pages say: whatever the
                # document's state, the same answer.
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


async def test_acting_on_the_dossier_follows_the_rule_for_every_reader(client, db, world):
    """The Accès page and hiding a document: the patient and managing caregivers only; a caregiver who reads the
    dossier is told she may only read it, on the page as on the document; one who read the document once is led to
    "Mes dossiers" from it, and every other gets a missing id's 404."""
    from server.access.rule import may_manage

    me, pros, docs, accounts, tokens = world
    missing = "0" * 32
    for reader in READERS:
        set_cookie(client, "carnet_session", tokens[reader])
        now = utcnow()
        standing = await standing_of(db, account=accounts[reader], dossier=me.dossier, now=now)
        manages = may_manage(standing, dossier_facts(me.dossier, me.patient), now)
        reads = reader in HOLDERS and dossier_right(standing, dossier_facts(me.dossier, me.patient), now) is not None
        access = await client.get(f"/dossiers/{me.dossier.id}/acces")
        assert (access.status_code == 200) == manages, reader
        if reads and not manages:
            assert access.status_code == 403 and "mais pas le gérer" in html.unescape(access.text), reader
        elif not manages:
            absent = await client.get(f"/dossiers/{missing}/acces")
            assert (access.status_code, without_csrf(access.text)) == (absent.status_code, without_csrf(absent.text))
        for state in ("visible", "kept_from_parents"):
            document = docs[state]
            sees = document_right(standing, dossier_facts(me.dossier, me.patient), document_facts(document), now)
            token = await get_csrf(client)
            hide = await client.post(f"/documents/{document.id}/masquage", data={"masque": "non", "_csrf_token": token},
                                     follow_redirects=False)
            assert (hide.status_code == 303) == (manages and sees is not None), (reader, state, hide.status_code)
            if reader in HOLDERS and not manages and sees is not None:  # a relative who reads it: told so
                assert hide.status_code == 403 and "mais pas le gérer" in html.unescape(hide.text), (reader, state)
            elif hide.status_code != 303:
                absent = await client.post(f"/documents/{missing}/masquage", data={"masque": "non", "_csrf_token": token},
                                           follow_redirects=False)
                # A relative whose rights ended is led to "Mes dossiers" from what she read then; from what was kept
                # from her as a parent, and for anyone else, the answer is a missing id's.
                held = reader in CAREGIVERS and not (state == "kept_from_parents" and CAREGIVERS[reader][0] == "parent")
                said = without_csrf(hide.text).replace(
                    '<a class="button primary" href="/mes-dossiers">Voir mes dossiers</a>',
                    '<a class="button primary" href="">Revoir la page</a>') if held else without_csrf(hide.text)
                assert ("Voir mes dossiers" in hide.text) == held, (reader, state)
                assert (hide.status_code, said) == (absent.status_code, without_csrf(absent.text)), (reader, state)


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


async def test_voir_comme_shows_every_reader_exactly_what_their_own_requests_return(client, db, world):
    """The patient's "voir comme" and the professional's own timeline come from one rule: same titles."""
    import html
    import re

    me, pros, docs, accounts, tokens = world
    titles = re.compile(r'<span class="doc-title">(?:<span class="fit fit-\d+">)?([^<]+)')
    for reader, professional in pros.items():
        set_cookie(client, "carnet_session", tokens[reader])
        own = await client.get(f"/dossiers/{me.dossier.id}")
        own_titles = sorted(titles.findall(own.text)) if own.status_code == 200 else []
        for state in ("visible", "hidden", "kept_from_parents"):  # the author reaches documents without the timeline
            if (await client.get(f"/documents/{docs[state].id}")).status_code == 200 and own.status_code != 200:
                own_titles = sorted({*own_titles, docs[state].title})
        set_cookie(client, "carnet_session", tokens["patient"])
        url, seen_titles = f"/dossiers/{me.dossier.id}/voir-comme/{professional.id}", []
        while url:  # every page, through the "Charger plus" links a browser without JavaScript follows
            seen = await client.get(url)
            assert seen.status_code == 200, reader
            seen_titles += titles.findall(seen.text)
            more = re.search(r'class="more[^"]*" href="([^"]+)"', seen.text)
            url = html.unescape(more.group(1)) if more else ""
        assert sorted(seen_titles) == own_titles, reader


async def test_upload_follows_the_rule_for_every_reader(client, db, world):
    """Writing needs a current professional right (médecin traitant, grant, emergency) on an open dossier."""
    me, pros, docs, accounts, tokens = world
    for reader in READERS:
        set_cookie(client, "carnet_session", tokens[reader])
        now = utcnow()
        standing = await standing_of(db, account=accounts[reader], dossier=me.dossier, now=now)
        right = dossier_right(standing, dossier_facts(me.dossier), now)
        allowed = accounts[reader].professional_id is not None and right is not None and right.value in (
            "medecin_traitant", "grant", "emergency")
        before = await events(db)
        await client.get("/activer")  # any page: it sets the CSRF cookie
        token = await get_csrf(client)
        response = await client.post(
            f"/dossiers/{me.dossier.id}/documents/nouveau",
            data={"title": f"Ajout par {reader}", "category": "imagerie", "event_date": "2025-01-02", "_csrf_token": token},
            files={"file": ("cr.pdf", pdf(reader), "application/pdf")},
            headers={"x-csrftoken": token},
            follow_redirects=False,
        )
        assert (response.status_code == 303) == allowed, (reader, response.status_code)
        if not allowed:  # a professional who held the dossier is told her access ended
            assert response.status_code == (403 if access_ended(standing, dossier_facts(me.dossier), now) else 404), \
                reader
        assert await events(db) - before == (1 if allowed else 0), reader


PROFILE_STATES = {  # label: (kind, hidden, deleted, by the author)
    "Pénicilline visible": ("allergy", False, False, False),
    "Latex masqué": ("allergy", True, False, False),
    "Arachide supprimée": ("allergy", False, True, False),
    "Pollen par son auteur": ("allergy", True, False, True),
    "Vaccin DTP visible": ("vaccination", False, False, False),
}


async def profile_in_every_state(db, me, pros) -> list:
    """An item of the profile in each of PROFILE_STATES, with its label (a deleted one's row keeps none)."""
    from server.accesslog.audit import Actor
    from server.profile.items import ItemInput, add_item, delete_item, set_item_hidden

    made = []
    for label, (kind, hidden, deleted, by_author) in PROFILE_STATES.items():
        data = (ItemInput(kind, label=label, severity="moderee") if kind == "allergy"
                else ItemInput(kind, label=label, started_on=date(2024, 5, 2)))
        item = await add_item(db, dossier=me.dossier, data=data, actor=Actor(None, "patient", "La patiente"),
                              author=pros["author"] if by_author else None, today=date.today())
        if hidden:
            await set_item_hidden(db, item=item, hidden=True, actor=Actor(None, "patient", "La patiente"))
        if deleted:
            await delete_item(db, item=item, actor=Actor(None, "patient", "La patiente"))
        made.append((label, item))
    return made


async def test_every_reader_sees_exactly_the_profile_items_the_rule_allows(client, db, world):
    """The profil médical is in the matrix: each item is, for the rule, a document of its kind's category."""
    from server.caregivers.confidential import confidential_in
    from server.profile.seen import item_facts

    me, pros, docs, accounts, tokens = world
    # The author also wrote the document kept from the parents: what they declared is kept from them too.
    kept_authors = (await confidential_in(db, dossier_id=me.dossier.id)).professional_ids
    assert kept_authors == {pros["author"].id}
    made = await profile_in_every_state(db, me, pros)
    for reader in READERS:
        set_cookie(client, "carnet_session", tokens[reader])
        missing = await client.get(f"/dossiers/{'0' * 32}/profil")
        dossier = await db.get(type(me.dossier), me.dossier.id, populate_existing=True)
        patient = await db.get(type(me.patient), me.patient.id, populate_existing=True)
        now = utcnow()
        standing = await standing_of(db, account=accounts[reader], dossier=dossier, now=now)
        facts = dossier_facts(dossier, patient)
        before = await events(db)
        response = await client.get(f"/dossiers/{dossier.id}/profil")
        if access_ended(standing, facts, now):
            assert response.status_code == 403 and ENDED in response.text, reader
            assert await events(db) == before, reader
            continue
        if dossier_right(standing, facts, now) is None:
            assert response.status_code == 404, reader
            assert without_csrf(response.text) == without_csrf(missing.text), reader
            assert await events(db) == before, reader
            continue
        assert response.status_code == 200, reader
        for label, item in made:
            item = await db.get(type(item), item.id, populate_existing=True)
            expected = document_right(standing, facts, item_facts(item, kept_authors), now) is not None
            assert (label in response.text) == expected, (reader, label)
        professional = accounts[reader].professional_id is not None
        assert await events(db) - before == (1 if professional else 0), reader


async def test_voir_comme_opens_on_the_card_and_care_link_each_professionals_own_page_opens_on(client, db, world):
    """"Voir comme" opens as the professional's own timeline does: the same profile card, word for word (a section
    not shared is said not shared with this professional, not "with you"), and the link to the reimbursed care
    exactly when theirs has it; a parent's, never with what the author kept from them."""
    from tests.test_profile_pages import as_seen_by_the_patient, card_of

    me, pros, docs, accounts, tokens = world
    await profile_in_every_state(db, me, pros)
    care, kept = "Historique de soins remboursés", "Pollen par son auteur"
    cards = {}
    for reader, professional in pros.items():
        set_cookie(client, "carnet_session", tokens[reader])
        own = await client.get(f"/dossiers/{me.dossier.id}")
        set_cookie(client, "carnet_session", tokens["patient"])
        seen = await client.get(f"/dossiers/{me.dossier.id}/voir-comme/{professional.id}")
        cards[reader] = card_of(seen)
        assert cards[reader] == (as_seen_by_the_patient(card_of(own)) if own.status_code == 200 else ""), reader
        assert (care in seen.text) == (care in own.text), reader
        set_cookie(client, "carnet_session", tokens["parent_of_minor"])
        seen = await client.get(f"/dossiers/{me.dossier.id}/voir-comme/{professional.id}")
        assert kept not in seen.text, reader
    assert kept in cards["medecin_traitant"] and "Latex masqué" in cards["medecin_traitant"]
    assert "Pénicilline visible" in cards["emergency"] and "Latex masqué" not in cards["emergency"]


async def test_a_parents_voir_comme_shows_no_trace_of_what_was_kept_from_them(client, db, world):
    """"Voir comme" the médecin traitant, or the author, never shows a parent more than they see themselves:
    neither the title of a document kept from them nor its count."""
    me, pros, docs, accounts, tokens = world
    kept = docs["kept_from_parents"].title
    for reader in ("parent_of_minor", "parent_kept_at_18", "caregiver", "patient"):
        set_cookie(client, "carnet_session", tokens[reader])
        for professional in ("medecin_traitant", "author"):
            seen = await client.get(f"/dossiers/{me.dossier.id}/voir-comme/{pros[professional].id}")
            assert seen.status_code == 200, (reader, professional)
            parent = CAREGIVERS.get(reader, ("",))[0] == "parent"
            assert (kept in seen.text) == (not parent), (reader, professional)
        seen = await client.get(f"/dossiers/{me.dossier.id}/voir-comme/{pros['medecin_traitant'].id}")
        # visible and hidden (the médecin traitant sees hidden ones), and the kept one but for a parent
        assert f"<strong>{2 if parent else 3} documents</strong>" in seen.text, reader


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
