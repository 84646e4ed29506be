"""The advance directives' document picker (views/profile_adding.py `picker_of`), through HTTP: it offered the dossier's 100
most recent documents, and a patient who filed her directives three years ago, many documents since, could not link
them. A search of the dossier's documents (the timeline's, search.py) finds any she may see, by words of its title;
a POST of the form, its words never in an address, with htmx its list alone."""

from __future__ import annotations

import html
from datetime import date

from sqlmodel import select

from server.models import Account, Delegation, ProfileItem
from server.views import profile_adding as views
from tests.conftest import add_text_document, new_patient, post_form, without_csrf
from tests.caregiver_helpers import years_ago
from tests.profile_page_helpers import add, as_patient, browser, items_of, text_of, url

SEARCH = {"label": "Mes directives", "detail": "", "chercher": "oui"}
PICKER = {"HX-Request": "true", "HX-Target": "document-picker"}


def offered(page) -> list[str]:
    """The picker's documents, as its options name them (title and date)."""
    start = page.text.index('id="f-document_id"')
    options = page.text[start:page.text.index("</select>", start)].split("<option")[2:]  # "Aucun document" first
    return [html.unescape(option.split(">", 1)[1].split("</option", 1)[0]) for option in options]


async def test_her_old_directives_are_found_by_words_of_their_title_and_linked(app, db, patient, monkeypatch):
    """Camille's directives of 2022, with three documents since and a picker of two: not offered; searched as typed
    on a phone (no accent, capitals), found, chosen, and linked; what she typed in the form is kept meanwhile."""
    monkeypatch.setattr(views, "MAX_DOCUMENTS", 2)
    directives = await add_text_document(db, app, patient.dossier, title="Directives anticipées",
                                         category="note_patient", when=date(2022, 9, 1))
    for n in range(3):
        await add_text_document(db, app, patient.dossier, title=f"Compte rendu {n}", when=date(2025, 1, 10 + n))
    async with await as_patient(app, db, patient) as client:
        form = await client.get(url(patient, "/ajouter?type=directive"))
        assert "Directives anticipées (1" not in " ".join(offered(form))
        assert "cherchez les plus anciens par leur titre" in text_of(form)
        found = await post_form(client, url(patient, "/ajouter?type=directive"),
                                SEARCH | {"detail": "Une copie chez ma fille", "recherche": "DIRECTIVES anticipees"},
                                follow_redirects=False)
        linked = await add(client, patient, "directive", label="Mes directives", document_id=directives.id)
        page = await client.get(url(patient))
    assert found.status_code == 200
    assert offered(found) == ["Directives anticipées (1er\u00a0septembre 2022)"]
    assert "1 document trouvé" in text_of(found)
    assert 'value="Mes directives"' in found.text and "Une copie chez ma fille" in found.text  # kept as typed
    assert 'value="DIRECTIVES anticipees"' in found.text  # the field keeps the words, the address never has them
    assert "anticipees" not in str(found.url).lower() and "location" not in found.headers
    assert linked.status_code == 303
    assert f'<a href="/documents/{directives.id}">Directives anticipées</a>' in page.text
    assert [i.document_id for i in await items_of(db, patient)] == [directives.id]


async def test_with_htmx_the_search_answers_the_picker_alone(app, db, patient):
    """The search button asks htmx for the picker (hx-target): the list and its count come back, not the page; a
    search that finds nothing says so; an empty one offers the most recent again."""
    await add_text_document(db, app, patient.dossier, title="Échographie abdominale")
    await add_text_document(db, app, patient.dossier, title="Directives anticipées", category="note_patient")
    async with await as_patient(app, db, patient) as client:
        form = await client.get(url(patient, "/ajouter?type=directive"))
        live = await post_form(client, url(patient, "/ajouter?type=directive"), SEARCH | {"recherche": "echo"},
                               headers=PICKER)
        none = await post_form(client, url(patient, "/ajouter?type=directive"), SEARCH | {"recherche": "testament"},
                               headers=PICKER)
        cleared = await post_form(client, url(patient, "/ajouter?type=directive"), SEARCH | {"recherche": ""},
                                  headers=PICKER)
    assert 'hx-target="#document-picker"' in form.text and 'name="chercher"' in form.text
    assert 'method="post"' in form.text and 'data-results-status="document-picker"' in form.text
    assert live.status_code == 200 and live.text.lstrip().startswith('<div class="field" id="document-picker"')
    assert "<html" not in live.text and "Enregistrer" not in live.text
    assert [o.split(" (")[0] for o in offered(live)] == ["Échographie abdominale"]
    assert 'data-results-count="1 document trouvé"' in live.text
    assert offered(none) == []
    assert "Aucun document ne correspond à «\u00a0testament\u00a0»." in html.unescape(none.text)
    assert len(offered(cleared)) == 2 and "data-results-count" not in cleared.text


async def test_the_picker_offers_what_the_writer_sees_and_a_forged_id_is_refused_alike(app, db):
    """Inès, 18, kept her father Paul managing her dossier; a consultation Dr Girard kept from her parents (CSP
    L1111-5) is none of his to see. Her directives are hers alone to state (kinds.PERSONAL): he is offered no picker,
    and either's id, forged into the form, is refused the same way, with the same page; one of hers, for being hers to
    state; nothing is added."""
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(18, days=-20), serial=8)
    paul = Account(display_name="Paul Martin")
    db.add(paul)
    await db.commit()
    db.add(Delegation(dossier_id=ines.dossier.id, caregiver_account_id=paul.id, relationship="parent",
                      after_majority="gestion"))
    await db.commit()
    hers = await add_text_document(db, app, ines.dossier, title="Directives anticipées d'Inès",
                                   category="note_patient")
    kept = await add_text_document(db, app, ines.dossier, title="Directives anticipées, consultation confidentielle")
    kept.hidden_from_representatives = True
    db.add(kept)
    await db.commit()
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=2, sex="M")
    theirs = await add_text_document(db, app, hugo.dossier, title="Directives anticipées de Hugo")
    async with browser(app, db, paul) as client:
        found = await post_form(client, url(ines, "/ajouter?type=directive"), SEARCH | {"recherche": "directives"})
        forged = [await add(client, ines, "directive", label="Ses directives", document_id=document.id)
                  for document in (kept, theirs)]
        his = await add(client, ines, "directive", label="Ses directives", document_id=hers.id)
    assert 'id="f-document_id"' not in found.text and "Directives anticipées d'Inès" not in found.text
    assert his.status_code == 400 and "C'est à Inès Martin de l'indiquer" in text_of(his)
    for refused in forged:
        assert refused.status_code == 400
        assert "Choisissez un document de ce dossier." in html.unescape(refused.text)
        # "Hugo" looked for outside the forms' random ids, which hold four given letters once in some 50,000 runs.
        assert "confidentielle" not in refused.text and "Hugo" not in without_csrf(refused.text)
    assert without_csrf(forged[0].text) == without_csrf(forged[1].text)
    await db.commit()
    assert (await db.exec(select(ProfileItem).where(ProfileItem.dossier_id == ines.dossier.id))).all() == []
    async with await as_patient(app, db, ines) as own:  # Inès herself sees hers, and the kept one
        mine = await post_form(own, url(ines, "/ajouter?type=directive"), SEARCH | {"recherche": "directives"})
    assert len(offered(mine)) == 2 and hers.id in mine.text
