"""a deleted document's files are erased even after a crash

A document's files were erased after the transaction that marked it deleted had committed: a crash in between
(an outside probe killed the server 5 to 60 ms after "Supprimer", 25 times) left readable PDFs on disk that only
`carnet files check --repair` removed. The keys to erase are now written in that transaction (`filerelease`), and
housekeeping erases what a crash left there.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-05
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'filerelease',
        sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('since', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('storage_key'),
    )


def downgrade() -> None:
    op.drop_table('filerelease')
