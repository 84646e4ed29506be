"""An action that asks for a recent login, refused to a session opened long ago, offers her passkey again without
logging out, then brings her back to the same form, filled as she sent it (an outside probe's find: she had to log
out, log in, find the page and fill the form again). What she typed is kept in the session, never in an address."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import select

from server.models import ApiClient, CaregiverInvitation, RecoveryCode, ShareLink, WebSession, utcnow
from server.templating import PARIS, time_fr
from tests.conftest import (
    ORIGIN, AsyncTestClient, activate, activate_professional, ceremony_options, new_professional, post_form,
    post_json, set_cookie,
)
from tests.fhir_support import Software
from tests.softauthn import SoftAuthenticator, b64url

RELOGIN = re.compile(r'<div class="stack" data-passkey-relogin data-next="([^"]*)">\s*'
                     r'<button type="button" class="primary block" data-passkey-action="relogin">'
                     r'Me reconnecter pour continuer</button>')


async def age_sessions(db, minutes: int = 11) -> None:
    await db.exec(update(WebSession).values(created_at=utcnow() - timedelta(minutes=minutes)))
    await db.commit()


async def relogin(client, authenticator: SoftAuthenticator, next_page: str):
    options, ceremony = await ceremony_options(client, "/reconnexion/options")
    return await post_json(client, "/reconnexion/verification",
                           {"ceremony": ceremony, "credential": authenticator.get(options), "next": next_page})


async def test_a_refused_health_link_offers_her_passkey_and_brings_the_form_back_as_she_sent_it(
        client, db, app, patient):
    phone = await activate(client, patient)
    await age_sessions(db)
    links = f"/dossiers/{patient.dossier.id}/liens-sante"
    sent = {"contenu": "summary", "nom": "Voyage à Lisbonne", "code": "marée-haute-42", "duree": "1a"}
    refused = await post_form(client, links, sent)
    assert refused.status_code == 400
    assert "cette action demande une connexion de moins de 10 minutes" in html.unescape(refused.text)
    assert RELOGIN.search(refused.text)[1] == links  # one button, back to this form's page
    old_token = client.cookies.get("carnet_session")

    # A real WebAuthn login, for her own account's passkeys only, without logging out.
    options, ceremony = await ceremony_options(client, "/reconnexion/options")
    assert [c["id"] for c in options["allowCredentials"]] == [b64url(phone.credential_id)]
    again = await post_json(client, "/reconnexion/verification",
                            {"ceremony": ceremony, "credential": phone.get(options), "next": links})
    assert again.status_code == 200 and again.json()["redirect"] == links
    # Rotated, as any login: the session from before it opens nothing more.
    assert client.cookies.get("carnet_session") != old_token
    async with AsyncTestClient(app, base_url=ORIGIN) as stale:
        set_cookie(stale, "carnet_session", old_token)
        assert (await stale.get(links, follow_redirects=False)).status_code == 303

    page = await client.get(again.json()["redirect"])
    assert page.status_code == 200 and "data-resumed-form" in page.text
    assert "Voyage" not in str(page.url) and "Voyage" not in again.text  # never in an address
    given = await post_json(client, "/reconnexion/formulaire")
    assert given.json()["action"] == links and sorted(given.json()["fields"]) == sorted([k, v] for k, v in sent.items())
    assert (await post_json(client, "/reconnexion/formulaire")).json() == {}  # once
    assert "data-resumed-form" not in (await client.get(links)).text

    done = await post_form(client, links, sent, follow_redirects=False)
    assert done.status_code == 303
    [link] = (await db.exec(select(ShareLink))).all()
    assert link.label == "Voyage à Lisbonne"


async def test_every_action_refused_for_want_of_a_recent_login_offers_it_and_leads_back_to_its_page(
        client, db, app, patient):
    """Inviting a relative, new recovery codes, removing a passkey, a practice's software: one refusal, one button,
    each back to the page of its form (a GET on the action leads there: form_actions.py)."""
    phone = await activate(client, patient)
    options, ceremony = await ceremony_options(client, "/cle/options")
    other_key = SoftAuthenticator(origin=ORIGIN)
    await post_json(client, "/cle/verification", {"ceremony": ceremony, "name": "Ordinateur",
                                                  "credential": other_key.create(options)})
    await age_sessions(db)
    cles = await client.get("/cles")
    assert RELOGIN.search(cles.text)[1] == "/cles" and 'action="/deconnexion" hx-boost="false"' not in cles.text
    added_late = await post_json(client, "/cle/options")
    assert added_late.status_code == 403 and added_late.json()["relogin"] == "/cles"

    proches = f"/dossiers/{patient.dossier.id}/proches"
    refusals = {
        "/cles/codes-de-secours": {},
        "/cles/autres-cles/suppression": {},
        f"{proches}/invitations": {"niveau": "gestion", "duree": "sans"},
    }
    codes_before = len((await db.exec(select(RecoveryCode))).all())
    await db.commit()
    for action, data in refusals.items():
        refused = await post_form(client, action, data)
        assert refused.status_code == 403 and RELOGIN.search(refused.text)[1] == action, action
    assert len((await db.exec(select(RecoveryCode))).all()) == codes_before
    await db.commit()

    again = await relogin(client, phone, f"{proches}/invitations")
    assert again.status_code == 200
    page = await client.get(again.json()["redirect"])
    assert str(page.url).endswith(proches) and "data-resumed-form" in page.text
    resumed = (await post_json(client, "/reconnexion/formulaire")).json()  # the last form refused
    assert resumed["action"] == f"{proches}/invitations"
    assert sorted(resumed["fields"]) == [["duree", "sans"], ["niveau", "gestion"]]
    invited = await post_form(client, f"{proches}/invitations", {"niveau": "gestion", "duree": "sans"},
                              follow_redirects=False)
    assert invited.status_code == 303 and len((await db.exec(select(CaregiverInvitation))).all()) == 1
    await db.commit()

    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        pro = await new_professional(db)
        cabinet = await activate_professional(desk, pro)
        await age_sessions(db)
        software = {"name": "Logiciel du cabinet", "jwk": Software().public_jwk()}
        refused = await post_form(desk, "/pro/logiciels", software)
        assert refused.status_code == 403 and RELOGIN.search(refused.text)[1] == "/pro/logiciels"
        assert (await relogin(desk, cabinet, "/pro/logiciels")).status_code == 200
        resumed = (await post_json(desk, "/reconnexion/formulaire")).json()
        assert sorted(resumed["fields"]) == sorted([k, v] for k, v in software.items())
        assert (await post_form(desk, "/pro/logiciels", software, follow_redirects=False)).status_code == 303
    assert len((await db.exec(select(ApiClient))).all()) == 1


async def test_a_new_login_takes_only_a_passkey_of_the_account_logged_in(client, db, app, patient):
    from tests.conftest import new_patient

    await activate(client, patient)
    async with AsyncTestClient(app, base_url=ORIGIN) as other_browser:
        someone_else = await activate(other_browser, await new_patient(db, given_name="Paul", serial=2, sex="M"))
    await age_sessions(db)
    refused = await relogin(client, someone_else, "/cles")
    assert refused.status_code == 400 and "ouvre un autre compte" in html.unescape(refused.json()["error"])
    assert RELOGIN.search((await client.get("/cles")).text)  # still not a recent login
    # A login's ceremony is no new login's, nor the other way round.
    options, ceremony = await ceremony_options(client, "/connexion/options")
    crossed = await post_json(client, "/reconnexion/verification",
                              {"ceremony": ceremony, "credential": someone_else.get(options), "next": "/cles"})
    assert crossed.status_code == 400


CSRF_HOLDER = re.compile(r'<main id="contenu" data-csrf-token="([0-9a-f]{128})"')
CLOSES_IN = re.compile(r'data-closes-in="([0-9]+)"')


async def test_a_session_near_its_twelve_hours_goes_on_after_them_in_a_new_login_without_its_page_reloaded(
        client, db, app, patient):
    """A session ends 12 hours after it was opened, whatever is done (sessions.load_session): a form being filled at
    the twelfth hour was lost, unwarned (an accessibility probe's find, WCAG 2.2.1). Minutes before, the page says when;
    her passkey, asked in place, opens a new session, whose CSRF token and end the answer gives the page (csrf.py
    binds a token to its session), so that the form posts on after the first session's end; the browser's other tabs
    ask theirs."""
    phone = await activate(client, patient)
    await age_sessions(db, minutes=12 * 60 - 4)
    opened = (await db.exec(select(WebSession.created_at))).one()
    await db.commit()
    form = f"/dossiers/{patient.dossier.id}/profil/ajouter?type=allergy"
    page = await client.get(form)
    closes = (opened + timedelta(hours=12)).astimezone(PARIS)
    assert 230 <= int(CLOSES_IN.search(page.text)[1]) <= 240
    assert (f"Votre session se ferme à {time_fr(closes)}, 12 heures après votre connexion : ce que vous êtes en train "
            "d'écrire serait perdu.") in html.unescape(page.text)
    token_before = CSRF_HOLDER.search(page.text)[1]

    again = await relogin(client, phone, form)
    assert again.status_code == 200
    session = again.json()["session"]
    assert 12 * 3600 - 10 <= session["closesIn"] <= 12 * 3600
    renewed_closes = (datetime.fromisoformat(session["opened"]) + timedelta(hours=12)).astimezone(PARIS)
    assert f"Votre session se ferme à {time_fr(renewed_closes)}, 12 heures" in session["closing"]
    refused = await client.post(form, data={"label": "Latex", "_csrf_token": token_before}, follow_redirects=False)
    assert refused.status_code == 403  # the page's token from before, which the answer's replaces
    done = await client.post(form, data={"label": "Arachide", "_csrf_token": session["csrfToken"]},
                             follow_redirects=False)
    assert done.status_code == 303 and "fait=ajoute" in done.headers["location"]
    assert f'data-session-opened="{session["opened"]}"' in (await client.get(done.headers["location"])).text

    # Another tab of the browser, told of the new login (never its token: session.js), asks for its own.
    other_tab = await client.get("/reconnexion/session", headers={"accept": "application/json"})
    assert other_tab.json()["opened"] == session["opened"] and other_tab.json()["csrfToken"] != session["csrfToken"]
    also = await client.post(form, data={"label": "Pollen", "_csrf_token": other_tab.json()["csrfToken"]},
                             follow_redirects=False)
    assert also.status_code == 303

    # Past its 12 hours, a session is refused whatever it sends: its pages lead to the login, and so does a form.
    await age_sessions(db, minutes=12 * 60 + 1)
    assert "/connexion" in (await client.get(form, follow_redirects=False)).headers["location"]
    late = await client.post(form, data={"label": "Latex", "_csrf_token": other_tab.json()["csrfToken"]},
                             follow_redirects=False)
    assert late.status_code == 303 and "/connexion" in late.headers["location"]
    assert (await client.get("/reconnexion/session", headers={"accept": "application/json"})).status_code == 401
