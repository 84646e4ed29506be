"""a device is notified while its passkey lasts

A phone lost, its passkey removed (or every other device logged out by a recovery, a new activation code or
"Déconnecter les autres appareils"), still got every push: "Accès d'urgence à votre dossier" went on showing on its
lock screen. A subscription now names the passkey the session that made it was opened with, and goes with it
(notifications/devices.forget). The rows made before cannot say which key made them: they stay until a recovery or
an activation, which ends every device but the new one, removes them.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-05
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pushsubscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('passkey_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_foreign_key('fk_pushsubscription_passkey_id', 'passkey', ['passkey_id'], ['id'])
        batch_op.create_index('ix_pushsubscription_passkey_id', ['passkey_id'])


def downgrade() -> None:
    with op.batch_alter_table('pushsubscription', schema=None) as batch_op:
        batch_op.drop_index('ix_pushsubscription_passkey_id')
        batch_op.drop_constraint('fk_pushsubscription_passkey_id', type_='foreignkey')
        batch_op.drop_column('passkey_id')
