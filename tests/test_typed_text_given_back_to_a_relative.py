"""What a relative typed is given back when her rights changed under her open form (an outside tester's find: Camille,
who managed Hugo's dossier, had typed a note in "Ajouter un document" when Hugo made her a reader; "Ajouter au
dossier" said "Rien n'a été fait : vous pouvez lire le dossier d'Hugo Lefèvre, mais pas le gérer", and her note was
gone). As a professional's is when her access ends (errors.Unsent): on the refusal's page, to copy, never stored,
nor logged, nor in an address. So too a line of the profile, and a treatment's new dose."""

from __future__ import annotations

import html
import re
from datetime import date

from sqlmodel import select

from server.accesslog.audit import Actor
from server.auth.accounts import account_for_patient
from server.models import AccessEvent, Delegation, Document, ProfileItem
from server.profile.items import add_item
from tests.caregiver_helpers import as_account, invitation_code, new_caregiver, words_of
from tests.conftest import new_patient, post_form
from tests.test_patient_adds_documents import add
from tests.test_profile import SAMPLES

READ_ONLY = "Rien n'a été fait : vous pouvez lire le dossier d'Hugo Lefèvre, mais pas le gérer."
NOTE = "Tension 14/9 ce matin, vertiges au lever.\nRappeler le cardiologue lundi."


def given_back(response) -> list[tuple[str, str]]:
    """Each field of the refusal's page that gives back what was typed: its label, and its text, read-only."""
    fields = re.findall(r'<label for="(non-envoye-\d+)">([^<]*)</label>\s*(?:<textarea id="\1"[^>]*readonly>([^<]*)'
                        r'</textarea>|<input id="\1" type="text" value="([^"]*)" readonly>)', response.text)
    return [(label, html.unescape(area or line)) for _, label, area, line in fields]


async def hugo_and_camille(client, db, app):
    """Hugo, signed in on `client`, and Camille, who manages his dossier: her browser, and her delegation."""
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1948, 5, 2), serial=11, sex="M")
    await as_account(client, db, await account_for_patient(db, patient=hugo.patient))
    code = await invitation_code(client, hugo.dossier.id, level="gestion")
    return hugo, code


async def made_a_reader(client, db, hugo) -> None:
    [delegation] = (await db.exec(select(Delegation).where(Delegation.dossier_id == hugo.dossier.id))).all()
    await db.commit()
    done = await post_form(client, f"/dossiers/{hugo.dossier.id}/proches/{delegation.id}/lecture-seule", {},
                           follow_redirects=False)
    assert done.status_code == 303


def told_only_reads(refused) -> None:
    assert refused.status_code == 403 and "location" not in refused.headers
    assert READ_ONLY in words_of(refused)


async def nothing_kept(db, hugo, *typed: str) -> None:
    await db.commit()
    events = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == hugo.dossier.id))).all()
    assert not any(word in f"{e.document_title} {e.detail}" for e in events for word in typed)
    assert not any(word in e.actor_name for e in events for word in typed)


async def test_her_note_is_given_back_when_she_was_made_a_reader_while_typing_it(client, db, app):
    hugo, code = await hugo_and_camille(client, db, app)
    async with new_caregiver(app, code, given="Camille", family="Lefèvre") as camille:
        assert (await camille.get(f"/dossiers/{hugo.dossier.id}/ajouter")).status_code == 200
        await made_a_reader(client, db, hugo)
        refused = await add(camille, hugo.dossier.id, title="Tension et vertiges", note=NOTE)
    told_only_reads(refused)
    assert "La note n'a pas été ajoutée au dossier. La voici, pour la copier : Carnet ne l'a pas gardée." \
        in words_of(refused)
    assert given_back(refused) == [("Titre", "Tension et vertiges"), ("Texte de la note", NOTE)]
    await db.commit()
    assert (await db.exec(select(Document).where(Document.dossier_id == hugo.dossier.id))).all() == []
    await nothing_kept(db, hugo, "Tension et vertiges", "vertiges au lever")


async def test_a_files_title_is_given_back_the_file_stays_on_her_device(client, db, app):
    hugo, code = await hugo_and_camille(client, db, app)
    async with new_caregiver(app, code, given="Camille", family="Lefèvre") as camille:
        await made_a_reader(client, db, hugo)
        refused = await add(camille, hugo.dossier.id, title="Ordonnance du Dr Petit",
                            file=("ordonnance.pdf", b"%PDF-1.4 not read", "application/pdf"))
    told_only_reads(refused)
    assert "Le document n'a pas été ajouté au dossier : son fichier est resté sur votre appareil." in words_of(refused)
    assert given_back(refused) == [("Titre", "Ordonnance du Dr Petit")]


async def test_a_line_of_the_profile_and_a_new_dose_are_given_back_too(client, db, app):
    hugo, code = await hugo_and_camille(client, db, app)
    treatment = await add_item(db, dossier=hugo.dossier, data=SAMPLES["treatment"],
                               actor=Actor(None, "patient", "Hugo Lefèvre"), today=date.today())
    profile = f"/dossiers/{hugo.dossier.id}/profil"
    async with new_caregiver(app, code, given="Camille", family="Lefèvre") as camille:
        await made_a_reader(client, db, hugo)
        line = await post_form(camille, f"{profile}/ajouter?type=directive",
                               {"label": "Directives anticipées", "detail": "Un exemplaire chez sa fille Camille"},
                               follow_redirects=False)
        dose = await post_form(camille, f"{profile}/{treatment.id}/posologie",
                               {"detail": "2 comprimés le matin", "changed_on": date.today().isoformat()},
                               follow_redirects=False)
    for refused in (line, dose):
        told_only_reads(refused)
    assert "L'information n'a pas été ajoutée au profil médical. La voici, pour la copier : Carnet ne l'a pas gardée." \
        in words_of(line)
    assert given_back(line) == [("Ce que vous aviez saisi",
                                 "Directives anticipées\nUn exemplaire chez sa fille Camille")]
    assert "La nouvelle posologie n'a pas été enregistrée. La voici, pour la copier : Carnet ne l'a pas gardée." \
        in words_of(dose)
    assert given_back(dose) == [("Nouvelle posologie", "2 comprimés le matin")]
    await db.commit()
    items = (await db.exec(select(ProfileItem).where(ProfileItem.dossier_id == hugo.dossier.id))).all()
    assert [item.id for item in items] == [treatment.id]
    await nothing_kept(db, hugo, "sa fille Camille", "2 comprimés")


async def test_removed_while_typing_she_is_led_to_her_dossiers_with_her_note(client, db, app):
    hugo, code = await hugo_and_camille(client, db, app)
    async with new_caregiver(app, code, given="Camille", family="Lefèvre") as camille:
        [delegation] = (await db.exec(select(Delegation).where(Delegation.dossier_id == hugo.dossier.id))).all()
        await db.commit()
        await post_form(client, f"/dossiers/{hugo.dossier.id}/proches/{delegation.id}/retrait", {})
        refused = await add(camille, hugo.dossier.id, title="Tension et vertiges", note=NOTE)
    assert refused.status_code == 404 and "Action non effectuée" in words_of(refused)
    assert 'href="/mes-dossiers"' in refused.text
    assert given_back(refused) == [("Titre", "Tension et vertiges"), ("Texte de la note", NOTE)]
    await nothing_kept(db, hugo, "Tension et vertiges", "vertiges au lever")
