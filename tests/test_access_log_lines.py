"""What the server's log says of a request: its route, with the opaque ids it names, and nothing a link chose (an
operator's probe: a path with "%0a" forged a log line, and "/patient/Camille Martin VIH positif" was logged as typed)."""

from __future__ import annotations

import logging

from tests.conftest import activate


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
