"""ITI-67's parameters as FHIR R4 reads them: one patient per search, and a date that is a year, a month or a day
stands for its whole range, under every prefix Carnet answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from server.models import AccessEvent
from tests.conftest import add_text_document, make_ins
from tests.fhir_support import INS_SYSTEM, as_bundle, as_outcome
from tests.test_fhir_api import practice  # noqa: F401 - a fixture

# Each document: its title, the day of the act (`period`), and when Carnet received it (`date`, an instant).
FILED = [("Bilan de décembre", date(2024, 12, 31), datetime(2024, 12, 31, 23, 30, tzinfo=UTC)),  # 2025 in Paris
         ("Bilan du 1er mars", date(2025, 3, 1), datetime(2025, 3, 1, 9, 0, tzinfo=UTC)),
         ("Bilan du 31 mars", date(2025, 3, 31), datetime(2025, 3, 31, 22, 30, tzinfo=UTC)),  # April in Paris
         ("Bilan d'avril", date(2025, 4, 1), datetime(2025, 4, 2, 8, 0, tzinfo=UTC))]


@pytest.fixture
async def filed(db, app, patient) -> None:
    for title, day, received in FILED:
        document = await add_text_document(db, app, patient.dossier, title=title, category="biologie", when=day)
        document.created_at = received
        db.add(document)
    await db.commit()


async def found(client, practice, patient, *dates: tuple[str, str]) -> set[str]:
    answer = await client.get("/fhir/DocumentReference", headers=practice.headers,
                              params=[("patient", patient.patient.id), *dates])
    assert answer.status_code == 200, (dates, answer.text)
    return {e.resource.description for e in as_bundle(answer).entry or []}


DECEMBER, MARCH_1, MARCH_31, APRIL = (title for title, _, _ in FILED)


RANGES = [  # the dates searched for, the titles found
    ([("period", "2025")], {MARCH_1, MARCH_31, APRIL}),
    ([("period", "eq2025-03")], {MARCH_1, MARCH_31}),
    ([("period", "ge2025-03")], {MARCH_1, MARCH_31, APRIL}),
    ([("period", "gt2025-03")], {APRIL}),
    ([("period", "le2025-03")], {DECEMBER, MARCH_1, MARCH_31}),
    ([("period", "lt2025-03")], {DECEMBER}),
    ([("period", "gt2024"), ("period", "lt2025-04")], {MARCH_1, MARCH_31}),
    ([("period", "2025-02")], set()),
    # An instant's month and year are Paris's, as its day already was.
    ([("date", "2024")], set()),
    ([("date", "2025-03")], {MARCH_1}),
    ([("date", "ge2025-04")], {MARCH_31, APRIL}),
    ([("date", "lt2025-03")], {DECEMBER}),
    ([("date", "le2025")], {DECEMBER, MARCH_1, MARCH_31, APRIL}),
    ([("date", "gt2025-03"), ("period", "2025-03")], {MARCH_31}),
]


# Each case below is one request, read only, on the same patient's documents: the cases share one world (a database,
# a patient, a doctor's activated account and registered software, its token) rather than each building its own, and
# every case is asked and said, the first failure stopping none of the others.


async def test_a_year_or_a_month_searches_its_whole_range(client, patient, practice, filed):
    answers = [(dates, await found(client, practice, patient, *dates), titles) for dates, titles in RANGES]
    assert [(dates, got, titles) for dates, got, titles in answers if got != titles] == []


MALFORMED = ["2025-3", "202", "20250301", "2025-W10-1", "2025-13", "2025-00", "2025-02-30", "ne2025",
             "2025-03T10:00:00Z", "\u0662025"]


async def test_a_malformed_date_is_refused_with_the_forms_accepted(client, patient, practice):
    wrong = []
    for value in MALFORMED:
        answer = await client.get("/fhir/DocumentReference", headers=practice.headers,
                                  params=[("patient", patient.patient.id), ("period", value)])
        said = as_outcome(answer).issue[0].diagnostics if answer.status_code == 400 else answer.text
        if not (answer.status_code == 400 and said.startswith("Date de recherche invalide")
                and "une année (AAAA), un mois (AAAA-MM), un jour (AAAA-MM-JJ)" in said):
            wrong.append((value, answer.status_code, said))
    assert wrong == []


async def test_a_year_or_month_off_the_calendar_is_out_of_bounds(client, patient, practice):
    wrong = []
    for value in ("9999", "ge9999-12", "0001", "lt0001-01"):
        answer = await client.get("/fhir/DocumentReference", headers=practice.headers,
                                  params=[("patient", patient.patient.id), ("date", value)])
        if not (answer.status_code == 400 and "hors limites" in as_outcome(answer).issue[0].diagnostics):
            wrong.append((value, answer.status_code, answer.text))
    assert wrong == []


async def test_a_search_names_one_patient_once_and_reads_nothing_otherwise(client, db, patient, practice):
    other = f"{INS_SYSTEM}|{make_ins('F', 1984, 3, 77)}"
    mine = f"{INS_SYSTEM}|{patient.patient.ins}"
    for body in ({"patient.identifier": [mine, other]}, {"patient.identifier": [mine, mine]},
                 {"patient.identifier": mine, "patient": patient.patient.id}):
        answer = await client.post("/fhir/DocumentReference/_search", headers=practice.headers, data=body)
        assert answer.status_code == 400, (body, answer.text)
        assert "un seul patient" in as_outcome(answer).issue[0].diagnostics
    by_id = await client.get("/fhir/DocumentReference", headers=practice.headers,
                             params=[("patient", patient.patient.id), ("patient", "Patient/" + "0" * 32)])
    assert by_id.status_code == 400 and "un seul patient" in as_outcome(by_id).issue[0].diagnostics
    read = (await db.exec(select(AccessEvent).where(AccessEvent.action == "read_timeline"))).all()
    assert read == []
    once = await client.post("/fhir/DocumentReference/_search", headers=practice.headers,
                             data={"patient.identifier": mine})
    assert once.status_code == 200


async def test_a_documents_type_comes_back_and_is_searched_as_the_software_coded_it(client, db, app, patient,
                                                                                   practice):
    """A Document Recipient keeps the metadata it receives (IHE MHD): "34117-2" came back as its category's
    "11488-4", and a search by the type sent found nothing; its `creation` was an hour made up (12:00 UTC)."""
    from tests.fhir_support import provide_bundle, report_pdf
    from tests.test_fhir_api import push

    bundle = provide_bundle(patient.patient.ins, title="Observation médicale d'entrée", data=report_pdf("Entrée"),
                            when=date(2026, 11, 29))
    bundle["entry"][1]["resource"]["type"] = {"coding": [{"system": "http://loinc.org", "code": "34117-2",
                                                          "display": "History and physical note"}]}
    await push(client, practice, bundle)
    await add_text_document(db, app, patient.dossier, title="Bilan sans type", category="biologie")

    async def by_type(token: str) -> list:
        answer = await client.get("/fhir/DocumentReference", headers=practice.headers,
                                  params={"patient": patient.patient.id, "type": token})
        assert answer.status_code == 200, answer.text
        return [e.resource for e in as_bundle(answer).entry or []]

    [sent] = await by_type("http://loinc.org|34117-2")
    assert sent.description == "Observation médicale d'entrée"
    assert (sent.type.coding[0].system, sent.type.coding[0].code, sent.type.coding[0].display) == (
        "http://loinc.org", "34117-2", "History and physical note")
    assert str(sent.content[0].attachment.creation) == "2026-11-29"
    assert [d.description for d in await by_type("34117-2")] == ["Observation médicale d'entrée"]  # any system
    assert await by_type("http://loinc.org|11488-4") == []  # its category's type is not the one it was sent with
    [untyped] = await by_type("http://loinc.org|11502-2")  # one sent without a type: its category's
    assert untyped.description == "Bilan sans type" and untyped.type.coding[0].code == "11502-2"


async def test_a_type_is_a_token_compared_exactly_and_its_words_hold_no_hidden_character(client, db, patient,
                                                                                      practice):
    """A FHIR code is case-sensitive: "abc" does not find "AbC", on either engine (a LIKE ignored case on SQLite
    alone); a display holding NUL, which PostgreSQL refuses in text, is refused in French, never a 500."""
    from tests.fhir_support import provide_bundle, report_pdf
    from tests.test_fhir_api import push

    bundle = provide_bundle(patient.patient.ins, title="Compte rendu", data=report_pdf("CR"))
    bundle["entry"][1]["resource"]["type"] = {"coding": [{"system": "urn:x", "code": "AbC"}]}
    await push(client, practice, bundle)
    counts = {}
    for token in ("abc", "AbC", "urn:x|abc", "urn:x|AbC", "urn:y|AbC", "Ab_", "%C"):
        answer = await client.get("/fhir/DocumentReference", headers=practice.headers,
                                  params={"patient": patient.patient.id, "type": token})
        counts[token] = len(as_bundle(answer).entry or [])
    assert counts == {"abc": 0, "AbC": 1, "urn:x|abc": 0, "urn:x|AbC": 1, "urn:y|AbC": 0, "Ab_": 0, "%C": 0}, counts

    hidden = provide_bundle(patient.patient.ins, title="Compte rendu 2", data=report_pdf("CR 2"))
    hidden["entry"][1]["resource"]["type"]["coding"][0]["display"] = "Note\u0000x"
    refused = await client.post("/fhir", headers={**practice.headers, "content-type": "application/fhir+json"},
                                content=json.dumps(hidden))
    assert refused.status_code == 422 and "type.coding.display" in as_outcome(refused).issue[0].diagnostics, \
        refused.text


async def test_a_count_or_page_that_is_no_whole_number_says_its_bounds(client, patient, practice):
    wrong = []
    for name, value, said in (("_count", "-1", "_count est un nombre entier de 0 à 100"),
                              ("_count", "dix", "_count est un nombre entier de 0 à 100"),
                              ("_page", "-2", "_page est un nombre entier de 1 à 10000")):
        answer = await client.get("/fhir/DocumentReference", headers=practice.headers,
                                  params=[("patient", patient.patient.id), (name, value)])
        if not (answer.status_code == 400 and said in as_outcome(answer).issue[0].diagnostics):
            wrong.append((name, value, answer.status_code, answer.text))
    assert wrong == []


async def test_an_unknown_category_finds_nothing_and_the_searchset_says_why(client, patient, practice, filed):
    """FHIR R4B search.html#errors: an unknown code is a logical condition, not a syntax error; the search finds
    nothing, and an OperationOutcome of search mode "outcome" says why, rather than an empty Bundle alone."""
    for value in ("zzz", "urn:carnet:fhir:categorie-document|zzz", "http://loinc.org|0000-0"):
        answer = await client.get("/fhir/DocumentReference", headers=practice.headers,
                                  params=[("patient", patient.patient.id), ("category", value)])
        assert answer.status_code == 200, answer.text
        [entry] = as_bundle(answer).entry
        assert entry.search.mode == "outcome" and entry.resource.__resource_type__ == "OperationOutcome"
        [issue] = entry.resource.issue
        assert (issue.severity, issue.code) == ("warning", "code-invalid")
        assert issue.diagnostics.startswith(f"Catégorie inconnue : «\u00a0{value}\u00a0»")
        assert "compte_rendu, ordonnance, biologie" in issue.diagnostics
    known = as_bundle(await client.get("/fhir/DocumentReference", headers=practice.headers,
                                       params=[("patient", patient.patient.id), ("category", "biologie")]))
    assert {e.search.mode for e in known.entry} == {"match"} and len(known.entry) == len(FILED)


async def test_a_comma_between_values_is_an_or_for_category_type_and_author(client, db, app, patient, practice):
    """FHIR's OR: an outside probe asked for `biologie,imagerie`, for two types and two authors, and found nothing,
    told the codes were unknown when they were right. Each value is read alone; an unknown one is said alone."""
    await add_text_document(db, app, patient.dossier, title="Bilan", category="biologie")
    await add_text_document(db, app, patient.dossier, title="Radio", category="imagerie")
    await add_text_document(db, app, patient.dossier, title="Ordonnance", category="ordonnance")

    async def titles(**params: str) -> tuple[set[str], list[str]]:
        answer = await client.get("/fhir/DocumentReference", headers=practice.headers,
                                  params={"patient": patient.patient.id, **params})
        assert answer.status_code == 200, answer.text
        entries = as_bundle(answer).entry or []
        return ({e.resource.description for e in entries if e.search.mode == "match"},
                [i.diagnostics for e in entries if e.search.mode == "outcome" for i in e.resource.issue])

    assert await titles(category="biologie,imagerie") == ({"Bilan", "Radio"}, [])
    assert await titles(category="urn:carnet:fhir:categorie-document|biologie,urn:carnet:fhir:categorie-document|"
                                 "imagerie") == ({"Bilan", "Radio"}, [])
    assert await titles(category=",") == (set(), ["Catégorie sans valeur : aucun document ne peut y correspondre."])
    found, said = await titles(category="biologie,zzz")
    assert found == {"Bilan"} and len(said) == 1 and said[0].startswith("Catégorie inconnue : «\u00a0zzz\u00a0»")
    assert (await titles(type="http://loinc.org|11502-2,http://loinc.org|18748-4"))[0] == {"Bilan", "Radio"}
    from tests.fhir_support import provide_bundle, report_pdf
    from tests.test_fhir_api import push

    await push(client, practice, provide_bundle(patient.patient.ins, title="CR du cabinet", data=report_pdf("CR")))
    rpps = practice.pro.professional.rpps
    assert (await titles(**{"author.identifier": f"810000000000,8{rpps}"}))[0] == {"CR du cabinet"}
    assert (await titles(**{"author.identifier": "810000000000"}))[0] == set()
