"""reimbursed care is kept while it is shown

Carnet shows 24 months of reimbursed care (the Soins page, "Masqués", the copy of the dossier), yet kept every line
the insurer sent, an older one in a dossier (where no one could see, hide or export it) or waiting with no dossier,
for ever (an outside DPO audit's find). The import now leaves such care out, and the housekeeping purges the lines
that age past it (server/reimbursements/retention.py) every few minutes: this index on the date of care makes each
round cost what it removes, not a read of the whole table under the write lock.

Downgrade: the index goes; the older code never asks it.

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-06
"""

from alembic import op


revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_reimbursementline_care_date', 'reimbursementline', ['care_date'])


def downgrade() -> None:
    op.drop_index('ix_reimbursementline_care_date', table_name='reimbursementline')
