"""a copy read back keeps who added each document

A dossier's copy names who added each document and item that no professional wrote: the patient herself, or a
relative acting for her ("Paul Martin (proche)"). `carnet import dossier` dropped it: in the other installation,
those documents said nothing of where they came from, and every such item said "le patient", the relative's too.
No account of this installation is theirs, or none is known to be (an account is known by nothing from one
installation to another, and the patient's own may not exist yet): a document or an item read back now says that
the patient added it, or keeps the relative's name as the copy writes it (authors.py reads both).

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-06
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place (SQLite's ADD COLUMN too): the document table, its search triggers and its indexes stay as they are.
    for table in ('document', 'profileitem'):
        op.add_column(table, sa.Column('added_by_patient', sa.Boolean(), nullable=False, server_default=sa.false()))
        op.add_column(table, sa.Column('added_by_relative_name', sqlmodel.sql.sqltypes.AutoString(length=200),
                                       nullable=False, server_default=''))


def downgrade() -> None:
    for table in ('profileitem', 'document'):
        op.drop_column(table, 'added_by_relative_name')  # SQLite (3.35 on) drops a column in place
        op.drop_column(table, 'added_by_patient')
