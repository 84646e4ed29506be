"""a profession is written in the person's form

A professional's profession was written in the masculine whatever the person: "Claire Bernard, infirmier" on her
patients' Accès pages and in their Historique. It keeps its code (the rule, the directory, the filters go by it),
and says how it is written for this person (Professional.profession_feminine: "infirmière"; dossiers.PROFESSIONS).
Nothing says which form a registered professional uses: each keeps the masculine, as shown until now, until the
registration desk sets hers (`carnet professional form`). The log keeps each event's words as they were written.

Downgrade: every profession is written in the masculine again.

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-21
"""

import sqlalchemy as sa
from alembic import op


revision = '0048'
down_revision = '0047'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('professional', sa.Column('profession_feminine', sa.Boolean(), nullable=False,
                                            server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('professional', 'profession_feminine')  # SQLite (3.35 on) drops a column in place
