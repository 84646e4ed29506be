"""How an emergency access ends, through HTTP as the patient and the emergency doctor meet it: the patient's refusal
of emergency access and her "Mettre fin à cet accès" end it for good (a new emergency is asked again: a new reason, a
new event, a new notification); asking again while one's own is open goes back to it; a reason must be words."""

import html
import re

import pytest
from alembic import command
from sqlmodel import select, update

from server.access import emergencies
from server.accesslog.audit import Actor
from server.models import Block, Dossier, EmergencyAccess, Notification, utcnow
from tests.conftest import activate, activate_professional, new_professional, post_form, wrong_fields
from tests.patient_helpers import Log, fresh, migrate

REASON = "Patiente inconsciente amenée aux urgences, antécédents inconnus"
ENDED = "Votre accès à ce dossier a pris fin."


def text(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


async def doctor(pro_client, db, *, stem=7, family_name="Roux"):
    pro = await new_professional(db, stem=stem, given_name="Anne", family_name=family_name, profession="médecin")
    await activate_professional(pro_client, pro)
    return pro.professional


async def ask(pro_client, patient, reason=REASON):
    return await post_form(pro_client, "/pro/urgence", {"ins": patient.patient.ins,
                                                        "birth_date": patient.birth_date.isoformat(), "reason": reason},
                           follow_redirects=False)


async def rows(db, model, **where) -> list:
    await db.commit()  # what the app committed
    return list((await db.exec(select(model).where(*(getattr(model, k) == v for k, v in where.items())))).all())


async def test_a_refusal_of_emergency_access_ends_open_ones_for_good(client, pro_client, db, patient):
    anne = await doctor(pro_client, db)
    assert (await ask(pro_client, patient)).status_code == 303
    dossier = f"/dossiers/{patient.dossier.id}"
    assert (await pro_client.get(dossier)).status_code == 200
    await activate(client, patient)
    await post_form(client, f"{dossier}/acces-urgence", {"urgence": "refuser"})
    assert (await pro_client.get(dossier)).status_code == 403
    allowed = await post_form(client, f"{dossier}/acces-urgence", {"urgence": "autoriser"})
    assert "L'accès d'urgence est de nouveau possible." in text(allowed)
    # Her "no" was not a pause: the rest of the 24 hours does not come back.
    refused = await pro_client.get(dossier)
    assert refused.status_code == 403 and ENDED in text(refused)
    assert "Dr Anne Roux" not in text(await client.get(f"{dossier}/acces"))
    # In a new emergency, the doctor asks again: a new access, a new event, a new notification.
    async with Log(db, patient.dossier.id) as log:
        assert (await ask(pro_client, patient, "Nouvelle chute, patiente confuse, besoin des traitements")).status_code == 303
    assert log.actions == ["emergency"]
    assert len(await rows(db, EmergencyAccess, professional_id=anne.id)) == 2
    assert len(await rows(db, Notification, dossier_id=patient.dossier.id)) == 2
    assert (await pro_client.get(dossier)).status_code == 200


async def test_the_patient_ends_one_emergency_access_without_blocking_the_doctor(client, pro_client, db, patient):
    anne = await doctor(pro_client, db)
    colleague = await new_professional(db, stem=8, given_name="Paul", family_name="Girard", profession="médecin")
    assert (await ask(pro_client, patient)).status_code == 303
    [access] = await rows(db, EmergencyAccess, professional_id=anne.id)
    await emergencies.open_emergency(db, dossier=patient.dossier, professional=colleague.professional, reason=REASON,
                                     actor=Actor(None, "professional", "Paul Girard", "médecin"))
    dossier = f"/dossiers/{patient.dossier.id}"
    await activate(client, patient)
    # Her page of that doctor says the access is open, and until when; never "can open" as if none were.
    page = text(await client.get(f"{dossier}/professionnels/{anne.id}"))
    assert "Accès d'urgence en cours : ouvert le" in page and "Peut ouvrir le dossier" not in page
    assert "Mettre fin à cet accès" in page
    for url in (dossier, f"{dossier}/acces"):  # the review card, the Accès page's line
        assert f'action="{dossier}/urgences/{access.id}/fin"' in (await client.get(url)).text, url
    async with Log(db, patient.dossier.id) as log:
        ended = await post_form(client, f"{dossier}/urgences/{access.id}/fin", {}, follow_redirects=False)
    assert (ended.status_code, ended.headers["location"]) == (303, f"{dossier}/acces?fait=urgence-terminee")
    assert log.actions == ["emergency_end"] and "Anne Roux" in log.new[0].detail
    assert "L'accès d'urgence a pris fin." in text(await client.get(ended.headers["location"]))
    # Ending is her review of it: its card is gone; the other doctor's access and card stay.
    timeline = text(await client.get(dossier))
    assert "Dr Anne Roux, médecin, a ouvert votre dossier" not in timeline
    assert "Dr Paul Girard, médecin, a ouvert votre dossier" in timeline
    # The doctor is told her access ended, and finds it under "Accès terminés"; she is not blocked.
    refused = await pro_client.get(dossier)
    assert refused.status_code == 403 and ENDED in text(refused)
    mine = text(await pro_client.get("/pro"))
    assert "MARTIN Camille" in mine.split("Accès terminés")[1]
    assert await rows(db, Block, dossier_id=patient.dossier.id) == []
    [colleagues] = await rows(db, EmergencyAccess, professional_id=colleague.professional.id)
    assert colleagues.ends_at > (await fresh(db, EmergencyAccess, access.id)).ends_at
    # A double tap changes nothing more; an access of another dossier's is no action of hers.
    async with Log(db, patient.dossier.id) as log:
        assert (await post_form(client, f"{dossier}/urgences/{access.id}/fin", {})).status_code == 200
        assert (await post_form(client, f"{dossier}/urgences/{'0' * 32}/fin", {})).status_code == 404
    assert log.actions == []
    # In a new emergency she asks again, and the dossier opens.
    assert (await ask(pro_client, patient, "Nouveau malaise, patiente inconsciente, antécédents")).status_code == 303
    assert (await pro_client.get(dossier)).status_code == 200


async def test_asking_again_while_ones_own_emergency_access_is_open_goes_back_to_it(client, pro_client, db, patient):
    anne = await doctor(pro_client, db)
    async with Log(db, patient.dossier.id) as log:
        for _ in range(3):
            answer = await ask(pro_client, patient)
            assert (answer.status_code, answer.headers["location"]) == (303, f"/dossiers/{patient.dossier.id}")
    assert log.actions == ["emergency"]
    [access] = await rows(db, EmergencyAccess, professional_id=anne.id)
    assert len(await rows(db, Notification, dossier_id=patient.dossier.id)) == 1
    await activate(client, patient)
    assert text(await client.get(f"/dossiers/{patient.dossier.id}")).count("a ouvert votre dossier en urgence") == 1
    # Another doctor's is her own.
    await doctor(pro_client, db, stem=8, family_name="Girard")
    assert (await ask(pro_client, patient)).status_code == 303
    assert len(await rows(db, EmergencyAccess, dossier_id=patient.dossier.id)) == 2
    assert (await fresh(db, EmergencyAccess, access.id)).ends_at == access.ends_at


@pytest.mark.parametrize("reason", ["🚑" * 20, "!?.,;:-…/*+=#@&%$", "🚑 !!! 🚑 ??? 🚑 ... 🚑 ok"])
async def test_a_reason_of_no_words_is_refused_on_its_field(pro_client, db, patient, reason):
    await doctor(pro_client, db)
    answer = await ask(pro_client, patient, reason)
    assert answer.status_code == 400 and wrong_fields(answer.text) == ["reason"]
    assert "Décrivez la situation d'urgence avec des mots : le patient lira ce motif." in text(answer)
    assert await rows(db, EmergencyAccess, dossier_id=patient.dossier.id) == []


async def test_a_reason_in_any_script_is_words(pro_client, db, patient):
    await doctor(pro_client, db)
    assert (await ask(pro_client, patient, "病人昏迷不醒，需要查看过往病史和用药记录 🚑")).status_code == 303


async def test_a_refusal_asks_to_check_the_identity_typed_and_says_the_patient_may_refuse_whatever_its_cause(
        pro_client, db, patient):
    await doctor(pro_client, db)
    answer = await post_form(pro_client, "/pro/urgence", {"ins": patient.patient.ins, "birth_date": "1984-12-03",
                                                          "reason": REASON})
    assert answer.status_code == 403 and "pour ce patient" not in text(answer)
    assert ("L'accès d'urgence n'est pas possible : soit le matricule INS ou la date de naissance saisis sont "
            "inexacts, soit la personne n'autorise pas l'accès d'urgence à son dossier. Vérifiez-les une fois ; "
            "s'ils sont exacts, inutile de réessayer." in text(answer))


async def test_closing_the_dossier_ends_emergency_accesses_which_its_reopening_does_not_give_back(
        client, pro_client, db, patient):
    await doctor(pro_client, db)
    assert (await ask(pro_client, patient)).status_code == 303
    dossier = f"/dossiers/{patient.dossier.id}"
    await activate(client, patient)
    assert (await post_form(client, f"{dossier}/fermeture", {}, follow_redirects=False)).status_code == 303
    assert (await post_form(client, f"{dossier}/reouverture", {}, follow_redirects=False)).status_code == 303
    refused = await pro_client.get(dossier)
    assert refused.status_code == 403 and ENDED in text(refused)
    assert (await ask(pro_client, patient, "Nouvelle chute, patiente confuse, besoin des traitements")).status_code == 303
    assert (await pro_client.get(dossier)).status_code == 200

@pytest.mark.parametrize("ending", [("fermeture", {}, "close"),
                                    ("acces-urgence", {"urgence": "refuser"}, "emergency_opt_out")], ids=["closed", "refused"])
async def test_an_emergency_access_ended_with_every_other_is_in_the_historique_of_its_doctor(
        client, pro_client, db, patient, ending):
    """Read for that doctor, her Historique showed the emergency opened and never its end, as if it still ran until
    the next day (an outside probe's find)."""
    await doctor(pro_client, db)
    assert (await ask(pro_client, patient)).status_code == 303
    dossier = f"/dossiers/{patient.dossier.id}"
    await activate(client, patient)
    path, form, action = ending
    async with Log(db, patient.dossier.id) as log:
        await post_form(client, f"{dossier}/{path}", form)
    assert log.actions == [action, "emergency_end"]
    log_page = (await client.get(f"{dossier}/historique")).text
    options = re.findall(r'<option value="([0-9a-f]+)"[^>]*>([^<]+)</option>', log_page)
    [key] = [key for key, name in options if "Anne Roux" in name]
    hers = text(await client.get(f"{dossier}/historique?professionnel={key}"))
    assert "Vous avez mis fin à l'accès d'urgence d'Anne Roux, médecin" in hers


@pytest.mark.parametrize("left", [{"emergency_opt_out": True}, {"state": "closed"}], ids=["refused", "closed"])
async def test_an_access_left_open_on_a_dossier_that_refuses_emergency_access_ends_at_migration_0054(
        app, client, pro_client, db, patient, left):
    """Before 0054, a refusal or a closing left open accesses to come back with her "yes" or her reopening: the
    migration ends those still open."""
    anne = await doctor(pro_client, db)
    assert (await ask(pro_client, patient)).status_code == 303
    [access] = await rows(db, EmergencyAccess, professional_id=anne.id)
    await db.commit()  # its read ends before the migration writes
    await migrate(app, command.downgrade, "0053")
    await db.exec(update(Dossier).where(Dossier.id == patient.dossier.id).values(**left))
    await db.commit()  # as the code before 0054 refused or closed: the access left open
    assert (await fresh(db, EmergencyAccess, access.id)).ends_at > utcnow()
    await migrate(app, command.upgrade, "head")
    assert (await fresh(db, EmergencyAccess, access.id)).ends_at <= utcnow()
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"
    await post_form(client, f"{dossier}/acces-urgence" if "state" not in left else f"{dossier}/reouverture",
                    {"urgence": "autoriser"} if "state" not in left else {})
    assert (await pro_client.get(f"/dossiers/{patient.dossier.id}")).status_code == 403
