"""a professional finds the profile lines they declared

Once their access to a dossier ends, a professional keeps reading, and may withdraw as entered in error, what they
declared in its profil médical, as they keep their documents (access/rule.py: an author's right). "Mes patients"
found those dossiers by the professional's documents alone (0034): one where they declared a treatment and filed no
document was not listed, and the line stayed out of their reach. The dossiers are now found by their lines as well,
through this index: the professional's own lines, never every line of the site.

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-06
"""

from alembic import op


revision = '0053'
down_revision = '0052'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_profileitem_author', 'profileitem', ['author_professional_id', 'deleted_at', 'dossier_id'])


def downgrade() -> None:
    op.drop_index('ix_profileitem_author', table_name='profileitem')
