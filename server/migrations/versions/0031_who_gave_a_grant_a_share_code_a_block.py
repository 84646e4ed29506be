"""who gave a grant, made a share code or a block: the patient, a minor's legal representative or a caregiver

A minor's parent who granted access to, or blocked, a professional who had kept care from the parents (CSP L1111-5)
replaced the minor's own grant, or cut the professional off from what they had kept; and the parent's Accès page
then contradicted itself, which told them someone was kept. A representative's decision about such a professional
is now theirs alone (caregivers/confidential.py), which needs to know who made each grant and each block; and a
professional's banner can say who gave the access ("par la patiente" was said of a mother's grant). Rows made
before this migration say "": who made them is not known.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def _who() -> sa.Column:
    return sa.Column('given_by', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='')


def upgrade() -> None:
    op.add_column('grant', _who())
    op.add_column('sharecode', _who())
    op.add_column('block', sa.Column('blocked_by', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                     server_default=''))
    op.add_column('block', sa.Column('representatives_only', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    # SQLite (3.35 on) drops a column in place; a batch would copy `sharecode`, which `grant` refers to.
    op.drop_column('block', 'representatives_only')
    op.drop_column('block', 'blocked_by')
    op.drop_column('sharecode', 'given_by')
    op.drop_column('grant', 'given_by')
