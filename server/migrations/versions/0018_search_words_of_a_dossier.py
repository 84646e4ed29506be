"""SQLite's search index holds each dossier's words as words of their own: a search reads its dossier's alone

Since 0008 a search asked FTS5 for `dossier_id:"…" AND text:(…)`: the dossier's matches, but FTS5
reads each word's list of documents for the whole installation to find them (a word asked as the
start of longer ones is a merged list, built whole), and bm25 counts each word's documents over the
whole installation too. A search in a 131-document dossier cost 0.2 ms alone in its database and
2.8 ms beside 2,000 other dossiers (bench/RESULTS.md, "A search reads its dossier's words").

Now every word of the index starts with the first eight characters of its dossier's id (the dossier's
key, search.KEY): "bilan" in dossier 3f2a9c01… is the word "3f2a9c01bilan". A search asks for its
key's words, whose lists hold that dossier's documents alone (and, once in four billion, those of a
dossier whose id starts alike, which the join to `document` leaves out). The dossier's own column goes.
The document's id stays a word of its column, for the triggers to find a document's row.
(PostgreSQL's search is a column of `document`, read through the dossier's own index: unchanged.)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

TRIGGERS = ("insert", "update", "delete")
OWN_ROW = "SELECT rowid FROM document_search WHERE document_search MATCH 'document_id:\"' || old.id || '\"'"
# search_text is folded words, one space between each: the key goes before the first and after every space.
KEYED = ("CASE {row}.search_text WHEN '' THEN '' ELSE substr({row}.dossier_id, 1, 8) "
         "|| replace({row}.search_text, ' ', ' ' || substr({row}.dossier_id, 1, 8)) END")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _replace_index("fts5(document_id, text)", columns="document_id, text", values=("id", KEYED))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _replace_index("fts5(document_id, dossier_id, text)", columns="document_id, dossier_id, text",
                   values=("id", "{row}.dossier_id", "{row}.search_text"))


def _replace_index(shape: str, *, columns: str, values: tuple[str, ...]) -> None:
    """The index rebuilt with this shape from `document`, and its three triggers."""
    def of(row: str) -> str:
        return ", ".join(value.format(row=row) if "{row}" in value else f"{row}.{value}" for value in values)

    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER document_search_{trigger}")
    op.execute("DROP TABLE document_search")
    op.execute(f"CREATE VIRTUAL TABLE document_search USING {shape}")
    op.execute(f"INSERT INTO document_search ({columns}) SELECT {of('document')} FROM document")
    insert = f"INSERT INTO document_search ({columns}) VALUES ({of('new')}); "
    op.execute(f"CREATE TRIGGER document_search_insert AFTER INSERT ON document BEGIN {insert}END")
    op.execute("CREATE TRIGGER document_search_update AFTER UPDATE OF search_text ON document BEGIN "
               f"DELETE FROM document_search WHERE rowid IN ({OWN_ROW}); {insert}END")
    op.execute("CREATE TRIGGER document_search_delete AFTER DELETE ON document BEGIN "
               f"DELETE FROM document_search WHERE rowid IN ({OWN_ROW}); END")
