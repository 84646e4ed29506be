"""A copy read back keeps the day its author withdrew a document, or, when its log does not say, says so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.i18n.formats import long_date
from server.models import paris_today
from tests.conftest import activate, new_professional
from tests.export_read_back_helpers import (
    COPIES, KINE, copy_made_elsewhere, documents_by_title, engine_of, here, installation_unless_made, text,
)
from tests.export_helpers import (  # noqa: F401 - elsewhere: a fixture, another installation (her copy's)
    Installation, carnet, elsewhere, rewritten,
)


WITHDRAWN_AT = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)  # the day her kiné withdrew his report, in a copy of it


@pytest.fixture
def _there_withdrawn(request, settings) -> Installation | None:
    return installation_unless_made(request, settings, WITHDRAWN_AT)


@pytest.fixture
async def her_withdrawn_copy(settings, _there_withdrawn, monkeypatch) -> bytes:
    """Her copy in which her kiné's report was withdrawn by him on WITHDRAWN_AT: made once per engine and process,
    as `her_copy` is."""
    key = (engine_of(settings), WITHDRAWN_AT)
    if key not in COPIES:
        COPIES[key] = await copy_made_elsewhere(_there_withdrawn, withdrawn_at=WITHDRAWN_AT, monkeypatch=monkeypatch)
    return COPIES[key]


@pytest.mark.parametrize("log", ["whole", "silent"])
async def test_a_document_its_author_withdrew_says_the_day_he_did(client, db, app, settings, patient,
                                                                  her_withdrawn_copy, tmp_path, log):
    """The copy's DocumentReference says only that it was withdrawn (entered-in-error); its log says when. A log
    that does not (`silent`: a copy some tool rewrote) leaves it withdrawn today, and the command says so."""
    await new_professional(db, stem=KINE)
    data = her_withdrawn_copy  # withdrawn on WITHDRAWN_AT, 4 March 2026
    if log == "silent":
        data = rewritten(data, lambda name, content: content.replace(b"withdraw_document", b"")
                         if name == "journal-acces.csv" else content)
    copy = tmp_path / "carnet-dossier-2026-11-30.zip"
    copy.write_bytes(data)
    done = carnet(here(settings, app, db), "import", "dossier", str(copy), "--ins", patient.patient.ins)
    assert done.returncode == 0, done.stderr
    [report] = [d for d in (await documents_by_title(db, patient.dossier.id)).values() if d.withdrawn_at]
    assert (report.title, report.storage_key, report.category) == ("", "", "compte_rendu")  # a line, as it was there
    await activate(client, patient)
    page = text(await client.get(f"/documents/{report.id}"))
    day = "4 mars 2026" if log == "whole" else long_date(paris_today()).replace("\u00a0", " ")
    assert f"Retiré par son auteur le {day}, qui l'a déclaré erroné :" in page and "Bilan kiné" not in page
    undated = ("1 document retiré par son auteur l'est à la date d'aujourd'hui : l'historique de la copie ne dit pas "
               "quand il l'a été.")
    assert (undated in done.stdout) == (log == "silent")
