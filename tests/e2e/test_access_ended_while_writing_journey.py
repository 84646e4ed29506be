"""Dr Bernard types a note into her patient's dossier while he ends her access: "Ajouter au dossier" tells her that
her access ended, as the dossier's pages do, and gives her title and text back to copy into her own software; Back
says the same, never "Page introuvable". A document's link on a timeline left open in another tab says so too, not
that the document was perhaps deleted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import back, error_page, log_in_professional, page_ready

pytestmark = pytest.mark.e2e

TITLE = "Consultation du 3 février"
NOTE = "Toux sèche depuis dix jours, auscultation normale.\nRevoir dans une semaine si pas d'amélioration."
ENDED = ("Accès terminé", "Votre accès à ce dossier a pris fin. Pour le consulter de nouveau, demandez à votre patient un "
                          "nouveau code de partage. En cas d'urgence, vous pouvez aussi demander un accès d'urgence, "
                          "si le patient l'autorise.")


def test_a_note_typed_as_her_access_ends_is_given_back_to_her(computer, console, seed, seed_professional, seed_grant,
                                                             seed_revocation):
    console.allow("status of 403")  # her form and her link refused once her access ended, on purpose
    patient = seed()
    doctor = seed_professional(given_name="Claire", family_name="Bernard", profession="médecin", feminine=True)
    seed_grant(patient, doctor)
    desk = computer.page
    log_in_professional(desk, doctor)

    # Her patient's timeline, left open in a tab of its own.
    timeline = desk.context.new_page()
    timeline.goto(f"/dossiers/{patient.dossier_id}")
    expect(timeline.get_by_role("link", name=re.compile("IRM du genou droit"))).to_be_visible()

    desk.get_by_role("link", name="Ajouter un document au dossier de Camille Martin").click()
    desk.get_by_role("link", name="Rédiger une note").click()
    expect(desk.get_by_role("heading", name="Rédiger une note")).to_be_visible()
    desk.get_by_label("Titre").fill(TITLE)
    desk.get_by_label("Texte de la note").fill(NOTE)

    # Meanwhile, the patient ends her access; she sends her note.
    seed_revocation(patient, doctor)
    desk.get_by_role("button", name="Ajouter au dossier").click()
    assert error_page(desk) == ENDED
    expect(desk.get_by_text("La note n'a pas été ajoutée au dossier.")).to_be_visible()
    expect(desk.get_by_label("Titre")).to_have_value(TITLE)
    expect(desk.get_by_label("Texte de la note")).to_have_value(NOTE)
    expect(desk.get_by_label("Texte de la note")).not_to_be_editable()  # to copy, not to send again
    expect(desk.get_by_role("button", name="Ajouter au dossier")).to_have_count(0)
    assert TITLE.split()[0] not in desk.url and "Toux" not in desk.url

    # Back: the form's page says the same, not "Page introuvable" (read on that page, not on the one before it).
    back(desk)
    assert error_page(desk) == ENDED
    expect(desk.get_by_text("Page introuvable")).to_have_count(0)

    # The timeline still on screen: its document's link says her access ended, as the dossier does.
    page_ready(timeline)
    timeline.get_by_role("link", name=re.compile("IRM du genou droit")).click()
    assert error_page(timeline) == ENDED
    expect(timeline.get_by_text("Document introuvable")).to_have_count(0)

