"""a newer notice replaces an older one

A relative made a reader, then a manager again, was still told "… vous laisse désormais lire son dossier, sans le
gérer" above "Proche aidant, gestion" (an outside probe's find): a notice did not say which dossier it was about, and
nothing newer could replace it. A notice now keeps its dossier (`accountnotice.dossier_id`); a newer one of the same
subject, or the change that makes it untrue, replaces it (server/caregivers/notices.py). One written before says no
dossier: it stays until it is read.

Downgrade: the column goes; the notices keep what they say.

Revision ID: 0056
Revises: 0055
Create Date: 2026-12-22
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0056'
down_revision = '0055'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('accountnotice', sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    op.drop_column('accountnotice', 'dossier_id')  # SQLite (3.35 on) drops a column in place
