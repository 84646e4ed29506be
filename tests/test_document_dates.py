"""A document cannot be dated before its patient was born, whether a professional adds it from the web (whose date
field says so before it is sent) or their software sends it (ITI-65); and only one who may write to the dossier
learns the birth date bounds it."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

from sqlmodel import select

from server.models import AccessEvent, Document
from server.templating import PARIS
from tests.conftest import ORIGIN, AsyncTestClient, activate_professional, new_professional, wrong_fields
from tests.fhir_support import as_bundle, as_outcome, provide_bundle, report_pdf
from tests.test_fhir_api import practice, push, registered, token_for  # noqa: F401 - `practice` is a fixture
from tests.test_professional_documents import granted, pdf_bytes, upload, url

BEFORE_BIRTH = "La date du document ne peut pas précéder la naissance."


async def documents_of(db, dossier) -> list:
    await db.commit()
    return list((await db.exec(select(Document).where(Document.dossier_id == dossier.id))).all())


async def test_a_document_dated_the_day_before_the_birth_is_refused_from_the_form(client, db, patient):
    await granted(client, db, patient)
    the_day_before = (patient.birth_date - timedelta(days=1)).isoformat()
    response = await upload(client, patient.dossier, data=pdf_bytes(), event_date=the_day_before)
    assert response.status_code == 400, response.text
    assert BEFORE_BIRTH in response.text.replace("&#39;", "'")
    assert wrong_fields(response.text) == ["event_date"]
    assert await documents_of(db, patient.dossier) == []


async def test_a_document_dated_the_day_of_the_birth_is_accepted_from_the_form(client, db, patient):
    await granted(client, db, patient)
    response = await upload(client, patient.dossier, data=pdf_bytes(), event_date=patient.birth_date.isoformat())
    assert response.status_code == 303, response.text
    [document] = await documents_of(db, patient.dossier)
    assert document.event_date == patient.birth_date


async def test_the_forms_date_goes_from_the_birth_to_today_so_the_browser_offers_no_other(client, db, patient):
    await granted(client, db, patient)
    today, born = datetime.now(PARIS).date().isoformat(), patient.birth_date.isoformat()
    form = await client.get(url(patient.dossier))
    the_day_before = (patient.birth_date - timedelta(days=1)).isoformat()
    refused = await upload(client, patient.dossier, data=pdf_bytes(), event_date=the_day_before)  # given back too
    for page in (form, refused):
        [date_input] = re.findall(r'<input id="event_date"[^>]*>', page.text)
        assert f'min="{born}"' in date_input and f'max="{today}"' in date_input, date_input
        # An attribute of the form's field, for one who may write here: never in an address.
        assert born not in " ".join(re.findall(r'(?:action|href|src)="([^"]*)"', page.text))


async def test_software_sending_a_document_dated_before_the_birth_gets_a_422_outcome(client, db, patient, practice):
    bundle = provide_bundle(patient.patient.ins, title="Compte rendu", data=report_pdf("CR"),
                            when=date(1984, 1, 5))
    answer = await push(client, practice, bundle)
    assert answer.status_code == 422, answer.text
    issue = as_outcome(answer).issue[0]
    # After the entry it names, and with the element it read the date from.
    said = BEFORE_BIRTH.removesuffix(".") + " (context.period.start, la date de l'acte)."
    assert issue.code == "processable" and issue.diagnostics.endswith(" " + said), issue.diagnostics
    assert await documents_of(db, patient.dossier) == []
    added = (await db.exec(select(AccessEvent).where(AccessEvent.action == "add_document"))).all()
    assert added == []

    born_that_day = provide_bundle(patient.patient.ins, title="Compte rendu", data=report_pdf("CR"),
                                   when=patient.birth_date)
    assert as_bundle(await push(client, practice, born_that_day)).entry[1].response.status == "201 Created"


async def test_software_without_access_learns_nothing_of_the_birth_date(client, db, app, patient, practice):
    stranger = await new_professional(db, stem=9)
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await activate_professional(browser, stranger)
    software = await registered(client, db, stranger, name="Logiciel d'un autre cabinet")
    headers = {"authorization": f"Bearer {await token_for(client, software)}", "content-type": "application/fhir+json"}
    bundle = provide_bundle(patient.patient.ins, title="Sonde", data=report_pdf("X"), when=date(1984, 1, 5))
    answer = await client.post("/fhir", content=json.dumps(bundle), headers=headers)
    assert answer.status_code == 404, answer.text
