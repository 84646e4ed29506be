"""A professional whose access to a dossier ended is told so on its pages, and how to have it again; "Mes patients"
lists the accesses ended lately, and finds a patient by name among her own. Anyone else still gets a missing
dossier's answer."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

from sqlmodel import select

from server.access import rights
from server.accesslog.audit import Actor
from server.models import Grant, utcnow
from tests.conftest import activate_professional, get_csrf, new_patient, new_professional, post_form, without_csrf
from tests.patient_helpers import same_404

PATIENT = Actor(None, "patient", "Le patient")
ENDED = "Votre accès à ce dossier a pris fin. Pour le consulter de nouveau, demandez à votre patient un nouveau code de partage."
MISSING = "0" * 32


async def signed_in(client, db, *, stem=1, family_name="Moreau"):
    pro = await new_professional(db, stem=stem, family_name=family_name)
    await activate_professional(client, pro)
    return pro


async def grant(db, person, pro):
    return await rights.grant_access(db, dossier=person.dossier, professional=pro.professional, categories="",
                                     duration="sans", actor=PATIENT)


async def ended_grant(db, person, pro, *, days_ago: int):
    """A grant whose end date passed that many days ago."""
    now = utcnow()
    db.add(Grant(dossier_id=person.dossier.id, professional_id=pro.professional.id,
                 starts_at=now - timedelta(days=days_ago + 30), ends_at=now - timedelta(days=days_ago)))
    await db.commit()


async def revoke(db, person, pro):
    await db.commit()
    for row in (await db.exec(select(Grant).where(Grant.professional_id == pro.professional.id,
                                                  Grant.dossier_id == person.dossier.id))).all():
        await rights.revoke_grant(db, dossier=person.dossier, grant_id=row.id, actor=PATIENT)


def message(page) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split())


def ended_section(page) -> str:
    return page.text[page.text.index("Accès terminés"):] if "Accès terminés" in page.text else ""


async def test_a_revoked_professional_is_told_on_the_dossiers_pages_that_her_access_ended(client, db, patient):
    nurse = await signed_in(client, db)
    await grant(db, patient, nurse)
    assert (await client.get(f"/dossiers/{patient.dossier.id}")).status_code == 200
    await revoke(db, patient, nurse)
    for page in ("", "/profil"):
        response = await client.get(f"/dossiers/{patient.dossier.id}{page}")
        assert response.status_code == 403, page
        assert ENDED in message(response) and 'href="/pro"' in response.text, page
        assert "introuvable" not in response.text and "révoqu" not in response.text, page
        assert response.headers["cache-control"] == "no-store"
    # "Charger plus", a search as she types: the whole page again, which then says so.
    more = await client.get(f"/dossiers/{patient.dossier.id}?apres=x", headers={"HX-Request": "true",
                                                                                 "HX-Target": "more-x"})
    assert more.headers.get("hx-refresh") == "true"


async def test_an_expired_access_is_said_in_the_very_words_of_a_revoked_one(client, db, patient):
    nurse = await signed_in(client, db)
    await ended_grant(db, patient, nurse, days_ago=2)
    response = await client.get(f"/dossiers/{patient.dossier.id}")
    assert response.status_code == 403 and ENDED in message(response)
    assert "expir" not in response.text


async def test_anyone_who_never_held_a_grant_gets_a_missing_dossiers_answer(client, db, patient):
    other = await new_patient(db, given_name="Hugo", family_name="Lefèvre", serial=2, sex="M")
    nurse = await signed_in(client, db)
    await ended_grant(db, other, nurse, days_ago=2)  # an ended grant on another dossier tells nothing of this one
    for page in ("", "/profil"):
        await same_404(client, f"/dossiers/{patient.dossier.id}{page}", f"/dossiers/{MISSING}{page}")


async def test_mes_patients_lists_the_accesses_ended_within_thirty_days(client, db):
    people = {name: await new_patient(db, given_name=name, family_name=f"Nom{name}", serial=i + 1)
              for i, name in enumerate(("Alice", "Bruno", "Chloé", "Denis"))}
    nurse = await signed_in(client, db)
    await grant(db, people["Alice"], nurse)
    await grant(db, people["Bruno"], nurse)
    await revoke(db, people["Bruno"], nurse)
    await ended_grant(db, people["Chloé"], nurse, days_ago=3)
    await ended_grant(db, people["Denis"], nurse, days_ago=40)
    page = await client.get("/pro")
    section = ended_section(page)
    assert "NOMALICE" not in section and "NOMALICE Alice" in page.text  # open: above
    assert "NOMBRUNO Bruno" in section and "NOMCHLOÉ Chloé" in section and "accès terminé" in section
    assert "NOMDENIS" not in page.text  # ended long ago
    assert "demandez au patient un nouveau code de partage" in section
    assert f'href="/dossiers/{people["Bruno"].dossier.id}"' not in page.text


async def test_mes_patients_finds_a_patient_by_name_among_her_own_without_the_name_in_the_address(client, db):
    lefevre = await new_patient(db, given_name="Hélène", family_name="Lefèvre", serial=1)
    martin = await new_patient(db, given_name="Camille", family_name="Martin", serial=2)
    ended = await new_patient(db, given_name="Lucie", family_name="Lefort", serial=3)
    stranger = await new_patient(db, given_name="Louis", family_name="Lefebvre", serial=4, sex="M")  # not hers
    nurse = await signed_in(client, db)
    for person in (lefevre, martin):
        await grant(db, person, nurse)
    await ended_grant(db, ended, nurse, days_ago=1)

    sent = await post_form(client, "/pro/recherche", {"q": "LEFE"}, follow_redirects=False)
    assert sent.status_code == 303
    address = sent.headers["location"]
    assert urlsplit(address).path == "/pro" and "lef" not in address.lower()
    page = await client.get(address)
    assert "LEFÈVRE Hélène" in page.text and "MARTIN" not in page.text and "LEFEBVRE" not in page.text
    assert 'value="LEFE"' in page.text  # Back finds the field as it was
    # Accents and case ignored, given names too, every word a start of one; ended accesses are searched as well.
    for query, found in (("lefevre", ["LEFÈVRE"]), ("helene lef", ["LEFÈVRE"]), ("camille", ["MARTIN"]),
                         ("luc", ["LEFORT"]), ("lef", ["LEFÈVRE", "LEFORT"]), ("louis", [])):
        response = await post_form(client, "/pro/recherche", {"q": query}, follow_redirects=True)
        shown = [name for name in ("LEFÈVRE", "MARTIN", "LEFORT", "LEFEBVRE") if name in response.text]
        assert shown == found, (query, shown)
    assert "Aucun de vos patients ne correspond à «\u00a0louis\u00a0»" in response.text
    # As she types (htmx): the results alone, the address their token's.
    token = await get_csrf(client)
    live = await client.post("/pro/recherche", data={"q": "mart", "_csrf_token": token},
                             headers={"HX-Request": "true", "HX-Target": "pro-patients-results"})
    assert live.status_code == 200 and "<h1" not in live.text and "MARTIN Camille" in live.text
    assert live.headers["hx-replace-url"].startswith("/pro?recherche=") and "mart" not in live.headers["hx-replace-url"]
    assert 'data-results-count="1 patient trouvé"' in live.text
    # No words: the whole list again.
    cleared = await post_form(client, "/pro/recherche", {"q": ""}, follow_redirects=True)
    assert "LEFÈVRE" in cleared.text and "MARTIN" in cleared.text and str(cleared.url).endswith("/pro")
