"""A health link's recipient fetching it at the moment the patient revokes it or closes the dossier, on both engines:
the manifest takes the dossier's chain lock before it reads whether the link still opens (audit.begin_chained), as
every change of rights now does. It took the link's row first and the chain's head last, the reverse of a
revocation's order, so on PostgreSQL the two waited on each other until one was refused as busy; and a closing
committed between its check and its append left a fetch served and logged after the dossier was closed."""

from __future__ import annotations

import asyncio

from tests.conftest import activate, post_form
from tests.patient_helpers import Log
from tests.shlink_helpers import fetch, make_link, payload_of

FETCHES = 6


async def test_a_revocation_and_fetches_at_once_are_each_answered_and_none_is_served_after_it(
        client, app, db, patient):
    await activate(client, patient)
    for round in range(3):
        link = await make_link(db, patient, label=f"Voyage {round}")
        revoke = f"/dossiers/{patient.dossier.id}/liens-sante/{link.id}/revocation"
        async with Log(db, patient.dossier.id) as log:
            answers = await asyncio.gather(post_form(client, revoke, {}, follow_redirects=False),
                                           *(fetch(app, payload_of(link)) for _ in range(FETCHES)))
        assert answers[0].status_code == 303  # never "busy": neither waits on the other's lock
        assert all(answer.status_code in (200, 404) for answer in answers[1:])
        assert log.actions.count("shl_revoked") == 1
        after = log.actions[log.actions.index("shl_revoked"):]
        assert "shl_fetch" not in after  # every manifest served was logged before the revocation
        assert log.actions.count("shl_fetch") == [a.status_code for a in answers[1:]].count(200)


async def test_a_closing_and_fetches_at_once_serve_nothing_after_the_closing(client, app, db, patient):
    await activate(client, patient)
    link = payload_of(await make_link(db, patient, label="Voyage"))
    async with Log(db, patient.dossier.id) as log:
        answers = await asyncio.gather(
            post_form(client, f"/dossiers/{patient.dossier.id}/fermeture", {}, follow_redirects=False),
            *(fetch(app, link) for _ in range(FETCHES)))
    assert answers[0].status_code == 303
    assert all(answer.status_code in (200, 404) for answer in answers[1:])
    assert "shl_fetch" not in log.actions[log.actions.index("close"):]
    assert log.actions.count("shl_fetch") == [a.status_code for a in answers[1:]].count(200)
