"""practice software calling the FHIR API (SMART Backend Services), and the documents it pushes

A document sent by software keeps its masterIdentifier (the same one sent twice is stored once) and may
be withdrawn by its author (FHIR status entered-in-error). Columns are added, never the table rebuilt:
a rebuilt `document` would lose SQLite's search triggers (0008).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('document', sa.Column('master_identifier', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
    op.add_column('document', sa.Column('withdrawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_index('ix_document_master_identifier', 'document', ['dossier_id', 'master_identifier'], unique=True)
    op.create_table('apiclient',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('professional_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('jwk', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_apiclient_professional_id'), 'apiclient', ['professional_id'], unique=False)
    op.create_table('apitoken',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('scopes', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['apiclient.id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index(op.f('ix_apitoken_client_id'), 'apitoken', ['client_id'], unique=False)
    op.create_index(op.f('ix_apitoken_expires_at'), 'apitoken', ['expires_at'], unique=False)
    op.create_table('apiassertion',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index(op.f('ix_apiassertion_expires_at'), 'apiassertion', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_apiassertion_expires_at'), table_name='apiassertion')
    op.drop_table('apiassertion')
    op.drop_index(op.f('ix_apitoken_expires_at'), table_name='apitoken')
    op.drop_index(op.f('ix_apitoken_client_id'), table_name='apitoken')
    op.drop_table('apitoken')
    op.drop_index(op.f('ix_apiclient_professional_id'), table_name='apiclient')
    op.drop_table('apiclient')
    op.drop_index('ix_document_master_identifier', table_name='document')
    op.drop_column('document', 'withdrawn_at')
    op.drop_column('document', 'master_identifier')
