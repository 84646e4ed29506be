"""a médecin traitant replaced or removed is found by their key

A professional whose access to a dossier ended is told so on its pages, and "Mes patients" lists the dossiers where
it ended lately. A médecin traitant the patient replaced or removed held the dossier as a grant's professional did,
but no row of theirs says so: the log does, its "medecin_traitant" events about them (`logsubject`, keyed by their
RPPS). A dossier's page finds them through its primary key (dossier, key); "Mes patients", which asks for every
dossier of one professional, through this index, never every row of the site.

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-21
"""

from alembic import op


revision = '0050'
down_revision = '0049'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_logsubject_key', 'logsubject', ['key', 'dossier_id', 'seq'])


def downgrade() -> None:
    op.drop_index('ix_logsubject_key', table_name='logsubject')
