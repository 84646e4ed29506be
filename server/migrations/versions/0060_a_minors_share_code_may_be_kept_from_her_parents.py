"""a minor's share code may be kept from her parents

A professional a minor consults alone (CSP L1111-5) could keep from her parents only what she wrote: her opening of
the dossier, minutes before, had already told them (the banner, a push, the Historique). The minor now asks it when
she makes the code: the professional who uses such a code leaves her parents no trace from the start
(caregivers/confidential.py).

Downgrade: the column goes; the codes it marked become ordinary ones, and a professional who used one shows to the
parents again, unless she kept something from them.

Revision ID: 0060
Revises: 0059
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op


revision = '0060'
down_revision = '0059'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sharecode', sa.Column('kept_from_representatives', sa.Boolean(), nullable=False,
                                         server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('sharecode', 'kept_from_representatives')  # SQLite (3.35 on) drops a column in place
