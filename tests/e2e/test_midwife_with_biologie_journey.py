"""A sage-femme whom the patient gave "Biologie" alone (an outside probe: Camille, pregnant, and Hélène Roux). The
profil médical shows her the glycémie the laboratory measured, which the IPS files with the lab results, and not the
weight, a vital sign of the synthèse: "Mesures" said "Rubrique non partagée avec vous". "Voir comme" shows Camille the
same. "Filtrer" offers her the categories she may read or wrote in, not a certificate's she would find none of. And
the vaccination she declared reads "Déclarée par Hélène Roux, sage-femme, le …", the incise closed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from server.accesslog.audit import Actor
from server.db import make_sessionmaker
from server.dossiers import add_document
from server.files.store import DiskStorage
from server.models import Dossier, Professional
from server.profile.items import ItemInput, add_item
from tests.e2e.conftest import run_async
from tests.e2e.seeding import SeededPatient, SeededProfessional, paris_today, writer_engine
from tests.e2e.steps import assert_fits_phone, log_in, log_in_professional, menu, open_access_line, open_filters

pytestmark = pytest.mark.e2e

CAMILLE = Actor(None, "patient", "Camille Martin")
REPORT = "Consultation prénatale du 4e mois"


async def seed_pregnancy(data_dir: Path, patient: SeededPatient, midwife: SeededProfessional) -> None:
    """Her weight and a fasting glycémie, which she noted; a whooping-cough vaccination and a consultation report
    the sage-femme added (hers to read whatever her grant covers)."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            dossier = await db.get(Dossier, patient.dossier_id)
            helene = await db.get(Professional, midwife.professional_id)
            today = paris_today()
            for data in (ItemInput("measurement", label="glucose", value="0,92"),
                         ItemInput("measurement", label="weight", value="68,5")):
                await add_item(db, dossier=dossier, data=data, actor=CAMILLE, today=today)
            as_midwife = Actor(None, "professional", midwife.name, midwife.profession, midwife.rpps)
            await add_item(db, dossier=dossier, actor=as_midwife, author=helene, right="grant", today=today,
                           data=ItemInput("vaccination", label="Coqueluche (dTcaP)", started_on=today))
            await add_document(db, DiskStorage(data_dir / "files"), dossier=dossier, title=REPORT,
                               category="compte_rendu", event_date=today, filename="consultation.txt",
                               mime_type="text/plain", data=f"{REPORT}\n\nTout va bien.".encode(), author=helene)
    finally:
        await engine.dispose()


def with_a_midwife(server, seed, seed_professional, seed_grant) -> tuple[SeededPatient, SeededProfessional]:
    patient = seed()
    midwife = seed_professional(given_name="Hélène", family_name="Roux", profession="sage-femme", feminine=True)
    seed_grant(patient, midwife, categories="biologie")
    run_async(seed_pregnancy(server.data_dir, patient, midwife))
    return patient, midwife


def test_a_midwife_with_biologie_reads_the_glycemie_not_the_weight_and_so_does_voir_comme(
        page, computer, server, seed, seed_professional, seed_grant):
    patient, midwife = with_a_midwife(server, seed, seed_professional, seed_grant)
    desk = computer.page
    log_in_professional(desk, midwife)
    desk.get_by_role("link", name=re.compile("MARTIN Camille")).click()

    # Her profil médical: the glycémie under "Mesures", said to be shared in part; not the weight.
    desk.get_by_role("link", name="Voir tout le profil médical").click()
    measures = desk.get_by_role("region", name="Mesures")
    expect(measures).to_contain_text(
        "Rubrique partagée en partie avec vous : glycémie, HbA1c, LDL-cholestérol, créatinine seulement.")
    expect(measures).to_contain_text("Glycémie")
    expect(measures).to_contain_text("0,92")
    expect(measures).not_to_contain_text("Poids")
    expect(measures).not_to_contain_text("68,5")
    expect(desk.get_by_role("region", name="Antécédents médicaux et chirurgicaux")).to_contain_text(
        "Rubrique non partagée avec vous.")
    expect(desk.get_by_role("region", name="Vaccinations", exact=True)).to_contain_text(
        "Déclarée par vous le")  # what she declared, as its author

    # "Voir comme" her, for Camille: the same glycémie, and no weight, from the rule itself.
    log_in(page, patient)
    menu(page, "Accès").click()
    open_access_line(page, midwife.name)
    page.get_by_role("link", name=re.compile(f"^Voir .*comme {midwife.name}")).click()
    page.get_by_role("link", name="Voir tout le profil médical").click()
    seen = page.get_by_role("region", name="Mesures")
    expect(seen).to_contain_text(
        "Rubrique partagée en partie avec ce professionnel : glycémie, HbA1c, LDL-cholestérol, créatinine seulement.")
    expect(seen).to_contain_text("Glycémie")
    expect(seen).not_to_contain_text("Poids")
    assert_fits_phone(page)


def test_her_filter_offers_the_categories_she_may_read_or_wrote_in(
        computer, server, seed, seed_professional, seed_grant):
    patient, midwife = with_a_midwife(server, seed, seed_professional, seed_grant)
    desk = computer.page
    log_in_professional(desk, midwife)
    desk.get_by_role("link", name=re.compile("MARTIN Camille")).click()
    # Biologie, her grant's, and Compte rendu, where she wrote; never Certificat, which always answered "Aucun
    # document" though the dossier holds two she may not read.
    open_filters(desk)
    expect(desk.get_by_label("Catégorie").locator("option")).to_have_text(
        ["Toutes les catégories", "Compte rendu", "Biologie"])
    desk.get_by_label("Catégorie").select_option(label="Compte rendu")
    expect(desk.locator(".timeline .doc-title")).to_have_text([REPORT])


def test_the_patient_reads_who_declared_a_vaccination_with_the_incise_closed(
        page, server, seed, seed_professional, seed_grant):
    patient, midwife = with_a_midwife(server, seed, seed_professional, seed_grant)
    log_in(page, patient)
    menu(page, "Profil").click()
    # "Déclarée par Hélène Roux, sage-femme le 6 décembre 2026" read as if she were "sage-femme le 6 décembre".
    expect(page.get_by_role("region", name="Vaccinations", exact=True)).to_contain_text(
        re.compile(r"Déclarée par Hélène Roux, sage-femme, le \d"))
