"""each professional of a dossier's log keeps the number of their first opening of it

Whether a professional's read is their first of the dossier (and so tells the patient) was asked of
the log itself: their latest earlier opening, walked back through the dossier's events from the
newest. A professional who had read the dossier lately was found at once; one who never had walked
the whole log back to its start, inside the chain's lock (54 ms at 100,000 events on SQLite, where
that lock is every writer's; bench/RESULTS.md, "A first opening"). Now `logprofessional`, which
the append already keeps for each professional of the log, says it in one row.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# audit.OPENINGS when this was written: what counts as opening a dossier.
OPENINGS = ("read_timeline", "search", "read_document", "download", "read_care", "read_profile", "shl_fetch",
            "emergency")


def upgrade() -> None:
    op.add_column('logprofessional', sa.Column('first_opened_seq', sa.Integer(), nullable=True))
    # Those already in the logs, the log read once, here (keyed as audit.log_key keys them).
    actions = ", ".join(f"'{action}'" for action in OPENINGS)
    op.execute(
        "UPDATE logprofessional SET first_opened_seq = firsts.seq FROM ("
        " SELECT dossier_id, COALESCE(NULLIF(actor_rpps, ''), actor_account_id) AS key, min(seq) AS seq"
        f" FROM accessevent WHERE actor_kind = 'professional' AND action IN ({actions}) GROUP BY 1, 2) AS firsts"
        " WHERE firsts.dossier_id = logprofessional.dossier_id AND firsts.key = logprofessional.key")


def downgrade() -> None:
    with op.batch_alter_table('logprofessional') as batch:
        batch.drop_column('first_opened_seq')
