"""One tap, one record: the same rendered form arriving twice (a browser's own retry after a lost answer, a second tap
after "Pas de connexion") runs once, and both answers are the first's redirect; a refused form, corrected, runs."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import inspect
from sqlmodel import func, select

from server.auth.accounts import account_for_professional
from server.access import grants
from server.accesslog.audit import Actor
from server.housekeeping import purge_expired
from server.models import AccessEvent, Document, Grant, ProfileItem, utcnow
from tests.conftest import ORIGIN, AsyncTestClient, activate, login, new_professional
from tests.patient_helpers import migrate, professional
from tests.caregiver_helpers import as_account
from tests.test_professional_documents import png_bytes

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
ACTION = re.compile(r'\baction="([^"]*)"')
HIDDEN = re.compile(r'<input type="hidden" name="(_csrf_token|_submission)" value="([^"]*)" />')


def rendered_form(page: str, action: str) -> dict[str, str]:
    """The hidden inputs (CSRF token, submission id) of the page's form posting to `action`, as a browser sends them."""
    for attributes, body in FORM.findall(page):
        found = ACTION.search(attributes)
        if found and html.unescape(found[1]) == action:
            return dict(HIDDEN.findall(body))
    raise AssertionError(f"no form posting to {action}")


class FirstAnswerHeld:
    """The first POST's answer held a moment on its way out, as on a connection about to drop: a copy sent at once
    arrives while the first has not finished."""

    def __init__(self, app) -> None:
        self.app, self.held = app, False

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or self.held:
            await self.app(scope, receive, send)
            return
        self.held = True

        async def slowly(message) -> None:
            if message["type"] == "http.response.start":
                await asyncio.sleep(0.3)
            await send(message)

        await self.app(scope, receive, slowly)


async def twice(client, action: str, data: dict, *, together: bool, files=None) -> list:
    """The same form sent twice from this browser: one after the other, or the second while the first runs."""
    if not together:
        return [await client.post(action, data=data, files=files, follow_redirects=False) for _ in range(2)]
    async with AsyncTestClient(client.app, serve=FirstAnswerHeld(client.app), cookies=client.cookies) as browser:
        first = asyncio.create_task(browser.post(action, data=data, files=files, follow_redirects=False))
        await asyncio.sleep(0.1)
        copy = browser.post(action, data=data, files=files, follow_redirects=False)
        return list(await asyncio.gather(first, copy))


async def count(db, model, *where) -> int:
    await db.commit()  # a new snapshot: what the app committed
    return (await db.exec(select(func.count()).select_from(model).where(*where))).one()


ONE_AFTER_THE_OTHER_OR_AT_ONCE = pytest.mark.parametrize("together", [False, True], ids=["in-turn", "at-once"])


@ONE_AFTER_THE_OTHER_OR_AT_ONCE
async def test_an_allergy_sent_twice_is_added_once(client, db, patient, together):
    await activate(client, patient)
    action = f"/dossiers/{patient.dossier.id}/profil/ajouter?type=allergy"
    page = await client.get(action)
    data = {**rendered_form(page.text, action), "label": "Pénicilline", "detail": "Urticaire", "severity": "severe"}
    answers = await twice(client, action, data, together=together)
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"] \
        == f"/dossiers/{patient.dossier.id}/profil?fait=ajoute"
    assert await count(db, ProfileItem, ProfileItem.dossier_id == patient.dossier.id) == 1
    assert await count(db, AccessEvent, AccessEvent.dossier_id == patient.dossier.id,
                       AccessEvent.action == "profile_add") == 1
    # The page shown after it renders the form afresh: a second allergy is a second submission.
    again = await client.get(action)
    second = {**rendered_form(again.text, action), "label": "Latex", "severity": "moderee"}
    assert second["_submission"] != data["_submission"]
    assert (await client.post(action, data=second, follow_redirects=False)).status_code == 303
    assert await count(db, ProfileItem, ProfileItem.dossier_id == patient.dossier.id) == 2


@ONE_AFTER_THE_OTHER_OR_AT_ONCE
async def test_a_professionals_document_sent_twice_is_added_once(client, db, patient, together):
    pro = await new_professional(db)
    await grants.grant_access(db, dossier=patient.dossier, professional=pro.professional, categories="",
                              duration="sans", actor=Actor(None, "patient", "Camille Martin"))
    await as_account(client, db, await account_for_professional(db, professional=pro.professional))
    action = f"/dossiers/{patient.dossier.id}/documents/nouveau"
    page = await client.get(action)
    data = {**rendered_form(page.text, action), "title": "Compte rendu de séance", "category": "compte_rendu",
            "event_date": "2025-02-03"}
    answers = await twice(client, action, data, together=together, files={"file": ("cr.png", png_bytes(), "image/png")})
    assert [a.status_code for a in answers] == [303, 303], answers[0].text
    [document] = (await db.exec(select(Document).where(Document.dossier_id == patient.dossier.id))).all()
    assert answers[0].headers["location"] == answers[1].headers["location"] \
        == f"/documents/{document.id}?fait=document-ajoute"
    assert await count(db, AccessEvent, AccessEvent.dossier_id == patient.dossier.id,
                       AccessEvent.action == "add_document") == 1
    assert (await client.get(answers[1].headers["location"])).status_code == 200


@ONE_AFTER_THE_OTHER_OR_AT_ONCE
async def test_access_given_twice_is_one_grant_and_one_line_of_the_log(client, db, patient, together):
    doctor = await professional(db, "Petit", given_name="Julien", profession="médecin")
    await activate(client, patient)
    page_url = f"/dossiers/{patient.dossier.id}/professionnels/{doctor.id}"
    action = f"{page_url}/acces"
    page = await client.get(page_url)
    data = {**rendered_form(page.text, action), "portee": "tout", "duree": "1m"}
    answers = await twice(client, action, data, together=together)
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"] \
        == f"/dossiers/{patient.dossier.id}/acces?fait=acces-accorde"
    assert await count(db, Grant, Grant.dossier_id == patient.dossier.id) == 1
    assert await count(db, AccessEvent, AccessEvent.dossier_id == patient.dossier.id,
                       AccessEvent.action == "grant") == 1


async def test_a_copy_sent_by_htmx_gets_the_redirect_htmx_follows(client, db, patient):
    """A boosted form: htmx's request follows a 303 as the browser does, to the same page."""
    await activate(client, patient)
    action = f"/dossiers/{patient.dossier.id}/profil/ajouter?type=allergy"
    data = {**rendered_form((await client.get(action)).text, action), "label": "Pénicilline", "severity": "severe"}
    boosted = {"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": f"{ORIGIN}{action}"}
    first, copy = [await client.post(action, data=data, headers=boosted) for _ in range(2)]
    assert first.status_code == copy.status_code == 200
    assert str(first.url) == str(copy.url) == f"{ORIGIN}/dossiers/{patient.dossier.id}/profil?fait=ajoute"
    assert "Pénicilline" in copy.text
    assert await count(db, ProfileItem, ProfileItem.dossier_id == patient.dossier.id) == 1


async def test_every_answer_to_a_form_changes_a_cookie_so_that_back_asks_its_page_again(client, db, patient):
    """Chromium brings a no-store page back from its back/forward cache only if no cookie changed since: a form's
    page Back showed as it was would send its spent id again (tests/e2e/test_no_javascript.py)."""
    await activate(client, patient)
    action = f"/dossiers/{patient.dossier.id}/profil/ajouter?type=allergy"
    data = {**rendered_form((await client.get(action)).text, action), "label": "Latex", "severity": "severe"}
    first, copy = [await client.post(action, data=data, follow_redirects=False) for _ in range(2)]
    assert (first.status_code, copy.status_code) == (303, 303)
    values = [answer.cookies.get("carnet_envoi") for answer in (first, copy)]
    assert all(values) and values[0] != values[1]
    assert all("; HttpOnly; Path=/; SameSite=lax" in a.headers["set-cookie"] for a in (first, copy))


async def test_a_refused_form_corrected_is_sent_again_and_runs(client, db, patient):
    await activate(client, patient)
    action = f"/dossiers/{patient.dossier.id}/profil/ajouter?type=allergy"
    sent = rendered_form((await client.get(action)).text, action)
    refused = await client.post(action, data={**sent, "label": "", "severity": "severe"}, follow_redirects=False)
    assert refused.status_code == 400 and "Indiquez la substance" in html.unescape(refused.text)
    assert rendered_form(refused.text, action)["_submission"] != sent["_submission"]  # the form shown again: afresh
    # The same form, corrected (Back, or the page kept as it was): nothing was kept of the refusal.
    corrected = {**sent, "label": "Arachide", "severity": "severe"}
    added = await client.post(action, data=corrected, follow_redirects=False)
    assert added.status_code == 303
    assert (await client.post(action, data=corrected, follow_redirects=False)).headers["location"] \
        == added.headers["location"]
    assert await count(db, ProfileItem, ProfileItem.dossier_id == patient.dossier.id) == 1


async def test_two_forms_of_one_page_each_run(client, db, patient):
    doctor = await professional(db, "Petit", given_name="Julien", profession="médecin")
    await activate(client, patient)
    page_url = f"/dossiers/{patient.dossier.id}/professionnels/{doctor.id}"
    page = (await client.get(page_url)).text
    grant = rendered_form(page, f"{page_url}/acces")
    declare = rendered_form(page, f"/dossiers/{patient.dossier.id}/medecin-traitant")
    assert grant["_submission"] != declare["_submission"]
    given = await client.post(f"{page_url}/acces", data={**grant, "portee": "tout", "duree": "1m"},
                              follow_redirects=False)
    declared = await client.post(f"/dossiers/{patient.dossier.id}/medecin-traitant",
                                 data={**declare, "professionnel": doctor.id}, follow_redirects=False)
    assert (given.status_code, declared.status_code) == (303, 303)
    assert await count(db, AccessEvent, AccessEvent.dossier_id == patient.dossier.id,
                       AccessEvent.action.in_(("grant", "medecin_traitant"))) == 2
    # Even one id sent to two paths is two submissions: a submission is its id, its method and its path.
    block = await client.post(f"{page_url}/blocage", data=grant, follow_redirects=False)
    assert block.status_code == 303
    assert await count(db, AccessEvent, AccessEvent.dossier_id == patient.dossier.id,
                       AccessEvent.action == "block") == 1


async def test_a_submission_is_its_sessions_and_its_row_says_nothing_of_the_form(app, client, db, patient):
    doctor = await professional(db, "Petit", given_name="Julien", profession="médecin")
    authenticator = await activate(client, patient)
    page_url = f"/dossiers/{patient.dossier.id}/professionnels/{doctor.id}"
    sent = rendered_form((await client.get(page_url)).text, f"{page_url}/acces")
    assert (await client.post(f"{page_url}/acces", data={**sent, "portee": "tout", "duree": "1m"},
                              follow_redirects=False)).status_code == 303
    from server.models import FormSubmission

    [row] = (await db.exec(select(FormSubmission))).all()
    assert (row.status, row.location) == (303, f"/dossiers/{patient.dossier.id}/acces?fait=acces-accorde")
    assert sent["_submission"] not in row.key and len(row.key) == 64  # a hash: neither the id, the session nor the path
    # The same id in another session (another device of hers) is that session's own submission: it runs.
    async with AsyncTestClient(app, base_url=ORIGIN) as tablet:
        assert (await login(tablet, authenticator)).status_code == 200
        mine = rendered_form((await tablet.get(page_url)).text, f"{page_url}/acces")
        changed = await tablet.post(f"{page_url}/acces", follow_redirects=False,
                                    data={**mine, "_submission": sent["_submission"], "portee": "tout", "duree": "3m"})
        assert changed.status_code == 303
    assert await count(db, AccessEvent, AccessEvent.dossier_id == patient.dossier.id,
                       AccessEvent.action == "grant") == 2


async def test_housekeeping_removes_submissions_once_their_session_is_over(client, db, patient):
    from server.models import FormSubmission

    await activate(client, patient)
    action = f"/dossiers/{patient.dossier.id}/profil/ajouter?type=allergy"
    data = {**rendered_form((await client.get(action)).text, action), "label": "Latex", "severity": "severe"}
    assert (await client.post(action, data=data, follow_redirects=False)).status_code == 303
    assert await count(db, FormSubmission) == 1
    purged = await purge_expired(db, idle=timedelta(minutes=30), max_age=timedelta(hours=12))
    assert purged.submissions == 0
    purged = await purge_expired(db, idle=timedelta(minutes=30), max_age=timedelta(hours=12),
                                 now=utcnow() + timedelta(hours=13))
    assert purged.submissions == 1 and await count(db, FormSubmission) == 0


async def claimed_long_ago(client, db, action: str, submission: str, *, minutes: int) -> None:
    """The claim a process left on this submission `minutes` ago, without an answer (it was still running, or it
    stopped: a crash, a restart)."""
    from server.models import FormSubmission
    from server.submissions import submission_key

    key = submission_key(session_token=client.cookies["carnet_session"], submission=submission, method="POST",
                         path=action.split("?")[0])
    db.add(FormSubmission(key=key, created_at=utcnow() - timedelta(minutes=minutes)))
    await db.commit()


async def test_a_copy_of_a_form_still_running_is_told_to_reload_in_french(client, db, patient, monkeypatch):
    monkeypatch.setattr("server.submissions.WAIT_S", 0.2)
    await activate(client, patient)
    action = f"/dossiers/{patient.dossier.id}/profil/ajouter?type=allergy"
    data = {**rendered_form((await client.get(action)).text, action), "label": "Latex", "severity": "severe"}
    await claimed_long_ago(client, db, action, data["_submission"], minutes=0)
    copy = await client.post(action, data=data, follow_redirects=False)
    assert copy.status_code == 409 and "rechargez la page dans un instant" in html.unescape(copy.text)
    assert await count(db, ProfileItem, ProfileItem.dossier_id == patient.dossier.id) == 0


async def test_a_submission_whose_process_stopped_runs_when_sent_again(client, db, patient):
    await activate(client, patient)
    action = f"/dossiers/{patient.dossier.id}/profil/ajouter?type=allergy"
    data = {**rendered_form((await client.get(action)).text, action), "label": "Latex", "severity": "severe"}
    await claimed_long_ago(client, db, action, data["_submission"], minutes=3)
    assert (await client.post(action, data=data, follow_redirects=False)).status_code == 303
    assert await count(db, ProfileItem, ProfileItem.dossier_id == patient.dossier.id) == 1


async def test_migration_0041_adds_the_submissions_and_takes_them_back(app, db):
    from alembic import command

    async def tables() -> set[str]:
        async with app.state.engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))

    await db.commit()
    await migrate(app, command.downgrade, "0040")
    assert "formsubmission" not in await tables()
    await migrate(app, command.upgrade, "head")
    assert "formsubmission" in await tables()
