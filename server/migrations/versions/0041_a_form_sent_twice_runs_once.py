"""a form sent twice runs once

One tap made two records: Chromium sends a POST again by itself when the connection drops after the server answered
(an outside probe saw two POSTs 60 ms apart: two identical allergies, documents, grants), and a person taps again
after "Pas de connexion". Each rendered form now carries a one-time id, and a session's submission that succeeded
is kept here with its redirect (submissions.py), which the same form sent again gets without a second run.

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-06
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'formsubmission',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_formsubmission_created_at', 'formsubmission', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_formsubmission_created_at', table_name='formsubmission')
    op.drop_table('formsubmission')
