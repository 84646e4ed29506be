"""A profile item deleted is erased: its row keeps nothing of what it said, only what the rest of the code needs of
an item that was. The access log keeps its name, as it keeps a deleted document's title: the event of its deletion,
which the row points to, is where a minor's parents' filter finds that name (caregivers/confidential.py)."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit
from ..models import AccessEvent, ProfileItem
from .wording import summary

# What a deleted item keeps: its kind, and its author and whether they kept it from a minor's parents (the rule keeps
# every trace of such a professional from them, seen.py, caregivers/confidential.py), when it was declared and
# deleted, and the event of its deletion.
REMAINS = frozenset({"id", "dossier_id", "kind", "author_professional_id", "hidden_from_representatives", "created_at",
                     "deleted_at", "deleted_seq"})
# Every other column, blank: a column added later is erased too, unless it remains above on purpose.
BLANK = {name: "" if field.is_required() else field.get_default(call_default_factory=True)
         for name, field in ProfileItem.model_fields.items() if name not in REMAINS}


async def erase(session: AsyncSession, *, item: ProfileItem, actor: audit.Actor, right: str = "",
                action: str = "profile_delete") -> None:
    """Log the item's deletion by its name (items.summary), then erase its row, in the caller's chained transaction."""
    event = await audit.append(session, dossier_id=item.dossier_id, action=action, actor=actor, right=right,
                               detail=summary(item))
    for name, blank in BLANK.items():
        setattr(item, name, blank)
    item.deleted_at, item.deleted_seq = event.at, event.seq
    session.add(item)


async def deleted_names(session: AsyncSession, *, dossier_id: str, items: list[ProfileItem]) -> set[str]:
    """How the log named these erased items (wording.logged_names, read from the events of their deletion): the
    item ("l'allergie « Latex »"), and its label in guillemets, as a treatment's stop names it (ending.py)."""
    seqs = {item.deleted_seq for item in items if item.deleted_seq is not None}
    if not seqs:
        return set()
    found = await session.exec(select(AccessEvent.detail).where(AccessEvent.dossier_id == dossier_id,
                                                                col(AccessEvent.seq).in_(seqs)))
    names = set()
    for detail in found.all():
        named = detail.partition("\n")[0]  # a line on the right it went through may follow (right_words.joined)
        names.add(named)
        if "«" in named:  # kinds.py's `one` ends with the label in guillemets
            names.add(named[named.index("«"):])
    return names
