"""A mother gives the school nurse her son's vaccinations and allergies for a school trip, through a SMART Health
Link (an outside probe's finds): the form offered the emergency card, without the vaccinations, or the whole
synthèse, with his treatments, his illnesses and his father's; the nurse now reads those two sections only. The link's
QR code prints as a sheet for the school, without the band and its INS. The page she opens it on speaks of whoever gave
it, not of "le patient"."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from server.accesslog.audit import Actor
from server.db import make_sessionmaker
from server.models import Dossier
from server.profile.items import ItemInput, add_item
from tests.e2e.conftest import run_async
from tests.e2e.seeding import paris_today, writer_engine, years_before
from tests.e2e.steps import PHONE, dossier_band, log_in, page_ready

pytestmark = pytest.mark.e2e

MOTHER = Actor(None, "caregiver", "Camille Martin")
NURSE = "Mme Durand, infirmière scolaire"


async def seed_profile(data_dir, dossier_id: str) -> None:
    """A vaccination and an allergy, and what the school has no need of: a treatment, an illness, his father's."""
    engine = writer_engine(data_dir)
    try:
        async with make_sessionmaker(engine)() as db:
            dossier = await db.get(Dossier, dossier_id)
            today = paris_today()
            for data in (ItemInput("vaccination", label="Priorix (ROR)", started_on=date(2019, 1, 15)),
                         ItemInput("allergy", label="Arachide", detail="Œdème de Quincke", severity="severe"),
                         ItemInput("treatment", label="Ventoline 100 µg"),
                         ItemInput("condition", label="Énurésie", nature="current"),
                         ItemInput("family_history", label="Diabète de type 1", detail="Père")):
                await add_item(db, dossier=dossier, data=data, actor=MOTHER, today=today)
    finally:
        await engine.dispose()


def mother_and_son(page: Page, server, seed_person, seed_minor_with_parent):
    """Léo, 9, with his profile; his mother logged in on her phone, on his "Liens de partage"."""
    today = paris_today()
    mother = seed_person(given_name="Camille", family_name="Martin", birth_date=years_before(today, 38), sex="F",
                         documents=[])
    leo = seed_minor_with_parent(mother, given_name="Léo", family_name="Martin", birth_date=years_before(today, 9),
                                 sex="M", documents=[(today - timedelta(days=30), "compte_rendu", "Consultation")],
                                 kept_from_parents=())
    run_async(seed_profile(server.data_dir, leo.dossier_id))
    log_in(page, mother)
    page.goto(f"/dossiers/{leo.dossier_id}/liens-sante")
    page_ready(page)
    return leo


def test_a_mother_gives_the_school_nurse_her_sons_vaccinations_and_allergies_and_nothing_else(
        page: Page, browser, server, console, seed_person, seed_minor_with_parent):
    leo = mother_and_son(page, server, seed_person, seed_minor_with_parent)
    page.get_by_label("Vaccins et allergies").check()
    expect(page.get_by_text("Les vaccinations et les allergies, rien d'autre")).to_be_visible()
    page.get_by_label("Nom du lien (facultatif)").fill("Sortie scolaire")
    page.get_by_label("Code d'accès (facultatif)").fill("vercors-26")
    page.get_by_role("button", name="Créer le lien").click()
    expect(page.get_by_role("heading", name="Vaccins et allergies : « Sortie scolaire »")).to_be_visible()
    expect(page.get_by_text("puis voit les vaccinations et les allergies sur son écran")).to_be_visible()
    address = page.get_by_label("Lien à copier").input_value()

    nurse_phone = browser.new_context(base_url=server.url, **PHONE)
    try:
        nurse = nurse_phone.new_page()
        nurse.goto(address)
        # Léo's mother gave the link, not "le patient" (a probe's find): the page says so of whoever gave it.
        expect(nurse.get_by_text("Ce nom sera inscrit dans l'historique du dossier : la personne qui vous a donné le "
                                 "lien le verra.", exact=False)).to_be_visible()
        expect(nurse.get_by_text("La personne qui vous a donné le lien vous l'a communiqué à part.")).to_be_visible()
        nurse.get_by_label("Votre nom et votre service").fill(NURSE)
        nurse.get_by_label("Code d'accès").fill("vercors-26")
        nurse.get_by_role("button", name="Afficher les informations").click()
        expect(nurse.get_by_role("heading", name="Vaccins et allergies — Léo Martin")).to_be_visible()
        expect(nurse.get_by_role("region", name="Vaccinations")).to_contain_text("Priorix (ROR)")
        expect(nurse.get_by_role("region", name="Allergies et intolérances")).to_contain_text(
            "Arachide — gravité sévère — Œdème de Quincke")
        for kept in ("Ventoline", "Énurésie", "Diabète de type 1"):
            expect(nurse.get_by_text(kept)).to_have_count(0)
        expect(nurse.get_by_role("region", name="Traitements")).to_have_count(0)
        # Nor any "no one to contact": the link carries no contact (a probe's find: it said there was none).
        expect(nurse.get_by_role("region", name="Personnes à prévenir")).to_have_count(0)
        expect(nurse.get_by_text(re.compile(r"telles qu'elles ont été déclarées dans le dossier ou ajoutées par les "
                                            r"soignants\.$"))).to_be_visible()
        # Whose data it is keeps its heading, "Patient"; who shared it is never said to be him.
        expect(nurse.locator("body")).not_to_contain_text(re.compile(r"\b(le|au|du) patient\b"))
    finally:
        nurse_phone.close()

    page.goto(f"/dossiers/{leo.dossier_id}/historique")
    expect(page.get_by_text(re.compile(rf"{re.escape(NURSE)} \(nom déclaré par le destinataire\) a ouvert le lien de "
                                       r"partage «\s?Sortie scolaire\s?» \(vaccins et allergies\)"))).to_be_visible()


def test_a_links_qr_code_prints_as_a_sheet_for_the_school_without_the_band_and_its_ins(
        page: Page, server, seed_person, seed_minor_with_parent):
    mother_and_son(page, server, seed_person, seed_minor_with_parent)
    page.get_by_label("Carte d'urgence").check()
    page.get_by_label("Nom du lien (facultatif)").fill("Sortie scolaire")
    page.get_by_label("Code d'accès (facultatif)").fill("vercors-26")
    page.get_by_role("button", name="Créer le lien").click()
    expect(page.get_by_role("heading", name="Carte d'urgence : « Sortie scolaire »")).to_be_visible()

    # For the school's file, on paper: whose link, how it opens, until when, the QR code; not the band with his INS
    # (a probe's find: the browser printed the band, "Matricule INS …", and sentences meant for the mother).
    page_ready(page)
    expect(page.get_by_role("button", name="Imprimer le QR code")).to_be_visible()
    page.emulate_media(media="print")
    expect(dossier_band(page)).to_be_hidden()
    expect(page.get_by_text(re.compile("Matricule INS"))).to_be_hidden()
    expect(page.get_by_text("Informations de santé de Léo Martin, partagées au moyen de Carnet. Pour les lire, "
                            "scannez ce QR code avec l'appareil photo d'un téléphone.")).to_be_visible()
    expect(page.get_by_text("Le code d'accès est donné à part.")).to_be_visible()
    expect(page.get_by_role("img", name="QR code du lien « Sortie scolaire »")).to_be_visible()
    expect(page.get_by_text("que vous lui donnez à part")).to_be_hidden()
