"""who gave a grant, made a share code or a block, declared the médecin traitant: the patient, a minor's legal
representative or a caregiver

A minor's parent who granted access to, or blocked, a professional who had kept care from the parents (CSP L1111-5)
replaced the minor's own grant, or cut the professional off from what they had kept; and the parent's Accès page
then contradicted itself, which told them someone was kept. And what a parent gives (a grant, a code, a médecin
traitant) must not open what was kept from the parents. A representative's decision about such a professional
is now theirs alone (caregivers/confidential.py), which needs to know who made each grant and each block; and a
professional's banner can say who gave the access ("par la patiente" was said of a mother's grant). Rows made
before are read from the log (`_backfill`): each was written with its event, a moment apart, by the same actor; a
row whose event is not found says "" (not known).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05
"""

from collections import defaultdict
from datetime import UTC, timedelta

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
    op.add_column('dossier', sa.Column('medecin_traitant_by', sqlmodel.sql.sqltypes.AutoString(length=20),
                                       nullable=False, server_default=''))
    _backfill()


MOMENT = timedelta(seconds=10)  # a row and its event are written in one transaction (access/changes.py)


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
    dossier = _table('dossier', 'id', 'medecin_traitant_id', 'medecin_traitant_by')
    grants, codes, blocks = (bind.execute(sa.select(t)).all() for t in (grant, code, block))
    declared = bind.execute(sa.select(dossier).where(dossier.c.medecin_traitant_id.is_not(None))).all()
    if not (grants or codes or blocks or declared):
        return
    names = {row.id: f"{row.given_name} {row.family_name} (" for row in bind.execute(sa.select(person)).all()}
    parents = {(row.dossier_id, row.caregiver_account_id) for row in bind.execute(sa.select(delegation).where(
        delegation.c.relationship.in_(('parent', 'tuteur')))).all()}
    # The dossiers with such rows, asked of the database: their ids as parameters would pass the drivers' limits
    # (32,766 on SQLite, 32,767 on PostgreSQL) on a large deployment.
    having = sa.union(*(sa.select(t.c.dossier_id) for t in (grant, code, block)),
                      sa.select(dossier.c.id).where(dossier.c.medecin_traitant_id.is_not(None))).subquery()
    events = defaultdict(list)  # by dossier: each row looks among its own dossier's events alone
    for row in bind.execute(sa.select(event).where(
            event.c.dossier_id.in_(sa.select(having.c[0])),
            event.c.action.in_(('grant', 'share_code', 'block', 'medecin_traitant')))):
        events[row.dossier_id].append(row)

    def made_by(dossier_id, actions, moment, prefix='') -> str:
        near = [e for e in events[dossier_id] if e.action in actions and e.right != 'share_code'
                and (moment is None or abs(_naive(e.at) - _naive(moment)) <= MOMENT)
                and (e.detail or '').startswith(prefix)]
        if not near:
            return ''
        # The nearest to the row's moment; without one (a médecin traitant), the latest declaration.
        found = max(near, key=lambda e: e.at) if moment is None else min(
            near, key=lambda e: abs(_naive(e.at) - _naive(moment)))
        if found.actor_kind == 'caregiver':
            return 'representative' if (dossier_id, found.actor_account_id) in parents else 'caregiver'
        return 'patient' if found.actor_kind == 'patient' else ''

    by_code = {row.id: made_by(row.dossier_id, ('share_code',), row.created_at) for row in codes}
    given = [(row.id, by_code.get(row.share_code_id, '') if row.share_code_id else made_by(
        row.dossier_id, ('grant',), row.starts_at, names.get(row.professional_id, '\0'))) for row in grants]
    blocked = [(row.id, made_by(row.dossier_id, ('block',), row.created_at, names.get(row.professional_id, '\0')))
               for row in blocks]
    doctors = [(row.id, made_by(row.id, ('medecin_traitant',), None, names.get(row.medecin_traitant_id, '\0')))
               for row in declared]
    # One statement a table, its rows as parameter sets (not a round trip a row); "" is there already.
    for table, column, values in ((code, 'given_by', list(by_code.items())), (grant, 'given_by', given),
                                  (block, 'blocked_by', blocked), (dossier, 'medecin_traitant_by', doctors)):
        rows = [{'row_id': row_id, 'who': who} for row_id, who in values if who]
        if rows:
            bind.execute(table.update().where(table.c.id == sa.bindparam('row_id'))
                         .values({column: sa.bindparam('who')}), rows)


def _naive(moment):
    """In UTC, without its offset (SQLite gives UTC without one; PostgreSQL, an aware time in the session's zone)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def downgrade() -> None:
    # SQLite (3.35 on) drops a column in place; a batch would copy `sharecode`, which `grant` refers to.
    op.drop_column('dossier', 'medecin_traitant_by')
    op.drop_column('block', 'representatives_only')
    op.drop_column('block', 'blocked_by')
    op.drop_column('sharecode', 'given_by')
    op.drop_column('grant', 'given_by')
