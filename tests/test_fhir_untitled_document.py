"""A document pushed without a description nor an attachment title is titled by its type's label, as a lab's
software may send it (a LOINC type alone); with none of the three, the sender is told where a title goes, in French,
and nothing is filed."""

from __future__ import annotations

import html

from tests.conftest import ORIGIN, AsyncTestClient, activate
from tests.fhir_support import provide_bundle, report_pdf
from tests.test_fhir_api import practice, push  # noqa: F401 (the fixture, used by name)

LAB_REPORT = "Compte rendu d'examens biologiques"


def untitled(ins: str, *, display: str = "") -> dict:
    bundle = provide_bundle(ins, title="-", data=report_pdf("Bilan"), category="biologie")
    reference = bundle["entry"][1]["resource"]
    del reference["description"]
    del reference["content"][0]["attachment"]["title"]
    if display:
        reference["type"]["coding"][0]["display"] = display
    return bundle


async def test_a_document_titled_by_its_type_alone_is_filed_under_that_title(client, app, patient, practice):  # noqa: F811
    answer = await push(client, practice, untitled(patient.patient.ins, display=LAB_REPORT))
    assert answer.status_code == 200 and "201 Created" in answer.text, answer.text
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        timeline = (await phone.get(f"/dossiers/{patient.dossier.id}")).text
    assert f'<span class="doc-title">{LAB_REPORT}</span>' in html.unescape(timeline)


async def test_without_any_title_the_sender_is_told_where_one_goes(client, app, patient, practice):  # noqa: F811
    answer = await push(client, practice, untitled(patient.patient.ins))
    assert answer.status_code == 422, answer.text
    assert "indiquez-le dans description (ou attachment.title, ou le libellé de son type" in answer.text


async def test_a_file_name_as_the_only_label_gives_way_to_the_type_s(client, app, patient, practice):  # noqa: F811
    """An attachment labelled by its file's name ("cr.pdf") and no description: the patient read "cr.pdf" in her
    banner and on her timeline (an outside probe's find). Its type's label titles it; the file keeps its name."""
    bundle = untitled(patient.patient.ins, display=LAB_REPORT)
    bundle["entry"][1]["resource"]["content"][0]["attachment"]["title"] = "cr.pdf"
    answer = await push(client, practice, bundle)
    assert answer.status_code == 200 and "201 Created" in answer.text, answer.text
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        timeline = html.unescape((await phone.get(f"/dossiers/{patient.dossier.id}")).text)
    assert f'<span class="doc-title">{LAB_REPORT}</span>' in timeline and "cr.pdf" not in timeline
