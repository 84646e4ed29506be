"""What only the patient declares, and what a relative declares said to be a relative's, through HTTP (an outside
probe's finds: Marc, who manages his father's dossier, recorded "Opposé au don d'organes" on a form that spoke as
Hugo, and the doctor read "Déclarée par Marc Lefèvre" with nothing saying Marc was not Hugo)."""

from __future__ import annotations

import json
from datetime import date

import pypdfium2
import pytest

from server.accesslog.audit import Actor
from server.access import grants
from server.auth.accounts import account_for_patient, account_for_professional
from server.caregivers import invitations
from server.caregivers.enrolment import new_account
from server.models import ProfileItem
from server.profile.items import ItemInput, add_item
from tests.conftest import new_patient, post_form
from tests.test_export_for_parents import copy_for
from tests.profile_page_helpers import add, browser, doctor, items_of, text_of, url

HUGO = Actor(None, "patient", "Hugo Lefèvre")
PERSONAL = ("Une déclaration personnelle : c'est à Hugo Lefèvre de l'indiquer, de la changer ou de la supprimer, "
            "depuis son propre compte. Personne ne le fait à sa place.")


@pytest.fixture
async def hugo(db):
    return await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1948, 5, 2), serial=21, sex="M")


async def relative(db, fixture, given: str):
    """A relative who accepted Hugo's invitation to manage his dossier."""
    _, invitation = await invitations.invite(db, dossier=fixture.dossier, actor=HUGO, level="gestion",
                                             duration="sans", account=await account_for_patient(db, patient=fixture.patient))
    account = new_account(given_name=given, family_name="Lefèvre")
    db.add(account)
    await invitations.accept(db, invitation_id=invitation.id, account=account)
    return account


async def test_a_relative_who_manages_states_neither_organ_donation_nor_advance_directives(app, db, hugo):
    marc = await relative(db, hugo, "Marc")
    own = await account_for_patient(db, patient=hugo.patient)
    async with browser(app, db, marc) as client:
        page = await client.get(url(hugo))
        chooser = await client.get(url(hugo, "/ajouter?type=organ_donation"))
        sent = {kind: await add(client, hugo, kind, **fields) for kind, fields in (
            ("organ_donation", {"label": "refus", "detail": "Mes proches connaissent ma position"}),
            ("directive", {"label": "Directives anticipées", "detail": "Chez le notaire"}))}
        contact = await add(client, hugo, "contact", label="Camille Lefèvre", detail="Fille", phone="0612345678")
    words = text_of(page)
    assert words.count(PERSONAL) == 2  # under "Directives anticipées" and "Don d'organes"
    assert "Indiquer la position sur le don d'organes" not in words and "Ajouter des directives" not in words
    assert "Ajouter une personne à prévenir" in words  # what he does state for him
    assert "mes proches connaissent ma position" not in text_of(chooser)  # the form that speaks as Hugo
    for kind, title in (("organ_donation", "Don d'organes"), ("directive", "Directives anticipées")):
        assert sent[kind].status_code == 400, kind
        assert (f"{title} : une déclaration personnelle. C'est à Hugo Lefèvre de l'indiquer, de la changer ou de la "
                "supprimer, depuis son propre compte : personne ne le fait à sa place.") in text_of(sent[kind])
    assert contact.status_code == 303
    assert [i.kind for i in await items_of(db, hugo)] == ["contact"]

    # Hugo states his own; Marc reads it, and neither changes nor deletes it, by the page or by its address.
    async with browser(app, db, own) as client:
        assert (await add(client, hugo, "organ_donation", label="donneur")).status_code == 303
    [position] = [i for i in await items_of(db, hugo) if i.kind == "organ_donation"]
    async with browser(app, db, marc) as client:
        page = await client.get(url(hugo))
        change, delete = url(hugo, f"/{position.id}/changement"), url(hugo, f"/{position.id}/suppression")
        answers = [await client.get(change), await post_form(client, change, {"label": "refus"}),
                   await client.get(delete), await post_form(client, delete, {})]
    assert f"/{position.id}/changement" not in page.text and f"/{position.id}/suppression" not in page.text
    assert "Favorable au don d'organes" in text_of(page)
    for answer in answers:
        assert answer.status_code == 403 and "C'est à Hugo Lefèvre de l'indiquer" in text_of(answer)
    assert [i.id for i in await items_of(db, hugo) if i.kind == "organ_donation"] == [position.id]
    still = await db.get(ProfileItem, position.id, populate_existing=True)
    assert (still.label, still.deleted_at) == ("donneur", None)


async def test_what_a_relative_declares_is_said_to_be_a_relatives_wherever_it_is_read(app, db, hugo):
    """As a document a relative added is ("Camille Lefèvre (proche)"): on the profile page of Hugo, of another
    relative, of his doctor; in the copy's PDF summary, and its IPS (the recorder, named only, is not Hugo)."""
    marc, camille = await relative(db, hugo, "Marc"), await relative(db, hugo, "Camille")
    own = await account_for_patient(db, patient=hugo.patient)
    anne = await doctor(db, stem=22, family_name="Girard", given_name="Anne")
    await grants.grant_access(db, dossier=hugo.dossier, professional=anne, categories="", duration="sans", actor=HUGO)
    async with browser(app, db, marc) as client:
        assert (await add(client, hugo, "allergy", label="Pénicilline", severity="severe")).status_code == 303
        his = text_of(await client.get(url(hugo)))
    said = "Déclarée par Marc Lefèvre (proche) le"
    for account in (own, camille, await account_for_professional(db, professional=anne)):
        async with browser(app, db, account) as client:
            assert said in text_of(await client.get(url(hugo))), account.display_name
    assert "Déclarée par vous le" in his and "(proche)" not in his
    async with browser(app, db, own) as client:
        copy = await copy_for(client, hugo.dossier.id)
    pdf = pypdfium2.PdfDocument(copy.read("synthese.pdf"))
    summary = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))).replace("\r\n", " ")
    assert "Pénicilline" in summary and "déclarée par Marc Lefèvre (proche)" in summary
    ips = json.loads(copy.read("synthese-ips.json"))
    [allergy] = [e["resource"] for e in ips["entry"] if e["resource"]["resourceType"] == "AllergyIntolerance"]
    assert allergy["recorder"] == {"display": "Marc Lefèvre (proche)"}


async def test_a_relatives_own_statement_of_a_personal_declaration_of_before_is_his_to_delete(app, db, hugo):
    """Marc recorded Hugo's "Opposé" before Carnet refused it: none of Hugo's, it stays Marc's to take back (not to
    change); said to be a relative's meanwhile."""
    marc = await relative(db, hugo, "Marc")
    before = Actor(marc.id, "caregiver", "Marc Lefèvre", on_behalf_of="Hugo Lefèvre")
    stated = await add_item(db, dossier=hugo.dossier, data=ItemInput("organ_donation", label="refus"), actor=before,
                            added_by_account_id=marc.id, today=date.today(), from_copy=True)
    async with browser(app, db, await account_for_patient(db, patient=hugo.patient)) as client:
        assert "Opposé au don d'organes Déclarée par Marc Lefèvre (proche)" in text_of(await client.get(url(hugo)))
    async with browser(app, db, marc) as client:
        page = await client.get(url(hugo))
        assert f"/{stated.id}/suppression" in page.text and f"/{stated.id}/changement" not in page.text
        deleted = await post_form(client, url(hugo, f"/{stated.id}/suppression"), {}, follow_redirects=False)
    assert deleted.status_code == 303
    await db.commit()
    assert (await db.get(ProfileItem, stated.id, populate_existing=True)).deleted_at is not None


async def test_what_a_parent_declares_is_said_to_be_a_parents_as_her_historique_says(app, db):
    """Inès, 17, read on her own Profil "Déclarée par Camille Martin (proche)" of a line her mother declared, while
    her Historique called Camille "parent" (an outside tester's find): one word, on the Profil and the timeline."""
    from server.models import Delegation
    from tests.caregiver_helpers import ines_turned_18
    from tests.test_patient_adds_documents import add as add_document, words

    ines, camille, _father = await ines_turned_18(db)
    db.add(Delegation(dossier_id=ines.dossier.id, caregiver_account_id=camille.id, relationship="parent"))
    await db.commit()
    async with browser(app, db, camille) as client:
        assert (await add(client, ines, "allergy", label="Pollen", severity="moderee")).status_code == 303
        assert (await add_document(client, ines.dossier.id, title="Carnet de vaccination",
                                   category="note_patient", note="Vaccins à jour")).status_code == 303
    async with browser(app, db, await account_for_patient(db, patient=ines.patient)) as client:
        profile = text_of(await client.get(url(ines)))
        timeline = " ".join(words(await client.get(f"/dossiers/{ines.dossier.id}")).split())
    assert "Déclarée par Camille Martin (parent) le" in profile and "(proche)" not in profile
    assert "Carnet de vaccination Camille Martin (parent)" in timeline and "(proche)" not in timeline
