"""A relative whose rights the patient changed while her page was open, and who then presses one of its buttons, is
told what she may do now (an outside probe's find: "Action non effectuée … n'existe plus ou a changé", no band, and
"Revoir la page" led to "Page introuvable" though she still read the dossier). Made a reader, she is told she may
only read it, under the dossier's band, with the way back to it; removed, she gets the refusal anyone gets, whose
way on is "Mes dossiers", where she is told why. Anyone else learns nothing: a foreign dossier and a missing one
answer alike, and a parent learns nothing of a document kept from her."""

from __future__ import annotations

import html
import re

from sqlmodel import select

from server.models import Delegation, utcnow
from tests.conftest import ORIGIN, post_form, without_csrf
from tests.patient_helpers import MISSING, events
from tests.caregiver_helpers import (  # noqa: F401  (camille and family: fixtures)
    as_account, camille, family, invitation_code, new_caregiver, words_of,
)

# True whether her rights changed or she always only read it (tests/test_managers_pages_to_readers.py).
READ_ONLY = "Rien n'a été fait : vous pouvez lire le dossier de Camille Martin, mais pas le gérer."


def boosted(page: str) -> dict[str, str]:
    """A form sent from `page` by htmx, as a boosted button sends it."""
    return {"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": f"{ORIGIN}{page}"}


def way_on(response) -> tuple[str, str]:
    """The error page's first button: where it leads, and what it says."""
    found = re.search(r'<a class="button primary" href="([^"]*)">([^<]*)</a>', response.text)
    assert found, response.text
    return found[1], html.unescape(found[2])


async def test_a_relative_made_a_reader_while_her_page_was_open_is_told_she_may_now_only_read(
        client, db, app, patient, camille):
    _, (irm, _) = camille
    dossier = f"/dossiers/{patient.dossier.id}"
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with new_caregiver(app, code) as paul:
        assert "Masquer aux professionnels" in (await paul.get(f"/documents/{irm.id}")).text
        [delegation] = (await db.exec(select(Delegation))).all()
        await db.commit()
        made_reader = await post_form(client, f"{dossier}/proches/{delegation.id}/lecture-seule", {},
                                      follow_redirects=False)
        assert made_reader.status_code == 303
        # His open pages: the document's "Masquer aux professionnels", the share form's "Afficher le code de partage".
        hidden = await post_form(paul, f"/documents/{irm.id}/masquage", {"masque": "oui"},
                                 headers=boosted(f"/documents/{irm.id}"))
        shared = await post_form(paul, f"{dossier}/partage", {"portee": "tout", "duree": "1m"},
                                 headers=boosted(f"{dossier}/partage"))
        for refused in (hidden, shared):
            assert refused.status_code == 403
            assert READ_ONLY in words_of(refused) and "n'existe plus" not in words_of(refused)
            assert way_on(refused) == (dossier, "Revenir au dossier")
            # The band still says whose dossier it is, and that he reads it; the menu offers no "Accès".
            assert "Lecture seule : vous lisez ce dossier sans pouvoir le modifier" in words_of(refused)
            assert f'href="{dossier}/acces"' not in refused.text
        assert (await paul.get(dossier)).status_code == 200
    assert "hide" not in [e.action for e in await events(db, patient.dossier.id)]


async def test_a_relative_removed_while_her_page_was_open_is_led_to_her_dossiers_not_to_a_missing_page(
        client, db, app, patient, camille):
    _, (irm, _) = camille
    dossier = f"/dossiers/{patient.dossier.id}"
    code = await invitation_code(client, patient.dossier.id, level="gestion")
    async with new_caregiver(app, code) as paul:
        [delegation] = (await db.exec(select(Delegation))).all()
        await db.commit()
        await post_form(client, f"{dossier}/proches/{delegation.id}/retrait", {})
        hidden = await post_form(paul, f"/documents/{irm.id}/masquage", {"masque": "oui"},
                                 headers=boosted(f"/documents/{irm.id}"))
        shared = await post_form(paul, f"{dossier}/partage", {"portee": "tout", "duree": "1m"},
                                 headers=boosted(f"{dossier}/partage"))
        for refused in (hidden, shared):
            assert refused.status_code == 404 and "Action non effectuée" in words_of(refused)
            assert way_on(refused) == ("/mes-dossiers", "Voir mes dossiers")
            assert "Camille Martin" not in words_of(refused)  # the refusal anyone gets: no band, no name
            # The refusal a document, or a dossier, that never was gets, but for its way on.
            assert "Rien n'a été fait : ce que visait cette action n'existe plus ou a changé" in words_of(refused)
        missing = await post_form(paul, f"/documents/{MISSING}/masquage", {"masque": "oui"},
                                  headers=boosted(f"/documents/{MISSING}"))
        assert without_csrf(hidden.text) == without_csrf(missing.text).replace(
            '<a class="button primary" href="">Revoir la page</a>',
            '<a class="button primary" href="/mes-dossiers">Voir mes dossiers</a>')
        # A part of a page htmx asked (the banner's "Vu"): the whole page goes to "Mes dossiers", not to one he lost.
        banner = await post_form(paul, f"{dossier}/notifications/vu", {},
                                 headers={"HX-Request": "true", "HX-Current-URL": f"{ORIGIN}{dossier}"})
        assert (banner.status_code, banner.headers.get("hx-redirect")) == (204, "/mes-dossiers")
        told = await paul.get(way_on(hidden)[0])
        assert "Camille Martin vous a retiré l'accès à son dossier." in words_of(told)


async def test_someone_who_never_held_the_dossier_learns_nothing_of_it(client, db, app, patient, camille):
    """Hugo reads Camille's dossier, not Inès's: for him, her dossier and a missing one answer alike."""
    from tests.conftest import new_patient

    _, (irm, _) = camille
    ines = await new_patient(db, given_name="Inès", family_name="Durand", serial=7)
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with new_caregiver(app, code, given="Hugo", family="Lefèvre") as hugo:
        foreign = await post_form(hugo, f"/dossiers/{ines.dossier.id}/partage", {"portee": "tout", "duree": "1m"})
        missing = await post_form(hugo, f"/dossiers/{MISSING}/partage", {"portee": "tout", "duree": "1m"})
        assert foreign.status_code == missing.status_code == 404
        assert without_csrf(foreign.text) == without_csrf(missing.text)


async def test_leaving_a_dossier_names_it_but_not_in_the_address(client, db, app, patient, camille):
    code = await invitation_code(client, patient.dossier.id, level="lecture")
    async with new_caregiver(app, code) as paul:
        left = await post_form(paul, f"/dossiers/{patient.dossier.id}/quitter", {}, follow_redirects=False)
        assert left.status_code == 303 and left.headers["location"] == "/mes-dossiers?fait=dossier-quitte"
        page = words_of(await paul.get(left.headers["location"]))
    assert "Vous ne suivez plus le dossier de Camille Martin." in page and "La personne en est informée." in page


async def test_a_parent_whose_rights_ended_learns_nothing_of_a_document_kept_from_her(
        client, db, app, family):
    """Removed, a parent is led to "Mes dossiers" from a document she read; from one a professional kept from her at
    her child's request (CSP L1111-5), she gets a missing document's answer, as she always did."""
    from server.auth.accounts import account_for_patient
    from tests.conftest import add_text_document, get_csrf

    leo, mother = family
    await as_account(client, db, await account_for_patient(db, patient=mother.patient))
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    read = await add_text_document(db, app, leo.dossier, title="Vaccin ROR", category="vaccination")
    kept = await add_text_document(db, app, leo.dossier, title="Consultation confidentielle")
    kept.hidden_from_representatives = True  # as the doctor's upload form files it, at Léo's request
    db.add(kept)
    [delegation] = (await db.exec(select(Delegation))).all()
    delegation.revoked_at, delegation.end_reason = utcnow(), "removed"  # her rights on his dossier ended
    db.add(delegation)
    await db.commit()
    token = await get_csrf(client)
    answers = {name: await client.post(f"/documents/{document}/masquage", data={"masque": "oui", "_csrf_token": token})
               for name, document in (("read", read.id), ("kept", kept.id), ("missing", MISSING))}
    assert way_on(answers["read"]) == ("/mes-dossiers", "Voir mes dossiers")
    assert answers["kept"].status_code == answers["missing"].status_code == 404
    assert without_csrf(answers["kept"].text) == without_csrf(answers["missing"].text)
