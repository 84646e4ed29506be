"""A relative who manages: acts for the patient until removed, expired, stepped down or made a reader; told so."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlmodel import select

from server.auth.accounts import account_for_patient
from server.caregivers.notices import tell
from server.models import Delegation, utcnow
from tests.caregiver_helpers import as_account, invitation_code, new_caregiver, same_as_missing, words_of
from tests.caregiver_helpers import camille  # noqa: F401 - a fixture
from tests.conftest import activate, add_text_document, new_patient, post_form
from tests.patient_helpers import MISSING, events, migrate, titles_in


async def test_a_relative_invited_as_a_manager_acts_for_the_patient_until_she_removes_him(client, db, app, patient, camille):
    camille_account, (irm, _) = camille
    code = await invitation_code(client, patient.dossier.id, level="gestion", duration="1a")
    async with new_caregiver(app, code) as paul:
        codes_page = await paul.get("/activer/codes")
        assert f'href="/dossiers/{patient.dossier.id}"' in codes_page.text  # straight to the dossier he came for
        timeline = await paul.get(f"/dossiers/{patient.dossier.id}")
        assert timeline.status_code == 200 and "Dossier de Camille Martin" in timeline.text
        assert sorted(titles_in(timeline.text)) == ["Bilan lipidique", "IRM du genou droit"]

        # He hides a document for her: the log says who did it, for whom.
        hidden = await post_form(paul, f"/documents/{irm.id}/masquage", {"masque": "oui"}, follow_redirects=False)
        assert hidden.status_code == 303
        [hide] = [e for e in await events(db, patient.dossier.id) if e.action == "hide"]
        assert (hide.actor_kind, hide.actor_name, hide.on_behalf_of) == ("caregiver", "Paul Martin", "Camille Martin")
        log = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/historique")).text).replace("\u00a0", " ")
        assert "Paul Martin, pour votre compte, a masqué « IRM du genou droit »" in log
        assert "Paul Martin a accepté l'invitation à suivre votre dossier" in log

        # Camille sees him, and removes him: his very next request is refused as if nothing were there.
        proches = await client.get(f"/dossiers/{patient.dossier.id}/proches")
        [delegation] = (await db.exec(select(Delegation))).all()
        assert "Paul Martin" in proches.text and "gestion" in proches.text
        # What he reads while managing her dossier does not say he hid what she hid.
        sharing = html.unescape((await paul.get(f"/dossiers/{patient.dossier.id}/partage")).text)
        assert "Les documents et les soins masqués restent invisibles" in sharing and "vous avez masqués" not in sharing
        client.headers["accept-language"] = "en"  # she reads Carnet in English; he, in French
        removed = await post_form(client, f"/dossiers/{patient.dossier.id}/proches/{delegation.id}/retrait", {},
                                  follow_redirects=False)
        del client.headers["accept-language"]
        assert removed.status_code == 303
        again = await post_form(client, f"/dossiers/{patient.dossier.id}/proches/{delegation.id}/retrait", {},
                                follow_redirects=False)  # a double tap: the same answer, logged once
        assert again.status_code == 303 and again.headers["location"] == removed.headers["location"]
        told = " ".join(words_of(await client.get(removed.headers["location"])).split())  # named, not "Ce proche"
        assert "Paul Martin n'a plus accès au dossier, dès maintenant." in told
        assert [e.action for e in await events(db, patient.dossier.id)].count("caregiver_removed") == 1
        await same_as_missing(paul, f"/dossiers/{patient.dossier.id}", f"/dossiers/{MISSING}")
        # An action from a page of before: the refusal, led to "Mes dossiers" (tests/test_rights_changed_meanwhile.py).
        refused = await post_form(paul, f"/documents/{irm.id}/masquage", {"masque": "non"})
        assert refused.status_code == 404 and 'href="/mes-dossiers">Voir mes dossiers</a>' in refused.text
        home = await paul.get("/mes-dossiers")
        assert "Camille Martin vous a retiré l'accès à son dossier." in html.unescape(home.text)
        home = await paul.get("/mes-dossiers", headers={"accept-language": "en"})
        assert "Camille Martin has removed your access to their record." in html.unescape(home.text)


async def test_a_manager_closing_and_reopening_is_not_told_he_gave_the_accesses(client, db, app, patient, camille):
    """Paul closes and reopens Camille's dossier for her: the pages say the accesses given, not "que vous avez
    accordés" (he gave none; an outside probe's find)."""
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with new_caregiver(app, code) as paul:
        base = f"/dossiers/{patient.dossier.id}"
        before = html.unescape((await paul.get(f"{base}/fermeture")).text)
        access = words_of(await paul.get(f"{base}/acces"))  # the notifications' sentence, said of the dossier
        assert "qui vous aident" not in access and "quand les proches qui aident à suivre le dossier changent" in access
        assert (await post_form(paul, f"{base}/fermeture", {}, follow_redirects=False)).status_code == 303
        reopened = await post_form(paul, f"{base}/reouverture", {}, follow_redirects=False)
        notice = html.unescape((await paul.get(reopened.headers["location"])).text)
        for text in (before, notice):
            assert "vous avez accordés" not in text and "vous avez donné accès" not in text
        assert "Le dossier est rouvert : les accès accordés s'appliquent à nouveau." in notice
    # Camille is told at once, on her timeline, that her dossier was closed and reopened for her (a probe's find:
    # only the Historique said so, while every grant applied again).
    banner = words_of(await client.get(f"/dossiers/{patient.dossier.id}")).replace("\u00a0", " ")
    assert "3 nouveautés sur le dossier" in banner  # and his acceptance of her invitation
    assert "Paul Martin, pour votre compte, a fermé votre dossier" in banner
    assert "Paul Martin, pour votre compte, a rouvert votre dossier" in banner
    # And "Mes dossiers", where "/" leads her first, says it was closed and is open again
    # (tests/test_notices_say_what_is_so.py).
    assert (await client.get("/", follow_redirects=False)).headers["location"] == "/mes-dossiers"
    assert "Paul Martin a fermé puis rouvert votre dossier, pour votre compte" in words_of(
        await client.get("/mes-dossiers"))


async def test_a_managers_share_code_form_speaks_of_the_dossier_not_of_his_own(client, db, app, patient, camille):
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with new_caregiver(app, code) as paul:
        form = html.unescape((await paul.get(f"/dossiers/{patient.dossier.id}/partage")).text)
    assert "Si ce professionnel a déjà accès au dossier, ce code remplace cet accès" in form
    assert "votre dossier, ce code" not in form  # it is Camille's dossier, not Paul's


async def test_a_caregiver_reaches_only_the_dossiers_delegated_to_them(client, db, app, patient, camille):
    other = await new_patient(db, given_name="Léa", family_name="Durand", serial=3)
    foreign = await add_text_document(db, app, other.dossier, title="Compte rendu opératoire")
    code = await invitation_code(client, patient.dossier.id)
    async with new_caregiver(app, code) as paul:
        await same_as_missing(paul, f"/dossiers/{other.dossier.id}", f"/dossiers/{MISSING}")
        await same_as_missing(paul, f"/documents/{foreign.id}", f"/documents/{MISSING}")
        await same_as_missing(paul, f"/documents/{foreign.id}/masquage", f"/documents/{MISSING}/masquage",
                              data={"masque": "oui"})
        await same_as_missing(paul, f"/dossiers/{other.dossier.id}/historique", f"/dossiers/{MISSING}/historique")


async def test_an_expired_or_stepped_down_caregiver_gets_nothing(client, db, app, patient, camille):
    code = await invitation_code(client, patient.dossier.id, duration="1m")
    async with new_caregiver(app, code) as paul:
        url = f"/dossiers/{patient.dossier.id}"
        assert (await paul.get(url)).status_code == 200
        # A month later (the clock of a running app cannot be moved from here: the row's end is):
        [delegation] = (await db.exec(select(Delegation))).all()
        ends_at = delegation.ends_at
        delegation.ends_at = utcnow() - timedelta(seconds=1)
        db.add(delegation)
        await db.commit()
        await same_as_missing(paul, url, f"/dossiers/{MISSING}")
        delegation.ends_at = ends_at
        db.add(delegation)
        await db.commit()
        assert (await paul.get(url)).status_code == 200
        assert (await post_form(paul, f"{url}/quitter", {}, follow_redirects=False)).status_code == 303
        await same_as_missing(paul, url, f"/dossiers/{MISSING}")
    page = html.unescape((await client.get(url)).text).replace("\u00a0", " ")
    assert "Paul Martin a cessé de suivre votre dossier" in page  # the banner tells Camille


async def test_a_notice_written_before_migration_0025_is_shown_as_it_was_written(client, db, app, patient):
    """Notices were stored as a sentence (0025 stores what happened): an older one is still shown, once."""
    from alembic import command
    from sqlalchemy import text as sql

    camille = await account_for_patient(db, patient=patient.patient)
    await db.commit()
    await migrate(app, command.downgrade, "0024")
    await db.exec(sql("INSERT INTO accountnotice (id, account_id, text, created_at) VALUES ('old', :a, :t, :at)"),
                  params={"a": camille.id, "t": "Hugo Lefèvre vous a retiré l'accès à son dossier.",
                          "at": utcnow().replace(tzinfo=None)})
    await db.commit()
    await migrate(app, command.upgrade, "head")
    await as_account(client, db, camille)
    page = html.unescape((await client.get("/mes-dossiers")).text)
    assert page.count("Hugo Lefèvre vous a retiré l'accès à son dossier.") == 1


async def test_a_patient_removed_from_a_relatives_dossier_is_told_first_then_goes_to_her_own(client, db, patient):
    """Someone with a dossier of her own is sent to it from "/": what she was told about another's dossier would
    wait on "Mes dossiers", where she never goes. She is sent there first, until she has read it."""
    await activate(client, patient)
    assert (await client.get("/", follow_redirects=False)).headers["location"] == f"/dossiers/{patient.dossier.id}"
    account = await account_for_patient(db, patient=patient.patient)
    await tell(db, account_id=account.id, dossier_id=MISSING, kind="removed_by_patient", actor="Hugo Lefèvre")
    await db.commit()
    home = await client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/mes-dossiers"
    page = html.unescape((await client.get("/mes-dossiers")).text)
    assert "Hugo Lefèvre vous a retiré l'accès à son dossier." in page
    assert f'href="/dossiers/{patient.dossier.id}"' in page  # her own dossier, one tap away
    [notice_id] = re.findall(r'action="/avis/([0-9a-f]+)/vu"', page)
    assert (await post_form(client, f"/avis/{notice_id}/vu", {}, follow_redirects=False)).status_code == 303
    assert (await client.get("/", follow_redirects=False)).headers["location"] == f"/dossiers/{patient.dossier.id}"


async def test_the_patient_makes_a_relative_who_manages_a_reader_without_a_new_invitation(client, db, app, patient,
                                                                                         camille):
    _, (irm, _) = camille
    url = f"/dossiers/{patient.dossier.id}"
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with new_caregiver(app, code) as paul:
        [delegation] = (await db.exec(select(Delegation))).all()
        action = f"{url}/proches/{delegation.id}/lecture-seule"
        # He manages: he cannot lower himself (a relative never changes rights), nor is it offered to him.
        assert "lecture-seule" not in (await paul.get(f"{url}/proches")).text
        await same_as_missing(paul, action, f"{url}/proches/{MISSING}/lecture-seule", data={})
        assert "Passer Paul Martin en lecture seule" in words_of(await client.get(f"{url}/proches"))
        done = await post_form(client, action, {}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == f"{url}/proches?fait=proche-lecture"
        again = await post_form(client, action, {}, follow_redirects=False)  # a double tap: logged once
        assert again.status_code == 303
        assert [e.action for e in await events(db, patient.dossier.id)].count("caregiver_made_reader") == 1
        page = words_of(await client.get(f"{url}/proches?fait=proche-lecture"))
        # Named ("Ce proche" said nothing of whom, and "ce" of a woman).
        assert "Paul Martin peut lire le dossier, mais plus le gérer" in page and "Passer Paul Martin" not in page
        assert "lecture seule" in page
        log = html.unescape((await client.get(f"{url}/historique")).text).replace("\u00a0", " ")
        assert "Vous avez passé Paul Martin en lecture seule sur votre dossier" in log
        # He reads, acts no more, and is told at his next visit.
        assert (await paul.get(url)).status_code == 200 and (await paul.get(f"/documents/{irm.id}")).status_code == 200
        refused = await post_form(paul, f"/documents/{irm.id}/masquage", {"masque": "oui"})
        assert refused.status_code == 403 and "mais pas le gérer." in words_of(refused)
        assert (await paul.get("/", follow_redirects=False)).headers["location"] == "/mes-dossiers"
        assert "Camille Martin vous laisse désormais lire son dossier, sans le gérer." in html.unescape(
            (await paul.get("/mes-dossiers")).text)
