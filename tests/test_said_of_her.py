"""A professional whose profession is written in the feminine (`profession_feminine`, "masseuse-kinésithérapeute") is
said so in every sentence about her that has a word to agree: the médecin traitant's ("Dr Claire Bernard est la
médecin traitante déclarée", "Ne plus la déclarer"), a blocked one's ("Bloquée", "elle ne peut rien lire"), her own
banner. One written in the masculine reads as before. Ending a médecin traitant is asked first, on her page as on the
Accès page's line, as revoking and blocking are."""

from __future__ import annotations

import html
import re

from server.access import blocks, grants
from server.access.medecin_traitant import set_medecin_traitant
from tests.conftest import activate, activate_professional, new_professional
from tests.patient_helpers import CAMILLE

WOMAN = {"given_name": "Claire", "family_name": "Bernard", "profession": "médecin", "feminine": True}
MAN = {"given_name": "Paul", "family_name": "Girard", "profession": "médecin", "stem": 2}


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
