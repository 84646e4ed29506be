"""What the patient's pages, and the professional's own, say of one professional, as it is (an outside probe's finds):
"voir comme" told Camille she had never given Léa access, once she had removed it; Léa's page said "Seuls les
documents ajoutés par ses soins lui restent lisibles, s'il y en a" of three documents; Dr Bernard was "médecin
traitant" on her "Mes patients" and her activity, "médecin traitante" elsewhere; and Léa's reads through a share code
were "Accès accordé" in her activity, "grâce au code de partage du …" in Camille's Historique."""

from __future__ import annotations

import html
import re
from datetime import date

from sqlmodel import select

from server.access import grants
from server.access.medecin_traitant import set_medecin_traitant
from server.dossiers import add_document
from server.models import Grant
from server.templating import datetime_fr
from tests.conftest import activate, activate_professional, new_professional, post_form
from tests.test_pro_activity import activity
from tests.test_professional_documents import PATIENT
from tests.test_minors_secret_sharing import code_made


def text_of(page) -> str:
    """The page's words as a person reads them: no tags, every space one."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).replace("\u00a0", " ").split())


async def lea_of(db, patient):
    lea = await new_professional(db, given_name="Léa", family_name="Fontaine", feminine=True)
    await grants.grant_access(db, dossier=patient.dossier, professional=lea.professional, categories="compte_rendu",
                              duration="sans", actor=PATIENT)
    return lea


async def test_a_removed_access_is_said_to_have_ended_and_what_she_added_is_counted(client, db, app, patient):
    lea = await lea_of(db, patient)
    for n in range(3):
        await add_document(db, app.state.storage, dossier=patient.dossier, title=f"Bilan kiné {n}",
                           category="compte_rendu", event_date=date(2025, 1, 10 + n), filename="bilan.txt",
                           mime_type="text/plain", data=f"Bilan {n}".encode(), author=lea.professional)
    paul = await new_professional(db, given_name="Paul", family_name="Durand", profession="pharmacien", stem=3)
    await activate(client, patient)
    base = f"/dossiers/{patient.dossier.id}"
    [grant] = (await db.exec(select(Grant).where(Grant.professional_id == lea.professional.id))).all()
    revoked = await post_form(client, f"{base}/acces/{grant.id}/revocation", {}, follow_redirects=False)
    assert revoked.status_code == 303

    page = text_of(await client.get(f"{base}/professionnels/{lea.professional.id}"))
    assert "Ne peut pas ouvrir le dossier. Les 3 documents qu'elle a ajoutés lui restent lisibles." in page
    assert "s'il y en a" not in page
    await db.commit()
    revoked_at = (await db.get(Grant, grant.id, populate_existing=True)).revoked_at
    seen = text_of(await client.get(f"{base}/voir-comme/{lea.professional.id}"))
    ended = " ".join(datetime_fr(revoked_at).replace("\u00a0", " ").split())
    assert f"ne peut pas ouvrir le dossier. Son accès a pris fin le {ended}." in seen
    assert "Vous ne lui avez pas donné accès" not in seen and "Bilan kiné 2" in seen

    # One never given access, who added nothing: so said.
    never = text_of(await client.get(f"{base}/professionnels/{paul.professional.id}"))
    assert "Ne peut pas ouvrir le dossier. Il n'a ajouté aucun document." in never
    seen = text_of(await client.get(f"{base}/voir-comme/{paul.professional.id}"))
    assert "Vous ne lui avez pas donné accès." in seen


async def test_a_medecin_traitante_is_said_so_on_every_page_that_names_her_role(client, pro_client, db, patient):
    doctor = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin", stem=7,
                                    feminine=True)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor.professional, actor=PATIENT)
    await activate_professional(pro_client, doctor)
    base = f"/dossiers/{patient.dossier.id}"
    assert (await pro_client.get(base)).status_code == 200
    assert "médecin traitante" in text_of(await pro_client.get("/pro"))
    assert "médecin traitant " not in text_of(await pro_client.get("/pro")) + " "
    assert activity((await pro_client.get("/pro/activite")).text) == [
        "Consultation du dossier · MARTIN Camille · Médecin traitante"]

    await activate(client, patient)
    await grants.grant_access(db, dossier=patient.dossier, professional=doctor.professional, categories="",
                              duration="1m", actor=PATIENT)  # a grant besides: removing it is asked first
    response = await client.get(f"{base}/professionnels/{doctor.professional.id}")
    page = text_of(response)
    assert "Peut ouvrir le dossier comme médecin traitante." in page
    assert "Médecin traitante : voit tous les documents" in page
    assert "Comme médecin traitante, Dr Claire Bernard pourra toujours voir tout le dossier." in html.unescape(
        response.text)
    seen = text_of(await client.get(f"{base}/voir-comme/{doctor.professional.id}"))
    assert "peut ouvrir le dossier comme médecin traitante" in seen


async def test_her_reads_through_a_share_code_are_said_so_in_her_activity(client, pro_client, db, patient):
    lea = await new_professional(db, given_name="Léa", family_name="Fontaine", feminine=True)
    await activate(client, patient)
    _, code = await code_made(client, patient.dossier.id, portee="categories", categories="compte_rendu", duree="1m")
    await activate_professional(pro_client, lea)
    assert (await post_form(pro_client, "/pro/code", {"code": code}, follow_redirects=False)).status_code == 303
    assert (await pro_client.get(f"/dossiers/{patient.dossier.id}")).status_code == 200
    log = text_of(await client.get(f"/dossiers/{patient.dossier.id}/historique"))
    assert "grâce au code de partage du" in log
    lines = activity((await pro_client.get("/pro/activite")).text)
    assert lines[0] == "Consultation du dossier · MARTIN Camille · Code de partage", lines
    assert all("Accès accordé" not in line for line in lines)
