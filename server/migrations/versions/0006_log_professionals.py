"""the professionals who appear in each dossier's log, kept as events arrive

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('logprofessional',
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ),
    sa.PrimaryKeyConstraint('dossier_id', 'key')
    )
    # Those already in the logs: each one's latest name and profession (the log is read once, here).
    connection = op.get_bind()
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    rows = connection.execute(sa.text(
        "SELECT dossier_id, actor_rpps, actor_account_id, actor_name, actor_profession, seq FROM accessevent "
        "WHERE actor_kind = 'professional'"))
    for dossier_id, rpps, account_id, name, profession, seq in rows:
        key = rpps or account_id or ""
        if key and ((dossier_id, key) not in latest or seq > latest[(dossier_id, key)][0]):
            latest[(dossier_id, key)] = (seq, f"{name}, {profession}" if profession else name)
    for (dossier_id, key), (seq, label) in latest.items():
        connection.execute(sa.text("INSERT INTO logprofessional (dossier_id, key, label, last_seq) "
                                   "VALUES (:d, :k, :l, :s)"), {"d": dossier_id, "k": key, "l": label, "s": seq})


def downgrade() -> None:
    op.drop_table('logprofessional')
