"""What is hidden from professionals, in one list ("Masqué aux professionnels"): a patient found what she had hidden
only by scrolling her timeline or remembering titles (an outside probe's find). For whoever manages the dossier."""

from __future__ import annotations

import html
import re

from server.profile.items import add_item
from tests.conftest import ORIGIN, AsyncTestClient, activate, add_text_document, post_form, without_csrf
from tests.patient_helpers import CAMILLE
from tests.test_professional_documents import granted
from tests.caregiver_helpers import invitation_code, new_caregiver, told_only_reads
from tests.test_profile import TODAY
from tests.shlink_helpers import ALLERGY


def listed(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<li class="access-line">\s*<p><a href="[^"]+">(?:<strong>)?([^<]+)',
                                                 page)]


async def test_the_patient_finds_every_document_and_line_she_hid_in_one_list(client, db, app, patient):
    shown = await add_text_document(db, app, patient.dossier, title="Bilan lipidique")
    hidden = await add_text_document(db, app, patient.dossier, title="Consultation de psychiatrie")
    item = await add_item(db, dossier=patient.dossier, data=ALLERGY, actor=CAMILLE, today=TODAY)
    await db.commit()
    await activate(client, patient)
    url = f"/dossiers/{patient.dossier.id}/masques"
    assert "Rien n'est masqué aux professionnels." in (await client.get(url)).text
    await post_form(client, f"/documents/{hidden.id}/masquage", {"masque": "oui"})
    await post_form(client, f"/dossiers/{patient.dossier.id}/profil/{item.id}/masquage", {"masque": "oui"})
    page = (await client.get(url)).text
    assert listed(page) == ["Consultation de psychiatrie", "L'allergie «\u00a0Pénicilline\u00a0»"]
    assert f'href="/documents/{hidden.id}"' in page and f"/profil#item-{item.id}" in page
    assert shown.title not in page
    # Reached from the timeline's filters, from a hidden document's page, and from "who may see my dossier".
    for start in (f"/dossiers/{patient.dossier.id}", f"/documents/{hidden.id}", f"/dossiers/{patient.dossier.id}/acces"):
        assert f'href="{url}"' in (await client.get(start)).text, start


async def test_only_those_who_manage_the_dossier_get_the_list(client, db, app, patient):
    hidden = await add_text_document(db, app, patient.dossier, title="Consultation de psychiatrie")
    await activate(client, patient)
    await post_form(client, f"/documents/{hidden.id}/masquage", {"masque": "oui"})
    url = f"/dossiers/{patient.dossier.id}/masques"
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with new_caregiver(app, code, given="Hugo", family="Martin") as reader:
        await told_only_reads(reader, url)
        assert f'href="{url}"' not in (await reader.get(f"/dossiers/{patient.dossier.id}")).text
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with new_caregiver(app, code, given="Paul", family="Martin") as manager:
        assert listed((await manager.get(url)).text) == ["Consultation de psychiatrie"]
    async with AsyncTestClient(app, base_url=ORIGIN) as pro:
        await granted(pro, db, patient)  # every category, for ever: still not theirs to manage
        refused, missing = await pro.get(url), await pro.get(f"/dossiers/{'0' * 32}/masques")
        assert refused.status_code == missing.status_code == 404
        assert without_csrf(refused.text) == without_csrf(missing.text)
