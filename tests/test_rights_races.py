"""Changes of rights and professionals' reads at the same moment, on both engines: each action checks what it
changes under the dossier's chain lock, taken before its first read (audit.begin_chained). On SQLite the whole
database was already one writer at a time; on PostgreSQL an outside probe found two grants given at once both
current (a revoke then left one working), eight revokes of one grant logged eight times, and a professional's
reads logged after the revoke they raced."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from server.auth.accounts import account_for_patient
from server.models import AccessEvent, Grant, utcnow
from server.auth.sessions import start_session
from tests.conftest import (
    ORIGIN, AsyncTestClient, activate, activate_professional, add_text_document, new_professional, post_form, set_cookie,
)

GIVE = {"portee": "tout", "duree": "1a"}


async def current_grants(db, dossier_id: str, professional_id: str) -> list[Grant]:
    await db.commit()  # the test's own session, out of the transaction it read in
    now = utcnow()
    grants = (await db.exec(select(Grant).where(Grant.dossier_id == dossier_id, Grant.professional_id == professional_id,
                                                Grant.revoked_at.is_(None)))).all()
    return [g for g in grants if g.ends_at is None or g.ends_at > now]


async def actions(db, dossier_id: str) -> list[str]:
    await db.commit()
    return list((await db.exec(select(AccessEvent.action).where(AccessEvent.dossier_id == dossier_id)
                                .order_by(AccessEvent.seq))).all())


async def test_grants_and_revokes_sent_at_once_leave_one_grant_and_one_revoke(app, db, patient):
    kine = await new_professional(db, stem=2)
    document = await add_text_document(db, app, patient.dossier, title="IRM du genou droit", category="imagerie")
    dossier = patient.dossier.id
    async with (AsyncTestClient(app, base_url=ORIGIN) as tab, AsyncTestClient(app, base_url=ORIGIN) as other_tab,
                AsyncTestClient(app, base_url=ORIGIN) as lea):
        await activate(tab, patient)
        account = await account_for_patient(db, patient=patient.patient)
        set_cookie(other_tab, "carnet_session", await start_session(db, account=account, authenticated=True))
        await activate_professional(lea, kine)
        url = f"/dossiers/{dossier}/professionnels/{kine.professional.id}/acces"
        for _ in range(3):  # "Le nouvel accès remplace l'actuel", however many are sent at once
            sent = await asyncio.gather(*(post_form(browser, url, GIVE, follow_redirects=False)
                                          for browser in (tab, other_tab, tab, other_tab)))
            assert [answer.status_code for answer in sent] == [303] * 4
            assert len(await current_grants(db, dossier, kine.professional.id)) == 1
        [grant] = await current_grants(db, dossier, kine.professional.id)

        # The one revoke that counts, logged once; the professional reads nothing after it.
        before = await actions(db, dossier)
        revoke = f"/dossiers/{dossier}/acces/{grant.id}/revocation"
        reads = [lea.get(url) for _ in range(3) for url in (f"/dossiers/{dossier}", f"/documents/{document.id}")]
        answers = await asyncio.gather(*(post_form(browser, revoke, {}, follow_redirects=False)
                                         for browser in (tab, other_tab, tab)), *reads)
        assert all(answer.status_code in (303, 404) for answer in answers[:3])
        assert all(answer.status_code in (200, 403, 404) for answer in answers[3:])  # 403: the dossier, ended
        after = (await actions(db, dossier))[len(before):]
        assert after.count("revoke") == 1
        read = [action for action in after if action in ("read_timeline", "read_document")]
        assert not set(read) & set(after[after.index("revoke"):])  # every read allowed was logged before it
        assert len(read) == [answer.status_code for answer in answers[3:]].count(200)
        assert (await lea.get(f"/dossiers/{dossier}")).status_code == 403  # told that her access ended
        assert await current_grants(db, dossier, kine.professional.id) == []
