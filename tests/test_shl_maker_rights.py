"""A health link lasts as long as its maker's right to make it (an outside probe's find): a caregiver removed, who
stepped down, whose delegation ended or who was made a reader, a parent at the child's 18th birthday, no longer
gives the dossier to whoever holds the link they made. The link then answers as one that never was, at its manifest
and at its file's address, and the patient's page says it is inactive, and why; the patient's own links are
untouched."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from server.auth.accounts import account_for_patient
from server.models import Delegation, ShareLink, utcnow
from tests.conftest import ORIGIN, AsyncTestClient, post_form
from tests.patient_helpers import Log, fresh
from tests.caregiver_helpers import camille  # noqa: F401 - a fixture
from tests.caregiver_helpers import as_account, ines_turned_18, invitation_code, new_caregiver, years_ago
from tests.shlink_helpers import MISSING_LINK, fetch, make_link, payload_of


def words_of(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.text)).replace("\u00a0", " ")


async def caregivers_link(db, browser, dossier_id: str, **form) -> tuple[ShareLink, dict]:
    """A caregiver makes a "Synthèse médicale" link valid a year, through the page, as a patient would."""
    made = await post_form(browser, f"/dossiers/{dossier_id}/liens-sante",
                           {"contenu": "summary", "duree": "1a", "nom": "Synthèse de Paul", **form},
                           follow_redirects=False)
    assert made.status_code == 303, made.text
    row = await fresh(db, ShareLink, made.headers["location"].split("?")[0].rsplit("/", 1)[1])
    return row, payload_of(row)


async def file_address(app, link: dict, **asked) -> str:
    """The `location` a recipient that asked for short embedded files is given, while the link opens."""
    answer = await fetch(app, link, embeddedLengthMax=1, **asked)
    assert answer.status_code == 200, answer.text
    [file] = answer.json()["files"]
    return file["location"].removeprefix(ORIGIN)


async def answers_as_never_was(app, db, row: ShareLink, link: dict, address: str) -> None:
    """The manifest and the file answer as for a link that never existed, spend no attempt and log nothing."""
    never = await fetch(app, {"url": f"{ORIGIN}/shl/{MISSING_LINK}/manifest"})
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        no_file = await stranger.get(f"/shl/{MISSING_LINK}/fichier?t=x")
        async with Log(db, row.dossier_id) as log:
            manifest = await fetch(app, link)
            guessed = await fetch(app, link, passcode="pas-le-bon")
            file = await stranger.get(address)
    assert never.status_code == no_file.status_code == 404
    assert manifest.status_code == guessed.status_code == 404
    assert manifest.json() == guessed.json() == never.json()
    assert file.status_code == 404 and file.json() == no_file.json()
    assert manifest.headers["access-control-allow-origin"] == file.headers["access-control-allow-origin"] == "*"
    assert log.actions == []  # as a revoked link's attempts: nothing opened, nothing to say
    assert (await fresh(db, ShareLink, row.id)).attempts_left == row.attempts_left


async def shown_as_ended(client, dossier_id: str, row: ShareLink, *, maker: str) -> None:
    page = await client.get(f"/dossiers/{dossier_id}/liens-sante")
    assert page.status_code == 200
    assert f"inactif : {maker} ne gère plus ce dossier" in words_of(page)
    assert f'href="/dossiers/{dossier_id}/liens-sante/{row.id}"' not in page.text  # no QR code to show
    assert f'action="/dossiers/{dossier_id}/liens-sante/{row.id}/revocation"' in page.text  # it would open again
    shown = await client.get(f"/dossiers/{dossier_id}/liens-sante/{row.id}")
    assert shown.status_code == 200 and 'id="lien"' not in shown.text and "<svg" not in shown.text
    assert f"Ce lien ne s'ouvre plus : {maker}, qui l'a créé, ne gère plus ce dossier." in words_of(shown)


# --- a relative the patient chose ------------------------------------------------------------------------------


async def removed(client, paul, db, dossier_id: str, delegation: Delegation) -> None:
    done = await post_form(client, f"/dossiers/{dossier_id}/proches/{delegation.id}/retrait", {},
                           follow_redirects=False)
    assert done.status_code == 303


async def stepped_down(client, paul, db, dossier_id: str, delegation: Delegation) -> None:
    assert (await post_form(paul, f"/dossiers/{dossier_id}/quitter", {}, follow_redirects=False)).status_code == 303


async def expired(client, paul, db, dossier_id: str, delegation: Delegation) -> None:
    # The clock of a running app cannot be moved from here: the row's end is.
    delegation = await fresh(db, Delegation, delegation.id)
    delegation.ends_at = utcnow() - timedelta(seconds=1)
    db.add(delegation)
    await db.commit()


async def made_reader(client, paul, db, dossier_id: str, delegation: Delegation) -> None:
    done = await post_form(client, f"/dossiers/{dossier_id}/proches/{delegation.id}/lecture-seule", {},
                           follow_redirects=False)
    assert done.status_code == 303


@pytest.mark.parametrize("end", [removed, stepped_down, expired, made_reader], ids=lambda end: end.__name__)
async def test_a_caregivers_link_ends_with_his_right_and_answers_as_a_link_that_never_was(
        client, app, db, patient, camille, end):
    dossier_id = patient.dossier.id
    own = payload_of(await make_link(db, patient, content="summary", label="Ma synthèse"))
    code = await invitation_code(client, dossier_id, level="gestion", duration="1a")
    async with new_caregiver(app, code) as paul:
        row, link = await caregivers_link(db, paul, dossier_id, code="soleil-42")
        assert (await fetch(app, link, passcode="soleil-42")).status_code == 200  # while he manages
        address = await file_address(app, link, passcode="soleil-42")
        [delegation] = (await db.exec(select(Delegation).where(Delegation.dossier_id == dossier_id))).all()
        await end(client, paul, db, dossier_id, delegation)
        await answers_as_never_was(app, db, row, link, address)
    await shown_as_ended(client, dossier_id, row, maker="Paul Martin")
    # Hers still opens, and says so.
    assert (await fetch(app, own)).status_code == 200
    page = words_of(await client.get(f"/dossiers/{dossier_id}/liens-sante"))
    assert "Ma synthèse" in page and "valable jusqu'au" in page


# --- a minor's parent, at the 18th birthday ---------------------------------------------------------------------


async def test_a_parents_link_ends_at_the_childs_18th_birthday_unless_she_kept_him_managing(client, app, db):
    ines, camille, father = await ines_turned_18(db)
    db.add(Delegation(dossier_id=ines.dossier.id, caregiver_account_id=camille.id, relationship="parent"))
    db.add(Delegation(dossier_id=ines.dossier.id, caregiver_account_id=father.id, relationship="parent",
                      after_majority="gestion"))  # what Inès chose for him, before 18
    await db.commit()
    own = payload_of(await make_link(db, ines, label="Carte d'Inès"))
    async with AsyncTestClient(app, base_url=ORIGIN) as mum, AsyncTestClient(app, base_url=ORIGIN) as dad:
        await as_account(mum, db, camille)
        await as_account(dad, db, father)
        mums, mums_link = await caregivers_link(db, mum, ines.dossier.id, nom="De maman")
        _, dads_link = await caregivers_link(db, dad, ines.dossier.id, nom="De papa")
        address = await file_address(app, mums_link)
        # Her birthday comes (the app's clock cannot be moved from here: her birth date is); the rule ends her
        # mother's rights at once, before the scheduled check has run.
        await db.commit()  # the test's snapshot ends: the app wrote since
        ines.patient.birth_date = years_ago(18, days=-1)
        db.add(ines.patient)
        await db.commit()
        await answers_as_never_was(app, db, mums, mums_link, address)
        assert (await fetch(app, dads_link)).status_code == 200  # kept managing: his link still opens
    await as_account(client, db, await account_for_patient(db, patient=ines.patient))
    await shown_as_ended(client, ines.dossier.id, mums, maker="Camille Martin")
    assert (await fetch(app, own)).status_code == 200
