"""a change of rights about a professional is found among that professional's events

The Historique's filter listed the professionals who acted in the dossier's log (`logprofessional`, kept as events
are appended), and showed their own events. One the patient blocked, or gave access to and who never opened the
dossier, was not there, though the log names them: a grant, a revocation, a block, a médecin traitant declared, an
emergency access reviewed, each names its professional in its detail, in words ("Julie Moreau
(masseur-kinésithérapeute) : …"), which the event keeps as written (the log is append-only, its detail hashed). Now
`logsubject` names them by key (their RPPS), a row for each such event, and `logprofessional` lists them
(accesslog/subjects.py).

Those already in the logs: the changes of rights are read once, here, and the name and profession each detail
starts with are found among the professionals; namesakes are told apart by their grants, blocks and emergency
accesses in that dossier, and one still in doubt is left out rather than guessed. A médecin traitant removed
("aucun") is the one the dossier's previous declaration named.

Downgrade: `logsubject` goes, and the list of professionals holds again only those who acted, each as named by
their own latest event.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05
"""

import re
from collections import defaultdict

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

# The changes of rights that name their professional (`about=`, access/grants.py, blocks.py, medecin_traitant.py and
# emergencies.py) when this was written; a professional's own "grant" (a share code they redeemed) is theirs as its
# actor.
ACTIONS = ("grant", "revoke", "block", "unblock", "medecin_traitant", "emergency_review")
WHO = re.compile(r"(?P<name>.+?) \((?P<profession>[^()]*)\)")  # how access/changes.who writes who (journal.WHO)


def upgrade() -> None:
    op.create_table('logsubject',
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ),
    sa.PrimaryKeyConstraint('dossier_id', 'key', 'seq')
    )
    connection = op.get_bind()
    actions = ", ".join(f"'{action}'" for action in ACTIONS)
    events = connection.execute(sa.text(
        "SELECT dossier_id, seq, action, detail FROM accessevent"
        f" WHERE action IN ({actions}) AND actor_kind <> 'professional' ORDER BY dossier_id, seq")).all()
    named = {(m["name"], m["profession"]) for e in events if (m := WHO.match(e.detail.strip()))}
    professionals, links = _professionals(connection, named)
    subjects: list[dict] = []
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    medecin_traitant: dict[str, tuple | None] = {}  # each dossier's, as its declarations so far named them
    for dossier_id, seq, action, detail in events:
        found = WHO.match(detail.strip())
        if action == "medecin_traitant" and not found:  # "aucun": the one who was
            about = {medecin_traitant.pop(dossier_id, None)}
        else:
            candidates = professionals.get((found["name"], found["profession"]), []) if found else []
            if len(candidates) > 1:
                candidates = [c for c in candidates if (dossier_id, c[0]) in links]
            subject = candidates[0] if len(candidates) == 1 else None
            about = {subject}
            if action == "medecin_traitant":  # replaced: the one who was, too (as access/medecin_traitant.py writes it)
                about.add(medecin_traitant.get(dossier_id))
                medecin_traitant[dossier_id] = subject
        for _id, rpps, label in sorted(s for s in about if s is not None):
            subjects.append({"d": dossier_id, "k": rpps, "s": seq})
            latest[(dossier_id, rpps)] = (seq, label)
    if subjects:
        connection.execute(sa.text("INSERT INTO logsubject (dossier_id, key, seq) VALUES (:d, :k, :s)"), subjects)
    for (dossier_id, key), (seq, label) in latest.items():
        params = {"d": dossier_id, "k": key, "l": label[:300], "s": seq}
        known = connection.execute(sa.text("SELECT last_seq FROM logprofessional WHERE dossier_id = :d AND key = :k"),
                                   params).scalar()
        if known is None:
            connection.execute(sa.text("INSERT INTO logprofessional (dossier_id, key, label, last_seq) "
                                       "VALUES (:d, :k, :l, :s)"), params)
        elif known < seq:  # as an append keeps it: named as the latest event about them names them
            connection.execute(sa.text("UPDATE logprofessional SET label = :l, last_seq = :s "
                                       "WHERE dossier_id = :d AND key = :k"), params)


def _professionals(connection, named: set[tuple[str, str]]) -> tuple[dict, set]:
    """The professionals each (name, profession) may be, as (id, rpps, label); and the (dossier, professional) pairs
    that a grant, a block, an emergency access or a declaration as médecin traitant tie together."""
    found: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    names = sorted({name for name, _ in named})
    for start in range(0, len(names), 500):
        rows = connection.execute(sa.text(
            "SELECT id, rpps, given_name, family_name, profession FROM professional"
            " WHERE given_name || ' ' || family_name IN :names").bindparams(sa.bindparam("names", expanding=True)),
            {"names": names[start:start + 500]})
        for pid, rpps, given, family, profession in rows:
            if (f"{given} {family}", profession) in named:
                found[(f"{given} {family}", profession)].append((pid, rpps, f"{given} {family}, {profession}"))
    doubtful = sorted({c[0] for candidates in found.values() if len(candidates) > 1 for c in candidates})
    links: set[tuple[str, str]] = set()
    for start in range(0, len(doubtful), 500):
        links.update((d, p) for d, p in connection.execute(sa.text(
            'SELECT dossier_id, professional_id FROM "grant" WHERE professional_id IN :ids'
            " UNION SELECT dossier_id, professional_id FROM block WHERE professional_id IN :ids"
            " UNION SELECT dossier_id, professional_id FROM emergencyaccess WHERE professional_id IN :ids"
            " UNION SELECT id, medecin_traitant_id FROM dossier WHERE medecin_traitant_id IN :ids")
            .bindparams(sa.bindparam("ids", expanding=True)), {"ids": doubtful[start:start + 500]}))
    return found, links


def downgrade() -> None:
    connection = op.get_bind()
    for dossier_id, key in connection.execute(sa.text("SELECT DISTINCT dossier_id, key FROM logsubject")).all():
        params = {"d": dossier_id, "k": key}
        own = connection.execute(sa.text(
            "SELECT seq, actor_name, actor_profession FROM accessevent WHERE dossier_id = :d"
            " AND actor_kind = 'professional' AND (actor_rpps = :k OR actor_account_id = :k)"
            " ORDER BY seq DESC LIMIT 1"), params).first()
        if own is None:
            connection.execute(sa.text("DELETE FROM logprofessional WHERE dossier_id = :d AND key = :k"), params)
        else:
            seq, name, profession = own
            connection.execute(sa.text("UPDATE logprofessional SET label = :l, last_seq = :s "
                                       "WHERE dossier_id = :d AND key = :k"),
                               {**params, "s": seq, "l": (f"{name}, {profession}" if profession else name)[:300]})
    op.drop_table('logsubject')
