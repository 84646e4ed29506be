"""a link says who last opened it

The health links page said how many times a link was opened and when last, not by whom: the name its recipient
declared was in the Historique alone (a probe's find). The link now keeps the last one, as declared (the log keeps
each), and the page says it. Links opened before say what they said.

Downgrade: the column goes; the page says when, not by whom.

Revision ID: 0065
Revises: 0064
Create Date: 2026-12-07
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0065'
down_revision = '0064'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sharelink', sa.Column('last_fetched_by', sqlmodel.sql.sqltypes.AutoString(length=100),
                                         nullable=False, server_default=''))


def downgrade() -> None:
    op.drop_column('sharelink', 'last_fetched_by')  # SQLite (3.35 on) drops a column in place
