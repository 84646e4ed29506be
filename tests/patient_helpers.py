"""Helpers for the patient-side tests: professionals, the access log, fresh reads, identical 404s."""

import html
import logging
import re
from datetime import date

from sqlalchemy import event
from sqlmodel import select

from server.accesslog.audit import Actor
from server.dossiers import create_professional
from server.identifiers import rpps_with_key
from server.models import AccessEvent
from tests.conftest import add_text_document, post_form, without_csrf

CAMILLE = Actor(None, "patient", "Camille Martin")
MISSING = "0" * 32


async def professional(db, family_name="Moreau", *, given_name="Julie", profession="masseur-kinésithérapeute",
                       city="Lyon", stem=1):
    return await create_professional(db, rpps=rpps_with_key(f"20{stem:08d}"), given_name=given_name,
                                     family_name=family_name, profession=profession, city=city)


async def events(db, dossier_id) -> list[AccessEvent]:
    await db.commit()  # end the test session's snapshot: see what the app committed
    return list((await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == dossier_id).order_by(AccessEvent.seq))).all())


async def fresh(db, model, id_):
    await db.commit()
    return await db.get(model, id_, populate_existing=True)


class Log:
    """The events a block of test code appends to one dossier's log."""

    def __init__(self, db, dossier_id):
        self.db, self.dossier_id = db, dossier_id

    async def __aenter__(self):
        self.before = len(await events(self.db, self.dossier_id))
        return self

    async def __aexit__(self, *exc):
        self.new = (await events(self.db, self.dossier_id))[self.before:]

    @property
    def actions(self) -> list[str]:
        return [e.action for e in self.new]


def titles_in(html: str) -> list[str]:
    return re.findall(r'<span class="doc-title">(?:<span class="fit fit-\d+">)?([^<]+)', html)


async def same_404(client, url_foreign: str, url_missing: str, *, data: dict | None = None):
    if data is None:
        foreign, missing = await client.get(url_foreign), await client.get(url_missing)
    else:
        foreign, missing = await post_form(client, url_foreign, data), await post_form(client, url_missing, data)
    assert foreign.status_code == missing.status_code == 404
    assert without_csrf(foreign.text) == without_csrf(missing.text)


class Records(logging.Handler):
    """The messages a logger wrote while this handler was attached."""

    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


class Statements:
    """The SQL statements an engine runs, to compare two refusals' work."""

    def __init__(self, engine) -> None:
        self.engine, self.seen = engine.sync_engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args):
        self.seen.append(re.sub(r"\s+", " ", statement))


class Plans(Statements):
    """SQLite's query plan of each statement the engine runs, as one line, with the statement."""

    def __init__(self, engine, *, deletes: bool = False) -> None:
        """`deletes`: the DELETEs' plans too (housekeeping's)."""
        super().__init__(engine)
        self.plans: list[tuple[str, str]] = []
        self.kinds = ("SELECT", "UPDATE", "WITH", *(("DELETE",) if deletes else ()))

    def _record(self, _conn, cursor, statement, parameters, *_args):
        if statement.lstrip().upper().startswith(self.kinds):
            cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            self.plans.append((re.sub(r"\s+", " ", statement), " | ".join(row[-1] for row in cursor.fetchall())))

    def of(self, fragment: str) -> str:
        [plan] = [plan for statement, plan in self.plans if fragment in statement]
        return plan


MORE = re.compile(r'class="more[^"]*" href="([^"]+)"')


async def titles_while_documents_arrive(client, db, app, dossier, url: str) -> list[str]:
    """Every title of a paged list of documents, read page after page (as its infinite scroll asks for them) while
    a new document, the newest of all, arrives before each next page: it belongs above, never in between."""
    seen: list[str] = []
    while url:
        page = await client.get(url, headers={"HX-Request": "true", "HX-Target": "more-x"} if seen else {})
        assert page.status_code == 200
        seen += titles_in(page.text)
        await add_text_document(db, app, dossier, title=f"Arrivé pendant la lecture {len(seen)}", when=date.today())
        more = MORE.search(page.text)
        url = html.unescape(more.group(1)) if more else ""
    return seen


async def migrate(app, step, revision: str) -> None:
    """Alembic's `step` (command.upgrade or downgrade) to `revision`, on the test's database."""
    from server.migrate import alembic_config

    def run(connection) -> None:
        config = alembic_config(str(app.state.engine.url))
        config.attributes["connection"] = connection
        step(config, revision)

    async with app.state.engine.begin() as connection:
        await connection.run_sync(run)
