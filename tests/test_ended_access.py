"""A professional whose access to a dossier ended is told so on its pages, and how to have it again, whatever she
held it by (a grant, an emergency access, being its médecin traitant); "Mes patients" lists the accesses ended
lately, and finds a patient by name among her own. Anyone else still gets a missing dossier's answer."""

import re
from datetime import timedelta
from urllib.parse import unquote, urlsplit
from uuid import uuid4

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlmodel import select, update

from server.access import blocks, closing, emergencies, grants
from server.access.medecin_traitant import set_medecin_traitant
from server.accesslog import audit
from server.accesslog.audit import Actor
from server.auth.accounts import account_for_patient, account_for_professional
from server.models import EmergencyAccess, Grant, utcnow
from tests.conftest import (
    activate_professional, get_csrf, new_patient, new_professional, post_form, without_csrf, without_search_token,
)
from tests.patient_helpers import migrate, same_404
from tests.profile_page_helpers import browser

PATIENT = Actor(None, "patient", "Le patient")
ENDED = ("Votre accès à ce dossier a pris fin. Pour le consulter de nouveau, demandez à votre patient un nouveau code de "
         "partage. En cas d&#39;urgence, vous pouvez aussi demander un accès d&#39;urgence, si le patient l&#39;autorise.")
MISSING = "0" * 32


async def signed_in(client, db, *, stem=1, family_name="Moreau"):
    pro = await new_professional(db, stem=stem, family_name=family_name)
    await activate_professional(client, pro)
    return pro


async def grant(db, person, pro):
    return await grants.grant_access(db, dossier=person.dossier, professional=pro.professional, categories="",
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
        await grants.revoke_grant(db, dossier=person.dossier, grant_id=row.id, actor=PATIENT)


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
    assert urlsplit(address).path == "/pro" and "lef" not in without_search_token(address).lower()
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
    assert live.headers["hx-replace-url"].startswith("/pro?recherche=")
    assert "mart" not in without_search_token(live.headers["hx-replace-url"])
    assert 'data-results-count="1 patient trouvé"' in live.text
    # No words: the whole list again.
    cleared = await post_form(client, "/pro/recherche", {"q": ""}, follow_redirects=True)
    assert "LEFÈVRE" in cleared.text and "MARTIN" in cleared.text and str(cleared.url).endswith("/pro")


# --- an emergency access, a médecin traitant ---------------------------------------------------------------------

REASON = "Patiente inconsciente amenée aux urgences, antécédents inconnus"


async def signed_in_doctor(client, db, *, stem=1, family_name="Bernard"):
    doctor = await new_professional(db, stem=stem, given_name="Claire", family_name=family_name, profession="médecin")
    await activate_professional(client, doctor)
    return doctor


async def emergency(db, person, pro) -> EmergencyAccess:
    """Her bris de glace on the dossier, as the emergency form opens it (24 hours)."""
    account = await account_for_professional(db, professional=pro.professional)
    return await emergencies.open_emergency(db, dossier=person.dossier, professional=pro.professional, reason=REASON,
                                            actor=Actor.professional(account, pro.professional))


async def emergency_past(db, person, pro, *, days_ago: int) -> None:
    """Her emergency accesses to the dossier, their window over that many days ago, as time would have it."""
    now = utcnow()
    await db.commit()
    await db.exec(update(EmergencyAccess).where(EmergencyAccess.dossier_id == person.dossier.id,
                                                EmergencyAccess.professional_id == pro.professional.id).values(
        starts_at=now - timedelta(days=days_ago, hours=24), ends_at=now - timedelta(days=days_ago)))
    await db.commit()


async def medecin_traitant(db, person, pro) -> None:
    await set_medecin_traitant(db, dossier=person.dossier, professional=pro.professional if pro else None,
                                      actor=PATIENT)


async def window_passed(db, person, doctor, colleague):
    await emergency_past(db, person, doctor, days_ago=1)


async def refused_at_review(db, person, doctor, colleague):
    [access] = (await db.exec(select(EmergencyAccess).where(EmergencyAccess.dossier_id == person.dossier.id))).all()
    assert await emergencies.review_emergency(db, dossier=person.dossier, emergency_id=access.id, outcome="blocked",
                                              actor=PATIENT)


async def opted_out(db, person, doctor, colleague):
    await emergencies.set_emergency_opt_out(db, dossier=person.dossier, opt_out=True, actor=PATIENT)


async def removed(db, person, doctor, colleague):
    await medecin_traitant(db, person, None)


async def replaced(db, person, doctor, colleague):
    await medecin_traitant(db, person, colleague)


async def blocked(db, person, doctor, colleague):
    await blocks.block(db, dossier=person.dossier, professional=doctor.professional, actor=PATIENT)


ENDINGS = {  # what she held the dossier by, and what ended it
    "emergency window passed": (emergency, window_passed),
    "emergency refused at its review": (emergency, refused_at_review),
    "emergency access refused meanwhile": (emergency, opted_out),
    "médecin traitant removed": (medecin_traitant, removed),
    "médecin traitant replaced": (medecin_traitant, replaced),
    "médecin traitant blocked": (medecin_traitant, blocked),
}


async def held_then_ended(db, person, doctor, colleague, ending: str) -> None:
    held, ended = ENDINGS[ending]
    await held(db, person, doctor)
    await ended(db, person, doctor, colleague)


@pytest.mark.parametrize("ending", ENDINGS)
async def test_an_access_held_otherwise_than_by_a_grant_ends_in_the_very_words_of_a_revoked_grant(client, db, ending):
    """One answer whatever she held and whatever ended it: not a missing dossier's, nor what the patient did."""
    helene = await new_patient(db, given_name="Hélène", family_name="Lefèvre", serial=1)
    marc = await new_patient(db, given_name="Marc", family_name="Dubois", serial=2, sex="M")
    doctor = await signed_in_doctor(client, db)
    colleague = await new_professional(db, stem=2, given_name="Paul", family_name="Girard", profession="médecin")
    await grant(db, marc, doctor)
    await revoke(db, marc, doctor)
    revoked = await client.get(f"/dossiers/{marc.dossier.id}")
    held, ended = ENDINGS[ending]
    await held(db, helene, doctor)
    assert (await client.get(f"/dossiers/{helene.dossier.id}")).status_code == 200  # she read it
    await ended(db, helene, doctor, colleague)
    for page in ("", "/profil"):
        response = await client.get(f"/dossiers/{helene.dossier.id}{page}")
        assert response.status_code == 403, page
        assert ENDED in message(response) and 'href="/pro"' in response.text, page
        assert response.headers["cache-control"] == "no-store"
    assert without_csrf(response.text) == without_csrf((await client.get(f"/dossiers/{marc.dossier.id}/profil")).text)
    assert without_csrf(revoked.text) == without_csrf((await client.get(f"/dossiers/{helene.dossier.id}")).text)


async def ended_everywhere(db, person, doctor, colleague) -> None:
    """Every way she held the dossier, ended: an emergency access past its window, médecin traitant replaced."""
    await held_then_ended(db, person, doctor, colleague, "emergency window passed")
    await held_then_ended(db, person, doctor, colleague, "médecin traitant replaced")


async def test_a_professional_who_never_held_the_dossier_gets_a_missing_dossiers_answer(client, db):
    """Another's emergency access, another's time as médecin traitant, tell her nothing of the dossier."""
    helene = await new_patient(db, given_name="Hélène", family_name="Lefèvre", serial=1)
    held = await new_professional(db, stem=2, given_name="Paul", family_name="Girard", profession="médecin")
    successor = await new_professional(db, stem=3, given_name="Anne", family_name="Roux", profession="médecin")
    await signed_in_doctor(client, db)
    await ended_everywhere(db, helene, held, successor)
    await medecin_traitant(db, helene, None)
    for page in ("", "/profil"):
        await same_404(client, f"/dossiers/{helene.dossier.id}{page}", f"/dossiers/{MISSING}{page}")


async def test_what_she_held_on_one_dossier_tells_nothing_of_another_nor_of_a_random_id(client, db):
    helene = await new_patient(db, given_name="Hélène", family_name="Lefèvre", serial=1)
    marc = await new_patient(db, given_name="Marc", family_name="Dubois", serial=2, sex="M")
    doctor = await signed_in_doctor(client, db)
    colleague = await new_professional(db, stem=2, given_name="Paul", family_name="Girard", profession="médecin")
    await ended_everywhere(db, helene, doctor, colleague)
    await medecin_traitant(db, marc, colleague)  # Marc's médecin traitant was never her
    await medecin_traitant(db, marc, None)
    assert (await client.get(f"/dossiers/{helene.dossier.id}")).status_code == 403
    for page in ("", "/profil"):
        await same_404(client, f"/dossiers/{marc.dossier.id}{page}", f"/dossiers/{MISSING}{page}")
        await same_404(client, f"/dossiers/{uuid4().hex}{page}", f"/dossiers/{MISSING}{page}")


async def test_a_patient_gets_a_missing_dossiers_answer_for_a_dossier_not_hers(app, db):
    helene = await new_patient(db, given_name="Hélène", family_name="Lefèvre", serial=1)
    marc = await new_patient(db, given_name="Marc", family_name="Dubois", serial=2, sex="M")
    doctor = await new_professional(db, stem=1, given_name="Claire", family_name="Bernard", profession="médecin")
    colleague = await new_professional(db, stem=2, given_name="Paul", family_name="Girard", profession="médecin")
    await ended_everywhere(db, helene, doctor, colleague)
    async with browser(app, db, await account_for_patient(db, patient=marc.patient)) as client:
        for page in ("", "/profil"):
            await same_404(client, f"/dossiers/{helene.dossier.id}{page}", f"/dossiers/{MISSING}{page}")


async def test_mes_patients_lists_an_ended_emergency_access_and_a_removed_medecin_traitant_for_thirty_days(
        client, db, monkeypatch):
    people = {name: await new_patient(db, given_name=name, family_name=f"Nom{name}", serial=i + 1)
              for i, name in enumerate(("Alice", "Bruno", "Chloé", "Denis", "Emma", "Fabien", "Gilles", "Hugo"))}
    doctor = await signed_in_doctor(client, db)
    colleague = await new_professional(db, stem=2, given_name="Paul", family_name="Girard", profession="médecin")
    await emergency(db, people["Alice"], doctor)  # open: its window runs
    await held_then_ended(db, people["Bruno"], doctor, colleague, "emergency window passed")
    await held_then_ended(db, people["Chloé"], doctor, colleague, "emergency access refused meanwhile")
    await emergency(db, people["Denis"], doctor)
    await emergency_past(db, people["Denis"], doctor, days_ago=40)
    await held_then_ended(db, people["Emma"], doctor, colleague, "médecin traitant removed")
    await held_then_ended(db, people["Fabien"], doctor, colleague, "médecin traitant replaced")
    monkeypatch.setattr(audit, "utcnow", lambda: utcnow() - timedelta(days=40))  # the log's clock, forty days ago
    await held_then_ended(db, people["Gilles"], doctor, colleague, "médecin traitant removed")
    monkeypatch.undo()
    await medecin_traitant(db, people["Hugo"], doctor)  # open: still hers
    page = await client.get("/pro")
    section = ended_section(page)
    for name in ("Alice", "Hugo"):
        assert f"NOM{name.upper()} {name}" in page.text and f"NOM{name.upper()}" not in section, name
    for name in ("Bruno", "Chloé", "Emma", "Fabien"):
        assert f"NOM{name.upper()} {name}" in section, name
        assert f'href="/dossiers/{people[name].dossier.id}"' not in page.text, name
    assert section.count("accès terminé") == 4
    assert "NOMDENIS" not in page.text and "NOMGILLES" not in page.text  # ended long ago
    for name, person in people.items():  # the list and the dossiers' pages agree
        expected = 200 if name in ("Alice", "Hugo") else 403
        assert (await client.get(f"/dossiers/{person.dossier.id}")).status_code == expected, name


async def logsubject_indexes(app) -> set[str]:
    async with app.state.engine.connect() as connection:
        return await connection.run_sync(lambda sync: {i["name"] for i in inspect(sync).get_indexes("logsubject")})


async def test_the_index_mes_patients_finds_a_removed_medecin_traitant_by_goes_down_and_up(app, db):
    assert "ix_logsubject_key" in await logsubject_indexes(app)
    await migrate(app, command.downgrade, "0050-1")
    assert "ix_logsubject_key" not in await logsubject_indexes(app)
    await migrate(app, command.upgrade, "head")
    assert "ix_logsubject_key" in await logsubject_indexes(app)


async def test_a_closed_dossier_takes_no_medecin_traitant_so_none_is_told_an_access_ended(client, db):
    """Declared on a closed dossier, a doctor would have been told later that her access ended, with the patient's
    name under "Accès terminés", of a dossier that never opened to her: the declaration is refused, as a grant."""
    from server.dossiers import InvalidInput

    helene = await new_patient(db, given_name="Hélène", family_name="Lefèvre", serial=1)
    doctor = await signed_in_doctor(client, db)
    await closing.set_closed(db, dossier=helene.dossier, closed=True, actor=PATIENT)
    with pytest.raises(InvalidInput):
        await set_medecin_traitant(db, dossier=helene.dossier, professional=doctor.professional, actor=PATIENT)
    await set_medecin_traitant(db, dossier=helene.dossier, professional=None, actor=PATIENT)
    assert "LEFÈVRE" not in (await client.get("/pro")).text
    for page in ("", "/profil"):
        await same_404(client, f"/dossiers/{helene.dossier.id}{page}", f"/dossiers/{MISSING}{page}")


async def test_mes_patients_finds_a_patient_by_birth_date_alone_or_with_her_name(client, db):
    """How a pharmacist makes sure of who is at the counter: the birth date every line shows, typed as JJ/MM/AAAA,
    JJ/MM or the year, with or without a name; the search stays out of the address as a name does."""
    from datetime import date

    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 7, 23), serial=1, sex="M")
    lucie = await new_patient(db, given_name="Lucie", family_name="Lefort", birth=date(1950, 2, 3), serial=2)
    camille = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 7, 23), serial=3)
    nurse = await signed_in(client, db)
    for person in (hugo, camille):
        await grant(db, person, nurse)
    await ended_grant(db, lucie, nurse, days_ago=1)  # an access ended lately is searched as well

    for query, found in (("23/07/1950", ["LEFÈVRE"]), ("1950", ["LEFÈVRE", "LEFORT"]),
                         ("23/07", ["LEFÈVRE", "MARTIN"]),
                         ("23.07.1950", ["LEFÈVRE"]), ("03/02/1950", ["LEFORT"]), ("3/2/1950", ["LEFORT"]),
                         ("lef 1950", ["LEFÈVRE", "LEFORT"]), ("lefevre 23/07/1950", ["LEFÈVRE"]),
                         ("1950 hugo", ["LEFÈVRE"]), ("martin 1950", []), ("24/07/1950", []), ("31/02/1950", []),
                         # As the list itself writes it, as software writes it, with a year of two digits.
                         ("23 juillet 1950", ["LEFÈVRE"]), ("23 Juil. 1950", ["LEFÈVRE"]), ("3 février 1950", ["LEFORT"]),
                         ("23 juillet", ["LEFÈVRE", "MARTIN"]), ("1er février 1950", []), ("1950-07-23", ["LEFÈVRE"]),
                         ("23071950", ["LEFÈVRE"]), ("19500723", ["LEFÈVRE"]), ("230750", ["LEFÈVRE"]),
                         ("23/07/50", ["LEFÈVRE"]), ("23/07/84", ["MARTIN"]), ("lefevre 23 juillet", ["LEFÈVRE"]),
                         ("23 juil.", ["LEFÈVRE", "MARTIN"]), ("3 févr.", ["LEFORT"]), ("23 juil. 50", ["LEFÈVRE"]),
                         ("lef 23 juil.", ["LEFÈVRE"])):
        sent = await post_form(client, "/pro/recherche", {"q": query}, follow_redirects=False)
        address = sent.headers["location"]
        assert urlsplit(address).path == "/pro", address
        assert query.split()[0] not in unquote(without_search_token(address)), address
        page = await client.get(address)
        shown = [name for name in ("LEFÈVRE", "LEFORT", "MARTIN") if f"{name} " in page.text]
        assert shown == found, (query, shown)
        assert f'value="{query}"' in page.text


async def test_mes_patients_finds_a_patient_by_her_ins_as_the_band_shows_it_or_typed_at_once(client, db):
    """The INS the dossier's band shows, grouped by spaces, or typed as the emergency form takes it (no spaces, dots,
    "2a" for Corsica): it finds her among the professional's own patients, never another, and stays out of the
    address as a name does (an emergency physician's probe: it found nothing)."""
    from datetime import date

    from server.dossiers import create_patient
    from server.identifiers import ins_for_reading, ins_key

    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 7, 23), serial=1, sex="M")
    lucie = await new_patient(db, given_name="Lucie", family_name="Lefort", birth=date(1950, 2, 3), serial=2)
    stranger = await new_patient(db, given_name="Louis", family_name="Lefebvre", serial=3, sex="M")  # not hers
    corsican_nir = "28403" + "2A" + "004012"
    corsican, corsican_dossier = await create_patient(db, ins=corsican_nir + ins_key(corsican_nir),
                                                      given_name="Camille", family_name="Martin",
                                                      birth_date=date(1984, 3, 12), sex="F")
    nurse = await signed_in(client, db)
    await grant(db, hugo, nurse)
    await ended_grant(db, lucie, nurse, days_ago=1)  # an access ended lately is searched as well
    await grants.grant_access(db, dossier=corsican_dossier, professional=nurse.professional, categories="",
                              duration="sans", actor=PATIENT)

    spaced = ins_for_reading(hugo.patient.ins)
    for query, found in ((spaced, ["LEFÈVRE"]), (hugo.patient.ins, ["LEFÈVRE"]),
                         (".".join(spaced.split()), ["LEFÈVRE"]), (f"  {spaced}  ", ["LEFÈVRE"]),
                         (ins_for_reading(lucie.patient.ins), ["LEFORT"]),
                         (ins_for_reading(corsican.ins).lower(), ["MARTIN"]), (corsican.ins.lower(), ["MARTIN"]),
                         (stranger.patient.ins, []), (ins_for_reading(stranger.patient.ins), [])):
        sent = await post_form(client, "/pro/recherche", {"q": query}, follow_redirects=False)
        address = sent.headers["location"]
        # The INS, whole, however it was typed: a group of two digits alone may turn up in the random token.
        typed = "".join(query.replace(".", " ").split()).upper()
        assert urlsplit(address).path == "/pro" and typed not in unquote(address).upper(), address
        page = await client.get(address)
        shown = [name for name in ("LEFÈVRE", "LEFORT", "MARTIN", "LEFEBVRE") if f"{name} " in page.text]
        assert shown == found, (query, shown)
