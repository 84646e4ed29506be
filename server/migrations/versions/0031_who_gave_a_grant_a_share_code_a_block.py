"""who gave a grant, made a share code or a block: the patient, a minor's legal representative or a caregiver

A minor's parent who granted access to, or blocked, a professional who had kept care from the parents (CSP L1111-5)
replaced the minor's own grant, or cut the professional off from what they had kept; and the parent's Accès page
then contradicted itself, which told them someone was kept. A representative's decision about such a professional
is now theirs alone (caregivers/confidential.py), which needs to know who made each grant and each block; and a
professional's banner can say who gave the access ("par la patiente" was said of a mother's grant). Rows made
before are read from the log (`_backfill`): each was written with its event, a moment apart, by the same actor; a
row whose event is not found says "" (not known).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05
"""

from datetime import timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def _who() -> sa.Column:
    return sa.Column('given_by', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='')


def upgrade() -> None:
    op.add_column('grant', _who())
    op.add_column('sharecode', _who())
    op.add_column('block', sa.Column('blocked_by', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                     server_default=''))
    op.add_column('block', sa.Column('representatives_only', sa.Boolean(), nullable=False, server_default=sa.false()))
    _backfill()


MOMENT = timedelta(seconds=10)  # a row and its event are written in one transaction (access/rights.py)


def _table(name: str, *columns: str, times: tuple[str, ...] = ()) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in columns), *(sa.column(c, sa.DateTime()) for c in times))


def _backfill() -> None:
    """Who made each grant, share code and block already there: the actor of its event in the log (the dossiers
    with such rows alone are read)."""
    bind = op.get_bind()
    grant = _table('grant', 'id', 'dossier_id', 'professional_id', 'share_code_id', 'given_by', times=('starts_at',))
    code = _table('sharecode', 'id', 'dossier_id', 'given_by', times=('created_at',))
    block = _table('block', 'id', 'dossier_id', 'professional_id', 'blocked_by', times=('created_at',))
    event = _table('accessevent', 'dossier_id', 'action', 'right', 'actor_kind', 'actor_account_id', 'detail',
                   times=('at',))
    person = _table('professional', 'id', 'given_name', 'family_name')
    delegation = _table('delegation', 'dossier_id', 'caregiver_account_id', 'relationship')
    grants, codes, blocks = (bind.execute(sa.select(t)).all() for t in (grant, code, block))
    dossiers = {row.dossier_id for row in (*grants, *codes, *blocks)}
    if not dossiers:
        return
    names = {row.id: f"{row.given_name} {row.family_name} (" for row in bind.execute(sa.select(person)).all()}
    parents = {(row.dossier_id, row.caregiver_account_id) for row in bind.execute(sa.select(delegation).where(
        delegation.c.relationship.in_(('parent', 'tuteur')))).all()}
    events = bind.execute(sa.select(event).where(event.c.dossier_id.in_(dossiers),
                                                 event.c.action.in_(('grant', 'share_code', 'block')))).all()

    def made_by(dossier_id, actions, moment, prefix='') -> str:
        near = [e for e in events if e.dossier_id == dossier_id and e.action in actions and e.right != 'share_code'
                and abs(_naive(e.at) - _naive(moment)) <= MOMENT and (e.detail or '').startswith(prefix)]
        if not near:
            return ''
        found = min(near, key=lambda e: abs(_naive(e.at) - _naive(moment)))
        if found.actor_kind == 'caregiver':
            return 'representative' if (dossier_id, found.actor_account_id) in parents else 'caregiver'
        return 'patient' if found.actor_kind == 'patient' else ''

    by_code = {}
    for row in codes:
        by_code[row.id] = made_by(row.dossier_id, ('share_code',), row.created_at)
        bind.execute(code.update().where(code.c.id == row.id).values(given_by=by_code[row.id]))
    for row in grants:
        given_by = by_code.get(row.share_code_id, '') if row.share_code_id else made_by(
            row.dossier_id, ('grant',), row.starts_at, names.get(row.professional_id, '\0'))
        bind.execute(grant.update().where(grant.c.id == row.id).values(given_by=given_by))
    for row in blocks:
        bind.execute(block.update().where(block.c.id == row.id).values(blocked_by=made_by(
            row.dossier_id, ('block',), row.created_at, names.get(row.professional_id, '\0'))))


def _naive(moment):
    return moment.replace(tzinfo=None) if moment.tzinfo is not None else moment


def downgrade() -> None:
    # SQLite (3.35 on) drops a column in place; a batch would copy `sharecode`, which `grant` refers to.
    op.drop_column('block', 'representatives_only')
    op.drop_column('block', 'blocked_by')
    op.drop_column('sharecode', 'given_by')
    op.drop_column('grant', 'given_by')
