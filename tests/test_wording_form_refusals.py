"""A refused form says what is wrong and what to do, on the field that is wrong (a user probe's finds): a birth date
typed that is no date says so, not "Saisissez votre code d'activation et votre date de naissance"; a text too long
asks to be shortened; a measure typed in letters is shown a value of that measure, "80 mmHg" for a diastolic pressure,
never the weight's "72,5"."""

from __future__ import annotations

import html
import re

import pytest

from server.profile.kinds import MEASURES
from tests.conftest import (
    ORIGIN, AsyncTestClient, activate, activate_professional, new_professional, post_form, wrong_fields,
)
from tests.caregiver_helpers import camille, invitation_code  # noqa: F401  (a fixture)
from tests.profile_page_helpers import add, as_patient

NOT_A_DATE = "La date de naissance n'est pas valide (JJ/MM/AAAA)."


def message_of(page) -> str:
    said = re.search(r'<p class="error" role="alert" id="form-error"[^>]*>(.*?)</p>', page.text, re.S)
    assert said, page.text
    return re.sub(r"[ \t\n]+", " ", html.unescape(re.sub(r"<[^>]+>", "", said[1]))).strip()  # no-break spaces kept


# --- a birth date typed that is no date ---------------------------------------------------------


@pytest.mark.parametrize("typed", ["31/02/2025", "2025-02-31", "12/31/2025"])
async def test_an_activation_with_a_birth_date_that_is_no_date_says_so_on_that_field(client, patient, typed):
    refused = await post_form(client, "/activer", {"code": patient.code, "birth_date": typed})
    assert refused.status_code == 400
    assert message_of(refused) == NOT_A_DATE and wrong_fields(refused.text) == ["birth_date"]
    assert f'value="{typed}"' in refused.text  # kept as typed, to be corrected


async def test_an_activation_with_nothing_typed_still_asks_for_both(client):
    refused = await post_form(client, "/activer", {"code": "", "birth_date": ""})
    assert message_of(refused) == "Saisissez votre code d'activation et votre date de naissance (JJ/MM/AAAA)."
    assert wrong_fields(refused.text) == ["code", "birth_date"]


async def test_a_childs_attachment_with_a_birth_date_that_is_no_date_says_so_on_that_field(client, db, patient):
    await activate(client, patient)
    refused = await post_form(client, "/enfant", {"code": "ABCD-EFGH-JKLM", "birth_date": "30/02/2020"})
    assert refused.status_code == 400
    assert message_of(refused) == NOT_A_DATE and wrong_fields(refused.text) == ["birth_date"]


async def test_an_emergency_with_a_birth_date_that_is_no_date_says_so_on_that_field(client, db, patient):
    await activate_professional(client, await new_professional(db, profession="médecin"))
    form = {"ins": patient.patient.ins, "birth_date": "31/04/1984", "reason": "Perte de connaissance"}
    refused = await post_form(client, "/pro/urgence", form)
    assert refused.status_code == 400
    assert message_of(refused) == NOT_A_DATE and wrong_fields(refused.text) == ["birth_date"]
    empty = await post_form(client, "/pro/urgence", form | {"birth_date": ""})
    assert message_of(empty) == "Saisissez la date de naissance du patient (JJ/MM/AAAA)."


async def test_a_professionals_activation_with_no_rpps_at_all_says_so_and_costs_no_try(client, db):
    pro = await new_professional(db)
    for typed in ("1234567890", pro.rpps[:-1] + str((int(pro.rpps[-1]) + 1) % 10)) * 3:  # a digit short, a wrong key
        refused = await post_form(client, "/pro/activer", {"code": pro.code, "rpps": typed})
        assert refused.status_code == 400
        assert message_of(refused) == "Ce numéro RPPS n'est pas valide : vérifiez les 11 chiffres sur votre carte CPS."
        assert wrong_fields(refused.text) == ["rpps"]
    # Six typing errors, none of them an RPPS: the code is not locked (five wrong RPPS would lock it).
    done = await post_form(client, "/pro/activer", {"code": pro.code, "rpps": pro.rpps}, follow_redirects=False)
    assert done.status_code == 303


# --- every problem at once ------------------------------------------------------------------------
# An outside probe: an activation refused for its code, then sent again and refused for its RPPS; an emergency's reason
# said too short only once the identity was right (a third sending, in an emergency).


async def test_an_activation_says_the_code_missing_and_the_date_that_is_no_date_at_once(client):
    refused = await post_form(client, "/activer", {"code": "", "birth_date": "31/02/1984"})
    assert message_of(refused) == "Saisissez votre code d'activation. " + NOT_A_DATE
    assert wrong_fields(refused.text) == ["code", "birth_date"]
    dateless = await post_form(client, "/activer", {"code": "ABCD-EFGH-JKLM", "birth_date": ""})
    assert message_of(dateless) == "Saisissez votre date de naissance (JJ/MM/AAAA)."
    assert wrong_fields(dateless.text) == ["birth_date"]


async def test_a_professionals_activation_says_the_code_missing_and_the_rpps_wrong_at_once(client):
    refused = await post_form(client, "/pro/activer", {"code": "", "rpps": "1234567890"})
    assert message_of(refused) == ("Saisissez votre code d'activation. Ce numéro RPPS n'est pas valide : vérifiez "
                                   "les 11 chiffres sur votre carte CPS.")
    assert wrong_fields(refused.text) == ["code", "rpps"]
    rppsless = await post_form(client, "/pro/activer", {"code": "ABCD-EFGH-JKLM", "rpps": " "})
    assert message_of(rppsless) == "Saisissez votre numéro RPPS (11 chiffres)." and wrong_fields(rppsless.text) == ["rpps"]
    both = await post_form(client, "/pro/activer", {"code": "", "rpps": ""})
    assert message_of(both) == "Saisissez votre code d'activation et votre numéro RPPS (11 chiffres)."


async def test_a_childs_attachment_says_every_problem_at_once(client):
    refused = await post_form(client, "/enfant", {"code": "", "birth_date": "30/02/2020", "given_name": "",
                                                  "family_name": "Martin"})
    assert message_of(refused) == ("Saisissez le code d'activation de votre enfant. " + NOT_A_DATE
                                   + " Saisissez votre prénom et votre nom.")
    assert wrong_fields(refused.text) == ["code", "birth_date", "given_name"]


async def test_an_emergency_says_the_identitys_and_the_reasons_problems_at_once(client, db, patient):
    await activate_professional(client, await new_professional(db, profession="médecin"))
    refused = await post_form(client, "/pro/urgence", {"ins": "", "birth_date": "", "reason": "Malaise"})
    assert refused.status_code == 400
    assert message_of(refused) == ("Saisissez le matricule INS du patient (15 caractères). Saisissez la date de "
                                   "naissance du patient (JJ/MM/AAAA). Décrivez la situation d'urgence (15 caractères "
                                   "au moins).")
    assert wrong_fields(refused.text) == ["ins", "birth_date", "reason"]
    wrong_ins = await post_form(client, "/pro/urgence", {"ins": "12345", "birth_date": "01/01/1980",
                                                         "reason": "Perte de connaissance"})
    assert message_of(wrong_ins) == "Ce matricule INS n'est pas valide : vérifiez les 15 caractères."
    assert wrong_fields(wrong_ins.text) == ["ins"]


# --- a text too long asks to be shortened -------------------------------------------------------


async def test_a_name_too_long_asks_to_shorten_it_on_its_field(client, app, patient, camille):  # noqa: F811
    code = await invitation_code(client, patient.dossier.id)
    async with AsyncTestClient(app, base_url=ORIGIN) as newcomer:
        refused = await post_form(newcomer, "/invitation/compte",
                                  {"code": code, "given_name": "Paul", "family_name": "M" * 101})
    assert refused.status_code == 400
    assert message_of(refused) == ("Le prénom et le nom doivent faire 100 caractères au plus chacun : raccourcissez ce "
                                   "qui dépasse.")
    assert wrong_fields(refused.text) == ["family_name"]


# --- a measure typed in letters is shown an example of that measure -----------------------------


@pytest.mark.parametrize("fields, message", [
    ({"label": "blood_pressure", "value": "120", "value2": "quatre-vingts"},
     "Indiquez la tension diastolique en chiffres (par exemple 80\u00a0mmHg)."),
    ({"label": "blood_pressure", "value": "cent vingt", "value2": "80"},
     "Indiquez la valeur en chiffres (par exemple 120\u00a0mmHg)."),
    ({"label": "weight", "value": "soixante"}, "Indiquez la valeur en chiffres (par exemple 72,5\u00a0kg)."),
    ({"label": "glucose@mmol/L", "value": "normale"}, "Indiquez la valeur en chiffres (par exemple 5,8\u00a0mmol/L)."),
])
async def test_a_measure_typed_in_letters_is_shown_a_value_of_that_measure(app, db, patient, fields, message):
    async with await as_patient(app, db, patient) as client:
        refused = await add(client, patient, "measurement", **fields)
    assert refused.status_code == 400 and message_of(refused) == message


def test_every_example_is_a_value_the_measure_takes_in_its_own_unit():
    for measure in MEASURES.values():
        assert measure.low <= measure.example <= measure.high, measure.code
        for unit in measure.others:
            assert measure.low <= unit.example * unit.factor <= measure.high, (measure.code, unit.symbol)
        if measure.second:  # below the first, as the check asks (profile/checks.py)
            assert 20 <= measure.second_example < measure.example, measure.code


async def test_a_new_dossier_says_a_birth_date_that_is_no_date_as_such_and_asks_for_one_left_empty(client, db):
    """An outside probe: "/pro/nouveau-dossier" said "31/02/2000" and an empty date alike, "Saisissez une date de
    naissance valide", where the other forms say a typed date that is no day as such."""
    await activate_professional(client, await new_professional(db, profession="médecin"))
    form = {"ins": "", "given_name": "Anne", "family_name": "Durand", "sex": "F", "consent": "oui"}
    typed = await post_form(client, "/pro/nouveau-dossier", form | {"birth_date": "31/02/2000"})
    assert typed.status_code == 400 and NOT_A_DATE in message_of(typed), message_of(typed)
    empty = await post_form(client, "/pro/nouveau-dossier", form | {"birth_date": ""})
    assert "Saisissez la date de naissance du patient (JJ/MM/AAAA)." in message_of(empty), message_of(empty)
    assert "birth_date" in wrong_fields(typed.text) and "birth_date" in wrong_fields(empty.text)
