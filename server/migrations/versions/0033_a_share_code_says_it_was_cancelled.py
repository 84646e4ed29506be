"""a share code says it was cancelled

A code the patient took back ended at once, as an expired one does: its page then said "Code expiré", which the
patient had not seen happen. The row now keeps when it was cancelled. A code cancelled before ended before its ten
minutes (`access/share_codes.py`'s lifetime then and now): those are marked from that.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05
"""

from datetime import timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

LIFETIME = timedelta(minutes=10)  # a share code's, fixed here as it was when these rows were written
MARGIN = timedelta(seconds=1)  # created_at and expires_at were two clock readings, microseconds apart


def upgrade() -> None:
    moment = sqlmodel.sql.sqltypes.UTCDateTime  # aware, in UTC, on both engines
    op.add_column('sharecode', sa.Column('cancelled_at', moment(), nullable=True))
    code = sa.table('sharecode', sa.column('id'), *(sa.column(name, moment()) for name in (
        'used_at', 'created_at', 'expires_at', 'cancelled_at')))
    bind = op.get_bind()
    # Codes live ten minutes and are few a dossier; the unused ones alone are read.
    rows = [{'row_id': row.id, 'at': row.expires_at}
            for row in bind.execute(sa.select(code).where(code.c.used_at.is_(None)))
            if row.expires_at < row.created_at + LIFETIME - MARGIN]
    if rows:
        bind.execute(code.update().where(code.c.id == sa.bindparam('row_id')).values(cancelled_at=sa.bindparam('at')),
                     rows)


def downgrade() -> None:
    op.drop_column('sharecode', 'cancelled_at')  # SQLite (3.35 on) drops a column in place
