"""The patient's Historique: its filters, its paging, its CSV and printable exports."""

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from server.access import emergencies
from server.accesslog import audit, pages
from server.accesslog.audit import Actor, timestamp
from server.accesslog.queries import LogFilters
from server.models import AccessEvent, ShareCode, utcnow
from server.access.reading import open_document, open_dossier
from server.templating import PARIS, date_fr
from tests.conftest import add_text_document
from tests.log_page_helpers import World, append, as_account, day_headers, filtered, log_lines, plain, professional


@pytest.fixture
async def world(db, app, patient):
    return await World().build(db, app, patient)


# --- filters and paging -----------------------------------------------------------------------


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
