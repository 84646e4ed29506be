"""A diabetic patient's endocrinologist-diabetologist and ophthalmologist are professionals Carnet knows (a probe's
find: neither could be registered, nor found): the desk registers them, the patient finds them in the directory by
either word, calls them "Dr", may declare one her médecin traitant, and finds their reports by the organ or the
illness ("yeux", "diabète"); English says their speciality in its words."""

from __future__ import annotations

import html
import re
from datetime import date

from server.access.medecin_traitant import set_medecin_traitant
from server.dossiers import add_document
from tests.conftest import activate, new_professional, post_form
from tests.patient_helpers import CAMILLE, titles_in
from tests.test_profession_forms import ADD, registered
from tests.test_professional_activation import carnet


def said(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def test_the_desk_registers_both_specialists(tmp_path):
    for profession, rpps in (("endocrinologue-diabétologue", "10000000009"), ("ophtalmologiste", "10000000017")):
        added = carnet(tmp_path, *ADD, "--profession", profession, "--rpps", rpps)
        assert added.returncode == 0, added.stderr
        assert f"Profession telle que les patients la lisent : {profession}." in added.stderr
        assert registered(tmp_path, rpps) == (profession, 0)


async def test_the_patient_finds_them_declares_one_and_finds_their_reports(client, db, app, patient):
    diabetologist = (await new_professional(db, given_name="Marie", family_name="Lambert", stem=51, feminine=True,
                                            profession="endocrinologue-diabétologue")).professional
    ophthalmologist = (await new_professional(db, given_name="Hugo", family_name="Perrin", stem=52,
                                              profession="ophtalmologiste")).professional
    for title, author in (("Consultation du 3 avril", diabetologist), ("Bilan du 9 avril", ophthalmologist)):
        await add_document(db, app.state.storage, dossier=patient.dossier, title=title, category="compte_rendu",
                           event_date=date(2025, 4, 12), filename="note.txt", mime_type="text/plain",
                           data=b"Contenu", author=author)
    await db.commit()
    await activate(client, patient)
    dossier = f"/dossiers/{patient.dossier.id}"

    for words, name in (("diabétologue", "Dr Marie Lambert"), ("endocrinologue lyon", "Dr Marie Lambert"),
                        ("ophtalmologiste", "Dr Hugo Perrin")):
        found = said(await post_form(client, f"{dossier}/annuaire", {"q": words}))
        assert name in found, (words, found)
    for words, title in (("diabète", "Consultation du 3 avril"), ("yeux", "Bilan du 9 avril"),
                         ("œil", "Bilan du 9 avril")):
        page = await post_form(client, f"{dossier}/recherche", {"q": words})
        assert titles_in(page.text) == [title], words

    await set_medecin_traitant(db, dossier=patient.dossier, professional=ophthalmologist, actor=CAMILLE)
    await db.commit()
    assert "Dr Hugo Perrin est le médecin traitant déclaré." in said(await client.get(
        f"{dossier}/professionnels/{ophthalmologist.id}"))
    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    access = said(await client.get(f"{dossier}/acces"))
    assert "ophthalmologist" in access
    assert "endocrinologist-diabetologist" in said(await post_form(client, f"{dossier}/annuaire", {"q": "lambert"}))
