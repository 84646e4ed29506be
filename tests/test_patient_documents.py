"""The patient hides a document from professionals, shows it again, deletes it after a confirmation,
and reviews each emergency access at the next visit; foreign ids are answered as missing."""

import html
from datetime import date

from server.access import emergencies
from server.accesslog.audit import Actor
from server.models import Document, EmergencyAccess, utcnow
from server.access.standing import professional_standing
from tests.conftest import activate, add_text_document, new_patient, post_form, without_csrf
from tests.patient_helpers import MISSING, Log, fresh, professional, same_404


# --- hiding and deleting a document ---------------------------------------------------------


async def test_hiding_and_showing_a_document_again(client, db, app, patient):
    document = await add_text_document(db, app, patient.dossier, title="IRM du genou", category="imagerie")
    await activate(client, patient)
    page = await client.get(f"/documents/{document.id}")
    assert "Masquer aux professionnels" in page.text and f"/documents/{document.id}/suppression" in page.text
    async with Log(db, patient.dossier.id) as log:
        hidden = await post_form(client, f"/documents/{document.id}/masquage", {"masque": "oui"}, follow_redirects=False)
        assert hidden.headers["location"] == f"/documents/{document.id}?fait=document-masque"
        page = await client.get(hidden.headers["location"])
        assert "Ne plus masquer" in page.text and "Masqué aux professionnels" in page.text
        assert "Masqué" in (await client.get(f"/dossiers/{patient.dossier.id}")).text
        await post_form(client, f"/documents/{document.id}/masquage", {"masque": "non"})
    assert log.actions == ["hide", "unhide"] and all(e.document_id == document.id for e in log.new)
    bad = await post_form(client, f"/documents/{document.id}/masquage", {"masque": "bof"})
    assert bad.status_code == 400


async def test_deleting_a_document_after_a_confirmation_that_says_what_it_means(client, db, app, patient):
    document = await add_text_document(db, app, patient.dossier, title="IRM du genou", category="imagerie")
    await activate(client, patient)
    confirm = await client.get(f"/documents/{document.id}/suppression")
    assert "le retirer pour tout le monde" in confirm.text and "il ne pourra pas être récupéré" in confirm.text
    assert "l'historique gardera une ligne disant que vous l'avez supprimé" in confirm.text.replace("&#39;", "'")
    async with Log(db, patient.dossier.id) as log:
        response = await post_form(client, f"/documents/{document.id}/suppression", {}, follow_redirects=False)
    assert response.headers["location"] == f"/dossiers/{patient.dossier.id}?fait=document-supprime"
    assert log.actions == ["delete"] and log.new[0].document_title == "IRM du genou"
    timeline = await client.get(response.headers["location"])
    assert "Le document a été supprimé" in timeline.text and "IRM du genou" not in timeline.text
    # Back to its page after "Supprimer": not "Page introuvable : cette page n'existe pas", but a sentence that names
    # a deletion among the causes, the same for a document that never was (a newcomer probe's find).
    gone = await client.get(f"/documents/{document.id}")
    never = await client.get("/documents/" + "0" * 32)
    assert gone.status_code == never.status_code == 404
    said = "Ce document n'existe pas ou plus (il a peut-être été supprimé), ou vous n'y avez pas accès."
    assert said in html.unescape(gone.text) and without_csrf(gone.text) == without_csrf(never.text)
    assert (await post_form(client, f"/documents/{document.id}/suppression", {})).status_code == 404


async def test_another_patients_document_cannot_be_hidden_or_deleted(client, db, app, patient):
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    theirs = await add_text_document(db, app, other.dossier, title="Secret de Hugo")
    await activate(client, patient)
    await same_404(client, f"/documents/{theirs.id}/suppression", f"/documents/{MISSING}/suppression")
    for suffix, data in (("/masquage", {"masque": "oui"}), ("/suppression", {})):
        await same_404(client, f"/documents/{theirs.id}{suffix}", f"/documents/{MISSING}{suffix}", data=data)
    document = await fresh(db, Document, theirs.id)
    assert not document.hidden and document.deleted_at is None


# --- emergency review -------------------------------------------------------------------------


async def emergency(db, dossier, pro):
    return await emergencies.open_emergency(db, dossier=dossier, professional=pro, reason="Malaise, patiente inconsciente aux urgences",
                                       actor=Actor(None, "professional", f"{pro.given_name} {pro.family_name}", pro.profession))


async def test_an_emergency_access_asks_to_be_reviewed_and_can_be_kept(client, db, patient):
    urgentist = await professional(db, "Roux", given_name="Anne", profession="médecin")
    access = await emergency(db, patient.dossier, urgentist)
    await activate(client, patient)
    timeline = await client.get(f"/dossiers/{patient.dossier.id}")
    assert "Dr Anne Roux, médecin, a ouvert votre dossier en urgence le" in timeline.text
    assert "Malaise, patiente inconsciente aux urgences" in timeline.text
    async with Log(db, patient.dossier.id) as log:
        kept = await post_form(client, f"/dossiers/{patient.dossier.id}/urgences/{access.id}/revue", {"choix": "kept"},
                               follow_redirects=False)
    assert kept.headers["location"] == f"/dossiers/{patient.dossier.id}?fait=urgence-normale"
    assert log.actions == ["emergency_review"] and (await fresh(db, EmergencyAccess, access.id)).review_outcome == "kept"
    assert "a ouvert votre dossier en urgence" not in (await client.get(f"/dossiers/{patient.dossier.id}")).text
    again = await post_form(client, f"/dossiers/{patient.dossier.id}/urgences/{access.id}/revue", {"choix": "blocked"})
    assert again.status_code == 404


async def test_an_emergency_access_can_be_answered_by_blocking_the_professional(client, db, patient):
    urgentist = await professional(db, "Roux", given_name="Anne", profession="médecin")
    access = await emergency(db, patient.dossier, urgentist)
    await activate(client, patient)
    url = f"/dossiers/{patient.dossier.id}/urgences/{access.id}/revue"
    assert (await post_form(client, url, {"choix": "n'importe"})).status_code == 400
    async with Log(db, patient.dossier.id) as log:
        await post_form(client, url, {"choix": "blocked"})
    assert log.actions == ["block"] and "Anne Roux" in log.new[0].detail
    standing = await professional_standing(db, professional_id=urgentist.id, dossier=patient.dossier, now=utcnow())
    assert standing.blocked
    # The emergency access she answered so is over: lifting the block later does not bring it back for the rest of
    # its 24 hours (an outside probe's find).
    await post_form(client, f"/dossiers/{patient.dossier.id}/professionnels/{urgentist.id}/deblocage", {})
    await db.commit()  # (a new snapshot: the one before saw the block)
    standing = await professional_standing(db, professional_id=urgentist.id, dossier=patient.dossier, now=utcnow())
    assert not standing.blocked and not (standing.emergency_until and standing.emergency_until > utcnow())


async def test_blocking_a_professional_ends_their_emergency_access(client, db, patient):
    """From the Accès page, as from the review: a block is the patient's no, which its lifting does not undo."""
    urgentist = await professional(db, "Roux", given_name="Anne", profession="médecin")
    await emergency(db, patient.dossier, urgentist)
    await activate(client, patient)
    base = f"/dossiers/{patient.dossier.id}/professionnels/{urgentist.id}"
    await post_form(client, f"{base}/blocage", {})
    await post_form(client, f"{base}/deblocage", {})
    standing = await professional_standing(db, professional_id=urgentist.id, dossier=patient.dossier, now=utcnow())
    assert not standing.blocked and not (standing.emergency_until and standing.emergency_until > utcnow())


async def test_another_patients_emergency_is_answered_like_a_missing_one(client, db, patient):
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    access = await emergency(db, other.dossier, await professional(db, "Roux", given_name="Anne", profession="médecin"))
    await activate(client, patient)
    mine = patient.dossier.id
    await same_404(client, f"/dossiers/{mine}/urgences/{access.id}/revue", f"/dossiers/{mine}/urgences/{MISSING}/revue",
                   data={"choix": "kept"})
    assert (await fresh(db, EmergencyAccess, access.id)).reviewed_at is None
