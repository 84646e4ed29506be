"""What an error's text holds is logged (server/exception_handlers.py): never a statement's values, which may be
health data."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


async def test_a_statements_values_never_reach_its_errors_text(db):
    """Found in a log under load: the failing UPDATE's values were printed with it (a session's hash there; a
    document's title or a patient's name on another statement)."""
    with pytest.raises(DBAPIError) as caught:
        await db.exec(text("SELECT * FROM document WHERE title = :title AND no_such_column = 1"),
                      params={"title": "Échographie de Camille Martin"})
    assert "Camille" not in str(caught.value) and "Échographie" not in str(caught.value)
