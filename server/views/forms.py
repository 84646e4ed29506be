"""Reading submitted forms without ever failing on a missing or odd field."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar.enums import RequestEncodingType
from litestar.params import Body

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def text(data: dict[str, Any], name: str, *, limit: int = 200) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()[:limit]


def parse_date(value: str) -> date | None:
    """An ISO date (what <input type=date> sends) or a French JJ/MM/AAAA one."""
    value = value.strip()
    try:
        if "/" in value:
            day, month, year = (int(p) for p in value.split("/"))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        return None
