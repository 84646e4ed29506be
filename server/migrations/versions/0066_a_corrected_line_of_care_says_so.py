"""a corrected line of care says so

The Assurance Maladie corrects a line of care by sending it again, processed later: Carnet replaced it in place, and
the Soins page showed the new amounts as if they had always been so (a probe's find). The line now keeps the day its
first version was processed (`corrected_from`, none for a line never corrected), and the page says it was corrected.
Lines corrected before say nothing of it.

Downgrade: the column goes; a corrected line reads as any other.

Revision ID: 0066
Revises: 0065
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op


revision = '0066'
down_revision = '0065'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('reimbursementline', sa.Column('corrected_from', sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column('reimbursementline', 'corrected_from')  # SQLite (3.35 on) drops a column in place
