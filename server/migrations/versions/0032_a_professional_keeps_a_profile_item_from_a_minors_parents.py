"""a professional keeps a profile item from a minor's parents, as a document

A professional could keep a document from a minor's parents (CSP L1111-5), not an item of the profil médical: a
contraceptive they declared as a treatment was on the parents' profile page unless they had also filed a kept
document. An item now carries the same flag (profile/seen.py reads it as the rule reads a document's).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('profileitem', sa.Column('hidden_from_representatives', sa.Boolean(), nullable=False,
                                           server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('profileitem', 'hidden_from_representatives')  # SQLite (3.35 on) drops a column in place
