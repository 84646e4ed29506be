"""SMART Health Links fetched by a recipient: passcodes that count down and lock, the manifest's edges, locations."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

from server.models import ShareLink, utcnow
from server.shlinks import links
from tests.conftest import ORIGIN, AsyncTestClient
from tests.patient_helpers import CAMILLE, Log, events, fresh
from tests.shlink_helpers import ANOTHER_SITE, decrypted, emergency_items, fetch, make_link, payload_of, resources


async def test_wrong_passcodes_count_down_then_the_link_is_dead(app, db, patient):
    row = await make_link(db, patient, passcode="soleil-42")
    link = payload_of(row)
    async with Log(db, patient.dossier.id) as log:
        unasked = await fetch(app, link)  # no passcode at all is not a guess
        assert unasked.status_code == 401 and unasked.json() == {"remainingAttempts": 10}
        for left in range(9, -1, -1):
            wrong = await fetch(app, link, passcode=f"lune-{left}")
            assert wrong.status_code == 401 and wrong.json() == {"remainingAttempts": left}
            assert wrong.headers["access-control-allow-origin"] == "*"
        dead = await fetch(app, link, passcode="soleil-42")
    assert dead.status_code == 404 and log.actions == ["shl_blocked"]  # the wrong passcode that blocked it
    assert links.state_of(await fresh(db, ShareLink, row.id), utcnow()) == "locked"


async def test_parallel_guesses_cannot_spend_more_attempts_than_the_link_has(app, db, patient):
    link = payload_of(await make_link(db, patient, passcode="soleil-42"))
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        answers = await asyncio.gather(*(
            stranger.post(link["url"].removeprefix(ORIGIN), json={"recipient": "X", "passcode": f"faux-{n}"})
            for n in range(14)))
    refused = sorted(a.json()["remainingAttempts"] for a in answers if a.status_code == 401)
    assert refused == list(range(10)) and sorted(a.status_code for a in answers).count(404) == 4


async def test_a_refused_passcode_says_how_to_authenticate(app, db, patient):
    """RFC 9110, 15.5.2: a 401 carries a challenge; here, the SHL passcode (no registered scheme names it)."""
    link = payload_of(await make_link(db, patient, passcode="soleil-42"))
    for passcode in (None, "lune-1"):
        refused = await fetch(app, link, passcode=passcode)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == 'SHL-Passcode realm="SMART Health Link"'
        assert refused.headers["access-control-expose-headers"] == "WWW-Authenticate"  # a recipient's page reads it
    opened = await fetch(app, link, passcode="soleil-42")
    assert opened.status_code == 200 and "www-authenticate" not in opened.headers


# --- the protocol's edges, the viewer --------------------------------------------------------------------


async def test_the_manifest_answers_any_origin_and_refuses_what_is_not_a_request(app, db, patient):
    link = payload_of(await make_link(db, patient))
    path = link["url"].removeprefix(ORIGIN)
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        preflight = await stranger.options(path, headers={**ANOTHER_SITE, "Access-Control-Request-Method": "POST",
                                                          "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
        for body in (b"not json", b"[]", json.dumps({"passcode": "x"}).encode(), json.dumps({"recipient": "\u200b"}).encode(),
                     json.dumps({"recipient": "A", "embeddedLengthMax": "big"}).encode()):
            refused = await stranger.post(path, content=body, headers={"content-type": "application/json"})
            assert refused.status_code == 400 and refused.headers["access-control-allow-origin"] == "*", body
            assert "set-cookie" not in refused.headers
    longest = await fetch(app, link, recipient="Dr " + "A" * 97 + "\u202e")
    assert longest.status_code == 200
    [event] = [e for e in await events(db, patient.dossier.id) if e.action == "shl_fetch"]
    assert event.actor_name == f"Dr {'A' * 97}"  # 100 characters, cleaned


async def test_a_field_too_long_is_a_400_that_names_it_and_only_a_huge_body_is_a_413(app, db, patient):
    path = payload_of(await make_link(db, patient))["url"].removeprefix(ORIGIN)
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        # json.dumps escapes every emoji as "\ud83d\ude00": 12 bytes for one character, and still a 400.
        # Each named as the viewer's form names it (its page shows the message), and by the spec's key.
        for body, field, limit in (
                ({"recipient": "x" * 5000}, "Votre nom («\u00a0recipient\u00a0»)", "100 caractères"),
                ({"recipient": "Dr " + "A" * 98}, "Votre nom («\u00a0recipient\u00a0»)", "100 caractères"),
                ({"recipient": "\u3164"}, "Indiquez votre nom («\u00a0recipient\u00a0»)", "qui ouvre le lien"),
                ({"recipient": "Dr Roux", "passcode": "\U0001f600" * 1001}, "Le code d'accès («\u00a0passcode\u00a0»)",
                 "1000 caractères")):
            refused = await stranger.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
            assert refused.status_code == 400 and refused.headers["access-control-allow-origin"] == "*"
            assert field in refused.json()["error"] and limit in refused.json()["error"], refused.json()
        huge = await stranger.post(path, content=json.dumps({"recipient": "Dr Roux", "notes": "x" * 20_000}),
                                   headers={"content-type": "application/json"})
        assert huge.status_code == 413 and huge.headers["access-control-allow-origin"] == "*"
        assert huge.json() == {"error": "La demande est trop longue : 16\u00a0Ko au plus."}
    assert not [e for e in await events(db, patient.dossier.id) if e.action == "shl_fetch"]


async def test_a_nul_in_the_recipient_or_passcode_is_said_as_such_not_as_no_json(app, db, patient):
    path = payload_of(await make_link(db, patient))["url"].removeprefix(ORIGIN)
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        for body in ({"recipient": "Paul\u0000"}, {"recipient": "Dr Roux", "passcode": "\ud800"}):
            refused = await stranger.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
            assert refused.status_code == 400 and refused.headers["access-control-allow-origin"] == "*"
            said = refused.json()["error"]
            assert said.startswith("La demande contient un caractère qui n'est pas permis")
            assert "«\u00a0recipient\u00a0»" in said
        not_json = await stranger.post(path, content=b'{"recipient": "Paul"',
                                       headers={"content-type": "application/json"})
        assert not_json.json()["error"] == "La demande doit être un objet JSON."
    assert not [e for e in await events(db, patient.dossier.id) if e.action == "shl_fetch"]


async def test_a_recipient_that_wants_short_embedded_files_gets_a_short_lived_location(app, db, patient):
    await emergency_items(db, patient.dossier)
    row = await make_link(db, patient)
    link = payload_of(row)
    [file] = (await fetch(app, link, embeddedLengthMax=100)).json()["files"]
    assert "embedded" not in file and file["location"].startswith(f"{ORIGIN}/shl/{row.id}/fichier?t=")
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        got = await stranger.get(file["location"].removeprefix(ORIGIN))
        assert got.status_code == 200 and got.headers["content-type"].startswith("application/jose")
        assert [a.code.text for a in resources(decrypted(got.text, link["key"])[1], "AllergyIntolerance")] == ["Pénicilline"]
        forged = file["location"][:-3] + ("AAA" if not file["location"].endswith("AAA") else "BBB")
        assert (await stranger.get(forged.removeprefix(ORIGIN))).status_code == 404
        await links.revoke_link(db, dossier=patient.dossier, link_id=row.id, actor=CAMILLE)
        assert (await stranger.get(file["location"].removeprefix(ORIGIN))).status_code == 404


async def test_a_location_serves_its_file_once_then_answers_as_one_that_never_was_in_any_process(app, db, patient,
                                                                                                  settings):
    """The spec: a `location` "SHALL be short-lived and intended for single use"; the recipient asks the manifest
    again for a fresh one. Spent in the database: another process of the server refuses it too."""
    from server.app import app_state, create_app
    from server.housekeeping import purge_expired

    await emergency_items(db, patient.dossier)
    row = await make_link(db, patient)
    link = payload_of(row)
    [file] = (await fetch(app, link, embeddedLengthMax=100)).json()["files"]
    location = file["location"].removeprefix(ORIGIN)
    never = f"/shl/{row.id}/fichier?t=" + location.rsplit("=", 1)[1][:-3] + "AAA"
    other = create_app(settings)
    other.state = app_state(settings)
    try:
        async with AsyncTestClient(app, base_url=ORIGIN) as stranger, \
                AsyncTestClient(other, base_url=ORIGIN) as elsewhere:
            async with Log(db, patient.dossier.id) as log:
                first = await stranger.get(location)
                again, there = await stranger.get(location), await elsewhere.get(location)
            assert first.status_code == 200 and log.actions == ["shl_fetch"]
            unknown = await stranger.get(never)
            # Said to whoever holds it, whose ever dossier it is: not "au patient" when a parent gave it.
            # Every cause, a single use spent too, as Carnet's viewer says it: another app shows this sentence (a probe).
            assert unknown.json()["error"] == ("Ce lien n'est plus valable : il a expiré, a été désactivé ou "
                                               "bloqué, ou il ne s'ouvrait qu'une fois et l'a déjà été. Demandez-en un "
                                               "nouveau à la personne qui vous l'a donné.")
            for refused in (again, there):
                assert (refused.status_code, refused.json()) == (404, unknown.json())
            [fresh_file] = (await fetch(app, link, embeddedLengthMax=100)).json()["files"]
            assert fresh_file["location"] != file["location"]
            got = await elsewhere.get(fresh_file["location"].removeprefix(ORIGIN))
            assert got.status_code == 200 and resources(decrypted(got.text, link["key"])[1], "AllergyIntolerance")
    finally:
        await other.state.engine.dispose()
    # Kept as long as the address could be asked for, then erased: it says nothing once it has ended.
    assert (await purge_expired(db, idle=timedelta(hours=1), max_age=timedelta(hours=12))).locations == 0
    later = utcnow() + timedelta(hours=1)
    assert (await purge_expired(db, idle=timedelta(hours=1), max_age=timedelta(hours=12), now=later)).locations == 2


async def test_migration_0063_adds_the_spent_locations_and_takes_them_back(app, db, patient):
    from alembic import command
    from sqlalchemy import inspect

    from tests.patient_helpers import migrate

    async def tables() -> set[str]:
        async with app.state.engine.connect() as connection:
            return await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))

    row = await make_link(db, patient)
    await migrate(app, command.downgrade, "0062")
    assert "spentlocation" not in await tables()
    await migrate(app, command.upgrade, "head")
    assert "spentlocation" in await tables()
    assert not (await fresh(db, ShareLink, row.id)).single_use  # a link made before opens as it did
    assert (await fetch(app, payload_of(row))).status_code == 200
    assert (await fetch(app, payload_of(row))).status_code == 200


async def test_the_viewer_is_one_static_page_that_sets_no_cookie(client):
    page = await client.get("/shl")
    assert page.status_code == 200 and "set-cookie" not in page.headers
    assert page.headers["cache-control"] == "no-store"
    assert "Cette page a besoin de JavaScript" in page.text  # what a browser without it shows
    assert re.search(r'<script src="/static/js/shl-viewer\.[0-9a-f]{12}\.js" defer>', page.text)
    assert re.search(r'data-jose="/static/vendor/jose-6\.2\.18\.min\.[0-9a-f]{12}\.js"', page.text)
    assert "csrf" not in page.text and "<script>" not in page.text and "style=" not in page.text
