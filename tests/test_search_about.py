"""A search finds a document by what it is, besides its title and text: its author's names and profession, its kind,
where it comes from, in French and in English (dossiers.found_by); the documents added before migration 0035 too."""

from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import text

from server import search
from server.dossiers import add_document
from tests.conftest import activate, add_text_document, new_professional, post_form
from tests.patient_helpers import migrate, titles_in
from tests.test_search_words import words_indexed, words_listed


async def file_three(db, app, dossier):
    """A midwife's consultation, a lab's results, an imaging report of the patient's own."""
    midwife = await new_professional(db, given_name="Hélène", family_name="Roux", profession="sage-femme", stem=31)
    for title, category, author, source in (
        ("Consultation du 12 mars", "compte_rendu", midwife.professional, ""),
        ("Bilan sanguin", "biologie", None, "Laboratoire Biolab Nord"),
        ("Échographie du genou", "imagerie", None, ""),
    ):
        await add_document(db, app.state.storage, dossier=dossier, title=title, category=category,
                           event_date=date(2025, 3, 12), filename="note.txt", mime_type="text/plain",
                           data=f"Contenu : {title}".encode(), author=author, source=source)
    await add_text_document(db, app, dossier, title="Vieux compte rendu", category="compte_rendu")
    await db.commit()


FOUND = {
    "roux": ["Consultation du 12 mars"],
    "Hélène ROUX": ["Consultation du 12 mars"],
    "sage-femme": ["Consultation du 12 mars"],
    "midwife": ["Consultation du 12 mars"],
    "biolab": ["Bilan sanguin"],
    "laboratoire": ["Bilan sanguin"],
    "lab results": ["Bilan sanguin"],
    "imagerie": ["Échographie du genou"],
    "imaging": ["Échographie du genou"],
    # The title's words rank first: "compte rendu" in a title, then a report by its kind alone.
    "compte rendu": ["Vieux compte rendu", "Consultation du 12 mars"],
}


async def searched(client, dossier_id: str) -> dict[str, list[str]]:
    found = {}
    for words in FOUND:
        page = await post_form(client, f"/dossiers/{dossier_id}/recherche", {"q": words})
        assert page.status_code == 200
        found[words] = titles_in(page.text)
    return found


async def test_a_search_finds_a_document_by_its_author_its_kind_and_its_source(client, db, app, patient):
    await file_three(db, app, patient.dossier)
    await activate(client, patient)
    assert await searched(client, patient.dossier.id) == FOUND


async def test_documents_added_before_0035_are_found_by_what_they_are(client, db, app, patient):
    await file_three(db, app, patient.dossier)
    deleted = await add_text_document(db, app, patient.dossier, title="Supprimé")
    await db.exec(text("UPDATE document SET deleted_at = created_at, search_text = '' WHERE id = :id"),
                  params={"id": deleted.id})
    await db.commit()
    query = text("SELECT id, title, search_text FROM document WHERE dossier_id = :d ORDER BY id")
    stored_now = (await db.exec(query, params={"d": patient.dossier.id})).all()
    await db.commit()
    await activate(client, patient)  # with the code of now, on the tables of now (0037 changed the challenges')
    await migrate(app, command.downgrade, "0034")
    # What the code before 0035 stored: the title's words, then the text's.
    for document_id, title, kept in stored_now:
        await db.exec(text("UPDATE document SET search_text = :words WHERE id = :id"),
                      params={"id": document_id, "words": search.search_text(title, f"Contenu : {title}") if kept else ""})
    await db.commit()
    # Read in the table, not through a page: today's code reads columns added after 0034 (a document's version).
    stored_then = " ".join(row[0] for row in (await db.exec(text("SELECT search_text FROM document"))).all())
    await db.commit()
    assert "roux" not in stored_then and "imaging" not in stored_then
    await migrate(app, command.upgrade, "head")
    # The same words as a document added now, and a deleted document's none (nor its title, since 0044).
    assert (await db.exec(query, params={"d": patient.dossier.id})).all() == [
        (document_id, "" if document_id == deleted.id else title, kept) for document_id, title, kept in stored_now]
    await db.commit()
    assert await searched(client, patient.dossier.id) == FOUND
    if db.bind.dialect.name == "sqlite":
        assert await words_listed(db) == await words_indexed(db)
