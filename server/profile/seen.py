"""A profile item under the one rule: for `access/rule.py`, a document of its categories (kinds.item_categories: its
kind's, and the lab reports' for a laboratory measure), written by its author,
and kept from a minor's parents when its author kept it, or kept anything else of the dossier, from them, or used a
share code the minor kept from them (caregivers/confidential.py)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, not_, or_, true
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.rule import DocumentFacts, Visibility
from ..models import Document, ProfileItem, ShareCode
from .kinds import KINDS, MEASURES, item_categories, kinds_in, measures_in


def item_facts(item: ProfileItem, kept_authors: frozenset[str] = frozenset()) -> DocumentFacts:
    """What the rule decides an item on: as a document of its categories (kinds.item_categories), by its author. Kept
    from a minor's parents when its author kept it, or kept a document or an item of the dossier from them
    (`kept_authors`, the dossier's: every trace of such a professional is, caregivers/confidential.py)."""
    own, *others = item_categories(item.kind, item.label)
    return DocumentFacts(category=own, also_under=frozenset(others), hidden=item.hidden,
                         deleted=item.deleted_at is not None, author_professional_id=item.author_professional_id,
                         hidden_from_representatives=item.hidden_from_representatives
                         or item.author_professional_id in kept_authors)


def sees_kind(visible: Visibility, kind: str) -> bool:
    """Whether this reader's access covers a kind of item (every one not hidden), beyond those they declared: a
    kind it does not cover is named to them as not shared, the same whether it holds anything or not."""
    return any(visible.sees_category(c) for c in KINDS[kind].categories)


def seen_in_part(visible: Visibility, kind: str) -> list[str]:
    """The measures this reader's access covers of a kind it does not cover whole (a grant of "biologie": the
    glycémie, not the weight): the section is named to them as shared in part, and says with what."""
    if kind != "measurement" or sees_kind(visible, kind):
        return []
    return [code for code in MEASURES if any(visible.sees_category(c) for c in item_categories(kind, code))]


def visible_items_clause(visible: Visibility) -> ColumnElement[bool]:
    """`Visibility.admits(item_facts(item, the dossier's kept authors))`, in SQL (tests/test_profile.py and the
    access matrix check that they agree)."""
    seen = _seen_items(visible)
    if visible.not_kept_from_parents:  # whoever reads (Visibility says why)
        return and_(not_(_kept()), seen)
    return seen


def _kept() -> ColumnElement[bool]:
    """`item_facts(…).hidden_from_representatives`: the item kept, or its author's kept document or item, or a share
    code the minor kept from her parents that its author used, looked up (a document through
    ix_document_author_newest)."""
    document = exists().where(Document.dossier_id == ProfileItem.dossier_id,
                              Document.author_professional_id == ProfileItem.author_professional_id,
                              col(Document.hidden_from_representatives))
    other = aliased(ProfileItem)
    item = exists().where(other.dossier_id == ProfileItem.dossier_id,
                          other.author_professional_id == ProfileItem.author_professional_id,
                          col(other.hidden_from_representatives))
    code = exists().where(ShareCode.dossier_id == ProfileItem.dossier_id,
                          ShareCode.used_by_professional_id == ProfileItem.author_professional_id,
                          col(ShareCode.kept_from_representatives))
    return or_(col(ProfileItem.hidden_from_representatives), document, item, code)


def _seen_items(visible: Visibility) -> ColumnElement[bool]:
    either: list[ColumnElement[bool]] = []
    if visible.author is not None:
        either.append(col(ProfileItem.author_professional_id) == visible.author)
    if visible.general:
        conditions: list[ColumnElement[bool]] = []
        if not visible.hidden_too:
            conditions.append(col(ProfileItem.hidden).is_(False))
        if visible.categories is not None:
            conditions.append(_under(visible.categories))
        if visible.kept_categories is not None:  # a grant a parent gave opens nothing kept from them
            conditions.append(or_(not_(_kept()), _under(visible.kept_categories)))
        either.append(and_(*conditions) if conditions else true())
    return and_(col(ProfileItem.deleted_at).is_(None), or_(*either) if either else false())


def _under(categories: frozenset[str]) -> ColumnElement[bool]:
    """An item that falls under one of these categories (item_categories), in SQL: a kind they cover whole, or a
    measure they cover of a kind they do not."""
    kinds = kinds_in(categories)
    measures = [] if "measurement" in kinds else measures_in(categories)
    whole = col(ProfileItem.kind).in_(kinds)
    if not measures:
        return whole
    return or_(whole, and_(col(ProfileItem.kind) == "measurement", col(ProfileItem.label).in_(measures)))


async def seen_item(session: AsyncSession, *, dossier_id: str, item_id: str, visible: Visibility) -> ProfileItem | None:
    """One item of the dossier this reader sees (not deleted), or None: an item asked by its id, under the rule."""
    found = await session.exec(select(ProfileItem).where(ProfileItem.id == item_id, ProfileItem.dossier_id == dossier_id,
                                                         visible_items_clause(visible))
                               .execution_options(populate_existing=True))
    return found.first()


async def shown_to_a_grant_of(session: AsyncSession, *, dossier_id: str, category: str) -> bool:
    """Whether a grant of this category shows items of the profile (some not hidden): what hiding a document of the
    category leaves shown, since the profile is hidden item by item (document.html says so)."""
    found = await session.exec(select(ProfileItem.id).where(
        ProfileItem.dossier_id == dossier_id,
        visible_items_clause(Visibility(general=True, categories=frozenset({category})))).limit(1))
    return found.first() is not None


async def kept_from_parents(session: AsyncSession, item: ProfileItem) -> bool:
    """Whether the rule keeps this item from a minor's parents (`visible_items_clause`'s, in SQL): what follows from
    it (profile/dosing.py) is kept from them too."""
    found = await session.exec(select(ProfileItem.id).where(ProfileItem.id == item.id, _kept()))
    return found.first() is not None
