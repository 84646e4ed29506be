"""The FHIR API for practice software (issue 11): SMART Backend Services tokens, ITI-65/67/68, withdrawal,
under the one rule and in the access log; every answer read with the FHIR R4B models."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from urllib.parse import parse_qsl, urlsplit
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.binary import Binary
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.documentreference import DocumentReference
from tests.conftest import AsyncTestClient
from sqlmodel import select

from server.access import blocks, closing, grants, hiding
from server.access.medecin_traitant import set_medecin_traitant
from server.accesslog.audit import Actor
from server.fhir import clients
from server.fhir.identity import UNQUALIFIED_INS_SYSTEM
from server.models import AccessEvent, ApiToken, Notification, utcnow
from tests.conftest import ORIGIN, activate, add_text_document, activate_professional, make_ins, new_patient, new_professional
from tests.fhir_support import Software, as_bundle, as_outcome, provide_bundle, report_pdf

TOKEN_URL = f"{ORIGIN}/fhir/token"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
PATIENT = Actor(None, "patient", "Camille Martin")


@dataclass
class Practice:
    software: Software
    token: str
    headers: dict
    pro: object


async def registered(client, db, pro, name="Logiciel du cabinet") -> Software:
    software = Software()
    software.client_id = (await clients.register(db, professional_id=pro.professional.id, name=name,
                                                 jwk_text=software.public_jwk())).id
    return software


async def token_for(client, software: Software, **claims) -> str:
    answer = await client.post("/fhir/token", data=software.token_form(TOKEN_URL, **claims))
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


@pytest.fixture
async def practice(client, db, patient, app) -> Practice:
    """Dr Bernard, with an account and access to Camille's dossier; her software registered, with a token."""
    doctor = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin", stem=7)
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await activate_professional(browser, doctor)
    await grants.grant_access(db, dossier=patient.dossier, professional=doctor.professional, categories="",
                              duration="1a", actor=PATIENT)
    software = await registered(client, db, doctor)
    token = await token_for(client, software)
    return Practice(software, token, {"authorization": f"Bearer {token}"}, doctor)


async def push(client, practice, bundle: dict):
    return await client.post("/fhir", content=json.dumps(bundle), headers={
        **practice.headers, "content-type": "application/fhir+json"})


async def test_the_capability_statement_says_what_is_served(client):
    answer = await client.get("/fhir/metadata")
    statement = CapabilityStatement.model_validate(answer.json())
    [rest] = statement.rest
    served = {r.type: {i.code for i in r.interaction or []} for r in rest.resource}
    assert served["DocumentReference"] == {"read", "search-type", "patch"} and served["Binary"] == {"read"}
    assert [i.code for i in rest.interaction] == ["transaction"]
    params = {p.name for r in rest.resource for p in r.searchParam or []}
    assert {"patient", "patient.identifier", "category", "type", "date", "status", "author.identifier"} <= params
    assert rest.security.extension[0].extension[0].valueUri == TOKEN_URL
    smart = (await client.get("/.well-known/smart-configuration")).json()
    assert smart["token_endpoint"] == TOKEN_URL and "private_key_jwt" in smart["token_endpoint_auth_methods_supported"]
    assert answer.headers["cache-control"] == "no-store"


async def test_the_search_reads_what_the_capability_statement_declares_and_says_no_to_the_rest_when_asked(
        client, patient, practice):
    """An outside probe's finds: the first page's self link used `_page`, which the statement did not declare;
    `status=superseded` was read, the statement said "current ou entered-in-error"; and `Prefer: handling=strict`
    (FHIR R4B search.html#errors) got a 200 for a parameter the server does not know."""
    statement = CapabilityStatement.model_validate((await client.get("/fhir/metadata")).json())
    declared = {p.name: p.documentation for r in statement.rest[0].resource for p in r.searchParam or []}
    url = f"/fhir/DocumentReference?patient={patient.patient.id}"
    first = as_bundle(await client.get(url, headers=practice.headers))
    [self_link] = [link.url for link in first.link if link.relation == "self"]
    used = {name for name, _value in parse_qsl(urlsplit(self_link).query)}
    assert used <= set(declared), used - set(declared)
    assert "superseded" in declared["status"]
    lenient = await client.get(f"{url}&couleur=bleu", headers=practice.headers)
    assert lenient.status_code == 200 and "couleur" not in lenient.text  # ignored, and the self link says so
    strict = await client.get(f"{url}&couleur=bleu", headers={**practice.headers, "prefer": "handling=strict"})
    assert strict.status_code == 400 and "couleur" in as_outcome(strict).issue[0].diagnostics
    fine = await client.get(f"{url}&_count=5", headers={**practice.headers, "prefer": "handling=strict"})
    assert fine.status_code == 200


async def test_a_pushed_document_reaches_the_timeline_the_log_and_a_notification_once(client, db, app, patient,
                                                                                     practice):
    pdf = report_pdf("Compte rendu de consultation cardiologique")
    bundle = provide_bundle(patient.patient.ins, title="Consultation de cardiologie", data=pdf,
                            master="urn:oid:1.2.250.1.999.1.42")
    first = as_bundle(await push(client, practice, bundle))
    assert first.type == "transaction-response"
    [listed, created, binary] = first.entry
    assert created.response.status == "201 Created" and created.response.location.startswith("DocumentReference/")
    again = as_bundle(await push(client, practice, bundle))
    assert again.entry[1].response.status == "200 OK"
    assert again.entry[1].response.location == created.response.location
    assert "déjà été reçu" in again.entry[1].response.outcome.issue[0].diagnostics

    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        timeline = (await phone.get(f"/dossiers/{patient.dossier.id}")).text
        assert timeline.count('<span class="doc-title">Consultation de cardiologie</span>') == 1
        assert "Claire Bernard, médecin, a ajouté «\u00a0Consultation de cardiologie\u00a0» à votre dossier" in timeline
        log = (await phone.get("/historique")).text
        assert "ajouté «\u00a0Consultation de cardiologie\u00a0» à votre dossier" in log
        assert "via le logiciel «\u00a0Logiciel du cabinet\u00a0»" in log  # the stored detail, with French typography
    added = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id,
                                                     AccessEvent.action == "add_document"))).all()
    assert len(added) == 1
    notified = (await db.exec(select(Notification).where(Notification.event_id == added[0].id))).all()
    assert len(notified) == 1


async def test_search_lists_what_the_professional_sees_with_paging_and_the_bytes_match(client, db, app, patient,
                                                                                      practice):
    for n in range(3):
        await push(client, practice, provide_bundle(patient.patient.ins, title=f"Bilan {n}", data=report_pdf(f"Bilan {n}"),
                                                    category="biologie"))
    await push(client, practice, provide_bundle(patient.patient.ins, title="Ordonnance", data=report_pdf("Ordonnance"),
                                                category="ordonnance", as_binary=False))
    found = await client.post("/fhir/DocumentReference/_search", headers=practice.headers, data={
        "patient.identifier": f"urn:oid:1.2.250.1.213.1.4.8|{patient.patient.ins}", "category": "biologie",
        "_count": "2"})
    page = as_bundle(found)
    assert [e.resource.description for e in page.entry] == ["Bilan 2", "Bilan 1"]
    links = {link.relation: link.url for link in page.link}
    assert patient.patient.ins not in links["next"] and f"_after={page.entry[1].resource.id}" in links["next"]
    # A document filed meanwhile, newer than all: the pages do not shift, nothing is shown twice.
    await push(client, practice, provide_bundle(patient.patient.ins, title="Bilan 3", data=report_pdf("Bilan 3"),
                                                category="biologie"))
    second = as_bundle(await client.get(links["next"].removeprefix(ORIGIN), headers=practice.headers))
    assert [e.resource.description for e in second.entry] == ["Bilan 0"] and "next" not in {l.relation for l in second.link}
    old_style = as_bundle(await client.get(links["next"].removeprefix(ORIGIN).split("&_after=")[0] + "&_page=2",
                                           headers=practice.headers))  # a link written before `_after`: an offset
    assert [e.resource.description for e in old_style.entry] == ["Bilan 1", "Bilan 0"]
    for cursor in ("x" * 65, "a-b", "0" * 32):
        refused = await client.get(links["next"].removeprefix(ORIGIN).split("&_after=")[0] + f"&_after={cursor}",
                                   headers=practice.headers)
        assert refused.status_code == 400 and "_after" in as_outcome(refused).issue[0].diagnostics \
            or "relancez la recherche" in as_outcome(refused).issue[0].diagnostics, cursor

    # A document the patient hid from professionals, as a cursor: the same refusal as an unknown id, never the
    # documents dated around it (which would say it exists, and when).
    hidden = await add_text_document(db, app, patient.dossier, title="Bilan confié au seul généraliste",
                                     category="biologie", when=date(2000, 1, 1))
    hidden.hidden = True
    db.add(hidden)
    await db.commit()
    answers = []
    for cursor in (hidden.id, "f" * 32):
        refused = await client.get(links["next"].removeprefix(ORIGIN).split("&_after=")[0] + f"&_after={cursor}",
                                   headers=practice.headers)
        answers.append((refused.status_code, as_outcome(refused).issue[0].diagnostics))
    assert answers[0] == answers[1] and answers[0][0] == 400, answers

    reference: DocumentReference = page.entry[0].resource
    # Her INS was never qualified: never sent as one (fhir/identity.py).
    assert reference.subject.identifier.system == UNQUALIFIED_INS_SYSTEM and reference.subject.reference is None
    url = reference.content[0].attachment.url.removeprefix(ORIGIN)
    fetched = await client.get(url, headers=practice.headers)
    assert fetched.headers["content-type"] == "application/pdf"
    digest = hashlib.sha256(fetched.content).digest()
    assert fetched.headers["repr-digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    events = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id,
                                                      AccessEvent.action == "download"))).all()
    assert [e.detail for e in events] == ["via le logiciel «\u00a0Logiciel du cabinet\u00a0»"]

    in_url = await client.get(f"/fhir/DocumentReference?patient.identifier={patient.patient.ins}", headers=practice.headers)
    assert in_url.status_code == 400 and "jamais figurer dans une adresse" in as_outcome(in_url).issue[0].diagnostics

    for count in ("\u0662", "\uff12", "1_0", "+2", "-2"):  # int() reads all but the last: none is a FHIR integer
        odd = await client.post("/fhir/DocumentReference/_search", headers=practice.headers, data={
            "patient.identifier": f"urn:oid:1.2.250.1.213.1.4.8|{patient.patient.ins}", "_count": count})
        said = as_outcome(odd).issue[0].diagnostics
        assert odd.status_code == 400 and "_count est un nombre entier de 0 à 100" in said, count


async def test_a_grant_of_some_categories_searches_its_ranges_page_after_page(client, db, app, patient):
    """A kinésithérapeute given "imagerie" alone, who also filed two documents of other categories: the search
    pages through exactly those, newest first, by cursor and by offset, and never walks the dossier's index."""
    from tests.patient_helpers import Plans

    kine = await new_professional(db, given_name="Léa", family_name="Fontaine", profession="masseur-kinésithérapeute",
                                  stem=9)
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await activate_professional(browser, kine)
    await grants.grant_access(db, dossier=patient.dossier, professional=kine.professional, categories="imagerie",
                              duration="1a", actor=PATIENT)
    filed = {}
    for n, (title, category, mine, hidden) in enumerate([
            ("Radio du genou", "imagerie", False, False), ("Bilan sanguin", "biologie", False, False),
            ("Bilan de kinésithérapie", "compte_rendu", True, False), ("IRM lombaire", "imagerie", False, True),
            ("Échographie", "imagerie", False, False), ("Ordonnance de séances", "ordonnance", True, True),
            ("Scanner", "imagerie", False, False), ("Vaccin", "vaccination", False, False)]):
        document = await add_text_document(db, app, patient.dossier, title=title, category=category,
                                           when=date(2025, 1, 1) + timedelta(days=n))
        document.author_professional_id, document.hidden = (kine.professional.id if mine else None), hidden
        db.add(document)
        filed[title] = document
    await db.commit()
    headers = {"authorization": f"Bearer {await token_for(client, await registered(client, db, kine))}"}
    ask = {"patient.identifier": f"urn:oid:1.2.250.1.213.1.4.8|{patient.patient.ins}", "_count": "2"}
    seen, url = [], None
    sqlite = db.bind.dialect.name == "sqlite"
    with Plans(app.state.engine) if sqlite else contextlib.nullcontext() as plans:  # (SQLite's plans alone)
        while True:
            found = await (client.get(url, headers=headers) if url else
                           client.post("/fhir/DocumentReference/_search", headers=headers, data=ask))
            page = as_bundle(found)
            seen += [entry.resource.description for entry in page.entry or []]
            url = {link.relation: link.url for link in page.link}.get("next", "").removeprefix(ORIGIN)
            if not url:
                break
    # Their own documents, hidden or not; the granted category's, unless hidden; nothing else.
    assert seen == ["Scanner", "Ordonnance de séances", "Échographie", "Bilan de kinésithérapie", "Radio du genou"]
    by_offset = as_bundle(await client.post("/fhir/DocumentReference/_search", headers=headers, data=ask | {
        "_page": "2"}))
    assert [entry.resource.description for entry in by_offset.entry] == ["Échographie", "Bilan de kinésithérapie"]
    if sqlite:
        pages = [plan for statement, plan in plans.plans if "UNION ALL" in statement and "FROM document" in statement]
        assert len(pages) == 3 and not [plan for plan in pages if "ix_document_newest" in plan], pages


async def test_refusals_are_indistinguishable_from_absence(client, db, app, patient, practice):
    stranger = await new_patient(db, given_name="Paul", family_name="Durand", serial=9, sex="M")
    pdf = report_pdf("Compte rendu")
    foreign = await push(client, practice, provide_bundle(stranger.patient.ins, title="X", data=pdf))
    missing = await push(client, practice, provide_bundle(make_ins("F", 1950, 1, 77), title="X", data=pdf))
    assert foreign.status_code == missing.status_code == 404 and missing.content == foreign.content
    assert as_outcome(foreign).issue[0].code == "not-found"
    search_foreign = await client.get(f"/fhir/DocumentReference?patient={stranger.patient.id}", headers=practice.headers)
    search_missing = await client.get(f"/fhir/DocumentReference?patient={'f' * 32}", headers=practice.headers)
    assert search_foreign.status_code == search_missing.status_code == 404
    assert search_foreign.content == search_missing.content

    lab = await add_text_document(db, app, patient.dossier, title="Bilan hépatique", category="biologie")
    await hiding.set_hidden(db, document=lab, hidden=True, actor=PATIENT)
    hidden = await client.get(f"/fhir/DocumentReference/{lab.id}", headers=practice.headers)
    listed = as_bundle(await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}", headers=practice.headers))
    assert hidden.status_code == 404 and "Bilan hépatique" not in {e.resource.description for e in listed.entry or []}

    pushed = as_bundle(await push(client, practice, provide_bundle(patient.patient.ins, title="Avant", data=pdf)))
    document_id = pushed.entry[1].response.location.split("/")[1]
    await closing.set_closed(db, dossier=patient.dossier, closed=True, actor=PATIENT)
    closed = await client.get(f"/fhir/DocumentReference/{document_id}", headers=practice.headers)
    nowhere = await client.get(f"/fhir/DocumentReference/{'a' * 32}", headers=practice.headers)
    assert closed.status_code == nowhere.status_code == 404 and closed.content == nowhere.content
    assert hidden.content == nowhere.content
    await closing.set_closed(db, dossier=patient.dossier, closed=False, actor=PATIENT)
    await blocks.block(db, dossier=patient.dossier, professional=practice.pro.professional, actor=PATIENT)
    blocked = await client.get(f"/fhir/Binary/{document_id}", headers=practice.headers)
    assert blocked.status_code == 404 and blocked.content == nowhere.content


async def test_tokens_revoked_expired_forged_or_reused_are_refused(client, db, patient, practice):
    forged = await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}",
                              headers={"authorization": "Bearer not-a-token"})
    assert forged.status_code == 401 and forged.headers["www-authenticate"].startswith("Bearer")
    assert as_outcome(forged).issue[0].code == "login"

    other = Software()
    other.client_id = practice.software.client_id  # the right client_id, the wrong key
    wrong_key = await client.post("/fhir/token", data=other.token_form(TOKEN_URL))
    assert wrong_key.status_code == 401 and wrong_key.json()["error"] == "invalid_client"
    form = practice.software.token_form(TOKEN_URL)
    assert (await client.post("/fhir/token", data=form)).status_code == 200
    reused = await client.post("/fhir/token", data=form)
    assert reused.status_code == 401 and "déjà servi" in reused.json()["error_description"]
    too_long = await client.post("/fhir/token", data=practice.software.token_form(
        TOKEN_URL, exp=int(utcnow().timestamp()) + 3600))
    assert too_long.status_code == 401
    wrong_audience = await client.post("/fhir/token", data=practice.software.token_form("https://ailleurs.example/token"))
    assert wrong_audience.status_code == 401
    no_scope = await client.post("/fhir/token", data=practice.software.token_form(TOKEN_URL, scope="patient/*.read"))
    assert no_scope.status_code == 400 and no_scope.json()["error"] == "invalid_scope"

    reader = await token_for(client, practice.software, scope="system/DocumentReference.rs")
    cannot_push = await client.post("/fhir", content=json.dumps(provide_bundle(patient.patient.ins, title="X",
                                                                               data=report_pdf("X"))),
                                    headers={"authorization": f"Bearer {reader}", "content-type": "application/fhir+json"})
    assert cannot_push.status_code == 403 and "system/DocumentReference.c" in as_outcome(cannot_push).issue[0].diagnostics
    # RFC 6750 §3.1: a token short of the scope is told so, and which scope it lacks.
    assert cannot_push.headers["www-authenticate"] == \
        'Bearer realm="carnet", error="insufficient_scope", scope="system/DocumentReference.c"'
    # §3.1 again: a request with no credentials at all gets the challenge, without an error code.
    bare = await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}")
    assert bare.status_code == 401 and bare.headers["www-authenticate"] == 'Bearer realm="carnet"'
    # Nor does one that tried another scheme ("an unsupported authentication method"): no bearer token was refused.
    basic = await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}",
                             headers={"authorization": "Basic YWxpY2U6c2VjcmV0"})
    assert basic.status_code == 401 and basic.headers["www-authenticate"] == 'Bearer realm="carnet"'
    assert forged.headers["www-authenticate"] == 'Bearer realm="carnet", error="invalid_token"'

    row = await db.get(ApiToken, hashlib.sha256(practice.token.encode()).hexdigest())
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    await db.commit()
    expired = await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}", headers=practice.headers)
    assert expired.status_code == 401

    fresh = await token_for(client, practice.software)
    client_row = await clients.owned(db, professional_id=practice.pro.professional.id,
                                     client_id=practice.software.client_id)
    await clients.revoke(db, client=client_row)
    revoked = await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}",
                               headers={"authorization": f"Bearer {fresh}"})
    assert revoked.status_code == 401
    no_more = await client.post("/fhir/token", data=practice.software.token_form(TOKEN_URL))
    assert no_more.status_code == 401


@pytest.mark.parametrize("mangle, status, words", [
    (lambda b: "{pas du json", 400, "JSON"),
    (lambda b: json.dumps({**b, "type": "batch"}), 400, "transaction"),
    (lambda b: json.dumps({**b, "entry": b["entry"][1:]}), 400, "SubmissionSet"),
    (lambda b: json.dumps({**b, "entry": [{"resource": {"resourceType": "Patient"}, "request": {"method": "POST",
                                                                                                  "url": "Patient"}}]}),
     400, "nommez le patient par son INS dans subject.identifier"),  # what to do instead, said (a probe's find)
    (lambda b: json.dumps({**b, "entry": [{"resource": {"resourceType": "Organization"}, "request": {
        "method": "POST", "url": "Organization"}}]}), 400, "non prise en charge"),
    (lambda b: json.dumps({**b, "entry": [*b["entry"][:2]]}), 422, "Binary"),
])
async def test_a_malformed_bundle_gets_a_french_outcome_and_nothing_is_stored(client, db, patient, practice, mangle,
                                                                              status, words):
    bundle = provide_bundle(patient.patient.ins, title="Compte rendu", data=report_pdf("CR"))
    answer = await client.post("/fhir", content=mangle(bundle),
                               headers={**practice.headers, "content-type": "application/fhir+json"})
    assert answer.status_code == status, answer.text
    assert words in as_outcome(answer).issue[0].diagnostics
    added = (await db.exec(select(AccessEvent).where(AccessEvent.action == "add_document"))).all()
    assert added == []


async def test_the_author_alone_withdraws_and_the_patient_sees_it_withdrawn(client, db, app, patient, practice):
    pushed = as_bundle(await push(client, practice, provide_bundle(patient.patient.ins, title="Radio du genou",
                                                                   data=report_pdf("Radio"), category="imagerie")))
    document_id = pushed.entry[1].response.location.split("/")[1]
    kine = await new_professional(db, stem=8)
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await activate_professional(browser, kine)
    await grants.grant_access(db, dossier=patient.dossier, professional=kine.professional, categories="",
                              duration="1a", actor=PATIENT)
    kine_software = await registered(client, db, kine, name="Logiciel kiné")
    kine_headers = {"authorization": f"Bearer {await token_for(client, kine_software)}",
                    "content-type": "application/json-patch+json"}
    withdrawal = json.dumps([{"op": "replace", "path": "/status", "value": "entered-in-error"}])
    refused = await client.patch(f"/fhir/DocumentReference/{document_id}", content=withdrawal, headers=kine_headers)
    assert refused.status_code == 403 and "www-authenticate" not in refused.headers  # a right, not the token's scope
    done = await client.patch(f"/fhir/DocumentReference/{document_id}", content=withdrawal,
                              headers={**practice.headers, "content-type": "application/json-patch+json"})
    assert done.status_code == 200 and DocumentReference.model_validate(done.json()).status == "entered-in-error"
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        assert "Retiré par son auteur" in (await phone.get(f"/documents/{document_id}")).text
        assert re.search(r"a retiré à \d{1,2}\Wh\W\d{2} un document, déclaré erroné",
                         (await phone.get("/historique")).text)


async def test_a_binary_whose_file_a_restore_lost_is_a_503_outcome_not_a_500(client, db, patient, practice, app):
    """An operator's probe: a document's file missing from the store (a backup restored without it) was an unhandled
    FileNotFoundError, a 500 that asked to try again in a moment."""
    pushed = as_bundle(await push(client, practice, provide_bundle(patient.patient.ins, title="CR",
                                                                   data=report_pdf("Compte rendu"))))
    document_id = pushed.entry[1].response.location.split("/")[1]
    for path in [p for p in app.state.storage.root.rglob("*") if p.is_file()]:
        path.unlink()
    answer = await client.get(f"/fhir/Binary/{document_id}", headers={**practice.headers, "accept": "*/*"})
    assert answer.status_code == 503, answer.text
    assert as_outcome(answer).issue[0].diagnostics.startswith("Ce document ne peut pas être lu pour le moment.")


async def test_a_binary_asked_for_as_fhir_json_is_its_bytes_in_base64_read_and_logged_as_the_download(
        client, db, patient, practice):
    pdf = report_pdf("Compte rendu")
    pushed = as_bundle(await push(client, practice, provide_bundle(patient.patient.ins, title="CR", data=pdf)))
    document_id = pushed.entry[1].response.location.split("/")[1]
    for asked in ({"accept": "application/fhir+json"}, {"accept": "application/fhir+json; fhirVersion=4.3"}):
        answer = await client.get(f"/fhir/Binary/{document_id}", headers={**practice.headers, **asked})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/fhir+json")
        assert answer.json()["data"] == base64.b64encode(pdf).decode()
        binary = Binary.model_validate(answer.json())
        assert binary.contentType == "application/pdf" and binary.data == pdf  # the model decodes base64Binary
        assert binary.securityContext.reference == f"DocumentReference/{document_id}"
        digest = base64.b64encode(hashlib.sha256(answer.content).digest()).decode()
        assert answer.headers["repr-digest"] == f"sha-256=:{digest}:"  # the representation sent: the JSON
    by_format = await client.get(f"/fhir/Binary/{document_id}?_format=json", headers=practice.headers)
    assert Binary.model_validate(by_format.json()).data == pdf
    raw = await client.get(f"/fhir/Binary/{document_id}", headers={**practice.headers, "accept": "*/*"})
    assert raw.content == pdf and raw.headers["content-type"] == "application/pdf"
    downloads = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id,
                                                         AccessEvent.action == "download"))).all()
    assert [e.detail for e in downloads] == ["via le logiciel «\u00a0Logiciel du cabinet\u00a0»"] * 4

    await blocks.block(db, dossier=patient.dossier, professional=practice.pro.professional, actor=PATIENT)
    refused = await client.get(f"/fhir/Binary/{document_id}", headers={**practice.headers,
                                                                      "accept": "application/fhir+json"})
    assert refused.status_code == 404 and as_outcome(refused).issue[0].code == "not-found"


async def test_what_the_patient_hid_or_kept_from_parents_carries_its_confidentiality_label(client, db, app, patient,
                                                                                           practice):
    await set_medecin_traitant(db, dossier=patient.dossier, professional=practice.pro.professional,
                                      actor=PATIENT)  # who sees hidden documents, as their author does
    lab = await add_text_document(db, app, patient.dossier, title="Bilan hépatique", category="biologie")
    await hiding.set_hidden(db, document=lab, hidden=True, actor=PATIENT)
    kept = await add_text_document(db, app, patient.dossier, title="Consultation confidentielle")
    kept.hidden_from_representatives = True  # CSP L1111-5, kept by the young adult from her parents
    db.add(kept)
    await db.commit()
    plain = await add_text_document(db, app, patient.dossier, title="Radio")

    listed = as_bundle(await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}",
                                        headers=practice.headers))
    labels = {e.resource.description: [(s.system, s.code) for s in e.resource.meta.security or []]
              for e in listed.entry}
    assert labels == {"Bilan hépatique": [(CONFIDENTIALITY, "R")], "Consultation confidentielle": [(CONFIDENTIALITY, "V")],
                      "Radio": []}
    read = DocumentReference.model_validate((await client.get(f"/fhir/DocumentReference/{lab.id}",
                                                              headers=practice.headers)).json())
    assert read.meta.security[0].code == "R" and read.meta.security[0].display == "restricted"
    binary = await client.get(f"/fhir/Binary/{kept.id}", headers={**practice.headers, "accept": "application/fhir+json"})
    assert Binary.model_validate(binary.json()).meta.security[0].code == "V"
    assert "security" not in (await client.get(f"/fhir/DocumentReference/{plain.id}",
                                               headers=practice.headers)).json()["meta"]


async def test_count_zero_answers_the_total_and_no_entry(client, db, app, patient, practice):
    for n in range(3):
        await add_text_document(db, app, patient.dossier, title=f"Bilan {n}", category="biologie")
    await add_text_document(db, app, patient.dossier, title="Ordonnance", category="ordonnance")
    counted = as_bundle(await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}&category=biologie"
                                         "&_count=0", headers=practice.headers))
    assert counted.total == 3 and not counted.entry and [link.relation for link in counted.link] == ["self"]
    by_post = as_bundle(await client.post("/fhir/DocumentReference/_search", headers=practice.headers, data={
        "patient.identifier": f"urn:oid:1.2.250.1.213.1.4.8|{patient.patient.ins}", "_count": "0"}))
    assert by_post.total == 4 and not by_post.entry
    one = as_bundle(await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}&_count=1",
                                     headers=practice.headers))
    assert len(one.entry) == 1 and "next" in {link.relation for link in one.link} and one.total is None
    # `_total=accurate`: the count with each page, and the next page asks for it too.
    counted_pages = as_bundle(await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}&_count=3"
                                               "&_total=accurate", headers=practice.headers))
    assert counted_pages.total == 4 and len(counted_pages.entry) == 3
    next_url = next(link.url for link in counted_pages.link if link.relation == "next")
    assert "_total=accurate" in next_url
    last = as_bundle(await client.get(next_url.removeprefix(ORIGIN), headers=practice.headers))
    assert last.total == 4 and len(last.entry) == 1
    wrong = await client.get(f"/fhir/DocumentReference?patient={patient.patient.id}&_total=tout", headers=practice.headers)
    assert wrong.status_code == 400 and "_total vaut none, estimate ou accurate" in as_outcome(wrong).issue[0].diagnostics


@pytest.mark.parametrize("accept", ["application/fhir+xml", "application/xml", "application/fhir+json;q=0",
                                    "text/html"])
async def test_a_client_that_accepts_no_json_gets_a_406_outcome_in_json(client, db, app, patient, practice, accept):
    document = await add_text_document(db, app, patient.dossier)
    for url in ("/fhir/metadata", f"/fhir/DocumentReference/{document.id}",
                f"/fhir/DocumentReference?patient={patient.patient.id}"):
        refused = await client.get(url, headers={**practice.headers, "accept": accept})
        assert refused.status_code == 406, (url, refused.text)
        assert as_outcome(refused).issue[0].code == "not-supported" and "JSON" in as_outcome(refused).issue[0].diagnostics
    if "xml" in accept:  # a document's bytes are never FHIR XML: only FHIR's representations are refused there
        binary = await client.get(f"/fhir/Binary/{document.id}", headers={**practice.headers, "accept": accept})
        assert binary.status_code == 406 and as_outcome(binary).issue[0].code == "not-supported"


async def test_json_is_answered_to_whatever_admits_it_and_the_statement_says_json_only(client, patient, practice):
    for accept in ("", "*/*", "application/*", "application/json", "application/fhir+xml, application/fhir+json;q=0.5",
                   "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"):
        answer = await client.get("/fhir/metadata", headers={"accept": accept})
        assert answer.status_code == 200, accept
    statement = CapabilityStatement.model_validate((await client.get("/fhir/metadata?_format=json")).json())
    assert statement.format == ["json"] and statement.fhirVersion == "4.3.0"
    assert (await client.get("/fhir/metadata?_format=xml")).status_code == 406


def test_the_readme_names_the_fhir_version_the_api_serves():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "FHIR R4B (4.3.0)" in readme and not re.search(r"FHIR R4(?![B0-9])", readme)
