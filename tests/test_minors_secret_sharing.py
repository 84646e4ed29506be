"""A minor who sees a professional alone (CSP L1111-5) keeps the visit from her parents when she makes the share code,
before the professional opens anything: her parents then see no trace of that professional, from the code's first
use on (caregivers/confidential.py). An outside probe's find: the professional's opening of the dossier was told to
the parents (the banner, a push, the Historique) minutes before she could mark anything confidential."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta

from server.auth.accounts import account_for_patient, account_for_professional
from tests.conftest import AsyncTestClient, ORIGIN, new_patient, new_professional, post_form
from tests.push_service import PushService
from tests.caregiver_helpers import as_account, years_ago
from tests.test_export_for_parents import attached_by_mother
from tests.test_notifications import settled, subscribe

MIDWIFE = "Hélène Roux"


def words(response) -> str:
    return html.unescape(response.text).replace("\u00a0", " ")


async def minor_and_mother(client, db):
    """Inès, 15, with her own account; her mother signed in on `client`."""
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(15), serial=6)
    mother = await attached_by_mother(client, db, ines, serial=5)
    return ines, mother


async def code_made(client, dossier_id: str, **asked) -> tuple[str, str]:
    """A share code made on `client` for every document, a month: its page's address, and the code."""
    made = await post_form(client, f"/dossiers/{dossier_id}/partage", {"portee": "tout", "duree": "1m", **asked},
                           follow_redirects=False)
    assert made.status_code == 303, made.text
    page = await client.get(made.headers["location"])
    return made.headers["location"], re.search(r'<p class="code"[^>]*>([^<]+)</p>', page.text).group(1)


async def used_and_opened(app, db, code: str, dossier_id: str, *, stem: int, family_name: str = "Roux") -> None:
    """A midwife types the code and opens the dossier, as she does at once: her first opening of it."""
    midwife = await new_professional(db, given_name="Hélène", family_name=family_name, profession="sage-femme",
                                     stem=stem, feminine=True)
    async with AsyncTestClient(app, base_url=ORIGIN) as hers:
        await as_account(hers, db, await account_for_professional(db, professional=midwife.professional))
        used = await post_form(hers, "/pro/code", {"code": code}, follow_redirects=False)
        assert used.headers["location"] == f"/dossiers/{dossier_id}"
        assert (await hers.get(f"/dossiers/{dossier_id}")).status_code == 200
    await settled(app)


async def test_a_professional_the_minor_keeps_from_her_parents_is_never_shown_to_them(client, db, app):
    ines, mother = await minor_and_mother(client, db)
    url = f"/dossiers/{ines.dossier.id}"
    with PushService() as push_service:
        tablet = push_service.device("tablette-de-camille")
        assert (await subscribe(client, db, await account_for_patient(db, patient=mother.patient), tablet)
                ).status_code == 200
        async with AsyncTestClient(app, base_url=ORIGIN) as own:
            await as_account(own, db, await account_for_patient(db, patient=ines.patient))
            assert "Ne pas montrer ce partage à mes parents" in words(await own.get(f"{url}/partage"))
            page, code = await code_made(own, ines.dossier.id, confidentiel="oui")
            assert "Ce partage est caché à vos parents." in words(await own.get(page))
            await used_and_opened(app, db, code, ines.dossier.id, stem=61)
            # Inès sees it all, in her own Historique and on her code's page.
            assert MIDWIFE in words(await own.get(f"{url}/historique"))
            assert f"Code utilisé par {MIDWIFE}" in words(await own.get(page))
        assert push_service.to(tablet) == []
    for address in (url, f"{url}/historique", f"{url}/historique.csv", f"{url}/acces"):
        seen = words(await client.get(address))
        assert "Roux" not in seen and "code de partage" not in seen.lower(), address
    assert (await client.get(page)).status_code == 404  # as a code that never was
    assert (await post_form(client, f"{page}/annulation", {}, follow_redirects=False)).status_code == 404


async def test_only_the_minor_herself_keeps_a_share_from_her_parents(client, db, app):
    """The mother is not offered the choice, and asking for it anyway makes an ordinary code: she sees who used it,
    as she sees whom Inès shared with without asking it."""
    ines, _ = await minor_and_mother(client, db)
    url = f"/dossiers/{ines.dossier.id}"
    assert "Ne pas montrer ce partage" not in words(await client.get(f"{url}/partage"))
    _, code = await code_made(client, ines.dossier.id, confidentiel="oui")
    await used_and_opened(app, db, code, ines.dossier.id, stem=62)
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        _, code = await code_made(own, ines.dossier.id)
        await used_and_opened(app, db, code, ines.dossier.id, stem=63, family_name="Blanc")
    banner = words(await client.get(url))  # their first openings, on the mother's banner
    assert "Hélène Roux" in banner and "Hélène Blanc" in banner
    seen = words(await client.get(f"{url}/historique"))
    assert "Hélène Roux" in seen and "Hélène Blanc" in seen


async def test_a_young_adult_has_no_parents_to_keep_a_share_from(client, db, app):
    """At 18 the choice is no longer offered, and asking for it makes an ordinary code."""
    camille = await new_patient(db, given_name="Camille", family_name="Martin", birth=years_ago(18), serial=7)
    await as_account(client, db, await account_for_patient(db, patient=camille.patient))
    url = f"/dossiers/{camille.dossier.id}"
    assert "Ne pas montrer ce partage" not in words(await client.get(f"{url}/partage"))
    page, _ = await code_made(client, camille.dossier.id, confidentiel="oui")
    assert "caché à vos parents" not in words(await client.get(page))


async def test_a_code_the_minor_made_is_no_code_to_her_parents(client, db, app):
    """Another probe's find: used by a professional who then kept care from them, Inès's ordinary code read to her
    mother "Code expiré. Personne ne l'a utilisé." minutes into its ten, when a code no one used still waits. Inès's
    own codes are hers: left out of her parents' Historique, and each page, waiting, used or not, is to them a
    missing one's."""
    from tests.patient_helpers import same_404

    ines, _ = await minor_and_mother(client, db)
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        waiting, _ = await code_made(own, ines.dossier.id)
        used, code = await code_made(own, ines.dossier.id)
        await used_and_opened(app, db, code, ines.dossier.id, stem=66)
    missing = "/partage/" + "0" * 32
    for page in (waiting, used):
        await same_404(client, page, missing)
        await same_404(client, f"{page}/annulation", f"{missing}/annulation", data={})
    seen = words(await client.get(f"/dossiers/{ines.dossier.id}/historique"))
    assert "Hélène Roux" in seen and "a créé un code de partage" not in seen  # its use alone: no longer hers


async def test_the_minors_waiting_codes_are_listed_to_her_alone_and_a_kept_one_points_to_no_directory(
        client, db, app):
    """The Accès page lists the codes still waiting (an outside probe's find): the minor's own are hers alone, as
    their pages are; her parents' are listed to her. Two minutes on, a code's page says access may be given from the
    directory too, except a code she keeps from her parents: the directory's access is not kept from them."""
    from sqlalchemy import update
    from server.models import ShareCode, utcnow
    from tests.test_patient_sharing import DIRECTORY_WAY

    ines, _ = await minor_and_mother(client, db)
    access = f"/dossiers/{ines.dossier.id}/acces"
    mothers, _ = await code_made(client, ines.dossier.id)
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        kept, _ = await code_made(own, ines.dossier.id, confidentiel="oui")
        ordinary, _ = await code_made(own, ines.dossier.id)
        hers = words(await own.get(access))
        assert hers.count("Créé par vous.") == 2 and "Créé par Camille Martin." in hers
        await db.exec(update(ShareCode).values(created_at=utcnow() - timedelta(minutes=3)))
        await db.commit()
        assert DIRECTORY_WAY in words(await own.get(ordinary)) and DIRECTORY_WAY not in words(await own.get(kept))
    theirs = await client.get(access)
    assert words(theirs).count("Code valable jusqu'à") == 1 and "Créé par vous." in words(theirs)
    assert f"{mothers}/annulation" in theirs.text
    assert f"{kept}/annulation" not in theirs.text and f"{ordinary}/annulation" not in theirs.text


def ticked(page: str) -> bool:
    """Whether the form's "Ne pas montrer aux parents" box is ticked."""
    box = re.search(r'<input type="checkbox" name="confidentiel"[^>]*>', page)
    return box is not None and " checked" in box.group(0)


async def test_the_professional_a_minor_keeps_from_her_parents_finds_what_she_writes_kept_from_them(client, db, app):
    """Anything of hers the parents saw would be the one trace of her they were shown: her forms start with "Ne pas
    montrer aux parents" ticked (she unticks it for what they should see); another professional's do not."""
    ines, _ = await minor_and_mother(client, db)
    url = f"/dossiers/{ines.dossier.id}"
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        _, kept_code = await code_made(own, ines.dossier.id, confidentiel="oui")
        _, code = await code_made(own, ines.dossier.id)
    forms = (f"{url}/documents/nouvelle-note", f"{url}/documents/nouveau", f"{url}/profil/ajouter?type=treatment")
    for stem, typed, kept in ((64, kept_code, True), (65, code, False)):
        midwife = await new_professional(db, given_name="Hélène", family_name=f"Roux{stem}", profession="sage-femme",
                                         stem=stem, feminine=True)
        async with AsyncTestClient(app, base_url=ORIGIN) as hers:
            await as_account(hers, db, await account_for_professional(db, professional=midwife.professional))
            await post_form(hers, "/pro/code", {"code": typed})
            pages = [(await hers.get(form)).text for form in forms]
            assert [ticked(page) for page in pages] == [kept] * 3
            # Said of a girl as of a girl, and truthfully: what the parents' own grant shows them, they see.
            assert all("Votre patiente est mineure" in html.unescape(page) and
                       "ils voient encore que vous le consultez" in html.unescape(page) for page in pages)
            if kept:
                note = {"title": "Consultation", "category": "compte_rendu",
                        "event_date": str(date.today() - timedelta(days=1)),
                        "note": "Contraception.", "confidentiel": "oui"}  # as her browser sends the ticked form
                assert (await post_form(hers, forms[0], note, follow_redirects=False)).status_code == 303
    assert "Consultation" not in words(await client.get(url))


async def doctor_the_mother_granted(client, db, url: str, *, stem: int):
    """Dr Claire Bernard, given access to the whole dossier for a year by the mother (signed in on `client`)."""
    doctor = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin", stem=stem,
                                    feminine=True)
    granted = await post_form(client, f"{url}/professionnels/{doctor.professional.id}/acces",
                              {"portee": "tout", "duree": "1a"}, follow_redirects=False)
    assert granted.status_code == 303, granted.text
    return doctor


async def test_what_the_parents_saw_of_the_doctor_they_chose_stays_once_she_keeps_care_from_them(client, db, app):
    """An outside probe's find: the mother gave Inès's doctor access; the day the doctor kept a consultation from the
    parents, every line of hers vanished from the mother's Historique (and banner), though her access and her
    certificate stayed: which told the mother that something was kept. What the doctor does by the parents' grant is
    theirs to see, before and after, but what she kept; what she does by anything else stays kept."""
    ines, _ = await minor_and_mother(client, db)
    url = f"/dossiers/{ines.dossier.id}"
    doctor = await doctor_the_mother_granted(client, db, url, stem=67)
    note = {"category": "certificat", "event_date": str(date.today() - timedelta(days=1))}
    async with AsyncTestClient(app, base_url=ORIGIN) as hers:
        await as_account(hers, db, await account_for_professional(db, professional=doctor.professional))
        assert (await hers.get(url)).status_code == 200
        sport = await post_form(hers, f"{url}/documents/nouvelle-note",
                                {**note, "title": "Certificat de sport", "note": "Apte."}, follow_redirects=False)
        before = words(await client.get(f"{url}/historique"))
        assert "a ajouté « Certificat de sport »" in before and "Claire Bernard, médecin, a consulté" in before
        kept = await post_form(hers, f"{url}/documents/nouvelle-note",
                               {**note, "title": "Contraception", "note": "Pilule.", "confidentiel": "oui"},
                               follow_redirects=False)
        assert (await hers.get(kept.headers["location"].split("?")[0])).status_code == 200  # she reads it
        # Nor a document she reads: one outside the parents' grant would tell them of the minor's.
        assert (await hers.get(sport.headers["location"].split("?")[0])).status_code == 200
        await post_form(hers, f"{url}/documents/nouvelle-note",
                        {**note, "title": "Certificat de natation", "note": "Apte aussi."})
    after = words(await client.get(f"{url}/historique"))
    assert "a ajouté « Certificat de sport »" in after and "a ajouté « Certificat de natation »" in after
    assert after.count("Claire Bernard, médecin, a consulté") >= before.count("Claire Bernard, médecin, a consulté")
    assert "Contraception" not in after and "Contraception" not in words(await client.get(url))
    assert "a consulté « Certificat de sport »" not in after
    assert re.search(r"<option[^>]*>\s*Claire Bernard", after)  # the Historique's filter names her, as before
    # Blocked by the mother, she reads on by a code Inès gives her: that is not the parents' to see.
    blocked = await post_form(client, f"{url}/professionnels/{doctor.professional.id}/blocage", {},
                              follow_redirects=False)
    assert blocked.status_code == 303, blocked.text
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        _, code = await code_made(own, ines.dossier.id)
    async with AsyncTestClient(app, base_url=ORIGIN) as hers:
        await as_account(hers, db, await account_for_professional(db, professional=doctor.professional))
        await post_form(hers, "/pro/code", {"code": code})
        assert (await hers.get(url)).status_code == 200
    assert words(await client.get(f"{url}/historique")).count("Claire Bernard, médecin, a consulté") == \
        after.count("Claire Bernard, médecin, a consulté")


@asynccontextmanager
async def midwife_who_filed_a_pill(app, db, minor, code: str, *,
                                   stem: int) -> AsyncIterator[tuple[AsyncTestClient, str]]:
    """A midwife who opened the minor's dossier by her share code and filed a prescription, dated yesterday, without
    ticking "Ne pas montrer aux parents": her client, and the prescription's page."""
    midwife = await new_professional(db, given_name="Hélène", family_name="Roux", profession="sage-femme",
                                     stem=stem, feminine=True)
    async with AsyncTestClient(app, base_url=ORIGIN) as hers:
        await as_account(hers, db, await account_for_professional(db, professional=midwife.professional))
        await post_form(hers, "/pro/code", {"code": code})
        filed = await post_form(hers, f"/dossiers/{minor.dossier.id}/documents/nouvelle-note", {
            "title": "Prescription de pilule", "category": "ordonnance", "note": "Une par jour.",
            "event_date": str(date.today() - timedelta(days=1))}, follow_redirects=False)
        yield hers, filed.headers["location"].split("?")[0]


async def test_a_document_filed_without_the_box_is_kept_from_the_parents_afterwards_by_its_author(client, db, app):
    """An outside probe's find: a professional who forgot "Ne pas montrer aux parents", or whom the minor asked later,
    could not keep the document from them any more. Its author now can, from its page; no one else."""
    ines, _ = await minor_and_mother(client, db)
    url = f"/dossiers/{ines.dossier.id}"
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        _, code = await code_made(own, ines.dossier.id)
        async with midwife_who_filed_a_pill(app, db, ines, code, stem=68) as (hers, page):
            assert "Prescription de pilule" in words(await client.get(url))  # filed for every reader
            assert "Ne plus montrer aux parents" not in words(await own.get(page))  # Inès is not its author
            assert (await post_form(own, f"{page}/cacher-aux-parents", {}, follow_redirects=False)).status_code == 404
            assert (await post_form(client, f"{page}/cacher-aux-parents", {},
                                    follow_redirects=False)).status_code == 404
            assert "Ne plus montrer aux parents" in words(await hers.get(page))
            kept = await post_form(hers, f"{page}/cacher-aux-parents", {}, follow_redirects=False)
            assert kept.status_code == 303 and kept.headers["location"] == page
            shown = words(await hers.get(page))
            assert "Caché aux parents" in shown and "Ne plus montrer aux parents" not in shown
        assert "Hélène Roux, sage-femme, a caché « Prescription de pilule » aux parents" in words(
            await own.get(f"{url}/historique"))
    for address in (url, f"{url}/historique"):
        assert "Prescription de pilule" not in words(await client.get(address)), address
    assert (await client.get(page)).status_code == 404


async def test_the_migration_adds_the_minors_choice_and_goes_back(client, db, app):
    """Down, a code she kept becomes an ordinary one; up again, every code is an ordinary one until she asks."""
    from alembic import command
    from sqlalchemy import text

    from tests.patient_helpers import migrate

    ines, _ = await minor_and_mother(client, db)
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        await code_made(own, ines.dossier.id, confidentiel="oui")
    await db.commit()
    await migrate(app, command.downgrade, "0059")
    async with app.state.engine.connect() as connection:
        columns = (await connection.execute(text("SELECT * FROM sharecode"))).keys()
    assert "kept_from_representatives" not in columns
    await migrate(app, command.upgrade, "head")
    async with app.state.engine.connect() as connection:
        kept = (await connection.execute(text("SELECT kept_from_representatives FROM sharecode"))).scalars().all()
    assert kept == [False]


async def test_the_code_the_minor_keeps_from_her_parents_leaves_their_own_grant_as_it_was(client, db, app):
    """A review's find: the doctor the mother gave access to typed a code Inès kept from her parents, and it ended
    the mother's grant (a new grant replaces the current ones): her Accès page then lost the doctor's access, with no
    event to explain it, which told her of another access. The kept code replaces only what the minor's side gave."""
    ines, _ = await minor_and_mother(client, db)
    url = f"/dossiers/{ines.dossier.id}"
    doctor = await doctor_the_mother_granted(client, db, url, stem=69)
    before = main_of(await client.get(f"{url}/acces"))
    assert "Claire Bernard" in before
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        # Told truthfully: what the parents' own grant shows them, they still see.
        assert "sauf s'ils lui ont eux-mêmes donné accès : ils voient alors qu'il consulte le dossier" in words(
            await own.get(f"{url}/partage"))
        _, code = await code_made(own, ines.dossier.id, confidentiel="oui")
    async with AsyncTestClient(app, base_url=ORIGIN) as hers:
        await as_account(hers, db, await account_for_professional(db, professional=doctor.professional))
        assert (await post_form(hers, "/pro/code", {"code": code}, follow_redirects=False)).status_code == 303
    assert main_of(await client.get(f"{url}/acces")) == before


def main_of(response) -> str:
    """A page's main content, without its forms' tokens."""
    main = words(response).split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r'(data-csrf-token|value)="[^"]*"', "", main)


async def test_what_the_doctor_does_by_the_parents_grant_after_they_unblock_her_is_theirs_to_see(client, db, app):
    """A review's find: the mother blocked the doctor she had given access to, then unblocked her; her grant held
    again (a block stops it, a lifted one gives it back), yet the doctor's every opening after that was left out of
    the mother's Historique, as if by another access: which told the mother that the doctor kept something."""
    ines, _ = await minor_and_mother(client, db)
    url = f"/dossiers/{ines.dossier.id}"
    doctor = await doctor_the_mother_granted(client, db, url, stem=70)
    note = {"category": "certificat", "event_date": str(date.today() - timedelta(days=1))}
    async with AsyncTestClient(app, base_url=ORIGIN) as hers:
        await as_account(hers, db, await account_for_professional(db, professional=doctor.professional))
        await post_form(hers, f"{url}/documents/nouvelle-note",
                        {**note, "title": "Contraception", "note": "Pilule.", "confidentiel": "oui"})
        for change in ("blocage", "deblocage"):
            done = await post_form(client, f"{url}/professionnels/{doctor.professional.id}/{change}", {},
                                   follow_redirects=False)
            assert done.status_code == 303, done.text
        before = words(await client.get(f"{url}/historique")).count("Claire Bernard, médecin, a consulté")
        assert (await hers.get(url)).status_code == 200
        await post_form(hers, f"{url}/documents/nouvelle-note",
                        {**note, "title": "Certificat de natation", "note": "Apte."})
    after = words(await client.get(f"{url}/historique"))
    assert after.count("Claire Bernard, médecin, a consulté") == before + 1
    assert "a ajouté « Certificat de natation »" in after and "Contraception" not in after


async def test_a_document_kept_from_the_parents_afterwards_is_kept_with_its_earlier_versions(client, db, app):
    """A review's find: a corrected prescription kept from the parents afterwards left its first version theirs to
    read, under the same title, from their Historique. Kept, a document is kept with the versions it corrects, as a
    hidden one is hidden with them (access/hiding.py)."""
    ines, _ = await minor_and_mother(client, db)
    url = f"/dossiers/{ines.dossier.id}"
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        _, code = await code_made(own, ines.dossier.id)
    day = str(date.today() - timedelta(days=1))
    async with midwife_who_filed_a_pill(app, db, ines, code, stem=72) as (hers, first):
        corrected = await post_form(hers, f"{first}/correction", {
            "title": "Prescription de pilule", "note": "Une par jour, 21 jours.", "event_date": day},
            follow_redirects=False)
        assert corrected.status_code == 303, corrected.text
        latest = corrected.headers["location"].split("?")[0]
        assert latest != first and (await client.get(first)).status_code == 200
        assert "Ne plus montrer aux parents" not in words(await hers.get(first))  # a version replaced: its latest's
        kept = await post_form(hers, f"{latest}/cacher-aux-parents", {}, follow_redirects=False)
        assert kept.status_code == 303
    assert "Prescription de pilule" not in words(await client.get(f"{url}/historique"))
    for page in (first, latest):
        assert (await client.get(page)).status_code == 404, page
