"""The notices "Mes dossiers" shows, through HTTP, against what happened (an outside probe's finds): a newer change
replaces an older notice, a notice promised "at the next login" is on the page that login leads to, and a dossier
closed or reopened by a relative is told to everyone else who holds it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import select

from server.auth.accounts import account_for_patient
from server.models import Account, Delegation
from tests.conftest import (
    AsyncTestClient, ORIGIN, activate, ceremony_options, new_patient, post_form, post_json,
)
from tests.caregiver_helpers import as_account, invitation_code, new_caregiver, words_of, years_ago

MADE_READER = "Hugo Lefèvre vous laisse désormais lire son dossier, sans le gérer."


@pytest.fixture
async def hugo(client, db):
    """Hugo Lefèvre, signed in on `client`."""
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1948, 5, 2), serial=31, sex="M")
    await as_account(client, db, await account_for_patient(db, patient=hugo.patient))
    return hugo


def notices(page) -> str:
    """What "Mes dossiers" says above the dossiers (its notices, each with "J'ai compris")."""
    return words_of(page).replace("\u00a0", " ")


async def test_a_relative_made_a_reader_then_a_manager_again_is_told_only_the_latter(client, db, app, hugo):
    dossier = f"/dossiers/{hugo.dossier.id}"
    code = await invitation_code(client, hugo.dossier.id, level="gestion")
    async with new_caregiver(app, code, given="Camille", family="Lefèvre") as camille:
        [delegation] = (await db.exec(select(Delegation))).all()
        await db.commit()
        assert (await post_form(client, f"{dossier}/proches/{delegation.id}/lecture-seule", {},
                                follow_redirects=False)).status_code == 303
        assert MADE_READER in notices(await camille.get("/mes-dossiers"))  # true, and unread
        code = await invitation_code(client, hugo.dossier.id, level="gestion")
        accepted = await post_form(camille, "/invitation/acceptation", {"code": code}, follow_redirects=False)
        assert accepted.headers["location"] == f"{dossier}?fait=invitation-gestion"
        page = notices(await camille.get("/mes-dossiers"))
        assert "Vous le gérez, en tant que proche" in page and MADE_READER not in page
        assert (await camille.get("/", follow_redirects=False)).headers["location"] == dossier  # nothing to tell


async def login_to(browser, authenticator, page: str):
    """A passkey login from the login page that a refusal of `page` led to (/connexion?suite=…)."""
    options, ceremony = await ceremony_options(browser, "/connexion/options")
    return await post_json(browser, "/connexion/verification",
                           {"ceremony": ceremony, "credential": authenticator.get(options), "next": page})


async def test_a_patient_whose_devices_a_relative_logged_out_is_told_where_his_next_login_leads(client, db, app, hugo):
    """He was on "Mes proches" when Camille logged his devices out: his login led back there, and the notice the
    page had promised her ("à sa prochaine connexion") waited on "/", where he never went."""
    proches = f"/dossiers/{hugo.dossier.id}/proches"
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        authenticator = await activate(phone, hugo)
        code = await invitation_code(phone, hugo.dossier.id, level="gestion")
        async with new_caregiver(app, code, given="Camille", family="Lefèvre") as camille:
            done = await post_form(camille, f"/dossiers/{hugo.dossier.id}/appareils/deconnexion", {})
            assert "Un avis le lui dira à sa prochaine connexion." in words_of(done)
        assert (await phone.get(proches, follow_redirects=False)).status_code in (302, 303)  # logged out
        led = (await login_to(phone, authenticator, proches)).json()["redirect"]
        assert led == f"/mes-dossiers?suite={proches}"
        page = await phone.get(led)
        assert "Camille Lefèvre a déconnecté tous vos appareils, pour votre compte." in notices(page)
        assert re.search(rf'<a class="button block" href="{proches}">Continuer vers la page demandée</a>', page.text)
        [notice_id] = re.findall(r'action="/avis/([0-9a-f]+)/vu"', page.text)
        read = await post_form(phone, f"/avis/{notice_id}/vu", {"suite": proches}, follow_redirects=False)
        assert read.headers["location"] == f"/mes-dossiers?suite={proches}"  # the way on kept
        assert (await login_to(phone, authenticator, proches)).json()["redirect"] == proches  # nothing more to tell


async def test_a_dossier_a_relative_closes_and_reopens_is_told_to_everyone_else_who_holds_it(client, db, app, hugo):
    dossier = f"/dossiers/{hugo.dossier.id}"
    codes = [await invitation_code(client, hugo.dossier.id, level="gestion") for _ in range(2)]
    async with new_caregiver(app, codes[0], given="Camille", family="Lefèvre") as camille, \
            new_caregiver(app, codes[1], given="Marc", family="Lefèvre") as marc:
        assert (await post_form(marc, f"{dossier}/fermeture", {}, follow_redirects=False)).status_code == 303
        closed = {"Hugo": notices(await client.get("/mes-dossiers")),
                  "Camille": notices(await camille.get("/mes-dossiers")),
                  "Marc": notices(await marc.get("/mes-dossiers"))}
        assert (await post_form(marc, f"{dossier}/reouverture", {}, follow_redirects=False)).status_code == 303
        reopened = {"Hugo": notices(await client.get("/mes-dossiers")),
                    "Camille": notices(await camille.get("/mes-dossiers"))}
        assert (await client.get("/", follow_redirects=False)).headers["location"] == "/mes-dossiers"  # said first
    assert ("Marc Lefèvre a fermé votre dossier, pour votre compte : aucun professionnel ne peut plus le lire."
            in closed["Hugo"])
    assert "Marc Lefèvre a fermé le dossier d'Hugo Lefèvre : aucun professionnel ne peut plus le lire." in closed["Camille"]
    assert "a fermé" not in closed["Marc"]  # his own doing
    # Reopened before they read it: they are told it is open, and who had closed it, in one notice (a reopening
    # alone read as if no one had closed it).
    assert ("Marc Lefèvre a fermé puis rouvert votre dossier, pour votre compte : les accès accordés s'appliquent à "
            "nouveau.") in reopened["Hugo"]
    assert ("Marc Lefèvre a fermé puis rouvert le dossier d'Hugo Lefèvre : les accès accordés s'appliquent à "
            "nouveau.") in reopened["Camille"]
    for page in reopened.values():
        assert "aucun professionnel ne peut plus le lire" not in page and page.count("J'ai compris") == 1


async def test_a_reopening_says_who_had_closed_the_dossier_to_whoever_had_not_read_it(client, db, app):
    """Camille closes her daughter's dossier, Inès reopens it a minute later: Paul was told only "Inès Martin a rouvert
    son dossier", with no closing before it (an outside tester's find); and Inès, who reopened it, still read that
    no professional could read it."""
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(17), serial=41)
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=42)
    camille_account = await account_for_patient(db, patient=mother.patient)
    paul_account = Account(display_name="Paul Martin")
    db.add(paul_account)
    await db.commit()
    for parent in (camille_account, paul_account):
        db.add(Delegation(dossier_id=ines.dossier.id, caregiver_account_id=parent.id, relationship="parent"))
    await db.commit()
    dossier = f"/dossiers/{ines.dossier.id}"
    async with AsyncTestClient(app, base_url=ORIGIN) as camille, AsyncTestClient(app, base_url=ORIGIN) as paul:
        await as_account(client, db, await account_for_patient(db, patient=ines.patient))
        await as_account(camille, db, camille_account)
        await as_account(paul, db, paul_account)
        assert (await post_form(camille, f"{dossier}/fermeture", {}, follow_redirects=False)).status_code == 303
        assert (await post_form(client, f"{dossier}/reouverture", {}, follow_redirects=False)).status_code == 303
        told = {"Paul": notices(await paul.get("/mes-dossiers")), "Inès": notices(await client.get("/mes-dossiers")),
                "Camille": notices(await camille.get("/mes-dossiers"))}
        english = notices(await paul.get("/mes-dossiers", headers={"accept-language": "en"}))
    assert ("Camille Martin avait fermé le dossier d'Inès Martin, et Inès Martin l'a rouvert : les accès accordés "
            "s'appliquent à nouveau.") in told["Paul"]
    assert ("Camille Martin avait fermé votre dossier, pour votre compte, et vous l'avez rouvert : les accès "
            "accordés s'appliquent à nouveau.") in told["Inès"]
    assert "Inès Martin a rouvert son dossier : les accès accordés s'appliquent à nouveau." in told["Camille"]
    for page in told.values():
        assert "aucun professionnel ne peut plus le lire" not in page and page.count("J'ai compris") == 1
    assert "Camille Martin had closed Inès Martin's record, and Inès Martin reopened it" in english


async def test_a_notice_written_before_migration_0056_says_no_dossier_and_stays_until_read(client, db, app, hugo):
    """Down to 0055 and up again, on either engine: its notices keep what they say, and none is replaced."""
    from alembic import command

    from server.caregivers.notices import tell
    from tests.patient_helpers import migrate

    account = await account_for_patient(db, patient=hugo.patient)
    await tell(db, account_id=account.id, dossier_id=hugo.dossier.id, kind="own_closed", actor="Marc Lefèvre",
               name="Hugo Lefèvre")
    await db.commit()
    await migrate(app, command.downgrade, "0055")
    await migrate(app, command.upgrade, "head")
    await tell(db, account_id=account.id, dossier_id=hugo.dossier.id, kind="own_reopened", actor="Marc Lefèvre",
               name="Hugo Lefèvre")
    await db.commit()
    page = notices(await client.get("/mes-dossiers"))
    # The first lost its dossier going down: the second could not replace it.
    assert "Marc Lefèvre a fermé votre dossier" in page and "Marc Lefèvre a rouvert votre dossier" in page
