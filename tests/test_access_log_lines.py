"""What the server's log says of a request: its route, with the opaque ids it names, and nothing a link chose (an
operator's probe: a path with "%0a" forged a log line, and "/patient/Camille Martin VIH positif" was logged as typed);
and its status, 499 for a client that left before any answer, never the 500 of a server's error."""

from __future__ import annotations

import asyncio
import logging

import pytest

from server.fhir import documents
from tests.conftest import ORIGIN, activate
from tests.test_fhir_api import practice  # noqa: F401 - a fixture


def lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "carnet.access"]


async def test_a_path_a_link_chose_never_reaches_the_log_but_the_ids_of_a_route_do(client, patient, caplog):
    await activate(client, patient)
    dossier = patient.dossier.id
    with caplog.at_level(logging.INFO, logger="carnet.access"):
        caplog.clear()  # the activation's own lines
        for path in ("/x%0aINFO - carnet.access - GET /forged 200 0.1ms account=admin",
                     "/patient/Camille%20Martin%20VIH%20positif", "/dossiers/%ff%fe",
                     "/dossiers/Camille%20Martin%20VIH/historique", f"/dossiers/{dossier}/historique"):
            await client.get(path)
    logged = lines(caplog)
    assert len(logged) == 5, logged
    assert all("\n" not in line and "forged" not in line and "Camille" not in line and "VIH" not in line
               and "\ufffd" not in line for line in logged), logged
    assert logged[0].startswith("GET (adresse inconnue) 404 ") and logged[1].startswith("GET (adresse inconnue) 404 ")
    assert logged[3].startswith("GET /dossiers/{dossier_id}/historique 404 ")  # its route, the name in place of the value
    assert logged[4].startswith(f"GET /dossiers/{dossier}/historique 200 ")  # an opaque id, as before


async def post_and_leave(app, practice, chunks: list[dict]) -> list[dict]:
    """A `POST /fhir` as a server hands it to the app when its client goes away mid-body (or stalls until the proxy's
    timeout closes it): the chunks received, then `http.disconnect` at every later call. What the app sent back."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/fhir", "raw_path": b"/fhir", "query_string": b"", "root_path": "",
             "headers": [(b"host", ORIGIN.split("//")[1].encode()), (b"content-type", b"application/fhir+json"),
                         (b"content-length", b"200000"), (b"authorization", practice.headers["authorization"].encode())],
             "client": ("testclient", 50000), "server": ("localhost", 80)}
    pending, sent = list(chunks), []

    async def receive() -> dict:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await asyncio.create_task(app(scope, receive, send))  # a task of its own, as a server runs each request
    return sent


@pytest.mark.parametrize("chunks", [
    [{"type": "http.request", "body": b'{"resourceType": "Bundle", "type": "transaction", "entry": [', "more_body": True}],
    [],
])
async def test_a_client_that_went_away_before_any_answer_is_logged_499_not_500(client, app, practice, chunks, caplog):
    """An outside tester's find: monitoring read `POST /fhir 500` for each upload a software dropped mid-body, though
    nothing had failed on the server's side. nginx's 499: the client closed the connection before any answer."""
    with caplog.at_level(logging.INFO, logger="carnet.access"):
        caplog.clear()
        await post_and_leave(app, practice, chunks)
    [line] = lines(caplog)
    assert line.startswith("POST /fhir 499 "), line


async def test_a_real_error_is_still_logged_500(client, practice, caplog, monkeypatch):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("un défaut du serveur")

    monkeypatch.setattr(documents, "provide", broken)
    with caplog.at_level(logging.INFO, logger="carnet.access"):
        caplog.clear()
        answer = await client.post("/fhir", content=b'{"resourceType": "Bundle", "type": "transaction", "entry": []}',
                                   headers={**practice.headers, "content-type": "application/fhir+json"})
    assert answer.status_code == 500
    [line] = lines(caplog)
    assert line.startswith("POST /fhir 500 "), line
