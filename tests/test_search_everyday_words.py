"""A search in everyday words ("prise de sang", "lettre", "cœur") also finds the documents of the kind, or by the
author, they stand for (search.EVERYDAY), within what the reader sees; as any word, accents and case aside."""

from __future__ import annotations

from datetime import date

from server.access import grants
from server.accesslog.audit import Actor
from server.dossiers import add_document
from tests.conftest import activate, activate_professional, new_professional, post_form
from tests.patient_helpers import titles_in

PATIENT = Actor(None, "patient", "Le patient")


async def file_some(db, app, dossier) -> dict[str, object]:
    """Documents whose titles, texts and authors hold none of the everyday words searched; by title."""
    cardiologist = await new_professional(db, given_name="Paul", family_name="Lenoir", profession="cardiologue",
                                          stem=41)
    added = {}
    for title, category, author in (
        ("Numération formule du 3 mars", "biologie", None),
        ("Consultation du 5 mars", "compte_rendu", cardiologist.professional),
        ("Hospitalisation de mars", "compte_rendu", None),
        ("Examen du genou", "imagerie", None),
        ("Dr Petit, 6 mars", "ordonnance", None),
        ("DTP 2025", "vaccination", None),
        ("Relevé de février", "remboursement", None),
    ):
        added[title] = await add_document(db, app.state.storage, dossier=dossier, title=title, category=category,
                                          event_date=date(2025, 3, 12), filename="note.txt", mime_type="text/plain",
                                          data=f"Contenu : {title}".encode(), author=author)
    await db.commit()
    return added


FOUND = {
    "prise de sang": ["Numération formule du 3 mars"],
    "Prise de SANG": ["Numération formule du 3 mars"],
    "sang": ["Numération formule du 3 mars"],
    "prise": [],  # a word of the everyday words, alone, stands for nothing
    "lettre": ["Hospitalisation de mars", "Consultation du 5 mars"],
    "courrier": ["Hospitalisation de mars", "Consultation du 5 mars"],
    "coeur": ["Consultation du 5 mars"],
    "cœur": ["Consultation du 5 mars"],
    "CŒUR": ["Consultation du 5 mars"],
    "lettre du cœur": ["Consultation du 5 mars"],  # and every word still: "du" is in its title
    "lettre coeur": ["Consultation du 5 mars"],
    "radio": ["Examen du genou"],
    "IRM genou": ["Examen du genou"],
    "échographie": ["Examen du genou"],
    "médicaments": ["Dr Petit, 6 mars"],
    "vaccins": ["DTP 2025"],
    "sécu": ["Relevé de février"],
    # In English, as the English page's example asks (the dossier's own words are French).
    "ultrasound": ["Examen du genou"],
    "X-ray": ["Examen du genou"],
    "blood test": ["Numération formule du 3 mars"],
    "heart": ["Consultation du 5 mars"],
    "medication": ["Dr Petit, 6 mars"],
    "vaccine": ["DTP 2025"],
}


async def test_everyday_words_find_the_documents_of_the_kind_or_by_the_author_they_stand_for(client, db, app, patient):
    await file_some(db, app, patient.dossier)
    await activate(client, patient)
    found = {}
    for words in FOUND:
        page = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": words})
        assert page.status_code == 200
        found[words] = titles_in(page.text)
    assert found == FOUND


async def test_an_everyday_word_finds_nothing_the_reader_may_not_see(client, db, app, patient):
    added = await file_some(db, app, patient.dossier)
    added["Hospitalisation de mars"].hidden = True
    db.add(added["Hospitalisation de mars"])
    pro = await new_professional(db, given_name="Léa", family_name="Fontaine", stem=42)
    await grants.grant_access(db, dossier=patient.dossier, professional=pro.professional, categories="compte_rendu",
                              duration="sans", actor=PATIENT)
    await db.commit()
    await activate_professional(client, pro)
    found = {}
    for words in ("sang", "prise de sang", "lettre", "radio", "coeur"):
        page = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": words})
        assert page.status_code == 200
        found[words] = titles_in(page.text)
    # Out of her grant's categories (biology, imaging) or hidden by the patient: not found, by any word.
    assert found == {"sang": [], "prise de sang": [], "lettre": ["Consultation du 5 mars"], "radio": [],
                     "coeur": ["Consultation du 5 mars"]}
