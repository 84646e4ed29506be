"""What the dossier holds is French, as it was written (a title, the profile's lines, the insurer's labels): on a page in
English each is said to be French (WCAG 3.1.2 Language of Parts), so that a screen reader reads it with a French voice
and not the page's (an accessibility probe's find: "Bilan sanguin annuel 2026" read by an English voice). A French page
says nothing of it: it is as it was."""

from __future__ import annotations

import re
from datetime import date

from server.access.emergencies import open_emergency
from server.accesslog.audit import Actor, append, begin_chained, commit_chained
from server.profile.items import ItemInput, add_item, set_item_hidden
from tests.conftest import activate, add_text_document, post_form
from tests.patient_helpers import CAMILLE, professional
from tests.test_care_hidden import PSYCHIATRY, camilles_care

TITLE = "Bilan sanguin annuel 2026"
ALLERGY, REACTION = "Pollens de graminées", "Rhinite au printemps"
CONDITION = "Extrasystoles ventriculaires bénignes sur cœur sain"  # "ventriculaires" wider than a narrow line: fitted
TREATMENT, DOSAGE = "Bisoprolol 2,5 mg", "1 comprimé par jour le matin"
# Elements other than the page's own <html> said to be French.
MARKED = re.compile(r'<(?!html\b)[a-z0-9]+\b[^>]* lang="fr"[^>]*>')


def french_parts(page: str) -> list[str]:
    """The texts of the page's elements said to be French (none holds another element here)."""
    return re.findall(r'<[a-z0-9]+\b[^>]* lang="fr"[^>]*>([^<]*)<', page.split("<body", 1)[1])


async def pages(client, patient, document) -> dict[str, str]:
    dossier = f"/dossiers/{patient.dossier.id}"
    urls = {"timeline": dossier, "document": f"/documents/{document.id}", "profile": f"{dossier}/profil",
            "soins": f"{dossier}/soins", "historique": f"{dossier}/historique",
            "summary": f"{dossier}/profil/imprimer"}
    return {name: (await client.get(url)).text for name, url in urls.items()}


async def test_the_dossiers_own_words_are_said_to_be_french_on_an_english_page_and_nowhere_on_a_french_one(
        client, db, app, patient):
    document = await add_text_document(db, app, patient.dossier, title=TITLE, when=date(2026, 1, 20))
    for data in (ItemInput("allergy", label=ALLERGY, detail=REACTION),
                 ItemInput("condition", label=CONDITION, nature="current"),
                 ItemInput("treatment", label=TREATMENT, detail=DOSAGE, prescriber="Dr Claire Bernard")):
        await add_item(db, dossier=patient.dossier, data=data, actor=CAMILLE, today=date(2026, 2, 1))
    await camilles_care(db, patient)
    await begin_chained(db)
    await append(db, dossier_id=patient.dossier.id, action="read_document", document=document,
                 actor=Actor(None, "professional", "Léa Fontaine", profession="sage-femme"))
    await commit_chained(db)
    await activate(client, patient)

    french = await pages(client, patient, document)
    for name, page in french.items():
        assert '<html lang="fr"' in page and not MARKED.findall(page), name  # as it was
    assert f">{TITLE}</span>" in french["timeline"] and f"<h1>{TITLE}</h1>" in french["document"]

    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    english = await pages(client, patient, document)
    assert all('<html lang="en"' in page for page in english.values())
    assert f'<span class="doc-title"><span lang="fr">{TITLE}</span></span>' in english["timeline"]
    assert f'<h1><span lang="fr">{TITLE}</span></h1>' in english["document"]
    assert '<pre class="doc-text" lang="fr">Contenu : ' in english["document"]  # the document's own text
    profile = english["profile"]
    assert f'<strong><span lang="fr">{ALLERGY}</span></strong>' in profile
    assert f'<p><span lang="fr">{REACTION}</span></p>' in profile and f'<p><span lang="fr">{DOSAGE}</span></p>' in profile
    # Its widest word made smaller (record_text.fitted) by the same span that says it is French.
    assert re.search(f'<strong><span lang="fr" class="fit fit-\\d+">{CONDITION}</span></strong>', profile)
    assert re.search(f'<strong><span lang="fr"(?: class="fit fit-\\d+")?>{PSYCHIATRY}</span></strong>', english["soins"])
    # A sentence of the Historique in English, the title or the label it quotes in French.
    assert f'<span lang="fr">\u201c{TITLE}\u201d</span>' in english["historique"]
    assert f'the allergy <span lang="fr">\u201c{ALLERGY}\u201d</span> to the medical profile' in english["historique"]
    assert f'<span lang="fr">{DOSAGE}</span>' in english["summary"]
    # What Carnet says itself is not: the page's words, a category, a name, a date.
    assert not any(part in french_parts(page) for page in english.values()
                   for part in ("Compte rendu", "Report", "Dr Claire Bernard", "Camille Martin", "20 January 2026"))


REASON = "Malaise avec perte de connaissance sur la voie publique"


async def test_an_emergency_s_reason_and_a_hidden_line_of_the_profile_are_said_to_be_french_too(client, db, app,
                                                                                                  patient):
    """Two of the dossier's texts an English page said in its own voice (an outside tester's find): the reason a
    professional wrote for her emergency access, which the Historique quotes (on its page and printed) of the opening
    and of what she read through it, and the label of a hidden line of the profile on "What is hidden". Her name is
    not marked: names of people never are."""
    document = await add_text_document(db, app, patient.dossier, title=TITLE, when=date(2026, 1, 20))
    urgentist = await professional(db, "Roux", given_name="Anne", profession="médecin")
    anne = Actor(None, "professional", "Anne Roux", profession="médecin", rpps=urgentist.rpps)
    await open_emergency(db, dossier=patient.dossier, professional=urgentist, reason=f"{REASON}.", actor=anne)
    await begin_chained(db)
    await append(db, dossier_id=patient.dossier.id, action="read_document", document=document, actor=anne,
                 right="emergency")
    await commit_chained(db)
    allergy = await add_item(db, dossier=patient.dossier, data=ItemInput("allergy", label=ALLERGY, detail=REACTION),
                             actor=CAMILLE, today=date(2026, 2, 1))
    await set_item_hidden(db, item=allergy, hidden=True, actor=CAMILLE)
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"
    urls = {"historique": f"{dossier}/historique", "printed": f"{dossier}/historique/imprimer",
            "hidden": f"{dossier}/masques", "timeline": dossier, "access": f"{dossier}/acces",
            "professional": f"{dossier}/professionnels/{urgentist.id}"}

    french = {name: (await client.get(url)).text for name, url in urls.items()}
    assert not [name for name, page in french.items() if MARKED.findall(page)]
    assert french["historique"].count(f"(motif\u202f: {REASON})") == 2

    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    for name in ("historique", "printed"):
        page = (await client.get(urls[name])).text
        assert page.count(f'(reason: <span lang="fr">{REASON}</span>)') == 2, (name, re.findall(r"reason: .{80}", page))
        assert "Anne Roux" not in french_parts(page)
    # Where else her reason is quoted: the dossier's first page asks to review her access, the access pages say it.
    for name in ("timeline", "access", "professional"):
        page = (await client.get(urls[name])).text
        assert f'\u201c<span lang="fr">{REASON}' in page, (name, re.findall(r"reason.{80}", page, re.I))
    hidden = (await client.get(urls["hidden"])).text
    assert f'The allergy \u201c<span lang="fr">{ALLERGY}</span>\u201d' in hidden
