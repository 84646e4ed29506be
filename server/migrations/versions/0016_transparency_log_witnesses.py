"""The transparency log's witnesses: their cosignatures of checkpoints, and what each last cosigned (server/tlog/store.py)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-09
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

TREE_INT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('tlogcosignature',
    sa.Column('size', TREE_INT, autoincrement=False, nullable=False),
    sa.Column('witness', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('key_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('timestamp', sa.BigInteger(), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['size'], ['tlogcheckpoint.size'], ),
    sa.PrimaryKeyConstraint('size', 'witness', 'key_id')
    )
    op.create_table('tlogwitness',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('size', TREE_INT, nullable=False),
    sa.Column('busy_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('tlogwitness')
    op.drop_table('tlogcosignature')
