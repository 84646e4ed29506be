""""Voir comme" comes a page at a time, like the timeline, and the pages together are what the professional sees;
a page, like the majority page's preview of what the parents see, costs what it shows however big the dossier."""

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event

from server.access import grants
from server.access.medecin_traitant import set_medecin_traitant
from server.auth.accounts import account_for_patient
from server.auth.sessions import start_session
from server.models import Account, Delegation, Document
from tests.conftest import activate, add_text_document, new_patient, set_cookie
from tests.patient_helpers import CAMILLE, MORE, professional, titles_in, titles_while_documents_arrive
from tests.test_timeline_scale import many_documents, statements_of


async def test_voir_comme_shows_a_page_at_a_time_and_the_list_follows_without_javascript(client, db, app, patient):
    size = app.state.settings.page_size
    titles = [f"Compte rendu {n:02d}" for n in range(size * 2 + 3)]
    for title in titles:
        await add_text_document(db, app, patient.dossier, title=title, category="imagerie")
    doctor = await professional(db, "Bernard", given_name="Claire", profession="médecin", stem=1)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor, actor=CAMILLE)
    await activate(client, patient)
    url, pages = f"/dossiers/{patient.dossier.id}/voir-comme/{doctor.id}", []
    while url:
        page = await client.get(url)
        assert page.status_code == 200
        pages.append(titles_in(page.text))
        assert f"{len(titles)} documents" in page.text  # the count is the whole dossier's, on every page
        more = MORE.search(page.text)
        url = html.unescape(more.group(1)) if more else ""
    # Each page is the list down through the next one (Back finds it so): in the end, every title once.
    assert [len(p) for p in pages] == [size, size * 2, size * 2 + 3]
    assert pages[-1] == titles[::-1] and pages[1] == pages[-1][:size * 2]


async def test_the_next_page_of_voir_comme_comes_as_a_fragment_for_htmx(client, db, app, patient):
    size = app.state.settings.page_size
    for n in range(size + 1):
        await add_text_document(db, app, patient.dossier, title=f"Ordonnance {n:02d}", category="ordonnance")
    doctor = await professional(db, "Bernard", given_name="Claire", profession="médecin", stem=1)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor, actor=CAMILLE)
    await activate(client, patient)
    first = await client.get(f"/dossiers/{patient.dossier.id}/voir-comme/{doctor.id}")
    more = MORE.search(first.text)
    target = re.search(r'id="(more-[^"]+)"', first.text).group(1)
    fragment = await client.get(html.unescape(more.group(1)), headers={"HX-Request": "true", "HX-Target": target})
    assert "<html" not in fragment.text and len(titles_in(fragment.text)) == 1 and not MORE.search(fragment.text)


@contextmanager
def documents_loaded() -> Iterator[list[Document]]:
    """The Document objects the ORM builds from the database meanwhile (each with its search text)."""
    loaded: list[Document] = []

    def record(document, _context) -> None:
        loaded.append(document)

    event.listen(Document, "load", record)
    try:
        yield loaded
    finally:
        event.remove(Document, "load", record)


async def test_a_voir_comme_page_asks_the_same_questions_and_loads_only_what_it_shows_at_any_size(client, db, app, patient):
    doctor = await professional(db, "Bernard", given_name="Claire", profession="médecin", stem=1)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor, actor=CAMILLE)
    await activate(client, patient)
    url = f"/dossiers/{patient.dossier.id}/voir-comme/{doctor.id}"

    async def first_and_next_page() -> tuple[list[str], list[str], int]:
        with documents_loaded() as loaded:
            first = await statements_of(app, client, url)
            page = await client.get(url)
            following = await statements_of(app, client, html.unescape(MORE.search(page.text).group(1)))
        return first, following, len(loaded)

    await many_documents(db, patient.dossier, 30)
    small = await first_and_next_page()
    await many_documents(db, patient.dossier, 3000)
    large = await first_and_next_page()
    assert small == large
    assert large[2] <= 1  # the next page's cursor: never the dossier
    page = await client.get(url)
    assert "plus de 1" in page.text and len(titles_in(page.text)) == app.state.settings.page_size


async def test_paging_voir_comme_while_documents_arrive_shows_each_document_once(client, db, app, patient):
    doctor = await professional(db, "Bernard", given_name="Claire", profession="médecin", stem=1)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor, actor=CAMILLE)
    await activate(client, patient)
    await many_documents(db, patient.dossier, 23)
    seen = await titles_while_documents_arrive(client, db, app, patient.dossier,
                                               f"/dossiers/{patient.dossier.id}/voir-comme/{doctor.id}")
    relevés = [t for t in seen if t.startswith("Relevé")]
    assert sorted(relevés) == sorted(f"Relevé {n}" for n in range(23)) and len(relevés) == len(set(relevés))
    assert not [t for t in seen if t.startswith("Arrivé")]


async def test_the_majority_page_previews_the_parents_newest_documents_and_says_older_ones_follow(client, db):
    today = date.today()
    ines = await new_patient(db, given_name="Inès", birth=date(today.year - 17, 1, 1), serial=8)
    father = Account(display_name="Paul Martin")
    db.add(father)
    await db.commit()
    db.add(Delegation(dossier_id=ines.dossier.id, caregiver_account_id=father.id, relationship="parent"))
    await db.commit()
    account = await account_for_patient(db, patient=ines.patient)
    set_cookie(client, "carnet_session", await start_session(db, account=account, authenticated=True))
    url = f"/dossiers/{ines.dossier.id}/majorite"
    await many_documents(db, ines.dossier, 20, start=today - timedelta(days=100))
    page = await client.get(url)
    assert len(titles_in(page.text)) == 20 and "plus anciens" not in page.text  # all of them: nothing more to say
    await many_documents(db, ines.dossier, 500, start=today - timedelta(days=3000))  # older ones
    with documents_loaded() as loaded:
        page = await client.get(url)
    assert titles_in(page.text) == [f"Relevé {n}" for n in range(19, -1, -1)]  # the newest, newest first
    assert "Et d'autres documents, plus anciens." in html.unescape(page.text) and loaded == []


async def test_an_emergency_access_that_shows_more_than_a_grant_is_the_right_named_everywhere(client, db, app, patient):
    """An outside tester's find: a professional in emergency access, then given a share code for biologie alone,
    saw every document under a line that said "Accès accordé par la patiente : Biologie", and "voir comme" said
    the patient's access let them. What opens the dossier to them is the emergency, while it lasts; a grant of
    everything shows as much, and is then the right named."""
    from server.auth.accounts import account_for_professional
    from server.models import EmergencyAccess, utcnow

    for n in range(2):
        await add_text_document(db, app, patient.dossier, title=f"Bilan sanguin {n}", category="biologie")
    for n in range(3):
        await add_text_document(db, app, patient.dossier, title=f"Radio {n}", category="imagerie")
    lea = await professional(db, "Fontaine", given_name="Léa", profession="infirmier", stem=3)
    db.add(EmergencyAccess(dossier_id=patient.dossier.id, professional_id=lea.id, reason="Malaise",
                           ends_at=utcnow() + timedelta(hours=24)))
    await db.commit()
    await grants.grant_access(db, dossier=patient.dossier, professional=lea, categories="biologie", duration="1m",
                              actor=CAMILLE)
    await activate(client, patient)
    seen = await client.get(f"/dossiers/{patient.dossier.id}/voir-comme/{lea.id}")
    assert "en accès d'urgence et voit <strong>5 documents</strong>" in seen.text, seen.text
    as_lea = await start_session(db, account=await account_for_professional(db, professional=lea), authenticated=True)
    set_cookie(client, "carnet_session", as_lea)
    timeline = await client.get(f"/dossiers/{patient.dossier.id}")
    assert "Accès d'urgence" in timeline.text and "Accès accordé par" not in timeline.text

    await grants.grant_access(db, dossier=patient.dossier, professional=lea, categories="", duration="1m",
                              actor=CAMILLE)
    timeline = await client.get(f"/dossiers/{patient.dossier.id}")
    assert "Accès accordé par la patiente" in timeline.text and "Accès d'urgence</strong>" not in timeline.text
