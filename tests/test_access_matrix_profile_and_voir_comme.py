"""Every kind of reader of the profil médical and of "voir comme": exactly what the rule allows, nothing kept."""

from datetime import date

import pytest

from server.access.rule import access_ended, dossier_right, document_right
from server.models import utcnow
from server.facts import dossier_facts
from server.access.standing import standing_of
from tests.access_matrix_helpers import CAREGIVERS, ENDED, READERS, events, readers_world
from tests.conftest import set_cookie, without_csrf


@pytest.fixture
async def world(db, app):
    return await readers_world(db, app)


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
    from tests.profile_page_helpers import as_seen_by_the_patient, card_of

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
