"""a line of care the insurer cancels is deleted, and remembered

A line the insurer sent by mistake could never be removed: negative amounts are refused, a line never changes
patient, and a "cancellation" with zero amounts stayed on the patient's Soins page and in her copy. The feed's
layout now has an `annulation` column (server/reimbursements/layout.py): the line is deleted, and this table keeps
its id, INS, latest date of care and date of processing, so that an earlier version sent again does not bring it
back. A correction that moves care out of the 24 months Carnet keeps deletes the earlier version the same way.

Downgrade: the table goes; lines cancelled stay deleted.

Revision ID: 0055
Revises: 0054
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0055'
down_revision = '0054'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'retractedline',
        sa.Column('line_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('ins', sqlmodel.sql.sqltypes.AutoString(length=15), nullable=False),
        sa.Column('care_date', sa.Date(), nullable=False),
        sa.Column('processed_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('line_ref'),
    )
    op.create_index('ix_retractedline_care_date', 'retractedline', ['care_date'])


def downgrade() -> None:
    op.drop_index('ix_retractedline_care_date', table_name='retractedline')
    op.drop_table('retractedline')
