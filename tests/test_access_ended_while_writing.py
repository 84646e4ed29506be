"""A professional types a note (or a line of the profil médical), or chooses a file, while the patient ends her access
(revokes it, blocks her, no longer declares her médecin traitant): the form she sends is not "Action non effectuée",
which lost her text, but what the dossier's pages say, "Accès terminé", with what she typed given back to copy into
her own software, stored nowhere and logged nowhere; the same page whatever the patient did. A document's link she
had from a page shown before says the same. Anyone who never held the dossier still gets a missing id's answer."""

from __future__ import annotations

import html
import logging
import re
from datetime import date, timedelta

from sqlmodel import select

from server.access import blocks
from server.models import AccessEvent, Document
from tests.conftest import add_text_document, new_patient, post_form, without_csrf
from tests.patient_helpers import MISSING, same_404
from tests.test_ended_access import ENDED, PATIENT, medecin_traitant, revoke, signed_in, signed_in_doctor
from tests.test_professional_documents import granted, pdf_bytes, upload

TITLE = "Soins de plaie, jambe droite"
NOTE = "Pansement refait : plaie propre.\nÀ surveiller : rougeur du bord interne, température ce soir."


def note_url(dossier_id: str) -> str:
    return f"/dossiers/{dossier_id}/documents/nouvelle-note"


async def send_note(client, dossier_id: str):
    return await post_form(client, note_url(dossier_id), {"title": TITLE, "category": "compte_rendu",
                                                          "event_date": "2025-02-03", "note": NOTE})


def handed_back(response) -> dict[str, str]:
    """The read-only fields of the page, by their label: what it gives back to copy."""
    labels = dict(re.findall(r'<label for="(non-envoye-\d+)">([^<]+)</label>', response.text))
    values = {}
    for field_id, label in labels.items():
        area = re.search(rf'<textarea id="{field_id}" rows="\d+" readonly>([^<]*)</textarea>', response.text)
        line = re.search(rf'<input id="{field_id}" type="text" value="([^"]*)" readonly>', response.text)
        values[label] = html.unescape((area or line).group(1))
    return values


async def nothing_written(db, dossier_id: str) -> bool:
    await db.commit()
    added = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == dossier_id,
                                                     AccessEvent.action == "add_document"))).all()
    return not added and not (await db.exec(select(Document).where(Document.title == TITLE))).all()


async def test_a_note_sent_as_her_access_ended_is_given_back_on_the_access_ended_page(client, db, patient, caplog):
    caplog.set_level(logging.DEBUG)
    nurse = await granted(client, db, patient, given_name="Claire", family_name="Vidal", profession="infirmier")
    assert (await client.get(note_url(patient.dossier.id))).status_code == 200
    await revoke(db, patient, nurse)

    answer = await send_note(client, patient.dossier.id)
    assert answer.status_code == 403 and answer.headers["cache-control"] == "no-store"
    said = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", answer.text)).split())
    assert "Accès terminé" in said and html.unescape(ENDED) in said
    assert "Action non effectuée" not in said and "n'existe plus" not in said
    assert "La note n'a pas été ajoutée au dossier." in said
    assert handed_back(answer) == {"Titre": TITLE, "Texte de la note": NOTE}
    assert "<form" not in answer.text.split('id="erreur"')[1].split("</section>")[0]  # to copy, not to send
    assert await nothing_written(db, patient.dossier.id)
    assert "surveiller" not in caplog.text and "plaie" not in caplog.text


async def test_a_file_sent_as_her_access_ended_is_said_not_added_with_its_title(client, db, patient):
    nurse = await granted(client, db, patient, given_name="Claire", family_name="Vidal", profession="infirmier")
    await revoke(db, patient, nurse)
    answer = await upload(client, patient.dossier, data=pdf_bytes(), title=TITLE)
    assert answer.status_code == 403 and "Accès terminé" in answer.text
    assert "Le document n&#39;a pas été ajouté au dossier" in answer.text
    assert handed_back(answer) == {"Titre": TITLE}
    assert await nothing_written(db, patient.dossier.id)


async def test_a_line_of_the_profile_typed_as_her_access_ended_is_given_back(client, db, patient):
    nurse = await granted(client, db, patient, given_name="Claire", family_name="Vidal", profession="infirmier")
    address = f"/dossiers/{patient.dossier.id}/profil/ajouter?type=allergy"
    assert (await client.get(address)).status_code == 200
    await revoke(db, patient, nurse)
    answer = await post_form(client, address, {"label": "Pénicilline", "detail": "Urticaire géante en 2019",
                                               "severity": "severe"})
    assert answer.status_code == 403 and "Accès terminé" in answer.text
    assert "L&#39;information n&#39;a pas été ajoutée au profil médical." in answer.text
    assert handed_back(answer) == {"Ce que vous aviez saisi": "Pénicilline\nUrticaire géante en 2019"}


async def test_a_pregnancy_typed_as_her_access_ended_is_given_back_with_its_expected_date(client, db, patient):
    midwife = await granted(client, db, patient, given_name="Hélène", family_name="Roux", profession="sage-femme")
    address = f"/dossiers/{patient.dossier.id}/profil/ajouter?type=pregnancy"
    assert (await client.get(address)).status_code == 200
    await revoke(db, patient, midwife)
    expected = (date.today() + timedelta(days=150)).isoformat()
    answer = await post_form(client, address, {"expected_on": expected, "detail": "Grossesse gémellaire"})
    assert answer.status_code == 403 and "Accès terminé" in answer.text
    assert handed_back(answer) == {"Ce que vous aviez saisi": f"Grossesse gémellaire\n{expected}"}


async def test_the_page_is_the_same_whatever_the_patient_did(client, app, db, patient):
    """Revoked, blocked, no longer her médecin traitant: one page, which says nothing of which."""
    from tests.conftest import AsyncTestClient, ORIGIN

    pages = []
    for stem, end in enumerate(("revoke", "block", "medecin_traitant"), start=1):
        async with AsyncTestClient(app, base_url=ORIGIN) as desk:
            if end == "medecin_traitant":
                doctor = await signed_in_doctor(desk, db, stem=stem, family_name="Bernard")
                await medecin_traitant(db, patient, doctor)
                await medecin_traitant(db, patient, None)
            else:
                doctor = await granted(desk, db, patient, stem=stem, given_name="Claire", family_name="Bernard",
                                       profession="médecin")
                if end == "revoke":
                    await revoke(db, patient, doctor)
                else:
                    await blocks.block(db, dossier=patient.dossier, professional=doctor.professional,
                                                    actor=PATIENT)
            answer = await send_note(desk, patient.dossier.id)
            assert answer.status_code == 403, end
            pages.append(re.sub(r'data-session-opened="[^"]*"', "", without_csrf(answer.text)))  # each desk's login
    assert pages[0] == pages[1] == pages[2]
    assert "bloqu" not in pages[0] and "retir" not in pages[0] and "médecin traitant" not in pages[0]


async def test_one_who_never_held_the_dossier_gets_a_missing_dossiers_answer(client, db, patient):
    await signed_in(client, db)
    await same_404(client, note_url(patient.dossier.id), note_url(MISSING),
                   data={"title": TITLE, "category": "compte_rendu", "event_date": "2025-02-03", "note": NOTE})


async def test_a_documents_link_followed_once_her_access_ended_says_so(client, db, app, patient):
    document = await add_text_document(db, app, patient.dossier, title="Compte rendu de consultation")
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=2, sex="M")
    elsewhere = await add_text_document(db, app, other.dossier, title="Bilan sanguin")
    nurse = await granted(client, db, patient)
    assert (await client.get(f"/documents/{document.id}")).status_code == 200
    await revoke(db, patient, nurse)
    for address in (f"/documents/{document.id}", f"/documents/{document.id}/fichier"):
        answer = await client.get(address)
        assert answer.status_code == 403 and ENDED in " ".join(answer.text.split()), address
        assert "Document introuvable" not in answer.text and "supprimé" not in answer.text, address
        assert "Compte rendu de consultation" not in answer.text, address
    # Another dossier's document, which she never held: a missing one's answer.
    await same_404(client, f"/documents/{elsewhere.id}", f"/documents/{MISSING}")


async def test_access_ended_is_said_only_of_what_she_could_read_while_it_lasted(client, db, app, patient):
    """Her refusal says "Accès terminé" of a document her access opened; of one hidden from professionals, of a
    category her grant did not cover, or added after her access ended, a missing document's answer: her refusals
    told her which ids were this dossier's (an outside probe: a document she never could see, one added since)."""
    from server.access import grants, hiding

    read = await add_text_document(db, app, patient.dossier, title="Compte rendu de consultation")
    hidden = await add_text_document(db, app, patient.dossier, title="Consultation de psychiatrie")
    await hiding.set_hidden(db, document=hidden, hidden=True, actor=PATIENT)
    other_kind = await add_text_document(db, app, patient.dossier, title="Bilan sanguin", category="biologie")
    nurse = await signed_in(client, db)
    await grants.grant_access(db, dossier=patient.dossier, professional=nurse.professional, categories="compte_rendu",
                              duration="sans", actor=PATIENT)
    assert (await client.get(f"/documents/{read.id}")).status_code == 200
    await revoke(db, patient, nurse)
    later = await add_text_document(db, app, patient.dossier, title="Compte rendu suivant")
    answer = await client.get(f"/documents/{read.id}")
    assert answer.status_code == 403 and ENDED in " ".join(answer.text.split())
    for document in (hidden, other_kind, later):
        await same_404(client, f"/documents/{document.id}", f"/documents/{MISSING}")
