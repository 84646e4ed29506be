"""Within one line of the profil médical, the participles agree (a user probe read "Poids : 25,5 kg / Mesurée le 1er
décembre 2026 / Déclaré par vous"): "Mesurée" and "Faite" are said of the measure and the vaccination, and the line
under each, of the information declared, "Déclarée par", on the patient's page as on the page of what a
professional added."""

from __future__ import annotations

import html
import re

from tests.test_pro_own_documents import granted, mine, revoke
from tests.profile_page_helpers import add, as_patient, url


def item_texts(page) -> list[str]:
    """Each line of the profile, as read."""
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split())
            for item in re.findall(r'<li class="profile-item".*?</li>', page.text, re.S)]


async def test_a_measure_and_a_vaccination_are_declared_in_the_feminine_like_their_dates(app, db, patient):
    async with await as_patient(app, db, patient) as client:
        for kind, fields in (("measurement", {"label": "weight", "value": "25,5", "started_on": "2025-12-01"}),
                             ("vaccination", {"label": "DTPolio", "started_on": "2024-05-02"})):
            assert (await add(client, patient, kind, **fields)).status_code == 303
        items = item_texts(await client.get(url(patient)))
    weight = next(item for item in items if item.startswith("Poids"))
    vaccine = next(item for item in items if item.startswith("DTPolio"))
    assert "Mesurée le 1er décembre 2025 Déclarée par vous le" in weight, weight
    assert "Faite le 2 mai 2024 Déclarée par vous le" in vaccine, vaccine
    assert not any("Déclaré par" in item for item in items)


async def test_what_a_professional_declared_is_said_declared_by_her_in_the_feminine_too(client, db, patient):
    pharmacist = await granted(client, db, patient, given_name="Nathalie", family_name="Roche",
                               profession="pharmacien", feminine=True)
    assert (await add(client, patient, "vaccination", label="Grippe", started_on="2025-10-15")).status_code == 303
    await revoke(db, patient, pharmacist)
    [vaccine] = item_texts(await client.get(mine(patient)))
    assert "Faite le 15 octobre 2025 Déclarée par vous le" in vaccine, vaccine
