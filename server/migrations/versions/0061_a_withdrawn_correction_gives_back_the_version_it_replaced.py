"""a withdrawn correction gives back the version it replaced

An outside probe (a laboratory's software) sent a corrected result (relatesTo "replaces"), then withdrew the
correction (entered-in-error): the result it replaced stayed superseded, out of the patient's timeline and search,
and could be corrected no more. A correction withdrawn while the latest now gives back the version it replaced,
current again (server/professionals/withdrawal.give_back). The versions left superseded by such a correction alone
are given back here; one given back that was withdrawn itself gives back the one before it, in turn (the rounds).

Downgrade: nothing to undo; the versions given back stay current, as they would have been.

Revision ID: 0061
Revises: 0060
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op


revision = '0061'
down_revision = '0060'
branch_labels = None
depends_on = None

MAX_VERSIONS = 50  # server/access/hiding.py: a chain of versions is followed back no further
# Superseded, with no later version that replaces it now: only corrections withdrawn while the latest name it.
GIVE_BACK = sa.text(
    "UPDATE document SET superseded_at = NULL WHERE superseded_at IS NOT NULL AND deleted_at IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM document AS later WHERE later.replaces_id = document.id "
    "AND (later.withdrawn_at IS NULL OR later.superseded_at IS NOT NULL))")


def upgrade() -> None:
    connection = op.get_bind()
    for _ in range(MAX_VERSIONS):
        if not connection.execute(GIVE_BACK).rowcount:
            break


def downgrade() -> None:
    pass
