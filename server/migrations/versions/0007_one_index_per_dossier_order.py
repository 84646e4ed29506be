"""the log's and the documents' dossier_id indexes dropped: their composite indexes start with it

Every query of either table names one dossier and reads it in one order: the log by (dossier_id,
seq), the documents by (dossier_id, event_date, created_at, id). Those composite indexes answer
"this dossier's rows" too, so the single-column indexes only cost space and a write per row
(on PostgreSQL at 10 million events, the log's indexes went from 1,341 to 1,244 MB: bench/RESULTS.md).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_accessevent_dossier_id', table_name='accessevent')
    op.drop_index('ix_document_dossier_id', table_name='document')


def downgrade() -> None:
    op.create_index('ix_document_dossier_id', 'document', ['dossier_id'], unique=False)
    op.create_index('ix_accessevent_dossier_id', 'accessevent', ['dossier_id'], unique=False)
