"""Every sentence that explains a right or its end says what the rule (server/access/rule.py) does:
each one is shown to the patient, then the professional's own requests prove it true."""

import html

from sqlmodel import select

from server.access import emergencies, grants
from server.access.medecin_traitant import set_medecin_traitant
from server.accesslog.audit import Actor
from server.models import Grant
from tests.conftest import activate, activate_professional, add_text_document, new_professional, post_form
from tests.patient_helpers import CAMILLE
from tests.test_professional_documents import pdf_bytes, upload

AFTER_REVOKE = "L'accès est retiré : ce professionnel ne peut plus voir le dossier, sauf les documents ajoutés par ses soins."
EMERGENCY_STAYS = "Un accès d'urgence lui reste possible : pour l'en empêcher aussi, bloquez-le."
# Said of a named professional, woman or man: no "il" (Julie Moreau was told "il ne verra plus le dossier"); in plain
# words, and that it can be undone (an 81-year-old patient feared "Révoquer" was for good).
REVOKE_CONFIRM = ("Julie Moreau ne pourra plus voir le dossier, sauf les documents ajoutés par ses soins. Un accès "
                  "d'urgence lui reste possible : pour l'en empêcher aussi, bloquez-le. Vous pourrez lui redonner accès "
                  "plus tard.")
AFTER_BLOCK = "il ne peut plus rien lire du dossier, pas même les documents qu'il y a ajoutés, ni en urgence."
BLOCK_CONFIRM = "Ce professionnel ne pourra plus rien lire, pas même les documents qu'il a ajoutés, ni en urgence"
REVIEW_BLOCK = "bloquez ce professionnel : il ne pourra plus rien lire du dossier, pas même les documents qu'il y a ajoutés."
BLOCKED_LIST = "ni comme médecin traitant, ni même les documents qu'il a ajoutés."
AFTER_UNBLOCK = "Il peut de nouveau relire les documents qu'il a ajoutés"
OPTED_OUT = "Les accès d'urgence en cours ont pris fin, et ne reprendront pas si vous l'autorisez de nouveau."
STILL_MEDECIN = "Comme médecin traitant, Dr Julie Moreau pourra toujours voir tout le dossier."


def text(page) -> str:
    return html.unescape(page.text)


async def author(pro_client, db, patient, *, grant=True, profession="masseur-kinésithérapeute"):
    """A professional signed in on `pro_client` who added one document to the dossier, and the patient's own document."""
    pro = await new_professional(db, profession=profession)
    await activate_professional(pro_client, pro)
    if grant:
        await grants.grant_access(db, dossier=patient.dossier, professional=pro.professional, categories="",
                                  duration="sans", actor=CAMILLE)
    return pro


async def their_document(pro_client, patient) -> str:
    response = await upload(pro_client, patient.dossier, data=pdf_bytes(), title="Bilan kiné")
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def reads(pro_client, url: str) -> bool:
    status = (await pro_client.get(url)).status_code
    assert status in (200, 403, 404)  # 403: a dossier whose access ended, told so
    return status == 200


async def test_after_a_revoke_the_professional_reads_only_the_documents_they_added(client, pro_client, db, app, patient):
    pro = await author(pro_client, db, patient)
    theirs = await their_document(pro_client, patient)
    patients = f"/documents/{(await add_text_document(db, app, patient.dossier)).id}"
    dossier = f"/dossiers/{patient.dossier.id}"
    assert await reads(pro_client, dossier) and await reads(pro_client, patients)
    await activate(client, patient)
    access = text(await client.get(f"{dossier}/acces"))
    assert f"Retirer l'accès de Julie Moreau ? {REVOKE_CONFIRM}" in access
    [grant] = await grant_ids(db, patient, pro)
    notice = text(await post_form(client, f"{dossier}/acces/{grant}/revocation", {}))
    assert AFTER_REVOKE in notice and EMERGENCY_STAYS in notice and "Vous pourrez lui redonner accès plus tard." in notice
    assert not await reads(pro_client, dossier)  # "ne voit plus le dossier"
    assert not await reads(pro_client, patients)
    assert await reads(pro_client, theirs)  # "sauf les documents qu'il y a lui-même ajoutés"
    page = text(await client.get(f"{dossier}/professionnels/{pro.professional.id}"))
    assert "Ne peut pas ouvrir le dossier.</strong> Le document qu'il a ajouté lui reste lisible." in page  # counted
    # "Un accès d'urgence lui reste possible" (an outside probe: a kiné opened the dossier so a minute after "ne peut
    # plus voir le dossier"): it does, until the patient refuses emergency access, when neither sentence says it.
    opened = await post_form(pro_client, "/pro/urgence", {"ins": patient.patient.ins, "birth_date": "12/03/1984",
                                                          "reason": "Malaise en séance, patiente inconsciente."},
                             follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == dossier, opened.text
    assert await reads(pro_client, patients)


async def test_after_emergency_access_is_refused_a_revoke_promises_no_emergency(client, pro_client, db, app, patient):
    await author(pro_client, db, patient)
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"
    assert (await post_form(client, f"{dossier}/acces-urgence", {"urgence": "refuser"})).status_code in (200, 303)
    access = text(await client.get(f"{dossier}/acces"))
    assert "Julie Moreau ne pourra plus voir le dossier, sauf les documents ajoutés par ses soins. Vous pourrez" in access
    assert "Un accès d'urgence lui reste possible" not in access


async def grant_ids(db, patient, pro) -> list[str]:
    await db.commit()
    return [g.id for g in (await db.exec(select(Grant).where(Grant.dossier_id == patient.dossier.id,
                                                             Grant.professional_id == pro.professional.id))).all()]


async def test_a_medecin_traitant_keeps_everything_when_a_grant_is_revoked(client, pro_client, db, app, patient):
    pro = await author(pro_client, db, patient, profession="médecin")
    await set_medecin_traitant(db, dossier=patient.dossier, professional=pro.professional, actor=CAMILLE)
    patients = f"/documents/{(await add_text_document(db, app, patient.dossier)).id}"
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"
    assert f"? {STILL_MEDECIN}" in text(await client.get(f"{dossier}/acces"))
    [grant] = await grant_ids(db, patient, pro)
    await post_form(client, f"{dossier}/acces/{grant}/revocation", {})
    assert await reads(pro_client, dossier) and await reads(pro_client, patients)


async def test_after_a_block_the_professional_reads_nothing_not_even_their_own_documents(client, pro_client, db, patient):
    pro = await author(pro_client, db, patient)
    theirs = await their_document(pro_client, patient)
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"
    assert BLOCK_CONFIRM in text(await client.get(f"{dossier}/acces"))
    assert BLOCK_CONFIRM in text(await client.get(f"{dossier}/professionnels/{pro.professional.id}"))
    notice = text(await post_form(client, f"{dossier}/professionnels/{pro.professional.id}/blocage", {}))
    assert AFTER_BLOCK in notice and BLOCKED_LIST in notice
    assert not await reads(pro_client, dossier)
    assert not await reads(pro_client, theirs)  # "pas même les documents qu'il y a ajoutés"
    notice = text(await post_form(client, f"{dossier}/professionnels/{pro.professional.id}/deblocage", {}))
    assert AFTER_UNBLOCK in notice
    assert await reads(pro_client, theirs) and await reads(pro_client, dossier)


async def test_blocking_from_the_emergency_review_stops_even_their_own_documents(client, pro_client, db, patient):
    pro = await author(pro_client, db, patient, grant=False, profession="médecin")
    await emergencies.open_emergency(db, dossier=patient.dossier, professional=pro.professional, reason="Malaise au cabinet",
                                actor=Actor(None, "professional", "Julie Moreau", "médecin"))
    theirs = await their_document(pro_client, patient)
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"
    timeline = text(await client.get(dossier))
    assert REVIEW_BLOCK in timeline
    emergency = timeline.split("/urgences/")[1].split("/revue")[0]
    notice = text(await post_form(client, f"{dossier}/urgences/{emergency}/revue", {"choix": "blocked"}))
    assert AFTER_BLOCK in notice
    assert not await reads(pro_client, dossier) and not await reads(pro_client, theirs)


async def test_refusing_emergency_access_leaves_the_author_their_own_documents(client, pro_client, db, app, patient):
    pro = await author(pro_client, db, patient, grant=False, profession="médecin")
    await emergencies.open_emergency(db, dossier=patient.dossier, professional=pro.professional, reason="Malaise au cabinet",
                                actor=Actor(None, "professional", "Julie Moreau", "médecin"))
    theirs = await their_document(pro_client, patient)
    patients = f"/documents/{(await add_text_document(db, app, patient.dossier)).id}"
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"
    page = text(await post_form(client, f"{dossier}/acces-urgence", {"urgence": "refuser"}))
    assert OPTED_OUT in page
    assert not await reads(pro_client, dossier) and not await reads(pro_client, patients)  # "ne peut plus ouvrir le dossier"
    assert await reads(pro_client, theirs)  # "seulement relire les documents qu'il y a lui-même ajoutés"
    # Her no holds for good, as a block's: allowing emergency access again gives back none of the 24 hours.
    await post_form(client, f"{dossier}/acces-urgence", {"urgence": "autoriser"})
    assert not await reads(pro_client, dossier) and not await reads(pro_client, patients)
    assert (await pro_client.get(dossier)).status_code == 403  # "Accès terminé"
