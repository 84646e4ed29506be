"""A withdrawal asked of the version its author last read (If-Match, FHIR's managed contention) or of the status it
believes the document has (RFC 6902's test): an outside probe's DPI could not guard it, and a version another had
changed since was withdrawn anyway."""

from __future__ import annotations

import json

from sqlmodel import select

from server.models import Document
from tests.fhir_support import as_bundle, as_outcome, provide_bundle, report_pdf
from tests.test_fhir_api import practice, push  # noqa: F401 - `practice` is a fixture

WITHDRAW = {"op": "replace", "path": "/status", "value": "entered-in-error"}


async def pushed(client, practice, patient, title: str) -> str:
    answer = as_bundle(await push(client, practice, provide_bundle(patient.patient.ins, title=title,
                                                                   data=report_pdf(title))))
    return answer.entry[1].response.location.split("/")[1]


async def patch(client, practice, document_id: str, operations: list, **headers):
    return await client.patch(f"/fhir/DocumentReference/{document_id}", content=json.dumps(operations),
                              headers={**practice.headers, "content-type": "application/json-patch+json", **headers})


async def withdrawn(db, document_id: str) -> bool:
    await db.commit()
    return (await db.exec(select(Document.withdrawn_at).where(Document.id == document_id))).one() is not None


async def test_if_match_another_version_is_a_412_and_nothing_is_withdrawn(client, db, patient, practice):
    first = await pushed(client, practice, patient, "CR provisoire")
    stale = await patch(client, practice, first, [WITHDRAW], **{"if-match": 'W/"7"'})
    assert stale.status_code == 412 and stale.headers["etag"] == 'W/"1"'
    assert "Le document a changé depuis votre lecture (sa version est W/\"1\"" in as_outcome(stale).issue[0].diagnostics
    assert not await withdrawn(db, first)
    fresh = await patch(client, practice, first, [WITHDRAW], **{"if-match": 'W/"1"'})
    assert fresh.status_code == 200 and fresh.headers["etag"] == 'W/"2"' and await withdrawn(db, first)


async def test_a_json_patch_test_of_the_status_guards_the_withdrawal(client, db, patient, practice):
    first = await pushed(client, practice, patient, "CR du matin")
    wrong = await patch(client, practice, first, [{"op": "test", "path": "/status", "value": "superseded"}, WITHDRAW])
    assert wrong.status_code == 409 and as_outcome(wrong).issue[0].code == "conflict"
    assert "Le statut du document est current, pas superseded" in as_outcome(wrong).issue[0].diagnostics
    assert not await withdrawn(db, first)
    right = await patch(client, practice, first, [{"op": "test", "path": "/status", "value": "current"}, WITHDRAW])
    assert right.status_code == 200 and right.json()["status"] == "entered-in-error"
    other = await patch(client, practice, first, [{"op": "test", "path": "/description", "value": "x"}, WITHDRAW])
    assert other.status_code == 422 and "précédé s'il le faut d'un test du statut" in as_outcome(other).issue[0].diagnostics
