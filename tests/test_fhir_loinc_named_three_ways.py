"""A laboratory's software searching its results (an outside probe's find): Carnet files a LOINC type sent under
LOINC's URL, its OID or the ANS's TRE_A04 address as the same code, but a search by type found only those sent
under the very system it named, and `type` or `category` under the OID missed the results sent with no type. LOINC
is one code system under any of its three names, in a search as in filing."""

from __future__ import annotations

from datetime import date

from tests.conftest import add_text_document
from tests.fhir_support import as_bundle, provide_bundle, report_pdf
from tests.test_fhir_api import practice, push  # noqa: F401 (a fixture)

LOINC_NAMES = ("http://loinc.org", "urn:oid:2.16.840.1.113883.6.1",
               "https://mos.esante.gouv.fr/NOS/TRE_A04-Loinc/FHIR/TRE-A04-Loinc")


async def test_a_lab_result_is_found_by_its_loinc_type_under_each_name_of_loinc(client, db, app, patient,
                                                                                practice):  # noqa: F811
    for day, system in enumerate(LOINC_NAMES, start=1):
        bundle = provide_bundle(patient.patient.ins, title=f"Hémoglobine glyquée {day}",
                                data=report_pdf(f"HbA1c {day}"), category="biologie", when=date(2026, 11, day))
        bundle["entry"][1]["resource"]["type"] = {"coding": [{"system": system, "code": "11502-2"}]}
        assert (await push(client, practice, bundle)).status_code == 200
    await add_text_document(db, app, patient.dossier, title="Bilan sans type", category="biologie")
    everyone = {"Hémoglobine glyquée 1", "Hémoglobine glyquée 2", "Hémoglobine glyquée 3", "Bilan sans type"}

    async def found(name: str, token: str) -> set[str]:
        answer = await client.get("/fhir/DocumentReference", headers=practice.headers,
                                  params={"patient": patient.patient.id, name: token})
        assert answer.status_code == 200, answer.text
        return {e.resource.description for e in as_bundle(answer).entry or []}

    for system in LOINC_NAMES:
        assert await found("type", f"{system}|11502-2") == everyone, system
        assert await found("category", f"{system}|11502-2") == everyone, system
    assert await found("type", "urn:x|11502-2") == set()  # another system's code is another code
