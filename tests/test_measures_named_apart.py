"""Each measure's buttons and links name it apart from the others of its measure, by its value and its day, as its line
shows them (an outside tester's find: under "Toutes les mesures, une par une", nine links were each "Retirer (erreur
de saisie) : la mesure « Glycémie »" to a screen reader, none saying which)."""

from __future__ import annotations

import html
import re

from server.access import grants
from server.auth.accounts import account_for_professional
from tests.conftest import post_form
from tests.profile_page_helpers import CAMILLE, add, as_patient, browser, doctor, items_of, url

GLYCEMIES = (("1,05", "2025-02-03"), ("0,98", "2025-03-03"), ("1,05", "2025-04-07"))
NAMES = ["la mesure « Glycémie » de 1,05 g/L du 7 avril 2025",  # newest first, as the list shows them
         "la mesure « Glycémie » de 0,98 g/L du 3 mars 2025",
         "la mesure « Glycémie » de 1,05 g/L du 3 février 2025"]


def accessible_names(page, action: str) -> list[str]:
    """What a screen reader says of each button or link that begins with `action`: its words, the hidden ones too."""
    found = re.findall(rf"<(?:a|button)\b[^>]*>\s*({re.escape(action)}.*?)</(?:a|button)>", page.text, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", words)).replace("\u00a0", " ").split()) for words in found]


async def test_each_measure_a_professional_may_take_back_is_named_by_its_value_and_day(app, db, patient):
    author = await doctor(db)
    await grants.grant_access(db, dossier=patient.dossier, professional=author, categories="", duration="sans",
                              actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=author)) as client:
        for value, day in GLYCEMIES:
            assert (await add(client, patient, "measurement", label="glucose", value=value,
                              started_on=day)).status_code == 303
        page = await client.get(url(patient))
    assert accessible_names(page, "Retirer (erreur de saisie)") == [
        f"Retirer (erreur de saisie) : {name}" for name in NAMES]

    # The patient's buttons, for the same lines; and the list of what she hides, whose links say which one.
    async with await as_patient(app, db, patient) as phone:
        page = await phone.get(url(patient))
        assert accessible_names(page, "Masquer aux professionnels") == [
            f"Masquer aux professionnels : {name}" for name in NAMES]
        assert accessible_names(page, "Supprimer") == [f"Supprimer {name}" for name in NAMES]
        for item in await items_of(db, patient):
            hidden = await post_form(phone, url(patient, f"/{item.id}/masquage"), {"masque": "oui"},
                                     follow_redirects=False)
            assert hidden.status_code == 303, hidden.text[:300]
        listed = await phone.get(f"/dossiers/{patient.dossier.id}/masques")
    links = re.findall(r'<a href="[^"]*/profil#item-[^"]*">([^<]*)</a>', html.unescape(listed.text))
    assert sorted(link.replace("\u00a0", " ") for link in links) == sorted(name[:1].upper() + name[1:]
                                                                           for name in NAMES)
