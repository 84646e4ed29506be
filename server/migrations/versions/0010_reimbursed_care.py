"""the Assurance Maladie's reimbursed care, line by line, matched to dossiers by INS

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reimbursementline',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('line_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('ins', sqlmodel.sql.sqltypes.AutoString(length=15), nullable=False),
    sa.Column('care_date', sa.Date(), nullable=False),
    sa.Column('processed_on', sa.Date(), nullable=False),
    sa.Column('code_system', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('performer', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('performer_rpps', sqlmodel.sql.sqltypes.AutoString(length=11), nullable=False),
    sa.Column('prescriber', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('spent_cents', sa.Integer(), nullable=False),
    sa.Column('base_cents', sa.Integer(), nullable=False),
    sa.Column('reimbursed_cents', sa.Integer(), nullable=False),
    sa.Column('imported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('line_ref')
    )
    op.create_index('ix_reimbursementline_dossier_care', 'reimbursementline', ['dossier_id', 'care_date'], unique=False)
    op.create_index(op.f('ix_reimbursementline_ins'), 'reimbursementline', ['ins'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_reimbursementline_ins'), table_name='reimbursementline')
    op.drop_index('ix_reimbursementline_dossier_care', table_name='reimbursementline')
    op.drop_table('reimbursementline')
