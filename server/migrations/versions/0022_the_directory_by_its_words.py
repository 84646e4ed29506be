"""the professionals' directory is searched by its words, accents and case ignored

A patient looking for a professional typed "lefevre" and did not find Lefèvre: names were compared
with ILIKE, which ignores neither accents (both engines) nor the case of an accented capital (SQLite
lowers ASCII only); and each search compared every professional of the installation, four columns
each. Now each professional's words (names, city, profession in either gender, folded; RPPS) are rows
of `professionalword`, and each word asked is a range of its primary key.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

import re
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

WORD = re.compile(r"[0-9a-z]+")
# As server/dossiers.py lists them (copied, not imported: a migration must not change when the app does).
PROFESSIONS = {
    "médecin": ("médecin", "médecin"),
    "masseur-kinésithérapeute": ("masseur-kinésithérapeute", "masseuse-kinésithérapeute"),
    "infirmier": ("infirmier", "infirmière"),
    "pharmacien": ("pharmacien", "pharmacienne"),
    "sage-femme": ("sage-femme", "sage-femme"),
    "chirurgien-dentiste": ("chirurgien-dentiste", "chirurgienne-dentiste"),
    "cardiologue": ("cardiologue", "cardiologue"),
    "radiologue": ("radiologue", "radiologue"),
}


def words(rpps: str, given_name: str, family_name: str, profession: str, city: str) -> set[str]:
    # As server/dossiers.py's directory_words, with server/search.py's folding.
    text = " ".join((family_name, given_name, city, *PROFESSIONS.get(profession, (profession,))))
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    found = {rpps, *WORD.findall("".join(ch for ch in decomposed if not unicodedata.combining(ch)))}
    return {word[:100] for word in found}  # the column's length; folding may lengthen a name ("ß" is "ss")


def upgrade() -> None:
    op.create_table(
        'professionalword',
        # Bytewise on PostgreSQL, whatever the database's collation: a search reads the range from a word to that
        # word followed by "{", which follows "z" in that order only.
        sa.Column('word', sa.String(length=100).with_variant(sa.String(length=100, collation='C'), 'postgresql'),
                  nullable=False),
        sa.Column('professional_id', sa.String(), nullable=False),
        sa.ForeignKeyConstraint(['professional_id'], ['professional.id']),
        sa.PrimaryKeyConstraint('word', 'professional_id'),
    )
    op.create_index('ix_professionalword_professional_id', 'professionalword', ['professional_id'])
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, rpps, given_name, family_name, profession, city FROM professional")).all()
    table = sa.table('professionalword', sa.column('word'), sa.column('professional_id'))
    for start in range(0, len(rows), 1000):
        batch = [{"word": word, "professional_id": row[0]} for row in rows[start:start + 1000]
                 for word in words(*row[1:])]
        if batch:
            connection.execute(table.insert(), batch)


def downgrade() -> None:
    op.drop_index('ix_professionalword_professional_id', table_name='professionalword')
    op.drop_table('professionalword')
