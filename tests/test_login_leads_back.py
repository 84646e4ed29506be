"""A login leads back to the page that asked for it (a professional who scans a patient's QR code logged out, any
deep link): a path of this site, carried through the login page, never another site's address."""

import html
import re

import pytest

from tests.conftest import (
    ORIGIN, activate, activate_professional, ceremony_options, new_professional, post_form, post_json,
)

# Where a login must never lead: another site, by any spelling a browser follows; nor anything but a path alone.
ELSEWHERE = [
    "//evil.example", "/\\evil.example", "/\\/evil.example", "https://evil.example/pro", "http:/pro",
    "javascript:alert(1)", "evil.example", "pro/code", " /pro/code", "/pro/code\r\nSet-Cookie: x=1",
    "/\t/evil.example", "/pro/code?suite=//evil.example", "/pro/code#c=ABC123", "\\\\evil.example", "",
]


async def professional_logged_out(client, db):
    pro = await new_professional(db)
    authenticator = await activate_professional(client, pro)
    await post_form(client, "/deconnexion", {})
    return authenticator


async def log_in(client, authenticator, **next_page):
    options, ceremony = await ceremony_options(client, "/connexion/options")
    return await post_json(client, "/connexion/verification",
                           {"ceremony": ceremony, "credential": authenticator.get(options), **next_page})


def login_next(page) -> str:
    """Where the login page's passkey button leads once the person is in."""
    return html.unescape(re.search(r'data-passkey-login data-next="([^"]*)"', page.text).group(1))


async def test_a_page_asked_for_logged_out_sends_to_the_login_with_its_path_and_nothing_more(client, db):
    await professional_logged_out(client, db)
    for asked, login in (("/pro/code", "/connexion?suite=/pro/code"),
                         ("/pro/urgence?fait=x", "/connexion?suite=/pro/urgence"),  # not a one-time notice
                         ("/pro/urgence?type=x&fait=x", "/connexion?suite=/pro/urgence%3Ftype%3Dx"),  # its choices
                         ("/", None)):
        answer = await client.get(asked, follow_redirects=False)
        if login is None:
            assert answer.status_code == 200  # the landing page: nothing to come back to
            continue
        assert (answer.status_code, answer.headers["location"]) == (303, login), asked
    page = await client.get("/connexion?suite=/pro/code")
    assert login_next(page) == "/pro/code"
    sent = await post_form(client, "/pro/code", {"code": "ABCDEF"}, follow_redirects=False)
    assert sent.headers["location"] == "/connexion"  # a form's action is no page to come back to


async def test_the_login_leads_to_the_page_asked_for(client, db):
    authenticator = await professional_logged_out(client, db)
    answer = await log_in(client, authenticator, next="/pro/code")
    assert answer.status_code == 200 and answer.json()["redirect"] == "/pro/code"
    assert (await client.get("/pro/code", follow_redirects=False)).status_code == 200


async def test_a_login_without_a_page_to_come_back_to_leads_home(client, db):
    authenticator = await professional_logged_out(client, db)
    assert login_next(await client.get("/connexion")) == "/"
    assert (await log_in(client, authenticator)).json()["redirect"] == "/"


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
@pytest.mark.parametrize("elsewhere", ELSEWHERE)
async def test_a_login_never_leads_to_another_site(client, db, elsewhere):
    authenticator = await professional_logged_out(client, db)
    page = await client.get("/connexion", params={"suite": elsewhere})
    assert page.status_code == 400 or login_next(page) == "/", elsewhere  # 400: a control character, refused whole
    assert (await log_in(client, authenticator, next=elsewhere)).json()["redirect"] == "/", elsewhere


async def test_a_login_whose_answer_names_no_string_leads_home(client, db):
    authenticator = await professional_logged_out(client, db)
    for odd in (["/pro/code"], {"path": "/pro/code"}, 42, None):
        assert (await log_in(client, authenticator, next=odd)).json()["redirect"] == "/", odd
        await post_form(client, "/deconnexion", {})


async def test_htmx_asking_logged_out_sends_the_page_it_was_on_to_the_login(client, db):
    """A part of a page (a search as one types) is no page to come back to: the page it was on is."""
    await professional_logged_out(client, db)
    dossier = "/dossiers/" + "a" * 32
    part = await client.get(dossier, params={"recherche": "x"}, follow_redirects=False,
                            headers={"HX-Request": "true", "HX-Current-URL": f"{ORIGIN}{dossier}?recherche=x"})
    assert part.headers["hx-redirect"] == f"/connexion?suite={dossier}%3Frecherche%3Dx"  # with its filters
    boosted = await client.get("/pro/urgence", follow_redirects=False,
                               headers={"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": f"{ORIGIN}/"})
    assert boosted.headers["hx-redirect"] == "/connexion?suite=/pro/urgence"  # a link followed: where it led
    elsewhere = await client.get(dossier, follow_redirects=False,
                                 headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example//x"})
    assert elsewhere.headers["hx-redirect"] == "/connexion"


async def test_someone_logged_in_whom_a_page_refuses_is_not_sent_back_to_it(client, db, patient):
    """A patient on a professional's page: the login would bring them back to the same refusal, round and round."""
    await activate(client, patient)
    refused = await client.get("/pro/code", follow_redirects=False)
    assert (refused.status_code, refused.headers["location"]) == (303, "/connexion")
    page = await client.get("/connexion?suite=/pro/code", follow_redirects=False)
    assert page.status_code == 200  # whose session is open, told there: someone else may have come to log in
    assert re.search(r'<a href="([^"]*)">Continuer dans la session', page.text).group(1) == "/"


async def test_htmx_asking_logged_out_from_an_unreadable_address_is_sent_to_the_login_alone(client, db):
    """HX-Current-URL is what the request says: one that no parser reads (an IPv6 host never closed) is no page to
    come back to, never a server error."""
    await professional_logged_out(client, db)
    dossier = "/dossiers/" + "a" * 32
    for unreadable in ("http://[oops/x", f"{ORIGIN}]{dossier}", "//["):
        part = await client.get(dossier, params={"recherche": "x"}, follow_redirects=False,
                                headers={"HX-Request": "true", "HX-Current-URL": unreadable})
        assert (part.status_code, part.headers.get("hx-redirect")) == (204, "/connexion"), unreadable


async def test_a_form_sent_after_its_session_ended_leads_to_the_login_and_back_saying_nothing_was_done(client, db, patient):
    """A form left open past the idle time: its token was the ended session's. Not "Action refusée" with a way home
    only (an outside probe's find), but the login, back to the form's page, told that what was sent was not done."""
    from datetime import timedelta

    from sqlalchemy import update

    from server.models import WebSession, utcnow
    from tests.conftest import get_csrf

    authenticator = await activate(client, patient)
    form_page = f"/dossiers/{patient.dossier.id}/profil/ajouter"
    token = await get_csrf(client)
    await db.exec(update(WebSession).values(last_seen_at=utcnow() - timedelta(hours=2)))
    await db.commit()
    fields = {"_csrf_token": token, "kind": "allergy", "label": "Arachide"}
    boosted = await client.post(form_page, data=fields, follow_redirects=False,
                                headers={"HX-Request": "true", "HX-Boosted": "true",
                                         "HX-Current-URL": f"{ORIGIN}{form_page}?type=allergy"})
    # Back to the form itself, not the chooser before it (a probe's find: "?type=allergy" was dropped).
    assert boosted.headers["hx-redirect"] == f"/connexion?suite={form_page}%3Ftype%3Dallergy&non-envoye=1"
    plain = await client.post(form_page, data=fields, follow_redirects=False)  # no JavaScript: no page to name
    assert (plain.status_code, plain.headers["location"]) == (303, "/connexion?non-envoye=1")
    login = await client.get(boosted.headers["hx-redirect"])
    assert "ce que vous veniez d'envoyer n'a pas été enregistré" in login.text
    assert login_next(login) == f"{form_page}?type=allergy"
    assert (await log_in(client, authenticator, next=f"{form_page}?type=allergy")).json()["redirect"] == f"{form_page}?type=allergy"
    # The same when the browser dropped the session's cookie (after its 12 hours, a probe's find: it said "Action
    # refusée"): the form's token was a session's, and this browser has none now.
    client.cookies.delete("carnet_session")
    gone = await client.post(form_page, data=fields, follow_redirects=False,
                             headers={"HX-Request": "true", "HX-Current-URL": f"{ORIGIN}{form_page}?type=allergy"})
    assert gone.headers["hx-redirect"] == f"/connexion?suite={form_page}%3Ftype%3Dallergy&non-envoye=1"
    # A browser that never had a session (a forged post from elsewhere carries none: SameSite): refused, as before.
    async with type(client)(client.app, base_url=ORIGIN) as stranger:
        forged = await stranger.post(form_page, data=fields, follow_redirects=False)
        assert forged.status_code == 403
