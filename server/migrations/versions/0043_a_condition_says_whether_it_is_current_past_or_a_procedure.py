"""a condition says whether it is current, past, or a procedure

Every "antécédent" of the profil médical was one kind of item, sent in the summary (IPS) as an active Condition of
the problem list: an appendicectomy in 2020, a wisdom tooth pulled, an anaemia long corrected (an outside probe's
find). A condition now says which it is (ProfileItem.nature, profile/kinds.NATURES), as its form asks; the IPS
puts each in its own section. The conditions already declared become current problems, what the summary said of
them until now, but one noted as ended, which was over: the page shows each where it stands, and whoever manages
the dossier changes it there.

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-06
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('profileitem', sa.Column('nature', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                           server_default=''))
    op.execute("UPDATE profileitem SET nature = CASE WHEN ended_on IS NULL THEN 'current' ELSE 'past' END "
               "WHERE kind = 'condition'")


def downgrade() -> None:
    op.drop_column('profileitem', 'nature')  # SQLite (3.35 on) drops a column in place
