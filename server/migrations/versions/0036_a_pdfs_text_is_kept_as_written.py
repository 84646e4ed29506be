"""a PDF's text is kept as written, for a reader who cannot see its pages

A PDF is shown as images of its pages, whose text alternative was "Page 1 sur 2": a screen reader read nothing of
a hospital report (WCAG 1.1.1). The text extracted at upload was kept only folded, for search. It is now kept as
written, in a table of its own (so that no list of documents reads it), and the document's page offers it. The
documents added before this migration have no row: their text is extracted at their first view, once
(server/files/pages.py, `text_of`).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'documenttext',
        sa.Column('document_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
        sa.PrimaryKeyConstraint('document_id'),
    )


def downgrade() -> None:
    op.drop_table('documenttext')
