""""Voir comme" of a professional who cannot open the dossier said "Vous ne lui avez pas donné accès" of a médecin
traitant she had removed or replaced, and of a doctor whose emergency access had ended (outside testers' finds):
it says what ended, and when, as it says of a grant that ended."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select, update

from server.access import emergencies, grants
from server.accesslog.audit import Actor
from server.auth.accounts import account_for_patient
from server.models import AccessEvent, EmergencyAccess, Grant, utcnow
from server.templating import datetime_fr
from tests.caregiver_helpers import as_account, years_ago
from tests.conftest import activate, new_patient, new_professional, post_form
from tests.test_a_professional_as_the_patient_reads_her import text_of
from tests.test_emergency_endings import REASON
from tests.test_kept_traces import minor_with_a_kept_doctor
from tests.test_parents_decisions import her_phone
from tests.test_professional_documents import PATIENT

NEVER = "Vous ne lui avez pas donné accès"


def said(moment) -> str:
    """A date as the page says it, its spaces as text_of leaves them."""
    return " ".join(datetime_fr(moment).replace("\u00a0", " ").split())


async def last_at(db, dossier_id: str, action: str):
    await db.commit()  # what the app committed
    return (await db.exec(select(AccessEvent.at).where(AccessEvent.dossier_id == dossier_id,
                                                       AccessEvent.action == action)
                          .order_by(AccessEvent.seq.desc()))).first()


async def test_a_medecin_traitante_removed_is_said_to_have_been_hers_until_then(client, db, patient):
    claire = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin", stem=7,
                                    feminine=True)
    await activate(client, patient)
    base = f"/dossiers/{patient.dossier.id}"
    await post_form(client, f"{base}/medecin-traitant", {"professionnel": claire.professional.id})
    removed = await post_form(client, f"{base}/medecin-traitant", {"professionnel": ""}, follow_redirects=False)
    assert removed.status_code == 303
    until = await last_at(db, patient.dossier.id, "medecin_traitant")
    seen = text_of(await client.get(f"{base}/voir-comme/{claire.professional.id}"))
    assert (f"Dr Claire Bernard ne peut pas ouvrir le dossier. Elle était votre médecin traitante jusqu'au "
            f"{said(until)}.") in seen
    assert NEVER not in seen and "Son accès a pris fin" not in seen


async def test_a_medecin_traitant_replaced_is_said_to_have_been_hers_until_the_other_was_declared(client, db, patient):
    paul = await new_professional(db, given_name="Paul", family_name="Girard", profession="médecin", stem=8)
    claire = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin", stem=7,
                                    feminine=True)
    await activate(client, patient)
    base = f"/dossiers/{patient.dossier.id}"
    await post_form(client, f"{base}/medecin-traitant", {"professionnel": paul.professional.id})
    await post_form(client, f"{base}/medecin-traitant", {"professionnel": claire.professional.id})
    until = await last_at(db, patient.dossier.id, "medecin_traitant")
    seen = text_of(await client.get(f"{base}/voir-comme/{paul.professional.id}"))
    assert f"Il était votre médecin traitant jusqu'au {said(until)}." in seen and NEVER not in seen
    # Claire's removal later is no end of his.
    await post_form(client, f"{base}/medecin-traitant", {"professionnel": ""})
    seen = text_of(await client.get(f"{base}/voir-comme/{paul.professional.id}"))
    assert f"Il était votre médecin traitant jusqu'au {said(until)}." in seen
    # A grant of his that ended since is what ended last: that is what is said.
    await grants.grant_access(db, dossier=patient.dossier, professional=paul.professional, categories="",
                              duration="sans", actor=PATIENT)
    [grant] = (await db.exec(select(Grant).where(Grant.professional_id == paul.professional.id))).all()
    assert (await post_form(client, f"{base}/acces/{grant.id}/revocation", {})).status_code == 200
    await db.commit()
    revoked_at = (await db.get(Grant, grant.id, populate_existing=True)).revoked_at
    seen = text_of(await client.get(f"{base}/voir-comme/{paul.professional.id}"))
    assert f"Son accès a pris fin le {said(revoked_at)}." in seen and "médecin traitant jusqu'au" not in seen


async def test_an_emergency_access_ended_is_said_so_with_its_end(client, db, patient):
    anne = await new_professional(db, given_name="Anne", family_name="Roux", profession="médecin", stem=7,
                                  feminine=True)
    access = await emergencies.open_emergency(db, dossier=patient.dossier, professional=anne.professional,
                                              reason=REASON, actor=Actor(None, "professional", "Anne Roux", "médecin"))
    await activate(client, patient)
    base = f"/dossiers/{patient.dossier.id}"
    ended = await post_form(client, f"{base}/urgences/{access.id}/fin", {}, follow_redirects=False)
    assert ended.status_code == 303
    await db.commit()
    at = (await db.get(EmergencyAccess, access.id, populate_existing=True)).ends_at
    seen = text_of(await client.get(f"{base}/voir-comme/{anne.professional.id}"))
    assert f"Dr Anne Roux ne peut pas ouvrir le dossier. Son accès d'urgence a pris fin le {said(at)}." in seen
    assert NEVER not in seen

    # One whose 24 hours ran out: the end of its window.
    paul = await new_professional(db, given_name="Paul", family_name="Girard", profession="médecin", stem=8)
    older = await emergencies.open_emergency(db, dossier=patient.dossier, professional=paul.professional, reason=REASON,
                                             actor=Actor(None, "professional", "Paul Girard", "médecin"))
    over = utcnow() - timedelta(hours=3)
    await db.exec(update(EmergencyAccess).where(EmergencyAccess.id == older.id)
                  .values(starts_at=over - emergencies.EMERGENCY_WINDOW, ends_at=over))
    await db.commit()
    seen = text_of(await client.get(f"{base}/voir-comme/{paul.professional.id}"))
    assert f"Son accès d'urgence a pris fin le {said(over)}." in seen and NEVER not in seen


async def test_a_relatives_medecin_traitant_removed_is_said_to_have_been_theirs(client, db):
    camille = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    await as_account(client, db, await account_for_patient(db, patient=camille.patient))
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(9), serial=8)
    await post_form(client, "/enfant", {"code": ines.code, "birth_date": ines.birth_date.isoformat()})
    paul = await new_professional(db, given_name="Paul", family_name="Girard", profession="médecin", stem=8)
    base = f"/dossiers/{ines.dossier.id}"
    await post_form(client, f"{base}/medecin-traitant", {"professionnel": paul.professional.id})
    await post_form(client, f"{base}/medecin-traitant", {"professionnel": ""})
    until = await last_at(db, ines.dossier.id, "medecin_traitant")
    seen = text_of(await client.get(f"{base}/voir-comme/{paul.professional.id}"))
    assert f"Il était le médecin traitant d'Inès Martin jusqu'au {said(until)}." in seen and NEVER not in seen


async def test_one_never_given_access_is_still_said_so(client, db, patient):
    julie = await new_professional(db, stem=3)
    await activate(client, patient)
    seen = text_of(await client.get(f"/dossiers/{patient.dossier.id}/voir-comme/{julie.professional.id}"))
    assert f"{NEVER}." in seen


async def test_a_minors_parent_is_not_told_of_a_medecin_traitant_the_minor_removed(client, db, app):
    """Dr Girard kept care from Inès's parents: her mother is shown her by the parents' own decisions alone, and
    Inès's declaring and removing her is none of them (standing.parents_standing)."""
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    base = f"/dossiers/{ines.dossier.id}"
    async with her_phone(app, db, ines) as own:
        await post_form(own, f"{base}/medecin-traitant", {"professionnel": doctor.professional.id})
        await post_form(own, f"{base}/medecin-traitant", {"professionnel": ""})
        until = await last_at(db, ines.dossier.id, "medecin_traitant")
        hers = text_of(await own.get(f"{base}/voir-comme/{doctor.professional.id}"))
        assert f"votre médecin traitant{'e' if doctor.professional.profession_feminine else ''} jusqu'au " \
               f"{said(until)}." in hers
    mothers = text_of(await client.get(f"{base}/voir-comme/{doctor.professional.id}"))
    assert "médecin traitant" not in mothers and f"{NEVER}." in mothers
