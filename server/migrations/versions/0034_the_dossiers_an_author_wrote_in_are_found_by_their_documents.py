"""the dossiers an author wrote in are found by their documents

"Mes patients" lists the dossiers where a professional reads only the documents they added. It looked for them among
the dossiers where they once held a grant or an emergency access: a médecin traitant replaced since, who wrote
under no grant, kept reading what they wrote there without finding the dossier. The authorship that gives the right
now finds the dossier, through this index: the professional's own documents, never every document of the site.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05
"""

from alembic import op


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_document_author', 'document', ['author_professional_id', 'deleted_at', 'dossier_id'])


def downgrade() -> None:
    op.drop_index('ix_document_author', table_name='document')
