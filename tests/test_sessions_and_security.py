"""Sessions rotate and expire; CSRF is enforced; every response carries the security headers."""

import html
import re
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from server.models import WebSession, utcnow
from tests.conftest import activate, add_text_document, login, post_form, set_cookie


async def test_the_session_token_changes_at_login_and_the_old_one_dies(client, db, patient):
    authenticator = await activate(client, patient)
    after_activation = client.cookies.get("carnet_session")
    await login(client, authenticator)
    after_login = client.cookies.get("carnet_session")
    assert after_login and after_login != after_activation
    set_cookie(client, "carnet_session", after_activation)
    assert (await client.get("/cles", follow_redirects=False)).status_code == 303


async def test_activation_rotates_the_half_session_into_a_full_one(client, patient):
    await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-12"})
    enrolling = client.cookies.get("carnet_session")
    await activate(client, patient)
    assert client.cookies.get("carnet_session") != enrolling


async def test_logout_ends_the_session_on_the_server(client, db, patient):
    await activate(client, patient)
    token = client.cookies.get("carnet_session")
    response = await post_form(client, "/deconnexion", {}, follow_redirects=False)
    assert response.headers["location"] == "/connexion?deconnecte=1"
    set_cookie(client, "carnet_session", token)
    assert (await client.get("/cles", follow_redirects=False)).status_code == 303
    assert (await db.exec(select(WebSession))).all() == []


async def test_an_idle_session_expires(client, db, patient):
    await activate(client, patient)
    for row in (await db.exec(select(WebSession))).all():
        row.last_seen_at -= timedelta(minutes=31)
        db.add(row)
    await db.commit()
    assert (await client.get("/cles", follow_redirects=False)).status_code == 303


async def test_a_link_reopened_after_an_idle_logout_says_the_session_closed_and_nothing_is_lost(client, db, patient):
    """An 81-year-old patient's probe: after an idle logout, a link led to a bare "Connexion" page, no word why."""
    await activate(client, patient)
    await db.exec(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    await db.commit()
    page = f"/dossiers/{patient.dossier.id}"
    response = await client.get(page, follow_redirects=False)
    assert response.headers["location"] == f"/connexion?suite={page}&fin=inactivite"  # a flag, nothing about her
    login = html.unescape((await client.get(response.headers["location"])).text)
    assert "Votre session s'est fermée après un moment sans activité. Rien n'est perdu : reconnectez-vous." in login
    # A cookie that names no session (never one, or one a logout ended) gets the bare login page, as before.
    assert (await client.get(page, follow_redirects=False)).headers["location"] == f"/connexion?suite={page}"
    logged_out = html.unescape((await client.get("/connexion?deconnecte=1")).text)
    assert "sans activité" not in logged_out and "Votre session est fermée." in logged_out


async def test_the_session_cookie_is_httponly_and_samesite(client, patient):
    response = await post_form(client, "/activer", {"code": patient.code, "birth_date": "1984-03-12"}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


async def test_a_form_without_its_csrf_token_is_refused_in_french(client, patient):
    await client.get("/activer")
    response = await client.post("/activer", data={"code": patient.code, "birth_date": "1984-03-12"})
    assert response.status_code == 403
    assert "Rechargez la page" in response.text


async def test_a_json_call_without_its_csrf_header_is_refused(client, patient):
    await client.get("/connexion")
    response = await client.post("/connexion/options", json={})
    assert response.status_code == 403


async def test_logout_needs_the_csrf_token(client, patient):
    await activate(client, patient)
    response = await client.post("/deconnexion")
    assert response.status_code == 403
    assert (await client.get("/cles")).status_code == 200


async def test_every_page_carries_the_security_headers_and_no_store(client, db, app, patient):
    document = await add_text_document(db, app, patient.dossier)
    anonymous = ["/", "/connexion", "/activer", "/recuperation", "/page-inexistante", "/sw.js", "/manifest.webmanifest"]
    for url in anonymous:
        check_headers(await client.get(url), url)
    await activate(client, patient)
    for url in [f"/dossiers/{patient.dossier.id}", f"/documents/{document.id}", f"/documents/{document.id}/fichier", "/cles"]:
        check_headers(await client.get(url), url)


def check_headers(response, url):
    headers = response.headers
    assert headers["cache-control"] == "no-store", url
    assert "script-src 'self'" in headers["content-security-policy"], url
    assert "frame-ancestors 'none'" in headers["content-security-policy"], url
    assert headers["x-content-type-options"] == "nosniff", url
    assert headers["referrer-policy"] == "no-referrer", url
    assert headers["x-frame-options"] == "DENY", url


async def test_static_assets_may_be_cached_and_only_what_can_be_a_document_gets_the_csp(client):
    """A stylesheet, a page's script or a PNG is never a document: the headers only a document obeys (CSP, framing,
    COOP, permissions) were a tenth of a first visit's bytes on them. An SVG opened alone is a document: it keeps
    them, as does the service worker's script, whose CSP is the worker's."""
    for url in ("/static/css/carnet.css", "/static/js/carnet.js", "/static/vendor/htmx-2.0.11.min.js",
                "/icons/icon-192.png"):
        response = await client.get(url)
        assert response.status_code == 200 and response.headers.get("cache-control") != "no-store", url
        assert response.headers["x-content-type-options"] == "nosniff", url
        assert "content-security-policy" not in response.headers and "x-frame-options" not in response.headers, url
    for url in ("/icons/favicon.svg", "/sw.js", "/static/css/nothing.css"):
        response = await client.get(url)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], url
        assert response.headers["x-frame-options"] == "DENY", url


async def test_a_static_file_says_its_charset_once_and_icons_are_kept_a_day_without_their_script(client):
    css = await client.get("/static/css/carnet.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    js = await client.get("/static/js/carnet.js")
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    icon = await client.get("/icons/icon-192.png")
    assert icon.status_code == 200 and icon.headers["cache-control"] == "max-age=86400"
    assert (await client.get("/icons/make_icons.py")).status_code == 404  # the script that draws them is not served


async def test_head_is_a_get_without_its_body(client, patient):
    for path in ("/", "/sante", "/connexion"):
        got, head = await client.get(path), await client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"" and head.headers["cache-control"] == "no-store", path
        assert head.headers["content-type"] == got.headers["content-type"], path
    missing = "/dossiers/" + "0" * 32  # not signed in: sent to sign in, as a GET is
    assert (await client.head(missing, follow_redirects=False)).status_code == (await client.get(missing, follow_redirects=False)).status_code


async def test_hsts_is_sent_when_served_over_https(tmp_path):
    from tests.conftest import AsyncTestClient

    from server.app import create_app
    from server.config import Settings

    settings = Settings(env="test", secret="x" * 40, data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
                        origin="https://carnet.example.fr", rp_id="carnet.example.fr")
    async with AsyncTestClient(create_app(settings), base_url="https://carnet.example.fr") as client:
        response = await client.get("/connexion")
    assert "max-age=" in response.headers["strict-transport-security"]


async def test_a_server_error_is_a_french_page_and_a_logged_traceback_without_its_message(client, app, caplog,
                                                                                         monkeypatch):
    """The log says where it failed, never what the failure was about: a message may hold health data."""
    import server.views.home as home

    async def broken(*_args, **_kwargs):
        name = "Rosa" + "lie Vidal"  # data, as a request would bring it: not in the code's own lines
        try:
            {}[name]
        except KeyError as missing:
            raise RuntimeError(f"no dossier for {missing}") from missing

    monkeypatch.setattr(home.accounts, "patient_dossier", broken)
    # a logged-in request reaches the broken function
    from server.auth.sessions import start_session
    from tests.conftest import new_patient

    async with app.state.sessionmaker() as db:
        fixture = await new_patient(db, serial=9)
        from server.auth.accounts import account_for_patient

        token = await start_session(db, account=await account_for_patient(db, patient=fixture.patient), authenticated=True)
    set_cookie(client, "carnet_session", token)
    with caplog.at_level("ERROR"):
        response = await client.get("/")
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.text and "Rosalie" not in response.text
    assert "builtins.KeyError, raised at:" in caplog.text and "builtins.RuntimeError, raised at:" in caplog.text
    assert "in broken\n    {}[name]" in caplog.text  # the code's own line, as a traceback shows it
    assert "Rosalie" not in caplog.text and not any(r.exc_info for r in caplog.records)


async def test_after_logout_the_login_page_says_so_once_and_shows_no_field(client, patient):
    await activate(client, patient)
    response = await post_form(client, "/deconnexion", {})
    assert str(response.url).endswith("/connexion?deconnecte=1")
    assert "Votre session est fermée." in response.text
    main = response.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert all('type="hidden"' in field for field in re.findall(r"<input[^>]*>", main))  # no box that looks like a field
    plain = await client.get("/connexion")
    assert "Votre session est fermée." not in plain.text


async def test_logout_clears_the_browsers_cache_of_this_site(client, patient):
    await activate(client, patient)
    response = await post_form(client, "/deconnexion", {}, follow_redirects=False)
    assert response.status_code == 303
    # "cache" (pages, and the back/forward cache), never "storage" (the service worker's static files).
    assert response.headers["clear-site-data"] == '"cache"'
