"""a notice to an account is written in its reader's language when read

An `accountnotice` was stored as a sentence, in the language of whoever caused it: a relative browsing in
English left an English notice for a French reader, and the 18th birthday's check (no request, no language)
wrote French for everyone. Now a notice keeps what happened (`kind`) and the names its sentence needs
(`names`, JSON), and is written when read (server/caregivers/notices.py). `text` stays for the notices
written before: they are shown as they were written.

Downgrade: the new columns go, and the notices written since with them (their `text` is empty: the older
code would show nothing).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('accountnotice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('names', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default='{}'))


def downgrade() -> None:
    op.execute("DELETE FROM accountnotice WHERE kind <> ''")
    with op.batch_alter_table('accountnotice', schema=None) as batch_op:
        batch_op.drop_column('names')
        batch_op.drop_column('kind')
