"""a pregnancy says its expected delivery date

A pregnancy was a current problem typed in words ("Grossesse en cours (16 SA)"), which nothing read: the vaccinations
due offered a live vaccine's catch-up to a pregnant woman, and the summary (IPS) had no pregnancy section (an outside
probe's find). A pregnancy is now an item of its own kind (profile/kinds.py), current until its end is noted
(ProfileItem.ended_on), with its date prévue d'accouchement (ProfileItem.expected_on), from which the weeks of
amenorrhoea are counted (profile/pregnancy.py). The conditions already typed stay as they were: nothing guesses a
pregnancy from words.

Downgrade: the former code knows no pregnancy; each becomes what it was typed as before, a condition named
"Grossesse" (current, or past once over) whose name keeps its expected date, and the column goes.

Revision ID: 0057
Revises: 0056
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op


revision = '0057'
down_revision = '0056'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('profileitem', sa.Column('expected_on', sa.Date(), nullable=True))


def downgrade() -> None:
    op.execute("UPDATE profileitem SET label = CASE WHEN expected_on IS NULL THEN 'Grossesse' "
               "ELSE 'Grossesse (terme prévu le ' || CAST(expected_on AS VARCHAR(10)) || ')' END "
               "WHERE kind = 'pregnancy' AND deleted_at IS NULL")
    op.execute("UPDATE profileitem SET kind = 'condition', "
               "nature = CASE WHEN ended_on IS NULL THEN 'current' ELSE 'past' END WHERE kind = 'pregnancy'")
    op.drop_column('profileitem', 'expected_on')  # SQLite (3.35 on) drops a column in place
