"""a page of documents by index, and full-text search on both engines

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import re
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

WORD = re.compile(r"[0-9a-z]+")


def fold(value: str) -> str:
    # As server/search.py folds (copied, not imported: a migration must not change when the app does).
    decomposed = unicodedata.normalize("NFKD", value.casefold().replace("œ", "oe").replace("æ", "ae"))
    return " ".join(WORD.findall("".join(ch for ch in decomposed if not unicodedata.combining(ch))))


def upgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index('ix_document_newest', ['dossier_id', 'event_date', 'created_at', 'id'], unique=False)

    # Documents already there are found by their title (their text was never extracted).
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, title FROM document")).all()
    for document_id, title in rows:
        connection.execute(sa.text("UPDATE document SET search_text = :text WHERE id = :id"),
                           {"text": fold(title), "id": document_id})

    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE document ADD COLUMN search_vector tsvector "
                   "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED")
        op.execute("CREATE INDEX ix_document_search_vector ON document USING GIN (search_vector)")
    else:
        # The text is folded already: the tokenizer only splits it into words.
        op.execute("CREATE VIRTUAL TABLE document_search USING fts5(document_id UNINDEXED, text)")
        op.execute("INSERT INTO document_search (document_id, text) SELECT id, search_text FROM document")
        op.execute("CREATE TRIGGER document_search_insert AFTER INSERT ON document BEGIN "
                   "INSERT INTO document_search (document_id, text) VALUES (new.id, new.search_text); END")
        op.execute("CREATE TRIGGER document_search_update AFTER UPDATE OF search_text ON document BEGIN "
                   "DELETE FROM document_search WHERE document_id = old.id; "
                   "INSERT INTO document_search (document_id, text) VALUES (new.id, new.search_text); END")
        op.execute("CREATE TRIGGER document_search_delete AFTER DELETE ON document BEGIN "
                   "DELETE FROM document_search WHERE document_id = old.id; END")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_document_search_vector")
        op.execute("ALTER TABLE document DROP COLUMN search_vector")
    else:
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER document_search_{trigger}")
        op.execute("DROP TABLE document_search")
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index('ix_document_newest')
        batch_op.drop_column('search_text')
