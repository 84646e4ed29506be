""""Voir comme" opens as the professional's own page of the dossier opens: on the profil médical's card and the
way to the reimbursed care, each as the rule lets that professional see them now. An outside probe's find: a
patient hid her contraception's prescription, checked with "Voir comme Léa Fontaine" and believed it hidden, while
Léa's page opened on "Traitements en cours : Leeloo". The document's page says so too: the profile is hidden apart."""

from __future__ import annotations

import html

import pytest
from sqlmodel import select

from server.access import blocks, grants, hiding
from server.access.medecin_traitant import set_medecin_traitant
from server.auth.accounts import account_for_patient, account_for_professional
from server.models import Document
from server.profile.items import ItemInput, add_item, set_item_hidden
from tests.conftest import add_text_document
from tests.patient_helpers import CAMILLE, events, professional, titles_in
from tests.test_profile import SAMPLES, TODAY
from tests.profile_page_helpers import as_seen_by_the_patient, browser, card_of, items_of

LEELOO = ItemInput("treatment", label="Leeloo (lévonorgestrel/éthinylestradiol)", detail="1 comprimé par jour")
SERTRALINE = ItemInput("treatment", label="Sertraline 50 mg")  # hidden from professionals in the profile itself
CARE = "Historique de soins remboursés"


async def contraception_hidden_as_a_document(db, app, patient) -> None:
    """Her prescription hidden; the treatment it lists still in her profile, as she declared it."""
    prescription = await add_text_document(db, app, patient.dossier, title="Ordonnance contraception",
                                           category="ordonnance")
    await hiding.set_hidden(db, document=prescription, hidden=True, actor=CAMILLE)
    await add_text_document(db, app, patient.dossier, title="Radio du poignet", category="imagerie")
    await add_item(db, dossier=patient.dossier, data=LEELOO, actor=CAMILLE, today=TODAY)
    await add_item(db, dossier=patient.dossier, data=SAMPLES["allergy"], actor=CAMILLE, today=TODAY)
    hidden = await add_item(db, dossier=patient.dossier, data=SERTRALINE, actor=CAMILLE, today=TODAY)
    await set_item_hidden(db, item=hidden, hidden=True, actor=CAMILLE)


async def documents_of(db, patient) -> list[Document]:
    await db.commit()
    return list((await db.exec(select(Document).where(Document.dossier_id == patient.dossier.id))).all())


async def granted(db, patient, lea, categories: str) -> None:
    await grants.grant_access(db, dossier=patient.dossier, professional=lea, categories=categories, duration="1m",
                              actor=CAMILLE)


async def blocked(db, patient, lea) -> None:
    await granted(db, patient, lea, "")
    await blocks.block(db, dossier=patient.dossier, professional=lea, actor=CAMILLE)


async def medecin_traitant(db, patient, lea) -> None:
    await set_medecin_traitant(db, dossier=patient.dossier, professional=lea, actor=CAMILLE)


async def nothing(db, patient, lea) -> None:
    pass


def grant(categories: str):
    async def give(db, patient, lea) -> None:
        await granted(db, patient, lea, categories)
    return give


# (what she decided about Léa, what Léa's page opens on: treatments listed, allergies listed (None: said not shared
# with her), the care's link)
STANDINGS = {
    "every category": (grant(""), ["Leeloo"], ["Pénicilline"], True),
    "prescriptions": (grant("ordonnance"), ["Leeloo"], ["Pénicilline"], False),  # whoever reads them, the allergies
    "prescriptions and care": (grant("ordonnance,remboursement"), ["Leeloo"], ["Pénicilline"], True),
    "imaging": (grant("imagerie"), None, None, False),
    "médecin traitant": (medecin_traitant, ["Leeloo", "Sertraline"], ["Pénicilline"], True),
    "blocked": (blocked, "no card", "no card", False),
    "no access": (nothing, "no card", "no card", False),
}


def refused_or_read(standing: str, treatments) -> int:
    """Léa's own page: read (200); told that her access ended (403), she held a grant the block ended (rule.access_ended);
    else a missing dossier's 404."""
    return 200 if treatments != "no card" else 403 if standing == "blocked" else 404


@pytest.mark.parametrize("standing", STANDINGS)
async def test_voir_comme_opens_on_the_card_and_care_link_the_professionals_own_page_opens_on(app, db, patient,
                                                                                               standing):
    decide, treatments, allergies, care = STANDINGS[standing]
    await contraception_hidden_as_a_document(db, app, patient)
    lea = await professional(db, "Fontaine", given_name="Léa", profession="médecin", stem=3)
    await decide(db, patient, lea)
    before = len(await events(db, patient.dossier.id))
    async with browser(app, db, await account_for_patient(db, patient=patient.patient)) as client:
        seen = await client.get(f"/dossiers/{patient.dossier.id}/voir-comme/{lea.id}")
    assert seen.status_code == 200
    assert len(await events(db, patient.dossier.id)) == before  # her look is no read of Léa's
    async with browser(app, db, await account_for_professional(db, professional=lea)) as client:
        own = await client.get(f"/dossiers/{patient.dossier.id}")
    assert own.status_code == refused_or_read(standing, treatments)

    card = card_of(seen)
    assert card == (as_seen_by_the_patient(card_of(own)) if own.status_code == 200 else "")  # word for word
    assert (CARE in seen.text) is (CARE in own.text) is care
    assert "Ordonnance contraception" not in titles_in(seen.text) or standing == "médecin traitant"
    if treatments == "no card":
        assert card == ""
        return
    for heading, names in (("Traitements en cours", treatments), ("Allergies", allergies)):
        # Never left out: a missing section reads as "none known".
        assert (f"{heading} Rubrique non partagée avec ce professionnel." in card) is (names is None), (heading, card)
        for name in names or []:
            assert name in card, (name, card)
    assert "Sertraline" in card if standing == "médecin traitant" else "Sertraline" not in card


async def test_a_hidden_prescription_says_the_profile_is_hidden_apart_while_it_shows_a_treatment(app, db, patient):
    await contraception_hidden_as_a_document(db, app, patient)
    documents = {d.title: d for d in await documents_of(db, patient)}
    note = "Le profil médical n'est pas masqué pour autant"
    async with browser(app, db, await account_for_patient(db, patient=patient.patient)) as client:
        prescription = await client.get(f"/documents/{documents['Ordonnance contraception'].id}")
        assert note in html.unescape(prescription.text)
        assert f'<a href="/dossiers/{patient.dossier.id}/profil">dans le profil</a>' in prescription.text
        radio = documents["Radio du poignet"]
        await hiding.set_hidden(db, document=radio, hidden=True, actor=CAMILLE)
        assert note not in html.unescape((await client.get(f"/documents/{radio.id}")).text)  # no item of imaging
        # Leeloo hidden too, in the profile (Sertraline already is): nothing of the kind shows any more.
        for item in await items_of(db, patient):
            await set_item_hidden(db, item=item, hidden=True, actor=CAMILLE)
        prescription = await client.get(f"/documents/{documents['Ordonnance contraception'].id}")
    assert "Masqué aux professionnels : seuls" in html.unescape(prescription.text)
    assert note not in html.unescape(prescription.text)


@pytest.mark.parametrize("standing", STANDINGS)
async def test_voir_comme_s_whole_profile_is_the_profile_the_professional_reads(app, db, patient, standing):
    """The card's "Voir tout le profil médical" led to her own profile (every line, hidden ones marked): what Léa
    reads showed only on the card. It leads to the profile as Léa's own page of it shows it, nothing logged."""
    decide, treatments, _allergies, _care = STANDINGS[standing]
    await contraception_hidden_as_a_document(db, app, patient)
    lea = await professional(db, "Fontaine", given_name="Léa", profession="médecin", stem=3)
    await decide(db, patient, lea)
    seen_as = f"/dossiers/{patient.dossier.id}/voir-comme/{lea.id}"
    before = len(await events(db, patient.dossier.id))
    async with browser(app, db, await account_for_patient(db, patient=patient.patient)) as client:
        first = await client.get(seen_as)
        seen = await client.get(f"{seen_as}/profil")
        stranger = await client.get(f"/dossiers/{patient.dossier.id}/voir-comme/{'0' * 32}/profil")
    assert stranger.status_code == 404
    assert len(await events(db, patient.dossier.id)) == before
    async with browser(app, db, await account_for_professional(db, professional=lea)) as client:
        own = await client.get(f"/dossiers/{patient.dossier.id}/profil")
    assert own.status_code == refused_or_read(standing, treatments)
    assert seen.status_code == 200
    if treatments != "no card":
        assert f'href="{seen_as}/profil"' in first.text  # the card's link
    text = html.unescape(seen.text)
    assert "Vous voyez ce profil médical comme" in text
    for label in ("Leeloo", "Pénicilline", "Sertraline"):
        assert (label in text) is (own.status_code == 200 and label in own.text), label
    for control in ("Masquer aux professionnels", "/profil/ajouter", "Supprimer", "Ajouter un document"):
        assert control not in text, control
