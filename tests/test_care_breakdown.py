"""The Soins page's totals by kind of care and by professional (an outside probe's find: for her complementary
insurer's claim and her tax return, a patient added the lines of a year by hand, as ameli's account sums them): of
the period and kind asked, on screen and on the sheet to print; and of the lines the reader sees only, so that a
line hidden from professionals names no one in a professional's totals."""

from __future__ import annotations

import html
import re
from datetime import date

from server.access import grants
from server.models import paris_today
from server.reimbursements import importer
from server.reimbursements.layout import read
from tests.conftest import ORIGIN, AsyncTestClient, activate, activate_professional, new_professional, post_form
from tests.patient_helpers import CAMILLE
from tests.test_reimbursements import HEADER


def line(ins: str, ref: str, day: date, system: str, code: str, label: str, performer: str, spent: str, base: str,
         reimbursed: str) -> str:
    return ";".join([ins, ref, day.isoformat(), day.isoformat(), system, code, label, performer, "", "", "1", spent,
                     base, reimbursed])


def breakdown(page: str) -> list[tuple[str, str, list[str]]]:
    """Each heading of the totals and its rows: (heading, name, [count, paid, reimbursed, remaining])."""
    found = re.search(r'<details class="care-breakdown".*?</details>', page, re.S)
    assert found is not None, "no totals by kind and by professional"
    rows = []
    for title, items in re.findall(r"<h2[^>]*>(.*?)</h2>\s*<ul[^>]*>(.*?)</ul>", found.group(0), re.S):
        for name, facts in re.findall(r"<li><strong>(.*?)</strong>(.*?)</li>", items, re.S):
            words = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", part)).replace("·", "").split())
                     for part in re.findall(r'<span>(?:<span class="dot"[^>]*>· </span>)?(.*?)</span>(?= |</p>)', facts)]
            rows.append((title, html.unescape(re.sub(r"<[^>]+>", "", name)).strip(), words))
    return rows


async def load(db, ins: str) -> int:
    """This year's care (on its first day, never in the future) and last year's."""
    year = paris_today().year
    early = date(year, 1, 1)
    await importer.load(db, read("\n".join([
        HEADER,
        line(ins, "B1", early, "NGAP", "G", "Consultation médecin généraliste", "Dr Claire Bernard", "30,00", "30,00",
             "19,00"),
        line(ins, "B2", early, "NGAP", "G", "Consultation médecin généraliste", "Dr Claire Bernard", "30,00", "30,00",
             "19,00"),
        line(ins, "B3", early, "NGAP", "CNP", "Consultation psychiatre", "Dr Élodie Vasseur", "1250,00", "55,70",
             "37,99"),
        line(ins, "B4", early, "CIP13", "3400930000014", "Amoxicilline 1 g", "Pharmacie du Parc", "8,73", "8,73",
             "5,67"),
        # Last year's: never in this year's totals.
        line(ins, "B5", date(year - 1, 12, 30), "NGAP", "G", "Consultation médecin généraliste", "Dr Claire Bernard",
             "30,00", "30,00", "19,00"),
    ]).encode()))
    return year


async def test_a_year_is_summed_by_kind_of_care_and_by_professional_on_screen_and_on_paper(client, db, patient):
    year = await load(db, patient.patient.ins)
    await activate(client, patient)
    base = f"/dossiers/{patient.dossier.id}/soins"
    for url in (f"{base}?periode={year}", f"{base}/imprimer?periode={year}"):
        page = (await client.get(url)).text
        assert 'class="care-breakdown" open' in page if "imprimer" in url else 'class="care-breakdown">' in page
        assert breakdown(page) == [
            # What was paid above the base (the psychiatrist's 1 250,00 € on a 55,70 € base), apart: what a
            # complementary insurer's contract covers apart.
            ("Par type de soins", "Consultations et soins",
             ["3 soins", "Payé 1 310,00 €", "remboursé 75,99 €", "reste à charge 1 234,01 €",
              "dont dépassements 1 194,30 €"]),
            ("Par type de soins", "Médicaments", ["1 soin", "Payé 8,73 €", "remboursé 5,67 €", "reste à charge 3,06 €"]),
            # By name, as French orders them: "Élodie" among the E's, "Dr" first.
            ("Par professionnel ou établissement", "Dr Claire Bernard",
             ["2 soins", "Payé 60,00 €", "remboursé 38,00 €", "reste à charge 22,00 €"]),
            ("Par professionnel ou établissement", "Dr Élodie Vasseur",
             ["1 soin", "Payé 1 250,00 €", "remboursé 37,99 €", "reste à charge 1 212,01 €",
              "dont dépassements 1 194,30 €"]),
            ("Par professionnel ou établissement", "Pharmacie du Parc",
             ["1 soin", "Payé 8,73 €", "remboursé 5,67 €", "reste à charge 3,06 €"]),
        ]
        words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
        assert "Reste à charge 1 237,07 € Dont dépassements 1 194,30 €" in words  # the totals'
        assert "reste à charge 1 212,01 € · dont dépassement 1 194,30 €" in words  # its line's
        assert words.count("dont dépassement 1 194,30 €") == 1  # none said of a line paid at its base
    # A kind asked: its lines only.
    page = (await client.get(f"{base}?periode={year}&type=medicaments")).text
    assert [(title, name) for title, name, _ in breakdown(page)] == [
        ("Par type de soins", "Médicaments"), ("Par professionnel ou établissement", "Pharmacie du Parc")]


async def test_a_hidden_line_names_no_one_in_a_professionals_totals(client, db, app, patient):
    year = await load(db, patient.patient.ins)
    nurse = await new_professional(db, stem=2, given_name="Julie", family_name="Moreau", profession="infirmier")
    await grants.grant_access(db, dossier=patient.dossier, professional=nurse.professional, categories="",
                              duration="sans", actor=CAMILLE)
    await activate(client, patient)
    base = f"/dossiers/{patient.dossier.id}/soins"
    page = (await client.get(f"{base}?periode={year}")).text
    psychiatry = re.search(r'id="soin-([^"]+)"[^>]*>\s*<p class="care-what"><strong>Consultation psychiatre', page)
    done = await post_form(client, f"{base}/{psychiatry.group(1)}/masquage", {"masque": "oui"},
                           follow_redirects=False)
    assert done.status_code == 303
    async with AsyncTestClient(app, base_url=ORIGIN) as pro:
        await activate_professional(pro, nurse)
        theirs = (await pro.get(f"{base}?periode={year}")).text
    assert "Vasseur" not in theirs and "1 250" not in theirs
    assert ("Par type de soins", "Consultations et soins",
            ["2 soins", "Payé 60,00 €", "remboursé 38,00 €", "reste à charge 22,00 €"]) in breakdown(theirs)
