"""Fixtures: settings, a migrated database, the app, a client, and people to act as."""

from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import asyncpg
import pytest
import httpx

from server.auth.accounts import issue_activation_code
from server.app import app_state, create_app
from server.config import Settings
from server.db import make_engine
from server.dossiers import add_document, create_patient
from server.identifiers import ins_key
from server.migrate import upgrade
from tests.databases import TEMPLATE_DB, worker_database
from tests.pgserver import running_postgres
from tests.softauthn import SoftAuthenticator

ORIGIN = "http://localhost:8000"
TEST_SECRET = "test-secret-that-is-long-enough-for-carnet"
# As README makes one (secrets.token_urlsafe): production refuses a secret of few different characters.
PRODUCTION_SECRET = "Hq3vN8xK2mWz7RtY5pLb9cJd4FgS6aUe0-_iOo1"


@pytest.fixture(scope="session")
async def postgres():
    """One PostgreSQL server for the session, with a migrated template database."""
    with running_postgres() as base:
        conn = await asyncpg.connect(f"{base.replace('+asyncpg', '')}/postgres")
        await conn.execute(f"CREATE DATABASE {TEMPLATE_DB}")
        await conn.close()
        engine = make_engine(f"{base}/{TEMPLATE_DB}")
        await upgrade(engine)
        await engine.dispose()
        yield base


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test: running the migrations once, not per test."""
    path = tmp_path_factory.mktemp("template") / "carnet.sqlite3"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    await engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path) -> Settings:
    """Every integration test runs on SQLite and on PostgreSQL: the code must not care."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{request.getfixturevalue('sqlite_worker_file')}"
    else:
        url = worker_database(request.getfixturevalue("postgres")).url
    return Settings(
        env="test", secret=TEST_SECRET, data_dir=tmp_path, database_url=url, origin=ORIGIN, rp_id="localhost", page_size=5
    )


@pytest.fixture(scope="session")
def sqlite_worker_file(tmp_path_factory) -> Path:
    """Where this process's tests have their SQLite database, each in turn (`app`)."""
    return tmp_path_factory.mktemp("worker") / "carnet.sqlite3"


@pytest.fixture
async def app(settings, sqlite_template, sqlite_worker_file):
    """The app, on a database of the test's own, migrated: on PostgreSQL this process's database, emptied after each
    test (`WorkerDatabase`); on SQLite a copy of the template at this process's one path, which the test's data
    directory links to (where `carnet` commands look for it), gone after the test. Either way through one engine
    for all the process's tests, which keeps its compiled statements (SQLAlchemy keeps them per engine). A test's
    own settings elsewhere (its data directory's file, say) get a copy there, and an engine of their own."""
    engine = worker_file = None
    if settings.database_url.startswith("postgresql"):
        database = worker_database()
        engine = await database.ready()
    else:
        path = Path(settings.database_url.split("///", 1)[1])
        shutil.copyfile(sqlite_template, path)
        if path == sqlite_worker_file:
            worker_file = path
            (settings.data_dir / "carnet.sqlite3").symlink_to(path)
            engine = _sqlite_engines.get(path) or _sqlite_engines.setdefault(path, make_engine(settings.database_url))
    app = _one_app(settings)
    app.state = app_state(settings, engine=engine)
    yield app
    if settings.database_url.startswith("postgresql"):
        await database.empty()
        return
    await app.state.engine.dispose()  # its connections closed with the file they read
    if worker_file:
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)


_sqlite_engines: dict = {}


_apps: list = []


def _one_app(settings: Settings):
    """One app per test process, which each test gives its own state (`app_state`): registering the routes took a
    fifth of a second, half of a test's time."""
    if not _apps:
        _apps.append(create_app(settings))
    return _apps[0]


class _EachRequestItsTask(httpx.ASGITransport):
    """Each request in a task of its own, as a server runs them: what the app sets in its context (the page's
    language) stays out of the test's."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await asyncio.create_task(super().handle_async_request(request))


class AsyncTestClient(httpx.AsyncClient):
    """A browser on the app, which it serves on the test's own event loop (httpx's ASGI transport). Litestar's
    client served it from a thread of its own: the database's connections could not be pooled across the two
    loops, and a test opened one per session, a hundredth of a second each on PostgreSQL; the same three test
    files took 49 s with it, 23 s with this one."""

    def __init__(self, app, base_url: str = ORIGIN, *, serve=None, **kwargs) -> None:
        """`serve`: the app wrapped in some middleware of the test's (the app by default)."""
        transport = _EachRequestItsTask(app=serve or app, client=("testclient", 50000))
        super().__init__(transport=transport, base_url=base_url, follow_redirects=True,
                         headers={"user-agent": "testclient"}, **kwargs)
        self.app = app

    async def __aenter__(self):
        # The app's startup and shutdown hooks, as a server runs them: once, however many browsers a test opens
        # (their tasks run on this loop, which outlives the test). Carnet has no lifespan manager nor event
        # listener, whose task groups would have to start and end in one task, and a fixture's ends are two.
        assert not self.app._lifespan_managers and not self.app.event_emitter.listeners
        await super().__aenter__()
        state = self.app.state
        state.test_browsers = getattr(state, "test_browsers", 0) + 1
        if state.test_browsers == 1:
            for hook in self.app.on_startup:
                await self.app._call_lifespan_hook(hook)
        return self

    async def __aexit__(self, *exc) -> None:
        state = self.app.state
        state.test_browsers -= 1
        try:
            if state.test_browsers == 0:
                for hook in self.app.on_shutdown:
                    await self.app._call_lifespan_hook(hook)
        finally:
            await super().__aexit__(*exc)


@pytest.fixture
async def client(app):
    async with AsyncTestClient(app, base_url=ORIGIN) as client:
        yield client


@pytest.fixture
async def db(app):
    async with app.state.sessionmaker() as session:
        yield session


@dataclass
class PatientFixture:
    patient: object
    dossier: object
    code: str
    birth_date: date


def make_ins(sex: str, year: int, month: int, serial: int) -> str:
    nir = f"{1 if sex == 'M' else 2}{year % 100:02d}{month:02d}75056{serial:03d}"
    return nir + ins_key(nir)


async def new_patient(db, *, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=1, sex="F"):
    patient, dossier = await create_patient(
        db, ins=make_ins(sex, birth.year, birth.month, serial), given_name=given_name,
        family_name=family_name, birth_date=birth, sex=sex,
    )
    code = await issue_activation_code(db, patient=patient, issued_by="test")
    return PatientFixture(patient, dossier, code, birth)


@pytest.fixture
async def patient(db) -> PatientFixture:
    return await new_patient(db)


async def logged_read(db, dossier, *, name="Léa Fontaine", profession="masseur-kinésithérapeute"):
    """A professional's read of the timeline in the dossier's log, straight through the chain."""
    from server.accesslog.audit import Actor, append, begin_chained, commit_chained

    await begin_chained(db)
    await append(db, dossier_id=dossier.id, action="read_timeline",
                 actor=Actor(None, "professional", name, profession=profession))
    await commit_chained(db)


async def add_text_document(db, app, dossier, *, title="Compte rendu de consultation", category="compte_rendu", when=date(2025, 1, 15)):
    return await add_document(
        db, app.state.storage, dossier=dossier, title=title, category=category, event_date=when,
        filename="note.txt", mime_type="text/plain", data=f"Contenu : {title}".encode(),
    )


CSRF_META = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')
MASKED_TOKEN = re.compile(r"\b[0-9a-f]{128}\b")
SUBMISSION_ID = re.compile(r'(name="_submission" value=")[A-Za-z0-9_-]{22}"')


CLOSES_IN = re.compile(r'data-closes-in="\d+"')


def without_csrf(page: str) -> str:
    """A page as two requests can compare it: the CSRF token is masked afresh in every response (csrf.py), each
    form gets a new submission id (templating.FormInput), and the session's seconds left (templating.session_closing)
    may be one fewer a second later."""
    page = CLOSES_IN.sub('data-closes-in="<seconds>"', page)
    return SUBMISSION_ID.sub(r'\1<submission>"', MASKED_TOKEN.sub("<csrf>", page))


SEARCH_TOKEN = re.compile(r"(?<=[?&]recherche=)[A-Za-z0-9_-]{8}(?=&|$)")  # sessions.remember_search's


def without_search_token(address: str) -> str:
    """An address with its search's token (8 random characters) taken out, to look for the words searched in the
    rest: a few letters of them turn up in the token by chance (three, whatever their case, once in some 5,000)."""
    assert len(SEARCH_TOKEN.findall(address)) == 1, address
    return SEARCH_TOKEN.sub("", address)


async def get_csrf(client) -> str:
    """The token a page gives this browser in its current session, read as the page's scripts read it."""
    page = await client.get("/activer")
    match = CSRF_META.search(page.text)
    assert match, "no CSRF token in the page"
    return match.group(1)


async def post_form(client, url: str, data: dict, **kwargs):
    token = await get_csrf(client)
    return await client.post(url, data={**data, "_csrf_token": token}, **kwargs)


async def post_json(client, url: str, data: dict | None = None):
    token = await get_csrf(client)
    return await client.post(url, json=data or {}, headers={"x-csrftoken": token, "accept": "application/json"})


async def activate(client, fixture: PatientFixture, authenticator: SoftAuthenticator | None = None) -> SoftAuthenticator:
    """Activation code + birth date, then a passkey: the whole first visit, through HTTP."""
    authenticator = authenticator or SoftAuthenticator(origin=ORIGIN)
    response = await post_form(client, "/activer", {"code": fixture.code, "birth_date": fixture.birth_date.isoformat()})
    assert response.status_code in (200, 303), response.text
    options, ceremony = await ceremony_options(client, "/cle/options")
    result = await post_json(
        client, "/cle/verification", {"ceremony": ceremony, "credential": authenticator.create(options), "name": "Téléphone"}
    )
    assert result.status_code == 200, result.text
    return authenticator


async def login(client, authenticator: SoftAuthenticator):
    options, ceremony = await ceremony_options(client, "/connexion/options")
    return await post_json(client, "/connexion/verification", {"ceremony": ceremony, "credential": authenticator.get(options)})


async def ceremony_options(client, url: str) -> tuple[dict, str]:
    """The WebAuthn options and the ceremony token the verification must send back."""
    body = (await post_json(client, url)).json()
    return body["publicKey"], body["ceremony"]


def dossier_link(html: str) -> str:
    match = re.search(r'href="(/dossiers/[0-9a-f]{32})"', html)
    assert match, "no link to a dossier"
    return match.group(1)


FIELD_TAG = re.compile(r"<(?:input|select|textarea)\b[^>]*>")
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')


def wrong_fields(page: str, message_id: str = "form-error") -> list[str]:
    """The names of the fields a refused form marks wrong and describes by its message (partials/form_error.html),
    in the page's order, each once; the message must be on the page."""
    assert re.search(rf'<p class="error" role="alert" id="{message_id}"', page), f"no message #{message_id}"
    names = []
    for tag in FIELD_TAG.finditer(page):
        attributes = dict(ATTRIBUTE.findall(tag[0]))
        described = attributes.get("aria-describedby", "").split()
        # The message, or its sentence about this field where it says several (form_error.html: "form-error-2").
        if attributes.get("aria-invalid") == "true" and any(
                d == message_id or re.fullmatch(rf"{re.escape(message_id)}-\d+", d) for d in described):
            names.append(attributes["name"])
    return list(dict.fromkeys(names))


def set_cookie(client, name: str, value: str) -> None:
    """Replace a cookie as the browser would hold it (httpx files localhost under .local)."""
    client.cookies.delete(name)
    client.cookies.set(name, value, domain="localhost.local")


# --- professionals (tests/test_professional*.py) ------------------------------------------


@dataclass
class ProfessionalFixture:
    professional: object
    code: str
    rpps: str


async def new_professional(db, *, given_name="Julie", family_name="Moreau", profession="masseur-kinésithérapeute",
                           city="Lyon", stem=1, feminine=False) -> ProfessionalFixture:
    """A registered professional and their activation code, as `carnet professional add` makes them."""
    from server.auth.accounts import issue_activation_code as issue
    from server.dossiers import create_professional
    from server.identifiers import rpps_with_key

    rpps = rpps_with_key(f"10{stem:08d}")
    professional = await create_professional(db, rpps=rpps, given_name=given_name, family_name=family_name,
                                             profession=profession, city=city, feminine=feminine)
    code = await issue(db, professional=professional, issued_by="test")
    return ProfessionalFixture(professional, code, rpps)


async def activate_professional(client, fixture: ProfessionalFixture, authenticator: SoftAuthenticator | None = None) -> SoftAuthenticator:
    """Activation code + RPPS, then the same passkey enrolment as a patient's, through HTTP."""
    authenticator = authenticator or SoftAuthenticator(origin=ORIGIN)
    response = await post_form(client, "/pro/activer", {"code": fixture.code, "rpps": fixture.rpps})
    assert response.status_code in (200, 303), response.text
    options, ceremony = await ceremony_options(client, "/cle/options")
    result = await post_json(
        client, "/cle/verification", {"ceremony": ceremony, "credential": authenticator.create(options), "name": "Cabinet"}
    )
    assert result.status_code == 200, result.text
    return authenticator


@pytest.fixture
async def pro_client(app):
    """A second browser on the app, a professional's beside the patient's `client`."""
    async with AsyncTestClient(app, base_url=ORIGIN) as client:
        yield client
