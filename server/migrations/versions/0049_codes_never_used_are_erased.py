"""codes never used are erased

A share code no professional redeemed, an invitation no relative accepted, an activation code never used and a SMART
Health Link past its end were kept for ever, each with its secret, where GDPR art. 5.1.c and e ask for no more and no
longer than needed. The housekeeping now erases the unused codes some time after they ended, and a link's key and
passcode's hash (the whole link if it was never opened). Used codes stay, and so do opened links: these partial
indexes, of the unused codes and of the links that still hold a key, make each round cost what it removes, not a
read of every code ever used under the write lock.

Downgrade: the indexes go; the older code never asks them, and what was erased stays erased.

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-21
"""

import sqlalchemy as sa
from alembic import op


revision = '0049'
down_revision = '0048'
branch_labels = None
depends_on = None

UNUSED = sa.text('used_at IS NULL')
KEYED = sa.text('length(key) > 0')
INDEXES = (('ix_sharecode_unused_expiry', 'sharecode', UNUSED),
           ('ix_caregiverinvitation_unused_expiry', 'caregiverinvitation', UNUSED),
           ('ix_activationcode_unused_expiry', 'activationcode', UNUSED),
           ('ix_sharelink_keyed_expiry', 'sharelink', KEYED))


def upgrade() -> None:
    for name, table, where in INDEXES:
        op.create_index(name, table, ['expires_at'], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name, table, _where in INDEXES:
        op.drop_index(name, table_name=table)
