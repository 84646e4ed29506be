"""a deleted profile item is erased

An item deleted from the profil médical (or withdrawn by its author, or a position replaced) stayed whole in its row,
its free text included, with only `deleted_at` set, while the page told the patient it could not be recovered (an
outside DPO audit's find). Its row now keeps only what the rule needs (profile/erasing.py) and the access event of
its deletion, which names it: where a minor's parents' filter reads that name (caregivers/confidential.py). The items
already deleted are erased here, each pointed to its event: the first deletion event of its dossier, from the moment
of its deletion, that names it and no other item took. One no event names (none should be) is erased all the same.

Going down drops the pointer; what was erased does not come back.

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-07
"""

from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None

# As they were when these rows were written (profile/erasing.py, kinds.py): fixed here, not imported.
BLANK = {'label': '', 'detail': '', 'severity': '', 'nature': '', 'started_on': None, 'ended_on': None, 'value': None,
         'value2': None, 'unit': '', 'lot': '', 'prescriber': '', 'phone': '', 'document_id': None,
         'added_by_account_id': None, 'added_by_patient': False, 'added_by_relative_name': '', 'hidden': False}
MEASURES = {'weight': 'Poids', 'height': 'Taille', 'blood_pressure': 'Tension artérielle', 'glucose': 'Glycémie'}
DONATION = "la position sur le don d'organes"
MARGIN = timedelta(seconds=1)  # the row's deleted_at and its event's `at` were two readings of one clock, in order


def upgrade() -> None:
    op.add_column('profileitem', sa.Column('deleted_seq', sa.Integer(), nullable=True))
    moment = sqlmodel.sql.sqltypes.UTCDateTime  # aware, in UTC, on both engines
    item = sa.table('profileitem', sa.column('id'), sa.column('dossier_id'), sa.column('kind'), sa.column('label'),
                    sa.column('deleted_at', moment()), sa.column('deleted_seq'),
                    *(sa.column(name) for name in BLANK if name != 'label'))
    event = sa.table('accessevent', sa.column('dossier_id'), sa.column('seq'), sa.column('action'),
                     sa.column('detail'), sa.column('at', moment()))
    bind = op.get_bind()
    deleted = bind.execute(sa.select(item.c.id, item.c.dossier_id, item.c.kind, item.c.label, item.c.deleted_at)
                           .where(item.c.deleted_at.is_not(None)).order_by(item.c.deleted_at)).all()
    if not deleted:
        return
    events = defaultdict(list)  # by dossier, in the chain's order: the dossiers with a deleted item alone are read
    for row in bind.execute(sa.select(event.c.dossier_id, event.c.seq, event.c.detail, event.c.at).where(
            event.c.dossier_id.in_(sa.select(item.c.dossier_id).where(item.c.deleted_at.is_not(None))),
            event.c.action.in_(('profile_delete', 'profile_withdraw'))).order_by(event.c.seq)):
        events[row.dossier_id].append(row)
    taken = set()
    linked = []
    for row in deleted:
        found = next((e for e in events[row.dossier_id] if (row.dossier_id, e.seq) not in taken
                      and e.at >= row.deleted_at - MARGIN and _names(e.detail, row.kind, row.label)), None)
        if found is not None:
            taken.add((row.dossier_id, found.seq))
            linked.append({'row_id': row.id, 'seq': found.seq})
    if linked:
        bind.execute(item.update().where(item.c.id == sa.bindparam('row_id')).values(deleted_seq=sa.bindparam('seq')),
                     linked)
    bind.execute(item.update().where(item.c.deleted_at.is_not(None)).values(**BLANK))


def _names(detail: str, kind: str, label: str) -> bool:
    """Whether an event's detail names the item as items.summary did: its spaces made plain (older events were
    written with plain ones), its end alone for a label (each kind's words before it changed over time)."""
    named = detail.partition('\n')[0].replace('\u00a0', ' ')
    if kind == 'organ_donation':
        return named == DONATION
    label = (MEASURES.get(label, label) if kind == 'measurement' else label).replace('\u00a0', ' ')
    return named.endswith(f'« {label} »')


def downgrade() -> None:
    op.drop_column('profileitem', 'deleted_seq')  # SQLite (3.35 on) drops a column in place
