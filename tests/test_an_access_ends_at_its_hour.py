"""An access ends at the hour it was given: "1 jour" the next day at that hour, a month's on its last day at that
hour. Near its end, the pages say the hour; "jusqu'au 6 décembre" alone read as the whole day to a pharmacist whose
access ended at 20 h 37 (an outside probe's find)."""

import html
import re
from datetime import timedelta

from sqlmodel import select

from server.models import Grant, utcnow
from server.templating import datetime_fr, long_date
from tests.conftest import activate, post_form
from tests.test_professional_access import past, rows, share_code, signed_in


def text_of(page) -> str:
    """The page's words as a person reads them: no tags, every space one."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).replace("\u00a0", " ").split())


def said(moment) -> str:
    return " ".join(moment.replace("\u00a0", " ").split())


async def test_a_patient_gives_one_day_and_both_sides_read_its_hour(client, pro_client, db, patient):
    await activate(client, patient)
    form = text_of(await client.get(f"/dossiers/{patient.dossier.id}/partage"))
    assert "1 jour" in form
    made = await post_form(client, f"/dossiers/{patient.dossier.id}/partage",
                           {"portee": "categories", "categories": ["ordonnance", "vaccination"], "duree": "1j"},
                           follow_redirects=False)
    shown = await client.get(made.headers["location"])
    code = re.search(r'<p class="code"[^>]*>([^<]+)</p>', shown.text).group(1)
    assert "pendant 1 jour" in text_of(shown)

    me, _account = await signed_in(pro_client, db, given_name="Sophie", family_name="Garnier", profession="pharmacien",
                                   feminine=True)
    opened = await post_form(pro_client, "/pro/code", {"code": code}, follow_redirects=False)
    assert opened.status_code == 303
    [grant] = await rows(db, select(Grant).where(Grant.professional_id == me.professional.id))
    assert grant.ends_at - grant.starts_at == timedelta(days=1)  # no change of time in December
    until = said(datetime_fr(grant.ends_at))
    assert f"Ordonnance, Vaccination, jusqu'au {until}." in text_of(await pro_client.get(f"/dossiers/{patient.dossier.id}"))
    assert f"accès accordé jusqu'au {until} (ordonnance, vaccination)" in text_of(await pro_client.get("/pro"))
    assert f"Accès jusqu'au {until}" in text_of(await client.get(f"/dossiers/{patient.dossier.id}/acces"))


async def test_a_months_access_says_its_hour_on_its_last_day_and_only_its_day_before(pro_client, db, patient):
    me, _account = await signed_in(pro_client, db, profession="pharmacien")
    code, _row = await share_code(db, patient.dossier, categories="ordonnance", duration="1m")
    await post_form(pro_client, "/pro/code", {"code": code}, follow_redirects=False)
    [grant] = await rows(db, select(Grant).where(Grant.professional_id == me.professional.id))
    far = said(long_date(grant.ends_at))
    banner = text_of(await pro_client.get(f"/dossiers/{patient.dossier.id}"))
    assert f"jusqu'au {far}." in banner  # a month away: its day is enough
    soon = utcnow() + timedelta(hours=1)
    await past(db, Grant, grant.id, ends_at=soon)
    banner = text_of(await pro_client.get(f"/dossiers/{patient.dossier.id}"))
    assert f"jusqu'au {said(datetime_fr(soon))}." in banner


async def test_a_relative_is_not_invited_for_a_day(client, db, patient):
    await activate(client, patient)
    page = text_of(await client.get(f"/dossiers/{patient.dossier.id}/proches"))
    assert "1 mois" in page and "1 jour" not in page


async def test_the_patient_reads_on_her_access_page_that_an_access_ended_by_itself(client, pro_client, db, patient):
    """Past its end, the pharmacist's line left the Accès page, and nothing said she no longer read the dossier."""
    await activate(client, patient)
    me, _account = await signed_in(pro_client, db, given_name="Sophie", family_name="Garnier", profession="pharmacien",
                                   feminine=True)
    code, _row = await share_code(db, patient.dossier, categories="ordonnance", duration="1m")
    await post_form(pro_client, "/pro/code", {"code": code}, follow_redirects=False)
    [grant] = await rows(db, select(Grant).where(Grant.professional_id == me.professional.id))
    page = text_of(await client.get(f"/dossiers/{patient.dossier.id}/acces"))
    assert "Sophie Garnier" in page and "Accès terminés" not in page
    ended = utcnow() - timedelta(hours=1)
    await past(db, Grant, grant.id, ends_at=ended)
    page = text_of(await client.get(f"/dossiers/{patient.dossier.id}/acces"))
    assert "Accès terminés" in page
    assert f"Sophie Garnier pharmacienne Accès terminé le {said(datetime_fr(ended))}" in page
    # A month later, it is the Historique's alone to tell.
    await past(db, Grant, grant.id, ends_at=utcnow() - timedelta(days=31))
    page = text_of(await client.get(f"/dossiers/{patient.dossier.id}/acces"))
    assert "Sophie Garnier" not in page and "Accès terminés" not in page
