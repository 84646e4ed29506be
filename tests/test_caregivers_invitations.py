"""Invitations: accepted with an account or without, a newcomer's name refused, a code used, expired or guessed."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from tests.conftest import AsyncTestClient
from sqlmodel import select

from server.auth.accounts import account_for_patient
from server.models import Account, CaregiverInvitation, Delegation, utcnow
from tests.caregiver_helpers import as_account, invitation_code, new_caregiver, words_of
from tests.caregiver_helpers import camille, family  # noqa: F401 - fixtures
from tests.conftest import ORIGIN, new_patient, post_form, wrong_fields


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


async def test_the_invitation_page_says_a_refusal_before_offering_to_accept(client, db, app, patient, camille):
    """Camille types the code of her own invitation on /invitation: the page said "Camille Martin vous invite…" with
    "Accepter l'invitation", refused only once tapped (an outside tester's find). The refusal is said at once, with no
    button; the same for a relative who already follows the dossier, and for a closed dossier."""
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    own = await post_form(client, "/invitation", {"code": code})
    said = " ".join(words_of(own).split())
    assert own.status_code == 200
    assert "C'est vous qui avez fait cette invitation : donnez-la à la personne que vous invitez." in said
    assert "vous invite à" not in said and "Accepter l'invitation" not in said
    assert "/invitation/acceptation" not in own.text
    async with new_caregiver(app, code) as paul:
        follows = await post_form(paul, "/invitation", {"code": await invitation_code(client, patient.dossier.id,
                                                                                      level="lecture")})
        assert "Vous suivez déjà ce dossier (lecture seule)" in words_of(follows)  # new terms: still his to accept
        assert "Accepter l'invitation" in words_of(follows)
    # A closed dossier: the invitation is shown, with why it cannot be accepted now.
    other = await invitation_code(client, patient.dossier.id)
    assert (await post_form(client, f"/dossiers/{patient.dossier.id}/fermeture", {},
                            follow_redirects=False)).status_code == 303
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    async with AsyncTestClient(app, base_url=ORIGIN) as his:
        await as_account(his, db, await account_for_patient(db, patient=hugo.patient))
        closed = " ".join(words_of(await post_form(his, "/invitation", {"code": other})).split())
    assert "Camille Martin vous invite à l'aider à suivre son dossier" in closed
    assert "Ce dossier est fermé : l'invitation ne peut pas être acceptée pour l'instant." in closed
    assert "Accepter l'invitation" not in closed


async def test_the_invitation_page_speaks_to_someone_logged_out_in_one_voice(client, app, patient, camille):
    """"J'ai déjà un compte Carnet : me connecter, puis revenez sur cette invitation." began as the person speaking,
    then told them what to do (an outside tester's find): the way back said as the link is, in her words."""
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with AsyncTestClient(app, base_url=ORIGIN) as hers:
        said = " ".join(words_of(await post_form(hers, "/invitation", {"code": code})).split())
    assert "J'ai déjà un compte Carnet : me connecter, puis revenir à cette invitation." in said


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
