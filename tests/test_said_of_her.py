"""A professional whose profession is written in the feminine (`profession_feminine`, "masseuse-kinésithérapeute") is
said so in every sentence about her that has a word to agree: the médecin traitant's ("Dr Claire Bernard est la
médecin traitante déclarée", "Ne plus la déclarer"), a blocked one's ("Bloquée", "elle ne peut rien lire"), her own
banner. One written in the masculine reads as before. Ending a médecin traitant is asked first, on her page as on the
Accès page's line, as revoking and blocking are."""

from __future__ import annotations

import html
import re

from server.access import blocks, emergencies, grants
from server.accesslog.audit import Actor
from server.access.medecin_traitant import set_medecin_traitant
from server.models import utcnow
from tests.conftest import activate, activate_professional, new_professional, post_form
from tests.patient_helpers import CAMILLE

WOMAN = {"given_name": "Claire", "family_name": "Bernard", "profession": "médecin", "feminine": True}
MAN = {"given_name": "Paul", "family_name": "Girard", "profession": "médecin", "stem": 2}
REASON = "Malaise, patiente inconsciente aux urgences"


def said(page) -> str:
    return " ".join(html.unescape(page.text).split())


def confirm_of(page, action: str) -> str:
    """The question a form asks before it is sent (carnet.js), "" for none."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>', html.unescape(page.text))
    asked = re.search(r'data-confirm="([^"]*)"', form.group(0)) if form else None
    return " ".join(asked.group(1).split()) if asked else ""


async def declared(db, patient, **person):
    doctor = await new_professional(db, **person)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor.professional, actor=CAMILLE)
    return doctor


async def test_a_woman_medecin_traitant_is_said_in_the_feminine_and_ending_it_is_asked_first(client, db, patient):
    doctor = await declared(db, patient, **WOMAN)
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"
    page = await client.get(f"{dossier}/professionnels/{doctor.professional.id}")
    text = said(page)
    assert "Dr Claire Bernard est la médecin traitante déclarée." in text
    assert ">Ne plus la déclarer comme médecin traitante</button>" in html.unescape(page.text)
    assert "le médecin traitant déclaré" not in text and "Ne plus le déclarer" not in text
    assert confirm_of(page, f"{dossier}/medecin-traitant") == "Ne plus déclarer Dr Claire Bernard comme médecin traitante ?"
    access = await client.get(f"{dossier}/acces")
    assert "Médecin traitante" in said(access)
    assert confirm_of(access, f"{dossier}/medecin-traitant") == \
        "Ne plus déclarer Dr Claire Bernard comme médecin traitante ?"


async def test_a_man_medecin_traitant_reads_as_before_and_ending_it_is_asked_first_too(client, db, patient):
    doctor = await declared(db, patient, **MAN)
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"
    page = await client.get(f"{dossier}/professionnels/{doctor.professional.id}")
    assert "Dr Paul Girard est le médecin traitant déclaré." in said(page)
    assert ">Ne plus le déclarer comme médecin traitant</button>" in html.unescape(page.text)
    assert confirm_of(page, f"{dossier}/medecin-traitant") == "Ne plus déclarer Dr Paul Girard comme médecin traitant ?"


async def test_a_blocked_woman_is_said_blocked_in_the_feminine(client, db, patient):
    kine = await new_professional(db, given_name="Léa", family_name="Fontaine", feminine=True)
    await grants.grant_access(db, dossier=patient.dossier, professional=kine.professional, categories="",
                              duration="sans", actor=CAMILLE)
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"
    page = await client.get(f"{dossier}/professionnels/{kine.professional.id}")
    assert confirm_of(page, f"{dossier}/professionnels/{kine.professional.id}/blocage") == (
        "Bloquer Léa Fontaine ? Cette professionnelle ne pourra plus rien lire, pas même les documents qu'elle a "
        "ajoutés, ni en urgence, jusqu'à ce que vous la débloquiez.")
    assert "Ce que cette professionnelle voit maintenant" in said(page)
    await blocks.block(db, dossier=patient.dossier, professional=kine.professional, actor=CAMILLE)
    page = said(await client.get(f"{dossier}/professionnels/{kine.professional.id}"))
    assert "Cette professionnelle est bloquée : elle ne peut rien lire." in page
    assert "Tant qu'elle est bloquée, cette professionnelle ne peut rien lire, pas même les documents qu'elle a " \
           "ajoutés. En la débloquant" in page
    assert "il est bloqué" not in page and "Ce professionnel est bloqué" not in page
    access = (await client.get(f"{dossier}/acces")).text.split("Professionnels bloqués")[1]
    assert "Léa Fontaine masseuse-kinésithérapeute Bloquée" in " ".join(re.sub(r"<[^>]+>", " ", access).split())
    seen = said(await client.get(f"{dossier}/voir-comme/{kine.professional.id}"))
    assert "Cette professionnelle est bloquée." in seen and "Ce professionnel est bloqué." not in seen


async def test_a_woman_medecin_traitant_reads_that_she_is_the_medecin_traitante(pro_client, db, patient):
    doctor = await declared(db, patient, **WOMAN)
    await activate_professional(pro_client, doctor)
    timeline = said(await pro_client.get(f"/dossiers/{patient.dossier.id}"))
    assert "Vous êtes la médecin traitante de cette patiente." in timeline


async def test_what_was_just_done_to_a_woman_is_said_in_the_feminine_and_to_a_man_as_before(client, db, patient):
    """The notice after a change of her access said "ce professionnel … il" of every professional (a probe's find):
    the redirect now says whether the professional is written in the feminine, as her line on the page does."""
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"
    woman = (await new_professional(db, given_name="Léa", family_name="Fontaine", feminine=True)).professional
    man = (await new_professional(db, **MAN)).professional

    async def notice(url: str, data: dict | None = None) -> str:
        done = await post_form(client, url, data or {}, follow_redirects=False)
        assert done.status_code == 303, done.text
        page = await client.get(done.headers["location"])
        status = re.search(r'role="status" data-done>(.*?)</div>', page.text, re.S)[1]
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", status)).split())

    for pro, she in ((woman, True), (man, False)):
        about = f"{dossier}/professionnels/{pro.id}"
        granted = await notice(f"{about}/acces", {"portee": "tout", "duree": "sans"})
        assert ("La professionnelle peut consulter" if she else "Le professionnel peut consulter") in granted
        changed = await notice(f"{about}/acces", {"portee": "tout", "duree": "1m"})
        assert changed.startswith("L'accès est changé."), changed  # of the access, not of them: one for all
        [grant] = await grants.current_grants(db, dossier_id=patient.dossier.id, professional_id=pro.id, now=utcnow())
        revoked = await notice(f"{dossier}/acces/{grant.id}/revocation")
        assert ("cette professionnelle ne peut plus voir" if she else "ce professionnel ne peut plus voir") in revoked
        blocked = await notice(f"{about}/blocage")
        assert ("Cette professionnelle est bloquée : elle ne peut plus rien lire" if she else
                "Ce professionnel est bloqué : il ne peut plus rien lire") in blocked, blocked
        unblocked = await notice(f"{about}/deblocage")
        assert ("Cette professionnelle n'est plus bloquée. Elle peut" if she else
                "Ce professionnel n'est plus bloqué. Il peut") in unblocked, unblocked
        async def emergency() -> str:
            opened = await emergencies.open_emergency(db, dossier=patient.dossier, professional=pro, reason=REASON,
                                                      actor=Actor(None, "professional", pro.given_name, pro.profession))
            return f"{dossier}/urgences/{opened.id}"

        first = await emergency()
        kept = await notice(f"{first}/revue", {"choix": "kept"})
        assert kept.startswith("C'est noté : cet accès d'urgence est considéré comme normal."), kept
        ended = await notice(f"{first}/fin")
        assert ("cette professionnelle pourra en demander un nouveau" if she else
                "ce professionnel pourra en demander un nouveau") in ended, ended
        reviewed = await notice(f"{await emergency()}/revue", {"choix": "blocked"})
        assert ("Cette professionnelle est bloquée : elle" if she else "Ce professionnel est bloqué : il") in reviewed
