"""A document's bytes (ITI-68) are sent as stored, never compressed: their Repr-Digest is the SHA-256 of what is sent
(an outside tester's find: asked with Accept-Encoding: br, the body was brotli and the digest the uncompressed file's),
and a PDF, a PNG or a JPEG is a compressed format already."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tests.fhir_support import as_bundle, provide_bundle, report_pdf
from tests.test_fhir_api import practice, push  # noqa: F401 - `practice` is a fixture


@pytest.mark.parametrize("accept", ["*/*", "application/fhir+json"])
async def test_a_binary_asked_with_brotli_is_sent_uncompressed_with_the_digest_of_what_is_sent(
        client, patient, practice, accept):
    pdf = report_pdf("Compte rendu de consultation")
    bundle = provide_bundle(patient.patient.ins, title="Compte rendu", data=pdf)
    location = as_bundle(await push(client, practice, bundle)).entry[2].response.location
    answer = await client.get(f"/fhir/{location}", headers={**practice.headers, "accept": accept,
                                                            "accept-encoding": "br, gzip"})
    assert answer.status_code == 200, answer.text
    assert "content-encoding" not in answer.headers
    digest = base64.b64encode(hashlib.sha256(answer.content).digest()).decode()
    assert answer.headers["repr-digest"] == f"sha-256=:{digest}:"
    assert int(answer.headers["content-length"]) == len(answer.content)


async def test_a_head_on_a_binary_is_logged_as_a_read_of_the_document_not_as_a_download(client, db, patient, practice):
    """HEAD says a file's type and size, and sends none of it: the patient's Historique said "a téléchargé" of an
    integrator's HEAD before its GET (an outside tester's find). Logged, as every professional access, as a read."""
    from sqlmodel import select

    from server.models import AccessEvent

    bundle = provide_bundle(patient.patient.ins, title="Compte rendu", data=report_pdf("Compte rendu"))
    location = as_bundle(await push(client, practice, bundle)).entry[2].response.location

    async def actions() -> list[str]:
        await db.commit()
        return [e.action for e in (await db.exec(select(AccessEvent).where(
            AccessEvent.dossier_id == patient.dossier.id).order_by(AccessEvent.seq))).all()]

    before = await actions()
    head = await client.head(f"/fhir/{location}", headers={**practice.headers, "accept": "*/*"})
    assert head.status_code == 200 and head.content == b"" and head.headers["content-type"] == "application/pdf"
    assert (await actions())[len(before):] == ["read_document"]
    got = await client.get(f"/fhir/{location}", headers={**practice.headers, "accept": "*/*"})
    assert got.status_code == 200 and (await actions())[len(before) + 1:] == ["download"]
