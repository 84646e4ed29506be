"""A patient's identity names (the INS traits) are written as an identity document writes them: letters, spaces,
hyphens and apostrophes, wherever that identity is typed."""

import html
import re

from sqlmodel import select

from server.models import Patient
from tests.cli import carnet_in_process
from tests.conftest import activate_professional, make_ins, new_professional, post_form, wrong_fields

IDENTITY = {"given_name": "Inès", "family_name": "Lambert", "birth_date": "1990-07-14", "sex": "F", "consent": "oui"}
WRITTEN_AS = "comme sur la pièce d&#39;identité : des lettres, et au besoin des espaces, des traits d&#39;union ou des apostrophes."


async def pharmacist(client, db):
    await activate_professional(client, await new_professional(db, profession="pharmacien"))


def value_of(page: str, field: str) -> str:
    return html.unescape(re.search(rf'<input[^>]* name="{field}"[^>]* value="([^"]*)"', page).group(1))


async def patients(db) -> list[Patient]:
    await db.commit()
    return list((await db.exec(select(Patient))).all())


async def test_markup_emoji_or_digits_in_a_name_are_refused_on_its_field_the_typed_values_kept_and_nothing_written(
        client, db):
    await pharmacist(client, db)
    for names, wrong, field_words in (
            ({"given_name": "  jean-   pierre ", "family_name": "d'<i>Artagnan</i> 🤺"}, ["family_name"],
             "le nom de naissance"),
            ({"given_name": "Jean 2", "family_name": "Martin"}, ["given_name"], "le prénom"),
            ({"given_name": "🤺", "family_name": "Dupont4"}, ["given_name", "family_name"],
             "le prénom et le nom de naissance"),
            ({"given_name": "Jean", "family_name": "-'"}, ["family_name"], "le nom de naissance")):  # not a letter
        response = await post_form(client, "/pro/nouveau-dossier", {**IDENTITY, "ins": make_ins("F", 1990, 7, 42),
                                                                     **names})
        assert response.status_code == 400, names
        assert f"Écrivez {field_words} {WRITTEN_AS}" in response.text, names
        assert wrong_fields(response.text) == wrong, names
        for field, typed in names.items():  # kept as typed, spaces squeezed, for the professional to correct
            assert value_of(response.text, field) == " ".join(typed.split()), names
    assert await patients(db) == []


async def test_names_with_accents_hyphens_apostrophes_and_spaces_open_the_dossier_spaces_squeezed(client, db):
    await pharmacist(client, db)
    for serial, (given, family) in enumerate((("Jean-Pierre", "D'Artagnan"), ("Hélène", "Lefèvre"),
                                              ("Aïssatou", "N’Diaye"), ("  Marie   Claire ", "Œuvrard")), start=1):
        response = await post_form(client, "/pro/nouveau-dossier", {
            **IDENTITY, "ins": make_ins("F", 1990, 7, serial), "given_name": given, "family_name": family},
            follow_redirects=False)
        assert (response.status_code, response.headers.get("location")) == (303, "/pro/nouveau-dossier/code"), given
    assert sorted((p.given_name, p.family_name) for p in await patients(db)) == [
        ("Aïssatou", "N’Diaye"), ("Hélène", "Lefèvre"), ("Jean-Pierre", "D'Artagnan"), ("Marie Claire", "Œuvrard")]


def test_the_activation_code_command_refuses_the_same_names_in_the_same_words(tmp_path):
    result = carnet_in_process({"CARNET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}, "activation-code",
                               "--ins", make_ins("F", 1990, 7, 42), "--given-name", "Inès", "--family-name",
                               "d'<i>Artagnan</i>", "--birth-date", "1990-07-14", "--sex", "F")
    assert result.returncode != 0 and re.search(
        "Écrivez le nom de naissance comme sur la pièce d'identité", result.stderr), result.stderr
