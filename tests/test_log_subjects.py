"""The Historique's "Qui" filter names every professional the log names, as the one who acted or as the
one a change of rights was about (accesslog/subjects.py): picking one shows what they did and what was done about
them, at the cost of one window of the log, and a minor's parents are still shown no trace of what is kept from them."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from server.access import blocks, emergencies, grants
from server.access.medecin_traitant import set_medecin_traitant
from server.access.reading import open_document, open_dossier
from server.accesslog import pages as log_pages
from server.accesslog.audit import Actor
from server.accesslog.queries import professional_token
from server.auth.accounts import account_for_patient
from server.models import Delegation, LogProfessional, LogSubject, paris_today
from server.professionals.checks import Upload
from server.professionals.uploads import add_professional_document
from tests.conftest import TEST_SECRET, new_patient, post_form
from tests.fhir_support import report_pdf
from tests.patient_helpers import Statements, migrate
from tests.log_page_helpers import World, as_account, log_lines, plain, professional
from tests.test_log_window import FURTHER, bounded, journal_page, rows

NONE_MATCH = "Aucun événement ne correspond à ces filtres."
SENTENCE = re.compile(r'<li class="log-line[^"]*" id="evenement-[0-9a-f]+">.*?<span class="log-text"[^>]*>(.*?)</span>', re.S)
OPTION = re.compile(r'<option value="([0-9a-f]{32})"[^>]*>([^<]+)</option>')


def options(page: str) -> dict[str, str]:
    """The filter's professionals: label → the token that picks them."""
    group = re.search(r'<optgroup label="Professionnels">(.*?)</optgroup>', page, re.S)
    return {label: token for token, label in OPTION.findall(group[1] if group else "")}


def sentences(page: str) -> list[str]:
    return [plain(text) for text in SENTENCE.findall(page)]


async def seqs(client, url: str) -> list[int]:
    return [seq for seq, _, _ in log_lines((await client.get(url)).text)]


@pytest.fixture
async def world(db, app, patient):
    return await World().build(db, app, patient)


async def rights_about_three(db, world):
    """Claire is given access, loses it and is blocked, and never opens the dossier (1-3); Léa redeems a share code
    and reads (4-6); Anne opens it in an emergency, is blocked at its review, unblocked, declared médecin traitant
    and removed as such (7-11)."""
    camille = world.camille
    grant = await grants.grant_access(db, dossier=world.dossier, professional=world.claire, categories="imagerie",
                                      duration="1m", actor=camille)  # 1
    await grants.revoke_grant(db, dossier=world.dossier, grant_id=grant.id, actor=camille)  # 2
    await blocks.block(db, dossier=world.dossier, professional=world.claire, actor=camille)  # 3
    await world.share_code_for_lea(db)  # 4 (Camille's code), 5 (its use by Léa)
    await open_document(db, account=world.lea_account, document_id=world.irm.id)  # 6
    anne, anne_account = await professional(db, "Anne", "Roux", "médecin", 3)
    access = await emergencies.open_emergency(db, dossier=world.dossier, professional=anne,
                                              reason="Malaise à la pharmacie du quartier",
                                              actor=Actor.professional(anne_account, anne))  # 7
    await emergencies.review_emergency(db, dossier=world.dossier, emergency_id=access.id, outcome="blocked",
                                       actor=camille)  # 8
    await blocks.unblock(db, dossier=world.dossier, professional=anne, actor=camille)  # 9
    await set_medecin_traitant(db, dossier=world.dossier, professional=anne, actor=camille)  # 10
    await set_medecin_traitant(db, dossier=world.dossier, professional=None, actor=camille)  # 11
    return anne


async def test_a_professional_who_never_opened_the_dossier_is_offered_with_what_was_done_about_them(client, db, world):
    await rights_about_three(db, world)
    await as_account(client, db, world.patient_account)
    page = (await client.get(world.url())).text
    offered = options(page)
    assert list(offered) == ["Anne Roux, médecin", "Claire Bernard, médecin", "Léa Fontaine, masseur-kinésithérapeute"]
    claire, anne, lea = (offered[name] for name in ("Claire Bernard, médecin", "Anne Roux, médecin",
                                                    "Léa Fontaine, masseur-kinésithérapeute"))
    # Claire never acted: the grant, its revocation and the block are hers to find.
    shown = (await client.get(world.url(f"?professionnel={claire}"))).text
    assert [seq for seq, _, _ in log_lines(shown)] == [3, 2, 1]
    assert all("Claire Bernard" in text for _, _, text in log_lines(shown))
    assert f'<option value="{claire}" selected>' in shown
    assert await seqs(client, world.url(f"?professionnel={claire}&type=droits")) == [3, 2, 1]
    assert NONE_MATCH in plain((await client.get(world.url(f"?professionnel={claire}&type=consultations"))).text)
    # Anne: what she did (the emergency) and what was done about her, her removal as médecin traitant included.
    assert await seqs(client, world.url(f"?professionnel={anne}")) == [11, 10, 9, 8, 7]
    assert await seqs(client, world.url(f"?professionnel={anne}&type=urgences")) == [7]
    # Léa's own events as before: Camille's share code names nobody.
    assert await seqs(client, world.url(f"?professionnel={lea}")) == [6, 5]
    # The exports hold the same list, and the printed page says whom it is about.
    exported = (await client.get(world.url(f".csv?professionnel={claire}"))).text.lstrip("\ufeff")
    assert [row[0] for row in list(csv.reader(io.StringIO(exported), delimiter=";"))[1:]] == ["3", "2", "1"]
    printed = plain((await client.get(world.url(f"/imprimer?professionnel={claire}"))).text)
    assert "Claire Bernard, médecin" in printed and "Léa Fontaine" not in printed


async def test_a_caregiver_finds_a_professional_they_blocked_for_the_patient(client, db, app, world):
    helper = await new_patient(db, given_name="Paul", family_name="Martin", serial=2, sex="M")
    paul = await account_for_patient(db, patient=helper.patient)
    db.add(Delegation(dossier_id=world.dossier.id, caregiver_account_id=paul.id, relationship="proche"))
    await db.commit()
    await blocks.block(db, dossier=world.dossier, professional=world.claire,
                       actor=Actor(paul.id, "caregiver", "Paul Martin", on_behalf_of="Camille Martin"))
    await as_account(client, db, paul)
    offered = options((await client.get(world.url())).text)
    assert list(offered) == ["Claire Bernard, médecin"]
    assert await seqs(client, world.url(f"?professionnel={offered['Claire Bernard, médecin']}")) == [1]


async def test_a_minors_parent_finds_whom_they_blocked_but_never_the_author_of_what_is_kept_from_them(
        client, db, app):
    leo = await new_patient(db, given_name="Léo", family_name="Martin", birth=date.today() - timedelta(days=9 * 366),
                            serial=4, sex="M")
    mother = await new_patient(db, given_name="Camille", family_name="Martin", birth=date(1984, 3, 12), serial=5)
    mother_account = await account_for_patient(db, patient=mother.patient)
    await as_account(client, db, mother_account)
    await post_form(client, "/enfant", {"code": leo.code, "birth_date": leo.birth_date.isoformat()})
    leo_himself = Actor(None, "patient", "Léo Martin")
    # Dr Girard, given access by Léo, files what he asked to keep from his parents, and is blocked later on.
    girard, girard_account = await professional(db, "Anne", "Girard", "médecin", 7)
    await grants.grant_access(db, dossier=leo.dossier, professional=girard, categories="", duration="sans",
                              actor=leo_himself)
    await add_professional_document(db, app.state.storage, account=girard_account, dossier_id=leo.dossier.id,
                                    upload=Upload(title="Consultation confidentielle", category="compte_rendu",
                                                  event_date=paris_today(), filename="cr.pdf",
                                                  data=report_pdf("Consultation confidentielle"),
                                                  hidden_from_representatives=True), today=paris_today())
    await blocks.block(db, dossier=leo.dossier, professional=girard, actor=leo_himself)
    # Marc, whom his mother blocked, never opened the dossier.
    marc, _ = await professional(db, "Marc", "Petit", "médecin", 8)
    await blocks.block(db, dossier=leo.dossier, professional=marc,
                       actor=Actor(mother_account.id, "caregiver", "Camille Martin", on_behalf_of="Léo Martin"))
    url = f"/dossiers/{leo.dossier.id}/historique"
    page = (await client.get(url)).text
    offered = options(page)
    assert list(offered) == ["Marc Petit, médecin"] and "Girard" not in page
    assert any("Marc Petit" in text for text in sentences(page))
    # (A parent's page names events by tokens, not by the dossier's numbers: accesslog/numbering.py.)
    [blocked] = sentences((await client.get(f"{url}?professionnel={offered['Marc Petit, médecin']}")).text)
    assert blocked.startswith("Pour le compte de Léo Martin, vous avez bloqué Marc Petit, médecin,")
    # Dr Girard's key, as her patient's page would name her, picks nothing for his parent, and shows no trace of her.
    girard_token = professional_token(secret=TEST_SECRET, dossier_id=leo.dossier.id, key=girard.rpps)
    for suffix in ("", ".csv", "/imprimer"):
        kept = await client.get(f"{url}{suffix}?professionnel={girard_token}")
        assert kept.status_code == 200 and "Girard" not in kept.text and girard.rpps not in kept.text
    assert sentences((await client.get(f"{url}?professionnel={girard_token}")).text) == sentences(page)


async def test_a_professional_known_only_by_a_change_of_rights_costs_one_window_from_it(client, db, app, world,
                                                                                        monkeypatch):
    monkeypatch.setattr(log_pages, "WINDOW", 100)
    await blocks.block(db, dossier=world.dossier, professional=world.claire, actor=world.camille)  # 1
    await world.share_code_for_lea(db)  # 2, 3: Léa's redeeming of it is hers
    await rows(db, world.dossier, 300)  # someone else's, newer than three windows
    await as_account(client, db, world.patient_account)
    offered = options((await client.get(world.url())).text)
    asked = []
    for name, expected in (("Claire Bernard, médecin", [1]), ("Léa Fontaine, masseur-kinésithérapeute", [3])):
        with Statements(app.state.engine) as seen:
            page = (await client.get(world.url(f"?professionnel={offered[name]}"))).text
        # Read from their latest event back, one window of the log: not the log.
        assert bounded(seen.seen) and [seq for seq, _, _ in log_lines(page)] == expected and FURTHER not in page
        assert journal_page(page)["oldest"]
        # (Léa's read through a share code also asks which one: contexts_for.)
        asked.append([s.split(" WHERE")[0] for s in seen.seen if " AS kind, " not in s])
    assert asked[0] == asked[1]  # picking one the log names as a subject asks what picking an actor asks


async def test_a_professionals_read_writes_nothing_about_subjects(client, db, app, world):
    await world.share_code_for_lea(db)
    with Statements(app.state.engine) as seen:
        await open_dossier(db, account=world.lea_account, dossier_id=world.dossier.id)
    # (Their standing reads it: whether the log declared them médecin traitant, rule.access_ended.)
    assert seen.seen and not [s for s in seen.seen if "logsubject" in s and not s.startswith("SELECT")]


async def subjects_and_professionals(db, dossier_id: str) -> tuple[set, set]:
    await db.commit()
    subjects = {(s.key, s.seq) for s in (await db.exec(select(LogSubject).where(LogSubject.dossier_id == dossier_id)))}
    listed = {(p.key, p.label, p.last_seq, p.first_opened_seq) for p in (await db.exec(
        select(LogProfessional).where(LogProfessional.dossier_id == dossier_id)))}
    return subjects, listed


async def test_migration_0027_finds_the_professionals_of_logs_written_before_and_goes_back(client, db, app, world):
    """0027 reads each detail's name once, as the appends now write it by key; down again, the list holds those who
    acted, each as their own latest event named them."""
    from alembic import command

    anne = await rights_about_three(db, world)
    await grants.grant_access(db, dossier=world.dossier, professional=world.lea, categories="", duration="1a",
                              actor=world.camille)  # 12: about Léa, after her own events
    # Two namesakes: the one blocked in this dossier is the one its block names.
    elsewhere, _ = await professional(db, "Paul", "Petit", "médecin", 21)
    here, _ = await professional(db, "Paul", "Petit", "médecin", 22)
    await blocks.block(db, dossier=world.dossier, professional=here, actor=world.camille)  # 13
    # A médecin traitant replaced: the declaration is about the one who was, too.
    await set_medecin_traitant(db, dossier=world.dossier, professional=anne, actor=world.camille)  # 14
    marc, _ = await professional(db, "Marc", "Durand", "médecin", 23)
    await set_medecin_traitant(db, dossier=world.dossier, professional=marc, actor=world.camille)  # 15
    written = await subjects_and_professionals(db, world.dossier.id)
    assert written[0] == {(world.claire.rpps, 1), (world.claire.rpps, 2), (world.claire.rpps, 3),
                          (anne.rpps, 8), (anne.rpps, 9), (anne.rpps, 10), (anne.rpps, 11), (world.lea.rpps, 12),
                          (here.rpps, 13), (anne.rpps, 14), (anne.rpps, 15), (marc.rpps, 15)}
    assert elsewhere.rpps not in {key for key, *_ in written[1]}
    await db.commit()
    await migrate(app, command.downgrade, "0026")
    listed = {(key, label, last, first) for key, label, last, first in (await db.exec(
        select(LogProfessional.key, LogProfessional.label, LogProfessional.last_seq,
               LogProfessional.first_opened_seq).where(LogProfessional.dossier_id == world.dossier.id))).all()}
    # As 0026's code kept it: those who acted, each with their own latest event.
    assert listed == {(world.lea.rpps, "Léa Fontaine, masseur-kinésithérapeute", 6, 6),
                      (anne.rpps, "Anne Roux, médecin", 7, 7)}
    await db.commit()
    await migrate(app, command.upgrade, "head")
    assert await subjects_and_professionals(db, world.dossier.id) == written
    await as_account(client, db, world.patient_account)
    offered = options((await client.get(world.url())).text)
    assert await seqs(client, world.url(f"?professionnel={offered['Paul Petit, médecin']}")) == [13]
    assert await seqs(client, world.url(f"?professionnel={offered['Claire Bernard, médecin']}")) == [3, 2, 1]
    assert await seqs(client, world.url(f"?professionnel={offered['Anne Roux, médecin']}")) == [15, 14, 11, 10, 9, 8, 7]
