"""a deleted document's words leave the database, and its row keeps only what still serves

An outside DPO audit read, after "Supprimer définitivement", the deleted PDF's words and title in SQLite's FTS5
index (`document_search_data`: FTS5 before 3.42 writes a delete marker beside them, and merges them away only when
it reads both), and in the document's row its title, file name, words to rank by, hash and size, beside the rows
of its page images. A deletion now empties the row (dossiers.erase_document) and writes itself down for SQLite
(`search_erasure`), whose index housekeeping then merges whole (search.erase_deleted_words). The documents deleted
before are emptied here, and SQLite's index merged once.

What a deletion freed before PRAGMA secure_delete (db/sqlite.py) stays in SQLite's free pages until reused: README
says to VACUUM once. On PostgreSQL, a row's old version goes with (auto)vacuum (README too).

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-06
"""

from alembic import op


revision = '0046'
down_revision = '0045'
branch_labels = None
depends_on = None

DELETED = "SELECT id FROM document WHERE deleted_at IS NOT NULL"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TABLE search_erasure (document_id VARCHAR NOT NULL PRIMARY KEY)")
    op.execute(f"DELETE FROM documentpage WHERE document_id IN ({DELETED})")
    op.execute(f"DELETE FROM documenttext WHERE document_id IN ({DELETED})")
    # As erase_document empties a row (the hash stays under a software's identifier, which it answers a resend by).
    op.execute("UPDATE document SET title = '', filename = '', source = '', type_system = '', type_code = '', "
               "type_display = '', search_title = '', storage_key = '', size = 0, page_count = 0, "
               "sha256 = CASE WHEN master_identifier IS NULL THEN '' ELSE sha256 END WHERE deleted_at IS NOT NULL")
    # Apart, and only where it holds words: SQLite's trigger rewrites a row's index entry at each update of it.
    op.execute("UPDATE document SET search_text = '' WHERE deleted_at IS NOT NULL AND search_text <> ''")
    if sqlite:
        op.execute("INSERT INTO document_search (document_search) VALUES ('optimize')")


def downgrade() -> None:
    # What was erased stays so: nothing of it is left to put back.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_erasure")
