"""Reads that left the server without their line in the log (found by probing Carnet from outside): a PDF asked
for display, and each GET of a SMART Health Link's `location`."""

from __future__ import annotations

import base64
import re

from datetime import date, timedelta

from server.access import grants, reading
from server.dossiers import add_document
from server.profile.items import add_item
from tests.conftest import AsyncTestClient, ORIGIN
from tests.patient_helpers import CAMILLE, Log
from tests.access_matrix_helpers import pdf
from tests.test_professional_access import PATIENT, signed_in
from tests.test_profile import TODAY
from tests.shlink_helpers import ALLERGY, decrypted, emergency_items, fetch, make_link, payload_of, resources
from server.profile.items import ItemInput


async def test_a_pdf_asked_for_display_is_a_download_and_logged_as_one(client, app, db, patient):
    """`?affichage=1` shows an image inside its document page; a PDF is never shown so: asked so, it is sent whole as
    an attachment, and the patient must read that it was downloaded, every time, not a deduplicated "consulté"."""
    pro, _account = await signed_in(client, db)
    await grants.grant_access(db, dossier=patient.dossier, professional=pro.professional, categories="",
                              duration="sans", actor=PATIENT)
    document = await add_document(db, app.state.storage, dossier=patient.dossier, title="Compte rendu opératoire",
                                  category="compte_rendu", event_date=date(2025, 1, 15), filename="cr.pdf",
                                  mime_type="application/pdf", data=pdf("Compte rendu"))
    assert (await client.get(f"/documents/{document.id}")).status_code == 200  # a read, logged
    for _ in range(2):
        async with Log(db, patient.dossier.id) as log:
            got = await client.get(f"/documents/{document.id}/fichier?affichage=1")
        assert got.status_code == 200 and got.content.startswith(b"%PDF-")
        assert got.headers["content-disposition"].startswith("attachment")
        assert log.actions == ["download"]
    # A HEAD sends none of it: a read of the document (its type, its size), not a download (an integrator's find).
    async with Log(db, patient.dossier.id) as log:
        head = await client.head(f"/documents/{document.id}/fichier")
    assert head.status_code == 200 and head.content == b"" and log.actions == ["read_document"]


async def test_the_get_of_a_shl_location_is_a_logged_fetch_under_the_declared_name(app, db, patient):
    """A recipient that asked for short embedded files gets a `location`: its GET makes the file from the profile as it
    is then, a fetch the patient must find in the Historique, under the name declared (the manifest that named it read
nothing, and is not logged). It serves once (the spec: "intended
    for single use"): asked again, a 404 and nothing logged."""
    await emergency_items(db, patient.dossier)
    row = await make_link(db, patient)
    link = payload_of(row)
    async with Log(db, patient.dossier.id) as log:
        [file] = (await fetch(app, link, recipient="Dr Anne Roux", embeddedLengthMax=100)).json()["files"]
    assert log.new == []  # nothing read yet: the opening is the location's GET, logged once (test_shl_one_opening.py)
    await add_item(db, dossier=patient.dossier, data=ItemInput("allergy", label="Latex", severity="severe"),
                   actor=CAMILLE, today=TODAY)
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        async with Log(db, patient.dossier.id) as log:
            got = await stranger.get(file["location"].removeprefix(ORIGIN))
        assert got.status_code == 200
        assert sorted(a.code.text for a in resources(decrypted(got.text, link["key"])[1], "AllergyIntolerance")) \
            == sorted([ALLERGY.label, "Latex"])
        assert [(e.action, e.actor_name, e.actor_kind) for e in log.new] == [("shl_fetch", "Dr Anne Roux",
                                                                              "shl_recipient")]
        async with Log(db, patient.dossier.id) as log:
            again = await stranger.get(file["location"].removeprefix(ORIGIN))
        assert again.status_code == 404 and log.new == []
        # The name is not readable in the address, and none can be put in it: the token is enciphered and sealed.
        token = file["location"].split("?t=")[1]
        header, key, iv, ciphertext, tag = token.split(".")
        # Five parts in base64url (a JWE), none holding the name once decoded. Looked for in the token as sent, "Roux"
        # would turn up among its enciphered parts' random letters about once in 50,000 runs.
        assert re.fullmatch(r"[\w-]+", header + key + iv + ciphertext + tag)
        assert not any(b"Roux" in base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) for part in token.split("."))
        altered = ciphertext[:-2] + ("A" if ciphertext[-2] != "A" else "B") + ciphertext[-1]
        for forged in (".".join((header, key, iv, altered, tag)), token[:-4] + "AAAA", "", "x" * 5000):
            async with Log(db, patient.dossier.id) as log:
                answer = await stranger.get(f"/shl/{row.id}/fichier", params={"t": forged})
            assert answer.status_code == 404 and log.new == []


async def test_a_professional_s_form_to_add_to_a_dossier_shows_its_patient_and_is_logged(client, app, db, patient,
                                                                                         monkeypatch):
    """The forms to add a document or a line of the profil médical show the patient's name, birth date and INS (to
    check it is the right patient): an opening of the dossier, in the log before the page leaves (a probe's find).
    Once within reading.RECENT_READ, as a document's file shown in its page: the forms opened again in a few minutes
    (after a refusal, or one then the other) are the opening the log already says (another probe's find: thirteen
    identical lines in a parent's Historique for one document added)."""
    pro, _account = await signed_in(client, db)
    await grants.grant_access(db, dossier=patient.dossier, professional=pro.professional, categories="",
                              duration="sans", actor=PATIENT)
    addresses = (f"/dossiers/{patient.dossier.id}/documents/nouveau",
                 f"/dossiers/{patient.dossier.id}/documents/nouvelle-note",
                 f"/dossiers/{patient.dossier.id}/profil/ajouter?type=allergy")
    for n, address in enumerate(addresses * 2):
        async with Log(db, patient.dossier.id) as log:
            page = await client.get(address)
        assert page.status_code == 200 and "12/03/1984" in page.text
        assert log.actions == (["open_to_add"] if n == 0 else []), address
    monkeypatch.setattr(reading, "RECENT_READ", timedelta(0))  # ten minutes later
    for address in addresses:
        async with Log(db, patient.dossier.id) as log:
            await client.get(address)
        assert log.actions == ["open_to_add"], address
    her_phone = AsyncTestClient(app, base_url=ORIGIN)
    from tests.conftest import activate
    await activate(her_phone, patient)
    history = (await her_phone.get(f"/dossiers/{patient.dossier.id}/historique")).text
    assert history.count("a ouvert votre dossier pour y ajouter un document ou une information") == 4
