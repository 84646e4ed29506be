"""A parent and a child's dossier: attaching it, two parents at most, and what is kept from them leaving no trace."""

from __future__ import annotations

import html
import re
from datetime import date

from tests.conftest import AsyncTestClient
from sqlmodel import select

from server.access import grants
from server.auth.accounts import account_for_patient, account_for_professional
from server.accesslog.audit import Actor
from server.models import AccessEvent, Delegation, Document
from tests.caregiver_helpers import as_account, invitation_code, new_caregiver, same_as_missing, words_of
from tests.caregiver_helpers import family  # noqa: F401 - a fixture
from tests.conftest import ORIGIN, add_text_document, get_csrf, new_patient, post_form, without_csrf
from tests.patient_helpers import MISSING, events, professional, titles_in


def png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format="PNG")
    return out.getvalue()


async def test_a_parent_attaches_a_childs_dossier_and_invites_the_other_parent(client, db, app, family):
    leo, mother = family
    doctor = await professional(db, "Girard", given_name="Anne", profession="médecin", stem=7)
    await grants.grant_access(db, dossier=leo.dossier, professional=doctor, categories="", duration="sans",
                              actor=Actor(None, "patient", "Léo Martin"))  # his log, before she attaches it
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    attached = await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()},
                               follow_redirects=False)
    assert (attached.status_code, attached.headers["location"]) == (303, f"/dossiers/{leo.dossier.id}")
    dossiers = await client.get("/mes-dossiers")
    assert "Mon dossier" in dossiers.text and "Léo Martin" in dossiers.text and "Vous le gérez, en tant que parent" in dossiers.text
    assert "Quitter ce dossier" in dossiers.text  # a parent's words too: not "ne plus aider"
    # Each button says which dossier it leaves (its name, to a screen reader).
    assert 'Quitter ce dossier<span class="visually-hidden"> (Léo Martin)</span>' in dossiers.text
    band = await client.get(f"/dossiers/{leo.dossier.id}")
    assert "Dossier de Léo Martin" in band.text and 'class="band-initials" aria-hidden="true">LM<' in band.text
    assert "log-badge" not in band.text  # what his log held before she attached it is not news to her

    code = await invitation_code(client, leo.dossier.id, relationship="parent")
    async with new_caregiver(app, code, given="Paul") as father:
        assert (await father.get(f"/dossiers/{leo.dossier.id}")).status_code == 200
    parents = (await db.exec(select(Delegation).where(Delegation.dossier_id == leo.dossier.id))).all()
    assert sorted(d.relationship for d in parents) == ["parent", "parent"]
    # Only parents invite a parent, only for a minor; an adult's code cannot be attached as a child's.
    adult = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=6, sex="M")
    refused = await post_form(client, "/enfant", {"code": adult.code, "birth_date": "1950-06-01"})
    assert refused.status_code == 400 and "personne majeure" in html.unescape(refused.text)


def current_menu_link(page: str) -> list[str]:
    """The links the menu marks as the page shown: in the bar (the copies behind "Plus" for a narrow bar left out:
    only one of the two is ever displayed)."""
    return re.findall(r'<a href="([^"]+)"(?: class="menu-roomy")? aria-current="page">', page)


async def test_the_menu_marks_the_page_shown_in_her_own_dossier_and_in_her_childs(client, db, family):
    leo, mother = family
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    own, child = mother.dossier.id, f"/dossiers/{leo.dossier.id}"
    for path, marked in ((f"/dossiers/{own}", ["/"]), (f"/dossiers/{own}/historique", ["/historique"]),
                         (f"/dossiers/{own}/annuaire", ["/acces"]), ("/mes-dossiers", ["/mes-dossiers"]),
                         (child, [child]), (f"{child}/profil", [f"{child}/profil"]),
                         (f"{child}/historique", [f"{child}/historique"]), ("/cles", ["/cles"])):
        assert current_menu_link((await client.get(path)).text) == marked, path
    # Her son's printouts keep the menu in his dossier: it led her to her own "Accès" and "Historique".
    for path in (f"{child}/imprimer", f"{child}/historique/imprimer"):
        page = (await client.get(path)).text
        assert f'href="{child}/historique"' in page and 'href="/historique"' not in page, path
    # Each dossier she holds has a colour of its own, the same in her list and on its pages.
    listed = {dossier: colour for colour, dossier in re.findall(
        r'class="dossier-band (band-\d)" href="/dossiers/(\w+)"', (await client.get("/mes-dossiers")).text)}
    assert listed.keys() == {own, leo.dossier.id} and listed[own] != listed[leo.dossier.id]
    assert f'class="dossier-band {listed[leo.dossier.id]}"' in (await client.get(child)).text
    assert "aura 18 ans" not in (await client.get(child)).text  # told only in the year before


async def test_a_minor_has_two_parents_at_most_and_a_parent_removes_whom_they_invited(client, db, app, family):
    leo, mother = family
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    # She alone manages it, and Léo has no account: stepping down would leave it to no one, and she is told first.
    alone = html.unescape((await client.get("/mes-dossiers")).text)
    assert "Personne d'autre ne gère le dossier de Léo Martin : sans vous, personne ne pourra plus l'ouvrir" in alone
    proches = f"/dossiers/{leo.dossier.id}/proches"
    code = await invitation_code(client, leo.dossier.id, relationship="parent")
    # While that invitation waits, no second one: it would make a third parent.
    assert "Inviter l'autre parent" not in (await client.get(proches)).text
    refused = await post_form(client, f"{proches}/invitations", {"lien": "parent"})
    assert refused.status_code == 400 and "déjà ses deux parents ou tuteurs" in html.unescape(refused.text)
    async with new_caregiver(app, code, given="Marc", family="Inconnu") as marc:
        # A code given to the wrong person: the parent who gave it removes him, and he is told.
        page = words_of(await client.get(proches))
        assert "Inviter l'autre parent" not in page and "Retirer Marc Inconnu" in page
        marcs = (await db.exec(select(Delegation).where(Delegation.dossier_id == leo.dossier.id,
                                                        Delegation.invited_by_account_id.is_not(None)))).one()
        # He cannot remove the parent who invited him (she invited him; he did not invite her).
        mothers = (await db.exec(select(Delegation).where(Delegation.dossier_id == leo.dossier.id,
                                                          Delegation.id != marcs.id))).one()
        assert (await post_form(marc, f"{proches}/{mothers.id}/retrait", {})).status_code == 404
        assert "Retirer Camille" not in words_of(await marc.get(proches))
        removed = await post_form(client, f"{proches}/{marcs.id}/retrait", {}, follow_redirects=False)
        assert removed.status_code == 303
        assert (await marc.get(f"/dossiers/{leo.dossier.id}")).status_code == 404
        assert "vous a retiré l'accès au dossier de Léo Martin" in html.unescape((await marc.get("/mes-dossiers")).text)
    assert [e.action for e in await events(db, leo.dossier.id)][-1] == "caregiver_removed"
    # With him gone, the other parent may be invited again; once two, an older invitation is refused.
    first = await invitation_code(client, leo.dossier.id, relationship="parent")
    async with new_caregiver(app, first, given="Paul") as paul:
        # He has no dossier of his own: the codes page does not send him to "mon dossier".
        codes = html.unescape((await paul.get("/activer/codes")).text)
        assert "J'ai noté mes codes, continuer" in codes and "accéder à mon dossier" not in codes
    assert "Inviter l'autre parent" not in (await client.get(proches)).text
    # Léo, 9, has no account: stepping down tells those who open his dossier, not him.
    mine = html.unescape((await client.get("/mes-dossiers")).text)
    assert "son historique le dira à ceux qui l'ouvrent" in mine and "Léo en sera informé" not in mine
    assert "Personne d'autre ne gère" not in mine  # Paul manages it too


async def test_a_parent_invitation_is_refused_once_the_minor_has_two_parents(client, db, app, family):
    leo, mother = family
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    code = await invitation_code(client, leo.dossier.id, relationship="parent")
    # A second parent attaches the child's dossier with its own code meanwhile (the insurer's letter).
    father = await new_patient(db, given_name="Paul", family_name="Martin", birth=date(1982, 11, 5), serial=8, sex="M")
    async with AsyncTestClient(app, base_url=ORIGIN) as paul:
        await as_account(paul, db, await account_for_patient(db, patient=father.patient))
        db.add(Delegation(dossier_id=leo.dossier.id, caregiver_account_id=(await account_for_patient(
            db, patient=father.patient)).id, relationship="parent", can_manage=True))
        await db.commit()
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        refused = await post_form(browser, "/invitation", {"code": code})  # before any account is made
        assert refused.status_code == 400 and "déjà ses deux parents ou tuteurs" in html.unescape(refused.text)
        refused = await post_form(browser, "/invitation/compte", {"code": code, "given_name": "Marc",
                                                                   "family_name": "Inconnu"})
        assert "déjà ses deux parents ou tuteurs" in html.unescape(refused.text), refused.text
    parents = (await db.exec(select(Delegation).where(Delegation.dossier_id == leo.dossier.id))).all()
    assert len(parents) == 2


async def test_a_document_kept_from_a_minors_parents_leaves_them_no_trace(client, db, app, family):
    leo, mother = family
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    ordinary = await add_text_document(db, app, leo.dossier, title="Vaccin ROR", category="vaccination")
    doctor = await professional(db, "Girard", given_name="Anne", profession="médecin", stem=7)
    await grants.grant_access(db, dossier=leo.dossier, professional=doctor, categories="", duration="sans",
                              actor=Actor(None, "patient", "Léo Martin"))
    # The doctor files the document as Léo asked, kept from his parents, and reads it: traces a parent must not see.
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await as_account(desk, db, await account_for_professional(db, professional=doctor))
        form = await desk.get(f"/dossiers/{leo.dossier.id}/documents/nouveau")
        assert "Ne pas montrer aux parents" in form.text  # offered because Léo is a minor
        filed = await desk.post(
            f"/dossiers/{leo.dossier.id}/documents/nouveau", follow_redirects=False,
            data={"title": "Consultation confidentielle", "category": "compte_rendu", "event_date": "2025-02-03",
                  "confidentiel": "oui", "_csrf_token": await get_csrf(desk)},
            files={"file": ("cr.png", png(), "image/png")})
        assert filed.status_code == 303, filed.text
        secret_id = filed.headers["location"].split("?")[0].rsplit("/", 1)[1]
        assert (await desk.get(f"/documents/{secret_id}")).status_code == 200
    secret = await db.get(Document, secret_id)
    assert secret.hidden_from_representatives

    timeline = await client.get(f"/dossiers/{leo.dossier.id}")
    assert titles_in(timeline.text) == ["Vaccin ROR"]
    await same_as_missing(client, f"/documents/{secret.id}", f"/documents/{MISSING}")
    await same_as_missing(client, f"/documents/{secret.id}/fichier", f"/documents/{MISSING}/fichier")
    await same_as_missing(client, f"/documents/{secret.id}/masquage", f"/documents/{MISSING}/masquage",
                          data={"masque": "oui"})
    log = await client.get(f"/dossiers/{leo.dossier.id}/historique")
    csv = await client.get(f"/dossiers/{leo.dossier.id}/historique.csv")
    access = await client.get(f"/dossiers/{leo.dossier.id}/acces")
    for page in (timeline, log, csv, access):
        for trace in ("Consultation confidentielle", "Girard", doctor.rpps):
            assert trace not in page.text, (trace, page.url)
    # Her page, found in the directory, reads as the page of a doctor with no part in Léo's dossier: not Léo's grant.
    stranger = await professional(db, "Girard", given_name="Anne", profession="médecin", stem=8)
    # Nor does "voir comme".
    for page in ("professionnels", "voir-comme"):
        shown = [without_csrf((await client.get(f"/dossiers/{leo.dossier.id}/{page}/{p.id}")).text)
                 for p in (doctor, stranger)]
        # Each professional's Historique filter is a keyed hash of her own (accesslog/queries.professional_token).
        pages = [re.sub(r'"[0-9a-f]{64,}"|professionnel=[0-9a-f]+', "TOKEN", text.replace(p.id, "ID").replace(p.rpps, "RPPS"))
                 for text, p in zip(shown, (doctor, stranger), strict=True)]
        assert pages[0] == pages[1], page
    assert titles_in((await client.get(f"/dossiers/{leo.dossier.id}")).text) == [ordinary.title]
    # Nor the gaps they leave in the log's numbers: a parent is shown no number, hash or proof of any event.
    await shown_no_chain(client, leo.dossier.id)


async def shown_no_chain(client, dossier_id: str) -> None:
    """What a minor's parent is shown of the log names no event by the dossier's numbers (accesslog/numbering.py)."""
    log = (await client.get(f"/dossiers/{dossier_id}/historique")).text
    assert re.findall(r'id="evenement-([^"]+)"', log) and all(
        re.fullmatch(r"[0-9a-f]{32}", token) for token in re.findall(r'id="evenement-([^"]+)"', log))
    assert "/historique/preuve/" not in log and "data-journal-entry" not in log and "data-journal-check" not in log
    assert "x-log-seen\": \"" in log and not re.search(r'x-log-seen": "[0-9]{1,10}"', log)
    heading = (await client.get(f"/dossiers/{dossier_id}/historique.csv")).text.lstrip("\ufeff").split("\r\n")[0]
    assert heading.split(";")[0] == "date" and "hash" not in heading and "numéro" not in heading
    printed = (await client.get(f"/dossiers/{dossier_id}/historique/imprimer")).text
    assert "<li value=" not in printed and "empreinte" not in printed
    for number in range(1, 12):  # every number answers as a missing one: none tells a kept event from the others
        assert (await client.get(f"/dossiers/{dossier_id}/historique/preuve/{number}")).status_code == 404


async def test_a_parent_sees_no_numbers_even_when_nothing_is_kept_and_pages_through_with_tokens(client, db, app,
                                                                                              family):
    """Shown alike whether something is kept or not: otherwise the difference would tell."""
    from tests.test_timeline_scale import many_events

    leo, mother = family
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    await many_events(db, leo.dossier, 45)
    await shown_no_chain(client, leo.dossier.id)
    seen, url = [], f"/dossiers/{leo.dossier.id}/historique"
    while url:  # without JavaScript, each page is the list down through the next one: the last holds it all
        page = (await client.get(url)).text
        seen = re.findall(r'id="evenement-([0-9a-f]{32})"', page)
        following = re.search(r'<a id="more-([0-9a-f]{32})" class="more[^"]*" href="([^"]+)"', page)
        url = html.unescape(following[2]) if following else None
        assert url is None or re.search(r"avant=([0-9a-f]{32})#evenement-\1$", url), url
    head = (await db.exec(select(AccessEvent.seq).where(AccessEvent.dossier_id == leo.dossier.id)
                          .order_by(AccessEvent.seq.desc()))).first()
    assert len(seen) == len(set(seen)) == head  # each event once, every one of them (nothing kept here)
