"""a professional sees what is new since her last visit

A GP who opened a patient's dossier could not tell what had been added since her last visit: the timeline is in the
order of the documents' dates (a report of January filed today sat on page five), and "Mes patients" said nothing.
Each professional's latest opening of each dossier is now kept (`timelinevisit`), and the documents added to a
dossier since a moment are one range of a new index, with what the rule reads of each (professionals/visits.py).

The openings already in the logs are read once, here: each professional's latest read of the timeline (keyed by
their account's professional). The log does not tell a read by their software through the API from one on the web;
both count as an opening here, once.

Revision ID: 0058
Revises: 0057
Create Date: 2026-12-07
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0058'
down_revision = '0057'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'timelinevisit',
        sa.Column('professional_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('new_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id']),
        sa.ForeignKeyConstraint(['professional_id'], ['professional.id']),
        sa.PrimaryKeyConstraint('professional_id', 'dossier_id'),
    )
    op.create_index('ix_document_added', 'document', ['dossier_id', 'created_at', 'id', 'deleted_at', 'superseded_at',
                                                      'hidden', 'hidden_from_representatives',
                                                      'author_professional_id', 'category'])
    op.execute(
        "INSERT INTO timelinevisit (professional_id, dossier_id, opened_at, new_since)"
        " SELECT account.professional_id, accessevent.dossier_id, max(accessevent.at), max(accessevent.at)"
        " FROM accessevent JOIN account ON account.id = accessevent.actor_account_id"
        " WHERE accessevent.actor_kind = 'professional' AND accessevent.action IN ('read_timeline', 'search')"
        " AND account.professional_id IS NOT NULL GROUP BY account.professional_id, accessevent.dossier_id")


def downgrade() -> None:
    op.drop_index('ix_document_added', table_name='document')
    op.drop_table('timelinevisit')
