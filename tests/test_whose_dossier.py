"""Whose dossier is on screen, for someone who holds several (an outside probe's finds): each keeps its colour
whatever comes or goes, every page of a relative's names them in its title, and every file taken from it in its
name."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from sqlmodel import select

from server.access import grants, share_codes
from server.access.rule import CaregiverFacts, DossierFacts
from server.accesslog.audit import Actor
from server.auth.accounts import account_for_patient
from server.caregivers import invitations
from server.models import AccessEvent, Delegation
from server.profile.items import add_item
from server.shlinks import links
from server.shlinks.links import LinkInput
from server.tlog import integrator
from tests.conftest import add_text_document, new_patient, new_professional, post_form
from tests.caregiver_helpers import as_account, invitation_code, years_ago
from tests.test_document_files import blank_pdf, stored_pdf
from tests.test_profile import SAMPLES
from tests.profile_page_helpers import browser

HUGO = Actor(None, "patient", "Hugo Lefèvre")


def title_of(page) -> str:
    return re.search(r"<title>([^<]*)</title>", page.text)[1]


async def colours_shown(client, dossier_id: str) -> dict[str, str]:
    """The colour of each dossier she holds, as a page of one of them shows it: its band, and the switcher's others."""
    page = (await client.get(f"/dossiers/{dossier_id}")).text
    shown = {dossier_id: re.search(r'class="dossier-band (band-\d)"', page)[1]}
    return shown | {d: c for c, d in re.findall(r'class="band-initials (band-\d)" href="/dossiers/(\w+)"', page)}


async def test_each_dossier_keeps_its_colour_when_another_comes_or_goes(client, db, app):
    """Léo was purple, Inès orange; once her father Hugo removed Camille, Inès turned green and Léo orange: colours
    by place in her list, which told her whose dossier was on screen, and then did not."""
    camille = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    await as_account(client, db, await account_for_patient(db, patient=camille.patient))
    children = []
    for given, serial in (("Léo", 4), ("Inès", 8)):
        child = await new_patient(db, given_name=given, family_name="Martin", birth=years_ago(9), serial=serial)
        await post_form(client, "/enfant", {"code": child.code, "birth_date": child.birth_date.isoformat()})
        children.append(child.dossier.id)
    own = camille.dossier.id
    before = await colours_shown(client, own)
    assert before.keys() == {own, *children} and len(set(before.values())) == 3

    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=6, sex="M")
    async with browser(app, db, await account_for_patient(db, patient=hugo.patient)) as his:
        code = await invitation_code(his, hugo.dossier.id, level="gestion")
        assert (await post_form(client, "/invitation/acceptation", {"code": code})).status_code == 200
        joined = await colours_shown(client, own)
        still = {d: joined[d] for d in before}  # hers and her children's, once her father's came
        assert still == before and len(set(joined.values())) == 4
        # The same colour on every page: its own band, and the switcher of each other dossier.
        for dossier_id in (*children, hugo.dossier.id):
            assert await colours_shown(client, dossier_id) == joined, dossier_id
        [delegation] = (await db.exec(select(Delegation).where(Delegation.dossier_id == hugo.dossier.id))).all()
        removed = await post_form(his, f"/dossiers/{hugo.dossier.id}/proches/{delegation.id}/retrait", {},
                                  follow_redirects=False)
        assert removed.status_code == 303
    # He removed her: the others keep the colours they had with his.
    assert await colours_shown(client, own) == still
    for dossier_id in children:
        assert await colours_shown(client, dossier_id) == still, dossier_id
    listed = re.findall(r'class="dossier-band (band-\d)" href="/dossiers/(\w+)"',
                        (await client.get("/mes-dossiers")).text)
    assert {d: c for c, d in listed} == still


def held_from(start: datetime, end: datetime | None = None) -> CaregiverFacts:
    return CaregiverFacts(can_manage=True, legal_representative=False, starts_at=start, ends_at=end)


def test_two_dossiers_of_one_hue_differ_and_neither_coming_nor_going_repaints_another():
    """Three dossiers whose ids fall on the same colour: the first keeps it, the second takes the next free one and
    keeps it when the first goes; the third, coming after, takes the first's freed colour. A relative whose terms
    change (one delegation ends as the next starts) keeps theirs."""
    from server.caregivers.dossiers import COLOURS, colours, hue  # colours were places in a list before

    own = "own"
    just_before_own = (hue(own) - 1) % COLOURS  # the second's next colour is her own dossier's: it takes the one after
    first, second, third = [d for d in (f"dossier-{n}" for n in range(500)) if hue(d) == just_before_own][:3]
    t = [datetime(2026, 1, day, tzinfo=timezone.utc) for day in range(1, 6)]
    state = DossierFacts()
    both = colours(own=own, delegations=[(first, held_from(t[0]), state), (second, held_from(t[1]), state)])
    assert both[own] == hue(own) and both[first] == hue(first)
    assert both[second] == (hue(own) + 1) % COLOURS
    # The first goes (its delegation ended), the third comes; the second's terms change.
    later = colours(own=own, delegations=[
        (first, held_from(t[0], t[2]), state), (second, held_from(t[1], t[4]), state),
        (third, held_from(t[3]), state), (second, held_from(t[4]), state)])
    assert (later[second], later[third]) == (both[second], hue(third))
    # Listed in any order, the history is the same: the answer too.
    assert colours(own=own, delegations=[(second, held_from(t[1]), state), (first, held_from(t[0]), state)]) == both


async def test_every_page_of_a_relatives_dossier_names_them_in_its_title_and_her_own_do_not(client, db, app):
    """"Annuaire · Carnet", "Copie du dossier · Carnet"…: a caregiver who manages her father's dossier and her son's
    could not tell from the tab (or from what a screen reader says first) whose page it was."""
    camille = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    camille_account = await account_for_patient(db, patient=camille.patient)
    await as_account(client, db, camille_account)
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=years_ago(9), serial=4, sex="M")
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=6, sex="M")
    _, invitation = await invitations.invite(db, dossier=hugo.dossier, actor=HUGO, level="gestion", duration="sans",
                                             account=await account_for_patient(db, patient=hugo.patient))
    await invitations.accept(db, invitation_id=invitation.id, account=camille_account)
    helper = Actor(camille_account.id, "caregiver", "Camille Martin", on_behalf_of="Hugo Lefèvre")

    h = f"/dossiers/{hugo.dossier.id}"
    doctor = (await new_professional(db, given_name="Anne", family_name="Girard", profession="médecin",
                                     stem=7)).professional
    await grants.grant_access(db, dossier=hugo.dossier, professional=doctor, categories="", duration="sans",
                              actor=HUGO)
    letter = await add_text_document(db, app, hugo.dossier)
    scan = await stored_pdf(db, app, hugo.dossier, data=blank_pdf(595, 842))
    allergy, donation = [await add_item(db, dossier=hugo.dossier, data=SAMPLES[kind], actor=HUGO, today=date.today())
                         for kind in ("allergy", "organ_donation")]
    _, share = await share_codes.create_share_code(db, dossier=hugo.dossier, categories="", duration="1m",
                                                   actor=helper)
    link = await links.create_link(db, dossier=hugo.dossier, account=camille_account, actor=helper,
                                   data=LinkInput(content="emergency", label="", passcode="", duration="7j"))
    _, second_parent = await invitations.invite(db, dossier=leo.dossier, account=camille_account, level="gestion",
                                                duration="sans", relationship="parent",
                                                actor=Actor(camille_account.id, "caregiver", "Camille Martin"))
    pages = {
        "Hugo Lefèvre": [
            h, f"/documents/{letter.id}", f"/documents/{scan.id}/pages/1/plein-ecran",
            f"/documents/{letter.id}/suppression", f"{h}/masques", f"{h}/imprimer", f"{h}/profil",
            f"{h}/profil/ajouter", f"{h}/profil/{allergy.id}/suppression", f"{h}/profil/vaccinations/imprimer",
            f"{h}/profil/imprimer", f"{h}/soins", f"{h}/historique", f"{h}/historique/imprimer", f"{h}/export", f"{h}/acces",
            f"{h}/annuaire", f"{h}/professionnels/{doctor.id}", f"{h}/fermeture",
            f"{h}/partage", f"/partage/{share.id}", f"{h}/liens-sante", f"{h}/liens-sante/{link.id}",
            f"{h}/voir-comme/{doctor.id}", f"{h}/voir-comme/{doctor.id}/profil", f"{h}/voir-comme/{doctor.id}/soins",
            f"{h}/proches"],
        "Léo Martin": [f"/dossiers/{leo.dossier.id}/proches", f"/invitations/{second_parent.id}"],
    }
    for name, urls in pages.items():
        for url in urls:
            page = await client.get(url)
            assert page.status_code == 200, url
            assert title_of(page).count(name) == 1 and title_of(page).endswith(" · Carnet"), (url, title_of(page))
    # His position is his alone to change: the refusal names him too.
    refused = await client.get(f"{h}/profil/{donation.id}/changement")
    assert refused.status_code == 403 and title_of(refused).count("Hugo Lefèvre") == 1
    own = f"/dossiers/{camille.dossier.id}"
    for url in (own, f"{own}/annuaire", f"{own}/export", f"{own}/partage", f"{own}/imprimer", f"{own}/fermeture"):
        assert "Camille Martin" not in title_of(await client.get(url)), url


async def test_a_note_added_to_her_sons_dossier_is_his_symptoms_not_hers(client, db):
    """Camille adds a note to Léo's dossier: the hint said "Vos symptômes", as in her own."""
    camille = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    await as_account(client, db, await account_for_patient(db, patient=camille.patient))
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=years_ago(4), serial=4, sex="M")
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    his = (await client.get(f"/dossiers/{leo.dossier.id}/ajouter")).text
    mine = (await client.get(f"/dossiers/{camille.dossier.id}/ajouter")).text
    assert "Ses symptômes, vos questions pour son rendez-vous…" in his and "Vos symptômes" not in his
    assert "Vos symptômes, vos questions pour un rendez-vous…" in mine


async def camille_with_her_daughter_and_father(client, db):
    """Camille signed in on `client`, managing her daughter Inès's dossier (a parent's) and reading her father Hugo's."""
    camille = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    await as_account(client, db, await account_for_patient(db, patient=camille.patient))
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(9), serial=8)
    await post_form(client, "/enfant", {"code": ines.code, "birth_date": ines.birth_date.isoformat()})
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=6, sex="M")
    _, invitation = await invitations.invite(db, dossier=hugo.dossier, actor=HUGO, level="lecture", duration="sans",
                                             account=await account_for_patient(db, patient=hugo.patient))
    await invitations.accept(db, invitation_id=invitation.id,
                             account=await account_for_patient(db, patient=camille.patient))
    return camille, ines, hugo


async def test_a_file_taken_from_a_relatives_dossier_is_named_for_them(client, db, app):
    """The copy of Inès's dossier was named for her (carnet-dossier-ines-….zip), her Historique was
    historique-carnet.csv, as were her grandfather's and her mother's: saved side by side, they overwrote one another."""
    camille, ines, hugo = await camille_with_her_daughter_and_father(client, db)
    day = r"\d{4}-\d{2}-\d{2}"
    for dossier, slug in ((ines.dossier, "ines"), (hugo.dossier, "hugo"), (camille.dossier, "camille")):
        url = f"/dossiers/{dossier.id}"
        csv = await client.get(f"{url}/historique.csv")
        assert re.fullmatch(rf'attachment; filename="carnet-historique-{slug}-{day}\.csv"',
                            csv.headers["content-disposition"]), csv.headers["content-disposition"]
        copy = await post_form(client, f"{url}/export", {})
        assert re.fullmatch(rf'attachment; filename="carnet-dossier-{slug}-{day}\.zip"',
                            copy.headers["content-disposition"])
    # An event's proof: each dossier numbers its events from 1, so the number alone named two files alike.
    await integrator.integrate_now(db, signer=app.state.journal_signer)
    event = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == hugo.dossier.id)
                           .order_by(AccessEvent.seq.desc()))).first()
    proof = await client.get(f"/dossiers/{hugo.dossier.id}/historique/preuve/{event.seq}")
    assert proof.headers["content-disposition"] == f'attachment; filename="preuve-journal-hugo-{event.seq}.tlog-proof"'


async def test_her_own_pages_name_only_a_dossier_she_holds_and_a_patient_alone_has_no_account_band(client, db):
    """The account's own pages keep the menu of the dossier they were opened from ("?depuis=", views/account.py): a
    dossier she does not hold, named there, is nowhere on them; a patient with only her own dossier sees them as
    before."""
    camille = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    await as_account(client, db, await account_for_patient(db, patient=camille.patient))
    alone = (await client.get(f"/cles?depuis={camille.dossier.id}")).text
    assert 'aria-label="Votre compte"' not in alone and 'href="/" aria-current' not in alone

    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=6, sex="M")
    stranger = await new_patient(db, given_name="Anne", family_name="Roux", birth=date(1970, 1, 2), serial=7)
    _, invitation = await invitations.invite(db, dossier=hugo.dossier, actor=HUGO, level="lecture", duration="sans",
                                             account=await account_for_patient(db, patient=hugo.patient))
    await invitations.accept(db, invitation_id=invitation.id,
                             account=await account_for_patient(db, patient=camille.patient))
    for url in ("/cles", f"/cles?depuis={stranger.dossier.id}", "/mes-dossiers"):
        page = await client.get(url)
        assert page.status_code == 200 and 'aria-label="Votre compte"' in page.text, url
        assert "Retour au dossier" not in page.text and stranger.dossier.id not in page.text, url
    for url in (f"/cles?depuis={hugo.dossier.id}", f"/cles?depuis={stranger.dossier.id}", "/mes-dossiers"):
        page = (await client.get(url)).text
        assert "← Retour au dossier d&#39;Hugo Lefèvre" in page, url
        assert f'href="/dossiers/{hugo.dossier.id}/profil"' in page, url  # his menu
        assert stranger.dossier.id not in page and "Roux" not in page, url


async def test_a_document_downloaded_from_a_relatives_dossier_is_named_for_them(client, db, app):
    """Inès's prescription and Hugo's downloaded by Camille were both "note.txt", as her own: the copy and the CSV
    taken from their dossiers were named for them, never one of their documents. Her own keep their name."""
    camille, ines, hugo = await camille_with_her_daughter_and_father(client, db)
    for dossier, name in ((ines.dossier, "ines-note.txt"), (hugo.dossier, "hugo-note.txt"),
                          (camille.dossier, "note.txt")):
        document = await add_text_document(db, app, dossier, title="Ordonnance", category="ordonnance")
        url = f"/documents/{document.id}/fichier"
        downloaded = await client.get(url)
        assert downloaded.status_code == 200 and downloaded.text == "Contenu : Ordonnance"
        assert downloaded.headers["content-disposition"] == f"attachment; filename*=UTF-8''{name}"
        shown = await client.get(f"{url}?affichage=1")  # shown in its page, saved from there
        assert shown.headers["content-disposition"] == f"inline; filename*=UTF-8''{name}"
        assert "ines" not in str(downloaded.url).lower() and "hugo" not in str(downloaded.url).lower()
