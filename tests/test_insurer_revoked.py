"""The insurer's systems, listed and revoked from the CLI (an operator's probe: a leaked key could only be ended by
SQL, though Carnet's own refusal told the operator to "révoquer" it); a new key under the same name is a rotation,
said with the old client_id to revoke once the new one works."""

from __future__ import annotations

from tests.fhir_support import Software
from tests.test_reimbursement_retractions import registered, send
from tests.test_reimbursements import carnet, feed, line


async def test_a_revoked_insurer_gets_no_token_and_its_tokens_stop_at_once(client, settings, patient, tmp_path):
    headers, old_id = await registered(client, settings, tmp_path, "CNAM flux")
    ins = patient.patient.ins
    assert (await send(client, headers, feed(line(ins, "L1"))))["ajoutees"] == 1
    rotated = Software()
    key_file = tmp_path / "nouvelle.jwk"
    key_file.write_text(rotated.public_jwk())
    done = carnet(settings, "logiciel", "assureur", "--nom", "CNAM flux", "--jwk", str(key_file))
    assert done.returncode == 0 and f"révoquez l'ancienne (carnet logiciel revoquer --client-id {old_id})" in done.stderr
    new_id = done.stdout.split("client_id : ")[1].split()[0]
    listed = carnet(settings, "logiciel", "liste")
    assert listed.returncode == 0
    assert [row.split()[0] for row in listed.stdout.splitlines()] == [old_id, new_id]
    assert listed.stdout.count("« CNAM flux »") == 2 and listed.stdout.count("en service") == 2
    assert "dernier usage le" in listed.stdout.splitlines()[0] and "jamais utilisé" in listed.stdout.splitlines()[1]

    revoked = carnet(settings, "logiciel", "revoquer", "--client-id", old_id)
    assert revoked.returncode == 0 and "« CNAM flux »" in revoked.stdout and "ne valent plus" in revoked.stdout
    refused = await client.post("/api/remboursements", content=feed(line(ins, "L2")).encode(), headers=headers)
    assert refused.status_code == 401  # the token it held, at once; and it is told by whom, it alone holding it
    assert refused.json()["issue"][0]["diagnostics"] == (
        "Ce système a été révoqué par l'exploitant de Carnet : ses jetons ne valent plus et il n'en obtient plus de "
        "nouveaux. L'exploitant peut enregistrer sa nouvelle clé (carnet logiciel assureur).")
    assert "révoqué le" in carnet(settings, "logiciel", "liste").stdout.splitlines()[0]
    unknown = carnet(settings, "logiciel", "revoquer", "--client-id", "0" * 32)
    assert unknown.returncode == 1 and "Aucun système d'assureur n'a ce client_id" in unknown.stderr
