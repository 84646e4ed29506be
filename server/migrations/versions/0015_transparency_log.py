"""The transparency log: its leaves, the nodes of its complete subtrees, its signed checkpoints (server/tlog/store.py)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TABLES = ('tlogleaf', 'tlognode', 'tlogcheckpoint')
TREE_INT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('tlogcheckpoint',
    sa.Column('size', TREE_INT, autoincrement=False, nullable=False),
    sa.Column('root', sa.LargeBinary(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('size')
    )
    op.create_table('tlognode',
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('node_index', TREE_INT, autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('level', 'node_index')
    )
    op.create_table('tlogleaf',
    sa.Column('leaf_index', TREE_INT, autoincrement=False, nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('salt', sa.LargeBinary(), nullable=False),
    sa.Column('hash', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['accessevent.id'], ),
    sa.PrimaryKeyConstraint('leaf_index'),
    sa.UniqueConstraint('event_id')
    )
    # Append-only in the database too, as the access log is (0002): the integrator only ever inserts.
    for table in TABLES:
        if op.get_context().dialect.name == "postgresql":
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION carnet_refuse_log_change()")
        else:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           "BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END")


def downgrade() -> None:
    op.drop_table('tlogleaf')  # its triggers go with it
    op.drop_table('tlognode')
    op.drop_table('tlogcheckpoint')
