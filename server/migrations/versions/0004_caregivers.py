"""caregivers: levels, ends, invitations, notices, documents hidden from a minor's parents

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('caregiverinvitation',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('relationship', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('can_manage', sa.Boolean(), nullable=False),
    sa.Column('access_days', sa.Integer(), nullable=True),
    sa.Column('created_by_account_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('used_by_account_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('cancelled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ),
    sa.ForeignKeyConstraint(['used_by_account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('caregiverinvitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_caregiverinvitation_code_hash'), ['code_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_caregiverinvitation_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('accountnotice',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('accountnotice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accountnotice_account_id'), ['account_id'], unique=False)

    with op.batch_alter_table('delegation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('can_manage', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('end_reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('after_majority', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('invited_by_account_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_foreign_key('fk_delegation_invited_by', 'account', ['invited_by_account_id'], ['id'])

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_from_representatives', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('hidden_from_representatives')
    with op.batch_alter_table('delegation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_delegation_invited_by', type_='foreignkey')
        batch_op.drop_column('invited_by_account_id')
        batch_op.drop_column('after_majority')
        batch_op.drop_column('end_reason')
        batch_op.drop_column('can_manage')
    with op.batch_alter_table('accountnotice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accountnotice_account_id'))
    op.drop_table('accountnotice')
    with op.batch_alter_table('caregiverinvitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_caregiverinvitation_dossier_id'))
        batch_op.drop_index(batch_op.f('ix_caregiverinvitation_code_hash'))
    op.drop_table('caregiverinvitation')
