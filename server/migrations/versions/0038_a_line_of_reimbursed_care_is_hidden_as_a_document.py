"""a line of reimbursed care is hidden from professionals as a document is

A patient could hide a document or an item of the profil médical from professionals, never a line of her reimbursed
care: the psychiatric consultation she hid as a document was still on the Soins page of every professional whose
access covers the `remboursement` category. A line now carries the same flag (facts.care_line_facts gives it to the
rule as a document's).

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op


revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('reimbursementline', sa.Column('hidden', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('reimbursementline', 'hidden')  # SQLite (3.35 on) drops a column in place
