"""A minor's parents who give access to, revoke, or block a professional who kept care from them (CSP L1111-5)
make decisions of their own: the minor's grants and the professional's kept care stay as the minor left them, and
the parents' pages show their own decisions without a contradiction that would tell them someone is kept (an
outside tester's find: the mother's grant replaced Inès's, her block cut Dr Girard off from the consultation she
kept, and her Accès page said "L'accès a été accordé" above "Aucun professionnel ne peut voir ce dossier")."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from contextlib import asynccontextmanager

from sqlmodel import select, update

from server.auth.accounts import account_for_patient
from server.models import Block, Grant, Patient
from tests.conftest import AsyncTestClient, ORIGIN, post_form
from tests.caregiver_helpers import as_account, years_ago
from tests.test_kept_traces import minor_with_a_kept_doctor


@asynccontextmanager
async def her_phone(app, db, ines) -> AsyncIterator[AsyncTestClient]:
    """Inès's own browser, signed in as her, beside her mother's (`client`)."""
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        yield own


async def grant(client, dossier_id: str, professional_id: str, categories: list[str], duration: str = "1a"):
    data = {"portee": "categories" if categories else "tout", "duree": duration}
    if categories:
        data["categories"] = categories
    assert await act(client, f"/dossiers/{dossier_id}/professionnels/{professional_id}/acces", data) == 303


async def act(client, url: str, data: dict | None = None) -> int:
    """A form sent, and the status of its answer (303: done, and back to a page)."""
    return (await post_form(client, url, data or {}, follow_redirects=False)).status_code


async def fresh(db) -> None:
    """The test's own session, out of the transaction it read in: what the requests wrote since."""
    await db.commit()
    db.expire_all()


async def grants_of(db, dossier_id: str, professional_id: str) -> list[Grant]:
    await fresh(db)
    return list((await db.exec(select(Grant).where(Grant.dossier_id == dossier_id,
                                                   Grant.professional_id == professional_id))).all())


async def test_a_parents_grant_to_a_kept_professional_leaves_the_minors_and_shows_as_theirs(client, db, app):
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    dossier_id, girard = ines.dossier.id, doctor.professional.id
    async with her_phone(app, db, ines) as own:
        await grant(own, dossier_id, girard, [])  # Inès: every category, a year
        await grant(client, dossier_id, girard, ["biologie"], "1m")  # her mother, not knowing
        grants = await grants_of(db, dossier_id, girard)
        assert sorted((g.given_by, g.categories, g.revoked_at is None) for g in grants) == [
            ("patient", "", True), ("representative", "biologie", True)]
        # The mother's page: her grant, and what it lets Dr Girard see; nothing of Inès's.
        mothers = (await client.get(f"/dossiers/{dossier_id}/acces")).text
        assert "Girard" in mothers and "1 professionnel peut voir ce dossier" in mothers
        assert "Biologie" in mothers and "Tous les documents" not in mothers
        professional_page = (await client.get(f"/dossiers/{dossier_id}/professionnels/{girard}")).text
        assert "Accès accordé : Biologie" in professional_page and "Accès accordé : tous" not in professional_page
        # Inès's page: her own grant, and her mother's beside it, which she cannot revoke (nor her mother hers).
        hers = (await own.get(f"/dossiers/{dossier_id}/acces")).text
        assert "Tous les documents" in hers and "Un de vos parents lui a aussi donné accès : Biologie" in hers
        mothers_grant = next(g for g in grants if g.given_by == "representative")
        inès_grant = next(g for g in grants if g.given_by == "patient")
        assert await act(own, f"/dossiers/{dossier_id}/acces/{mothers_grant.id}/revocation") == 404
        assert await act(client, f"/dossiers/{dossier_id}/acces/{inès_grant.id}/revocation") == 404
        assert await act(client, f"/dossiers/{dossier_id}/acces/{mothers_grant.id}/revocation") == 303
        assert [g.given_by for g in await grants_of(db, dossier_id, girard) if g.revoked_at is None] == ["patient"]
        # Her own decisions are in her Historique, whose filter names Dr Girard as it names any professional she gave
        # access to; the minor's grant is not.
        log = (await client.get(f"/dossiers/{dossier_id}/historique")).text
        lines = re.findall(r'<span class="log-text"[^>]*>(.*?)</span>', log, re.S)
        assert sum("Girard" in line for line in lines) == 2 and "Tous les documents" not in log
        assert re.search(r"<option[^>]*>Anne Girard, médecin</option>", log)


async def test_a_parents_block_of_a_kept_professional_stops_only_the_parents_grants(client, db, app):
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    dossier_id, girard = ines.dossier.id, doctor.professional.id
    async with her_phone(app, db, ines) as own:
        await grant(own, dossier_id, girard, ["vaccination"])
        await grant(client, dossier_id, girard, ["ordonnance"])
        assert await act(client, f"/dossiers/{dossier_id}/professionnels/{girard}/blocage") == 303
        await fresh(db)
        block = (await db.exec(select(Block).where(Block.dossier_id == dossier_id))).one()
        assert block.representatives_only and block.blocked_by == "representative"
        block_id = block.id
        # Dr Girard, as Inès sees her: the consultation she kept and Inès's grant, not the mother's.
        seen = (await own.get(f"/dossiers/{dossier_id}/voir-comme/{girard}")).text
        assert "Consultation confidentielle" in seen and "Vaccin HPV" in seen and "Ordonnance lunettes" not in seen
        hers = (await own.get(f"/dossiers/{dossier_id}/acces")).text
        assert "Un de vos parents l&#39;a bloqué" in hers or "Un de vos parents l'a bloqué" in hers
        # The mother's page: Dr Girard blocked, as she decided; and no one able to see the dossier, by her decisions.
        mothers = (await client.get(f"/dossiers/{dossier_id}/acces")).text
        assert "Girard" in mothers and "Bloqué" in mothers and "Aucun professionnel n'a accès à ce dossier" in html.unescape(mothers)
        # Inès cannot lift her mother's block (it is not one she sees as a block); her mother can.
        await act(own, f"/dossiers/{dossier_id}/professionnels/{girard}/deblocage")
        await fresh(db)
        assert (await db.get(Block, block_id)).lifted_at is None
        await act(client, f"/dossiers/{dossier_id}/professionnels/{girard}/deblocage")
        await fresh(db)
        assert (await db.get(Block, block_id)).lifted_at is not None
        seen = (await own.get(f"/dossiers/{dossier_id}/voir-comme/{girard}")).text
        assert "Ordonnance lunettes" in seen


async def test_a_minors_block_is_not_shown_to_the_parents_and_leaves_their_grant(client, db, app):
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    dossier_id, girard = ines.dossier.id, doctor.professional.id
    async with her_phone(app, db, ines) as own:
        await grant(client, dossier_id, girard, ["ordonnance"])
        before = (await client.get(f"/dossiers/{dossier_id}/acces")).text
        assert await act(own, f"/dossiers/{dossier_id}/professionnels/{girard}/blocage") == 303
        after = (await client.get(f"/dossiers/{dossier_id}/acces")).text
        assert "Bloqué" not in after and "1 professionnel peut voir ce dossier" in before and \
            "1 professionnel peut voir ce dossier" in after
        # Her mother gives access anew: no "you blocked them" she never did; Inès's block still holds.
        await grant(client, dossier_id, girard, ["biologie"])
        seen = (await own.get(f"/dossiers/{dossier_id}/voir-comme/{girard}")).text
        assert "ne peut pas ouvrir le dossier" in seen and "Consultation confidentielle" not in seen


async def test_a_banner_names_who_gave_each_access(client, db, app):
    """"Accès accordé par la patiente" was said of a mother's grant; and with the minor's grant beside it, the
    banner said one scope until the later end (an outside probe's find)."""
    from server.auth.accounts import account_for_professional

    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    await grant(client, ines.dossier.id, doctor.professional.id, ["biologie"], "1m")
    async with AsyncTestClient(app, base_url=ORIGIN) as desk, AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(desk, db, await account_for_professional(db, professional=doctor.professional))
        banner = (await desk.get(f"/dossiers/{ines.dossier.id}")).text
        assert "Accès accordé par un représentant légal : Biologie, jusqu'au" in banner
        assert "par la patiente" not in banner
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        await grant(own, ines.dossier.id, doctor.professional.id, ["vaccination"], "sans")
        banner = (await desk.get(f"/dossiers/{ines.dossier.id}")).text
        assert "Accès accordé par la patiente : Vaccination, sans date de fin. " \
               "Accès accordé par un représentant légal : Biologie, jusqu'au" in " ".join(banner.split())


async def test_the_minors_page_when_only_a_parent_gave_a_kept_professional_access(client, db, app):
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    await grant(client, ines.dossier.id, doctor.professional.id, ["biologie"], "1m")
    async with her_phone(app, db, ines) as own:
        page = await own.get(f"/dossiers/{ines.dossier.id}/acces")
        assert page.status_code == 200 and "Accès jusqu" in page.text
        assert "Un de vos parents lui a donné accès : Biologie" in page.text and "aussi donné" not in page.text
        assert "1 professionnel peut voir votre dossier, grâce à un accès accordé." in page.text


async def sees_nothing_kept(desk, own, dossier_id: str, professional_id: str, kept_id: str, *, shown: str) -> None:
    """The professional signed in on `desk` sees `shown` and not the consultation kept from the parents: not on the
    timeline, not by its id, not in the minor's "voir comme" (signed in on `own`)."""
    timeline = (await desk.get(f"/dossiers/{dossier_id}")).text
    assert shown in timeline and "Consultation confidentielle" not in timeline
    assert (await desk.get(f"/documents/{kept_id}")).status_code == 404
    seen = (await own.get(f"/dossiers/{dossier_id}/voir-comme/{professional_id}")).text
    assert shown in seen and "Consultation confidentielle" not in seen


async def test_a_grant_a_parent_gives_opens_nothing_kept_from_the_parents(client, db, app):
    """An outside tester's find: Léa Fontaine, given "compte rendu" by the mother alone, read the consultation Dr
    Girard kept from her; a parent could so pass the secret to any professional. Inès's own grant still opens it."""
    from server.auth.accounts import account_for_professional
    from server.models import Document
    from tests.conftest import new_professional

    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    kept = (await db.exec(select(Document).where(Document.hidden_from_representatives))).one()
    kept_id, dossier_id = kept.id, ines.dossier.id
    fontaine = await new_professional(db, given_name="Léa", family_name="Fontaine", stem=46)
    await grant(client, dossier_id, fontaine.professional.id, ["compte_rendu", "ordonnance"])
    async with AsyncTestClient(app, base_url=ORIGIN) as desk, AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(desk, db, await account_for_professional(db, professional=fontaine.professional))
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        await sees_nothing_kept(desk, own, dossier_id, fontaine.professional.id, kept_id, shown="Ordonnance lunettes")
        # Inès gives her compte rendu too: her grant opens it, beside her mother's.
        await grant(own, dossier_id, fontaine.professional.id, ["compte_rendu"])
        assert "Consultation confidentielle" in (await desk.get(f"/dossiers/{dossier_id}")).text
        assert (await desk.get(f"/documents/{kept_id}")).status_code == 200


async def test_a_medecin_traitant_a_parent_declares_reads_nothing_kept_from_the_parents(client, db, app):
    """A second outside probe's find: the mother declared Dr Bernard médecin traitant, and he read the consultation
    kept from her. Declared by Inès, he reads it."""
    from server.auth.accounts import account_for_professional
    from server.models import Document
    from tests.conftest import new_professional

    ines, _, _ = await minor_with_a_kept_doctor(client, db, app)
    kept_id = (await db.exec(select(Document.id).where(Document.hidden_from_representatives))).one()
    dossier_id = ines.dossier.id
    bernard = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin", stem=47)
    assert await act(client, f"/dossiers/{dossier_id}/medecin-traitant",
                     {"professionnel": bernard.professional.id}) == 303
    async with AsyncTestClient(app, base_url=ORIGIN) as desk, AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(desk, db, await account_for_professional(db, professional=bernard.professional))
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        await sees_nothing_kept(desk, own, dossier_id, bernard.professional.id, kept_id, shown="Vaccin HPV")
        assert await act(own, f"/dossiers/{dossier_id}/medecin-traitant",
                         {"professionnel": bernard.professional.id}) == 303
        assert (await desk.get(f"/documents/{kept_id}")).status_code == 200


async def test_a_parents_block_stops_the_medecin_traitant_the_parents_declared(client, db, app):
    """A review's find: the mother declared Dr Girard (who kept care from her) médecin traitant, then blocked her;
    her page said "Bloqué", and Dr Girard still read the whole dossier as médecin traitant."""
    from server.auth.accounts import account_for_professional

    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    dossier_id, girard = ines.dossier.id, doctor.professional.id
    assert await act(client, f"/dossiers/{dossier_id}/medecin-traitant", {"professionnel": girard}) == 303
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await as_account(desk, db, await account_for_professional(db, professional=doctor.professional))
        assert "Vaccin HPV" in (await desk.get(f"/dossiers/{dossier_id}")).text
        assert await act(client, f"/dossiers/{dossier_id}/professionnels/{girard}/blocage") == 303
        assert "Vaccin HPV" not in (await desk.get(f"/dossiers/{dossier_id}")).text


def checked(page: str, name: str) -> list[str]:
    """The values of the form's inputs `name` that come checked."""
    return re.findall(rf'<input type="(?:radio|checkbox)" name="{name}" value="([^"]+)"[^>]*? checked', page)


async def test_at_18_changing_an_access_starts_from_both_grants_it_replaces(client, db, app):
    """Inès gave Dr Girard every document for good, her mother the lab results for a month. At 18 both are Inès's
    to change, and her change replaces both: the form started from the newest, her mother's, so a duration chosen
    alone narrowed Dr Girard to the lab results. It starts from what both show: every document."""
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    dossier_id, girard = ines.dossier.id, doctor.professional.id
    async with her_phone(app, db, ines) as own:
        await grant(own, dossier_id, girard, [], "sans")
        await grant(client, dossier_id, girard, ["biologie"], "1m")
        await db.exec(update(Patient).where(Patient.id == ines.patient.id).values(birth_date=years_ago(18) - timedelta(days=1)))
        await fresh(db)
        page = (await own.get(f"/dossiers/{dossier_id}/professionnels/{girard}")).text
        assert "Changer son accès" in page
        assert checked(page, "portee") == ["tout"] and checked(page, "categories") == []
        assert checked(page, "duree") == []  # her mother's had an end: "Sans limite" is hers to choose
        # Nor is there one end to keep ("Jusqu'au …, comme maintenant"): sent all the same, refused, nothing changed.
        assert 'value="garder"' not in page
        assert await act(own, f"/dossiers/{dossier_id}/professionnels/{girard}/acces",
                         {"portee": "tout", "duree": "garder"}) == 400
        assert len([g for g in await grants_of(db, dossier_id, girard) if g.revoked_at is None]) == 2
        assert await act(own, f"/dossiers/{dossier_id}/professionnels/{girard}/acces",
                         {"portee": "tout", "duree": "sans"}) == 303
        assert [(g.given_by, g.categories, g.ends_at) for g in await grants_of(db, dossier_id, girard)
                if g.revoked_at is None] == [("patient", "", None)]


async def test_a_minors_change_of_access_does_not_say_only_her_choice_remains_beside_her_parents_grant(client, db, app):
    """Inès narrows Dr Girard's access to her vaccinations; her mother's grant of the lab results stays (changes.py):
    the notice said "seul ce que vous venez de choisir reste visible" above "Un de vos parents lui a aussi donné
    accès : Biologie"."""
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    dossier_id, girard = ines.dossier.id, doctor.professional.id
    async with her_phone(app, db, ines) as own:
        await grant(own, dossier_id, girard, [])
        await grant(client, dossier_id, girard, ["biologie"], "1m")
        changed = await post_form(own, f"/dossiers/{dossier_id}/professionnels/{girard}/acces",
                                  {"portee": "categories", "categories": ["vaccination"], "duree": "1m"})
        page = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", changed.text)).split())
    assert "L'accès est changé. Il remplace le précédent dès maintenant." in page
    assert "Un de vos parents lui a aussi donné accès : Biologie" in page
    assert "seul ce que vous venez de choisir reste visible" not in page
