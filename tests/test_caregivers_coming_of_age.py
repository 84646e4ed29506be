"""Coming of age: at 18 a parent's rights end unless kept; before, a minor does not remove her parents."""

from __future__ import annotations

import html
import re
from datetime import date

from tests.conftest import AsyncTestClient
from sqlmodel import select

from server.auth.accounts import account_for_patient
from server.caregivers.majority import apply_majority
from server.caregivers.notices import text_of
from server.models import AccountNotice, Delegation
from tests.caregiver_helpers import as_account, ines_turned_18, same_as_missing, told_only_reads, words_of, years_ago
from tests.caregiver_helpers import camille  # noqa: F401 - a fixture
from tests.conftest import ORIGIN, new_patient, post_form
from tests.patient_helpers import MISSING, events


async def test_her_parents_timeline_says_what_she_chose_for_each(client, db, app):
    """After Inès chose, on "Préparer mes 18 ans", that her father keeps reading, he still read on her timeline
    "votre accès de parent prend fin, sauf si elle choisit de le garder", beside the Historique that said her choice
    (an outside tester's find). Each parent reads what she chose for them, each choice, until she changes it."""
    ines, camille, father = await ines_turned_18(db)
    for parent in (camille, father):
        db.add(Delegation(dossier_id=ines.dossier.id, caregiver_account_id=parent.id, relationship="parent"))
    await db.commit()
    ids = {d.caregiver_account_id: d.id for d in (await db.exec(select(Delegation))).all()}
    await db.commit()
    await as_account(client, db, await account_for_patient(db, patient=ines.patient))
    url = f"/dossiers/{ines.dossier.id}"
    ends = "ce jour-là, votre accès de parent prend fin, sauf si elle choisit de le garder."
    async with AsyncTestClient(app, base_url=ORIGIN) as mum, AsyncTestClient(app, base_url=ORIGIN) as dad:
        await as_account(mum, db, camille)
        await as_account(dad, db, father)

        async def told(parent) -> str:
            words = " ".join(words_of(await parent.get(url)).split())
            return words[words.index("Inès Martin aura 18 ans le"):]

        assert ends in await told(mum) and ends in await told(dad)  # nothing chosen yet
        for parent, choice in ((father, "lecture"), (camille, "gestion")):
            assert (await post_form(client, f"{url}/majorite/{ids[parent.id]}", {"choix": choice},
                                    follow_redirects=False)).status_code == 303
        assert ("ce jour-là, votre accès de parent devient un accès en lecture seule, comme elle l'a choisi (elle peut "
                "changer d'avis d'ici là).") in await told(dad)
        assert ("ce jour-là, votre accès de parent devient celui d'un proche qui gère son dossier, comme elle l'a "
                "choisi (elle peut changer d'avis d'ici là).") in await told(mum)
        log = " ".join(words_of(await dad.get(f"{url}/historique")).split())
        assert "Paul Martin : garder l'accès en lecture seule" in log  # what the timeline now agrees with
        # She changes her mind for her father: his access ends, unless she chooses again.
        assert (await post_form(client, f"{url}/majorite/{ids[father.id]}", {"choix": ""},
                                follow_redirects=False)).status_code == 303
        assert ends in await told(dad) and "lecture seule" not in await told(dad)


async def test_her_page_says_her_parents_read_more_than_her_documents(client, db, app):
    """"Ce que voient vos parents aujourd'hui" listed document titles alone, while they read her profil médical, her
    Historique and her Soins too (an outside tester's find): the section names them, each a link to see it."""
    ines, camille, _father = await ines_turned_18(db)
    db.add(Delegation(dossier_id=ines.dossier.id, caregiver_account_id=camille.id, relationship="parent"))
    await db.commit()
    await as_account(client, db, await account_for_patient(db, patient=ines.patient))
    url = f"/dossiers/{ines.dossier.id}"
    page = await client.get(f"{url}/majorite")
    section = re.search(r'<section class="stack" aria-labelledby="titre-apercu">.*?</section>', page.text, re.S)[0]
    assert ("Vos parents lisent vos documents, votre profil médical, votre Historique et vos Soins, sauf ce qu'un "
            "professionnel a gardé confidentiel pour vous : de cela, ils ne voient aucune trace.") in " ".join(
        words_of_text(section).split())
    for page_of_hers in ("profil", "historique", "soins"):
        assert f'href="{url}/{page_of_hers}"' in section
    # And each of those is indeed hers to open, and her mother's.
    async with AsyncTestClient(app, base_url=ORIGIN) as mum:
        await as_account(mum, db, camille)
        for page_of_hers in ("profil", "historique", "soins"):
            assert (await mum.get(f"{url}/{page_of_hers}")).status_code == 200, page_of_hers


def words_of_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


async def test_at_18_a_parents_rights_end_unless_the_young_adult_kept_them(client, db, app):
    ines, camille, father = await ines_turned_18(db)
    for parent in (camille, father):
        db.add(Delegation(dossier_id=ines.dossier.id, caregiver_account_id=parent.id, relationship="parent"))
    await db.commit()

    # Inès activates her own dossier, and chooses before her birthday: her father keeps reading, her mother not.
    await as_account(client, db, await account_for_patient(db, patient=ines.patient))
    page = await client.get(f"/dossiers/{ines.dossier.id}/majorite")
    assert "Ce que voient vos parents aujourd'hui" in html.unescape(page.text)
    # She is told her parents read each choice in the log (a probe's find: the page did not say it).
    assert "apparaît dans l'historique de votre dossier, que vos parents lisent" in html.unescape(page.text)
    # In English, each choice finishes "When I turn 18, <parent>:" (it read "…: No longer have access").
    english = html.unescape((await client.get(f"/dossiers/{ines.dossier.id}/majorite",
                                              headers={"accept-language": "en"})).text)
    assert "will keep read-only access" in english.lower() and "will no longer have access" in english.lower()
    delegations = {d.caregiver_account_id: d for d in (await db.exec(select(Delegation))).all()}
    kept = await post_form(client, f"/dossiers/{ines.dossier.id}/majorite/{delegations[father.id].id}",
                           {"choix": "lecture"}, follow_redirects=False)
    assert kept.status_code == 303

    async with AsyncTestClient(app, base_url=ORIGIN) as mum, AsyncTestClient(app, base_url=ORIGIN) as dad:
        await as_account(mum, db, camille)
        await as_account(dad, db, father)
        url = f"/dossiers/{ines.dossier.id}"
        assert (await mum.get(url)).status_code == (await dad.get(url)).status_code == 200
        # A year ahead, her parents are told when their rights end, each with what she chose for them (her
        # Historique, which they read, says it anyway: test_her_parents_timeline_says_what_she_chose_for_each).
        told = html.unescape((await mum.get(url)).text)
        assert ("Inès Martin aura 18 ans le " in told and "votre accès de parent prend fin, sauf si elle choisit de le "
                "garder." in told)
        assert "votre accès de parent devient un accès en lecture seule" in html.unescape((await dad.get(url)).text)
        # Her birthday comes (the app's clock cannot be moved from here: her birth date is).
        ines.patient.birth_date = years_ago(18, days=-1)
        db.add(ines.patient)
        await db.commit()
        # The rule ends the mother's rights at the birthday, before the scheduled check has run.
        await same_as_missing(mum, url, f"/dossiers/{MISSING}")
        assert (await dad.get(url)).status_code == 200
        await told_only_reads(dad, f"{url}/acces")  # kept as a reader
        assert await apply_majority(db) == 2
        assert await apply_majority(db) == 0  # once only
        await same_as_missing(mum, url, f"/dossiers/{MISSING}")
        assert (await dad.get(url)).status_code == 200
    await db.commit()
    notices = {n.account_id: text_of(n) for n in (await db.exec(select(AccountNotice))).all()}
    assert notices[camille.id] == "Inès Martin a 18 ans : votre accès de parent à son dossier a pris fin."
    assert "lecture seule" in notices[father.id]
    actions = [e.action for e in await events(db, ines.dossier.id)]
    assert actions.count("majority_ended") == actions.count("majority_kept") == 1
    # Her page of her 18th says whom she kept (it said no parent had access: a third outside probe's find).
    page = html.unescape((await client.get(f"/dossiers/{ines.dossier.id}/majorite")).text)
    assert "Comme vous l'avez choisi, Paul Martin garde un accès" in page and "Aucun parent" not in page


async def test_at_18_a_parent_she_kept_as_manager_can_be_made_a_reader_as_any_relative(client, db, app):
    """A caregivers' probe: Inès kept her father as a manager at 18; "Mes proches" offered only to remove him (and a
    new invitation to make him a reader), where a relative she invited is made a reader in one tap."""
    ines, camille, father = await ines_turned_18(db)
    for parent, level in ((camille, "lecture"), (father, "gestion")):
        db.add(Delegation(dossier_id=ines.dossier.id, caregiver_account_id=parent.id, relationship="parent",
                          after_majority=level))
    ines.patient.birth_date = years_ago(18, days=-1)  # (18 in twenty days: her birthday comes)
    db.add(ines.patient)
    await db.commit()
    assert await apply_majority(db) == 2
    await as_account(client, db, await account_for_patient(db, patient=ines.patient))
    majority = words_of(await client.get(f"/dossiers/{ines.dossier.id}/majorite"))
    assert "Comme vous l'avez choisi, Camille Martin et Paul Martin gardent un accès" in majority  # (it read "A, B")
    proches = f"/dossiers/{ines.dossier.id}/proches"
    page = words_of(await client.get(proches))
    assert "Passer Paul Martin en lecture seule" in page and "Passer Camille Martin en lecture seule" not in page
    delegations = {d.caregiver_account_id: d for d in (await db.exec(select(Delegation))).all()}
    async with AsyncTestClient(app, base_url=ORIGIN) as dad:
        await as_account(dad, db, father)
        assert (await dad.get(f"/dossiers/{ines.dossier.id}/acces")).status_code == 200  # he manages
        made = await post_form(client, f"{proches}/{delegations[father.id].id}/lecture-seule", {},
                               follow_redirects=False)
        assert made.status_code == 303
        await told_only_reads(dad, f"/dossiers/{ines.dossier.id}/acces")
        assert (await dad.get(f"/dossiers/{ines.dossier.id}")).status_code == 200  # and reads on
    assert "Passer Paul Martin en lecture seule" not in words_of(await client.get(proches))
    assert [e.action for e in await events(db, ines.dossier.id)].count("caregiver_made_reader") == 1


async def test_the_majority_page_is_not_an_adults(client, db, camille, patient):
    """"Mes 18 ans" is where a young person chooses, before 18, what their parents keep (and, for a year after,
    sees what ended). An adult (Camille, 42) finds nothing there, as for a dossier that does not exist: her helpers
    are on "Mes proches"."""
    url = f"/dossiers/{patient.dossier.id}/majorite"
    await same_as_missing(client, url, f"/dossiers/{MISSING}/majorite")
    # Her own dossier: its page as it is now, as for any form of hers refused.
    refused = await post_form(client, f"{url}/{MISSING}", {"choix": "lecture"})
    assert refused.status_code == 404 and '<a class="button primary" href="">Revoir la page</a>' in refused.text


async def test_a_minor_does_not_remove_her_parents_before_18(client, db, app):
    """Her parents manage her dossier until her birthday, unless she keeps one ("Préparer mes 18 ans"): her "Proches"
    page offers no "Retirer", and the removal itself is refused as for a page that does not exist."""
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(17), serial=8)
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=9)
    camille = await account_for_patient(db, patient=mother.patient)
    parent = Delegation(dossier_id=ines.dossier.id, caregiver_account_id=camille.id, relationship="parent")
    db.add(parent)
    await db.commit()
    await as_account(client, db, await account_for_patient(db, patient=ines.patient))
    proches = f"/dossiers/{ines.dossier.id}/proches"
    page = words_of(await client.get(proches))
    assert "Camille Martin" in page and "Retirer Camille Martin" not in page
    assert "Vous le retirez quand vous voulez" not in page
    await same_as_missing(client, f"{proches}/{parent.id}/retrait", f"{proches}/{MISSING}/retrait", data={})
    async with AsyncTestClient(app, base_url=ORIGIN) as mum:
        await as_account(mum, db, camille)
        assert (await mum.get(f"/dossiers/{ines.dossier.id}")).status_code == 200
    assert "caregiver_removed" not in [e.action for e in await events(db, ines.dossier.id)]
