"""Changes to one line of the profil médical by its author or a manager, and a position told to no one it is kept
from (a review's finds, each reproduced by the test below it, views/profile_changes.py, profile/items.py)."""

from __future__ import annotations

import asyncio
import html
import re
from contextlib import asynccontextmanager
from datetime import date

from sqlmodel import select

from server.access import grants
from server.accesslog.audit import Actor
from server.auth.accounts import account_for_patient, account_for_professional
from server.models import ProfileItem
from server.profile.items import ItemInput, add_item
from tests.conftest import AsyncTestClient, ORIGIN, post_form
from tests.profile_page_helpers import CAMILLE, add, as_patient, browser, doctor, events_of, items_of, text_of, url
from tests.test_kept_items import declare, minor_with_a_doctor


async def test_a_parent_is_not_told_of_an_organ_donation_position_kept_from_them(client, db, app):
    """Inès, 17: Dr Girard's position line (declared before professionals were refused it, or read back from a
    copy) is kept from her mother once Dr Girard keeps care from the parents. The mother's page shows no position;
    her own is refused naming the one she may not see."""
    ines, _mother, doctor = await minor_with_a_doctor(client, db, app)
    actor = Actor(None, "professional", "Anne Girard", "médecin", doctor.rpps)
    await add_item(db, dossier=ines.dossier, data=ItemInput("organ_donation", label="refus"), actor=actor,
                   author=doctor.professional, today=date.today(), from_copy=True)
    await declare(app, db, doctor, ines.dossier.id, "Désogestrel 75 µg", kept=True)
    page = html.unescape((await client.get(f"/dossiers/{ines.dossier.id}/profil")).text)
    # Nor does she state one: it is Inès's own (kinds.PERSONAL), which her refusal says, and nothing else.
    assert "Opposé" not in page and "Indiquer la position sur le don d'organes" not in page
    answer = await post_form(client, f"/dossiers/{ines.dossier.id}/profil/ajouter?type=organ_donation",
                             {"label": "donneur"}, follow_redirects=False)
    said = re.search(r"La position[^<]*", html.unescape(answer.text))
    assert said is None, said.group(0)
    assert answer.status_code == 400 and "C'est à Inès Martin de l'indiquer" in text_of(answer)


async def nurse_managing(db, patient):
    """Léa Martin, a nurse with a professional account, who accepted the patient's invitation to manage her dossier:
    her account."""
    from server.caregivers import invitations

    nurse = await account_for_professional(db, professional=await doctor(db, stem=21, family_name="Martin",
                                                                          given_name="Léa"))
    _, invitation = await invitations.invite(db, dossier=patient.dossier,
                                             account=await account_for_patient(db, patient=patient.patient),
                                             actor=CAMILLE, level="gestion", duration="sans")
    await invitations.accept(db, invitation_id=invitation.id, account=nurse)
    return nurse


async def test_a_professional_who_manages_a_relatives_dossier_deletes_a_profile_line_as_any_manager(app, db, patient):
    """Léa, a nurse with a professional account, accepted her mother's invitation to manage her dossier: the profile
    page offers her "Supprimer" on her mother's treatment; following it must not be refused as a missing item."""
    from tests.test_profile import SAMPLES, TODAY
    item = await add_item(db, dossier=patient.dossier, data=SAMPLES["treatment"], actor=CAMILLE, today=TODAY,
                          added_by_account_id=(await account_for_patient(db, patient=patient.patient)).id)
    nurse = await nurse_managing(db, patient)
    async with browser(app, db, nurse) as client:
        page = await client.get(url(patient))
        assert f"/profil/{item.id}/suppression" in page.text and "Supprimer" in text_of(page)
        form = await client.get(url(patient, f"/{item.id}/suppression"))
        done = await post_form(client, url(patient, f"/{item.id}/suppression"), {}, follow_redirects=False)
    assert (form.status_code, done.status_code) == (200, 303)
    await db.commit()
    left = await db.exec(select(ProfileItem).where(ProfileItem.id == item.id).execution_options(populate_existing=True))
    assert left.one().deleted_at is not None


@asynccontextmanager
async def kine_with_her_line(app, db, patient):
    """A kiné granted the whole dossier, in her browser, who declared an allergy ("Latex"): (browser, the line)."""
    kine = await doctor(db, stem=13, family_name="Fontaine")
    await grants.grant_access(db, dossier=patient.dossier, professional=kine, categories="", duration="sans",
                              actor=CAMILLE)
    async with browser(app, db, await account_for_professional(db, professional=kine)) as client:
        assert (await add(client, patient, "allergy", label="Latex", severity="moderee")).status_code == 303
        [line] = [i for i in await items_of(db, patient) if i.label == "Latex"]
        yield client, line


async def test_an_authors_withdrawal_of_a_profile_line_is_logged_with_its_right_as_a_documents_is(app, db, patient):
    """A document's withdrawal is logged through its author's right (right "author", withdrawal.withdraw_document);
    the profile line's withdrawal says through which right the professional acted too."""
    async with kine_with_her_line(app, db, patient) as (client, mine):
        assert (await post_form(client, url(patient, f"/{mine.id}/suppression"), {},
                                follow_redirects=False)).status_code == 303
    [added] = await events_of(db, patient, "profile_add")
    [event] = await events_of(db, patient, "profile_withdraw")
    assert added.right == "grant"
    assert event.right == "author", event.right


async def test_the_authors_withdrawal_page_shows_the_patients_identity_and_logs_that_read(app, db, patient):
    """The page asking the author to confirm shows the patient (name, birth date, INS) and the line: a professional's
    read, logged as the document withdrawal's form logs it (views/pro_documents.withdraw_form)."""
    async with kine_with_her_line(app, db, patient) as (client, mine):
        before = len(await events_of(db, patient))
        form = await client.get(url(patient, f"/{mine.id}/suppression"))
    assert form.status_code == 200 and patient.patient.family_name.upper() in form.text
    assert len(await events_of(db, patient)) > before, "the professional's read of the form is not logged"


async def test_the_authors_removal_speaks_to_the_author_and_agrees_with_the_item(app, db, patient):
    """The professional's own line: its link agrees with either gender (profile_item.html's rule: "une allergie, un
    traitement"), and the page that confirms it does not tell its author that "celui qui l'a déclarée" will no longer
    read it, nor offer "Supprimer définitivement" for what the link and the log call a withdrawal ("retiré")."""
    async with kine_with_her_line(app, db, patient) as (client, mine):
        page = text_of(await client.get(url(patient)))
        form = text_of(await client.get(url(patient, f"/{mine.id}/suppression")))
    assert "Retirer (erroné) : l'allergie" not in page, re.search(r"Retirer[^»]*»", page).group(0)
    assert "ni celui qui l'a déclarée" not in form and "vous compris" not in form
    assert "Supprimer définitivement" not in form


async def test_revoir_la_page_after_a_stale_deletion_leads_to_the_profile_not_page_not_found(app, db, patient):
    """Camille's "Supprimer" page was open while Paul deleted the line: her tap says "Action non effectuée" and offers
    "Revoir la page", "the page as it is now" (errors.ACTION_NOT_DONE); that link was href="", the action's address,
    the deletion's own GET, which answered "Page introuvable". There, a line gone leads to the profile."""
    from server.profile.items import delete_item
    from tests.conftest import activate
    from tests.test_profile import SAMPLES, TODAY
    item = await add_item(db, dossier=patient.dossier, data=SAMPLES["allergy"], actor=CAMILLE, today=TODAY)
    async with AsyncTestClient(app, base_url=ORIGIN) as client:
        await activate(client, patient)
        await delete_item(db, item=item, actor=CAMILLE)  # by the other manager, a moment before
        stale = await post_form(client, url(patient, f"/{item.id}/suppression"), {})
        assert stale.status_code == 404 and 'href="">Revoir la page</a>' in stale.text
        again = await client.get(url(patient, f"/{item.id}/suppression"))  # what href="" loads
        missing = await client.get(url(patient, f"/{'0' * 32}/suppression"), follow_redirects=False)
    assert again.status_code == 200 and "Page introuvable" not in html.unescape(again.text)
    assert again.url.path == url(patient) and missing.headers["location"] == url(patient)  # alike


# --- a position changed in one step -------------------------------------------------------------


def change_url(fixture, item) -> str:
    return url(fixture, f"/{item.id}/changement")


async def positions(db, fixture) -> list[ProfileItem]:
    """The dossier's organ donation lines, standing or not, oldest first, as the app left them."""
    await db.commit()
    rows = await db.exec(select(ProfileItem).where(ProfileItem.dossier_id == fixture.dossier.id,
                                                   ProfileItem.kind == "organ_donation")
                         .order_by(ProfileItem.created_at).execution_options(populate_existing=True))
    return list(rows.all())


async def test_the_patient_changes_her_position_in_one_step_and_the_historique_says_both(app, db, patient):
    """Changing one's position on organ donation was "Supprimer", then "Indiquer" (refused while one stands: one at a
    time), with a moment when none was recorded. "Changer" replaces it with one form: the line
    ends and the new one is recorded in one transaction, each in the log as a deletion and an addition are."""
    async with await as_patient(app, db, patient) as client:
        assert (await add(client, patient, "organ_donation", label="donneur")).status_code == 303
        [stated] = await positions(db, patient)
        page = await client.get(url(patient))
        form = await client.get(change_url(patient, stated))
        changed = await post_form(client, change_url(patient, stated),
                                  {"label": "refus", "detail": "Je l'ai dit à Paul"}, follow_redirects=False)
        after = await client.get(changed.headers["location"])
        log = text_of(await client.get(f"/dossiers/{patient.dossier.id}/historique"))
    assert f'href="{change_url(patient, stated)}"' in page.text
    assert "Changer la position sur le don d'organes" in text_of(page)  # its accessible name
    assert form.status_code == 200 and "Position indiquée aujourd'hui : Favorable au don d'organes" in text_of(form)
    assert f'action="{change_url(patient, stated)}"' in form.text
    assert "registrenationaldesrefus.fr" in text_of(form)  # the form says what noting a refusal does not do
    old, new = await positions(db, patient)
    assert changed.status_code == 303 and changed.headers["location"].endswith(f"?fait=change#item-{new.id}")
    assert old.id == stated.id and old.deleted_at is not None
    assert (new.label, new.detail, new.deleted_at) == ("refus", "Je l'ai dit à Paul", None)
    assert "La position est changée" in text_of(after) and "Opposé au don d'organes" in text_of(after)
    assert "Favorable au don d'organes" not in text_of(after)
    events = await events_of(db, patient, "profile_")
    assert [(e.action, e.detail) for e in events] == [("profile_add", "la position sur le don d'organes"),
                                                       ("profile_delete", "la position sur le don d'organes"),
                                                       ("profile_add", "la position sur le don d'organes")]
    assert events[2].seq == events[1].seq + 1  # one after the other in the chain, committed together
    assert "Vous avez supprimé la position sur le don d'organes du profil médical" in log
    assert log.count("Vous avez ajouté la position sur le don d'organes au profil médical") == 2

    # The same position sent again changes nothing and logs nothing (the review's find: a deletion and an addition).
    async with await as_patient(app, db, patient) as client:
        same = await post_form(client, change_url(patient, new), {"label": "refus", "detail": "Je l'ai dit à Paul"},
                               follow_redirects=False)
        said = text_of(await client.get(same.headers["location"]))
    assert same.status_code == 303 and same.headers["location"].endswith(f"?fait=inchange#item-{new.id}")
    assert "Rien n'a changé : la position indiquée est celle qui figurait déjà au profil." in said
    assert len(await events_of(db, patient, "profile_")) == 3


async def test_the_patient_changes_it_and_no_one_else_does(app, db, patient):
    """Camille changes her position, in her name. Paul manages her dossier, and is told it is hers alone to state
    (kinds.PERSONAL: an outside probe's find, a son recording his father's opposition); Léa only reads; a doctor with
    every right of a grant states none of the patient's own (kinds.PATIENTS_OWN); a line of another patient's, forged
    into the address, and a line that is no position: each answers as a missing line does, and nothing changes. A
    position that is none ("peut-être") is refused on its field, the line kept."""
    from tests.conftest import new_patient
    from tests.profile_page_helpers import caregiver
    from tests.test_profile import SAMPLES, TODAY
    async with await as_patient(app, db, patient) as client:
        assert (await add(client, patient, "organ_donation", label="donneur")).status_code == 303
    [stated] = await positions(db, patient)
    allergy = await add_item(db, dossier=patient.dossier, data=SAMPLES["allergy"], actor=CAMILLE, today=TODAY)
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=2, sex="M")
    his = await add_item(db, dossier=hugo.dossier, data=ItemInput("organ_donation", label="donneur"), actor=CAMILLE,
                         today=TODAY)
    paul = await caregiver(db, patient, level="gestion", given="Paul")
    lea = await caregiver(db, patient, level="lecture", given="Léa")
    doctor_ = await doctor(db, stem=13, family_name="Fontaine")
    await grants.grant_access(db, dossier=patient.dossier, professional=doctor_, categories="", duration="sans",
                              actor=CAMILLE)
    refused = {}
    for who, account in (("Paul", paul), ("Léa", lea),
                         ("le médecin", await account_for_professional(db, professional=doctor_))):
        async with browser(app, db, account) as client:
            page = await client.get(url(patient))
            refused[who] = (await client.get(change_url(patient, stated)),
                            await post_form(client, change_url(patient, stated), {"label": "refus"},
                                            follow_redirects=False))
            assert "/changement" not in page.text, who
    async with await as_patient(app, db, patient) as client:
        foreign = await post_form(client, url(patient, f"/{his.id}/changement"), {"label": "refus"})
        not_a_position = await post_form(client, change_url(patient, allergy), {"label": "refus"})
        wrong = await post_form(client, change_url(patient, stated), {"label": "peut-être"})
        done = await post_form(client, change_url(patient, stated), {"label": "refus"}, follow_redirects=False)
    for who, (form, sent) in refused.items():
        # Paul is told why; Léa reads the dossier: she is told she may only read it (errors.READ_ONLY); the doctor,
        # as for nothing.
        assert (form.status_code, sent.status_code) == ((404, 404) if who == "le médecin" else (403, 403)), who
    for answer in refused["Paul"]:
        assert ("Don d'organes : une déclaration personnelle. C'est à Camille Martin de l'indiquer, de la changer ou "
                "de la supprimer, depuis son propre compte") in text_of(answer)
    assert (foreign.status_code, not_a_position.status_code) == (404, 404)
    assert wrong.status_code == 400 and "Choisissez votre position sur le don d'organes." in html.unescape(wrong.text)
    assert done.status_code == 303
    old, new = await positions(db, patient)
    assert old.deleted_at is not None and new.label == "refus" and new.added_by_account_id != paul.id
    events = await events_of(db, patient, "profile_")
    assert [(e.action, e.actor_kind, e.on_behalf_of) for e in events[-2:]] == [
        ("profile_delete", "patient", ""), ("profile_add", "patient", "")]
    await db.commit()
    assert (await db.get(ProfileItem, his.id, populate_existing=True)).deleted_at is None


async def test_two_changes_at_once_leave_one_position(app, db, patient):
    """Camille states a position on her phone and on her computer at the same moment, then changes it on each, while
    the computer's stale "Indiquer" form is sent too: under the dossier's chain lock (taken before the check, on
    PostgreSQL too) one addition wins and the other is refused, one change wins and the other finds its line gone (as
    a deletion would), the late addition is refused: one position stands, whichever engine."""
    async with await as_patient(app, db, patient) as camille, await as_patient(app, db, patient) as computer:
        added = await asyncio.gather(add(camille, patient, "organ_donation", label="donneur"),
                                     add(computer, patient, "organ_donation", label="donneur"))
        assert sorted(a.status_code for a in added) == [303, 400]
        [stated] = await positions(db, patient)
        answers = await asyncio.gather(
            post_form(camille, change_url(patient, stated), {"label": "refus"}, follow_redirects=False),
            post_form(computer, change_url(patient, stated), {"label": "refus", "detail": "L'ordinateur"},
                      follow_redirects=False),
            add(computer, patient, "organ_donation", label="donneur"))
    assert sorted(a.status_code for a in answers[:2]) == [303, 404]
    assert answers[2].status_code == 400
    standing = [i for i in await positions(db, patient) if i.deleted_at is None]
    assert len(standing) == 1 and standing[0].label == "refus"
    assert [e.action for e in await events_of(db, patient, "profile_")] == ["profile_add", "profile_delete",
                                                                             "profile_add"]
