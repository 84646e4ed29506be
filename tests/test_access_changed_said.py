"""A change of a professional's access is said as one in the Historique, not as a first access (an outside probe: adding
"Remboursements" to Léa's access read "Vous avez donné accès à Léa Fontaine…", the same sentence as her first)."""

from __future__ import annotations

import html
import re

from server.accesslog.journal import action_label
from tests.conftest import activate, new_professional, post_form
from tests.patient_helpers import events


async def test_a_first_access_is_given_and_the_next_one_changes_it(client, db, patient):
    await activate(client, patient)
    lea = await new_professional(db, given_name="Léa", family_name="Fontaine", profession="masseur-kinésithérapeute",
                                 feminine=True, stem=31)
    url = f"/dossiers/{patient.dossier.id}/professionnels/{lea.professional.id}/acces"
    for form in ({"portee": "categories", "categories": ["imagerie", "ordonnance"], "duree": "1a"},
                 {"portee": "categories", "categories": ["imagerie", "ordonnance", "remboursement"], "duree": "1a"}):
        assert (await post_form(client, url, form, follow_redirects=False)).status_code == 303
    log = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", (await client.get(
        f"/dossiers/{patient.dossier.id}/historique")).text)).split())
    assert re.search(r"Vous avez changé l'accès de Léa Fontaine, masseuse-kinésithérapeute, à \d+ h \d+, avec la clé "
                     r"d'accès « [^»]+ » : Imagerie, Ordonnance, Remboursements, 1 an\.", log), log
    assert len(re.findall(r"Vous avez donné accès à Léa Fontaine", log)) == 1  # her first, said as such
    changed, first = [e for e in await events(db, patient.dossier.id) if e.action == "grant"][::-1][:2]
    assert (action_label(changed), action_label(first)) == ("Accès changé", "Accès donné")  # the CSV's column too
