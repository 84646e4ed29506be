"""A title is stored as it reads: a line's end between two words is a space, and its length is counted as stored
(NFC), not as a sender's decomposed accents count it (an outside probe sent both through ITI-65)."""

from __future__ import annotations

import unicodedata

from fhir.resources.R4B.documentreference import DocumentReference

from tests.fhir_support import as_bundle, provide_bundle, report_pdf
from tests.test_fhir_api import practice, push  # noqa: F401 - `practice` is a fixture


async def sent(client, practice, patient, description: str):
    bundle = provide_bundle(patient.patient.ins, title="CR", data=report_pdf(f"CR {len(description)} {hash(description)}"))
    bundle["entry"][1]["resource"]["description"] = description
    return await push(client, practice, bundle)


async def test_a_line_break_between_two_words_is_a_space(client, patient, practice):
    for description in ("Compte rendu\nService de rythmologie", "Compte rendu\r\nService de rythmologie",
                        "Compte rendu\u2028Service de rythmologie"):
        answer = await sent(client, practice, patient, description)
        assert answer.status_code == 200, answer.text
        read = await client.get(f"/fhir/{as_bundle(answer).entry[1].response.location}", headers=practice.headers)
        assert DocumentReference.model_validate(read.json()).description == "Compte rendu Service de rythmologie"


async def test_a_title_is_as_long_as_it_is_stored(client, patient, practice):
    decomposed = unicodedata.normalize("NFD", "é" * 150)  # 300 code points, 150 letters
    answer = await sent(client, practice, patient, decomposed)
    assert answer.status_code == 200, answer.text
    read = await client.get(f"/fhir/{as_bundle(answer).entry[1].response.location}", headers=practice.headers)
    assert read.json()["description"] == "é" * 150
    assert (await sent(client, practice, patient, "é" * 201)).status_code == 422  # past 200, still refused
