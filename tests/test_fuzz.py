"""No route answers a 5xx, shows a traceback or hangs, whatever a client sends, whoever sends it.

Hypothesis walks every route the app declares, as anonymous, patient, caregiver and professional, with
generated path, query, header, cookie and form (or multipart, or JSON) values: mostly hostile ones
(impossible dates, digits int() cannot read, NUL, CR LF, very long strings, broken files, credentials and
subscriptions), with enough honest ones (real ids, a valid CSRF token, the words the code compares with, a
live WebAuthn ceremony token) that handlers go deep. What to send comes from tests/fuzzing/; nothing there
names a route.

    pytest tests/test_fuzz.py                                # CI: about 30 s per database
    CARNET_FUZZ_EXAMPLES=20000 pytest tests/test_fuzz.py     # a deliberate hunt
    CARNET_FUZZ_COLLECT=fuzz.txt pytest tests/test_fuzz.py   # keep going past failures; list them in fuzz.txt

A failure shows the request (method, path, query, headers, cookies, body, persona) and the exception the
server logged, so that it can be replayed by hand; ids are named by whose they are ("<patient's dossier>").
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from tests.conftest import AsyncTestClient
from sqlalchemy import or_, update
from sqlmodel import col, select

from server.access import grants, share_codes
from server.accesslog import audit
from server.auth.accounts import account_for_patient, account_for_professional
from server.dossiers import add_document
from server.models import (CATEGORIES, Account, Block, Delegation, Document, Dossier, EmergencyAccess, Grant, Passkey,
                           Professional, utcnow)
from tests.conftest import ORIGIN, add_text_document, new_patient, new_professional
from tests.fuzzing.browser import Browser, Outcome, Persona
from tests.fuzzing.requests import requests
from tests.fuzzing.shapes import Honest, Ids
from tests.fuzzing.routes import endpoints
from tests.fuzzing.values import tiny_pdf
from tests.fuzzing.wire import AnswerWithin

# Per engine, per run: CI runs it at every stop, each run new examples. 600 took 31 s on SQLite and 38 on PostgreSQL
# in the whole command of 2026-12-07, at its 15 minutes: 400 since.
EXAMPLES = int(os.environ.get("CARNET_FUZZ_EXAMPLES", "400"))
COLLECT = os.environ.get("CARNET_FUZZ_COLLECT", "")  # a file to add every distinct failure to
ANSWER_WITHIN = 5  # seconds; the slowest honest request (a PDF page rendered) takes well under one
RESTORE_EVERY = 50  # requests


@dataclass
class World:
    """Camille (patient) with a text and a PDF document; Paul, her caregiver; Julie, a professional she
    granted access; and Hugo, another patient, whose ids are the "foreign" ones."""

    personas: dict[str, Persona]
    ids: Ids
    labels: dict[str, str]  # id -> whose it is, for the failure message
    honest_values: list[str]  # what an honest form could hold: ids, codes, dates, RPPS, INS, categories
    dossier_id: str
    professional_id: str
    passkeys: list[dict]
    files: list[bytes]  # the documents' contents: deleting a document erases them from the storage

    async def restore(self, app) -> None:
        """Undo what generated requests did: a closed dossier, deleted or hidden documents (and their erased files),
        a blocked or revoked professional, a removed passkey. Left alone, half the routes would soon answer 404."""
        async with app.state.sessionmaker() as db:
            await db.exec(update(Dossier).values(state="open", closed_at=None, emergency_opt_out=False))
            await db.exec(update(Document).values(deleted_at=None, hidden=False))
            await db.exec(update(Block).where(col(Block.lifted_at).is_(None)).values(lifted_at=utcnow()))
            for passkey in self.passkeys:
                if await db.get(Passkey, passkey["id"]) is None:
                    db.add(Passkey(**passkey))
            await db.commit()
            for data in self.files:
                app.state.storage.put(data)
            current = (await db.exec(select(Grant).where(
                Grant.dossier_id == self.dossier_id, Grant.professional_id == self.professional_id,
                col(Grant.revoked_at).is_(None), or_(col(Grant.ends_at).is_(None), col(Grant.ends_at) > utcnow()),
            ))).first()
            if current is None:
                dossier, julie = await db.get(Dossier, self.dossier_id), await db.get(Professional, self.professional_id)
                patient = self.personas["patient"].account
                await grants.grant_access(db, dossier=dossier, professional=julie, categories="", duration="1a",
                                          actor=audit.Actor(patient.id, "patient", patient.display_name))


async def build_world(app, db) -> World:
    camille = await new_patient(db)
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    text_doc = await add_text_document(db, app, camille.dossier)
    pdf_doc = await add_document(db, app.state.storage, dossier=camille.dossier, title="Radiographie",
                                 category="imagerie", event_date=date(2025, 2, 1), filename="radio.pdf",
                                 mime_type="application/pdf", data=tiny_pdf())
    hugo_doc = await add_text_document(db, app, hugo.dossier, title="Ordonnance", category="ordonnance")

    patient = await account_for_patient(db, patient=camille.patient)
    hugo_account = await account_for_patient(db, patient=hugo.patient)
    caregiver = Account(display_name="Paul Martin")
    db.add(caregiver)
    await db.flush()
    db.add(Delegation(dossier_id=camille.dossier.id, caregiver_account_id=caregiver.id, relationship="proche"))
    julie = await new_professional(db)
    marc = await new_professional(db, given_name="Marc", family_name="Petit", profession="médecin", stem=2)
    professional = await account_for_professional(db, professional=julie.professional)
    as_camille = audit.Actor(patient.id, "patient", patient.display_name)
    grant = await grants.grant_access(db, dossier=camille.dossier, professional=julie.professional, categories="",
                                      duration="1a", actor=as_camille)
    code, share = await share_codes.create_share_code(db, dossier=camille.dossier, categories="", duration="1m",
                                                 actor=as_camille)
    hugo_code, hugo_share = await share_codes.create_share_code(
        db, dossier=hugo.dossier, categories="", duration="1m",
        actor=audit.Actor(hugo_account.id, "patient", hugo_account.display_name))
    emergency = EmergencyAccess(dossier_id=camille.dossier.id, professional_id=marc.professional.id,
                                reason="Malaise en pharmacie", ends_at=utcnow())
    passkeys = [Passkey(account_id=account.id, credential_id=f"cred-{n}", public_key=b"\x00", name="Téléphone")
                for n, account in enumerate([patient, patient, professional, hugo_account])]
    db.add_all([emergency, *passkeys])
    await db.commit()

    named = {
        camille.dossier.id: ("dossier", "<patient's dossier>"), text_doc.id: ("document", "<patient's text document>"),
        pdf_doc.id: ("document", "<patient's PDF document>"), grant.id: ("grant", "<professional's grant>"),
        julie.professional.id: ("professional", "<professional>"),
        marc.professional.id: ("professional", "<another professional>"),
        share.id: ("share_code", "<patient's share code>"), emergency.id: ("emergency", "<emergency access>"),
        **{p.id: ("passkey", f"<passkey {n}>") for n, p in enumerate(passkeys[:3])},
    }
    foreign = {hugo.dossier.id: ("dossier", "<other patient's dossier>"),
               hugo_doc.id: ("document", "<other patient's document>"),
               hugo_share.id: ("share_code", "<other patient's share code>"), passkeys[3].id: ("passkey", "<passkey 3>")}
    return World(
        personas={"anonymous": Persona("anonymous", None), "patient": Persona("patient", patient),
                  "caregiver": Persona("caregiver", caregiver), "professional": Persona("professional", professional)},
        ids=Ids(own=by_kind(named), foreign=by_kind(foreign)),
        labels={id_: label for id_, (_, label) in {**named, **foreign}.items()},
        honest_values=[*named, *foreign, camille.code, julie.code, code, hugo_code, camille.patient.ins,
                       hugo.patient.ins, julie.rpps, marc.rpps, camille.birth_date.isoformat(),
                       camille.birth_date.strftime("%d/%m/%Y"), *CATEGORIES, "Compte rendu", "kiné", "Lyon"],
        dossier_id=camille.dossier.id, professional_id=julie.professional.id,
        passkeys=[passkey.model_dump() for passkey in passkeys],
        files=[app.state.storage.get(d.storage_key, sha256=d.sha256) for d in (text_doc, pdf_doc, hugo_doc)],
    )


def by_kind(ids: dict[str, tuple[str, str]]) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {}
    for id_, (kind, _) in ids.items():
        kinds.setdefault(kind, []).append(id_)
    return kinds


class Fuzzing:
    """What the test needs: the browser, the requests to draw, and in a hunt the failures found so far."""

    def __init__(self, world: World, browser: Browser, requests: st.SearchStrategy,
                 first_visit_failures: list[Outcome]) -> None:
        self.world, self.browser, self.requests, self.first_visit_failures = world, browser, requests, first_visit_failures
        self.started = time.monotonic()
        self.findings: dict[tuple, tuple[float, Outcome]] = {}
        self.answers: Counter[tuple[str, str, int]] = Counter()  # (endpoint, persona, status): how deep the hunt went

    def __repr__(self) -> str:  # Hypothesis shows a failing example's fixtures too: its request says it all
        return "<the world of test_fuzz.py>"

    @property
    def sent(self) -> int:
        return self.answers.total()

    def keep(self, outcome: Outcome) -> None:
        self.findings.setdefault(distinct(outcome), (time.monotonic() - self.started, outcome))


QUIET = ["carnet.access", "httpx"]  # a line per request: thousands, in a failure's captured log


def quiet(_record: logging.LogRecord) -> bool:
    return False


@pytest.fixture
async def fuzzing(app, db, settings):
    """The world, its personas logged in, and a first plain visit of every route; then what to send."""
    world = await build_world(app, db)
    async with AsyncTestClient(app, serve=AnswerWithin(app, ANSWER_WITHIN), base_url=ORIGIN) as client:
        browser = Browser(app, client, world.personas, world.labels)
        logging.getLogger("carnet.errors").addFilter(browser.errors)
        for name in QUIET:
            logging.getLogger(name).addFilter(quiet)
        for persona in world.personas.values():
            await browser.log_in(persona)
        app_endpoints = endpoints(app)
        failures = await browser.first_visit(app_endpoints, world.ids)
        await world.restore(app)
        honest = Honest(
            world.ids, world.honest_values, handed_out={key for _, key in browser.producers},
            other_fields=sorted({name for e in app_endpoints for name in e.fields}), welcome=browser.welcome,
            cookies=sorted({settings.session_cookie, *(k for p in world.personas.values() for k in p.cookies)}),
            hx_targets=sorted({target for e in app_endpoints for target in e.hx_targets}),
        )
        state = Fuzzing(world, browser, requests(app_endpoints, honest), failures)
        for outcome in failures if COLLECT else []:
            state.keep(outcome)
        yield state
        logging.getLogger("carnet.errors").removeFilter(browser.errors)
        for name in QUIET:
            logging.getLogger(name).removeFilter(quiet)
    if COLLECT:
        with open(COLLECT, "a") as report:
            report.write(summary(state, settings) + "\n")


@hypothesis_settings(
    max_examples=EXAMPLES, deadline=None, database=None, report_multiple_bugs=False,
    phases=[Phase.generate] if COLLECT else [Phase.generate, Phase.shrink],
    # One world for all the examples: building one for each would leave no time to fuzz.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.large_base_example],
)
@given(data=st.data())
async def test_no_route_answers_5xx_to_generated_input(fuzzing, app, data):
    assert COLLECT or not fuzzing.first_visit_failures, fuzzing.first_visit_failures[0].report()
    if fuzzing.sent % RESTORE_EVERY == 0:
        await fuzzing.world.restore(app)
    request = data.draw(fuzzing.requests, label="request")
    outcome, _ = await fuzzing.browser.send(request)
    fuzzing.answers[repr(request.endpoint), request.persona, outcome.status] += 1
    if COLLECT:
        if outcome.problem:
            fuzzing.keep(outcome)
        return
    assert not outcome.problem, outcome.report()


# --- the hunt's report (CARNET_FUZZ_COLLECT) ------------------------------------------------------------


def distinct(outcome: Outcome) -> tuple:
    """The same route failing with the same exception at the same line is the same bug."""
    exception = re.sub(r": .*\(raised at (.*?)\)", r" raised at \1", outcome.server[0]) if outcome.server else outcome.problem
    return outcome.request.endpoint.method, outcome.request.endpoint.path, exception


def summary(state: Fuzzing, settings) -> str:
    """Every distinct failure, grouped by the exception and the line that raised it, each with a request that shows it."""
    engine = "PostgreSQL" if settings.database_url.startswith("postgresql") else "SQLite"
    groups: dict[str, list[tuple[float, Outcome]]] = {}
    for key, found in sorted(state.findings.items(), key=lambda item: item[1][0]):
        groups.setdefault(key[2], []).append(found)
    lines = [f"\n{engine}: {state.sent} requests in {time.monotonic() - state.started:.0f} s, "
             f"{len(groups)} distinct failures, on {len(state.findings)} routes in all"]
    for exception, found in groups.items():
        lines.append(f"\n== {exception}, on {len(found)} route(s)")
        lines += [f"[after {seconds:.1f} s] {outcome.report()}" for seconds, outcome in found]
    lines.append("\n== the answers, by route and persona")
    by_route: dict[tuple[str, str], Counter[int]] = {}
    for (endpoint, persona, status), count in state.answers.items():
        by_route.setdefault((endpoint, persona), Counter())[status] += count
    for (endpoint, persona), statuses in sorted(by_route.items()):
        lines.append(f"{endpoint} as {persona}: " + ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items())))
    return re.sub(r"[\x00-\x09\x0b-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", "\n".join(lines))


async def test_an_answer_sent_in_full_is_kept_when_the_app_returns_late():
    """A handler that answered, then took long to return (on a loaded machine), answered: only an answer
    never sent is a hang. A second body after the last one made the test client raise instead."""

    async def answers_then_lingers(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok", "more_body": False})
        await asyncio.sleep(1)

    transport = httpx.ASGITransport(app=AnswerWithin(answers_then_lingers, 0.05))
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
        answer = await client.get("/")
    assert (answer.status_code, answer.content) == (200, b"ok")
