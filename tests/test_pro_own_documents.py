"""Once their access ends, a professional finds the documents they added from "Mes patients", and nothing else of
the dossier; the document page leads back to the dossier whenever it opens; an upload is confirmed; each "Ajouter
un document" of "Mes patients" names its patient."""

import html
import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from server.access import blocks, closing, emergencies, grants, hiding
from server.access.medecin_traitant import set_medecin_traitant
from server.auth.accounts import account_for_professional
from server.accesslog.audit import Actor
from server.dossiers import add_document
from server.models import AccessEvent, Document, Grant, ProfileItem, utcnow
from tests.conftest import activate_professional, add_text_document, new_patient, new_professional, post_form
from tests.patient_helpers import Plans, Statements
from tests.test_professional_documents import pdf_bytes, upload

PATIENT = Actor(None, "patient", "Le patient")
SECTION = "Accès terminés"
NEVER_HELD = "Dossiers où vous avez ajouté des documents"


async def granted(client, db, person, *, stem=1, **kwargs):
    """A professional signed in on `client`, given access to the dossier by its patient."""
    pro = await new_professional(db, stem=stem, **kwargs)
    await activate_professional(client, pro)
    await grant(db, person, pro)
    return pro


async def grant(db, person, pro):
    return await grants.grant_access(db, dossier=person.dossier, professional=pro.professional, categories="",
                                     duration="sans", actor=PATIENT)


async def revoke(db, person, pro):
    await db.commit()
    for row in (await db.exec(select(Grant).where(Grant.professional_id == pro.professional.id,
                                                  Grant.dossier_id == person.dossier.id))).all():
        await grants.revoke_grant(db, dossier=person.dossier, grant_id=row.id, actor=PATIENT)


async def written_by(db, app, person, pro, title, *, when=date(2025, 1, 15), category="compte_rendu"):
    """A document of theirs, filed as an upload files it (dossiers.add_document, the professional its author)."""
    return await add_document(db, app.state.storage, dossier=person.dossier, title=title, category=category,
                              event_date=when, filename="bilan.txt", mime_type="text/plain",
                              data=f"Contenu : {title}".encode(), author=pro.professional)


def mine(person) -> str:
    return f"/pro/dossiers/{person.dossier.id}/mes-documents"


def authored_section(page) -> str:
    """The part of "Mes patients" that lists the dossiers where only their own documents are left ("" if none): under
    "Accès terminés", or under their own heading where they never held the dossier."""
    text = page.text
    found = [text.index(heading) for heading in (SECTION, NEVER_HELD) if heading in text]
    return text[min(found):] if found else ""


def titles(page) -> list[str]:
    found = re.findall(r'<span class="doc-title">(?:<span class="fit fit-\d+">)?([^<]*)', page.text)
    return [html.unescape(t) for t in found]


# --- point 1: "Mes patients" leads the author to their documents -----------------------------------


async def test_after_a_revoke_my_patients_leads_the_author_to_the_documents_they_added(client, db, app, patient):
    kine = await granted(client, db, patient)
    added = await upload(client, patient.dossier, data=pdf_bytes(), title="Bilan kiné intermédiaire")
    document_url = added.headers["location"].split("?")[0]
    await add_text_document(db, app, patient.dossier, title="IRM du genou droit")  # the patient's, not his
    await revoke(db, patient, kine)

    page = await client.get("/pro")
    assert "Aucun dossier ne vous est ouvert pour le moment" in page.text
    section = authored_section(page)
    assert "MARTIN Camille" in section and f'href="{mine(patient)}"' in section
    assert "vos ajouts seulement" in section
    # Not promised to a professional the patient blocked, said alike (it tells no one of a block: a probe's find).
    assert "Sauf opposition du patient, vous gardez la lecture des documents" in html.unescape(section)
    own = await client.get(mine(patient))
    assert own.status_code == 200, own.text
    assert titles(own) == ["Bilan kiné intermédiaire"] and f'href="{document_url}"' in own.text
    # Nothing of the rest: no other title, no count of the dossier's documents.
    assert "IRM du genou droit" not in own.text and not re.search(r"\d+ documents?\b", own.text)
    assert (await client.get(document_url)).status_code == 200
    ended = await client.get(f"/dossiers/{patient.dossier.id}")  # she held it: told so (test_ended_access.py)
    assert ended.status_code == 403 and "Votre accès à ce dossier a pris fin" in ended.text


async def test_the_author_keeps_exactly_what_the_rule_leaves_them(client, db, app):
    """Listed and opened where the rule lets them read a document of theirs; elsewhere a 404 and no line."""
    names = ["Alice", "Bruno", "Chloé", "Denis", "Emile", "Fanny", "Gaston"]
    people = {n: await new_patient(db, given_name=n, family_name=f"Nom{n[0]}", serial=i + 1)
              for i, n in enumerate(names)}
    pro = await granted(client, db, people["Alice"])
    for name in names[1:]:
        await grant(db, people[name], pro)
    for name in ("Alice", "Bruno", "Chloé", "Denis", "Fanny", "Gaston"):
        await written_by(db, app, people[name], pro, f"Bilan de {name}")
    hidden = await written_by(db, app, people["Alice"], pro, "Bilan masqué d'Alice")
    await hiding.set_hidden(db, document=hidden, hidden=True, actor=PATIENT)  # hidden from others, not its author
    for name in ("Alice", "Bruno", "Chloé", "Denis", "Emile", "Fanny"):
        await revoke(db, people[name], pro)  # Gaston's grant stays
    await closing.set_closed(db, dossier=people["Bruno"].dossier, closed=True, actor=PATIENT)
    await blocks.block(db, dossier=people["Chloé"].dossier, professional=pro.professional, actor=PATIENT)
    await db.commit()
    for document in (await db.exec(select(Document).where(Document.dossier_id == people["Denis"].dossier.id))).all():
        await hiding.delete_document(db, document=document, actor=PATIENT, storage=app.state.storage)
    # Emile: never a document of his. Fanny: his, and another professional's.
    colleague = await new_professional(db, stem=2, given_name="Paul", family_name="Girard")
    await written_by(db, app, people["Fanny"], colleague, "Compte rendu du Dr Girard")

    page = await client.get("/pro")
    section = authored_section(page)
    listed = sorted(n for n in names if f'href="{mine(people[n])}"' in section)
    assert listed == ["Alice", "Fanny"], section
    assert f'href="/dossiers/{people["Gaston"].dossier.id}"' in page.text  # his grant: the dossier, above
    for name in ("Bruno", "Chloé", "Denis", "Emile"):
        assert (await client.get(mine(people[name]))).status_code == 404, name
    alice = await client.get(mine(people["Alice"]))
    assert titles(alice) == ["Bilan masqué d'Alice", "Bilan de Alice"]  # the same day: the later added first
    assert titles(await client.get(mine(people["Fanny"]))) == ["Bilan de Fanny"]
    gaston = await client.get(mine(people["Gaston"]))  # their own alone, even with a grant
    assert gaston.status_code == 200 and titles(gaston) == ["Bilan de Gaston"]


async def test_a_dossier_never_written_to_or_missing_answers_the_same_404(client, db, app, patient):
    stranger = await new_professional(db, stem=3, given_name="Marc", family_name="Petit")
    await activate_professional(client, stranger)
    author = await new_professional(db, stem=4, given_name="Léa", family_name="Fontaine")
    await written_by(db, app, patient, author, "Bilan de Léa")
    for url in (mine(patient), f"/pro/dossiers/{'0' * 32}/mes-documents"):
        answer = await client.get(url)
        assert answer.status_code == 404 and "Camille" not in answer.text


async def test_the_list_comes_a_page_at_a_time_newest_first_each_page_a_logged_read(client, db, app, patient):
    pro = await granted(client, db, patient)
    for day in range(1, 8):
        await written_by(db, app, patient, pro, f"Séance {day}", when=date(2025, 3, day))
        await add_text_document(db, app, patient.dossier, title=f"Ordonnance {day}", when=date(2025, 3, day))
    await revoke(db, patient, pro)
    await db.commit()
    before = max(e.seq for e in (await db.exec(select(AccessEvent).where(
        AccessEvent.dossier_id == patient.dossier.id))).all())

    first = await client.get(mine(patient))
    assert titles(first) == [f"Séance {day}" for day in (7, 6, 5, 4, 3)]  # page_size is 5 in the tests
    more = re.search(r'class="more[^"]*" href="([^"]+)"', first.text).group(1)
    assert html.unescape(more).startswith(mine(patient) + "?apres=")
    fragment = await client.get(html.unescape(more), headers={"HX-Request": "true", "HX-Target": "more-x"})
    assert titles(fragment) == ["Séance 2", "Séance 1"] and "<html" not in fragment.text
    page_two = await client.get(html.unescape(more))  # without JavaScript: the list down through the next page
    assert titles(page_two) == [f"Séance {day}" for day in range(7, 0, -1)]
    assert "Documents plus récents" not in page_two.text
    assert "Ordonnance" not in first.text + fragment.text + page_two.text
    await db.commit()
    # The patient's identity and the titles of what is in her dossier: a read, logged before it is sent, as the
    # author's list ("a consulté la liste des documents ajoutés par ses soins à votre dossier").
    logged = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id,
                                                      AccessEvent.seq > before))).all()
    assert [(e.action, e.right, e.document_id) for e in logged] == [("read_own_documents", "author", None)] * 3

    # A cursor it did not write (another's document, garbage, a long string): the list from its top, nothing more.
    ordonnance = (await db.exec(select(Document).where(Document.title == "Ordonnance 5"))).one()
    for apres in (ordonnance.id, "../../etc", "x" * 5000):
        odd = await client.get(mine(patient), params={"apres": apres})
        assert odd.status_code == 200 and titles(odd) == titles(first), apres


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
async def test_my_patients_finds_them_through_the_professionals_indexes_never_every_document(client, db, app,
                                                                                             patient):
    pro = await granted(client, db, patient)
    await written_by(db, app, patient, pro, "Bilan kiné intermédiaire")
    await revoke(db, patient, pro)
    with Plans(app.state.engine) as seen:
        page = await client.get("/pro")
    assert f'href="{mine(patient)}"' in page.text
    plan = [p for s, p in seen.plans if "FROM dossier JOIN patient" in s and "author_professional_id" in s]
    assert len(plan) == 1, seen.plans
    # Their own documents (migration 0034) and lines of the profile (0053), whatever right they wrote under: not the
    # grants they held.
    assert "SEARCH document USING COVERING INDEX ix_document_author (author_professional_id=? AND deleted_at=?)" \
        in plan[0], plan
    assert "SEARCH profileitem USING COVERING INDEX ix_profileitem_author (author_professional_id=? AND " \
        "deleted_at=?)" in plan[0], plan
    assert "SCAN document" not in plan[0] and "SCAN dossier" not in plan[0] and "SCAN profileitem" not in plan[0], plan


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
async def test_their_page_reads_their_own_documents_in_order_not_the_whole_dossier(client, db, app, patient):
    """Migration 0028: the page and its count go through the author's index, so a professional who wrote two of a
    dossier's 50,000 documents reads two entries, not the dossier's."""
    pro = await granted(client, db, patient)
    await written_by(db, app, patient, pro, "Bilan kiné intermédiaire")
    await revoke(db, patient, pro)
    with Plans(app.state.engine) as seen:
        page = await client.get(mine(patient))
    assert page.status_code == 200 and titles(page) == ["Bilan kiné intermédiaire"]
    [plan] = [p for s, p in seen.plans if s.startswith("SELECT document.id, document.dossier_id")]
    assert "ix_document_author_newest (dossier_id=? AND author_professional_id=?)" in plan, plan
    assert "ix_document_newest" not in plan and "TEMP B-TREE" not in plan, plan


async def test_a_medecin_traitant_replaced_finds_the_documents_they_wrote_from_my_patients(client, db, app, patient):
    """The right they keep comes from their authorship alone: no grant, no emergency ever led them to the dossier."""
    claire = await new_professional(db, given_name="Claire", family_name="Bernard", profession="médecin")
    await activate_professional(client, claire)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=claire.professional, actor=PATIENT)
    await written_by(db, app, patient, claire, "Synthèse médicale 2017")
    await add_text_document(db, app, patient.dossier, title="IRM du genou droit")  # the patient's, not hers
    moreau = await new_professional(db, stem=2, given_name="Antoine", family_name="Moreau", profession="médecin")
    await set_medecin_traitant(db, dossier=patient.dossier, professional=moreau.professional, actor=PATIENT)

    page = await client.get("/pro")
    section = authored_section(page)
    assert "MARTIN Camille" in section and f'href="{mine(patient)}"' in section, page.text
    assert f'href="/dossiers/{patient.dossier.id}"' not in page.text  # the dossier itself no longer opens to her
    assert titles(await client.get(mine(patient))) == ["Synthèse médicale 2017"]
    # She held it (its médecin traitant): an access that ended, as her dossier page says it, not "never held" (a probe).
    assert section.startswith(SECTION) and NEVER_HELD not in page.text
    assert (await client.get(f"/dossiers/{patient.dossier.id}")).status_code == 403


async def test_an_author_who_never_held_a_right_is_listed_exactly_where_the_rule_lets_them_read(client, db, app):
    """Documents filed in their name without any grant (as the demo's, or a replaced médecin traitant's): listed
    while the dossier is open and they are not blocked, whatever they wrote is hidden; never for a deleted one."""
    names = ["Alice", "Bruno", "Chloé", "Denis", "Emile"]
    people = {n: await new_patient(db, given_name=n, family_name=f"Nom{n[0]}", serial=i + 1)
              for i, n in enumerate(names)}
    pro = await new_professional(db)
    await activate_professional(client, pro)
    written = {n: await written_by(db, app, people[n], pro, f"Bilan de {n}") for n in names}
    await hiding.set_hidden(db, document=written["Emile"], hidden=True, actor=PATIENT)
    await closing.set_closed(db, dossier=people["Bruno"].dossier, closed=True, actor=PATIENT)
    await blocks.block(db, dossier=people["Chloé"].dossier, professional=pro.professional, actor=PATIENT)
    await hiding.delete_document(db, document=written["Denis"], actor=PATIENT, storage=app.state.storage)

    page = await client.get("/pro")
    section = authored_section(page)
    listed = sorted(n for n in names if f'href="{mine(people[n])}"' in section)
    assert listed == ["Alice", "Emile"], page.text
    # Never held: no access of theirs ended there, and the page does not say one did (an outside probe's find).
    assert section.startswith(NEVER_HELD) and SECTION not in page.text and "a pris fin" not in page.text
    for name in names:
        assert (await client.get(mine(people[name]))).status_code == (200 if name in listed else 404), name
        assert people[name].dossier.id not in page.text or name in listed, name  # no trace of the others


async def test_my_patients_asks_as_many_questions_for_many_dossiers_as_for_one(client, db, app):
    """Each dossier of the page is the rule's answer, asked for all of them at once: never a question per dossier
    or per document."""
    pro = await new_professional(db)
    await activate_professional(client, pro)
    asked = []
    for serial in range(1, 6):
        person = await new_patient(db, given_name=f"Patient{serial}", family_name="Nom", serial=serial)
        if serial == 1:
            await grant(db, person, pro)  # one open to them, above; the others their own documents alone
        await written_by(db, app, person, pro, f"Bilan {serial}")
        await written_by(db, app, person, pro, f"Bilan {serial} bis")
        if serial in (2, 5):
            with Statements(app.state.engine) as seen:
                page = await client.get("/pro")
            assert page.text.count("/mes-documents") == serial - 1, page.text
            asked.append(len(seen.seen))
    assert asked[0] == asked[1], asked


# --- point 2: back to the dossier whenever it opens; an upload is confirmed --------------------------


async def test_an_author_who_may_open_the_dossier_is_led_back_to_it_and_told_the_document_was_added(client, db,
                                                                                                    patient):
    await granted(client, db, patient)
    added = await upload(client, patient.dossier, data=pdf_bytes(), title="Bilan kiné intermédiaire")
    assert added.status_code == 303
    landed = await client.get(added.headers["location"])
    assert "Le document est ajouté au dossier." in landed.text and 'role="status"' in landed.text
    assert f'class="back-link" href="/dossiers/{patient.dossier.id}"' in landed.text
    again = await client.get(added.headers["location"].split("?")[0])  # said once, not on every later visit
    assert "Le document est ajouté au dossier." not in again.text
    assert f'class="back-link" href="/dossiers/{patient.dossier.id}"' in again.text


async def test_an_emergency_author_is_led_back_to_the_dossier_too(client, db, app, patient):
    rescuer = await new_professional(db, profession="infirmier")
    await activate_professional(client, rescuer)
    account = await account_for_professional(db, professional=rescuer.professional)
    await emergencies.open_emergency(db, dossier=patient.dossier, professional=rescuer.professional,
                                     reason="Malaise à domicile, patiente confuse",
                                     actor=Actor.professional(account, rescuer.professional))
    document = await written_by(db, app, patient, rescuer, "Constat infirmier")
    page = await client.get(f"/documents/{document.id}")
    assert f'class="back-link" href="/dossiers/{patient.dossier.id}"' in page.text


async def test_an_authors_read_asks_what_any_readers_does(client, db, app, patient):
    """Whether the dossier opens to an author is the rule's answer the read already had: it once asked their
    standing again after the read's commit: three statements more than a colleague's read of the same page."""
    from tests.conftest import ORIGIN, AsyncTestClient

    await granted(client, db, patient)
    theirs = (await upload(client, patient.dossier, data=pdf_bytes(), title="Bilan kiné intermédiaire"))
    url = theirs.headers["location"].split("?")[0]
    async with AsyncTestClient(app, base_url=ORIGIN) as colleague:
        await granted(colleague, db, patient, stem=2)
        asked = []
        for reader in (client, colleague, client, colleague):  # the first two: first readings, their notices
            with Statements(app.state.engine) as seen:
                assert (await reader.get(url)).status_code == 200
            asked.append(len(seen.seen))
    assert asked[2] <= asked[3], asked  # (the colleague's page asks who its author is: the author knows)


async def test_a_professionals_read_asks_who_they_are_with_their_session_and_their_rights_in_one_question(
        client, db, app, patient):
    """Who the log names (the professional signed in) comes with the web session, and the delegations their account
    may hold with their grants, blocks and emergencies: two statements fewer before every professional's read."""
    await granted(client, db, patient)
    url = (await upload(client, patient.dossier, data=pdf_bytes(), title="Bilan kiné intermédiaire")
           ).headers["location"].split("?")[0]
    assert (await client.get(url)).status_code == 200  # the first reading, and its notice
    with Statements(app.state.engine) as seen:
        assert (await client.get(url)).status_code == 200
    froms = [re.search(r"\bFROM (\w+)", outermost(s)).group(1) for s in seen.seen
             if s.lstrip().upper().startswith("SELECT")]
    assert "professional" not in froms and "delegation" not in froms, seen.seen
    [rights] = [s for s in seen.seen if "UNION ALL" in s and re.search(r'FROM "?grant\b', s)]
    assert "FROM delegation" in rights, rights
    assert (await client.get(f"/dossiers/{patient.dossier.id}")).status_code == 200  # and their timeline reads


def outermost(statement: str) -> str:
    """The statement without its subqueries (the web session's asks whether the account helps with a dossier)."""
    while re.search(r"\([^()]*\)", statement):
        statement = re.sub(r"\([^()]*\)", "", statement)
    return statement


# --- point 3: each "Ajouter un document" names its patient ---------------------------------------------


async def test_each_add_document_link_of_my_patients_names_its_patient(client, db):
    camille = await new_patient(db)
    ines = await new_patient(db, given_name="Inès", family_name="Roux", serial=2)
    pro = await granted(client, db, camille)
    await grant(db, ines, pro)
    page = html.unescape((await client.get("/pro")).text)
    for name in ("de Camille Martin", "d'Inès Roux"):
        assert f'Ajouter un document<span class="visually-hidden"> au dossier {name}</span>' in page, name


# --- point 4: the lines of the profile they declared, as their documents -------------------------------


async def test_after_a_revoke_the_author_reads_and_withdraws_the_profile_line_she_declared(client, db, app, patient):
    """A pharmacist adds a treatment and a PDF, then loses her access: her page lists both, and nothing else of the
    profile; she withdraws the treatment as entered in error, as she may withdraw her document, each step logged."""
    from tests.profile_page_helpers import add, events_of, text_of

    pharmacist = await granted(client, db, patient, given_name="Nathalie", family_name="Roche",
                               profession="pharmacien", feminine=True)
    await upload(client, patient.dossier, data=pdf_bytes(), title="Plan de prise")
    assert (await add(client, patient, "treatment", label="Paracétamol 1 g", detail="3 fois par jour")).status_code \
        == 303
    await add_item_as_patient(db, patient, "Pénicilline")  # the patient's own line: never on her page
    await revoke(db, patient, pharmacist)
    assert (await client.get(f"/dossiers/{patient.dossier.id}/profil")).status_code == 403  # the profile: ended

    page = await client.get("/pro")
    assert "vos ajouts seulement" in authored_section(page)
    before = len(await events_of(db, patient))
    own = await client.get(mine(patient))
    shown = text_of(own)
    assert own.status_code == 200 and "Ce que vous avez ajouté au dossier" in shown
    assert titles(own) == ["Plan de prise"] and "Paracétamol 1 g" in shown and "3 fois par jour" in shown
    assert "Déclaré par vous le" in shown and "Pénicilline" not in shown
    # The page shows her line and her documents: a read of each, as their author, before it is sent.
    read = (await events_of(db, patient))[before:]
    assert [(e.action, e.right) for e in read] == [("read_profile", "author"), ("read_own_documents", "author")]

    [line] = re.findall(r'href="(/dossiers/[^"]+/profil/[^"]+/suppression)"', own.text)
    assert "Retirer (erreur de saisie)" in shown
    form = await client.get(line)
    assert form.status_code == 200 and f'class="back-link" href="{mine(patient)}#item-' in form.text
    assert "← Ce que vous avez ajouté au dossier" in text_of(form)
    done = await post_form(client, line, {}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{mine(patient)}?fait=retire"
    after = text_of(await client.get(done.headers["location"]))
    assert "L'information est retirée du profil" in after and "Paracétamol" not in after
    assert titles(await client.get(mine(patient))) == ["Plan de prise"]
    [withdrawal] = await events_of(db, patient, "profile_withdraw")
    assert withdrawal.right == "author" and "Paracétamol 1 g" in withdrawal.detail


async def test_an_author_who_only_declared_a_profile_line_finds_it_in_my_patients_until_she_withdraws_it(
        client, db, app, patient):
    """No document of hers: the dossier is listed for her line alone, which leads to it; withdrawn, nothing of hers
    is left there, and "Mes patients" says it is done. Blocked, the line is no longer hers to read or withdraw."""
    from tests.profile_page_helpers import add, text_of

    nurse = await granted(client, db, patient, profession="infirmier", feminine=True)
    for label in ("Amoxicilline 1 g", "Doliprane 500 mg"):
        assert (await add(client, patient, "treatment", label=label)).status_code == 303
    await db.commit()
    items = {i.label: i for i in (await db.exec(select(ProfileItem).where(
        ProfileItem.dossier_id == patient.dossier.id))).all()}
    await revoke(db, patient, nurse)
    # Long after the end: listed for what she declared, not as an access ended lately.
    grant_row = (await db.exec(select(Grant).where(Grant.dossier_id == patient.dossier.id))).one()
    grant_row.starts_at, grant_row.revoked_at = grant_row.starts_at - timedelta(days=400), utcnow() - timedelta(days=90)
    db.add(grant_row)
    await db.commit()

    section = authored_section(await client.get("/pro"))
    assert f'href="{mine(patient)}"' in section and "vos ajouts seulement" in section
    own = await client.get(mine(patient))
    assert own.status_code == 200 and titles(own) == [] and "Documents" not in re.findall(r"<h2[^>]*>([^<]*)", own.text)
    url = f"/dossiers/{patient.dossier.id}/profil/{{}}/suppression"
    first = await post_form(client, url.format(items["Amoxicilline 1 g"].id), {}, follow_redirects=False)
    assert first.headers["location"] == f"{mine(patient)}?fait=retire"
    last = await post_form(client, url.format(items["Doliprane 500 mg"].id), {}, follow_redirects=False)
    assert last.headers["location"] == "/pro?fait=retire"
    page = await client.get(last.headers["location"])
    assert "L'information est retirée du profil" in text_of(page) and mine(patient) not in page.text
    assert (await client.get(mine(patient))).status_code == 404

    # Another line of hers, then a block: neither her page nor the withdrawal opens any more.
    await grant(db, patient, nurse)
    assert (await add(client, patient, "allergy", label="Latex", severity="moderee")).status_code == 303
    await db.commit()
    latex = (await db.exec(select(ProfileItem).where(ProfileItem.label == "Latex"))).one()
    await revoke(db, patient, nurse)
    assert (await client.get(mine(patient))).status_code == 200
    await blocks.block(db, dossier=patient.dossier, professional=nurse.professional, actor=PATIENT)
    assert (await client.get(mine(patient))).status_code == 404
    assert (await client.get(url.format(latex.id))).status_code == 404
    assert (await post_form(client, url.format(latex.id), {}, follow_redirects=False)).status_code == 404


async def add_item_as_patient(db, patient, label: str):
    from server.profile.items import ItemInput, add_item

    await add_item(db, dossier=patient.dossier, data=ItemInput("allergy", label=label), actor=PATIENT,
                   today=date.today())


async def test_the_migration_indexes_the_authors_lines_and_takes_the_index_back(app, db, patient):
    from alembic import command
    from sqlalchemy import inspect

    from tests.patient_helpers import migrate

    async def indexes() -> set[str]:
        async with app.state.engine.connect() as connection:
            return await connection.run_sync(lambda sync: {index["name"]
                                                           for index in inspect(sync).get_indexes("profileitem")})

    await add_item_as_patient(db, patient, "Pénicilline")
    await migrate(app, command.downgrade, "0052")
    assert "ix_profileitem_author" not in await indexes()
    await migrate(app, command.upgrade, "head")
    assert "ix_profileitem_author" in await indexes()
    assert [i.label for i in (await db.exec(select(ProfileItem))).all()] == ["Pénicilline"]


# --- "Accès terminé" leads on: to what she added there, and to "Mes patients", once each --------------------------


def ways_on(page) -> list[tuple[str, str]]:
    """The links of a refusal's page (partials/error.html), as (address, words)."""
    actions = page.text.split('id="erreur"')[1].split('<p class="actions">')[1].split("</p>")[0]
    return [(href, html.unescape(words)) for href, words in re.findall(r'<a class="[^"]*" href="([^"]+)">([^<]+)</a>',
                                                                       actions)]


async def test_the_access_ended_page_leads_to_what_she_added_there_and_to_mes_patients_no_link_twice(
        client, db, app, patient):
    """An outside probe's find: "Voir mes patients" and "Revenir à l'accueil" led to one page, and none to the
    documents she still reads there."""
    kine = await granted(client, db, patient)
    await written_by(db, app, patient, kine, "Bilan kiné initial")
    theirs = await add_text_document(db, app, patient.dossier, title="IRM du genou droit")
    await revoke(db, patient, kine)
    expected = [(mine(patient), "Ce que vous avez ajouté au dossier"), ("/pro", "Voir mes patients")]
    # The dossier's pages, a document of another's she had the link to, and a note sent as it ended, alike.
    note = await post_form(client, f"/dossiers/{patient.dossier.id}/documents/nouvelle-note",
                           {"title": "Séance 4", "category": "compte_rendu", "event_date": "2025-02-03",
                            "note": "Flexion 110°."})
    for page in (await client.get(f"/dossiers/{patient.dossier.id}"),
                 await client.get(f"/dossiers/{patient.dossier.id}/profil"),
                 await client.get(f"/documents/{theirs.id}"), note):
        assert page.status_code == 403 and "Accès terminé" in page.text
        assert ways_on(page) == expected and "Revenir à l&#39;accueil" not in page.text
    assert (await client.get(mine(patient))).status_code == 200  # the page it leads to opens

    # Blocked, she reads nothing of the dossier, her own documents included: "Mes patients" alone.
    await blocks.block(db, dossier=patient.dossier, professional=kine.professional, actor=PATIENT)
    assert ways_on(await client.get(f"/dossiers/{patient.dossier.id}")) == [("/pro", "Voir mes patients")]


async def test_one_who_added_nothing_is_led_to_mes_patients_alone(client, db, app, patient):
    nurse = await granted(client, db, patient, profession="infirmier")
    await revoke(db, patient, nurse)
    page = await client.get(f"/dossiers/{patient.dossier.id}")
    assert page.status_code == 403 and ways_on(page) == [("/pro", "Voir mes patients")]
