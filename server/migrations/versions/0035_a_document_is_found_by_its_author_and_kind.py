"""a document is found by its author, its kind and where it comes from

A search found a document by its title and its text only: "Roux" did not find the sage-femme Hélène Roux's
consultation, nor "imagerie" an echography filed as imaging, nor "laboratoire" the lab's results. A document's
words now start with what it is (server/dossiers.py, `found_by`): its kind in French and English, its author's
names and profession (in either gender and in English), its source; each word once. This migration puts the
same words before those of every document that is not deleted, a batch at a time; SQLite's triggers keep its
index and its list of words, PostgreSQL's stored tsvector follows its column.

Downgrade: nothing to undo. The older code searches the same column and finds the words it knew.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05
"""

import re
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None

BATCH = 1000
# As server/search.py folds and bounds (copied, not imported: a migration must not change when the app does).
MAX_TEXT = 100_000
WORD = re.compile(r"[^\W_]+")
LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ŀ": "l",
                         "þ": "th", "œ": "oe", "æ": "ae"})
# As server/models/base.py names the kinds, and the English catalogue translates them.
KINDS = {
    "compte_rendu": ("Compte rendu", "Report"),
    "ordonnance": ("Ordonnance", "Prescription"),
    "biologie": ("Biologie", "Lab results"),
    "imagerie": ("Imagerie", "Imaging"),
    "vaccination": ("Vaccination", "Vaccination"),
    "certificat": ("Certificat", "Certificate"),
    "synthese": ("Synthèse médicale", "Medical summary"),
    "remboursement": ("Remboursements", "Reimbursements"),
    "note_patient": ("Notes du patient", "Patient's notes"),
}
# As server/dossiers.py lists the professions (either gender), and the English catalogue translates them.
PROFESSIONS = {
    "médecin": ("médecin", "médecin", "doctor"),
    "masseur-kinésithérapeute": ("masseur-kinésithérapeute", "masseuse-kinésithérapeute", "physiotherapist"),
    "infirmier": ("infirmier", "infirmière", "nurse"),
    "pharmacien": ("pharmacien", "pharmacienne", "pharmacist"),
    "sage-femme": ("sage-femme", "sage-femme", "midwife"),
    "chirurgien-dentiste": ("chirurgien-dentiste", "chirurgienne-dentiste", "dentist"),
    "cardiologue": ("cardiologue", "cardiologue", "cardiologist"),
    "radiologue": ("radiologue", "radiologue", "radiologist"),
}


def words(value: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", value.casefold().translate(LETTERS))
    return WORD.findall("".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def found_by(category: str, source: str, given_name: str | None, family_name: str | None,
             profession: str | None) -> list[str]:
    about = [*KINDS.get(category, (category,)), source]
    if profession is not None:
        about += [given_name, family_name, *PROFESSIONS.get(profession, (profession,))]
    return list(dict.fromkeys(words(" ".join(about))))


def upgrade() -> None:
    connection = op.get_bind()
    query = sa.text(
        "SELECT document.id, document.search_text, document.category, document.source, professional.given_name, "
        "professional.family_name, professional.profession FROM document "
        "LEFT JOIN professional ON professional.id = document.author_professional_id "
        "WHERE document.id > :after AND document.deleted_at IS NULL ORDER BY document.id LIMIT :batch")
    after = ""
    while rows := connection.execute(query, {"after": after, "batch": BATCH}).all():
        changes = []
        for document_id, kept, *about in rows:
            text = " ".join([*found_by(*about), *kept.split()])[:MAX_TEXT].rstrip()
            changes.append({"id": document_id, "text": text})
        connection.execute(sa.text("UPDATE document SET search_text = :text WHERE id = :id"), changes)
        after = rows[-1][0]


def downgrade() -> None:
    pass
