"""documents by dossier and category, newest first: a category's page and count read that category alone

Filtering the timeline by a category went through the dossier's index and skipped the others' rows:
its count (capped at 1,000) read the whole dossier up to 50,000 rows, and the page fell from ×0.17 to
×0.12 of `/sante` between 131 and 50,000 documents (bench/RESULTS.md). This index starts at the category.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_document_category_newest', 'document',
                    ['dossier_id', 'category', 'event_date', 'created_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_document_category_newest', table_name='document')
