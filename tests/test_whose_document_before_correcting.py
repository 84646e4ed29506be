"""The pages that correct or withdraw a document say whose it is, as its page does: the name, birth date and INS a
professional checks most before declaring a report erroneous (filed in a namesake's dossier); and they say "la
patiente" of a woman (an outside probe's finds: neither page showed the patient, and both said "le patient")."""

from __future__ import annotations

from tests.test_pro_corrections import added_by, correct, words


async def test_the_correction_and_withdrawal_pages_show_the_patient_and_speak_of_her(client, db, patient):
    _pro, document = await added_by(client, db, patient)
    for page in ("correction", "retrait"):
        shown = await client.get(f"/documents/{document.id}/{page}")
        assert shown.status_code == 200 and 'class="identity-band"' in shown.text, page
        said = words(shown)
        assert "MARTIN" in said and "12/03/1984" in said, page
        assert "le patient" not in said and "au patient" not in said and "du patient" not in said, page
    assert "la patiente est avertie de la nouvelle" in words(await client.get(f"/documents/{document.id}/correction"))
    withdrawal = words(await client.get(f"/documents/{document.id}/retrait"))
    assert "le dire à la patiente : elle en est avertie" in withdrawal
    assert "le journal des accès de la patiente garde la trace de ce retrait" in withdrawal
    corrected = await correct(client, document.id)
    assert corrected.status_code == 303, corrected.text
    latest = corrected.headers["location"]
    assert "La patiente en est avertie." in words(await client.get(latest))
