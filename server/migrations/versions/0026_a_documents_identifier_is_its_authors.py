"""a document's identifier is unique per author in a dossier, not per dossier

A pushed document's `master_identifier` was unique in its dossier, and the check that a push sends a document again
(same identifier: the same document, or a 409 for other bytes) read every document of the dossier. Software that
may write to a dossier learned from it that an identifier was there, and the document's id, for documents it may
not read: hidden by the patient, out of its grant, deleted. Hospitals' identifiers are often predictable (an OID and
a sequence number). Now the check reads the pushing professional's own documents alone, and the unique index is
(dossier, author, identifier): another professional sending the same identifier files a document of their own.

Downgrade: the index per dossier again; it fails if two authors of one dossier now share an identifier.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""

from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_document_master_identifier', table_name='document')
    op.create_index('ix_document_master_identifier', 'document',
                    ['dossier_id', 'author_professional_id', 'master_identifier'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_document_master_identifier', table_name='document')
    op.create_index('ix_document_master_identifier', 'document', ['dossier_id', 'master_identifier'], unique=True)
