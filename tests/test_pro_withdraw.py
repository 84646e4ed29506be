"""A professional withdraws from the web a document they added (declared erroneous), after a confirmation, as
their software would through FHIR: the same withdrawal, logged before the answer; for anyone else, a 404."""

from __future__ import annotations

import html

from sqlmodel import select

from server.models import AccessEvent, Document
from tests.conftest import ORIGIN, AsyncTestClient, activate, post_form, without_csrf
from tests.test_professional_documents import granted, pdf_bytes, upload

ACTION = "Retirer ce document (erroné)"
MISSING = "0" * 32


async def added_by(client, db, patient) -> tuple[object, Document]:
    """A professional with a grant on `client`, and the document they just added from the web."""
    pro = await granted(client, db, patient)
    response = await upload(client, patient.dossier, data=pdf_bytes(), title="Bilan erroné")
    assert response.status_code == 303, response.text
    await db.commit()
    [document] = (await db.exec(select(Document).where(Document.dossier_id == patient.dossier.id))).all()
    return pro, document


async def events(db, dossier, action: str) -> list[AccessEvent]:
    await db.commit()
    return list((await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == dossier.id,
                                                         AccessEvent.action == action))).all())


async def test_the_author_withdraws_their_document_after_confirming_and_the_patient_sees_it(client, db, app, patient):
    pro, document = await added_by(client, db, patient)
    page = html.unescape((await client.get(f"/documents/{document.id}")).text)
    assert f'href="/documents/{document.id}/retrait">{ACTION}' in page

    confirm = await client.get(f"/documents/{document.id}/retrait")
    assert confirm.status_code == 200
    said = html.unescape(confirm.text)
    assert "<h1>Retirer «\u00a0Bilan erroné\u00a0»\u202f?</h1>" in said and "définitif" in said
    assert f'<form method="post" action="/documents/{document.id}/retrait" autocomplete="off">' in said and "_csrf_token" in said
    assert await events(db, patient.dossier, "withdraw_document") == []  # asking withdraws nothing

    done = await post_form(client, f"/documents/{document.id}/retrait", {}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/documents/{document.id}?fait=document-retire"
    [event] = await events(db, patient.dossier, "withdraw_document")
    assert (event.document_id, event.actor_rpps, event.right, event.detail) == (document.id, pro.rpps, "author", "")
    await db.refresh(document)
    assert document.withdrawn_at is not None

    landed = html.unescape((await client.get(done.headers["location"])).text)
    assert "Le document est retiré" in landed and "Retiré par son auteur" in landed and ACTION not in landed
    again = await post_form(client, f"/documents/{document.id}/retrait", {}, follow_redirects=False)
    assert again.status_code == 303 and len(await events(db, patient.dossier, "withdraw_document")) == 1
    asked_again = await client.get(f"/documents/{document.id}/retrait", follow_redirects=False)
    assert asked_again.headers["location"] == f"/documents/{document.id}"

    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        seen = html.unescape((await phone.get(f"/documents/{document.id}")).text)
        # Of a woman or a man alike (it said "il l'a déclaré erroné" of Dr Claire Bernard: an outside probe's find).
        assert "Retiré par son auteur le " in seen and ", qui l'a déclaré erroné :" in seen and " il l'a " not in seen
        assert "Bilan erroné" not in seen  # erased: its title with the rest
        log = html.unescape((await phone.get("/historique")).text).splitlines()
        assert any("Julie Moreau" in line and "a retiré" in line and "un document, déclaré erroné" in line
                   for line in log)


async def test_a_withdrawal_without_its_csrf_token_is_refused(client, db, patient):
    _pro, document = await added_by(client, db, patient)
    refused = await client.post(f"/documents/{document.id}/retrait", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert await events(db, patient.dossier, "withdraw_document") == []


async def test_another_professional_who_reads_it_gets_the_404_of_a_missing_document(client, db, app, patient):
    _pro, document = await added_by(client, db, patient)
    async with AsyncTestClient(app, base_url=ORIGIN) as colleague:
        await granted(colleague, db, patient, given_name="Paul", family_name="Petit", stem=2)
        page = await colleague.get(f"/documents/{document.id}")
        assert page.status_code == 200 and ACTION not in html.unescape(page.text)
        reads = len(await events(db, patient.dossier, "read_document"))
        for method in ("get", "post"):
            missing = await post_form(colleague, f"/documents/{MISSING}/retrait", {}) if method == "post" else \
                await colleague.get(f"/documents/{MISSING}/retrait")
            theirs = await post_form(colleague, f"/documents/{document.id}/retrait", {}) if method == "post" else \
                await colleague.get(f"/documents/{document.id}/retrait")
            assert theirs.status_code == missing.status_code == 404
            assert without_csrf(theirs.text) == without_csrf(missing.text)
        assert len(await events(db, patient.dossier, "read_document")) == reads  # a refusal reads nothing
    assert await events(db, patient.dossier, "withdraw_document") == []
    await db.refresh(document)
    assert document.withdrawn_at is None


async def test_the_patient_cannot_withdraw_a_professionals_document(client, db, app, patient):
    _pro, document = await added_by(client, db, patient)
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        page = html.unescape((await phone.get(f"/documents/{document.id}")).text)
        assert ACTION not in page
        assert (await phone.get(f"/documents/{document.id}/retrait")).status_code == 404
        assert (await post_form(phone, f"/documents/{document.id}/retrait", {})).status_code == 404
    assert await events(db, patient.dossier, "withdraw_document") == []


async def test_a_withdrawn_documents_reads_are_said_alike_before_and_after_its_withdrawal(client, db, app, patient):
    """A read after the withdrawal (its line, which stays) stored no title: it said "a consulté un document", as if
    of another one, while a read before said the document was withdrawn (an outside probe's find)."""
    _pro, document = await added_by(client, db, patient)
    async with AsyncTestClient(app, base_url=ORIGIN) as colleague:
        await granted(colleague, db, patient, given_name="Paul", family_name="Petit", stem=2)
        assert (await colleague.get(f"/documents/{document.id}")).status_code == 200  # before
    done = await post_form(client, f"/documents/{document.id}/retrait", {}, follow_redirects=False)
    assert done.status_code == 303
    assert (await client.get(f"/documents/{document.id}")).status_code == 200  # after: its author reads its line
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        log = [" ".join(line.split()) for line in html.unescape((await phone.get("/historique")).text).splitlines()]
    reads = [line for line in log if "a consulté" in line]
    assert any("Paul Petit" in line for line in reads) and any("Julie Moreau" in line for line in reads)
    # Said of its author as the event names her (her read: "masseur-kinésithérapeute", his form), else of either.
    assert all(("a consulté un document retiré par son auteur " if "Julie Moreau" in line
                else "a consulté un document retiré par la personne qui l'avait ajouté ") in line for line in reads), reads
    assert any("a retiré" in line and "un document, déclaré erroné" in line for line in log)
