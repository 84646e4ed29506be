""""Mes patients", share codes and emergency access, as a professional meets them through HTTP."""

import asyncio
import html
import re
from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import update
from sqlmodel import select

from server.access import blocks, closing, emergencies, grants, share_codes
from server.access.medecin_traitant import set_medecin_traitant
from server.access.rule import GrantFacts, Right, Standing
from server.auth.accounts import account_for_professional
from server.accesslog.audit import Actor
from server.models import AccessEvent, Grant, ShareCode, Throttle, utcnow
from server.templating import date_fr, datetime_fr
from tests.conftest import (
    ORIGIN, AsyncTestClient, activate_professional, make_ins, new_patient, new_professional, post_form, wrong_fields,
)

PATIENT = Actor(None, "patient", "Le patient")
REASON = "Patient inconscient amené aux urgences, antécédents inconnus"


async def signed_in(client, db, **kwargs):
    """A professional, activated and logged in on `client`, with their account."""
    pro = await new_professional(db, **kwargs)
    await activate_professional(client, pro)
    return pro, await account_for_professional(db, professional=pro.professional)


async def past(db, model, row_id, **fields):
    """Move some of a row's times into the past, as time would."""
    await db.commit()
    await db.exec(update(model).where(model.id == row_id).values(**fields))
    await db.commit()


async def rows(db, statement) -> list:
    """Rows as the app committed them (ends the test session's own snapshot first)."""
    await db.commit()
    return list((await db.exec(statement)).all())


def patient_blocks(html: str) -> dict[str, str]:
    """Each line of "Mes patients", by the patient's given name."""
    lines = html.split('<li class="pro-patient')[1:]
    return {re.search(r'pro-patient-name">\S+ (\S+)</span>', b).group(1): b for b in lines}


# --- "Mes patients" -----------------------------------------------------------------------------


async def test_my_patients_lists_exactly_the_dossiers_i_may_open_now_and_why(client, db):
    me, account = await signed_in(client, db, profession="médecin")
    colleague = await new_professional(db, stem=2, given_name="Paul", family_name="Girard")
    names = ["Alice", "Bruno", "Chloé", "Denis", "Emile", "Fanny", "Gaston", "Hélène", "Inès", "Jules"]
    people = {n: await new_patient(db, given_name=n, family_name=f"Nom{n[0]}", serial=i + 1) for i, n in enumerate(names)}
    mine = me.professional

    async def grant(name, professional=mine, categories="", duration="sans"):
        return await grants.grant_access(db, dossier=people[name].dossier, professional=professional,
                                         categories=categories, duration=duration, actor=PATIENT)

    imaging = await grant("Alice", categories="biologie,imagerie", duration="1a")
    await set_medecin_traitant(db, dossier=people["Bruno"].dossier, professional=mine, actor=PATIENT)
    emergency = await emergencies.open_emergency(db, dossier=people["Chloé"].dossier, professional=mine, reason=REASON,
                                            actor=Actor.professional(account, mine))
    revoked = await grant("Denis")
    await grants.revoke_grant(db, dossier=people["Denis"].dossier, grant_id=revoked.id, actor=PATIENT)
    expired = await grant("Emile", duration="1m")
    await past(db, Grant, expired.id, starts_at=utcnow() - timedelta(days=40), ends_at=utcnow() - timedelta(days=10))
    await grant("Fanny")
    await blocks.block(db, dossier=people["Fanny"].dossier, professional=mine, actor=PATIENT)
    await grant("Gaston")
    await closing.set_closed(db, dossier=people["Gaston"].dossier, closed=True, actor=PATIENT)
    await emergencies.open_emergency(db, dossier=people["Hélène"].dossier, professional=mine, reason=REASON,
                                actor=Actor.professional(account, mine))
    await emergencies.set_emergency_opt_out(db, dossier=people["Hélène"].dossier, opt_out=True, actor=PATIENT)
    await grant("Inès", professional=colleague.professional)
    await grant("Jules")

    page = await client.get("/pro")
    open_part, ended_part = page.text.split("Accès terminés")
    lines = patient_blocks(open_part)
    assert sorted(lines) == ["Alice", "Bruno", "Chloé", "Jules"]
    # Ended lately, revoked or expired alike, and an emergency access the patient then refused (its window ends within
    # a day); a block, a closing: no date to say when (test_ended_access.py).
    assert sorted(patient_blocks(ended_part)) == ["Denis", "Emile", "Hélène"]
    assert f"accès accordé jusqu'au {date_fr(imaging.ends_at)} (biologie, imagerie)" in lines["Alice"]
    assert "médecin traitant" in lines["Bruno"]
    assert "accès d'urgence jusqu'au" in lines["Chloé"] and "pro-patient-emergency" in lines["Chloé"]
    assert f"accès d'urgence jusqu'au {datetime_fr(emergency.ends_at)}" in lines["Chloé"]
    assert "accès accordé sans date de fin (tous les documents)" in lines["Jules"]
    assert "née le 12\u00a0mars 1984" in lines["Alice"]
    for name, person in people.items():
        listed = name in lines
        assert (f'/dossiers/{person.dossier.id}"' in page.text) == listed, name
        # The list and the rule agree: what is listed opens; where an access of mine ended I am told so; else a 404.
        opened = await client.get(f"/dossiers/{person.dossier.id}")
        held = name in ("Denis", "Emile", "Fanny", "Gaston", "Hélène")
        assert opened.status_code == (200 if listed else 403 if held else 404), name


async def test_a_professional_with_no_patient_is_told_how_to_get_access(client, db):
    await signed_in(client, db)
    page = await client.get("/pro")
    assert "Aucun dossier ne vous est ouvert" in page.text
    assert 'href="/pro/code"' in page.text and 'href="/pro/urgence"' in page.text


# --- share codes --------------------------------------------------------------------------------


async def share_code(db, dossier, *, categories="", duration="1m"):
    code, row = await share_codes.create_share_code(db, dossier=dossier, categories=categories, duration=duration, actor=PATIENT)
    return code, row


async def test_the_share_code_page_takes_its_code_from_the_browser_not_from_the_url(client, db):
    await signed_in(client, db)
    page = await client.get("/pro/code?c=Q4ZP9W")
    assert "Q4ZP9W" not in page.text  # an old-style link is not echoed: a code in a query string is in logs
    assert "data-share-code" in page.text  # carnet.js fills it from the QR code's "#c=…"


async def test_a_good_share_code_opens_the_dossier_with_the_chosen_scope(client, db, patient):
    me, _ = await signed_in(client, db)
    code, _ = await share_code(db, patient.dossier, categories="imagerie", duration="3m")
    response = await post_form(client, "/pro/code", {"code": code.lower()}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, f"/dossiers/{patient.dossier.id}")
    assert (await client.get(f"/dossiers/{patient.dossier.id}")).status_code == 200
    [grant] = await rows(db, select(Grant).where(Grant.professional_id == me.professional.id))
    assert grant.categories == "imagerie" and grant.ends_at is not None
    assert "(imagerie)" in (await client.get("/pro")).text


# Wrong, expired, used, a closed dossier's, or from a patient who blocked this professional: the same words, so that
# typing codes tells nobody which existed (DESIGN.md, "who sees what").
SAME_REFUSAL = ("Ce code de partage n'est pas valable : il est incorrect, a expiré ou a déjà servi. "
                "Vérifiez-le avec votre patient, ou demandez-lui un nouveau code.")


def refusal(response) -> str:
    found = re.search(r'<p class="error"[^>]*>(.*?)</p>', response.text, re.S)
    return " ".join(html.unescape(found.group(1)).split()) if found else response.text


async def test_a_wrong_share_code_is_refused_in_french(client, db, patient):
    await signed_in(client, db)
    response = await post_form(client, "/pro/code", {"code": "ZZZZZZ"})
    assert response.status_code == 400
    assert refusal(response) == SAME_REFUSAL


async def test_an_expired_share_code_is_refused(client, db, patient):
    await signed_in(client, db)
    code, row = await share_code(db, patient.dossier)
    await past(db, ShareCode, row.id, expires_at=utcnow() - timedelta(seconds=1))
    response = await post_form(client, "/pro/code", {"code": code})
    assert response.status_code == 400
    assert refusal(response) == SAME_REFUSAL  # not "expired": no refusal says the code existed


USED_BY_YOU = ("Vous avez déjà utilisé ce code : un code de partage ne sert qu'une fois. Ce patient est dans "
               "« Mes patients » tant que votre accès dure ; pour un nouvel accès, demandez-lui un nouveau code.")


async def test_a_share_code_works_once(client, app, db, patient):
    await signed_in(client, db)
    code, _ = await share_code(db, patient.dossier)
    assert (await post_form(client, "/pro/code", {"code": code}, follow_redirects=False)).status_code == 303
    again = await post_form(client, "/pro/code", {"code": code})
    # Her own code again: said so, which tells her nothing she did not know; to anyone else, the one refusal.
    assert again.status_code == 400
    assert refusal(again) == USED_BY_YOU
    async with AsyncTestClient(app, base_url=ORIGIN) as colleague:
        await signed_in(colleague, db, stem=2, given_name="Anne", family_name="Petit")
        theirs = await post_form(colleague, "/pro/code", {"code": code})
        assert theirs.status_code == 400 and refusal(theirs) == SAME_REFUSAL
    assert len(await rows(db, select(Grant))) == 1


async def test_her_own_code_typed_again_is_no_wrong_guess_a_code_cancelled_still_is(client, db, patient):
    """An outside probe's find: three typos, her own code typed again and a code the patient cancelled made five
    wrong codes, and the patient's fresh code was refused. Her own code reveals nothing to her: she used it. Anyone
    else's cancelled or expired code still counts, or typing codes would tell which ever existed."""
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=2, sex="M")
    await signed_in(client, db)
    used, _ = await share_code(db, patient.dossier)
    assert (await post_form(client, "/pro/code", {"code": used}, follow_redirects=False)).status_code == 303
    cancelled, row = await share_code(db, other.dossier)
    assert await share_codes.cancel_share_code(db, share_code_id=row.id, dossier=other.dossier, actor=PATIENT)
    for typed in ("ZZZZZZ", "ZZZZZY", "ZZZZZX", used, cancelled):
        assert (await post_form(client, "/pro/code", {"code": typed})).status_code == 400
    fresh, _ = await share_code(db, patient.dossier)
    assert (await post_form(client, "/pro/code", {"code": fresh}, follow_redirects=False)).status_code == 303
    for _ in range(6):  # as often as she likes
        again = await post_form(client, "/pro/code", {"code": used})
        assert again.status_code == 400 and refusal(again) == USED_BY_YOU
    # Four wrong codes so far (the typos and the cancelled one): the fifth pauses her.
    assert (await post_form(client, "/pro/code", {"code": cancelled})).status_code == 400
    assert (await post_form(client, "/pro/code", {"code": "ZZZZZW"})).status_code == 429


async def test_a_paused_professional_is_told_the_patient_may_give_her_access_from_the_directory(client, db, patient):
    """Paused for wrong codes, the patient in front of her: the way in that needs no code."""
    _, account = await signed_in(client, db)
    for _ in range(5):
        await post_form(client, "/pro/code", {"code": "ZZZZZZ"})
    paused = await post_form(client, "/pro/code", {"code": "ZZZZZZ"})
    assert paused.status_code == 429
    assert refusal(paused) == ("Trop de codes incorrects. Réessayez dans 15 minutes. Votre patient peut aussi vous "
                               "donner accès sans code : sur sa page « Accès » de Carnet, en vous cherchant par votre "
                               "nom dans l'annuaire.")
    # Its waits said as a person says them: "1 heure", not "60 minutes"; "2 heures et 30 minutes", never "2 heures".
    key = f"share-code-account:{account.id}"
    for until, said in ((timedelta(hours=1), "Réessayez dans 1 heure."),
                        (timedelta(hours=2, minutes=30), "Réessayez dans 2 heures et 30 minutes."),
                        (timedelta(minutes=59), "Réessayez dans 59 minutes.")):
        await db.commit()
        await db.exec(update(Throttle).where(Throttle.key == key).values(locked_until=utcnow() + until))
        await db.commit()
        assert said in refusal(await post_form(client, "/pro/code", {"code": "ZZZZZZ"}))


async def test_a_share_code_of_a_closed_dossier_is_refused(client, db, patient):
    await signed_in(client, db)
    code, _ = await share_code(db, patient.dossier)
    await closing.set_closed(db, dossier=patient.dossier, closed=True, actor=PATIENT)
    response = await post_form(client, "/pro/code", {"code": code})
    assert response.status_code == 400
    assert refusal(response) == SAME_REFUSAL


async def test_a_blocked_professional_cannot_use_a_share_code(client, db, patient):
    me, _ = await signed_in(client, db)
    await blocks.block(db, dossier=patient.dossier, professional=me.professional, actor=PATIENT)
    code, _ = await share_code(db, patient.dossier)
    response = await post_form(client, "/pro/code", {"code": code})
    assert response.status_code == 400
    assert refusal(response) == SAME_REFUSAL
    assert (await client.get(f"/dossiers/{patient.dossier.id}")).status_code == 404


async def test_many_wrong_share_codes_are_slowed_down_per_account_never_for_a_colleague_at_the_same_address(
        client, db, patient):
    me, account = await signed_in(client, db)
    for _ in range(5):
        assert (await post_form(client, "/pro/code", {"code": "ZZZZZZ"})).status_code == 400
    code, _ = await share_code(db, patient.dossier)
    response = await post_form(client, "/pro/code", {"code": code})
    assert response.status_code == 429
    assert "Trop de codes incorrects" in response.text
    locks = {t.key: t.locked_until for t in await rows(db, select(Throttle))}
    assert locks[f"share-code-account:{account.id}"] > utcnow()
    assert not any(key.startswith("share-code-client:") for key in locks)  # a professional is her account alone

    # A whole hospital is one address behind NAT: ten colleagues' typos there, fifty refusals in all, pause none
    # but each of those who made them, and leave one who made none her codes.
    for stem in range(2, 11):
        client.cookies.clear()
        await signed_in(client, db, stem=stem, given_name="Anne", family_name="Petit")
        statuses = [(await post_form(client, "/pro/code", {"code": "ZZZZZZ"})).status_code for _ in range(6)]
        assert statuses == [400] * 5 + [429]
    client.cookies.clear()
    await signed_in(client, db, stem=12, given_name="Marc", family_name="Roux")
    assert (await post_form(client, "/pro/code", {"code": code}, follow_redirects=False)).status_code == 303


async def test_wrong_share_codes_sent_all_at_once_earn_no_more_tries_than_one_after_the_other(client, db, patient):
    await signed_in(client, db)
    burst = await asyncio.gather(*(post_form(client, "/pro/code", {"code": f"ZZZZ{n:02d}"}) for n in range(20)))
    assert sorted(response.status_code for response in burst) == [400] * 5 + [429] * 15


async def test_right_share_codes_one_after_the_other_earn_no_pause(client, db, patient):
    """A practice's professional taking her morning's patients in: each right code is given back, none pauses her."""
    await signed_in(client, db)
    for _ in range(7):
        code, _ = await share_code(db, patient.dossier)
        assert (await post_form(client, "/pro/code", {"code": code}, follow_redirects=False)).status_code == 303
    assert (await post_form(client, "/pro/code", {"code": "ZZZZZZ"})).status_code == 400


# --- emergency access ---------------------------------------------------------------------------------


def emergency_form(fixture, *, birth_date=None, reason=REASON, ins=None):
    return {"ins": ins or fixture.patient.ins, "birth_date": (birth_date or fixture.birth_date).isoformat(), "reason": reason}


# The patient's refusal, a closed dossier, a typo in the identity: one sentence, true of each, which does not say which
# ("Vérifiez le matricule INS…" alone had a doctor type a right identity again until her attempts ran out).
REFUSED = ("L&#39;accès d&#39;urgence n&#39;est pas possible : soit le matricule INS ou la date de naissance "
           "saisis sont inexacts, soit la personne n&#39;autorise pas l&#39;accès d&#39;urgence à son dossier. "
           "Vérifiez-les une fois ; s&#39;ils sont exacts, inutile de réessayer.")


def error_of(html: str) -> str:
    return re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', html, re.S).group(1)


async def test_emergency_access_opens_the_dossier_for_a_day_and_is_logged_with_its_reason(client, db, patient):
    await signed_in(client, db, profession="médecin")
    response = await post_form(client, "/pro/urgence", emergency_form(patient), follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, f"/dossiers/{patient.dossier.id}")
    assert (await client.get(f"/dossiers/{patient.dossier.id}")).status_code == 200
    assert "accès d'urgence jusqu'au" in (await client.get("/pro")).text
    events = await rows(db, select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id))
    emergency = [e for e in events if e.action == "emergency"]
    assert len(emergency) == 1 and emergency[0].detail == REASON and emergency[0].right == "emergency"
    reads = [e for e in events if e.action == "read_timeline"]
    assert reads and reads[-1].right == "emergency"


async def test_emergency_access_is_refused_when_the_patient_opted_out(client, db, patient):
    await signed_in(client, db)
    await emergencies.set_emergency_opt_out(db, dossier=patient.dossier, opt_out=True, actor=PATIENT)
    response = await post_form(client, "/pro/urgence", emergency_form(patient))
    assert response.status_code == 403
    assert error_of(response.text) == REFUSED
    assert (await client.get(f"/dossiers/{patient.dossier.id}")).status_code == 404


async def test_emergency_access_is_refused_to_a_blocked_professional(client, db, patient):
    me, _ = await signed_in(client, db)
    await blocks.block(db, dossier=patient.dossier, professional=me.professional, actor=PATIENT)
    response = await post_form(client, "/pro/urgence", emergency_form(patient))
    assert response.status_code == 403
    assert (await client.get(f"/dossiers/{patient.dossier.id}")).status_code == 404


async def test_a_wrong_birth_date_gets_the_same_answer_as_an_unknown_ins(client, db, patient):
    await signed_in(client, db)
    wrong_date = await post_form(client, "/pro/urgence", emergency_form(patient, birth_date=date(1984, 3, 13)))
    unknown = await post_form(client, "/pro/urgence", emergency_form(patient, ins=make_ins("M", 1971, 5, 999)))
    opted_out_like = error_of(unknown.text)
    assert wrong_date.status_code == unknown.status_code == 403
    assert error_of(wrong_date.text) == opted_out_like == REFUSED
    assert wrong_fields(wrong_date.text) == wrong_fields(unknown.text) == []  # no field says which part is wrong
    assert await rows(db, select(AccessEvent).where(AccessEvent.action == "emergency")) == []


async def test_an_unknown_identity_is_refused_with_the_same_work_as_a_dossier_that_opted_out(client, db, app, patient):
    from tests.patient_helpers import Statements

    await signed_in(client, db)
    await emergencies.set_emergency_opt_out(db, dossier=patient.dossier, opt_out=True, actor=PATIENT)
    seen = []
    for form in (emergency_form(patient), emergency_form(patient, ins=make_ins("M", 1971, 5, 999))):
        with Statements(app.state.engine) as statements:
            assert (await post_form(client, "/pro/urgence", form)).status_code == 403
        seen.append([s.split(" WHERE")[0] for s in statements.seen if "throttle" not in s])
    assert seen[0] == seen[1]


async def test_emergency_access_needs_a_written_reason(client, db, patient):
    await signed_in(client, db)
    response = await post_form(client, "/pro/urgence", emergency_form(patient, reason="urgence      !"))
    assert response.status_code == 400
    assert "15 caractères au moins" in response.text and wrong_fields(response.text) == ["reason"]
    assert REASON not in response.text and "urgence !" in response.text  # the form keeps what was typed (spaces squeezed)
    # Described by the message first, then by its own hint.
    assert 'aria-describedby="form-error reason-hint"' in response.text
    assert (await client.get(f"/dossiers/{patient.dossier.id}")).status_code == 404


async def test_an_invalid_ins_or_a_missing_birth_date_is_named_and_its_field_marked(client, db, patient):
    await signed_in(client, db)
    response = await post_form(client, "/pro/urgence", emergency_form(patient, ins="123456789012345"))
    assert response.status_code == 400
    assert "INS n&#39;est pas valide" in response.text and wrong_fields(response.text) == ["ins"]
    assert 'value="123456789012345"' in response.text and REASON in response.text  # what was typed, kept
    no_date = await post_form(client, "/pro/urgence", {**emergency_form(patient), "birth_date": ""})
    assert no_date.status_code == 400 and wrong_fields(no_date.text) == ["birth_date"]


async def test_many_refused_emergency_requests_are_slowed_down(client, db, patient):
    await signed_in(client, db)
    unknown = emergency_form(patient, birth_date=date(1990, 1, 1))
    for _ in range(10):
        assert (await post_form(client, "/pro/urgence", unknown)).status_code == 403
    response = await post_form(client, "/pro/urgence", emergency_form(patient))
    assert response.status_code == 429
    assert "Trop de demandes refusées" in response.text


async def test_colleagues_refused_emergency_requests_never_pause_a_doctor_who_had_none(client, db, patient):
    """An emergency physician's probe: colleagues' typos at one hospital address paused every doctor behind it, her
    too, asking with a right INS and birth date. A hospital is one address behind NAT; each professional answers for
    her own refusals alone."""
    wrong = emergency_form(patient, birth_date=date(1984, 12, 3))
    for stem, refusals in ((2, 10), (3, 10), (4, 10), (5, 5)):
        client.cookies.clear()
        await signed_in(client, db, stem=stem, given_name="Anne", family_name="Petit", profession="médecin")
        statuses = [(await post_form(client, "/pro/urgence", wrong)).status_code for _ in range(refusals + 1)]
        # Each is paused at her own tenth refusal.
        assert statuses == [403] * refusals + [429 if refusals == 10 else 403]
    client.cookies.clear()
    await signed_in(client, db, stem=6, given_name="Hélène", family_name="Roux", profession="médecin")
    response = await post_form(client, "/pro/urgence", emergency_form(patient), follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, f"/dossiers/{patient.dossier.id}")


async def test_an_ins_field_lets_a_phone_type_a_corsican_ins(client, db):
    """A home nurse's probe: the INS fields asked a phone for its digits-only keypad, which has no "A" for an INS born
    in Corsica (2A, 2B), in an emergency of all moments."""
    await signed_in(client, db)
    for url in ("/pro/urgence", "/pro/nouveau-dossier"):
        field = re.search(r'<input id="ins"[^>]*>', (await client.get(url)).text)[0]
        assert "inputmode" not in field and 'autocapitalize="characters"' in field, url


def test_the_right_banner_marks_an_emergency_read_loudly_and_other_rights_quietly(app):
    banner = app.template_engine.get_template("partials/pro_right_banner.html")
    assert "Accès d'urgence" in banner.render(right=Right.EMERGENCY)
    assert banner.render(right=Right.GRANT).strip() == banner.render(right=Right.PATIENT).strip() == banner.render().strip() == ""
    until = utcnow() + timedelta(hours=3)
    dossier = SimpleNamespace(id="d" * 32)
    emergency = SimpleNamespace(right=Right.EMERGENCY, dossier=dossier, standing=SimpleNamespace(emergency_until=until))
    shown = banner.render(view=emergency)
    assert f"Accès d'urgence</strong> jusqu'au {datetime_fr(until)}" in shown
    assert f'href="/dossiers/{dossier.id}/documents/nouveau"' in shown
    # Who reads: a doctor whose profession is written in the masculine, or in the feminine.
    he, she = (SimpleNamespace(user=SimpleNamespace(professional=SimpleNamespace(profession_feminine=feminine)))
               for feminine in (False, True))
    doctor = banner.render(view=SimpleNamespace(right=Right.MEDECIN_TRAITANT, dossier=dossier, patient=None), request=he)
    assert "médecin traitant" in doctor and "Accès d'urgence" not in doctor and "/documents/nouveau" in doctor
    her = SimpleNamespace(sex="F")
    assert "de cette patiente" in banner.render(view=SimpleNamespace(right=Right.MEDECIN_TRAITANT, dossier=dossier,
                                                                    patient=her), request=he)
    assert "Vous êtes la médecin traitante de ce patient." in banner.render(
        view=SimpleNamespace(right=Right.MEDECIN_TRAITANT, dossier=dossier, patient=None), request=she)
    assert "Accès accordé par la patiente." in banner.render(view=SimpleNamespace(right=Right.GRANT, dossier=dossier,
                                                                                 patient=her, standing=Standing()))
    # What she gave, said where he reads: its scope and its end, within hours, with its hour.
    grant = GrantFacts(frozenset({"imagerie", "biologie"}), utcnow() - timedelta(days=1), until, False)
    assert f"Accès accordé par la patiente : Biologie, Imagerie, jusqu'au {datetime_fr(until)}." in banner.render(
        view=SimpleNamespace(right=Right.GRANT, dossier=dossier, patient=her, standing=Standing(grants=(grant,))))
    assert banner.render(view=SimpleNamespace(right=Right.PATIENT, dossier=dossier)).strip() == ""


async def test_a_page_left_open_after_a_revocation_is_refused_whole_not_in_its_search_results(client, db):
    """A professional types in the search box of a dossier whose access was revoked meanwhile: not the refusal in
    the results' corner beside the patient's name and treatments still shown, but the page again, refused."""
    pro, _account = await signed_in(client, db)
    patient = await new_patient(db)
    grant = await grants.grant_access(db, dossier=patient.dossier, professional=pro.professional, categories="",
                                      duration="sans", actor=PATIENT)
    assert (await client.get(f"/dossiers/{patient.dossier.id}")).status_code == 200
    await grants.revoke_grant(db, dossier=patient.dossier, grant_id=grant.id, actor=PATIENT)
    searched = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"q": "genou"},
                               headers={"HX-Request": "true", "HX-Target": "timeline-results"})
    assert searched.status_code == 403 and searched.headers["hx-refresh"] == "true"
    more = await client.get(f"/dossiers/{patient.dossier.id}?apres=x", headers={"HX-Request": "true",
                                                                                 "HX-Target": "more-x"})
    assert more.status_code == 403 and more.headers["hx-refresh"] == "true"
    whole = await client.get(f"/dossiers/{patient.dossier.id}")  # what the refresh asks: refused whole, as ended
    assert whole.status_code == 403 and "Martin" not in whole.text and "a pris fin" in whole.text
