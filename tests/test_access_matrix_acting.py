"""Every kind of reader acting on the dossier (its Accès page, hiding, uploading): each as the rule allows."""

import html

import pytest

from server.access.rule import access_ended, dossier_right, document_right
from server.models import utcnow
from server.facts import document_facts, dossier_facts
from server.access.standing import standing_of
from tests.access_matrix_helpers import CAREGIVERS, HOLDERS, READERS, events, pdf, readers_world
from tests.conftest import set_cookie, get_csrf, without_csrf


@pytest.fixture
async def world(db, app):
    return await readers_world(db, app)


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
