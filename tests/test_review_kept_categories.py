"""Review of `Visibility.kept_categories` (a grant a minor's parent gave opens nothing kept from the parents, CSP
L1111-5): every path a professional reads the dossier by, with a parent's grant alone, and with a parent's grant
beside the minor's own for one category."""

from __future__ import annotations

from sqlmodel import select

from server.auth.accounts import account_for_patient, account_for_professional
from server.access.reading import open_dossier
from server.fhir import clients
from server.listing import all_documents, count_documents, documents_page, ordered_documents, search_page
from server.models import Document, ProfileItem
from server.profile.items import profile_of
from server.search import words_of
from tests.conftest import AsyncTestClient, ORIGIN, activate_professional, new_professional, post_form
from tests.fhir_support import Software, as_bundle
from tests.caregiver_helpers import as_account
from tests.test_kept_traces import KEPT, SEEN, care_line, minor_with_a_kept_doctor
from tests.test_parents_decisions import grant

KEPT_TITLE = "Consultation confidentielle"


async def _fontaine(client, db, app):
    fontaine = await new_professional(db, given_name="Léa", family_name="Fontaine", profession="médecin", stem=46)
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await activate_professional(browser, fontaine)
    return fontaine


async def _fhir_titles(client, db, fontaine, ines, **asked) -> list[str]:
    software = Software()
    software.client_id = (await clients.register(db, professional_id=fontaine.professional.id, name="Cabinet",
                                                 jwk_text=software.public_jwk())).id
    answer = await client.post("/fhir/token", data=software.token_form(f"{ORIGIN}/fhir/token"))
    headers = {"authorization": f"Bearer {answer.json()['access_token']}"}
    ask = {"patient.identifier": f"urn:oid:1.2.250.1.213.1.4.8|{ines.patient.ins}", "_count": "50", **asked}
    found = as_bundle(await client.post("/fhir/DocumentReference/_search", headers=headers, data=ask))
    return [entry.resource.description for entry in found.entry or []]


async def _direct(db, fontaine, ines, word: str = "consultation") -> dict:
    """What the listing and the profile give this professional, asked directly (every query of listing)."""
    account = await account_for_professional(db, professional=fontaine.professional)
    view = await open_dossier(db, account=account, dossier_id=ines.dossier.id, action=None)
    await db.commit()
    dossier_id, visible = ines.dossier.id, view.visible
    pages = {}
    for category in ("", "compte_rendu"):
        pages[category] = [r.title for r in await documents_page(db, dossier_id=dossier_id, visible=visible,
                                                                 category=category, limit=50)]
    found, _ = await search_page(db, dossier_id=dossier_id, visible=visible, words=words_of(word),
                                 offset=0, limit=50, counted=False)
    fhir = (await db.exec(ordered_documents(dossier_id, visible, "", [], limit=50))).all()
    profile = await profile_of(db, dossier_id=dossier_id, visible=visible)
    return {"pages": pages, "count": await count_documents(db, dossier_id=dossier_id, visible=visible),
            "search": [r.title for r in found], "ordered": [d.title for d in fhir],
            "all": [d.title for d in await all_documents(db, dossier_id=dossier_id, visible=visible)],
            "items": [i.label for found in profile.by_kind.values() for i in found], "visible": visible}


async def test_a_parents_grant_alone_opens_nothing_kept_on_any_path(client, db, app):
    ines, _, girard = await minor_with_a_kept_doctor(client, db, app)
    dossier_id = ines.dossier.id
    kept_id = (await db.exec(select(Document.id).where(Document.hidden_from_representatives))).one()
    db.add_all([care_line(ines.dossier, ines.patient.ins, label="Consultation de contraception",
                          performer="Anne Girard", rpps=girard.rpps),
                care_line(ines.dossier, ines.patient.ins, label="Collyre antiallergique", prescriber="Dr Paul Lefèvre")])
    await db.commit()
    fontaine = await _fontaine(client, db, app)
    await grant(client, dossier_id, fontaine.professional.id, [])  # the mother: every category
    seen = await _direct(db, fontaine, ines)
    assert seen["visible"].categories is None and seen["visible"].kept_categories == frozenset()
    assert KEPT_TITLE not in seen["pages"][""] and seen["pages"]["compte_rendu"] == []
    assert KEPT_TITLE not in seen["search"] and KEPT_TITLE not in seen["ordered"] and KEPT_TITLE not in seen["all"]
    assert seen["count"] == len(seen["pages"][""]) == 2
    assert SEEN in seen["items"] and KEPT not in seen["items"]
    assert KEPT_TITLE not in await _fhir_titles(client, db, fontaine, ines)
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await as_account(desk, db, await account_for_professional(db, professional=fontaine.professional))
        timeline = (await desk.get(f"/dossiers/{dossier_id}")).text
        assert "Ordonnance lunettes" in timeline and KEPT_TITLE not in timeline and KEPT not in timeline
        assert KEPT_TITLE not in (await desk.get(f"/dossiers/{dossier_id}?categorie=compte_rendu")).text
        searched = await post_form(desk, f"/dossiers/{dossier_id}/recherche", {"q": "consultation"})
        assert searched.status_code == 200 and KEPT_TITLE not in searched.text
        for url in (f"/documents/{kept_id}", f"/documents/{kept_id}/fichier", f"/fhir/DocumentReference/{kept_id}"):
            assert (await desk.get(url)).status_code in (401, 404), url
        profile = (await desk.get(f"/dossiers/{dossier_id}/profil")).text
        assert SEEN in profile and KEPT not in profile and "Girard" not in profile
        item = (await db.exec(select(ProfileItem).where(ProfileItem.label == KEPT))).one()
        assert KEPT not in (await desk.get(f"/dossiers/{dossier_id}/profil/{item.id}/suppression")).text
        # The reimbursed care: Dr Girard's consultation is a trace of what she kept, as it is for the parents.
        care = await desk.get(f"/dossiers/{dossier_id}/soins")
        assert care.status_code == 200 and "Collyre antiallergique" in care.text
        assert "Consultation de contraception" not in care.text


async def _lefevre_keeps(db, app, ines):
    """Dr Paul Lefèvre keeps a compte rendu and a treatment from Inès's parents too."""
    from datetime import date

    from server.accesslog.audit import Actor
    from server.dossiers import add_document
    from server.profile.items import ItemInput, add_item

    lefevre = await new_professional(db, given_name="Paul", family_name="Lefèvre", profession="médecin", stem=47)
    document = await add_document(db, app.state.storage, dossier=ines.dossier, title=OTHER_TITLE,
                                  category="compte_rendu", event_date=date(2025, 3, 3), filename="t.txt",
                                  mime_type="text/plain", data=b"Confidentiel", author=lefevre.professional,
                                  commit=False)
    document.hidden_from_representatives = True
    await db.commit()
    await add_item(db, dossier=ines.dossier, data=ItemInput("treatment", label=OTHER_ITEM),
                   actor=Actor(None, "professional", "Paul Lefèvre", "médecin", lefevre.rpps),
                   author=lefevre.professional, today=date.today())
    return lefevre


OTHER_TITLE = "Test de grossesse"
OTHER_ITEM = "Lévonorgestrel 1,5 mg"


async def test_the_minors_own_grant_opens_what_is_kept_in_its_categories_alone(client, db, app):
    """Dr Girard kept care from the parents, so the mother's grant and Inès's stand side by side
    (caregivers/confidential.py): Dr Lefèvre's kept compte rendu through Inès's grant alone."""
    ines, _, girard = await minor_with_a_kept_doctor(client, db, app)
    dossier_id = ines.dossier.id
    lefevre = await _lefevre_keeps(db, app, ines)
    db.add(care_line(ines.dossier, ines.patient.ins, label="Consultation de contraception", performer="Paul Lefèvre",
                     rpps=lefevre.rpps))
    await db.commit()
    async with AsyncTestClient(app, base_url=ORIGIN) as browser:
        await activate_professional(browser, girard)
    await grant(client, dossier_id, girard.professional.id, [])  # the mother: every category
    seen = await _direct(db, girard, ines, "grossesse")
    assert seen["visible"].kept_categories == frozenset() and OTHER_TITLE not in seen["all"]
    assert OTHER_ITEM not in seen["items"] and OTHER_TITLE not in seen["search"]
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await as_account(desk, db, await account_for_professional(db, professional=girard.professional))
        assert "Consultation de contraception" not in (await desk.get(f"/dossiers/{dossier_id}/soins")).text
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        await grant(own, dossier_id, girard.professional.id, ["compte_rendu"])  # Inès: her compte rendu
        seen = await _direct(db, girard, ines, "grossesse")
        assert seen["visible"].categories is None and seen["visible"].kept_categories == frozenset({"compte_rendu"})
        assert OTHER_TITLE in seen["pages"][""] and OTHER_TITLE in seen["pages"]["compte_rendu"]
        assert OTHER_TITLE in seen["search"] and OTHER_TITLE in seen["ordered"] and OTHER_TITLE in seen["all"]
        # Dr Lefèvre's treatment is an "ordonnance" item, which Inès's grant does not cover.
        assert OTHER_ITEM not in seen["items"] and KEPT in seen["items"]  # (Dr Girard's own)
        assert OTHER_TITLE in await _fhir_titles(client, db, girard, ines)
        as_seen = (await own.get(f"/dossiers/{dossier_id}/voir-comme/{girard.professional.id}")).text
        assert OTHER_TITLE in as_seen
        async with AsyncTestClient(app, base_url=ORIGIN) as desk:
            await as_account(desk, db, await account_for_professional(db, professional=girard.professional))
            assert OTHER_TITLE in (await desk.get(f"/dossiers/{dossier_id}?categorie=compte_rendu")).text
            # Her grant is not "remboursement": Dr Lefèvre's care is still not seen through the mother's grant.
            assert "Consultation de contraception" not in (await desk.get(f"/dossiers/{dossier_id}/soins")).text
        await grant(own, dossier_id, girard.professional.id, ["compte_rendu", "ordonnance", "remboursement"])
        seen = await _direct(db, girard, ines)
        assert OTHER_ITEM in seen["items"] and OTHER_TITLE in seen["pages"][""]
        async with AsyncTestClient(app, base_url=ORIGIN) as desk:
            await as_account(desk, db, await account_for_professional(db, professional=girard.professional))
            assert "Consultation de contraception" in (await desk.get(f"/dossiers/{dossier_id}/soins")).text


async def test_a_medecin_traitant_a_parent_declares_opens_nothing_kept_from_the_parents(client, db, app):
    """The same hole as a parent's grant: the mother declares a doctor of her choosing médecin traitant, who then
    read the consultation Dr Girard kept from her. The one Inès declares still reads it."""
    ines, _, _ = await minor_with_a_kept_doctor(client, db, app)
    dossier_id = ines.dossier.id
    kept_id = (await db.exec(select(Document.id).where(Document.hidden_from_representatives))).one()
    fontaine = await _fontaine(client, db, app)
    answer = await post_form(client, f"/dossiers/{dossier_id}/medecin-traitant",
                             {"professionnel": fontaine.professional.id}, follow_redirects=False)
    assert answer.status_code == 303
    seen = await _direct(db, fontaine, ines)
    assert KEPT_TITLE not in seen["all"] and KEPT not in seen["items"] and SEEN in seen["items"]
    async with AsyncTestClient(app, base_url=ORIGIN) as desk:
        await as_account(desk, db, await account_for_professional(db, professional=fontaine.professional))
        assert KEPT_TITLE not in (await desk.get(f"/dossiers/{dossier_id}")).text
        assert (await desk.get(f"/documents/{kept_id}")).status_code == 404
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        answer = await post_form(own, f"/dossiers/{dossier_id}/medecin-traitant",
                                 {"professionnel": fontaine.professional.id}, follow_redirects=False)
        assert answer.status_code == 303
    seen = await _direct(db, fontaine, ines)
    assert KEPT_TITLE in seen["all"] and KEPT in seen["items"]
