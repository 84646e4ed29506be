"""hostile input and faults: page images, lock escalation, one device row per account

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('documentpage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'number')
    )
    with op.batch_alter_table('documentpage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documentpage_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documentpage_storage_key'), ['storage_key'], unique=False)

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_count', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_document_storage_key'), ['storage_key'], unique=False)

    with op.batch_alter_table('activationcode', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lockouts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lockouts', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('passkeychallenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=''))
        batch_op.create_index(batch_op.f('ix_passkeychallenge_client'), ['client'], unique=False)
        batch_op.create_index(batch_op.f('ix_passkeychallenge_expires_at'), ['expires_at'], unique=False)

    # One row per (account, device) instead of one per device: the unique constraint on the
    # endpoint alone was unnamed, so the table is rebuilt the same way on both engines.
    op.create_table('pushsubscription_new',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('endpoint', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('p256dh', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('auth', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'endpoint')
    )
    op.execute("INSERT INTO pushsubscription_new (id, account_id, endpoint, p256dh, auth, created_at) "
               "SELECT id, account_id, endpoint, p256dh, auth, created_at FROM pushsubscription")
    with op.batch_alter_table('pushsubscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pushsubscription_account_id'))
    op.drop_table('pushsubscription')
    op.rename_table('pushsubscription_new', 'pushsubscription')
    with op.batch_alter_table('pushsubscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pushsubscription_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pushsubscription_endpoint'), ['endpoint'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pushsubscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pushsubscription_endpoint'))
    with op.batch_alter_table('passkeychallenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_passkeychallenge_expires_at'))
        batch_op.drop_index(batch_op.f('ix_passkeychallenge_client'))
        batch_op.drop_column('client')
    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.drop_column('lockouts')
    with op.batch_alter_table('activationcode', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('lockouts')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_storage_key'))
        batch_op.drop_column('page_count')
    with op.batch_alter_table('documentpage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documentpage_storage_key'))
        batch_op.drop_index(batch_op.f('ix_documentpage_document_id'))
    op.drop_table('documentpage')
