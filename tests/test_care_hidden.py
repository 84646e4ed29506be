"""A line of reimbursed care hidden from professionals as a document is (an outside probe's find: Camille hid her
"Consultation de psychiatrie" document, yet every professional whose access covers the `remboursement` category read
"Consultation psychiatre · Dr Nicolas Dubois" on Soins). The same rule: the médecin traitant still sees it."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from server.access import grants
from server.access.medecin_traitant import set_medecin_traitant
from server.access.rule import Visibility
from server.auth.accounts import account_for_patient
from server.auth.sessions import LOGGED_IN_WITH, start_session
from server.models import AccessEvent, Passkey, ReimbursementLine, paris_today
from server.reimbursements import importer
from server.reimbursements.layout import read
from tests.conftest import (
    ORIGIN, AsyncTestClient, activate, activate_professional, new_patient, new_professional, post_form, set_cookie,
    without_csrf,
)
from tests.patient_helpers import CAMILLE, migrate
from tests.caregiver_helpers import as_account, invitation_code, new_caregiver
from tests.test_export_for_parents import copy_for
from tests.test_kept_traces import care_line, minor_with_a_kept_doctor
from tests.test_hidden_list import listed
from tests.test_patient_documents import emergency
from tests.test_reimbursements import HEADER

PSYCHIATRY, SEROLOGY, GP = "Consultation psychiatre", "Sérologie VIH", "Consultation médecin généraliste"


def care(ins: str, ref: str, label: str, *, days: int, system="NGAP", code="CNP", performer="Dr Nicolas Dubois",
         prescriber="", spent="50,00", reimbursed="35,00") -> str:
    day = paris_today() - timedelta(days=days)
    return ";".join([ins, ref, day.isoformat(), (day + timedelta(days=3)).isoformat(), system, code, label, performer,
                     "", prescriber, "1", spent, spent, reimbursed])


async def camilles_care(db, patient) -> dict[str, ReimbursementLine]:
    """Her psychiatric consultation, the serology it prescribed, and a visit to her GP, loaded as the insurer's
    feed is."""
    ins = patient.patient.ins
    rows = [care(ins, f"PSY-{ins}", PSYCHIATRY, days=30),
            care(ins, f"VIH-{ins}", SEROLOGY, days=25, system="NABM", code="0388", performer="Laboratoire Bioliance",
                 prescriber="Dr Nicolas Dubois", spent="17,55", reimbursed="10,53"),
            care(ins, f"GP-{ins}", GP, days=10, code="G", performer="Dr Claire Bernard", spent="30,00",
                 reimbursed="21,00")]
    await importer.load(db, read(("\n".join([HEADER, *rows]) + "\n").encode()))
    lines = (await db.exec(select(ReimbursementLine).where(ReimbursementLine.dossier_id == patient.dossier.id))).all()
    return {line.label: line for line in lines}


@pytest.fixture
async def pro(app):
    """A professional's browser."""
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        yield browser


def hide(dossier_id: str, line: ReimbursementLine) -> str:
    return f"/dossiers/{dossier_id}/soins/{line.id}/masquage"


def totals(page: str) -> str:
    return html.unescape(re.search(r'<dl class="care-totals card".*?</dl>', page, re.S).group(0))


async def test_a_hidden_line_leaves_a_granted_professionals_soins_and_stays_on_the_medecin_traitants(client, db, app,
                                                                                                    patient, pro):
    lines = await camilles_care(db, patient)
    dossier_id = patient.dossier.id
    url = f"/dossiers/{dossier_id}/soins"
    granted = await new_professional(db, stem=2, given_name="Julie", family_name="Moreau", profession="infirmier")
    doctor = await new_professional(db, stem=3, given_name="Claire", family_name="Bernard", profession="médecin")
    urgentist = await new_professional(db, stem=4, given_name="Anne", family_name="Roux", profession="médecin")
    await grants.grant_access(db, dossier=patient.dossier, professional=granted.professional, categories="",
                              duration="sans", actor=CAMILLE)  # "Tous les documents"
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor.professional, actor=CAMILLE)
    await emergency(db, patient.dossier, urgentist.professional)
    await activate_professional(pro, granted)
    assert PSYCHIATRY in (await pro.get(url)).text  # before she hides it
    await activate(client, patient)
    mine = (await client.get(url)).text
    assert 'value="oui"' in mine and "Masquer aux professionnels" in mine

    for line in (lines[PSYCHIATRY], lines[SEROLOGY]):
        done = await post_form(client, hide(dossier_id, line), {"masque": "oui", "periode": "12"},
                               follow_redirects=False)
        assert done.status_code == 303
        assert done.headers["location"] == f"{url}?fait=masque&periode=12#soin-{line.id}"
    mine = (await client.get(f"{url}?fait=masque")).text
    assert "Ce soin est masqué aux professionnels" in mine
    # The insurer's monthly statements are documents: hiding the line does not hide them, and she is told where.
    assert "peuvent aussi le citer : chacun se masque à part" in mine
    assert f'href="/dossiers/{dossier_id}?categorie=remboursement">Voir les relevés</a>' in mine
    assert PSYCHIATRY in mine and mine.count('<span class="badge hidden-doc">Masqué aux professionnels</span>') == 2
    assert "Ne plus masquer" in mine
    assert "97,55" in totals(mine)  # her own totals keep every line

    async with AsyncTestClient(app, base_url=ORIGIN) as urgent, AsyncTestClient(app, base_url=ORIGIN) as treating:
        await activate_professional(urgent, urgentist)
        theirs = (await urgent.get(url)).text
        assert GP in theirs and PSYCHIATRY not in theirs and SEROLOGY not in theirs
        await activate_professional(treating, doctor)
        theirs = (await treating.get(url)).text
        assert PSYCHIATRY in theirs and SEROLOGY in theirs and "Dr Nicolas Dubois" in theirs
        # Hidden from the others, and she reads it (a bare "Masqué" said nothing to her); and her way back to the
        # dossier, as on its other pages (an outside probe's finds).
        assert theirs.count('<span class="badge hidden-doc">Masqué aux autres professionnels</span>') == 2
        assert f'<a class="back-link" href="/dossiers/{dossier_id}">← Retour au dossier</a>' in theirs
    theirs = await pro.get(url)
    assert theirs.status_code == 200 and GP in theirs.text
    assert PSYCHIATRY not in theirs.text and SEROLOGY not in theirs.text and "Dubois" not in theirs.text
    assert "97,55" not in totals(theirs.text) and "30,00" in totals(theirs.text)  # nor in the totals
    assert "masquage" not in theirs.text  # never theirs to hide
    assert (await post_form(pro, hide(dossier_id, lines[GP]), {"masque": "oui"})).status_code == 404

    # "Voir comme" says the same: the way to the care leads to it as each reads it, not to her own page.
    see_as = f"/dossiers/{dossier_id}/voir-comme/{granted.professional.id}"
    assert f'href="{see_as}/soins"' in (await client.get(see_as)).text
    seen = (await client.get(f"{see_as}/soins")).text
    assert GP in seen and PSYCHIATRY not in seen and "Masquer aux professionnels" not in seen
    seen = (await client.get(f"/dossiers/{dossier_id}/voir-comme/{doctor.professional.id}/soins")).text
    assert PSYCHIATRY in seen and SEROLOGY in seen and "Masqué aux autres professionnels" in seen

    # In her Historique, in plain French, and on "Masqué aux professionnels".
    log = html.unescape((await client.get(f"/dossiers/{dossier_id}/historique")).text)
    assert f"Vous avez masqué aux professionnels le soin «\u00a0{PSYCHIATRY}\u00a0» du" in log
    english = (await client.get(f"/dossiers/{dossier_id}/historique", headers={"accept-language": "en"})).text
    # Its date too, in the reader's language; its label as the insurer wrote it, said to be French.
    assert re.search(rf'You hid the care <span lang="fr">“{PSYCHIATRY}”</span> of \d+\u00a0[A-Z][a-z]+ \d{{4}} from '
                     "professionals, ", html.unescape(english))
    hidden = (await client.get(f"/dossiers/{dossier_id}/masques")).text
    assert listed(hidden) == [SEROLOGY, PSYCHIATRY] and f"/soins#soin-{lines[PSYCHIATRY].id}" in hidden

    # Shown again: back on the granted professional's page, out of the list, and in the Historique.
    assert (await post_form(client, hide(dossier_id, lines[PSYCHIATRY]), {"masque": "non"})).status_code == 200
    theirs = (await pro.get(url)).text
    assert PSYCHIATRY in theirs and SEROLOGY not in theirs
    assert listed((await client.get(f"/dossiers/{dossier_id}/masques")).text) == [SEROLOGY]
    log = html.unescape((await client.get(f"/dossiers/{dossier_id}/historique")).text)
    assert f"Vous avez rendu de nouveau visible aux professionnels le soin «\u00a0{PSYCHIATRY}\u00a0» du" in log
    await db.commit()
    events = (await db.exec(select(AccessEvent.action).where(
        AccessEvent.dossier_id == dossier_id, AccessEvent.action.in_(("care_hide", "care_unhide"))))).all()
    assert sorted(events) == ["care_hide", "care_hide", "care_unhide"]


async def test_a_manager_hides_a_line_and_a_reader_cannot(client, db, app, patient):
    lines = await camilles_care(db, patient)
    dossier_id = patient.dossier.id
    await activate(client, patient)
    code = await invitation_code(client, dossier_id, level="lecture")
    async with new_caregiver(app, code, given="Hugo", family="Martin") as reader:
        page = await reader.get(f"/dossiers/{dossier_id}/soins")
        assert PSYCHIATRY in page.text and "masquage" not in page.text
        refused = await post_form(reader, hide(dossier_id, lines[PSYCHIATRY]), {"masque": "oui"})
        assert refused.status_code == 403  # he reads the dossier: told he may only read it (errors.READ_ONLY)
    code = await invitation_code(client, dossier_id, level="gestion")
    async with new_caregiver(app, code, given="Paul", family="Martin") as manager:
        done = await post_form(manager, hide(dossier_id, lines[PSYCHIATRY]), {"masque": "oui"}, follow_redirects=False)
        assert done.status_code == 303
    await db.commit()  # a fresh read
    assert (await db.get(ReimbursementLine, lines[PSYCHIATRY].id, populate_existing=True)).hidden
    log = html.unescape((await client.get(f"/dossiers/{dossier_id}/historique")).text)
    assert f"Paul Martin, pour votre compte, a masqué aux professionnels le soin «\u00a0{PSYCHIATRY}\u00a0»" in log


async def test_another_dossiers_line_is_refused_as_a_missing_one(client, db, app, patient):
    lines = await camilles_care(db, patient)
    other = await new_patient(db, given_name="Louis", family_name="Girard", serial=42, sex="M")
    theirs = await camilles_care(db, other)
    await activate(client, patient)
    mine = patient.dossier.id
    answers = [await post_form(client, url, {"masque": "oui"}) for url in (
        hide(mine, theirs[PSYCHIATRY]),  # another patient's line, through her own dossier
        f"/dossiers/{mine}/soins/{'0' * 32}/masquage",  # no such line
        hide(other.dossier.id, theirs[PSYCHIATRY]),  # another patient's dossier
        f"/dossiers/{'0' * 32}/soins/{'0' * 32}/masquage",  # no such dossier
    )]
    assert [answer.status_code for answer in answers] == [404] * 4
    assert len({without_csrf(answer.text) for answer in answers}) == 1
    await db.commit()  # a fresh read
    assert not (await db.get(ReimbursementLine, theirs[PSYCHIATRY].id, populate_existing=True)).hidden
    wrong = await post_form(client, hide(mine, lines[PSYCHIATRY]), {"masque": "peut-être"})
    assert wrong.status_code == 400 and not (await db.get(ReimbursementLine, lines[PSYCHIATRY].id,
                                                          populate_existing=True)).hidden


@pytest.mark.parametrize("visible", [
    Visibility(),
    Visibility(general=True, hidden_too=True),  # the patient, a caregiver
    Visibility(general=True, hidden_too=True, author="pro"),  # the médecin traitant
    Visibility(general=True, author="pro"),  # a grant of every category, an emergency
    Visibility(general=True, author="pro", categories=frozenset({"remboursement"})),
    Visibility(general=True, author="pro", categories=frozenset({"biologie"})),
    Visibility(author="pro"),  # an author with no grant
], ids=["nobody", "patient", "medecin-traitant", "every-category", "remboursement", "biologie", "author-only"])
async def test_the_lines_a_query_gives_are_those_the_rule_admits(db, patient, visible):
    from server.facts import care_line_facts
    from server.reimbursements.seen import visible_lines_clause

    lines = await camilles_care(db, patient)
    lines[PSYCHIATRY].hidden = True
    db.add(lines[PSYCHIATRY])
    await db.commit()
    found = set((await db.exec(select(ReimbursementLine.label).where(
        ReimbursementLine.dossier_id == patient.dossier.id, visible_lines_clause(visible)))).all())
    assert found == {label for label, line in lines.items() if visible.admits(care_line_facts(line))}


async def test_what_a_minor_hides_of_care_kept_from_her_parents_leaves_no_trace_for_them(client, db, app):
    """Inès, 17, hides her contraceptive (prescribed by a doctor who kept her care from her parents): her mother, who
    manages the dossier, never saw the line, and neither reaches it by its id nor reads its hiding in the Historique."""
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    kept = care_line(ines.dossier, ines.patient.ins, label="Contraceptif oral", prescriber="Dr GIRARD Anne")
    seen = care_line(ines.dossier, ines.patient.ins, label="Collyre antiallergique", prescriber="Dr Paul Lefèvre")
    db.add_all([kept, seen])
    await db.commit()
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        for line in (kept, seen):
            assert (await post_form(own, hide(ines.dossier.id, line), {"masque": "oui"})).status_code == 200
        assert "Contraceptif oral" in (await own.get(f"/dossiers/{ines.dossier.id}/historique")).text
    log = (await client.get(f"/dossiers/{ines.dossier.id}/historique")).text
    assert "Collyre antiallergique" in log and "Contraceptif oral" not in log
    assert listed((await client.get(f"/dossiers/{ines.dossier.id}/masques")).text) == ["Collyre antiallergique"]
    assert (await post_form(client, hide(ines.dossier.id, kept), {"masque": "non"})).status_code == 404
    assert (await post_form(client, hide(ines.dossier.id, seen), {"masque": "non"})).status_code == 200
    copy = await copy_for(client, ines.dossier.id)
    assert "Contraceptif oral" not in copy.read("journal-acces.csv").decode("utf-8-sig")


async def test_a_line_a_minor_hides_with_her_passkey_is_read_by_her_parents_as_without(client, db, app):
    """Her event names the key she acted with, on a last line (accesslog/right_words.py): the line of care her mother
    sees is still found by its name, and its hiding stays in her mother's Historique, whose sentence names the key."""
    ines, _, _ = await minor_with_a_kept_doctor(client, db, app)
    seen = care_line(ines.dossier, ines.patient.ins, label="Collyre antiallergique", prescriber="Dr Paul Lefèvre")
    account = await account_for_patient(db, patient=ines.patient)
    key = Passkey(account_id=account.id, credential_id="ines-phone", public_key=b"-", name="Téléphone d'Inès")
    db.add_all([seen, key])
    await db.commit()
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        set_cookie(own, "carnet_session", await start_session(db, account=account, authenticated=True,
                                                              data={LOGGED_IN_WITH: key.id}))
        assert (await post_form(own, hide(ines.dossier.id, seen), {"masque": "oui"})).status_code == 200
    log = html.unescape((await client.get(f"/dossiers/{ines.dossier.id}/historique")).text).replace("\u00a0", " ")
    assert "a masqué aux professionnels le soin « Collyre antiallergique »" in log
    assert "avec la clé d'accès « Téléphone d'Inès »." in log


async def test_the_migration_adds_the_flag_and_takes_it_back_keeping_every_line(client, db, app, patient):
    from alembic import command
    from sqlalchemy import inspect

    lines = await camilles_care(db, patient)
    await activate(client, patient)
    assert (await post_form(client, hide(patient.dossier.id, lines[PSYCHIATRY]), {"masque": "oui"})).status_code == 200
    await db.commit()

    async def columns() -> set[str]:
        async with app.state.engine.connect() as connection:
            found = await connection.run_sync(lambda sync: inspect(sync).get_columns("reimbursementline"))
        return {column["name"] for column in found}

    await migrate(app, command.downgrade, "0037")
    assert "hidden" not in await columns()
    await migrate(app, command.upgrade, "head")
    assert "hidden" in await columns()
    await db.commit()
    again = (await db.exec(select(ReimbursementLine).where(ReimbursementLine.dossier_id == patient.dossier.id))).all()
    assert sorted(line.label for line in again) == sorted(lines) and not any(line.hidden for line in again)
