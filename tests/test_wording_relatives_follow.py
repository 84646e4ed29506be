"""A relative helps the patient to follow her dossier, in French: "aider avec le dossier" (a user probe's find, an
anglicism) is said nowhere, from the invitation to the Historique, whether the relative only reads or manages."""

from __future__ import annotations

import re
from pathlib import Path

from server.accesslog.phrases import PHRASES
from tests.conftest import ORIGIN, AsyncTestClient, post_form
from tests.caregiver_helpers import camille, invitation_code, new_caregiver, words_of  # noqa: F401  (a fixture)

SERVER = Path(__file__).resolve().parent.parent / "server"
ANGLICISM = re.compile(r"\baid(?:e|es|ez|ent|er|ait|ant)\s+(?:déjà\s+|plus\s+|encore\s+)?avec\b")


async def test_the_invitation_the_relatives_pages_and_the_historique_say_helping_to_follow_the_dossier(
        client, app, patient, camille):  # noqa: F811
    dossier = f"/dossiers/{patient.dossier.id}"
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        invited = words_of(await post_form(stranger, "/invitation",
                                           {"code": await invitation_code(client, patient.dossier.id, level="lecture")}))
    assert "Camille Martin vous invite à l'aider à suivre son dossier (lecture seule" in invited, invited
    async with new_caregiver(app, await invitation_code(client, patient.dossier.id)) as paul:
        assert "Les proches qui aident à suivre ce dossier" in words_of(await paul.get(f"{dossier}/acces"))
        assert "Les personnes qui aident à suivre ce dossier." in words_of(await paul.get(f"{dossier}/proches"))
    assert "Mes proches : qui m'aide à suivre mon dossier" in words_of(await client.get(f"{dossier}/acces"))
    assert "1 personne aide à suivre ce dossier" in words_of(await client.get(f"{dossier}/proches"))
    log = words_of(await client.get(f"{dossier}/historique")).replace("\u00a0", " ")
    assert "Paul Martin a accepté l'invitation à suivre votre dossier" in log
    assert "Vous avez invité un proche à suivre votre dossier" in log
    assert not ANGLICISM.search(invited + log)


def test_no_french_text_of_the_server_says_aider_avec():
    found = [f"{path.relative_to(SERVER)}: {match[0]}" for path in sorted(SERVER.rglob("*"))
             if path.suffix in (".py", ".html", ".js") and path.is_file()
             for match in ANGLICISM.finditer(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_logs_sentences_of_relatives_keep_the_fields_old_events_fill():
    """The sentences are rendered when read, from what each event stored: the new words ask for no other field."""
    for action in ("caregiver_invited", "caregiver_added", "caregiver_stepped_down"):
        phrase = PHRASES[action]
        assert "suivre %(dossier)s" in phrase.said and "suivre %(dossier)s" in phrase.yours
        assert "aider" not in phrase.said + phrase.yours
