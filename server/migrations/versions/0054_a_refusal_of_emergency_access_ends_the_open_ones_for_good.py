"""a refusal of emergency access ends the open ones for good

A patient who refused emergency access, or closed her dossier, kept the emergency accesses open at that moment: the
rule refused them meanwhile, and her allowing it again, or reopening, gave them back the rest of their 24 hours, with
no new reason, event or notice. A refusal and a closing now end them as a block does
(access/emergencies.end_emergencies); the accesses still open on a dossier that refuses emergency access or is closed
end here, for the same reason.

Downgrade: nothing to undo; an access ended stays ended.

Revision ID: 0054
Revises: 0053
Create Date: 2026-12-06
"""

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0054'
down_revision = '0053'
branch_labels = None
depends_on = None


def upgrade() -> None:
    now = sa.bindparam("now", datetime.now(UTC), type_=sqlmodel.sql.sqltypes.UTCDateTime())
    op.get_bind().execute(sa.text(
        "UPDATE emergencyaccess SET ends_at = :now WHERE ends_at > :now "
        "AND dossier_id IN (SELECT id FROM dossier WHERE emergency_opt_out OR state = 'closed')"
    ).bindparams(now))


def downgrade() -> None:
    pass
