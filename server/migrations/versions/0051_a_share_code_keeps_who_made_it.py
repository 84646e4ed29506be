"""a share code keeps who made it

A parent's share code opened the dossier after the child's 18th birthday, when the parent no longer could (an
outside probe's find): a code kept only that a representative made it, not which account. It now keeps its maker,
and a relative's or a parent's code opens only while that account may still give it (access/share_codes.py). A
code made before cannot say whose it was: one of a relative or a parent is refused, as an expired one is (codes
live ten minutes: a patient at the desk during the upgrade shows a new one).

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-21
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0051'
down_revision = '0050'
branch_labels = None
depends_on = None


FOREIGN_KEY = 'fk_sharecode_made_by_account_id'


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # In place: SQLite's ADD COLUMN takes a REFERENCES clause; a batch copy would drop the table grants point at.
        op.execute('ALTER TABLE sharecode ADD COLUMN made_by_account_id VARCHAR REFERENCES account (id)')
        return
    op.add_column('sharecode', sa.Column('made_by_account_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_foreign_key(FOREIGN_KEY, 'sharecode', 'account', ['made_by_account_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(FOREIGN_KEY, 'sharecode', type_='foreignkey')
    op.drop_column('sharecode', 'made_by_account_id')  # SQLite (3.35 on) drops a column in place, its REFERENCES too
