"""Changing a professional's access keeps its end unless another duration is chosen: narrowing what a kiné sees with
"1 mois" chosen again started a new month from that day, longer than the patient had given (a probe's find). The page
offers "Jusqu'au …, comme maintenant", chosen as it opens; the server reads the end from the grants that hold when
the change is made, never from the form."""

from __future__ import annotations

import html
import re

from server.access import durations, grants
from server.i18n.formats import date_fr, datetime_fr
from server.models import Grant, utcnow
from tests.conftest import activate, post_form
from tests.patient_helpers import CAMILLE, Log, fresh, professional


def said(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


async def given_access(client, db, patient, *, duration: str, categories: str = "") -> tuple[object, Grant, str]:
    """A kiné given access for `duration`, the patient signed in on `client`: the kiné, the grant, her page."""
    kine = await professional(db)
    given = await grants.grant_access(db, dossier=patient.dossier, professional=kine, categories=categories,
                                      duration=duration, actor=CAMILLE)
    await activate(client, patient)
    return kine, given, f"/dossiers/{patient.dossier.id}/professionnels/{kine.id}"


async def current(db, patient, kine) -> list[Grant]:
    return await grants.current_grants(db, dossier_id=patient.dossier.id, professional_id=kine.id, now=utcnow())


async def test_narrowing_an_access_keeps_its_end_and_the_historique_says_until_when(client, db, patient):
    kine, given, about = await given_access(client, db, patient, duration="3m", categories="compte_rendu,ordonnance")
    ends = (await fresh(db, Grant, given.id)).ends_at

    page = await client.get(about)
    kept = " ".join(f"Jusqu'au {datetime_fr(ends)}, comme maintenant".split())  # as said() reads it
    assert kept in said(page)
    assert re.search(r'<input type="radio" name="duree" value="garder" required checked', page.text), page.text

    async with Log(db, patient.dossier.id) as log:
        changed = await post_form(client, f"{about}/acces", {"portee": "categories", "categories": ["ordonnance"],
                                                             "duree": durations.KEEP}, follow_redirects=False)
    assert changed.status_code == 303 and changed.headers["location"].endswith("?fait=acces-modifie")
    [now] = await current(db, patient, kine)
    assert (now.categories, now.ends_at) == ("ordonnance", ends) and now.id != given.id
    assert log.actions == ["grant"]
    assert f" : Ordonnance, valable jusqu'au {date_fr(ends)}\n" in log.new[0].detail, log.new[0].detail

    historique = f"/dossiers/{patient.dossier.id}/historique"
    assert "Ordonnance, valable jusqu'au" in said(await client.get(historique))
    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    assert "Prescription, valid until" in said(await client.get(historique))


async def test_another_duration_still_starts_from_today(client, db, patient):
    kine, _given, about = await given_access(client, db, patient, duration="1j")
    await post_form(client, f"{about}/acces", {"portee": "tout", "duree": "1a"})
    [now] = await current(db, patient, kine)
    assert now.ends_at == durations.grant_end("1a", now.starts_at)


async def test_an_access_without_end_is_changed_without_end_and_offers_no_end_to_keep(client, db, patient):
    kine, _given, about = await given_access(client, db, patient, duration="sans")
    page = await client.get(about)
    assert 'value="garder"' not in page.text
    assert re.search(r'<input type="radio" name="duree" value="sans" required checked', page.text)
    await post_form(client, f"{about}/acces", {"portee": "categories", "categories": ["biologie"],
                                               "duree": durations.KEEP})
    [now] = await current(db, patient, kine)
    assert (now.categories, now.ends_at) == ("biologie", None)


async def test_keeping_an_end_that_is_gone_is_refused_in_french_and_writes_nothing(client, db, patient):
    """Revoked in another tab meanwhile (or ended at its hour): there is no end to keep; nothing is given back."""
    kine, given, about = await given_access(client, db, patient, duration="1m")
    await grants.revoke_grant(db, dossier=patient.dossier, grant_id=given.id, actor=CAMILLE)
    async with Log(db, patient.dossier.id) as log:
        refused = await post_form(client, f"{about}/acces", {"portee": "tout", "duree": durations.KEEP})
    assert refused.status_code == 400
    assert "Cet accès a pris fin entre-temps : choisissez pour combien de temps le redonner." in said(refused)
    assert log.actions == []
    assert await current(db, patient, kine) == []


async def test_a_share_code_has_no_end_to_keep(client, db, patient):
    await activate(client, patient)
    refused = await post_form(client, f"/dossiers/{patient.dossier.id}/partage", {"portee": "tout",
                                                                               "duree": durations.KEEP})
    assert refused.status_code == 400 and "Choisissez une durée." in refused.text
