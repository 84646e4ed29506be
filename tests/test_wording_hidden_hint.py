"""The hint of "Masquer aux autres soignants" says who still sees what is hidden without casting its reader as the
médecin traitant (a user probe read "Vous, son médecin traitant, votre patient… le verront" as an apposition): on the
form of a document and on that of an information of the profile, for a patient and for a patiente."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import new_patient
from tests.test_pro_own_documents import granted

HINTS = {
    ("F", "documents/nouveau"): "Vous le verrez, comme son médecin traitant, votre patiente et les proches qui ont accès à "
                                "son dossier ; votre patiente pourra le montrer de nouveau.",
    ("M", "documents/nouveau"): "Vous le verrez, comme son médecin traitant, votre patient et les proches qui ont accès à "
                                "son dossier ; votre patient pourra le montrer de nouveau.",
    ("F", "profil/ajouter?type=treatment"): "Vous la verrez, comme son médecin traitant, votre patiente et les proches "
                                            "qui ont accès à son dossier ; votre patiente pourra la montrer de nouveau.",
    ("M", "profil/ajouter?type=treatment"): "Vous la verrez, comme son médecin traitant, votre patient et les proches "
                                            "qui ont accès à son dossier ; votre patient pourra la montrer de nouveau.",
}


def hint_of(page) -> str:
    [hint] = re.findall(r'<p class="hint small muted" id="hidden-hint">(.*?)</p>', page.text, re.S)
    return " ".join(html.unescape(hint).split())


@pytest.mark.parametrize("sex, form", list(HINTS), ids=[f"{sex}-{form.split('/')[0]}" for sex, form in HINTS])
async def test_the_hidden_hint_puts_the_reader_beside_the_medecin_traitant_not_as_one(client, db, sex, form):
    person = await new_patient(db, given_name="Camille" if sex == "F" else "Hugo", sex=sex)
    await granted(client, db, person, given_name="Irène", family_name="Lacan", profession="médecin", feminine=True)
    page = await client.get(f"/dossiers/{person.dossier.id}/{form}")
    assert page.status_code == 200
    hint = hint_of(page)
    assert hint.endswith(HINTS[sex, form]), hint
    assert "Vous, son médecin traitant" not in hint


MT_HINTS = {
    ("F", "documents/nouveau"): "Vous le verrez, en tant que sa médecin traitante, ainsi que votre patiente et les "
                                "proches qui ont accès à son dossier ; votre patiente pourra le montrer de nouveau.",
    ("M", "documents/nouveau"): "Vous le verrez, en tant que sa médecin traitante, ainsi que votre patient et les "
                                "proches qui ont accès à son dossier ; votre patient pourra le montrer de nouveau.",
    ("F", "profil/ajouter?type=allergy"): "Vous la verrez, en tant que sa médecin traitante, ainsi que votre patiente "
                                          "et les proches qui ont accès à son dossier ; votre patiente pourra la "
                                          "montrer de nouveau.",
    ("M", "profil/ajouter?type=treatment"): "Vous la verrez, en tant que sa médecin traitante, ainsi que votre "
                                            "patient et les proches qui ont accès à son dossier ; votre patient "
                                            "pourra la montrer de nouveau.",
}


@pytest.mark.parametrize("sex, form", list(MT_HINTS), ids=[f"{sex}-{form.split('/')[0]}" for sex, form in MT_HINTS])
async def test_the_medecin_traitant_is_told_she_reads_it_as_such_not_beside_herself(client, db, sex, form):
    """An outside probe: the médecin traitant filing a hidden report, or adding a hidden line to the profile, was told
    "Vous le verrez, comme son médecin traitant": to her, she reads it as the médecin traitante she is (her
    profession written in the feminine: "sa médecin traitante", tests/test_said_of_her_rights.py)."""
    from server.access.medecin_traitant import set_medecin_traitant
    from tests.test_pro_own_documents import PATIENT

    person = await new_patient(db, given_name="Camille" if sex == "F" else "Hugo", sex=sex)
    doctor = await granted(client, db, person, given_name="Claire", family_name="Bernard", profession="médecin",
                           feminine=True)
    await set_medecin_traitant(db, dossier=person.dossier, professional=doctor.professional, actor=PATIENT)
    page = await client.get(f"/dossiers/{person.dossier.id}/{form}")
    assert page.status_code == 200
    hint = hint_of(page)
    assert hint.endswith(MT_HINTS[sex, form]), hint
    assert "comme son médecin traitant" not in hint
