"""The patient's timeline and documents, and what another patient gets for the same ids."""

import io
import html
import re
from datetime import date

from PIL import Image

from server.dossiers import add_document
from server.files.render_worker import PAGE_WIDTH_PX
from tests.conftest import (
    activate, add_text_document, new_patient, post_form, get_csrf, without_csrf, without_search_token,
)

TITLES = [
    ("IRM du genou droit", "imagerie", date(2025, 3, 3)),
    ("Bilan lipidique", "biologie", date(2025, 3, 1)),
    ("NFS plaquettes", "biologie", date(2024, 12, 10)),
    ("Ordonnance kinésithérapie", "ordonnance", date(2024, 12, 2)),
    ("Vaccin grippe", "vaccination", date(2024, 10, 20)),
    ("Compte rendu de consultation", "compte_rendu", date(2024, 6, 1)),
    ("Bilan thyroïdien", "biologie", date(2023, 1, 5)),
]


async def seed(db, app, dossier):
    return [await add_text_document(db, app, dossier, title=t, category=c, when=d) for t, c, d in TITLES]


def titles_in(html: str) -> list[str]:
    return re.findall(r'<span class="doc-title">(?:<span class="fit fit-\d+">)?([^<]+)', html)


async def test_the_timeline_lists_documents_newest_first_grouped_by_month(client, db, app, patient):
    await seed(db, app, patient.dossier)
    await activate(client, patient)
    page = await client.get(f"/dossiers/{patient.dossier.id}")
    assert titles_in(page.text) == [t for t, _, _ in TITLES][:5]  # page_size is 5 in tests
    assert re.findall(r'<h2 class="month">([^<]+)</h2>', page.text) == ["mars 2025", "décembre 2024", "octobre 2024"]
    assert "7 documents" in page.text


async def test_the_next_page_continues_without_repeating_the_month(client, db, app, patient):
    await seed(db, app, patient.dossier)
    await activate(client, patient)
    first = await client.get(f"/dossiers/{patient.dossier.id}")
    more = html.unescape(re.search(r'<a id="(more-[0-9a-f]+)" class="more[^"]*" href="([^"]+)"', first.text).group(2))
    # An opaque id, nothing else: the last document shown, where a whole page opens without JavaScript.
    assert re.fullmatch(rf"/dossiers/{patient.dossier.id}\?apres=([0-9a-f]{{32}})#document-\1", more)
    page = await client.get(more, headers={"HX-Request": "true", "HX-Target": "more-1"})
    assert titles_in(page.text) == ["Compte rendu de consultation", "Bilan thyroïdien"]
    assert "<html" not in page.text
    assert re.findall(r'<h2 class="month">([^<]+)</h2>', page.text) == ["juin 2024", "janvier 2023"]


async def test_without_javascript_the_next_page_is_the_whole_list_down_through_it_still_counted(client, db, app,
                                                                                                 patient):
    await seed(db, app, patient.dossier)
    await activate(client, patient)
    first = await client.get(f"/dossiers/{patient.dossier.id}")
    more = html.unescape(re.search(r'<a id="(more-[0-9a-f]+)" class="more[^"]*" href="([^"]+)"', first.text).group(2))
    second = await client.get(more)
    assert titles_in(second.text) == [t for t, _, _ in TITLES] and "7 documents" in second.text
    assert "Documents plus récents" not in second.text and 'class="more' not in second.text
    last = re.findall(r'href="/documents/([0-9a-f]{32})"', second.text)[-1]
    beyond = await client.get(f"/dossiers/{patient.dossier.id}?apres={last}")  # nothing after it: the count stays
    assert beyond.status_code == 200 and titles_in(beyond.text) == [t for t, _, _ in TITLES]
    assert "7 documents" in beyond.text


async def test_filter_by_category_keeps_the_choice_in_the_url(client, db, app, patient):
    await seed(db, app, patient.dossier)
    await activate(client, patient)
    response = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"categorie": "biologie", "q": ""}, follow_redirects=False)
    assert response.headers["location"] == f"/dossiers/{patient.dossier.id}?categorie=biologie"
    page = await client.get(response.headers["location"])
    assert titles_in(page.text) == ["Bilan lipidique", "NFS plaquettes", "Bilan thyroïdien"]


async def test_search_words_never_reach_the_url_but_a_reload_finds_them(client, db, app, patient):
    await seed(db, app, patient.dossier)
    await activate(client, patient)
    response = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"categorie": "", "q": "bilan"}, follow_redirects=False)
    url = response.headers["location"]
    assert "bilan" not in without_search_token(url).lower()
    page = await client.get(url)
    assert titles_in(page.text) == ["Bilan lipidique", "Bilan thyroïdien"]


async def test_a_search_without_a_word_finds_nothing_rather_than_everything(client, db, app, patient):
    await seed(db, app, patient.dossier)
    await activate(client, patient)
    for query in ("🦵", "*", '"()"', "%"):
        response = await post_form(client, f"/dossiers/{patient.dossier.id}/recherche", {"categorie": "", "q": query})
        page = html.unescape(response.text)
        assert response.status_code == 200 and titles_in(page) == [], query
        assert "Aucun document ne correspond." in page and f"«\u00a0{query}\u00a0»" in page


async def test_a_dossier_without_documents_says_so_rather_than_that_nothing_matches(client, db, app, patient):
    await activate(client, patient)  # a new dossier, as a parent finds their child's on attaching it
    page = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}")).text)
    assert "Aucun document pour l'instant." in page
    assert "ne correspond" not in page  # nothing was searched for
    # Said once, not "Aucun document" above it as well (an outside probe's find).
    assert re.sub(r"<[^>]*>", "", page).count("Aucun document") == 1


async def test_htmx_search_returns_the_fragment_and_the_url_to_push(client, db, app, patient):
    await seed(db, app, patient.dossier)
    await activate(client, patient)
    token = await get_csrf(client)
    response = await client.post(
        f"/dossiers/{patient.dossier.id}/recherche",
        data={"categorie": "biologie", "q": "NFS", "_csrf_token": token},
        headers={"HX-Request": "true", "HX-Target": "timeline-results", "x-csrftoken": token},
    )
    assert response.status_code == 200
    assert "<html" not in response.text and titles_in(response.text) == ["NFS plaquettes"]
    assert response.headers["hx-push-url"].startswith(f"/dossiers/{patient.dossier.id}?categorie=biologie&recherche=")


async def test_an_unknown_search_token_or_category_shows_everything(client, db, app, patient):
    await seed(db, app, patient.dossier)
    await activate(client, patient)
    page = await client.get(f"/dossiers/{patient.dossier.id}?categorie=inconnue&recherche=zzz&apres=nimporte&page=-3")
    assert page.status_code == 200 and "7 documents" in page.text
    page = await client.get(f"/dossiers/{patient.dossier.id}?page=abc")
    assert page.status_code == 200 and "7 documents" in page.text


async def test_a_text_document_is_shown_and_downloadable(client, db, app, patient):
    document = (await seed(db, app, patient.dossier))[0]
    await activate(client, patient)
    page = await client.get(f"/documents/{document.id}")
    assert "IRM du genou droit" in page.text and "Contenu : IRM du genou droit" in page.text
    download = await client.get(f"/documents/{document.id}/fichier")
    assert download.content == "Contenu : IRM du genou droit".encode()
    assert download.headers["content-disposition"].startswith("attachment")


async def test_a_pdf_document_shows_its_pages_as_images(client, db, app, patient):
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.set_font("Helvetica", size=14)
        pdf.cell(text="Compte rendu")
    document = await add_document(
        db, app.state.storage, dossier=patient.dossier, title="CR opératoire", category="compte_rendu",
        event_date=date(2025, 1, 1), filename="cr.pdf", mime_type="application/pdf", data=bytes(pdf.output()),
    )
    await activate(client, patient)
    page = await client.get(f"/documents/{document.id}")
    assert 'alt="Page 1 sur 2"' in page.text and 'alt="Page 2 sur 2"' in page.text
    image = await client.get(f"/documents/{document.id}/pages/2")
    assert image.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(image.content)).width == PAGE_WIDTH_PX  # a 360-400 px phone's width at 3x
    assert (await client.get(f"/documents/{document.id}/pages/3")).status_code == 404
    assert (await client.get(f"/documents/{document.id}/fichier")).content.startswith(b"%PDF")


async def test_a_file_that_no_longer_matches_its_sha256_is_not_served(client, db, app, patient):
    document = (await seed(db, app, patient.dossier))[0]
    path = app.state.storage.root / document.storage_key[:2] / document.storage_key
    path.write_bytes(b"altered")
    await activate(client, patient)
    answer = await client.get(f"/documents/{document.id}/fichier")
    # Said as unreadable (exception_handlers.on_unreadable_file), which only the document's readers reach: never
    # its bytes.
    assert answer.status_code == 503 and b"altered" not in answer.content


async def test_another_patients_document_is_answered_exactly_like_a_missing_one(client, db, app, patient):
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    theirs = await add_text_document(db, app, other.dossier, title="Secret de Hugo")
    await activate(client, patient)
    for suffix in ("", "/fichier", "/pages/1", "/pages/1/plein-ecran"):
        foreign = await client.get(f"/documents/{theirs.id}{suffix}")
        missing = await client.get(f"/documents/{'0' * 32}{suffix}")
        assert foreign.status_code == missing.status_code == 404
        assert without_csrf(foreign.text) == without_csrf(missing.text)
        assert "Secret de Hugo" not in foreign.text
    foreign = await client.get(f"/dossiers/{other.dossier.id}")
    missing = await client.get(f"/dossiers/{'0' * 32}")
    assert foreign.status_code == missing.status_code == 404 and without_csrf(foreign.text) == without_csrf(missing.text)
    search = await post_form(client, f"/dossiers/{other.dossier.id}/recherche", {"q": "Secret"})
    assert search.status_code == 404


async def test_deleted_documents_are_gone_and_hidden_ones_are_marked(client, db, app, patient):
    _, hidden, deleted = (await seed(db, app, patient.dossier))[:3]
    from server.models import utcnow

    hidden.hidden = True
    deleted.deleted_at = utcnow()
    db.add(hidden)
    db.add(deleted)
    await db.commit()
    await activate(client, patient)
    page = await client.get(f"/dossiers/{patient.dossier.id}")
    assert deleted.title not in page.text
    assert "Masqué" in page.text
    assert (await client.get(f"/documents/{deleted.id}")).status_code == 404


async def test_deleting_a_document_erases_its_file_unless_another_document_holds_the_same_bytes(client, db, app, patient):
    once = await add_text_document(db, app, patient.dossier, title="Seul exemplaire")
    twice = [await add_text_document(db, app, patient.dossier, title="Doublon", when=date(2025, 2, 1)) for _ in range(2)]
    storage = app.state.storage
    await activate(client, patient)
    await post_form(client, f"/documents/{once.id}/suppression", {})
    assert not (storage.root / once.storage_key[:2] / once.storage_key).exists()
    await post_form(client, f"/documents/{twice[0].id}/suppression", {})
    assert (storage.root / twice[1].storage_key[:2] / twice[1].storage_key).exists()
    assert (await client.get(f"/documents/{twice[1].id}/fichier")).status_code == 200
