"""each reader of a dossier marks its banner seen for themselves

"Vu" on the banner ("2 nouveaux accès au dossier") set `notification.seen_at`: one mark for the
dossier, so a caregiver who pressed it cleared the banner of the patient too, and a relative who had
just joined saw what the patient had not dismissed yet. Now each account keeps how far it has seen
(`bannerseen`, the newest notification's event id), and a reader's unseen notifications are the
range of the dossier's notifications after it: `notification` by (dossier, event_id).

Those who read a dossier now (its patient's account, its caregivers) start from where the dossier's
mark was: up to the newest notification before the first one nobody had seen, so that nothing unseen
becomes seen.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bannerseen',
    sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ),
    sa.PrimaryKeyConstraint('account_id', 'dossier_id')
    )
    op.execute(
        "INSERT INTO bannerseen (account_id, dossier_id, event_id, seen_at)"
        " SELECT readers.account_id, marks.dossier_id, marks.event_id, marks.seen_at FROM ("
        "  SELECT seen.dossier_id, max(seen.event_id) AS event_id, max(seen.seen_at) AS seen_at"
        "  FROM notification AS seen WHERE seen.seen_at IS NOT NULL AND NOT EXISTS ("
        "   SELECT 1 FROM notification AS unseen WHERE unseen.dossier_id = seen.dossier_id"
        "   AND unseen.seen_at IS NULL AND unseen.event_id < seen.event_id)"
        "  GROUP BY seen.dossier_id) AS marks"
        " JOIN ("
        "  SELECT account.id AS account_id, dossier.id AS dossier_id FROM account"
        "  JOIN dossier ON dossier.patient_id = account.patient_id"
        "  UNION SELECT caregiver_account_id, dossier_id FROM delegation) AS readers"
        " ON readers.dossier_id = marks.dossier_id")
    op.drop_index('ix_notification_unseen', table_name='notification')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('seen_at')
    op.create_index('ix_notification_dossier_event', 'notification', ['dossier_id', 'event_id'])


def downgrade() -> None:
    op.drop_index('ix_notification_dossier_event', table_name='notification')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Back to one mark a dossier: what its patient's account had seen.
    op.execute(
        "UPDATE notification SET seen_at = (SELECT bannerseen.seen_at FROM bannerseen"
        " JOIN account ON account.id = bannerseen.account_id JOIN dossier ON dossier.patient_id = account.patient_id"
        " WHERE dossier.id = notification.dossier_id AND bannerseen.dossier_id = dossier.id"
        " AND bannerseen.event_id >= notification.event_id)")
    op.create_index('ix_notification_unseen', 'notification', ['dossier_id', 'seen_at', 'event_id'])
    op.drop_table('bannerseen')
