"""a file's location opens once, and so may a link

A manifest's `location` (for a recipient that asked for short embedded files) served its file as often as it was
asked for, for its whole half hour; SMART Health Links says it "SHALL be short-lived and intended for single use". Each
address now carries a `jti`, kept here once fetched (shlinks/manifest.py): asked again, it answers as one that never
was. Housekeeping erases a row once its address would have ended anyway.

A link could open any number of times until it expired; its maker may now have it open once (`single_use`): after its
first manifest, it answers as a revoked one does (shlinks/links.py, "spent"). The links made before open as they did.

Downgrade: the table and the column go; addresses still alive (half an hour at most) may be fetched again until they
end, and a single-use link, opened or not, opens again until it expires.

Revision ID: 0063
Revises: 0062
Create Date: 2026-12-06
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0063'
down_revision = '0062'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('spentlocation',
    sa.Column('jti', sqlmodel.sql.sqltypes.AutoString(length=22), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('jti')
    )
    op.create_index(op.f('ix_spentlocation_expires_at'), 'spentlocation', ['expires_at'], unique=False)
    op.add_column('sharelink', sa.Column('single_use', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('sharelink', 'single_use')  # SQLite (3.35 on) drops a column in place
    op.drop_index(op.f('ix_spentlocation_expires_at'), table_name='spentlocation')
    op.drop_table('spentlocation')
