"""SQLite's search index names each document's dossier, and finds a document's row by a word of its own

Before, a search asked the FTS5 table for every matching document of the whole installation and kept
the dossier's; and updating or deleting a document scanned the whole table to find its row (an
UNINDEXED column cannot be looked up). Now the dossier's id and the document's id are words of their
own columns: `dossier_id:"…" AND text:(…)` finds the dossier's matches alone, and the triggers find a
document's row with `document_id:"…"`. (PostgreSQL's search is a column of `document`: unchanged.)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

OWN_ROW = "SELECT rowid FROM document_search WHERE document_search MATCH 'document_id:\"' || old.id || '\"'"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER document_search_{trigger}")
    op.execute("DROP TABLE document_search")
    op.execute("CREATE VIRTUAL TABLE document_search USING fts5(document_id, dossier_id, text)")
    op.execute("INSERT INTO document_search (document_id, dossier_id, text) SELECT id, dossier_id, search_text FROM document")
    op.execute("CREATE TRIGGER document_search_insert AFTER INSERT ON document BEGIN "
               "INSERT INTO document_search (document_id, dossier_id, text) VALUES (new.id, new.dossier_id, new.search_text); "
               "END")
    op.execute("CREATE TRIGGER document_search_update AFTER UPDATE OF search_text ON document BEGIN "
               f"DELETE FROM document_search WHERE rowid IN ({OWN_ROW}); "
               "INSERT INTO document_search (document_id, dossier_id, text) VALUES (new.id, new.dossier_id, new.search_text); "
               "END")
    op.execute("CREATE TRIGGER document_search_delete AFTER DELETE ON document BEGIN "
               f"DELETE FROM document_search WHERE rowid IN ({OWN_ROW}); END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER document_search_{trigger}")
    op.execute("DROP TABLE document_search")
    op.execute("CREATE VIRTUAL TABLE document_search USING fts5(document_id UNINDEXED, text)")
    op.execute("INSERT INTO document_search (document_id, text) SELECT id, search_text FROM document")
    op.execute("CREATE TRIGGER document_search_insert AFTER INSERT ON document BEGIN "
               "INSERT INTO document_search (document_id, text) VALUES (new.id, new.search_text); END")
    op.execute("CREATE TRIGGER document_search_update AFTER UPDATE OF search_text ON document BEGIN "
               "DELETE FROM document_search WHERE document_id = old.id; "
               "INSERT INTO document_search (document_id, text) VALUES (new.id, new.search_text); END")
    op.execute("CREATE TRIGGER document_search_delete AFTER DELETE ON document BEGIN "
               "DELETE FROM document_search WHERE document_id = old.id; END")
