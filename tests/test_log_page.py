"""The patient's Historique: every event in French, newest first, by day, what is new, filters, paging,
CSV and printable exports; only the patient and their caregivers ever see it."""

import csv
import html
import io
import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from server.access import blocks, emergencies, hiding, share_codes
from server.access.medecin_traitant import set_medecin_traitant
from server.accesslog import audit, days, journal, pages, visits
from server.auth.accounts import account_for_patient, account_for_professional
from server.auth.sessions import start_session
from server.accesslog.audit import Actor, timestamp
from server.dossiers import create_professional
from server.identifiers import rpps_with_key
from server.accesslog.queries import LogFilters
from server.models import AccessEvent, Account, Delegation, LogVisit, ShareCode, utcnow
from server.access.reading import open_document, open_dossier
from server.templating import PARIS, date_fr
from tests.conftest import add_text_document, new_patient, set_cookie, without_csrf

MISSING = "0" * 32
LINE = re.compile(r'<li class="log-line( is-new)?" id="evenement-(\d+)">\s*(?:<span class="badge log-new">Nouveau</span><span class="visually-hidden"> :</span> )?'
                  r'<span class="log-text"[^>]*>(?:<span class="fit fit-\d+">)?(.*?)</span>', re.S)


def log_lines(page: str) -> list[tuple[int, bool, str]]:
    """(seq, new, sentence) for each line of the page, top to bottom."""
    return [(int(seq), bool(new), plain(text)) for new, seq, text in LINE.findall(page)]


async def new_events(db, world) -> int:
    """The count a whole Historique page of the patient's says ("N nouveaux événements"), as it asks it."""
    return (await visits.head_seen_and_new(db, account=world.patient_account, dossier=world.dossier))[2]


def plain(markup: str) -> str:
    """Text as read: entities decoded, no-break spaces (around « », inside "14 h 12") as spaces."""
    return html.unescape(markup).replace("\u00a0", " ").replace("\u202f", " ")


def day_headers(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<h2 class="month log-day">([^<]+)</h2>', page)]


async def as_account(client, db, account) -> None:
    set_cookie(client, "carnet_session", await start_session(db, account=account, authenticated=True))


async def professional(db, given_name, family_name, profession, stem):
    pro = await create_professional(db, rpps=rpps_with_key(f"30{stem:08d}"), given_name=given_name,
                                    family_name=family_name, profession=profession, city="Lyon")
    return pro, await account_for_professional(db, professional=pro)


class World:
    """Camille's dossier, her account, two documents, and the professionals of this file."""

    async def build(self, db, app, patient):
        self.dossier = patient.dossier
        self.patient_account = await account_for_patient(db, patient=patient.patient)
        self.camille = Actor(self.patient_account.id, "patient", "Camille Martin")
        self.irm = await add_text_document(db, app, patient.dossier, title="IRM du genou droit", category="imagerie")
        self.bilan = await add_text_document(db, app, patient.dossier, title="Bilan sanguin", category="biologie")
        self.lea, self.lea_account = await professional(db, "Léa", "Fontaine", "masseur-kinésithérapeute", 1)
        self.claire, self.claire_account = await professional(db, "Claire", "Bernard", "médecin", 2)
        return self

    async def share_code_for_lea(self, db):
        code, _ = await share_codes.create_share_code(db, dossier=self.dossier, categories="", duration="1m", actor=self.camille)
        await share_codes.redeem_share_code(db, code=code, professional=self.lea,
                                       actor=Actor.professional(self.lea_account, self.lea))

    async def claire_is_medecin_traitant(self, db):
        await set_medecin_traitant(db, dossier=self.dossier, professional=self.claire, actor=self.camille)

    def url(self, suffix=""):
        return f"/dossiers/{self.dossier.id}/historique{suffix}"


@pytest.fixture
async def world(db, app, patient):
    return await World().build(db, app, patient)


async def append(db, dossier_id: str, action: str, actor: Actor, **kwargs):
    """An event no route makes yet, straight through the chain."""
    await audit.begin_chained(db)
    event = await audit.append(db, dossier_id=dossier_id, action=action, actor=actor, **kwargs)
    await audit.commit_chained(db)
    return event


# --- reaching it --------------------------------------------------------------------------------


async def test_historique_leads_to_the_patients_own_log(client, db, world):
    await as_account(client, db, world.patient_account)
    response = await client.get("/historique", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == world.url()
    page = await client.get(response.headers["location"])
    assert page.status_code == 200 and "Historique de mon dossier" in page.text
    assert "Aucun événement pour l'instant." in page.text


async def test_without_a_session_the_log_sends_to_the_login_page(client, world):
    for url in (world.url(), world.url(".csv"), world.url("/imprimer"), "/historique"):
        response = await client.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/connexion?suite={url}"


async def test_nobody_but_the_patient_and_caregivers_learns_the_log_exists(client, db, world):
    await world.claire_is_medecin_traitant(db)
    await world.share_code_for_lea(db)
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    hugo_account = await account_for_patient(db, patient=hugo.patient)
    stranger = Account(display_name="Inconnu")
    db.add(stranger)
    await db.commit()
    readers = {"médecin traitant": world.claire_account, "granted": world.lea_account, "other patient": hugo_account,
               "stranger": stranger}
    for who, account in readers.items():
        await as_account(client, db, account)
        for suffix in ("", ".csv", "/imprimer", "?type=consultations", "?avant=3"):
            theirs, missing = await client.get(world.url(suffix)), await client.get(f"/dossiers/{MISSING}/historique{suffix}")
            assert theirs.status_code == missing.status_code == 404, (who, suffix)
            assert without_csrf(theirs.text) == without_csrf(missing.text), (who, suffix)
    await as_account(client, db, world.lea_account)
    assert (await client.get("/historique")).status_code == 404  # a professional has no log of their own
    await db.commit()
    visits = (await db.exec(select(LogVisit))).all()
    assert visits == []  # and none of those refusals recorded a visit


async def test_a_caregiver_reads_the_log_and_their_own_actions_say_vous(client, db, world):
    paul = Account(display_name="Paul Martin")
    db.add(paul)
    await db.flush()
    db.add(Delegation(dossier_id=world.dossier.id, caregiver_account_id=paul.id, relationship="proche"))
    await db.commit()
    await hiding.set_hidden(db, document=world.irm, hidden=True,
                            actor=Actor(paul.id, "caregiver", "Paul Martin", on_behalf_of="Camille Martin"))
    await blocks.block(db, dossier=world.dossier, professional=world.lea, actor=world.camille)
    await as_account(client, db, paul)
    page = (await client.get(world.url())).text
    assert "Historique du dossier de Camille Martin" in page
    texts = [text for _, _, text in log_lines(page)]
    assert re.fullmatch(r"Camille Martin a bloqué Léa Fontaine, masseur-kinésithérapeute, à \d+ h \d\d\.", texts[0])
    assert re.fullmatch(r"Pour le compte de Camille Martin, vous avez masqué « IRM du genou droit » aux professionnels "
                        r"à \d+ h \d\d\.", texts[1])
    await as_account(client, db, world.patient_account)
    texts = [text for _, _, text in log_lines((await client.get(world.url())).text)]
    assert texts[0].startswith("Vous avez bloqué Léa Fontaine")
    assert texts[1].startswith("Paul Martin, pour votre compte, a masqué « IRM du genou droit »")
    delegation = (await db.exec(select(Delegation))).one()
    delegation.revoked_at = utcnow()
    db.add(delegation)
    await db.commit()
    await as_account(client, db, paul)
    assert (await client.get(world.url())).status_code == 404


# --- what it shows ------------------------------------------------------------------------------


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
        r"Claire Bernard, médecin, a téléchargé « Bilan sanguin » à \d+ h \d\d, en tant que médecin traitant\.",
        r"Claire Bernard, médecin, a consulté votre dossier à \d+ h \d\d, en tant que médecin traitant\.",
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


# --- filters and paging -----------------------------------------------------------------------


async def filtered(client, world, query: str) -> list[int]:
    return [seq for seq, _, _ in log_lines((await client.get(world.url(query))).text)]


async def test_filters_by_professional_kind_and_period(client, db, world, monkeypatch):
    monkeypatch.setattr(audit, "utcnow", lambda: utcnow() - timedelta(days=40))
    await world.claire_is_medecin_traitant(db)  # 1, forty days ago
    monkeypatch.undo()
    await world.share_code_for_lea(db)  # 2 (the code), 3 (its use by Léa)
    await open_dossier(db, account=world.claire_account, dossier_id=world.dossier.id)  # 4
    await open_document(db, account=world.lea_account, document_id=world.irm.id)  # 5
    anne, anne_account = await professional(db, "Anne", "Roux", "médecin", 3)
    await emergencies.open_emergency(db, dossier=world.dossier, professional=anne, reason="Malaise à la pharmacie du quartier",
                                actor=Actor.professional(anne_account, anne))  # 6
    await open_document(db, account=anne_account, document_id=world.bilan.id)  # 7
    await append(db, world.dossier.id, "add_document", Actor.professional(world.claire_account, world.claire),
                 right="medecin_traitant", document=world.bilan)  # 8
    await as_account(client, db, world.patient_account)
    page = (await client.get(world.url())).text
    professionals = re.search(r'<optgroup label="Professionnels">(.*?)</optgroup>', page, re.S)[1]
    options = re.findall(r'<option value="([0-9a-f]{32})"[^>]*>([^<]+)</option>', professionals)
    assert [label for _, label in options] == ["Anne Roux, médecin", "Claire Bernard, médecin",
                                               "Léa Fontaine, masseur-kinésithérapeute"]
    anne_key, claire_key, lea_key = (key for key, _ in options)
    # The URL names a professional by a key of this dossier's, not by their RPPS, which says who they are.
    assert not {anne.rpps, world.claire.rpps, world.lea.rpps} & {key for key, _ in options}
    assert await filtered(client, world, f"?professionnel={lea_key}") == [5, 3]
    assert await filtered(client, world, f"?professionnel={claire_key}&type=consultations") == [4]
    assert await filtered(client, world, f"?professionnel={anne_key}") == [7, 6]
    assert f'<option value="{lea_key}" selected>' in (await client.get(world.url(f"?professionnel={lea_key}"))).text
    # Their RPPS, or another dossier's key, filters nothing.
    assert await filtered(client, world, f"?professionnel={world.lea.rpps}") == [8, 7, 6, 5, 4, 3, 2, 1]
    assert await filtered(client, world, "?professionnel=" + "0" * 32) == [8, 7, 6, 5, 4, 3, 2, 1]
    assert await filtered(client, world, "?type=consultations") == [7, 5, 4]
    assert await filtered(client, world, "?type=ajouts") == [8]
    assert await filtered(client, world, "?type=urgences") == [7, 6]
    assert await filtered(client, world, "?type=droits") == [3, 2, 1]
    assert await filtered(client, world, "?periode=30j") == [8, 7, 6, 5, 4, 3, 2]
    assert await filtered(client, world, "?periode=12m") == [8, 7, 6, 5, 4, 3, 2, 1]
    assert await filtered(client, world, "?periode=toujours&type=inconnu&professionnel=L%C3%A9a") == [8, 7, 6, 5, 4, 3, 2, 1]
    # What no link makes is ignored, filter and cursor alike: everything, from the newest, never an error page.
    for query in ("?professionnel=zzz", "?periode=zzz", "?avant=abc", "?avant=0", "?avant=-5", "?avant=" + "9" * 30):
        assert await filtered(client, world, query) == [8, 7, 6, 5, 4, 3, 2, 1], query
    empty = (await client.get(world.url(f"?professionnel={lea_key}&type=ajouts"))).text
    assert "Aucun événement ne correspond à ces filtres." in empty
    # The period counts back from "now": a frozen one shows what the filter will leave out later.
    later = utcnow() + timedelta(days=8)
    week = await pages.log_events(db, dossier_id=world.dossier.id, filters=LogFilters(period="7j"), now=later)
    month = await pages.log_events(db, dossier_id=world.dossier.id, filters=LogFilters(period="30j"), now=later)
    assert week == [] and [e.seq for e in month] == [8, 7, 6, 5, 4, 3, 2]


async def test_the_filter_form_works_with_and_without_htmx(client, db, world):
    await world.share_code_for_lea(db)
    await open_document(db, account=world.lea_account, document_id=world.irm.id)
    await as_account(client, db, world.patient_account)
    page = (await client.get(world.url("?type=consultations&periode=30j"))).text
    assert 'method="get" action="/dossiers/' in page and 'hx-push-url="true"' in page and 'type="submit"' in page
    assert '<option value="consultations" selected>' in page and '<option value="30j" selected>' in page
    assert [seq for seq, _, _ in log_lines(page)] == [3]
    fragment = await client.get(world.url("?professionnel=&type=droits&periode="),
                                headers={"HX-Request": "true", "HX-Target": "log-results"})
    assert fragment.text.lstrip().startswith('<div id="log-results"') and "<html" not in fragment.text
    assert fragment.headers["hx-push-url"] == world.url("?type=droits")  # empty choices left out
    assert [seq for seq, _, _ in log_lines(fragment.text)] == [2, 1]
    assert f'href="{world.url(".csv?type=droits")}"' in fragment.text
    assert f'href="{world.url("/imprimer?type=droits")}"' in fragment.text


async def test_the_log_pages_in_as_you_scroll(client, db, world):
    camille = world.camille
    await audit.begin_chained(db)
    for i in range(35):
        await audit.append(db, dossier_id=world.dossier.id, action="hide" if i % 2 else "unhide", actor=camille,
                           document=world.irm)
    await audit.commit_chained(db)
    await as_account(client, db, world.patient_account)
    page = (await client.get(world.url())).text
    assert [seq for seq, _, _ in log_lines(page)] == list(range(35, 5, -1))
    more = world.url("?avant=6")
    # The link opens, without JavaScript, at the last event seen; htmx puts its address in place of the page's.
    assert f'<a id="more-6" class="more button secondary block" href="{more}#evenement-6"' in page
    assert (f'hx-get="{more}" hx-trigger="revealed, click" hx-target="this" hx-swap="outerHTML" '
            'hx-replace-url="true"') in page
    rest = await client.get(more, headers={"HX-Request": "true", "HX-Target": "more-6"})
    assert [seq for seq, _, _ in log_lines(rest.text)] == [5, 4, 3, 2, 1]
    assert "<h2" not in rest.text and 'id="more-' not in rest.text  # the same day goes on; nothing more to load
    # The sentinel is a plain link too: to the whole list down through the next page (Back finds it so as well).
    without_js = (await client.get(more)).text
    assert [seq for seq, _, _ in log_lines(without_js)] == list(range(35, 0, -1))
    assert day_headers(without_js) == ["Aujourd'hui"] and "Événements plus récents" not in without_js
    filtered_more = (await client.get(world.url("?type=droits"))).text
    assert f'href="{world.url("?type=droits&amp;avant=6")}#evenement-6"' in filtered_more


# --- exports ------------------------------------------------------------------------------------


async def test_the_csv_export_has_every_column_and_respects_filters(client, db, world):
    await world.share_code_for_lea(db)
    tricky = await add_text_document(db, client.app, world.dossier, title="=HYPERLINK(\"http://x\")", category="imagerie")
    await open_document(db, account=world.lea_account, document_id=tricky.id)
    await open_document(db, account=world.lea_account, document_id=world.irm.id, action="download")
    await as_account(client, db, world.patient_account)
    response = await client.get(world.url(".csv"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="carnet-historique-camille-\d{4}-\d{2}-\d{2}\.csv"',
                        response.headers["content-disposition"])
    assert response.headers["cache-control"] == "no-store"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["numéro", "date", "qui", "profession", "RPPS", "pour le compte de", "action", "document", "droit",
                       "détail", "hash précédent", "dossier", "horodatage", "code action", "type d'acteur", "compte",
                       "code droit", "id document", "hash"]
    assert [row[0] for row in rows[1:]] == ["4", "3", "2", "1"]
    await db.commit()
    events = {e.seq: e for e in (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == world.dossier.id))).all()}
    download = rows[1]
    made = (await db.exec(select(ShareCode))).one().created_at.astimezone(PARIS)
    assert download[2:] == [
        "Léa Fontaine", "masseur-kinésithérapeute", world.lea.rpps, "", "Téléchargement d'un document",
        # Which share code, in the event's hashed detail (right_words.py) as the readable right says it.
        "IRM du genou droit", f"code de partage du {made:%Y-%m-%d %H:%M} (tous les documents, 1 mois)",
        f"code de partage du {made.isoformat(timespec='minutes')} : tous les documents, 1 mois",
        events[3].hash, world.dossier.id,
        timestamp(events[4].at), "download", "professional", world.lea_account.id, events[4].right, world.irm.id,
        events[4].hash,
    ]
    assert datetime.fromisoformat(download[1]) == events[4].at.replace(microsecond=0)
    assert download[1].endswith(("+01:00", "+02:00"))  # Paris time, said so
    assert rows[2][7] == "'=HYPERLINK(\"http://x\")"  # a title is never a formula in a spreadsheet
    assert rows[4][2:7] == ["Camille Martin", "", "", "", "Code de partage créé"]
    only_reads = await client.get(world.url(".csv?type=consultations"))
    assert [r[0] for r in csv.reader(io.StringIO(only_reads.content.decode("utf-8-sig")), delimiter=";")][1:] == ["4", "3"]


async def test_the_printable_page_lists_full_sentences_and_prints_without_inline_script(client, db, world):
    await world.share_code_for_lea(db)
    await open_document(db, account=world.lea_account, document_id=world.irm.id)
    await as_account(client, db, world.patient_account)
    page = (await client.get(world.url("/imprimer?type=consultations"))).text
    text = plain(page)
    assert "Historique du dossier de Camille Martin" in text and "Filtres : Consultations" in text
    items = re.findall(r'<li value="(\d+)">(?:<span class="fit fit-\d+">)?([^<]+)</', text)
    assert [seq for seq, _ in items] == ["3"]
    today = datetime.now(PARIS).date()
    assert items[0][1].startswith(f"Léa Fontaine, masseur-kinésithérapeute, a consulté « IRM du genou droit » le "
                                  f"{plain(date_fr(today)).rsplit(' ', 1)[0]} à ")
    assert '<button type="button" data-print hidden>Imprimer</button>' in page
    assert re.search(r'<script src="/static/js/print\.[0-9a-f]{12}\.js" defer></script>', page)  # a hashed name
    assert not re.search(r"<script(?![^>]*\ssrc=)", page)  # the CSP forbids inline scripts
    everything = (await client.get(world.url("/imprimer"))).text
    assert len(re.findall(r'<li value="\d+">', everything)) == 3
    script = await client.get("/static/js/print.js")
    assert script.status_code == 200 and "window.print()" in script.text
    log_page = (await client.get(world.url())).text
    assert f'href="{world.url("/imprimer")}" hx-boost="false"' in log_page
