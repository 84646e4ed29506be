"""One opening of a SMART Health Link is one line in the Historique and one in its count, where its file leaves: the
manifest's embedded file, or the GET of the `location` a recipient that asked for short embedded files is given
instead. An outside probe found both counted and logged: two identical lines and "Ouvert 2 fois" for one reading, an
opening logged for a location never fetched, and a single-use link "Ouvert 1 fois" with two openings in its
Historique."""

from __future__ import annotations

import html
import re

from server.models import ShareLink, utcnow
from server.shlinks import links
from tests.conftest import ORIGIN, AsyncTestClient, activate
from tests.patient_helpers import Log, fresh
from tests.shlink_helpers import decrypted, emergency_items, fetch, make_link, payload_of, resources

OPENED = "a ouvert le lien de partage"


def readable(page) -> str:
    return re.sub("[\u00a0\u202f]", " ", html.unescape(page.text))


async def located(app, link: dict, **asked) -> str:
    answer = await fetch(app, link, embeddedLengthMax=0, **asked)
    assert answer.status_code == 200, answer.text
    [file] = answer.json()["files"]
    assert "embedded" not in file
    return file["location"].removeprefix(ORIGIN)


async def test_a_location_is_counted_and_logged_once_at_its_get_and_never_when_it_is_not_fetched(client, app, db,
                                                                                                  patient):
    await emergency_items(db, patient.dossier)
    row = await make_link(db, patient, content="vaccinations", label="Vaccins et allergies")
    link = payload_of(row)
    async with Log(db, patient.dossier.id) as log:
        await located(app, link, recipient="École")  # a location never fetched: nothing was read
        location = await located(app, link, recipient="Dr Rui Silva")
    assert log.new == [] and (await fresh(db, ShareLink, row.id)).fetch_count == 0
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger, Log(db, patient.dossier.id) as log:
        got = await stranger.get(location)
    assert got.status_code == 200 and resources(decrypted(got.text, link["key"])[1], "Immunization")
    assert [(e.action, e.actor_name) for e in log.new] == [("shl_fetch", "Dr Rui Silva")]
    async with Log(db, patient.dossier.id) as log:  # embedded: the manifest's answer is the opening
        assert "embedded" in (await fetch(app, link, recipient="Dr Rui Silva")).json()["files"][0]
    assert log.actions == ["shl_fetch"]
    await activate(client, patient)
    listed = readable(await client.get(f"/dossiers/{patient.dossier.id}/liens-sante"))
    assert "Ouvert 2 fois" in listed, listed
    historique = readable(await client.get(f"/dossiers/{patient.dossier.id}/historique"))
    assert historique.count(OPENED) == 2 and "École" not in historique


async def test_a_single_use_link_is_spent_by_its_one_file_read_and_its_count_and_historique_agree(client, app, db,
                                                                                                   patient):
    await emergency_items(db, patient.dossier)
    row = await make_link(db, patient, content="summary", label="Dr Costa, Porto", passcode="soleil-42")
    row.single_use = True
    db.add(row)
    await db.commit()
    link = payload_of(row)
    async with Log(db, patient.dossier.id) as log:
        # A wrong passcode spends an attempt, whatever the recipient asked for; it opens nothing.
        wrong = await fetch(app, link, recipient="Dra. Ana Costa", passcode="lune", embeddedLengthMax=0)
        assert (wrong.status_code, wrong.json()) == (401, {"remainingAttempts": 9})
        unread = await located(app, link, recipient="Dra. Ana Costa", passcode="soleil-42")
        # Nothing read yet: the link still opens (a recipient whose GET was lost asks again).
        location = await located(app, link, recipient="Dra. Ana Costa (Porto)", passcode="soleil-42")
    assert log.new == []
    assert links.state_of(await fresh(db, ShareLink, row.id), utcnow()) == "active"
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger, Log(db, patient.dossier.id) as log:
        got = await stranger.get(location)
        assert got.status_code == 200 and resources(decrypted(got.text, link["key"])[1], "Composition")
        # Spent by that one reading: the other address, the link itself, answer as a link that never was.
        assert (await stranger.get(unread)).status_code == 404
        assert (await fetch(app, link, passcode="soleil-42")).status_code == 404
    assert [(e.action, e.actor_name) for e in log.new] == [("shl_fetch", "Dra. Ana Costa (Porto)")]
    assert "à usage unique : il ne s'ouvre plus" in log.new[0].detail
    spent = await fresh(db, ShareLink, row.id)
    assert (spent.fetch_count, spent.attempts_left, links.state_of(spent, utcnow())) == (1, 9, "spent")
    await activate(client, patient)
    listed = readable(await client.get(f"/dossiers/{patient.dossier.id}/liens-sante"))
    assert "Ouvert 1 fois" in listed, listed
    historique = readable(await client.get(f"/dossiers/{patient.dossier.id}/historique"))
    assert historique.count(OPENED) == 1
