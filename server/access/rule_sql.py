"""The rule's `Visibility` (rule.py) as SQL: the documents a reader sees, asked of the database, as `admits` asks each
one (listing pages them, professionals/visits.py counts what is new).

A statement is built once for each shape of reader (`shape_of`: the patient, a professional of some categories, a
parent...) and given the reader's values at execution (`reader_params`); a value left out is an error, never another
reader's.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, false, or_, true

from ..models import Document
from .rule import Visibility

_COLUMNS = Document.__table__.c  # type: ignore[attr-defined]  (the table's: a statement of them alone skips the ORM)


def visible_clause(visible: Visibility, *, bound: bool = True) -> ColumnElement[bool]:
    """`Visibility.admits`, in SQL (deleted documents are left out by every query here). With `bound` false,
    the reader's values are required parameters, `visible_author` and `visible_categories` (`reader_params`);
    bound, each value has a name of its own, so that one statement may ask for several readers' (visits.py)."""
    either: list[ColumnElement[bool]] = []
    if visible.author is not None:
        either.append(_COLUMNS.author_professional_id
                      == (bindparam("visible_author", visible.author, unique=True) if bound
                          else bindparam("visible_author")))
    if visible.general:
        conditions: list[ColumnElement[bool]] = []
        if not visible.hidden_too:
            conditions.append(_COLUMNS.hidden.is_(False))
        if visible.categories is not None:
            categories = (bindparam("visible_categories", sorted(visible.categories), expanding=True, unique=True)
                          if bound else bindparam("visible_categories", expanding=True))
            conditions.append(_COLUMNS.category.in_(categories))
        if visible.kept_categories is not None:  # kept from a minor's parents: through a grant no parent gave
            kept = (bindparam("visible_kept_categories", sorted(visible.kept_categories), expanding=True, unique=True)
                    if bound else bindparam("visible_kept_categories", expanding=True))
            conditions.append(or_(_COLUMNS.hidden_from_representatives.is_(False), _COLUMNS.category.in_(kept)))
        either.append(and_(*conditions) if conditions else true())
    seen = or_(*either) if either else false()
    if visible.not_kept_from_parents:  # whoever wrote it (Visibility says why)
        return and_(_COLUMNS.hidden_from_representatives.is_(False), seen)
    return seen


def shape_of(visible: Visibility) -> Visibility:
    """What a statement's text depends on in a reader's visibility: which conditions, not their values. A reader of
    some categories is read a category at a time (`_ranges`): their shape names a parameter for each."""
    categories = None if visible.categories is None else frozenset(_category_names(len(visible.categories)))
    kept = None if visible.kept_categories is None else frozenset(
        name for name, category in zip(_category_names(len(visible.categories or ())), sorted(visible.categories or ()))
        if category in visible.kept_categories)  # by their parameters' names, as `categories`
    return replace(visible, author="" if visible.author is not None else None, categories=categories,
                   kept_categories=kept)


def reader_params(dossier_id: str, visible: Visibility, category: str) -> dict[str, Any]:
    """The values a statement built for `shape_of(visible)` needs."""
    categories = sorted(visible.categories or ())
    return {"dossier_id": dossier_id, "visible_author": visible.author, "category": category,
            "visible_categories": categories, **dict(zip(_category_names(len(categories)), categories)),
            "visible_kept_categories": sorted(visible.kept_categories or ())}


def _category_names(count: int) -> list[str]:
    return [f"visible_category_{n}" for n in range(count)]
