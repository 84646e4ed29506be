"""The pages of one ITI-67 search are one reading in the patient's Historique: an outside probe's software paged 144
documents and wrote 29 "a consulté votre dossier"; its first page is logged before it is sent, the next ones within
ten minutes go on that reading. A search asked anew (no `_after`) is logged again."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from sqlmodel import select

from server.models import AccessEvent
from tests.conftest import add_text_document
from tests.fhir_support import as_bundle
from tests.test_fhir_api import practice  # noqa: F401 - a fixture


async def reads(db, patient) -> int:
    await db.commit()
    return len((await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id,
                                                        AccessEvent.action == "read_timeline"))).all())


async def test_the_next_pages_of_a_search_are_the_reading_its_first_page_logged(client, db, app, patient, practice):
    for n in range(5):
        await add_text_document(db, app, patient.dossier, title=f"Bilan {n}", category="biologie")
    before = await reads(db, patient)
    params: list[tuple[str, str]] = [("patient", patient.patient.id), ("_count", "2")]
    pages = 0
    while params:
        answer = as_bundle(await client.get("/fhir/DocumentReference", headers=practice.headers, params=params))
        pages += 1
        following = next((link.url for link in answer.link or [] if link.relation == "next"), None)
        params = parse_qsl(urlsplit(following).query) if following else []
    assert pages == 3 and await reads(db, patient) == before + 1
    await client.get("/fhir/DocumentReference", headers=practice.headers, params={"patient": patient.patient.id})
    assert await reads(db, patient) == before + 2  # a new search: its own reading
