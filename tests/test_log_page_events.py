"""The patient's Historique: every event in French, newest first, by day, and what is new since the last visit."""

import re
from datetime import datetime, time, timedelta

import pytest

from server.access import blocks, emergencies, hiding, share_codes
from server.accesslog import audit, days
from server.accesslog.audit import Actor
from server.models import LogVisit
from server.access.reading import open_document, open_dossier
from server.templating import PARIS, date_fr
from tests.log_page_helpers import World, append, as_account, day_headers, log_lines, new_events, plain, professional


@pytest.fixture
async def world(db, app, patient):
    return await World().build(db, app, patient)


async def test_every_event_is_a_sentence_newest_first_by_sequence(client, db, world):
    await world.share_code_for_lea(db)
    await world.claire_is_medecin_traitant(db)
    await open_document(db, account=world.lea_account, document_id=world.irm.id)
    await open_dossier(db, account=world.claire_account, dossier_id=world.dossier.id)
    await open_document(db, account=world.claire_account, document_id=world.bilan.id, action="download")
    await hiding.set_hidden(db, document=world.bilan, hidden=True, actor=world.camille)
    await as_account(client, db, world.patient_account)
    page = (await client.get(world.url())).text
    lines = log_lines(page)
    assert [seq for seq, _, _ in lines] == [7, 6, 5, 4, 3, 2, 1]
    today = datetime.now(PARIS).date()
    code_day = plain(date_fr(today)).rsplit(" ", 1)[0]
    expected = [
        r"Vous avez masqué « Bilan sanguin » aux professionnels à \d+ h \d\d\.",
        r"Claire Bernard, médecin, a téléchargé « Bilan sanguin » à \d+ h \d\d, grâce à son rôle de médecin traitant\.",
        r"Claire Bernard, médecin, a consulté votre dossier à \d+ h \d\d, grâce à son rôle de médecin traitant\.",
        rf"Léa Fontaine, masseur-kinésithérapeute, a consulté « IRM du genou droit » à \d+ h \d\d, "
        rf"grâce au code de partage du {code_day} à \d+ h \d\d \(tous les documents, 1 mois\)\.",
        r"Vous avez déclaré Claire Bernard, médecin, comme médecin traitant à \d+ h \d\d\.",
        r"Léa Fontaine, masseur-kinésithérapeute, a utilisé un code de partage à \d+ h \d\d : "
        r"accès à tous les documents, 1 mois\.",
        r"Vous avez créé un code de partage \(tous les documents, 1 mois\) à \d+ h \d\d\.",
    ]
    for (_, _, text), pattern in zip(lines, expected, strict=True):
        assert re.fullmatch(pattern, text), text
    assert day_headers(page) == ["Aujourd'hui"]


async def test_reads_through_two_share_codes_of_one_day_each_name_their_code(client, db, world):
    """The patient made two codes this morning, Ordonnance at 9 h 05, then Ordonnance and Synthèse médicale: each read
    names the code it went through by the minute it was made and what it opened, as that code's own line says it."""
    made = {}
    for categories in ("ordonnance", "ordonnance,synthese"):
        code, row = await share_codes.create_share_code(db, dossier=world.dossier, categories=categories,
                                                        duration="1m", actor=world.camille)
        made[categories] = row.created_at.astimezone(PARIS)
        await share_codes.redeem_share_code(db, code=code, professional=world.lea,
                                            actor=Actor.professional(world.lea_account, world.lea))
        await open_dossier(db, account=world.lea_account, dossier_id=world.dossier.id)
    await as_account(client, db, world.patient_account)
    texts = [text for _, _, text in log_lines((await client.get(world.url())).text)]
    day = plain(date_fr(datetime.now(PARIS).date())).rsplit(" ", 1)[0]
    second, first = made["ordonnance,synthese"], made["ordonnance"]
    assert texts[0].endswith(f", grâce au code de partage du {day} à {second.hour} h {second:%M} (Ordonnance, "
                             "Synthèse médicale, 1 mois)."), texts[0]
    assert texts[3].endswith(f", grâce au code de partage du {day} à {first.hour} h {first:%M} (Ordonnance, "
                             "1 mois)."), texts[3]
    assert texts[2].startswith("Vous avez créé un code de partage (Ordonnance, Synthèse médicale, 1 mois)")
    assert texts[5].startswith("Vous avez créé un code de partage (Ordonnance, 1 mois)")


async def test_an_emergency_read_gives_its_reason(client, db, world):
    anne, anne_account = await professional(db, "Anne", "Roux", "médecin", 3)
    await emergencies.open_emergency(db, dossier=world.dossier, professional=anne, reason="Perte de connaissance sur la voie publique",
                                actor=Actor.professional(anne_account, anne))
    await open_document(db, account=anne_account, document_id=world.irm.id)
    await as_account(client, db, world.patient_account)
    texts = [text for _, _, text in log_lines((await client.get(world.url())).text)]
    assert re.fullmatch(r"Anne Roux, médecin, a consulté « IRM du genou droit » à \d+ h \d\d, en accès d'urgence "
                        r"\(motif : Perte de connaissance sur la voie publique\)\.", texts[0])
    assert re.fullmatch(r"Anne Roux, médecin, a ouvert votre dossier en accès d'urgence à \d+ h \d\d "
                        r"\(motif : Perte de connaissance sur la voie publique\)\.", texts[1])


async def test_events_fall_under_their_day(client, db, world, monkeypatch):
    today = datetime.now(PARIS).date()
    for days_ago in (10, 1):
        at = datetime.combine(today - timedelta(days=days_ago), time(12, 0), PARIS)
        monkeypatch.setattr(audit, "utcnow", lambda at=at: at)  # the chain's clock, as it read then
        await blocks.block(db, dossier=world.dossier, professional=world.lea, actor=world.camille)
        await blocks.unblock(db, dossier=world.dossier, professional=world.lea, actor=world.camille)
    monkeypatch.undo()
    await hiding.set_hidden(db, document=world.irm, hidden=True, actor=world.camille)
    await as_account(client, db, world.patient_account)
    page = (await client.get(world.url())).text
    old = today - timedelta(days=10)
    weekday = days.WEEKDAYS[old.weekday()]
    assert day_headers(page) == ["Aujourd'hui", "Hier", f"{weekday} {date_fr(old)}"]
    assert [seq for seq, _, _ in log_lines(page)] == [5, 4, 3, 2, 1]


# --- what is new ------------------------------------------------------------------------------


async def test_what_is_new_stands_out_once(client, app, db, world):
    await world.share_code_for_lea(db)
    await as_account(client, db, world.patient_account)
    await client.get(world.url())  # the patient saw the share code and its use
    await open_document(db, account=world.lea_account, document_id=world.irm.id)
    await open_document(db, account=world.lea_account, document_id=world.bilan.id)
    await hiding.set_hidden(db, document=world.irm, hidden=True, actor=world.camille)  # her own: never "new"
    assert await new_events(db, world) == 2
    first = (await client.get(world.url())).text
    assert [(seq, new) for seq, new, _ in log_lines(first)] == [(5, False), (4, True), (3, True), (2, False), (1, False)]
    assert "2 nouveaux événements" in plain(first) and first.count(">Nouveau</span>") == 2
    await db.commit()
    visit = await db.get(LogVisit, (world.patient_account.id, world.dossier.id), populate_existing=True)
    assert visit.seen_seq == 5
    assert await new_events(db, world) == 0
    # Filtering, or scrolling, from the page that showed them keeps them marked (the page says what it had seen).
    fragment = await client.get(world.url("?type=consultations"),
                                headers={"HX-Request": "true", "HX-Target": "log-results", "x-log-seen": "2"})
    assert [(seq, new) for seq, new, _ in log_lines(fragment.text)] == [(4, True), (3, True)]
    second = (await client.get(world.url())).text
    assert not any(new for _, new, _ in log_lines(second)) and "Nouveau" not in second
    await open_document(db, account=world.lea_account, document_id=world.bilan.id, action="download")
    assert await new_events(db, world) == 1
    third = (await client.get(world.url())).text
    assert [(seq, new) for seq, new, _ in log_lines(third)][:2] == [(6, True), (5, False)]
    badge = app.template_engine.get_template("partials/log_badge.html")
    assert badge.render(new_events=3).strip().endswith('<span class="badge log-badge">3 nouveaux événements</span>')
    assert "1 nouvel événement<" in badge.render(new_events=1) and badge.render(new_events=0).strip() == ""


async def test_more_new_events_than_the_count_asks_are_said_as_more_than_99(client, db, world):
    """The count stops at 100 (it costs what it says, not what the log weighs): the page says "plus de 99", not a
    hundred when there were 117 (an outside probe's find)."""
    await as_account(client, db, world.patient_account)
    await client.get(world.url())
    lea = Actor.professional(world.lea_account, world.lea)
    for _ in range(117):
        await append(db, world.dossier.id, "read", lea, right="share_code", document=world.irm)
    page = plain((await client.get(world.url())).text)
    assert "<strong>Plus de 99 nouveaux événements</strong> depuis votre dernière visite." in page
    assert "100 nouveaux" not in page


async def test_fragments_never_count_as_a_visit(client, db, world):
    await world.share_code_for_lea(db)
    await as_account(client, db, world.patient_account)
    await client.get(world.url(), headers={"HX-Request": "true", "HX-Target": "log-results"})
    await client.get(world.url(".csv"))
    await client.get(world.url("/imprimer"))
    assert await new_events(db, world) == 1
