"""a withdrawn document is erased, and a corrected version replaces the one before

An outside probe (a hospital's records office) sent a discharge report to a namesake and withdrew it at once
(entered-in-error): the wrong patient still read its title, its text and its file, and her copy held it. Withdrawn
now means "not in this dossier": its row is emptied as a deletion's (dossiers.erase_document), its files released,
its words forgotten; the patient keeps a line without its title. The documents withdrawn before are erased here, the
news of their arrival taken off the banner, and their files written down for housekeeping to release (files/blobs.py:
a file another live row holds stays).

A version sent with relatesTo "replaces" points to the one it replaces (`replaces_id`), which is then superseded
(`superseded_at`): the timeline leaves it out, so its indexes carry that column, for a count to read no row.

Going down drops the columns and puts the indexes back; what was erased does not come back.

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-06
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0052'
down_revision = '0051'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_document_newest': ['dossier_id', 'event_date', 'created_at', 'id', 'deleted_at', 'hidden',
                           'hidden_from_representatives', 'author_professional_id', 'category'],
    'ix_document_category_newest': ['dossier_id', 'category', 'event_date', 'created_at', 'id', 'deleted_at', 'hidden',
                                    'hidden_from_representatives', 'author_professional_id'],
    'ix_document_author_newest': ['dossier_id', 'author_professional_id', 'event_date', 'created_at', 'id',
                                  'deleted_at', 'hidden_from_representatives', 'category', 'hidden'],
}
WITHDRAWN = "SELECT id FROM document WHERE withdrawn_at IS NOT NULL AND deleted_at IS NULL"


def upgrade() -> None:
    op.add_column('document', sa.Column('replaces_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    op.add_column('document', sa.Column('superseded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_index('ix_document_replaces_id', 'document', ['replaces_id'])
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name='document')
        op.create_index(name, 'document', [*columns, 'superseded_at'])
    _erase_withdrawn()


def _erase_withdrawn() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Its files, written down to release: housekeeping's next round erases those no live row holds (a minute old).
    since = sa.bindparam("since", datetime.now(UTC) - timedelta(hours=1), type_=sqlmodel.sql.sqltypes.UTCDateTime())
    op.get_bind().execute(sa.text(
        "INSERT INTO filerelease (storage_key, since) SELECT DISTINCT held.storage_key, :since FROM ("
        f"SELECT storage_key FROM document WHERE id IN ({WITHDRAWN}) UNION "
        f"SELECT storage_key FROM documentpage WHERE document_id IN ({WITHDRAWN})) AS held "
        "WHERE held.storage_key <> '' AND held.storage_key NOT IN (SELECT storage_key FROM filerelease)"
    ).bindparams(since))
    if sqlite:  # its words, merged out of the index by housekeeping (search.erase_deleted_words)
        op.execute(f"INSERT OR IGNORE INTO search_erasure (document_id) {WITHDRAWN}")
    op.execute(f"DELETE FROM documentpage WHERE document_id IN ({WITHDRAWN})")
    op.execute(f"DELETE FROM documenttext WHERE document_id IN ({WITHDRAWN})")
    # The news of its arrival, which quoted its title (notify.py): its withdrawal is the news now.
    op.execute("DELETE FROM notification WHERE event_id IN (SELECT id FROM accessevent WHERE action = 'add_document' "
               f"AND document_id IN ({WITHDRAWN}))")
    # As erase_document empties a row (the hash stays under a software's identifier, which answers a resend).
    op.execute("UPDATE document SET title = '', filename = '', source = '', type_system = '', type_code = '', "
               "type_display = '', search_title = '', storage_key = '', size = 0, page_count = 0, "
               "sha256 = CASE WHEN master_identifier IS NULL THEN '' ELSE sha256 END "
               "WHERE withdrawn_at IS NOT NULL AND deleted_at IS NULL")
    op.execute("UPDATE document SET search_text = '' WHERE withdrawn_at IS NOT NULL AND search_text <> ''")
    if sqlite:
        op.execute("INSERT INTO document_search (document_search) VALUES ('optimize')")


def downgrade() -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name='document')
        op.create_index(name, 'document', columns)
    op.drop_index('ix_document_replaces_id', table_name='document')
    op.drop_column('document', 'superseded_at')
    op.drop_column('document', 'replaces_id')
