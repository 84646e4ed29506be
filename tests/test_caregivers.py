"""Caregivers (issue 9), through HTTP: a relative invited by the patient, a minor's parents, coming of age.

Every rule is tried the way someone would try to break it: a removed, expired or reading
caregiver; an invitation used twice, expired, guessed or accepted by its own author; a
document kept from a minor's parents, by its id, in the log and on the Accès page.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta

import pytest
from tests.conftest import AsyncTestClient
from sqlmodel import select

from server.access import grants
from server.auth.accounts import account_for_patient, account_for_professional
from server.auth.sessions import start_session
from server.accesslog.audit import Actor
from server.caregivers.majority import apply_majority
from server.caregivers.notices import tell, text_of
from server.models import (
    AccessEvent, Account, AccountNotice, CaregiverInvitation, Delegation, Document, Dossier, utcnow,
)
from tests.conftest import (
    ORIGIN, activate, add_text_document, ceremony_options, get_csrf, new_patient, post_form, post_json, set_cookie,
    without_csrf, wrong_fields,
)
from tests.patient_helpers import MISSING, events, migrate, professional, titles_in
from tests.softauthn import SoftAuthenticator

TODAY = date.today()


def png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format="PNG")
    return out.getvalue()


def years_ago(years: int, *, days: int = 0) -> date:
    return date(TODAY.year - years, TODAY.month, min(TODAY.day, 28)) + timedelta(days=days)


def words_of(response) -> str:
    """The page as read: tags out (a name in a button is marked up: templating.person), entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.text))


async def as_account(client, db, account) -> None:
    set_cookie(client, "carnet_session", await start_session(db, account=account, authenticated=True))


async def invitation_code(client, dossier_id: str, *, level="gestion", duration="sans", relationship="") -> str:
    """The patient (signed in on `client`) invites; the code is on the page that follows."""
    data = {"niveau": level, "duree": duration}
    if relationship:
        data["lien"] = relationship
    response = await post_form(client, f"/dossiers/{dossier_id}/proches/invitations", data)
    assert response.status_code == 200, response.text
    return re.search(r'<p class="code"[^>]*>([0-9A-Z-]+)</p>', response.text).group(1)


@asynccontextmanager
async def new_caregiver(app, code: str, *, given="Paul", family="Martin") -> AsyncIterator[AsyncTestClient]:
    """Someone with no account accepts an invitation (their name, then a passkey, through HTTP): their browser."""
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await accept_as_newcomer(browser, code, given=given, family=family)
        yield browser


async def accept_as_newcomer(browser, code: str, *, given: str, family: str) -> SoftAuthenticator:
    page = await post_form(browser, "/invitation", {"code": code})
    assert page.status_code == 200 and "vous invite" in page.text, page.text
    response = await post_form(browser, "/invitation/compte", {"code": code, "given_name": given, "family_name": family})
    assert response.status_code == 200, response.text  # the passkey page, after the redirect
    authenticator = SoftAuthenticator(origin=ORIGIN)
    options, ceremony = await ceremony_options(browser, "/cle/options")
    done = await post_json(browser, "/cle/verification",
                           {"ceremony": ceremony, "credential": authenticator.create(options), "name": "Téléphone"})
    assert done.status_code == 200 and done.json()["redirect"] == "/activer/codes", done.text
    return authenticator


async def same_as_missing(client, url: str, missing: str, *, data: dict | None = None) -> None:
    if data is None:
        refused, absent = await client.get(url), await client.get(missing)
    else:
        refused, absent = await post_form(client, url, data), await post_form(client, missing, data)
    assert refused.status_code == absent.status_code == 404, url
    assert without_csrf(refused.text) == without_csrf(absent.text)


async def told_only_reads(client, url: str) -> None:
    """A page only managers open, asked by a relative who reads the dossier: she is told so (errors.READ_ONLY_PAGE)."""
    refused = await client.get(url)
    assert refused.status_code == 403 and "Vous pouvez le lire, mais pas le gérer." in words_of(refused), url


@pytest.fixture
async def camille(client, db, app, patient):
    """Camille, signed in on `client`, with two documents."""
    account = await account_for_patient(db, patient=patient.patient)
    await as_account(client, db, account)
    docs = [await add_text_document(db, app, patient.dossier, title=t, category=c)
            for t, c in (("IRM du genou droit", "imagerie"), ("Bilan lipidique", "biologie"))]
    return account, docs


# --- an adult invites a relative ---------------------------------------------------------------------------


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
        assert "Les documents masqués restent invisibles" in sharing and "vous avez masqués" not in sharing
        client.headers["accept-language"] = "en"  # she reads Carnet in English; he, in French
        removed = await post_form(client, f"/dossiers/{patient.dossier.id}/proches/{delegation.id}/retrait", {},
                                  follow_redirects=False)
        del client.headers["accept-language"]
        assert removed.status_code == 303
        again = await post_form(client, f"/dossiers/{patient.dossier.id}/proches/{delegation.id}/retrait", {},
                                follow_redirects=False)  # a double tap: the same answer, logged once
        assert again.status_code == 303 and again.headers["location"] == removed.headers["location"]
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
    # And "Mes dossiers", where "/" leads her first, says it is open again (tests/test_notices_say_what_is_so.py).
    assert (await client.get("/", follow_redirects=False)).headers["location"] == "/mes-dossiers"
    assert "Paul Martin a rouvert votre dossier, pour votre compte" in words_of(await client.get("/mes-dossiers"))


async def test_accepting_with_an_account_says_it_was_done(client, db, app, patient, camille):
    """Hugo, who has his own dossier, accepts Camille's invitation: the dossier he lands on says so once (it said
    nothing; an outside probe's find)."""
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    async with AsyncTestClient(app, base_url=ORIGIN) as his:
        await as_account(his, db, await account_for_patient(db, patient=hugo.patient))
        accepted = await post_form(his, "/invitation/acceptation", {"code": code}, follow_redirects=False)
        assert accepted.headers["location"] == f"/dossiers/{patient.dossier.id}?fait=invitation-acceptee"
        landed = words_of(await his.get(accepted.headers["location"]))
        assert "Invitation acceptée : ce dossier est maintenant dans « Mes dossiers »." in landed.replace("\u00a0", " ")
        # Invited again, to manage it: not a dossier new to "Mes dossiers", new terms (an outside probe's find); and back.
        for level, done, said in (("gestion", "invitation-gestion", "vous pouvez maintenant gérer ce dossier"),
                                  ("lecture", "invitation-lecture", "vous pouvez maintenant lire ce dossier, mais")):
            code = await invitation_code(client, patient.dossier.id, level=level)
            accepted = await post_form(his, "/invitation/acceptation", {"code": code}, follow_redirects=False)
            assert accepted.headers["location"] == f"/dossiers/{patient.dossier.id}?fait={done}"
            assert f"Invitation acceptée : {said}" in words_of(await his.get(accepted.headers["location"]))

async def test_a_newcomers_name_longer_than_the_form_allows_is_refused_on_its_field_not_cut(client, db, app, patient,
                                                                                          camille):
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    await db.commit()
    accounts_before = len((await db.exec(select(Account))).all())
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await post_form(browser, "/invitation", {"code": code})
        refused = await post_form(browser, "/invitation/compte", {"code": code, "given_name": "Paul",
                                                                   "family_name": "Martin-" * 20})
    assert refused.status_code == 400 and "100 caractères au plus" in html.unescape(refused.text)
    assert wrong_fields(refused.text) == ["family_name"]
    await db.commit()
    assert len((await db.exec(select(Account))).all()) == accounts_before  # no account made with a cut name


async def test_a_parent_new_to_carnet_attaching_a_child_with_a_name_too_long_is_refused_not_cut(app, db, family):
    leo, _mother = family
    accounts_before = len((await db.exec(select(Account))).all())
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        refused = await post_form(browser, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat(),
                                                       "given_name": "Camille" * 20, "family_name": "Martin"})
    assert refused.status_code == 400 and "100 caractères au plus" in html.unescape(refused.text)
    assert wrong_fields(refused.text) == ["given_name"]
    await db.commit()
    assert len((await db.exec(select(Account))).all()) == accounts_before


# Names that show as nothing: a Hangul filler, the braille blank, a zero-width space (which `clean` drops).
# Names that show nothing, each refused with nothing written: the next is tried on the same world (the same code,
# which a refusal leaves unused), each from a browser of its own.
INVISIBLE_NAMES = [("\u3164", "\u2800"), ("Paul", "\u3164\u3164"), ("\u200b", "Martin")]


def blank_fields(given_name: str, family_name: str) -> list[str]:
    return [field for field, name in (("given_name", given_name), ("family_name", family_name))
            if name not in ("Paul", "Martin")]


async def test_a_newcomer_whose_name_shows_nothing_is_refused_on_that_field_and_gets_no_account(
        client, db, app, patient, camille):
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    await db.commit()
    accounts_before = len((await db.exec(select(Account))).all())
    for given_name, family_name in INVISIBLE_NAMES:
        async with AsyncTestClient(app, base_url=ORIGIN) as browser:
            await post_form(browser, "/invitation", {"code": code})
            refused = await post_form(browser, "/invitation/compte", {"code": code, "given_name": given_name,
                                                                       "family_name": family_name})
        said = (given_name, family_name)
        assert refused.status_code == 400, said
        assert "Saisissez votre prénom et votre nom : la personne qui vous invite les verra." in html.unescape(
            refused.text), said
        assert wrong_fields(refused.text) == blank_fields(given_name, family_name), said
        await db.commit()
        assert len((await db.exec(select(Account))).all()) == accounts_before, said
        assert (await db.exec(select(Delegation))).all() == [], said


async def test_a_parent_new_to_carnet_whose_name_shows_nothing_is_refused_on_that_field_and_gets_no_account(
        app, db, family):
    leo, _mother = family
    accounts_before = len((await db.exec(select(Account))).all())
    for given_name, family_name in INVISIBLE_NAMES:
        async with AsyncTestClient(app, base_url=ORIGIN) as browser:
            refused = await post_form(browser, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat(),
                                                           "given_name": given_name, "family_name": family_name})
        said = (given_name, family_name)
        assert refused.status_code == 400 and "Saisissez votre prénom et votre nom." in html.unescape(refused.text), said
        assert wrong_fields(refused.text) == blank_fields(given_name, family_name), said
        await db.commit()
        assert len((await db.exec(select(Account))).all()) == accounts_before, said
        assert (await db.exec(select(Delegation))).all() == [], said


async def test_a_managers_share_code_form_speaks_of_the_dossier_not_of_his_own(client, db, app, patient, camille):
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with new_caregiver(app, code) as paul:
        form = html.unescape((await paul.get(f"/dossiers/{patient.dossier.id}/partage")).text)
    assert "Si ce professionnel a déjà accès au dossier, ce code remplace cet accès" in form
    assert "votre dossier, ce code" not in form  # it is Camille's dossier, not Paul's


async def test_a_reader_reads_but_every_action_is_refused(client, db, app, patient, camille):
    """The pages of a manager, and its actions (a forged form, or one of a page from before, when he managed it),
    say that he may only read the dossier (tests/test_managers_pages_to_readers.py)."""
    _, (irm, _) = camille
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with new_caregiver(app, code, given="Hugo", family="Martin") as hugo:
        url = f"/dossiers/{patient.dossier.id}"
        assert (await hugo.get(url)).status_code == 200
        assert (await hugo.get(f"/documents/{irm.id}")).status_code == 200
        assert (await hugo.get(f"{url}/historique")).status_code == 200
        for path in ("/acces", "/partage", "/proches", "/fermeture"):
            await told_only_reads(hugo, f"{url}{path}")
        for action, data in ((f"/documents/{irm.id}/masquage", {"masque": "oui"}),
                             (f"{url}/partage", {"portee": "tout", "duree": "1m"})):
            refused = await post_form(hugo, action, data)
            assert refused.status_code == 403 and "vous pouvez lire le dossier de Camille Martin, mais pas le gérer." \
                in words_of(refused)
        page = await hugo.get(f"/documents/{irm.id}")
        assert "Masquer aux professionnels" not in page.text and ">Accès<" not in page.text
    assert [e.action for e in await events(db, patient.dossier.id)
            if e.actor_kind == "caregiver"] == ["caregiver_added"]


async def test_a_readers_menu_offers_no_acces_on_any_page_he_reads(client, db, app, patient, camille):
    """"Accès" would lead him to "Page introuvable": the menu of every page he reads leaves it out, the
    Historique's too."""
    _, (irm, _) = camille
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with new_caregiver(app, code, given="Hugo", family="Martin") as hugo:
        url = f"/dossiers/{patient.dossier.id}"
        for page in (url, f"/documents/{irm.id}", f"{url}/profil", f"{url}/soins", f"{url}/historique"):
            response = await hugo.get(page)
            assert response.status_code == 200 and f'href="{url}/acces"' not in response.text, page
        assert 'href="/acces"' in (await client.get(f"{url}/historique")).text  # Camille's own menu has it


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


async def test_a_newcomer_is_shown_as_new_only_what_happened_since_they_joined(client, db, app, patient, camille):
    """What the log held before a relative joined is not news to them: no "nouveaux événements" on their first
    visit (it said "99+" for a dossier with a long log). What comes after is."""
    _account, (irm, _) = camille
    for hidden in ("oui", "non", "oui"):  # the log grows before he is invited
        await post_form(client, f"/documents/{irm.id}/masquage", {"masque": hidden}, follow_redirects=False)
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with new_caregiver(app, code) as paul:
        timeline = await paul.get(f"/dossiers/{patient.dossier.id}")
        assert timeline.status_code == 200 and "log-badge" not in timeline.text
        await post_form(client, f"/documents/{irm.id}/masquage", {"masque": "non"}, follow_redirects=False)
        timeline = await paul.get(f"/dossiers/{patient.dossier.id}")
        assert "1 nouvel événement" in timeline.text


async def first_read_by_a_professional(app, db, dossier_id: str, given_name: str, stem: int) -> str:
    """A professional given access opens the dossier (a first opening, which the patient is told of): their name."""
    kine = await professional(db, "Moreau", given_name=given_name, stem=stem)
    await grants.grant_access(db, dossier=await db.get(Dossier, dossier_id), professional=kine, categories="",
                              duration="sans", actor=Actor(None, "patient", "Camille Martin"))
    async with AsyncTestClient(app, base_url=ORIGIN) as theirs:
        await as_account(theirs, db, await account_for_professional(db, professional=kine))
        assert (await theirs.get(f"/dossiers/{dossier_id}")).status_code == 200
    return f"{given_name} Moreau"


def banner(page: str) -> str:
    match = re.search(r'<section id="notification-banner".*?</section>', page, re.S)
    return html.unescape(match.group(0)) if match else ""


async def test_each_reader_marks_the_banner_seen_for_themselves_and_a_newcomer_starts_from_none(
        client, db, app, patient, camille):
    """"Vu" on the banner of new accesses is each reader's own: a caregiver who presses it leaves the patient's
    banner as it was, and one who has just joined is not told what the patient was told before."""
    url = f"/dossiers/{patient.dossier.id}"
    before = await first_read_by_a_professional(app, db, patient.dossier.id, "Julie", stem=3)
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with new_caregiver(app, code) as paul:
        assert banner((await paul.get(url)).text) == ""  # what came before he joined is not news to him
        after = await first_read_by_a_professional(app, db, patient.dossier.id, "Marc", stem=4)
        page = (await paul.get(url)).text
        assert after in banner(page) and before not in banner(page)
        up_to = re.search(r'name="jusqua" value="(\d+)"', page).group(1)
        done = await post_form(paul, f"{url}/notifications/vu", {"jusqua": up_to}, follow_redirects=False)
        assert done.status_code == 303
        assert banner((await paul.get(url)).text) == ""

    # Camille has pressed nothing: her banner still tells her of both, and of Paul joining.
    told = banner((await client.get(url)).text)
    assert before in told and after in told and "Paul Martin" in told


async def test_an_invitation_is_single_use_expires_can_be_cancelled_and_is_not_for_its_author(client, db, app, patient, camille):
    code = await invitation_code(client, patient.dossier.id)
    own = await post_form(client, "/invitation/acceptation", {"code": code})
    assert own.status_code == 400 and "C&#39;est vous qui avez fait cette invitation" in own.text
    async with new_caregiver(app, code):
        pass
    again = await post_form(client, "/invitation", {"code": code})
    # Used, expired or cancelled: the words of a wrong code, so that typing codes tells nobody which existed.
    wrong = await post_form(client, "/invitation", {"code": "ZZZZ-ZZZZ"})
    refused = "Ce code d'invitation n'est pas valable : il est incorrect, a expiré, a été annulé ou a déjà servi."
    assert wrong.status_code == 400 and refused in html.unescape(wrong.text)
    assert again.status_code == 400 and refused in html.unescape(again.text)

    late = await invitation_code(client, patient.dossier.id)
    for row in (await db.exec(select(CaregiverInvitation).where(CaregiverInvitation.used_at.is_(None)))).all():
        row.expires_at = utcnow() - timedelta(seconds=1)  # seven days later
        db.add(row)
    await db.commit()
    expired = await post_form(client, "/invitation", {"code": late})
    assert expired.status_code == 400 and refused in html.unescape(expired.text)

    cancelled = await invitation_code(client, patient.dossier.id)
    [row] = (await db.exec(select(CaregiverInvitation).where(CaregiverInvitation.used_at.is_(None))
                           .order_by(CaregiverInvitation.created_at.desc()))).all()[:1]
    assert (await post_form(client, f"/invitations/{row.id}/annulation", {}, follow_redirects=False)).status_code == 303
    gone = await post_form(client, "/invitation", {"code": cancelled})
    assert gone.status_code == 400 and refused in html.unescape(gone.text)


async def test_a_refused_invitation_marks_the_wrong_choice(client, db, patient, camille):
    url = f"/dossiers/{patient.dossier.id}/proches/invitations"
    for data, wrong in (({"niveau": "tout", "duree": "sans"}, "niveau"), ({"niveau": "lecture", "duree": "10a"}, "duree")):
        refused = await post_form(client, url, data)
        assert refused.status_code == 400 and wrong_fields(refused.text) == [wrong], data
    # The choice that was right comes back as it was sent, not reset to the defaults (a probe's find).
    refused = await post_form(client, url, {"niveau": "gestion", "duree": "10a"})
    assert re.search(r'<input type="radio" name="niveau" value="gestion" checked', refused.text)
    assert not re.search(r'<input type="radio" name="niveau" value="lecture" checked', refused.text)
    refused = await post_form(client, url, {"niveau": "tout", "duree": "1a"})
    assert re.search(r'<input type="radio" name="duree" value="1a" checked', refused.text)
    assert (await db.exec(select(CaregiverInvitation))).all() == []


async def test_guessing_invitation_codes_is_paused(client, db, app):
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        statuses = [(await post_form(stranger, "/invitation", {"code": f"AAAA-BBBB-{n:04d}"})).status_code
                    for n in range(7)]
    assert statuses == [400] * 5 + [429] * 2


# --- a parent and a child's dossier ----------------------------------------------------------------------------


@pytest.fixture
async def family(db, app):
    """Léo, 9, with a code the insurance office gave his parents; Camille, his mother, signed in later."""
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=years_ago(9), serial=4, sex="M")
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    return leo, mother


async def test_a_parent_attaches_a_childs_dossier_and_invites_the_other_parent(client, db, app, family):
    leo, mother = family
    doctor = await professional(db, "Girard", given_name="Anne", profession="médecin", stem=7)
    await grants.grant_access(db, dossier=leo.dossier, professional=doctor, categories="", duration="sans",
                              actor=Actor(None, "patient", "Léo Martin"))  # his log, before she attaches it
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    attached = await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()},
                               follow_redirects=False)
    assert (attached.status_code, attached.headers["location"]) == (303, f"/dossiers/{leo.dossier.id}")
    dossiers = await client.get("/mes-dossiers")
    assert "Mon dossier" in dossiers.text and "Léo Martin" in dossiers.text and "Parent, gestion" in dossiers.text
    assert "Quitter ce dossier" in dossiers.text  # a parent's words too: not "ne plus aider"
    # Each button says which dossier it leaves (its name, to a screen reader).
    assert 'Quitter ce dossier<span class="visually-hidden"> (Léo Martin)</span>' in dossiers.text
    band = await client.get(f"/dossiers/{leo.dossier.id}")
    assert "Dossier de Léo Martin" in band.text and 'class="band-initials" aria-hidden="true">LM<' in band.text
    assert "log-badge" not in band.text  # what his log held before she attached it is not news to her

    code = await invitation_code(client, leo.dossier.id, relationship="parent")
    async with new_caregiver(app, code, given="Paul") as father:
        assert (await father.get(f"/dossiers/{leo.dossier.id}")).status_code == 200
    parents = (await db.exec(select(Delegation).where(Delegation.dossier_id == leo.dossier.id))).all()
    assert sorted(d.relationship for d in parents) == ["parent", "parent"]
    # Only parents invite a parent, only for a minor; an adult's code cannot be attached as a child's.
    adult = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=6, sex="M")
    refused = await post_form(client, "/enfant", {"code": adult.code, "birth_date": "1950-06-01"})
    assert refused.status_code == 400 and "personne majeure" in html.unescape(refused.text)


def current_menu_link(page: str) -> list[str]:
    """The links the menu marks as the page shown: in the bar (the copies behind "Plus" for a narrow bar left out:
    only one of the two is ever displayed)."""
    return re.findall(r'<a href="([^"]+)"(?: class="menu-roomy")? aria-current="page">', page)


async def test_the_menu_marks_the_page_shown_in_her_own_dossier_and_in_her_childs(client, db, family):
    leo, mother = family
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    own, child = mother.dossier.id, f"/dossiers/{leo.dossier.id}"
    for path, marked in ((f"/dossiers/{own}", ["/"]), (f"/dossiers/{own}/historique", ["/historique"]),
                         (f"/dossiers/{own}/annuaire", ["/acces"]), ("/mes-dossiers", ["/mes-dossiers"]),
                         (child, [child]), (f"{child}/profil", [f"{child}/profil"]),
                         (f"{child}/historique", [f"{child}/historique"]), ("/cles", ["/cles"])):
        assert current_menu_link((await client.get(path)).text) == marked, path
    # Her son's printouts keep the menu in his dossier: it led her to her own "Accès" and "Historique".
    for path in (f"{child}/imprimer", f"{child}/historique/imprimer"):
        page = (await client.get(path)).text
        assert f'href="{child}/historique"' in page and 'href="/historique"' not in page, path
    # Each dossier she holds has a colour of its own, the same in her list and on its pages.
    listed = {dossier: colour for colour, dossier in re.findall(
        r'class="dossier-band (band-\d)" href="/dossiers/(\w+)"', (await client.get("/mes-dossiers")).text)}
    assert listed.keys() == {own, leo.dossier.id} and listed[own] != listed[leo.dossier.id]
    assert f'class="dossier-band {listed[leo.dossier.id]}"' in (await client.get(child)).text
    assert "aura 18 ans" not in (await client.get(child)).text  # told only in the year before


async def test_a_minor_has_two_parents_at_most_and_a_parent_removes_whom_they_invited(client, db, app, family):
    leo, mother = family
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    # She alone manages it, and Léo has no account: stepping down would leave it to no one, and she is told first.
    alone = html.unescape((await client.get("/mes-dossiers")).text)
    assert "Personne d'autre ne gère le dossier de Léo Martin : sans vous, personne ne pourra plus l'ouvrir" in alone
    proches = f"/dossiers/{leo.dossier.id}/proches"
    code = await invitation_code(client, leo.dossier.id, relationship="parent")
    # While that invitation waits, no second one: it would make a third parent.
    assert "Inviter l'autre parent" not in (await client.get(proches)).text
    refused = await post_form(client, f"{proches}/invitations", {"lien": "parent"})
    assert refused.status_code == 400 and "déjà ses deux parents ou tuteurs" in html.unescape(refused.text)
    async with new_caregiver(app, code, given="Marc", family="Inconnu") as marc:
        # A code given to the wrong person: the parent who gave it removes him, and he is told.
        page = words_of(await client.get(proches))
        assert "Inviter l'autre parent" not in page and "Retirer Marc Inconnu" in page
        marcs = (await db.exec(select(Delegation).where(Delegation.dossier_id == leo.dossier.id,
                                                        Delegation.invited_by_account_id.is_not(None)))).one()
        # He cannot remove the parent who invited him (she invited him; he did not invite her).
        mothers = (await db.exec(select(Delegation).where(Delegation.dossier_id == leo.dossier.id,
                                                          Delegation.id != marcs.id))).one()
        assert (await post_form(marc, f"{proches}/{mothers.id}/retrait", {})).status_code == 404
        assert "Retirer Camille" not in words_of(await marc.get(proches))
        removed = await post_form(client, f"{proches}/{marcs.id}/retrait", {}, follow_redirects=False)
        assert removed.status_code == 303
        assert (await marc.get(f"/dossiers/{leo.dossier.id}")).status_code == 404
        assert "vous a retiré l'accès au dossier de Léo Martin" in html.unescape((await marc.get("/mes-dossiers")).text)
    assert [e.action for e in await events(db, leo.dossier.id)][-1] == "caregiver_removed"
    # With him gone, the other parent may be invited again; once two, an older invitation is refused.
    first = await invitation_code(client, leo.dossier.id, relationship="parent")
    async with new_caregiver(app, first, given="Paul") as paul:
        # He has no dossier of his own: the codes page does not send him to "mon dossier".
        codes = html.unescape((await paul.get("/activer/codes")).text)
        assert "J'ai noté mes codes, continuer" in codes and "accéder à mon dossier" not in codes
    assert "Inviter l'autre parent" not in (await client.get(proches)).text
    # Léo, 9, has no account: stepping down tells those who open his dossier, not him.
    mine = html.unescape((await client.get("/mes-dossiers")).text)
    assert "son historique le dira à ceux qui l'ouvrent" in mine and "Léo en sera informé" not in mine
    assert "Personne d'autre ne gère" not in mine  # Paul manages it too


async def test_a_parent_invitation_is_refused_once_the_minor_has_two_parents(client, db, app, family):
    leo, mother = family
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    code = await invitation_code(client, leo.dossier.id, relationship="parent")
    # A second parent attaches the child's dossier with its own code meanwhile (the insurer's letter).
    father = await new_patient(db, given_name="Paul", family_name="Martin", birth=date(1982, 11, 5), serial=8, sex="M")
    async with AsyncTestClient(app, base_url=ORIGIN) as paul:
        await as_account(paul, db, await account_for_patient(db, patient=father.patient))
        db.add(Delegation(dossier_id=leo.dossier.id, caregiver_account_id=(await account_for_patient(
            db, patient=father.patient)).id, relationship="parent", can_manage=True))
        await db.commit()
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        refused = await post_form(browser, "/invitation", {"code": code})  # before any account is made
        assert refused.status_code == 400 and "déjà ses deux parents ou tuteurs" in html.unescape(refused.text)
        refused = await post_form(browser, "/invitation/compte", {"code": code, "given_name": "Marc",
                                                                   "family_name": "Inconnu"})
        assert "déjà ses deux parents ou tuteurs" in html.unescape(refused.text), refused.text
    parents = (await db.exec(select(Delegation).where(Delegation.dossier_id == leo.dossier.id))).all()
    assert len(parents) == 2


async def test_a_document_kept_from_a_minors_parents_leaves_them_no_trace(client, db, app, family):
    leo, mother = family
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    ordinary = await add_text_document(db, app, leo.dossier, title="Vaccin ROR", category="vaccination")
    doctor = await professional(db, "Girard", given_name="Anne", profession="médecin", stem=7)
    await grants.grant_access(db, dossier=leo.dossier, professional=doctor, categories="", duration="sans",
                              actor=Actor(None, "patient", "Léo Martin"))
    # The doctor files the document as Léo asked, kept from his parents, and reads it: traces a parent must not see.
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await as_account(desk, db, await account_for_professional(db, professional=doctor))
        form = await desk.get(f"/dossiers/{leo.dossier.id}/documents/nouveau")
        assert "Ne pas montrer aux parents" in form.text  # offered because Léo is a minor
        filed = await desk.post(
            f"/dossiers/{leo.dossier.id}/documents/nouveau", follow_redirects=False,
            data={"title": "Consultation confidentielle", "category": "compte_rendu", "event_date": "2025-02-03",
                  "confidentiel": "oui", "_csrf_token": await get_csrf(desk)},
            files={"file": ("cr.png", png(), "image/png")})
        assert filed.status_code == 303, filed.text
        secret_id = filed.headers["location"].split("?")[0].rsplit("/", 1)[1]
        assert (await desk.get(f"/documents/{secret_id}")).status_code == 200
    secret = await db.get(Document, secret_id)
    assert secret.hidden_from_representatives

    timeline = await client.get(f"/dossiers/{leo.dossier.id}")
    assert titles_in(timeline.text) == ["Vaccin ROR"]
    await same_as_missing(client, f"/documents/{secret.id}", f"/documents/{MISSING}")
    await same_as_missing(client, f"/documents/{secret.id}/fichier", f"/documents/{MISSING}/fichier")
    await same_as_missing(client, f"/documents/{secret.id}/masquage", f"/documents/{MISSING}/masquage",
                          data={"masque": "oui"})
    log = await client.get(f"/dossiers/{leo.dossier.id}/historique")
    csv = await client.get(f"/dossiers/{leo.dossier.id}/historique.csv")
    access = await client.get(f"/dossiers/{leo.dossier.id}/acces")
    for page in (timeline, log, csv, access):
        for trace in ("Consultation confidentielle", "Girard", doctor.rpps):
            assert trace not in page.text, (trace, page.url)
    # Her page, found in the directory, reads as the page of a doctor with no part in Léo's dossier: not Léo's grant.
    stranger = await professional(db, "Girard", given_name="Anne", profession="médecin", stem=8)
    # Nor does "voir comme".
    for page in ("professionnels", "voir-comme"):
        shown = [without_csrf((await client.get(f"/dossiers/{leo.dossier.id}/{page}/{p.id}")).text)
                 for p in (doctor, stranger)]
        # Each professional's Historique filter is a keyed hash of her own (accesslog/queries.professional_token).
        pages = [re.sub(r'"[0-9a-f]{64,}"|professionnel=[0-9a-f]+', "TOKEN", text.replace(p.id, "ID").replace(p.rpps, "RPPS"))
                 for text, p in zip(shown, (doctor, stranger), strict=True)]
        assert pages[0] == pages[1], page
    assert titles_in((await client.get(f"/dossiers/{leo.dossier.id}")).text) == [ordinary.title]
    # Nor the gaps they leave in the log's numbers: a parent is shown no number, hash or proof of any event.
    await shown_no_chain(client, leo.dossier.id)


async def shown_no_chain(client, dossier_id: str) -> None:
    """What a minor's parent is shown of the log names no event by the dossier's numbers (accesslog/numbering.py)."""
    log = (await client.get(f"/dossiers/{dossier_id}/historique")).text
    assert re.findall(r'id="evenement-([^"]+)"', log) and all(
        re.fullmatch(r"[0-9a-f]{32}", token) for token in re.findall(r'id="evenement-([^"]+)"', log))
    assert "/historique/preuve/" not in log and "data-journal-entry" not in log and "data-journal-check" not in log
    assert "x-log-seen\": \"" in log and not re.search(r'x-log-seen": "[0-9]{1,10}"', log)
    heading = (await client.get(f"/dossiers/{dossier_id}/historique.csv")).text.lstrip("\ufeff").split("\r\n")[0]
    assert heading.split(";")[0] == "date" and "hash" not in heading and "numéro" not in heading
    printed = (await client.get(f"/dossiers/{dossier_id}/historique/imprimer")).text
    assert "<li value=" not in printed and "empreinte" not in printed
    for number in range(1, 12):  # every number answers as a missing one: none tells a kept event from the others
        assert (await client.get(f"/dossiers/{dossier_id}/historique/preuve/{number}")).status_code == 404


async def test_a_parent_sees_no_numbers_even_when_nothing_is_kept_and_pages_through_with_tokens(client, db, app,
                                                                                              family):
    """Shown alike whether something is kept or not: otherwise the difference would tell."""
    from tests.test_timeline_scale import many_events

    leo, mother = family
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    await many_events(db, leo.dossier, 45)
    await shown_no_chain(client, leo.dossier.id)
    seen, url = [], f"/dossiers/{leo.dossier.id}/historique"
    while url:  # without JavaScript, each page is the list down through the next one: the last holds it all
        page = (await client.get(url)).text
        seen = re.findall(r'id="evenement-([0-9a-f]{32})"', page)
        following = re.search(r'<a id="more-([0-9a-f]{32})" class="more[^"]*" href="([^"]+)"', page)
        url = html.unescape(following[2]) if following else None
        assert url is None or re.search(r"avant=([0-9a-f]{32})#evenement-\1$", url), url
    head = (await db.exec(select(AccessEvent.seq).where(AccessEvent.dossier_id == leo.dossier.id)
                          .order_by(AccessEvent.seq.desc()))).first()
    assert len(seen) == len(set(seen)) == head  # each event once, every one of them (nothing kept here)


# --- coming of age ---------------------------------------------------------------------------------------------


async def ines_turned_18(db):
    """Inès, 18 for twenty days; her mother Camille, a patient of Carnet, and her father Paul, an account only."""
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(18, days=20), serial=8)
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=9)
    father = Account(display_name="Paul Martin")
    db.add(father)
    await db.commit()
    return ines, await account_for_patient(db, patient=mother.patient), father


async def test_at_18_a_parents_rights_end_unless_the_young_adult_kept_them(client, db, app):
    ines, camille, father = await ines_turned_18(db)
    for parent in (camille, father):
        db.add(Delegation(dossier_id=ines.dossier.id, caregiver_account_id=parent.id, relationship="parent"))
    await db.commit()

    # Inès activates her own dossier, and chooses before her birthday: her father keeps reading, her mother not.
    await as_account(client, db, await account_for_patient(db, patient=ines.patient))
    page = await client.get(f"/dossiers/{ines.dossier.id}/majorite")
    assert "Ce que voient vos parents aujourd'hui" in html.unescape(page.text)
    # She is told her parents read each choice in the log (a probe's find: the page did not say it).
    assert "apparaît dans l'historique de votre dossier, que vos parents lisent" in html.unescape(page.text)
    # In English, each choice finishes "When I turn 18, <parent>:" (it read "…: No longer have access").
    english = html.unescape((await client.get(f"/dossiers/{ines.dossier.id}/majorite",
                                              headers={"accept-language": "en"})).text)
    assert "will keep read-only access" in english.lower() and "will no longer have access" in english.lower()
    delegations = {d.caregiver_account_id: d for d in (await db.exec(select(Delegation))).all()}
    kept = await post_form(client, f"/dossiers/{ines.dossier.id}/majorite/{delegations[father.id].id}",
                           {"choix": "lecture"}, follow_redirects=False)
    assert kept.status_code == 303

    async with AsyncTestClient(app, base_url=ORIGIN) as mum, AsyncTestClient(app, base_url=ORIGIN) as dad:
        await as_account(mum, db, camille)
        await as_account(dad, db, father)
        url = f"/dossiers/{ines.dossier.id}"
        assert (await mum.get(url)).status_code == (await dad.get(url)).status_code == 200
        # A year ahead, her parents are told when their rights end (not what she chose: hers to say).
        told = html.unescape((await mum.get(url)).text)
        assert ("Inès Martin aura 18 ans le " in told and "votre accès de parent prend fin, sauf si elle choisit de le "
                "garder." in told)
        # Her birthday comes (the app's clock cannot be moved from here: her birth date is).
        ines.patient.birth_date = years_ago(18, days=-1)
        db.add(ines.patient)
        await db.commit()
        # The rule ends the mother's rights at the birthday, before the scheduled check has run.
        await same_as_missing(mum, url, f"/dossiers/{MISSING}")
        assert (await dad.get(url)).status_code == 200
        await told_only_reads(dad, f"{url}/acces")  # kept as a reader
        assert await apply_majority(db) == 2
        assert await apply_majority(db) == 0  # once only
        await same_as_missing(mum, url, f"/dossiers/{MISSING}")
        assert (await dad.get(url)).status_code == 200
    await db.commit()
    notices = {n.account_id: text_of(n) for n in (await db.exec(select(AccountNotice))).all()}
    assert notices[camille.id] == "Inès Martin a 18 ans : votre accès de parent à son dossier a pris fin."
    assert "lecture seule" in notices[father.id]
    actions = [e.action for e in await events(db, ines.dossier.id)]
    assert actions.count("majority_ended") == actions.count("majority_kept") == 1
    # Her page of her 18th says whom she kept (it said no parent had access: a third outside probe's find).
    page = html.unescape((await client.get(f"/dossiers/{ines.dossier.id}/majorite")).text)
    assert "Comme vous l'avez choisi, Paul Martin garde un accès" in page and "Aucun parent" not in page


async def test_at_18_a_parent_she_kept_as_manager_can_be_made_a_reader_as_any_relative(client, db, app):
    """A caregivers' probe: Inès kept her father as a manager at 18; "Mes proches" offered only to remove him (and a
    new invitation to make him a reader), where a relative she invited is made a reader in one tap."""
    ines, camille, father = await ines_turned_18(db)
    for parent, level in ((camille, "lecture"), (father, "gestion")):
        db.add(Delegation(dossier_id=ines.dossier.id, caregiver_account_id=parent.id, relationship="parent",
                          after_majority=level))
    ines.patient.birth_date = years_ago(18, days=-1)  # (18 in twenty days: her birthday comes)
    db.add(ines.patient)
    await db.commit()
    assert await apply_majority(db) == 2
    await as_account(client, db, await account_for_patient(db, patient=ines.patient))
    majority = words_of(await client.get(f"/dossiers/{ines.dossier.id}/majorite"))
    assert "Comme vous l'avez choisi, Camille Martin et Paul Martin gardent un accès" in majority  # (it read "A, B")
    proches = f"/dossiers/{ines.dossier.id}/proches"
    page = words_of(await client.get(proches))
    assert "Passer Paul Martin en lecture seule" in page and "Passer Camille Martin en lecture seule" not in page
    delegations = {d.caregiver_account_id: d for d in (await db.exec(select(Delegation))).all()}
    async with AsyncTestClient(app, base_url=ORIGIN) as dad:
        await as_account(dad, db, father)
        assert (await dad.get(f"/dossiers/{ines.dossier.id}/acces")).status_code == 200  # he manages
        made = await post_form(client, f"{proches}/{delegations[father.id].id}/lecture-seule", {},
                               follow_redirects=False)
        assert made.status_code == 303
        await told_only_reads(dad, f"/dossiers/{ines.dossier.id}/acces")
        assert (await dad.get(f"/dossiers/{ines.dossier.id}")).status_code == 200  # and reads on
    assert "Passer Paul Martin en lecture seule" not in words_of(await client.get(proches))
    assert [e.action for e in await events(db, ines.dossier.id)].count("caregiver_made_reader") == 1


async def test_the_majority_page_is_not_an_adults(client, db, camille, patient):
    """"Mes 18 ans" is where a young person chooses, before 18, what their parents keep (and, for a year after,
    sees what ended). An adult (Camille, 42) finds nothing there, as for a dossier that does not exist: her helpers
    are on "Mes proches"."""
    url = f"/dossiers/{patient.dossier.id}/majorite"
    await same_as_missing(client, url, f"/dossiers/{MISSING}/majorite")
    # Her own dossier: its page as it is now, as for any form of hers refused.
    refused = await post_form(client, f"{url}/{MISSING}", {"choix": "lecture"})
    assert refused.status_code == 404 and '<a class="button primary" href="">Revoir la page</a>' in refused.text


async def test_a_minor_does_not_remove_her_parents_before_18(client, db, app):
    """Her parents manage her dossier until her birthday, unless she keeps one ("Préparer mes 18 ans"): her "Proches"
    page offers no "Retirer", and the removal itself is refused as for a page that does not exist."""
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(17), serial=8)
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=9)
    camille = await account_for_patient(db, patient=mother.patient)
    parent = Delegation(dossier_id=ines.dossier.id, caregiver_account_id=camille.id, relationship="parent")
    db.add(parent)
    await db.commit()
    await as_account(client, db, await account_for_patient(db, patient=ines.patient))
    proches = f"/dossiers/{ines.dossier.id}/proches"
    page = words_of(await client.get(proches))
    assert "Camille Martin" in page and "Retirer Camille Martin" not in page
    assert "Vous le retirez quand vous voulez" not in page
    await same_as_missing(client, f"{proches}/{parent.id}/retrait", f"{proches}/{MISSING}/retrait", data={})
    async with AsyncTestClient(app, base_url=ORIGIN) as mum:
        await as_account(mum, db, camille)
        assert (await mum.get(f"/dossiers/{ines.dossier.id}")).status_code == 200
    assert "caregiver_removed" not in [e.action for e in await events(db, ines.dossier.id)]


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
        assert "Ce proche peut lire le dossier, mais plus le gérer" in page and "Passer Paul Martin" not in page
        assert "lecture seule" in page
        log = html.unescape((await client.get(f"{url}/historique")).text).replace("\u00a0", " ")
        assert "Vous avez laissé à Paul Martin la lecture seule de votre dossier" in log
        # He reads, acts no more, and is told at his next visit.
        assert (await paul.get(url)).status_code == 200 and (await paul.get(f"/documents/{irm.id}")).status_code == 200
        refused = await post_form(paul, f"/documents/{irm.id}/masquage", {"masque": "oui"})
        assert refused.status_code == 403 and "mais pas le gérer." in words_of(refused)
        assert (await paul.get("/", follow_redirects=False)).headers["location"] == "/mes-dossiers"
        assert "Camille Martin vous laisse désormais lire son dossier, sans le gérer." in html.unescape(
            (await paul.get("/mes-dossiers")).text)


async def test_a_relative_is_told_on_every_page_whose_dossier_it_is_and_what_they_may_do_in_it(
        client, db, app, patient, camille):
    """A reader met pages where what he may not do was simply missing, and titles ("Historique · Carnet", read aloud
    at each page) that named no one (an outside probe's finds): the band says his role, each title the patient."""
    _, (irm, _) = camille
    url = f"/dossiers/{patient.dossier.id}"
    for level, role in (("lecture", "Lecture seule : vous lisez ce dossier sans pouvoir le modifier"),
                        ("gestion", "Vous gérez ce dossier")):
        code = await invitation_code(client, patient.dossier.id, level=level)
        async with new_caregiver(app, code, given="Hugo" if level == "lecture" else "Paul", family="Martin") as relative:
            pages = [url, f"/documents/{irm.id}", f"{url}/profil", f"{url}/soins", f"{url}/historique"]
            pages += [f"{url}/acces", f"{url}/proches"] if level == "gestion" else []
            for page in pages:
                response = await relative.get(page)
                assert response.status_code == 200 and f'<span class="small band-role">{role}</span>' in response.text, page
                title = re.search(r"<title>([^<]*)</title>", response.text).group(1)
                assert "Camille Martin" in title, (page, title)
    own = (await client.get(f"{url}/historique")).text
    assert "band-role" not in own and "Camille Martin" not in re.search(r"<title>([^<]*)</title>", own).group(1)
