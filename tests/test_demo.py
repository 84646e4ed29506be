"""The demo dataset: a credible ten-year dossier, built through the app's own data functions."""

import hashlib
from collections import Counter
import random
import re
from datetime import date, timedelta

import pytest
from sqlmodel import SQLModel, select

from server.auth.accounts import redeem_activation
from server.authors import author_labels
from server.db import make_engine, make_sessionmaker
from server.demo import load_demo, render
from server.demo.catalogue import age
from server.demo.episodes import history
from server.identifiers import is_valid_ins, is_valid_rpps
from server.models import CATEGORIES, Account, ActivationCode, Delegation, Document, Dossier, Patient, Professional
from server.files.store import DiskStorage

TODAY = date(2026, 3, 20)


@pytest.fixture(scope="module")
async def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    engine = make_engine(f"sqlite+aiosqlite:///{root / 'carnet.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    storage = DiskStorage(root / "files")
    async with make_sessionmaker(engine)() as session:
        result = await load_demo(session, storage, today=TODAY)
        yield session, storage, result
    await engine.dispose()


async def documents_of(session, dossier_id):
    return (await session.exec(select(Document).where(Document.dossier_id == dossier_id))).all()


async def test_the_demo_patient_has_ten_years_of_documents_in_every_category(demo):
    session, _, result = demo
    docs = await documents_of(session, result.dossier.id)
    assert len(docs) >= 60
    assert result.documents == len(docs)
    assert {d.category for d in docs} == set(CATEGORIES)
    first, last = min(d.event_date for d in docs), max(d.event_date for d in docs)
    assert last <= TODAY
    assert last - first >= timedelta(days=9 * 365)
    assert sum(d.mime_type.startswith("image/") for d in docs) >= 3
    assert sum(d.mime_type == "text/plain" for d in docs) >= 3


async def test_every_file_reads_back_with_its_checksum_and_is_small(demo):
    session, storage, _ = demo
    docs = (await session.exec(select(Document))).all()
    magic = {"application/pdf": b"%PDF", "image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8\xff"}
    for doc in docs:
        data = storage.get(doc.storage_key, sha256=doc.sha256)
        assert hashlib.sha256(data).hexdigest() == doc.sha256
        assert len(data) == doc.size
        assert data.startswith(magic.get(doc.mime_type, b"")), doc.title
        assert doc.size < (10_000 if doc.mime_type == "application/pdf" else 150_000), doc.title


async def test_clinical_documents_have_an_author_or_a_source(demo):
    session, _, result = demo
    for doc in await documents_of(session, result.dossier.id):
        if doc.category == "note_patient":
            assert doc.added_by_account_id is not None and doc.mime_type == "text/plain"
        else:
            assert doc.author_professional_id or doc.source, doc.title
    sources = {d.source for d in await documents_of(session, result.dossier.id)}
    assert {"Laboratoire Biomnis Lyon", "Hôpital Édouard Herriot, Lyon", "Assurance Maladie"} <= sources


async def test_her_notes_name_her_as_who_added_them(demo):
    """Her notes and her scans have no professional author nor source: "Vous" to her, her name to anyone else."""
    session, _, result = demo
    added = [d for d in await documents_of(session, result.dossier.id) if d.added_by_account_id]
    camille = (await session.exec(select(Account).where(Account.patient_id == result.patient.id))).one()
    assert len(added) >= 4 and {d.category for d in added} >= {"note_patient"}
    assert set((await author_labels(session, added, reader=camille)).values()) == {"Vous"}
    assert set((await author_labels(session, added, reader=result.caregiver)).values()) == {"Camille Martin"}
    assert set((await author_labels(session, added)).values()) == {"Camille Martin"}  # a printed list


async def test_every_ins_and_rpps_is_valid(demo):
    session, _, result = demo
    patients = (await session.exec(select(Patient))).all()
    professionals = (await session.exec(select(Professional))).all()
    assert len(patients) == 5 and all(is_valid_ins(p.ins) for p in patients)  # Camille, Hugo, Paul, Léo, Inès
    assert result.patient.ins.startswith("28403")  # a woman born in March 1984
    assert len(professionals) >= 9 and all(is_valid_rpps(p.rpps) for p in professionals)


async def test_three_documents_are_hidden_one_of_them_by_her_husband(demo):
    session, _, result = demo
    hidden = [d for d in await documents_of(session, result.dossier.id) if d.hidden]
    assert len(hidden) == 3
    assert {"Consultation de psychiatrie", "Sérologies VIH, hépatites B et C, syphilis"} < {d.title for d in hidden}
    assert any(d.category == "certificat" for d in hidden)


async def test_the_husband_manages_the_dossier_and_dr_bernard_is_the_medecin_traitant(demo):
    session, _, result = demo
    dossier = await session.get(Dossier, result.dossier.id)
    assert dossier.medecin_traitant_id == result.medecin_traitant.id
    delegation = (await session.exec(select(Delegation).where(Delegation.dossier_id == dossier.id))).one()
    caregiver = await session.get(Account, delegation.caregiver_account_id)
    assert (caregiver.display_name, delegation.relationship, delegation.can_manage) == ("Paul Martin", "proche", True)
    assert caregiver.patient_id == result.family.paul.id  # Paul has a dossier of his own, and a code to open it


async def test_the_family_every_caregiver_kind_and_a_document_kept_from_the_parents(demo):
    from server.caregivers.dossiers import held_dossiers
    from server.models import utcnow

    session, _, result = demo
    family = result.family
    leo, ines = family.children["leo"][0], family.children["ines"][0]
    turns_18 = ines.birth_date.replace(year=ines.birth_date.year + 18)
    assert 8 <= (TODAY - leo.birth_date).days // 365 <= 9 and 0 < (turns_18 - TODAY).days <= 365  # within the demo's year
    camille = (await session.exec(select(Account).where(Account.patient_id == result.patient.id))).one()
    now = utcnow().replace(year=TODAY.year, month=TODAY.month, day=TODAY.day)
    held = {h.patient.given_name: h.role for h in await held_dossiers(session, account=camille, now=now)}
    assert held == {"Camille": "Mon dossier", "Léo": "Vous le gérez, en tant que parent", "Inès": "Vous le gérez, en tant que parent",
                    "Hugo": "Vous le lisez seulement, en tant que proche"}
    held = {h.patient.given_name: h.role for h in await held_dossiers(session, account=family.paul_account, now=now)}
    assert held == {"Paul": "Mon dossier", "Camille": "Vous le gérez, en tant que proche", "Léo": "Vous le gérez, en tant que parent",
                    "Inès": "Vous le gérez, en tant que parent"}
    kept = [d for d in await documents_of(session, family.children["ines"][1].id) if d.hidden_from_representatives]
    assert [d.title for d in kept] == ["Consultation de contraception"]
    assert family.ines_code and family.paul_code and "son propre code" in result.summary()
    assert f"code {result.midwife_code} (à saisir sur /pro/activer) ; elle a gardé une consultation d'Inès" \
        in result.summary()


async def test_the_midwife_finds_the_consultation_she_kept_in_ines_dossier_from_her_patients(demo):
    """She wrote it (and Camille's gynaecological follow-up) under no grant the demo remembers: her authorship is
    her right, and "Mes patients" lists both dossiers apart, for what she wrote alone (own_documents.py)."""
    from server.professionals.own_documents import authored_only

    session, _, result = demo
    ines_dossier = result.family.children["ines"][1]
    lines = await authored_only(session, professional_id=result.professionals["roux"].id)
    assert {line.dossier.id for line in lines} == {ines_dossier.id, result.dossier.id}


async def test_the_childrens_vaccinations_are_in_their_profile_and_only_ines_has_doses_to_do(demo):
    """Their mother copied each carnet de santé: no child is shown late for a dose their documents say was given;
    Inès's second HPV dose, which no document gives, is, and so is the adolescents' méningocoque ACWY the 2025
    calendar added (catch-up until 24)."""
    from server.models import ProfileItem
    from server.profile.vaccines import due_vaccinations

    session, _, result = demo
    due = {}
    for key, (child, dossier) in result.family.children.items():
        items = (await session.exec(select(ProfileItem).where(ProfileItem.dossier_id == dossier.id,
                                                              ProfileItem.kind == "vaccination"))).all()
        assert len(items) >= 10, key
        due[key] = [(d.family, d.state) for d in due_vaccinations(birth_date=child.birth_date, sex=child.sex,
                                                                   vaccinations=list(items), today=TODAY)]
    assert due == {"leo": [], "ines": [("Méningocoque ACWY", "en retard"), ("Papillomavirus (HPV)", "en retard")]}
    leo, leo_dossier = result.family.children["leo"]
    [booster] = [d for d in await documents_of(session, leo_dossier.id) if d.title == "Rappel DTCaPolio des 6 ans"]
    assert age(booster.event_date, leo.birth_date) == 6  # the 6-year booster, at 6


async def test_camilles_latest_flu_shot_in_her_profile_is_her_timelines_latest(demo):
    """Her profile's vaccinations were typed one evening 330 days ago: this year's flu shot, in her timeline since
    October, was not among them until she added it the evening after."""
    from server.models import ProfileItem

    session, _, result = demo
    shots = [d.event_date for d in await documents_of(session, result.dossier.id)
             if d.title.startswith("Vaccination antigrippale")]
    items = (await session.exec(select(ProfileItem).where(ProfileItem.dossier_id == result.dossier.id,
                                                          ProfileItem.label == "Grippe saisonnière"))).all()
    assert max(item.started_on for item in items) == max(shots)


async def test_another_patient_has_a_small_dossier(demo):
    session, _, result = demo
    assert len(await documents_of(session, result.other_dossier.id)) == 3
    assert result.other_patient.sex == "M" and result.other_patient.birth_date.year == 1950


async def test_activation_codes_are_issued_and_the_patient_code_opens_her_account(demo):
    session, _, result = demo
    codes = (await session.exec(select(ActivationCode))).all()
    assert {c.issued_by for c in codes} == {"CPAM du Rhône (démo)"}
    assert {c.professional_id for c in codes if c.professional_id} == {result.medecin_traitant.id, result.kine.id,
                                                                       result.professionals["roux"].id}
    assert "date de naissance 12/03/1984" in result.summary().splitlines()[0]
    _, account = await redeem_activation(
        session, code=result.patient_code, birth_date=result.patient_birth_date,
        max_attempts=5, lock=timedelta(minutes=15),
    )
    assert account.patient_id == result.patient.id


def test_the_same_day_and_seed_give_the_same_files():
    def digests():
        docs = history(TODAY, random.Random(7))
        identity = ["Mme Camille MARTIN", "Née le 12/03/1984"]
        pros = {key: Professional(rpps="10002876430", given_name="", family_name="", profession="", city="")
                for key in {d.by for d in docs if d.by}}
        seeds = random.Random(1)
        return [hashlib.sha256(render(d, identity=identity, pros=pros, seed=seeds.getrandbits(32))[2]).hexdigest()
                for d in [d for d in docs if d.picture] + docs[-5:]]

    assert digests() == digests()


async def test_the_demo_log_tells_months_of_history_and_its_chain_verifies(demo):
    from server.accesslog.verify import verify_chain
    from server.models import AccessEvent

    session, _, result = demo
    events = (await session.exec(select(AccessEvent).where(AccessEvent.dossier_id == result.dossier.id)
                                 .order_by(AccessEvent.seq))).all()
    actions = {e.action for e in events}
    assert {"read_timeline", "read_document", "grant", "revoke", "block", "emergency", "share_code", "hide"} <= actions
    assert any(e.actor_kind == "caregiver" and e.on_behalf_of == "Camille Martin" for e in events)
    assert any(e.right == "share_code" for e in events)
    assert (events[-1].at - events[0].at).days > 150
    assert all(a.at <= b.at for a, b in zip(events, events[1:]))
    # The log names a document by its title: each one read names one document of the dossier, so a read never looks
    # like a read of a later document of the same title (each year's blood test carries its year).
    titles = Counter(d.title for d in await documents_of(session, result.dossier.id))
    assert {e.document_title for e in events if e.action == "read_document" and titles[e.document_title] > 1} == set()
    assert await verify_chain(session, dossier_id=result.dossier.id) is None


async def test_every_yearly_blood_test_stars_what_is_out_of_range_and_says_no_anomaly_only_without_one(demo):
    """As a laboratory writes it: a result beyond its reference values is marked "*", and "Bilan sans anomalie"
    never follows one (a total cholesterol of 2,06 g/L under "< 2,00" was neither)."""
    from server.models import DocumentText

    def value(text: str) -> float:
        return float(text.replace(",", "."))

    session, _, result = demo
    checkups = [d for d in await documents_of(session, result.dossier.id) if d.title.startswith("Bilan sanguin annuel")]
    assert len(checkups) >= 9
    for checkup in checkups:
        text = (await session.get(DocumentText, checkup.id)).text
        starred = False
        for line in text.splitlines():
            row = re.fullmatch(r"(.+?) ([\d,]+)( \*)? \S+ (?:([<>]) ([\d,]+)|([\d,]+) - ([\d,]+))", line)
            if row is None:
                continue
            name, result_, star, sign, limit, low, high = row.groups()
            outside = (value(result_) >= value(limit) if sign == "<" else value(result_) <= value(limit)) if sign \
                else not value(low) <= value(result_) <= value(high)
            assert outside == bool(star), (checkup.title, line)
            starred = starred or outside
        assert ("Bilan sans anomalie." in text) == (not starred), checkup.title
