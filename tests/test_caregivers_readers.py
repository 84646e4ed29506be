"""A relative who reads: every action refused, the menu, what is new to them, whose dossier each page is."""

from __future__ import annotations

import html
import re

from tests.conftest import AsyncTestClient

from server.access import grants
from server.auth.accounts import account_for_professional
from server.accesslog.audit import Actor
from server.models import Dossier
from tests.caregiver_helpers import as_account, invitation_code, new_caregiver, told_only_reads, words_of
from tests.caregiver_helpers import camille  # noqa: F401 - a fixture
from tests.conftest import ORIGIN, post_form
from tests.patient_helpers import events, professional


async def test_a_reader_reads_but_every_action_is_refused(client, db, app, patient, camille):
    """The pages of a manager, and its actions (a forged form, or one of a page from before, when he managed it),
    say that he may only read the dossier (tests/test_managers_pages_to_readers.py)."""
    _, (irm, _) = camille
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with new_caregiver(app, code, given="Hugo", family="Martin") as hugo:
        url = f"/dossiers/{patient.dossier.id}"
        assert (await hugo.get(url)).status_code == 200
        assert (await hugo.get(f"/documents/{irm.id}")).status_code == 200
        assert (await hugo.get(f"{url}/historique")).status_code == 200
        for path in ("/acces", "/partage", "/proches", "/fermeture"):
            await told_only_reads(hugo, f"{url}{path}")
        for action, data in ((f"/documents/{irm.id}/masquage", {"masque": "oui"}),
                             (f"{url}/partage", {"portee": "tout", "duree": "1m"})):
            refused = await post_form(hugo, action, data)
            assert refused.status_code == 403 and "vous pouvez lire le dossier de Camille Martin, mais pas le gérer." \
                in words_of(refused)
        page = await hugo.get(f"/documents/{irm.id}")
        assert "Masquer aux professionnels" not in page.text and ">Accès<" not in page.text
    assert [e.action for e in await events(db, patient.dossier.id)
            if e.actor_kind == "caregiver"] == ["caregiver_added"]


async def test_a_readers_menu_offers_no_acces_on_any_page_he_reads(client, db, app, patient, camille):
    """"Accès" would lead him to "Page introuvable": the menu of every page he reads leaves it out, the
    Historique's too."""
    _, (irm, _) = camille
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with new_caregiver(app, code, given="Hugo", family="Martin") as hugo:
        url = f"/dossiers/{patient.dossier.id}"
        for page in (url, f"/documents/{irm.id}", f"{url}/profil", f"{url}/soins", f"{url}/historique"):
            response = await hugo.get(page)
            assert response.status_code == 200 and f'href="{url}/acces"' not in response.text, page
        assert 'href="/acces"' in (await client.get(f"{url}/historique")).text  # Camille's own menu has it


async def test_a_newcomer_is_shown_as_new_only_what_happened_since_they_joined(client, db, app, patient, camille):
    """What the log held before a relative joined is not news to them: no "nouveaux événements" on their first
    visit (it said "99+" for a dossier with a long log). What comes after is."""
    _account, (irm, _) = camille
    for hidden in ("oui", "non", "oui"):  # the log grows before he is invited
        await post_form(client, f"/documents/{irm.id}/masquage", {"masque": hidden}, follow_redirects=False)
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with new_caregiver(app, code) as paul:
        timeline = await paul.get(f"/dossiers/{patient.dossier.id}")
        assert timeline.status_code == 200 and "log-badge" not in timeline.text
        await post_form(client, f"/documents/{irm.id}/masquage", {"masque": "non"}, follow_redirects=False)
        timeline = await paul.get(f"/dossiers/{patient.dossier.id}")
        assert "1 nouvel événement" in timeline.text


async def first_read_by_a_professional(app, db, dossier_id: str, given_name: str, stem: int) -> str:
    """A professional given access opens the dossier (a first opening, which the patient is told of): their name."""
    kine = await professional(db, "Moreau", given_name=given_name, stem=stem)
    await grants.grant_access(db, dossier=await db.get(Dossier, dossier_id), professional=kine, categories="",
                              duration="sans", actor=Actor(None, "patient", "Camille Martin"))
    async with AsyncTestClient(app, base_url=ORIGIN) as theirs:
        await as_account(theirs, db, await account_for_professional(db, professional=kine))
        assert (await theirs.get(f"/dossiers/{dossier_id}")).status_code == 200
    return f"{given_name} Moreau"


def banner(page: str) -> str:
    match = re.search(r'<section id="notification-banner".*?</section>', page, re.S)
    return html.unescape(match.group(0)) if match else ""


async def test_each_reader_marks_the_banner_seen_for_themselves_and_a_newcomer_starts_from_none(
        client, db, app, patient, camille):
    """"Vu" on the banner of new accesses is each reader's own: a caregiver who presses it leaves the patient's
    banner as it was, and one who has just joined is not told what the patient was told before."""
    url = f"/dossiers/{patient.dossier.id}"
    before = await first_read_by_a_professional(app, db, patient.dossier.id, "Julie", stem=3)
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with new_caregiver(app, code) as paul:
        assert banner((await paul.get(url)).text) == ""  # what came before he joined is not news to him
        after = await first_read_by_a_professional(app, db, patient.dossier.id, "Marc", stem=4)
        page = (await paul.get(url)).text
        assert after in banner(page) and before not in banner(page)
        up_to = re.search(r'name="jusqua" value="(\d+)"', page).group(1)
        done = await post_form(paul, f"{url}/notifications/vu", {"jusqua": up_to}, follow_redirects=False)
        assert done.status_code == 303
        assert banner((await paul.get(url)).text) == ""

    # Camille has pressed nothing: her banner still tells her of both, and of Paul joining.
    told = banner((await client.get(url)).text)
    assert before in told and after in told and "Paul Martin" in told


async def test_a_relative_is_told_on_every_page_whose_dossier_it_is_and_what_they_may_do_in_it(
        client, db, app, patient, camille):
    """A reader met pages where what he may not do was simply missing, and titles ("Historique · Carnet", read aloud
    at each page) that named no one (an outside probe's finds): the band says his role, each title the patient."""
    _, (irm, _) = camille
    url = f"/dossiers/{patient.dossier.id}"
    for level, role in (("lecture", "Lecture seule : vous lisez ce dossier sans pouvoir le modifier"),
                        ("gestion", "Vous gérez ce dossier")):
        code = await invitation_code(client, patient.dossier.id, level=level)
        async with new_caregiver(app, code, given="Hugo" if level == "lecture" else "Paul", family="Martin") as relative:
            pages = [url, f"/documents/{irm.id}", f"{url}/profil", f"{url}/soins", f"{url}/historique"]
            pages += [f"{url}/acces", f"{url}/proches"] if level == "gestion" else []
            for page in pages:
                response = await relative.get(page)
                assert response.status_code == 200 and f'<span class="small band-role">{role}</span>' in response.text, page
                title = re.search(r"<title>([^<]*)</title>", response.text).group(1)
                assert "Camille Martin" in title, (page, title)
    own = (await client.get(f"{url}/historique")).text
    assert "band-role" not in own and "Camille Martin" not in re.search(r"<title>([^<]*)</title>", own).group(1)
