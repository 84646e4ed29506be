"""A row of facts with "·" between them (templating.dots_row) draws a "·" only between two items that say something:
none before the first, whatever the empty items before it (a reason that does not hold, markup with no text), and
"Mes patients" lists each dossier's reasons so: at 360 px, a card's line began with a stray "· accès accordé…"."""

from __future__ import annotations

import re

from markupsafe import Markup

from server.access import grants
from server.access.medecin_traitant import set_medecin_traitant
from server.templating import dots_row
from tests.conftest import new_patient
from tests.test_professional_access import PATIENT, patient_blocks, signed_in

DOT = '<span class="dot" aria-hidden="true">· </span>'


def test_an_item_without_text_is_left_out_with_its_dot():
    row = dots_row(["", Markup(" \n  "), Markup('<span class="muted"> </span>'), "Proche", " ", "gestion"])
    assert row == Markup(f'<span class="dots"><span>Proche</span> <span>{DOT}gestion</span></span>')
    assert dots_row([Markup(" "), None]) == Markup('<span class="dots"></span>')


async def test_my_patients_says_each_dossiers_reasons_with_no_dot_before_the_first(client, db):
    me, _account = await signed_in(client, db, profession="médecin")
    alice = await new_patient(db, given_name="Alice", family_name="Nom", serial=1)
    bruno = await new_patient(db, given_name="Bruno", family_name="Nom", serial=2)
    await grants.grant_access(db, dossier=alice.dossier, professional=me.professional, categories="", duration="1a",
                              actor=PATIENT)
    await set_medecin_traitant(db, dossier=bruno.dossier, professional=me.professional, actor=PATIENT)
    await grants.grant_access(db, dossier=bruno.dossier, professional=me.professional, categories="", duration="sans",
                              actor=PATIENT)
    lines = patient_blocks((await client.get("/pro")).text)
    reasons = {name: re.search(r'<ul class="dots small pro-reasons">(.*?)</ul>', block, re.S)[1]
               for name, block in lines.items()}
    assert reasons["Alice"].startswith("<li>accès accordé jusqu'au ") and DOT not in reasons["Alice"]
    assert re.fullmatch(rf"<li>médecin traitant</li> <li>{DOT}accès accordé sans date de fin \(tous les documents\)</li>",
                        reasons["Bruno"])
