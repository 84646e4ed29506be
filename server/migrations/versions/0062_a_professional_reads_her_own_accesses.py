"""a professional reads her own accesses

A professional could not account for her own use of Carnet: every read of hers is in the patient's log, which only the
patient and her relatives read. "Mon activité" lists her own events across dossiers, newest first, a page at a time
(professionals/activity.py): one range of this index, by her account, in the order of the events' ids.

Revision ID: 0062
Revises: 0061
Create Date: 2026-12-06
"""

from alembic import op


revision = '0062'
down_revision = '0061'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_accessevent_actor', 'accessevent', ['actor_account_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_accessevent_actor', table_name='accessevent')
