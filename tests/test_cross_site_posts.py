"""A change sent by another site's page is refused before anything is read, even with a valid token (defence in
depth behind the CSRF token: an outside probe revoked an access with `Origin: https://evil.example`)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from server.models import Document
from tests.conftest import ORIGIN, activate, add_text_document, post_form


@pytest.mark.parametrize(("headers", "done"), [
    ({"origin": "https://evil.example"}, False),
    ({"sec-fetch-site": "cross-site"}, False),
    ({"sec-fetch-site": "same-site", "origin": "https://autre.localhost:8000"}, False),
    ({"origin": ORIGIN, "sec-fetch-site": "same-origin"}, True),
    ({"origin": "null"}, True),  # what the pages' no-referrer policy makes a browser send for their own forms
    ({}, True),  # software, or a browser of before these headers: the token alone
])
async def test_a_change_from_another_site_is_refused_whatever_its_token(client, db, app, patient, headers, done):
    await activate(client, patient)
    document = await add_text_document(db, app, patient.dossier)
    answer = await post_form(client, f"/documents/{document.id}/masquage", {"masque": "oui"}, headers=headers,
                             follow_redirects=False)
    await db.commit()
    hidden = (await db.exec(select(Document.hidden).where(Document.id == document.id))).one()
    assert (answer.status_code in (200, 303), hidden) == (done, done), answer.text
    if not done:
        assert answer.status_code == 403 and "Action refusée" in answer.text
