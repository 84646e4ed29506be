"""Codes never used, and links past their end, are erased (GDPR art. 5.1.c and e: no more, and no longer, than
needed): they stayed for ever, each with its secret. A share code no one redeemed or an invitation no one accepted goes
a day after it ended, an activation code never used 30 days after (each module's *_KEPT says why that long); a SMART
Health Link never opened goes 30 days after it expired, an opened one keeps what the patient's page says of it, not its
key nor its passcode's hash; the API's tokens go once they can serve no more. Used codes stay. An erased code is
refused as one that never was; the Historique and the patient's pages read the same after the purge; "Vos données et
vos droits" states each period from the constant that enforces it."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from server.access import share_codes
from server.accesslog import audit
from server.accesslog.audit import Actor
from server.auth.accounts import UNUSED_ACTIVATION_KEPT, account_for_patient, issue_activation_code
from server.caregivers import invitations
from server.fhir.tokens import CLOCK_SKEW
from server.housekeeping import purge_expired
from server.models import (
    ActivationCode, ApiAssertion, ApiClient, ApiToken, CaregiverInvitation, ShareCode, ShareLink, Throttle, clock_at,
    utcnow,
)
from server.shlinks.links import ENDED_KEPT, ERASED
from tests.conftest import (
    ORIGIN, AsyncTestClient, activate, activate_professional, login, new_patient, new_professional, post_form,
    without_csrf,
)
from tests.patient_helpers import CAMILLE, MISSING, Plans, fresh, migrate, professional, same_404
from tests.shlink_helpers import MISSING_LINK, fetch, make_link, payload_of

SECOND = timedelta(seconds=1)
JULIE = Actor(None, "professional", "Julie Moreau", profession="masseur-kinésithérapeute")


async def purge(db, now):
    return await purge_expired(db, idle=timedelta(minutes=30), max_age=timedelta(hours=12), now=now)


async def kept(db, model, *ids) -> list[bool]:
    return [await fresh(db, model, id_) is not None for id_ in ids]


async def hugo(db):
    return await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 7, 23), serial=2, sex="M")


def same_answer(one, typed_one: str, other, typed_other: str) -> None:
    """Two answers a person cannot tell apart, but for the code each typed, which the form gives back."""
    assert one.status_code == other.status_code
    assert (without_csrf(one.text.replace(typed_one, "<code>"))
            == without_csrf(other.text.replace(typed_other, "<code>")))


# --- each kind, at the edges -------------------------------------------------------------------------------------


async def test_a_share_code_no_one_used_goes_a_day_after_it_ended_and_a_used_one_stays(db, patient):
    dossier = patient.dossier
    _, cancelled = await share_codes.create_share_code(db, dossier=dossier, categories="", duration="sans",
                                                       actor=CAMILLE)
    assert await share_codes.cancel_share_code(db, share_code_id=cancelled.id, dossier=dossier, actor=CAMILLE)
    _, waiting = await share_codes.create_share_code(db, dossier=dossier, categories="", duration="sans", actor=CAMILLE)
    code, used = await share_codes.create_share_code(db, dossier=dossier, categories="", duration="1m", actor=CAMILLE)
    await share_codes.redeem_share_code(db, code=code, professional=await professional(db), actor=JULIE)
    cancelled, waiting = await fresh(db, ShareCode, cancelled.id), await fresh(db, ShareCode, waiting.id)
    # A cancelled code ended when it was cancelled.
    assert (await purge(db, cancelled.expires_at + share_codes.UNUSED_KEPT)).share_codes == 0
    assert (await purge(db, waiting.expires_at + share_codes.UNUSED_KEPT)).share_codes == 1
    assert await kept(db, ShareCode, cancelled.id, waiting.id, used.id) == [False, True, True]
    assert (await purge(db, waiting.expires_at + share_codes.UNUSED_KEPT + SECOND)).share_codes == 1
    # Used, it stays whatever its age: its grant names it.
    assert (await purge(db, utcnow() + timedelta(days=3650))).share_codes == 0
    assert await kept(db, ShareCode, waiting.id, used.id) == [False, True]


async def test_an_invitation_no_one_accepted_goes_a_day_after_it_expired_cancelled_or_not(db, patient):
    account = await account_for_patient(db, patient=patient.patient)
    made = []
    for _ in range(3):
        _, invitation = await invitations.invite(db, dossier=patient.dossier, account=account, actor=CAMILLE,
                                                 level="lecture", duration="sans")
        made.append(invitation.id)
    cancelled, waiting, accepted = made
    await invitations.cancel(db, dossier=patient.dossier, invitation_id=cancelled, actor=CAMILLE)
    relative = await account_for_patient(db, patient=(await hugo(db)).patient)
    await invitations.accept(db, invitation_id=accepted, account=relative)
    # A cancelled invitation keeps its date: it goes when it would have expired, and a day more.
    first, second = [(await fresh(db, CaregiverInvitation, id_)).expires_at + invitations.UNUSED_KEPT
                     for id_ in (cancelled, waiting)]
    assert (await purge(db, first)).invitations == 0
    assert (await purge(db, second)).invitations == 1
    assert await kept(db, CaregiverInvitation, cancelled, waiting, accepted) == [False, True, True]
    assert (await purge(db, second + SECOND)).invitations == 1
    assert (await purge(db, utcnow() + timedelta(days=3650))).invitations == 0
    assert await kept(db, CaregiverInvitation, waiting, accepted) == [False, True]


async def test_an_activation_code_never_used_goes_30_days_after_it_expired_replaced_or_not(client, db, patient):
    await activate(client, patient)  # her code is used
    await issue_activation_code(db, patient=(await hugo(db)).patient, issued_by="test")  # his first code is replaced
    codes = (await db.exec(select(ActivationCode).order_by(ActivationCode.created_at))).all()
    used, replaced, newest = codes
    assert used.used_at and replaced.revoked_at and not newest.revoked_at
    first, second = replaced.expires_at + UNUSED_ACTIVATION_KEPT, newest.expires_at + UNUSED_ACTIVATION_KEPT
    assert (await purge(db, first)).activation_codes == 0
    assert (await purge(db, second)).activation_codes == 1
    assert await kept(db, ActivationCode, replaced.id, newest.id, used.id) == [False, True, True]
    assert (await purge(db, second + SECOND)).activation_codes == 1
    # Used, it stays: it tells whoever did not use it when it served.
    assert (await purge(db, utcnow() + timedelta(days=3650))).activation_codes == 0
    assert await kept(db, ActivationCode, newest.id, used.id) == [False, True]


async def test_a_link_never_opened_goes_30_days_after_it_expired_and_an_opened_one_keeps_its_line_not_its_secrets(
        app, db, patient):
    unopened = await make_link(db, patient, label="Jamais ouvert", passcode="soleil-2024")
    opened = await make_link(db, patient, label="Voyage au Portugal", passcode="lisbonne-2024")
    plain = await make_link(db, patient, label="Sans code")
    assert (await fetch(app, payload_of(opened), passcode="lisbonne-2024")).status_code == 200
    assert (await fetch(app, payload_of(plain))).status_code == 200
    assert (await purge(db, unopened.expires_at + ENDED_KEPT)).links == 0
    purged = await purge(db, plain.expires_at + ENDED_KEPT + SECOND)
    assert (purged.links, purged.link_keys) == (1, 2)
    assert await kept(db, ShareLink, unopened.id) == [False]
    opened, plain = await fresh(db, ShareLink, opened.id), await fresh(db, ShareLink, plain.id)
    # What the patient's page says of it stays: its name, its openings, that it had a passcode.
    assert (opened.label, opened.fetch_count, opened.key, opened.passcode_hash) == ("Voyage au Portugal", 1, b"",
                                                                                     ERASED)
    assert (plain.fetch_count, plain.key, plain.passcode_hash) == (1, b"", "")
    again = await purge(db, utcnow() + timedelta(days=3650))
    assert (again.links, again.link_keys) == (0, 0)


async def test_the_apis_tokens_go_once_expired_and_an_assertion_once_it_can_no_longer_be_exchanged(db):
    software = ApiClient(kind="insurer", name="Flux de l'Assurance Maladie", jwk="{}")
    db.add(software)
    await db.commit()
    now = utcnow()
    db.add_all([ApiToken(token_hash="a" * 64, client_id=software.id, scopes="", expires_at=now),
                ApiToken(token_hash="b" * 64, client_id=software.id, scopes="", expires_at=now + SECOND),
                # Refused as expired from its expires_at on, to the second: kept one clock skew more.
                ApiAssertion(key="c" * 64, expires_at=now - CLOCK_SKEW - SECOND),
                ApiAssertion(key="d" * 64, expires_at=now - CLOCK_SKEW)])
    await db.commit()
    assert (await purge(db, now)).tokens == 2
    assert (await db.exec(select(ApiToken.token_hash))).all() == ["b" * 64]
    assert (await db.exec(select(ApiAssertion.key))).all() == ["d" * 64]


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
async def test_each_round_reads_the_unused_codes_and_the_links_that_hold_a_key_through_their_indexes(app, db, patient):
    with Plans(app.state.engine, deletes=True) as seen:
        await purge(db, utcnow())
    for table in ("sharecode", "caregiverinvitation", "activationcode"):
        plan = seen.of(f"DELETE FROM {table} ")
        assert f"USING INDEX ix_{table}_unused_expiry (expires_at<?)" in plan, plan
    for statement in ("DELETE FROM sharelink ", "UPDATE sharelink "):
        assert "USING INDEX ix_sharelink_keyed_expiry (expires_at<?)" in seen.of(statement)


# --- what a person is answered ----------------------------------------------------------------------------------


async def test_an_erased_activation_code_is_answered_as_a_wrong_code_where_an_expired_one_said_so(client, db):
    with clock_at(utcnow() - timedelta(days=30) - UNUSED_ACTIVATION_KEPT - timedelta(minutes=1)):
        person = await hugo(db)  # his letter's code, valid 30 days
    typed = {"code": person.code, "birth_date": "23/07/1950"}
    expired = await post_form(client, "/activer", typed)
    assert expired.status_code == 400 and "Ce code d'activation a expiré" in html.unescape(expired.text)
    assert (await purge(db, utcnow())).activation_codes == 1
    counted = select(Throttle.failures).where(Throttle.key.startswith("activation-client:"))
    erased = await post_form(client, "/activer", typed)
    assert (await db.exec(counted)).one() == 2 and (await db.exec(select(ActivationCode))).all() == []
    await db.commit()
    wrong = await post_form(client, "/activer", {**typed, "code": "AAAA-BBBB-CCCC"})
    assert (await db.exec(counted)).one() == 3  # counted as any wrong code is
    same_answer(erased, person.code, wrong, "AAAA-BBBB-CCCC")
    assert "ne correspondent pas" in erased.text


async def test_an_erased_share_code_invitation_or_link_is_refused_as_one_that_never_was(client, app, db, patient):
    account = await account_for_patient(db, patient=patient.patient)
    with clock_at(utcnow() - ENDED_KEPT - timedelta(days=8)):
        code, _ = await share_codes.create_share_code(db, dossier=patient.dossier, categories="", duration="sans",
                                                      actor=CAMILLE)
        invited, _ = await invitations.invite(db, dossier=patient.dossier, account=account, actor=CAMILLE,
                                              level="lecture", duration="sans")
        link = await make_link(db, patient, duration="7j")
    purged = await purge(db, utcnow())
    assert (purged.share_codes, purged.invitations, purged.links) == (1, 1, 1)
    async with AsyncTestClient(app, base_url=ORIGIN) as relative:
        erased, never = [await post_form(relative, "/invitation", {"code": typed})
                         for typed in (invited, "ABCD-EFGH-JKMN")]
    same_answer(erased, invited, never, "ABCD-EFGH-JKMN")
    assert erased.status_code == 400
    await activate_professional(client, await new_professional(db))
    erased, never = [await post_form(client, "/pro/code", {"code": typed}) for typed in (code, "ZZZZZZ")]
    same_answer(erased, code, never, "ZZZZZZ")
    assert erased.status_code == 400 and "n'est pas valable" in html.unescape(erased.text)
    gone = await fetch(app, payload_of(link))
    unknown = await fetch(app, {"url": f"{ORIGIN}/shl/{MISSING_LINK}/manifest"})
    assert gone.status_code == unknown.status_code == 404 and gone.json() == unknown.json()


async def test_a_share_code_erased_while_a_professional_types_it_is_refused_not_an_error(
        client, app, db, patient, monkeypatch):
    with clock_at(utcnow() - share_codes.UNUSED_KEPT - timedelta(hours=1)):
        code, row = await share_codes.create_share_code(db, dossier=patient.dossier, categories="", duration="sans",
                                                        actor=CAMILLE)
    await activate_professional(client, await new_professional(db))
    begin_chained = audit.begin_chained

    async def purged_meanwhile(session, **kwargs):
        """Housekeeping's round, between the code's first read and the chain's lock."""
        async with app.state.sessionmaker() as other:
            await purge(other, utcnow())
        await begin_chained(session, **kwargs)

    monkeypatch.setattr(audit, "begin_chained", purged_meanwhile)
    answer = await post_form(client, "/pro/code", {"code": code})
    monkeypatch.setattr(audit, "begin_chained", begin_chained)
    assert await kept(db, ShareCode, row.id) == [False]
    never = await post_form(client, "/pro/code", {"code": "ZZZZZZ"})
    same_answer(answer, code, never, "ZZZZZZ")


# --- what still reads them ---------------------------------------------------------------------------------------


def link_line(page: str, label: str) -> str:
    [line] = [li for li in re.findall(r'<li class="access-line">.*?</li>', page, re.S) if label in li]
    return line


async def test_the_historique_and_the_patients_pages_read_the_same_after_the_purge(client, app, db, monkeypatch):
    """Forty days ago Camille gave a code to her kinésithérapeute, made one she cancelled and one no one used, invited
    her husband, then took it back, made a health link she gave to a hospital and one no one opened."""
    with clock_at(utcnow() - timedelta(days=40)):
        camille = await new_patient(db)
        dossier = camille.dossier.id
        authenticator = await activate(client, camille)
        made = [(await post_form(client, f"/dossiers/{dossier}/partage", {"portee": "tout", "duree": "sans"},
                                 follow_redirects=False)).headers["location"] for _ in range(3)]
        used, cancelled, unused = made
        code = re.search(r'<p class="code"[^>]*>([^<]+)</p>', (await client.get(used)).text).group(1)
        await share_codes.redeem_share_code(db, code=code, professional=await professional(db), actor=JULIE)
        assert (await post_form(client, f"{cancelled}/annulation", {})).status_code == 200
        invited = await post_form(client, f"/dossiers/{dossier}/proches/invitations", {"niveau": "lecture",
                                                                                        "duree": "sans"})
        invitation = re.search(r'action="(/invitations/[0-9a-f]{32})/annulation"', invited.text).group(1)
        assert (await post_form(client, f"{invitation}/annulation", {})).status_code == 200
        for label, passcode in (("Voyage au Portugal", "lisbonne-2024"), ("Jamais ouvert", "")):
            link = {"contenu": "emergency", "nom": label, "code": passcode, "duree": "7j"}
            assert (await post_form(client, f"/dossiers/{dossier}/liens-sante", link)).status_code == 200
        [opened] = (await db.exec(select(ShareLink).where(ShareLink.label == "Voyage au Portugal"))).all()
        assert (await fetch(app, payload_of(opened), passcode="lisbonne-2024")).status_code == 200
    await login(client, authenticator)
    base = f"/dossiers/{dossier}"
    monkeypatch.setattr("server.views.log.PAGE_SIZE", 5)
    historique = (await client.get(f"{base}/historique")).text
    for _ in range(100):  # her visit recorded (visits.record_visit lets a busy moment pass): nothing new on the next
        if "is-new" not in (await client.get(f"{base}/historique")).text:  # read, before the purge as after it
            break
    older = html.unescape(re.search(r'class="more button secondary block" href="([^"#]+)', historique).group(1))
    pages = [f"{base}/historique", older, f"{base}/historique.csv", f"{base}/acces", f"{base}/proches", used]

    async def read() -> list[str]:
        return [without_csrf((await client.get(url)).text) for url in pages]

    before, links_before = await read(), (await client.get(f"{base}/liens-sante")).text
    for words in ("Code utilisé par Julie Moreau", "Vous avez annulé un code de partage", "Lien de partage ouvert"):
        assert any(words in html.unescape(page) for page in before), words
    purged = await purge(db, utcnow())
    assert (purged.share_codes, purged.invitations, purged.links, purged.link_keys) == (2, 1, 1, 1)
    assert await read() == before
    links_after = (await client.get(f"{base}/liens-sante")).text
    # Its key and passcode's hash are gone, not what the page says of them.
    assert link_line(links_after, "Voyage au Portugal") == link_line(links_before, "Voyage au Portugal")
    assert "avec code d'accès" in html.unescape(link_line(links_after, "Voyage au Portugal"))
    assert (await fresh(db, ShareLink, opened.id)).passcode_hash == ERASED
    assert "Jamais ouvert" in links_before and "Jamais ouvert" not in links_after
    # An erased code's or invitation's page is no page, as one that never was.
    await same_404(client, unused, f"/partage/{MISSING}")
    await same_404(client, invitation, f"/invitations/{MISSING}")


async def test_your_data_page_states_each_new_period_from_the_constant_that_enforces_it(client, monkeypatch):
    said = html.unescape((await client.get("/vos-donnees")).text)
    for words in ("un code de partage est effacé 24 heures après avoir expiré ou avoir été annulé",
                  "l'invitation d'un proche 24 heures après la fin de sa validité",
                  "un code d'activation 30 jours après la fin de sa validité",
                  "30 jours après la date où il expire, désactivé ou non, un lien jamais ouvert est effacé",
                  "sa clé et son code d'accès sont effacés",
                  "vos logiciels (l'API FHIR) valent 5 minutes"):
        assert words in said, words
    monkeypatch.setattr(share_codes, "UNUSED_KEPT", timedelta(days=2))
    monkeypatch.setattr("server.shlinks.links.ENDED_KEPT", timedelta(days=1))
    said = html.unescape((await client.get("/vos-donnees")).text)
    assert "un code de partage est effacé 48 heures après" in said
    assert "1 jour après la date où il expire" in said


async def test_the_migration_indexes_what_housekeeping_reads_and_takes_it_back_keeping_every_code(app, db, patient):
    from alembic import command
    from sqlalchemy import inspect

    ours = {"ix_sharecode_unused_expiry", "ix_caregiverinvitation_unused_expiry", "ix_activationcode_unused_expiry",
            "ix_sharelink_keyed_expiry"}

    async def indexes() -> set[str]:
        async with app.state.engine.connect() as connection:
            return await connection.run_sync(lambda sync: {index["name"] for table in (
                "sharecode", "caregiverinvitation", "activationcode", "sharelink")
                for index in inspect(sync).get_indexes(table)})

    await migrate(app, command.downgrade, "0048")  # 0049 and those after it
    assert not ours & await indexes()
    await migrate(app, command.upgrade, "head")
    assert ours <= await indexes()
    assert len((await db.exec(select(ActivationCode))).all()) == 1
