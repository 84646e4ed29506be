"""A pharmacist opens a dossier for a patient standing at the counter; the patient finishes at home."""

import re
from datetime import date

from tests.conftest import AsyncTestClient
from sqlmodel import select

from server.accesslog.verify import verify_chain
from server.models import AccessEvent, ActivationCode, Dossier, Patient
from tests.conftest import ORIGIN, activate_professional, make_ins, new_patient, new_professional, post_form, wrong_fields

INS = make_ins("F", 1990, 7, 42)
IDENTITY = {"ins": INS, "given_name": "Inès", "family_name": "Lambert", "birth_date": "1990-07-14", "sex": "F",
            "consent": "oui"}


async def pharmacist(client, db):
    pro = await new_professional(db, given_name="Marc", family_name="Dubois", profession="pharmacien", city="Rennes")
    await activate_professional(client, pro)
    return pro


def error_of(page: str) -> str:
    return re.search(r'<p class="error"[^>]*>(.*?)</p>', page, re.S).group(1)


async def committed(db, statement) -> list:
    await db.commit()
    return list((await db.exec(statement)).all())


async def test_a_dossier_opened_in_person_prints_a_code_the_patient_uses_at_home(app, client, db):
    pro = await pharmacist(client, db)
    form = await client.get("/pro/nouveau-dossier")
    assert "Le patient, présent, consent à l'ouverture de son dossier" in form.text
    response = await post_form(client, "/pro/nouveau-dossier", IDENTITY, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/pro/nouveau-dossier/code")
    page = await client.get("/pro/nouveau-dossier/code")
    code = re.search(r'<p class="code"[^>]*>([0-9A-Z-]+)</p>', page.text).group(1)
    assert "Inès Lambert" in page.text and f"{ORIGIN}/activer" in page.text
    assert "saisissez ce code et votre date de naissance" in page.text
    # A button prints it, on a phone or a tablet too (the page said "Ctrl + P" alone; an outside probe's find).
    assert re.search(r'<button type="button"[^>]*data-print[^>]*>Imprimer</button>', page.text)
    assert "js/print" in page.text
    assert code not in (await client.get("/pro/nouveau-dossier/code")).text  # shown once

    [patient] = await committed(db, select(Patient).where(Patient.ins == INS))
    [dossier] = await committed(db, select(Dossier).where(Dossier.patient_id == patient.id))
    [activation] = await committed(db, select(ActivationCode).where(ActivationCode.patient_id == patient.id))
    assert activation.issued_by == "Marc Dubois, pharmacien"
    [event] = await committed(db, select(AccessEvent).where(AccessEvent.dossier_id == dossier.id))
    assert (event.action, event.actor_kind, event.actor_rpps) == ("dossier_opened", "professional", pro.rpps)
    assert await verify_chain(db, dossier_id=dossier.id) is None

    async with AsyncTestClient(app, base_url=ORIGIN) as at_home:
        home = await post_form(at_home, "/activer", {"code": code, "birth_date": "14/07/1990"}, follow_redirects=False)
    assert home.headers["location"] == "/activer/cle"


async def test_an_ins_that_has_a_dossier_gets_one_answer_whatever_the_identity_and_its_patient_sees_who_tried(client, db):
    existing = await new_patient(db)
    pro = await pharmacist(client, db)
    same = {**IDENTITY, "ins": existing.patient.ins, "birth_date": existing.birth_date.isoformat(),
            "given_name": "Camille", "family_name": "Martin"}
    other_day = {**same, "birth_date": existing.birth_date.replace(day=1).isoformat(), "given_name": "Zoé"}
    answers = [await post_form(client, "/pro/nouveau-dossier", form) for form in (same, other_day)]
    assert [a.status_code for a in answers] == [400, 400]
    assert error_of(answers[0].text) == error_of(answers[1].text)
    assert "Impossible d&#39;ouvrir un dossier avec ces informations" in error_of(answers[0].text)
    assert wrong_fields(answers[0].text) == []  # about the identity as a whole: no field is pointed at
    assert len(await committed(db, select(Patient))) == 1
    tried = await committed(db, select(AccessEvent).where(AccessEvent.dossier_id == existing.dossier.id,
                                                          AccessEvent.action == "dossier_open_refused"))
    assert [(e.actor_rpps, e.detail) for e in tried] == [
        (pro.rpps, "identité saisie identique à la vôtre"), (pro.rpps, "identité saisie différente")]


async def test_asking_about_ins_numbers_that_have_a_dossier_is_limited(client, db):
    patients = [await new_patient(db, serial=n) for n in range(1, 8)]
    await pharmacist(client, db)
    statuses = []
    for fixture in patients:
        form = {**IDENTITY, "ins": fixture.patient.ins, "birth_date": fixture.birth_date.isoformat()}
        statuses.append((await post_form(client, "/pro/nouveau-dossier", form)).status_code)
    assert statuses == [400] * 5 + [429] * 2
    # The pause holds for a dossier that would be new, too: a pause does not say which INS exist.
    assert (await post_form(client, "/pro/nouveau-dossier", IDENTITY)).status_code == 429


async def test_a_colleagues_refusals_at_the_same_address_never_pause_a_pharmacist_who_had_none(client, db):
    """A pharmacy, like a hospital, may be one address behind NAT: each professional answers for her own refusals."""
    patients = [await new_patient(db, serial=n) for n in range(1, 6)]
    for stem in range(2, 6):  # twenty refusals from one address, five each
        client.cookies.clear()
        await activate_professional(client, await new_professional(db, stem=stem, profession="pharmacien"))
        for fixture in patients:
            form = {**IDENTITY, "ins": fixture.patient.ins, "birth_date": fixture.birth_date.isoformat()}
            assert (await post_form(client, "/pro/nouveau-dossier", form)).status_code == 400
        assert (await post_form(client, "/pro/nouveau-dossier", IDENTITY)).status_code == 429
    client.cookies.clear()
    await pharmacist(client, db)
    response = await post_form(client, "/pro/nouveau-dossier", IDENTITY, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/pro/nouveau-dossier/code")


async def test_an_invalid_ins_is_refused(client, db):
    await pharmacist(client, db)
    response = await post_form(client, "/pro/nouveau-dossier", {**IDENTITY, "ins": INS[:-2] + "00"})
    assert response.status_code == 400
    assert "INS n&#39;est pas valide" in response.text and wrong_fields(response.text) == ["ins"]
    assert 'aria-describedby="form-error ins-hint"' in response.text
    assert await committed(db, select(Patient)) == []


async def test_an_ins_that_contradicts_the_sex_or_birth_date_is_refused(client, db):
    await pharmacist(client, db)
    for changed in ({"sex": "M"}, {"birth_date": "1991-07-14"}, {"birth_date": "1990-08-14"}):
        response = await post_form(client, "/pro/nouveau-dossier", {**IDENTITY, **changed})
        assert response.status_code == 400
        assert "ne correspond pas au sexe ou à la date de naissance" in response.text
        assert wrong_fields(response.text) == ["ins", "birth_date", "sex"]
    assert await committed(db, select(Patient)) == []


async def test_nothing_happens_without_the_patients_consent(client, db):
    await pharmacist(client, db)
    response = await post_form(client, "/pro/nouveau-dossier", {k: v for k, v in IDENTITY.items() if k != "consent"})
    assert response.status_code == 400
    assert "doit consentir" in response.text and wrong_fields(response.text) == ["consent"]
    assert 'value="Lambert"' in response.text  # what was typed stays in the form
    assert await committed(db, select(Patient)) == []
    assert await committed(db, select(ActivationCode).where(ActivationCode.patient_id.is_not(None))) == []


async def test_a_future_birth_date_or_a_missing_name_is_refused_and_its_field_marked(client, db):
    await pharmacist(client, db)
    for changed, message in (({"birth_date": "2990-07-14"}, "date de naissance n&#39;est pas valide"),
                             ({"given_name": ""}, "prénom et le nom"), ({"sex": ""}, "sexe du patient"),
                             ({"family_name": "L" * 101}, "100 caractères au plus")):
        response = await post_form(client, "/pro/nouveau-dossier", {**IDENTITY, **changed})
        assert response.status_code == 400 and message in response.text
        assert wrong_fields(response.text) == list(changed), changed
    assert await committed(db, select(Patient)) == []


async def test_the_opening_professional_gets_no_right_on_the_new_dossier(client, db):
    await pharmacist(client, db)
    await post_form(client, "/pro/nouveau-dossier", IDENTITY)
    [patient] = await committed(db, select(Patient).where(Patient.ins == INS))
    [dossier] = await committed(db, select(Dossier).where(Dossier.patient_id == patient.id))
    assert (await client.get(f"/dossiers/{dossier.id}")).status_code == 404
    assert patient.birth_date == date(1990, 7, 14)
