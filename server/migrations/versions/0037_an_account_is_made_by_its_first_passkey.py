"""an account is made by its first passkey

A relative accepting an invitation, or a parent adding a child's dossier while logged out, had an account made as
soon as they typed their name, before any passkey: each who stopped there left an account no one could ever log in
to, and one invitation code made as many named accounts as anyone liked. The account is now made in the transaction
that registers its first passkey (passkeys.finish_registration); until then the session keeps it, with no account
row to name (`websession.account_id` may be empty), and the passkey challenge names the user handle its options
gave, not an account. The accounts left without a passkey before this migration are removed, with their sessions.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('passkeychallenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_handle', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.drop_column('account_id')  # a challenge lives five minutes: those under way are asked again
    with op.batch_alter_table('websession', schema=None) as batch_op:
        batch_op.alter_column('account_id', existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=True)

    # A caregiver's account left without a passkey (neither a patient's nor a professional's, which their
    # activation makes and reuses): only its half-session can name it. Any other row naming it keeps it, as its
    # foreign key would refuse the delete anyway.
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    naming = [(table, fk['constrained_columns'][0]) for table in inspector.get_table_names()
              for fk in inspector.get_foreign_keys(table)
              if fk['referred_table'] == 'account' and table != 'websession']
    unnamed = ' AND '.join(f'NOT EXISTS (SELECT 1 FROM "{table}" WHERE "{table}"."{column}" = account.id)'
                           for table, column in naming)
    orphans = f'SELECT id FROM account WHERE patient_id IS NULL AND professional_id IS NULL AND {unnamed}'
    op.execute(f'DELETE FROM websession WHERE account_id IN ({orphans})')
    op.execute(f'DELETE FROM account WHERE id IN ({orphans})')


def downgrade() -> None:
    op.execute('DELETE FROM websession WHERE account_id IS NULL')
    with op.batch_alter_table('websession', schema=None) as batch_op:
        batch_op.alter_column('account_id', existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
    with op.batch_alter_table('passkeychallenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_foreign_key('fk_passkeychallenge_account_id', 'account', ['account_id'], ['id'])
        batch_op.drop_column('user_handle')
