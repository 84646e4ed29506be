"""A category a professional's access does not cover, chosen in the timeline's filter (an address kept from before the
patient narrowed the access, or typed): it said "Aucun document · Biologie — Aucun document ne correspond." while the
dossier held lab results she may not read (an outside probe's find). The timeline says that the category is not
shared with her, as the profile says of a section, in the same words whether it holds documents or not; what she
added to it herself, she reads, and is told that it is all she sees of it."""

from __future__ import annotations

import html
import re

from server.access import grants
from server.dossiers import add_document
from tests.conftest import activate_professional, add_text_document, new_professional, post_form
from tests.test_professional_documents import PATIENT

COUNT = re.compile(r'<p class="small muted dots" id="timeline-count">(.*?)</p>', re.S)
EMPTY = re.compile(r'<p class="empty">(.*?)</p>', re.S)


def said(page: str, pattern: re.Pattern) -> str:
    found = pattern.search(page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()) if found else ""


async def test_a_category_outside_her_access_is_said_not_shared_whether_it_holds_documents_or_not(
        app, db, patient, pro_client):
    lea = await new_professional(db, given_name="Léa", family_name="Fontaine", feminine=True)
    await grants.grant_access(db, dossier=patient.dossier, professional=lea.professional, categories="compte_rendu",
                              duration="sans", actor=PATIENT)
    await add_text_document(db, app, patient.dossier, title="Bilan lipidique", category="biologie")
    await add_text_document(db, app, patient.dossier, title="Compte rendu de kinésithérapie")
    await activate_professional(pro_client, lea)
    base = f"/dossiers/{patient.dossier.id}"

    held = (await pro_client.get(f"{base}?categorie=biologie")).text  # it holds a lab result
    none = (await pro_client.get(f"{base}?categorie=imagerie")).text  # it holds nothing
    assert said(held, COUNT) == "Catégorie non partagée avec vous · Biologie"
    assert said(held, EMPTY) == "Catégorie non partagée avec vous. Tout afficher"
    assert "Bilan lipidique" not in held and "Aucun document" not in html.unescape(held)
    # No oracle: the same words, but for the category's name.
    assert said(none, COUNT) == "Catégorie non partagée avec vous · Imagerie"
    assert said(none, EMPTY) == said(held, EMPTY)
    # Chosen in the filter (htmx), the results say it too; a category she reads is as before.
    found = await post_form(pro_client, f"{base}/recherche", {"categorie": "biologie"},
                            headers={"HX-Request": "true", "HX-Target": "timeline-results"})
    assert said(found.text, EMPTY) == "Catégorie non partagée avec vous. Tout afficher"
    shared = (await pro_client.get(f"{base}?categorie=compte_rendu")).text
    assert "Compte rendu de kinésithérapie" in shared and "non partagée" not in shared

    # What she added to a category she does not read is hers to read: listed, and said to be all she sees of it.
    await add_document(db, app.state.storage, dossier=patient.dossier, title="Bilan articulaire", category="biologie",
                       event_date=patient.birth_date.replace(year=2025), filename="bilan.txt",
                       mime_type="text/plain", data=b"Bilan", author=lea.professional)
    mine = html.unescape((await pro_client.get(f"{base}?categorie=biologie")).text)
    assert "Bilan articulaire" in mine and "Bilan lipidique" not in mine
    assert said(mine, COUNT) == "1 document · Biologie"
    assert "Catégorie non partagée avec vous : seuls les documents que vous avez ajoutés sont affichés." in mine
