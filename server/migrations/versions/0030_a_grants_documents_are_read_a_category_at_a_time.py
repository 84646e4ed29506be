"""a grant's documents are read a category at a time, and the author's own beside them

A professional with a grant for some categories saw a page asked as one condition (their categories, or their own
documents): SQLite walked the dossier's whole index to fill it, and its capped count with it, a cost that grew with
the dossier and most for a rare category. The page is now asked a range at a time (listing._ranges): each
category's, and the author's own documents in no other category. This index gives the author's range what the rule
reads of each document (its category, whether it is hidden): on SQLite the range's count then reads no row, and
never the dossier's index instead. (PostgreSQL reads an author's few rows through the index it prefers.) The page and its count (the sqlite3 connection, bench seed, 5,000 documents): see bench/RESULTS.md,
"A reader of some categories".

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05
"""

from alembic import op


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

BEFORE = ['dossier_id', 'author_professional_id', 'event_date', 'created_at', 'id', 'deleted_at',
          'hidden_from_representatives']


def upgrade() -> None:
    op.drop_index('ix_document_author_newest', table_name='document')
    op.create_index('ix_document_author_newest', 'document', [*BEFORE, 'category', 'hidden'])


def downgrade() -> None:
    op.drop_index('ix_document_author_newest', table_name='document')
    op.create_index('ix_document_author_newest', 'document', BEFORE)
