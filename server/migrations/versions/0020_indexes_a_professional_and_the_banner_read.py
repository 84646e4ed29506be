"""indexes for what a professional's pages and the patient's banner ask, so that neither grows with the site

- `dossier.medecin_traitant_id`: "Mes patients" asks for the dossiers of which a professional is the
  médecin traitant; without an index, every dossier of the installation was read, on every visit of
  the page a professional lands on.
- `grant`, `block`, `emergencyaccess` by (dossier, professional) instead of by dossier: a professional's
  standing in a dossier (every read of theirs) is one range of each; SQLite, which keeps no statistics
  here, chose the professional's index and read every grant they ever had (3 ms for 10,000).
- `notification` by (dossier, seen_at, event_id) instead of by dossier: the banner's unseen
  notifications, newest first, are one range in order; before, every notification the dossier ever
  had was read to test `seen_at`, then sorted.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

STANDINGS = ('grant', 'block', 'emergencyaccess')


def upgrade() -> None:
    op.create_index('ix_dossier_medecin_traitant_id', 'dossier', ['medecin_traitant_id'])
    for table in STANDINGS:
        op.create_index(f'ix_{table}_dossier_professional', table, ['dossier_id', 'professional_id'])
        op.drop_index(f'ix_{table}_dossier_id', table_name=table)
    op.create_index('ix_notification_unseen', 'notification', ['dossier_id', 'seen_at', 'event_id'])
    op.drop_index('ix_notification_dossier_id', table_name='notification')


def downgrade() -> None:
    op.create_index('ix_notification_dossier_id', 'notification', ['dossier_id'])
    op.drop_index('ix_notification_unseen', table_name='notification')
    for table in STANDINGS:
        op.create_index(f'ix_{table}_dossier_id', table, ['dossier_id'])
        op.drop_index(f'ix_{table}_dossier_professional', table_name=table)
    op.drop_index('ix_dossier_medecin_traitant_id', table_name='dossier')
