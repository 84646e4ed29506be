"""A form whose result is shown once (an invitation's code, new recovery codes, a copy of the dossier), sent twice,
runs once: both answers are the first's redirect to the page that shows it (Post/Redirect/Get), which shows it to
the session that asked, never to another, and is never cached."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

from sqlmodel import select

from server.auth.accounts import account_for_patient, find_recovery_code
from server.models import AccessEvent, CaregiverInvitation, RecoveryCode, WebSession, utcnow
from tests.conftest import ORIGIN, AsyncTestClient, activate, login
from tests.caregiver_helpers import as_account
from tests.test_forms_sent_twice import ONE_AFTER_THE_OTHER_OR_AT_ONCE, count, rendered_form, twice

CODES = re.compile(r"<li><code>([^<]+)</code></li>")


@ONE_AFTER_THE_OTHER_OR_AT_ONCE
async def test_an_invitation_sent_twice_is_one_invitation_and_one_code(app, client, db, patient, together):
    authenticator = await activate(client, patient)
    page_url = f"/dossiers/{patient.dossier.id}/proches"
    action = f"{page_url}/invitations"
    data = {**rendered_form((await client.get(page_url)).text, action), "niveau": "gestion", "duree": "sans"}
    answers = await twice(client, action, data, together=together)
    [invitation] = (await db.exec(select(CaregiverInvitation)
                                  .where(CaregiverInvitation.dossier_id == patient.dossier.id))).all()
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"] == f"/invitations/{invitation.id}"
    assert await count(db, AccessEvent, AccessEvent.dossier_id == patient.dossier.id,
                       AccessEvent.action == "caregiver_invited") == 1
    shown = await client.get(f"/invitations/{invitation.id}")
    assert shown.status_code == 200 and 'class="code"' in shown.text
    assert shown.headers["cache-control"] == "no-store"
    # Her other device sees the invitation, not its code: it is this session's.
    async with AsyncTestClient(app, base_url=ORIGIN) as tablet:
        assert (await login(tablet, authenticator)).status_code == 200
        elsewhere = await tablet.get(f"/invitations/{invitation.id}")
        assert elsewhere.status_code == 200 and 'class="code"' not in elsewhere.text
        assert "Le code est affiché sur l'appareil qui a créé l'invitation." in elsewhere.text


@ONE_AFTER_THE_OTHER_OR_AT_ONCE
async def test_new_recovery_codes_asked_twice_are_one_set_shown_once(app, client, db, patient, together):
    authenticator = await activate(client, patient)
    action = "/cles/codes-de-secours"
    data = rendered_form((await client.get("/cles")).text, action)
    answers = await twice(client, action, data, together=together)
    assert [a.status_code for a in answers] == [303, 303], answers[0].text
    assert answers[0].headers["location"] == answers[1].headers["location"] == action
    assert await count(db, AccessEvent, AccessEvent.dossier_id == patient.dossier.id,
                       AccessEvent.action == "recovery_codes_replaced") == 1
    shown = await client.get(action)
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    codes = CODES.findall(shown.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    account = await account_for_patient(db, patient=patient.patient)
    assert await count(db, RecoveryCode, RecoveryCode.account_id == account.id) == 10
    assert all([await find_recovery_code(db, code=code) for code in codes])  # the set in force: every one opens
    # Shown once: a reload, or her other device, is led to "Mes clés d'accès", where new ones are made.
    again = await client.get(action, follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, "/cles")
    async with AsyncTestClient(app, base_url=ORIGIN) as tablet:
        assert (await login(tablet, authenticator)).status_code == 200
        elsewhere = await tablet.get(action, follow_redirects=False)
        assert (elsewhere.status_code, elsewhere.headers["location"]) == (303, "/cles")


async def test_recovery_codes_not_shown_soon_after_they_were_made_are_never_shown(client, db, patient):
    """A phone left unlocked in her session: the set its answer never displayed is not shown to the next GET."""
    await activate(client, patient)
    action = "/cles/codes-de-secours"
    made = await client.post(action, data=rendered_form((await client.get("/cles")).text, action),
                             follow_redirects=False)
    assert made.status_code == 303
    await db.commit()
    [session] = [s for s in (await db.exec(select(WebSession))).all() if "new_recovery_codes" in s.data]
    data = json.loads(session.data)
    data["new_recovery_codes"]["made_at"] = (utcnow() - timedelta(minutes=11)).isoformat()
    session.data = json.dumps(data)
    db.add(session)
    await db.commit()
    later = await client.get(action, follow_redirects=False)
    assert (later.status_code, later.headers["location"]) == (303, "/cles")


@ONE_AFTER_THE_OTHER_OR_AT_ONCE
async def test_a_copy_of_the_dossier_asked_twice_is_one_line_of_the_log_and_one_zip(client, db, patient, together):
    await activate(client, patient)
    page_url = f"/dossiers/{patient.dossier.id}/export"
    data = rendered_form((await client.get(page_url)).text, page_url)
    answers = await twice(client, page_url, data, together=together)
    assert [a.status_code for a in answers] == [303, 303]
    location = answers[0].headers["location"]
    assert answers[1].headers["location"] == location and location.startswith(f"{page_url}/")
    assert await count(db, AccessEvent, AccessEvent.dossier_id == patient.dossier.id,
                       AccessEvent.action == "export") == 1
    copy = await client.get(location)
    assert copy.status_code == 200 and copy.headers["content-type"] == "application/zip"
    assert copy.headers["cache-control"] == "no-store"
    assert zipfile.ZipFile(io.BytesIO(copy.content)).testzip() is None
    # Made once: the address again is the page that offers a new copy, and logs nothing.
    again = await client.get(location, follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, page_url)
    assert await count(db, AccessEvent, AccessEvent.dossier_id == patient.dossier.id,
                       AccessEvent.action == "export") == 1


async def test_a_copy_asked_in_one_session_is_not_another_s(app, client, db, patient):
    await activate(client, patient)
    page_url = f"/dossiers/{patient.dossier.id}/export"
    data = rendered_form((await client.get(page_url)).text, page_url)
    location = (await client.post(page_url, data=data, follow_redirects=False)).headers["location"]
    async with AsyncTestClient(app, base_url=ORIGIN) as other:
        await as_account(other, db, await account_for_patient(db, patient=patient.patient))
        refused = await other.get(location, follow_redirects=False)
        assert (refused.status_code, refused.headers["location"]) == (303, page_url)
    assert (await client.get(location)).headers["content-type"] == "application/zip"
