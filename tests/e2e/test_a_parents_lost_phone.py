"""A daughter who manages her elderly father's dossier logs out his lost phone, from his dossier's "Proches" page on her
own phone: his next page there asks for a passkey, which still opens it (his phone's lock), and tells him who did it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from server.auth.accounts import account_for_patient
from server.accesslog.audit import Actor
from server.caregivers.invitations import accept, invite
from server.db import make_sessionmaker
from server.models import Dossier, Patient
from server.templating import de
from tests.e2e.conftest import run_async
from tests.e2e.seeding import paris_today, writer_engine, years_before
from tests.e2e.seeding_families import SeededPerson
from tests.e2e.steps import assert_fits_phone, held_dossier, log_in, menu
from tests.e2e.test_every_page import no_violation

pytestmark = pytest.mark.e2e


async def seed_helper(data_dir, *, patient: SeededPerson, helper: SeededPerson) -> None:
    """The patient invited `helper` to manage his dossier, and she accepted, both with an account already (as on
    "Mes proches" and /invitation: tests/e2e/test_caregivers_journey.py walks it)."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            accounts = []
            for person in (patient, helper):
                dossier = await db.get(Dossier, person.dossier_id)
                accounts.append(await account_for_patient(db, patient=await db.get(Patient, dossier.patient_id)))
            _, invitation = await invite(db, dossier=await db.get(Dossier, patient.dossier_id), account=accounts[0],
                                         actor=Actor(accounts[0].id, "patient", patient.name), level="gestion",
                                         duration="sans")
            await accept(db, invitation_id=invitation.id, account=accounts[1])
    finally:
        await engine.dispose()


def test_a_daughter_logs_out_her_fathers_lost_phone_and_he_is_told_who_did_it(page, another_phone, server,
                                                                             seed_person):
    today = paris_today()
    father = seed_person(given_name="Jean", family_name="Dupont", sex="M",
                         birth_date=years_before(today, 82) - timedelta(days=30),
                         documents=[(today - timedelta(days=12), "ordonnance", "Ordonnance de cardiologie")])
    daughter = seed_person(given_name="Claire", family_name="Dupont", sex="F",
                           birth_date=years_before(today, 51), documents=[])
    lost_phone, her_phone = page, another_phone.page
    log_in(lost_phone, father)  # his phone, logged in: it will be lost so
    log_in(her_phone, daughter)
    run_async(seed_helper(server.data_dir, patient=father, helper=daughter))

    # From his dossier, on her phone: "Accès", then the relatives who help with it.
    menu(her_phone, "Mes dossiers").click()
    held_dossier(her_phone, father.name).click()
    expect(her_phone).to_have_url(re.compile(rf"/dossiers/{father.dossier_id}$"))
    menu(her_phone, "Accès").click()
    expect(her_phone.get_by_role("heading", name=f"Qui peut voir le dossier {de(father.name)}")).to_be_visible()
    her_phone.get_by_role("link", name="Les proches qui aident à suivre ce dossier").click()
    expect(her_phone.get_by_role("heading", name="Un appareil perdu ?")).to_be_visible()
    assert_fits_phone(her_phone)
    no_violation(her_phone)
    her_phone.get_by_role("link", name="Déconnecter tous les appareils de Jean").click()

    # The page says what it does, what it leaves (his passkeys), and what he can do next.
    expect(her_phone.get_by_role("heading", name="Déconnecter tous les appareils de Jean")).to_be_visible()
    expect(her_phone.get_by_text("ses clés d'accès restent")).to_be_visible()
    expect(her_phone.get_by_role("heading", name="Ensuite, pour que Jean se reconnecte")).to_be_visible()
    expect(her_phone.get_by_text(re.compile("« J'ai perdu ma clé d'accès »"))).to_be_visible()
    assert_fits_phone(her_phone)
    no_violation(her_phone)
    her_phone.get_by_role("button", name="Déconnecter tous les appareils de Jean").click()
    expect(her_phone.get_by_role("status")).to_contain_text("Tous les appareils de Jean sont déconnectés")
    expect(her_phone.get_by_role("button", name="Déconnecter tous les appareils de Jean")).to_have_count(0)
    assert_fits_phone(her_phone)
    no_violation(her_phone)

    # The lost phone's next page asks for a passkey.
    lost_phone.reload()
    expect(lost_phone.get_by_role("heading", name="Connexion")).to_be_visible()
    expect(lost_phone.get_by_text("Ordonnance de cardiologie")).to_have_count(0)

    # His passkey still opens his dossier (whoever holds the phone needs its lock for it). Who did it is said first,
    # on "Mes dossiers", where his login leads before the page it was for; his dossier's banner says it too.
    lost_phone.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(lost_phone.get_by_role("heading", name="Mes dossiers")).to_be_visible()
    expect(lost_phone.get_by_role("status").filter(has_text="Claire Dupont a déconnecté tous vos appareils")) \
        .to_be_visible()
    assert_fits_phone(lost_phone)
    lost_phone.get_by_role("link", name="Continuer vers la page demandée").click()
    expect(lost_phone.get_by_role("heading", name="Mon dossier")).to_be_visible()
    banner = lost_phone.get_by_role("region", name="Nouveautés sur le dossier")
    banner.locator("summary").click()
    expect(banner).to_contain_text("Claire Dupont, pour votre compte, a déconnecté tous vos appareils")
    assert_fits_phone(lost_phone)
