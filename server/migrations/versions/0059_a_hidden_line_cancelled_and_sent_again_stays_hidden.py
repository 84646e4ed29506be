"""a hidden line cancelled and sent again stays hidden

A line of care the patient hid from professionals, cancelled by the insurer (migration 0055), then sent again in a
version processed after the cancellation, came back shown to every professional whose access covers her care: the
cancellation deleted the row that held her choice, and the line was filed anew. The cancelled line now keeps it
(`retractedline.hidden`), and a version that brings the line back is filed hidden (server/reimbursements/importer.py).
The lines cancelled before keep none: nothing says whether they were hidden.

Downgrade: the column goes; a line cancelled while hidden comes back shown, as before.

Revision ID: 0059
Revises: 0058
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op


revision = '0059'
down_revision = '0058'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('retractedline', sa.Column('hidden', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('retractedline', 'hidden')  # SQLite (3.35 on) drops a column in place
