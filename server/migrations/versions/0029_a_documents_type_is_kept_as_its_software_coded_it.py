"""a document's type is kept as the software that sent it coded it

A document pushed through the FHIR API (ITI-65) was given back with the LOINC type of its Carnet category: a
"34117-2" (History and physical note) came back as "11488-4" (Consult note), and a search by the type sent found
nothing. A Document Recipient keeps the metadata it receives (IHE MHD): the type is now stored as sent, and given
back and searched as such; a document that came without one (an upload, the demo) keeps its category's type.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place (SQLite's ADD COLUMN too): the table, its search triggers and its indexes stay as they are (0021).
    # System and code apart: a token is compared exactly, on both engines (a LIKE ignores case on SQLite alone).
    for name, length in (('type_system', 300), ('type_code', 100), ('type_display', 300)):
        op.add_column('document', sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False,
                                            server_default=''))


def downgrade() -> None:
    for name in ('type_display', 'type_code', 'type_system'):
        op.drop_column('document', name)  # SQLite (3.35 on) drops a column in place
