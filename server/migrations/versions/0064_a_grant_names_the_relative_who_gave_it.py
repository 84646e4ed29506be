"""a grant names the relative who gave it

A minor's access page said of a grant her parent gave "Par un parent.", whichever of her two parents it was; a
caregiver's, "Par un proche qui gère ce dossier." (a probe's find). The grant now keeps the name of the relative who
gave it, as the log keeps an actor's (a snapshot: `audit.Actor.name`), and the page says it. Grants given before say
what they said.

Downgrade: the column goes; every grant a relative gave says "Par un parent." or "Par un proche" again.

Revision ID: 0064
Revises: 0063
Create Date: 2026-12-07
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0064'
down_revision = '0063'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('grant', sa.Column('given_by_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
                                     server_default=''))


def downgrade() -> None:
    op.drop_column('grant', 'given_by_name')  # SQLite (3.35 on) drops a column in place
