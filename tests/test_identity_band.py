"""The identity band (issue 13): every page where a professional reads or writes a dossier names its patient
by the traits identity vigilance asks for (nom de naissance, premier prénom, date de naissance, sexe, INS and
its status), and a caregiver's band names them too."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from server.access import grants
from server.auth.accounts import account_for_professional
from server.accesslog.audit import Actor
from server.identifiers import age_on, ins_for_reading, months_on
from server.models import Professional, paris_today
from server.profile.items import add_item
from tests.conftest import add_text_document, new_patient, new_professional
from tests.test_profile import SAMPLES, TODAY
from tests.profile_page_helpers import browser, caregiver

CAMILLE = Actor(None, "patient", "Camille Martin")


def band_of(page, label: str = "Patient affiché") -> str:
    """The words of the page's region with this label, as read (tags out, entities decoded, spaces folded)."""
    match = re.search(rf'<section class="[^"]*" aria-label="{label}">.*?</section>', page.text, re.S)
    assert match, f"no region « {label} » on {page.url}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split())


def traits(fixture) -> str:
    patient = fixture.patient
    age = age_on(patient.birth_date, paris_today())
    return (f"MARTIN Camille · née le {patient.birth_date:%d/%m/%Y} ({age} ans) · F sexe féminin · "
            f"INS {ins_for_reading(patient.ins)} (non qualifiée)")


def test_an_ins_is_grouped_as_on_the_carte_vitale():
    assert ins_for_reading("284037505600180") == "2 84 03 75 056 001 80"
    assert ins_for_reading("175052A01234567") == "1 75 05 2A 012 345 67"


def test_an_age_counts_whole_years_until_the_birthday():
    assert age_on(date(1984, 3, 12), date(2026, 3, 11)) == 41
    assert age_on(date(1984, 3, 12), date(2026, 3, 12)) == 42


def test_a_babys_age_counts_whole_months_until_the_day_of_the_month():
    assert months_on(date(2026, 9, 14), date(2026, 12, 13)) == 2
    assert months_on(date(2026, 9, 14), date(2026, 12, 14)) == 3
    assert months_on(date(2025, 12, 31), date(2026, 12, 30)) == 11


async def test_a_babys_band_says_months_or_days_never_0_an(app, db):
    """A parent attaches their newborn's dossier: "(10 jours)", then "(3 mois)", as a doctor says a baby's age."""
    today = paris_today()
    newborn = await new_patient(db, given_name="Malo", family_name="Martin", birth=today - timedelta(days=10),
                                serial=4, sex="M")
    baby = await new_patient(db, given_name="Lou", family_name="Martin", birth=today - timedelta(days=100),
                             serial=5, sex="F")
    for fixture, said in ((newborn, "(10 jours)"), (baby, f"({months_on(baby.patient.birth_date, today)} mois)")):
        async with browser(app, db, await caregiver(db, fixture, level="gestion", given="Paul")) as client:
            band = band_of(await client.get(f"/dossiers/{fixture.dossier.id}"), "Dossier affiché")
        assert said in band and "0 an" not in band, band
    async with browser(app, db, await granted_professional(db, baby)) as client:
        band = band_of(await client.get(f"/dossiers/{baby.dossier.id}"))
    assert f"({months_on(baby.patient.birth_date, today)} mois)" in band and "0 an" not in band, band


async def granted_professional(db, fixture):
    professional = (await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin",
                                           stem=7)).professional
    await grants.grant_access(db, dossier=fixture.dossier, professional=professional, categories="", duration="sans",
                              actor=CAMILLE)
    return await account_for_professional(db, professional=professional)


async def test_every_page_a_granted_professional_reads_or_writes_names_the_patient(app, db, patient):
    document = await add_text_document(db, app, patient.dossier)
    await add_item(db, dossier=patient.dossier, data=SAMPLES["allergy"], actor=CAMILLE, today=TODAY)
    dossier = f"/dossiers/{patient.dossier.id}"
    pages = [dossier, f"/documents/{document.id}", f"{dossier}/profil", f"{dossier}/profil/ajouter?type=allergy",
             f"{dossier}/soins", f"{dossier}/documents/nouveau", f"{dossier}/documents/nouvelle-note"]
    async with browser(app, db, await granted_professional(db, patient)) as client:
        for url in pages:
            page = await client.get(url)
            assert page.status_code == 200, url
            assert band_of(page) == traits(patient), url
            assert 'aria-label="Dossier affiché"' not in page.text  # a caregiver's band, not a professional's


async def test_the_band_is_the_patients_whoever_else_the_professional_follows(app, db, patient):
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1990, 7, 1), serial=2, sex="M")
    account = await granted_professional(db, patient)
    await grants.grant_access(db, dossier=other.dossier, professional=await db.get(Professional, account.professional_id),
                              categories="", duration="sans", actor=Actor(None, "patient", "Hugo Lefèvre"))
    async with browser(app, db, account) as client:
        band = band_of(await client.get(f"/dossiers/{other.dossier.id}"))
    age = age_on(date(1990, 7, 1), paris_today())
    assert band == f"LEFÈVRE Hugo · né le 01/07/1990 ({age} ans) · M sexe masculin · INS {ins_for_reading(other.patient.ins)} (non qualifiée)"


async def test_a_caregivers_band_shows_the_same_traits_the_ins_in_plain_words(app, db):
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=date(2016, 5, 4), serial=3, sex="M")
    document = await add_text_document(db, app, leo.dossier)
    helper = await caregiver(db, leo, level="gestion", given="Paul")
    dossier = f"/dossiers/{leo.dossier.id}"
    async with browser(app, db, helper) as client:
        for url in (dossier, f"/documents/{document.id}", f"{dossier}/profil", f"{dossier}/soins"):
            page = await client.get(url)
            band = band_of(page, "Dossier affiché")
            assert page.status_code == 200, url
            assert "Dossier de Léo Martin" in band and "né le 4 mai 2016" in band, url
            # The number a relative may read out, said in words: "non qualifiée" is the professional's to act on.
            assert f"MARTIN Léo · M sexe masculin · Matricule INS {ins_for_reading(leo.patient.ins)}" in band, url
            assert "le numéro qui identifie la personne auprès des soignants" in band and "qualifiée" not in band, url
            assert 'aria-label="Patient affiché"' not in page.text  # one band, not two


def test_the_earliest_birth_an_ins_allows_reads_its_year_in_the_1900s_and_an_unsaid_month_as_january():
    from server.identifiers import earliest_birth

    assert earliest_birth("284037505600180") == date(1984, 3, 1)
    assert earliest_birth("190997505600293") == date(1990, 1, 1)  # month 99: not said
    assert earliest_birth("110057505600193") == date(1910, 5, 1)  # 1910 or 2010: the earlier
