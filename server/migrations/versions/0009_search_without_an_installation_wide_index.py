"""PostgreSQL: the search's GIN index dropped; a search reads the dossier's rows through its own index

With the GIN index, PostgreSQL answered a search by AND-ing two bitmaps: the dossier's documents and
every matching document of the whole installation. At 1,000,000 documents a common word ("bilan")
matched 127,000 of them, and one search page took 63 ms (×0.03 of `/sante`, bench/RESULTS.md). Without
it, the dossier's rows are read through ix_document_newest and their stored tsvector checked: a cost
that depends on the dossier alone (1.8 ms for 5,000 documents), never on how many dossiers there are.
SQLite's search index asks for the dossier's matches alone since migration 0008.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_document_search_vector")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_document_search_vector ON document USING GIN (search_vector)")
