"""What a professional kept from a minor's parents (CSP L1111-5) leaves no trace in the rest of the dossier they
read: not what that professional declared in the profil médical (its page, the parents' copy, a health link a
parent makes), nor the care they gave or prescribed (an outside tester's finds). The minor sees it all."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from server.accesslog.audit import Actor
from server.auth.accounts import account_for_patient
from server.models import ProfileItem, ReimbursementLine, new_id, utcnow
from server.profile.items import ItemInput, add_item
from server.shlinks import links
from server.shlinks.links import LinkInput
from tests.conftest import AsyncTestClient, ORIGIN, new_patient, post_form
from tests.caregiver_helpers import as_account, years_ago
from tests.test_export_for_parents import attached_by_mother, copy_for, kept_between_other_events
from tests.shlink_helpers import decrypted, fetch, payload_of

KEPT = "Mifépristone 200 mg"
SEEN = "Desloratadine 5 mg"


async def minor_with_a_kept_doctor(client, db, app):
    """Inès, 17: her mother signed in on `client`; Dr Anne Girard kept a consultation from her parents, then
    declared a treatment; her mother declared another."""
    ines = await new_patient(db, given_name="Inès", family_name="Martin", birth=years_ago(17), serial=6)
    mother = await attached_by_mother(client, db, ines, serial=5)
    _, doctor = await kept_between_other_events(db, app, ines)
    actor = Actor(None, "professional", "Anne Girard", "médecin", doctor.rpps)
    await add_item(db, dossier=ines.dossier, data=ItemInput("treatment", label=KEPT), actor=actor,
                   author=doctor.professional, today=date.today())
    await add_item(db, dossier=ines.dossier, data=ItemInput("treatment", label=SEEN),
                   actor=Actor(None, "caregiver", "Camille Martin"), today=date.today())
    return ines, mother, doctor


async def test_what_a_kept_professional_declared_is_not_on_the_parents_profile_nor_in_their_copy(client, db, app):
    ines, _, _ = await minor_with_a_kept_doctor(client, db, app)
    page = await client.get(f"/dossiers/{ines.dossier.id}/profil")
    assert page.status_code == 200 and SEEN in page.text and KEPT not in page.text and "Girard" not in page.text
    copy = await copy_for(client, ines.dossier.id)
    everything = "\n".join(copy.read(name).decode("utf-8", errors="replace") for name in copy.namelist()
                           if not name.endswith(".pdf"))
    assert SEEN in everything and KEPT not in everything
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        hers = await own.get(f"/dossiers/{ines.dossier.id}/profil")
        assert KEPT in hers.text and SEEN in hers.text


async def test_a_health_link_a_parent_makes_carries_nothing_a_kept_professional_declared(client, db, app):
    ines, mother, _ = await minor_with_a_kept_doctor(client, db, app)
    made = {}
    for maker, patient in (("mother", mother), ("ines", ines)):
        account = await account_for_patient(db, patient=patient.patient)
        link = await links.create_link(db, dossier=ines.dossier, account=account,
                                       actor=Actor(account.id, "patient", maker),
                                       data=LinkInput(content="emergency", label="", passcode="", duration="7j"))
        payload = payload_of(link)
        manifest = (await fetch(app, payload)).json()
        _, bundle = decrypted(manifest["files"][0]["embedded"], payload["key"])
        made[maker] = bundle.model_dump_json()
    assert SEEN in made["mother"] and KEPT not in made["mother"]
    assert SEEN in made["ines"] and KEPT in made["ines"]


def care_line(dossier, ins: str, *, label: str, performer: str = "Pharmacie du Centre", rpps: str = "",
              prescriber: str = "") -> ReimbursementLine:
    today = date.today()
    return ReimbursementLine(line_ref=new_id(), dossier_id=dossier.id, ins=ins, care_date=today - timedelta(days=20),
                             processed_on=today - timedelta(days=13), code_system="CIP13", code="3400930000000",
                             label=label, performer=performer, performer_rpps=rpps, prescriber=prescriber,
                             spent_cents=1000, base_cents=1000, reimbursed_cents=650, imported_at=utcnow())


def kept_doctors_care(ines, doctor) -> list:
    """Inès's care: four lines given or prescribed by the doctor she kept from her parents (by RPPS, by name as the
    insurer spells it, by an initial, by a practice's name with no RPPS), and one by another, "Collyre antiallergique"."""
    return [
        care_line(ines.dossier, ines.patient.ins, label="Consultation de contraception", performer="Anne Girard",
                  rpps=doctor.rpps),
        care_line(ines.dossier, ines.patient.ins, label="Contraceptif oral", prescriber="Dr GIRARD Anne"),
        care_line(ines.dossier, ines.patient.ins, label="Collyre antiallergique", prescriber="Dr Paul Lefèvre"),
        # A second probe's finds: an initial, and a practice's name with no RPPS.
        care_line(ines.dossier, ines.patient.ins, label="Test de grossesse", prescriber="A. Girard"),
        care_line(ines.dossier, ines.patient.ins, label="Échographie pelvienne", performer="Cabinet Girard"),
    ]


async def test_the_care_a_kept_professional_gave_or_prescribed_is_not_in_the_parents_soins(client, db, app):
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    db.add_all(kept_doctors_care(ines, doctor))
    await db.commit()
    page = await client.get(f"/dossiers/{ines.dossier.id}/soins")
    assert page.status_code == 200 and "Collyre antiallergique" in page.text
    assert "Consultation de contraception" not in page.text and "Contraceptif oral" not in page.text
    assert "Test de grossesse" not in page.text and "pelvienne" not in page.text
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        hers = (await own.get(f"/dossiers/{ines.dossier.id}/soins")).text
    assert all(label in hers for label in ("Consultation de contraception", "Contraceptif oral", "Collyre"))


async def kept_item(db, ines):
    return (await db.exec(select(ProfileItem).where(ProfileItem.dossier_id == ines.dossier.id,
                                                     ProfileItem.label == KEPT))).one()


async def test_a_parent_is_not_shown_a_health_link_the_minor_made(client, db, app):
    """A reviewer's find: the links page gave the mother the address (and so the content) of a link Inès made, which
    carries what was kept from her parents. A representative is shown the representatives' links alone."""
    ines, _, _ = await minor_with_a_kept_doctor(client, db, app)
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        made = await post_form(own, f"/dossiers/{ines.dossier.id}/liens-sante",
                               {"contenu": "summary", "nom": "Pour mon médecin", "duree": "7j"}, follow_redirects=False)
        hers = made.headers["location"].split("?")[0]  # its page, without "?fait=lien-cree"
        assert "Pour mon médecin" in (await own.get(f"/dossiers/{ines.dossier.id}/liens-sante")).text
    mine = await post_form(client, f"/dossiers/{ines.dossier.id}/liens-sante",
                           {"contenu": "summary", "nom": "Pour le pédiatre", "duree": "7j"}, follow_redirects=False)
    listing = (await client.get(f"/dossiers/{ines.dossier.id}/liens-sante")).text
    assert "Pour le pédiatre" in listing and "Pour mon médecin" not in listing
    assert (await client.get(mine.headers["location"])).status_code == 200
    assert (await client.get(hers)).status_code == 404
    refused = await post_form(client, f"{hers}/revocation", {})
    assert refused.status_code == 404


async def test_a_parent_cannot_reach_a_kept_item_by_its_id(client, db, app):
    ines, _, _ = await minor_with_a_kept_doctor(client, db, app)
    item = await kept_item(db, ines)
    base = f"/dossiers/{ines.dossier.id}/profil/{item.id}"
    # Its deletion page answers as a missing line's: the profile as it is (views/profile_changes.delete_form).
    kept = await client.get(f"{base}/suppression", follow_redirects=False)
    missing = await client.get(f"/dossiers/{ines.dossier.id}/profil/{'0' * 32}/suppression", follow_redirects=False)
    assert (kept.status_code, kept.headers.get("location")) == (missing.status_code, missing.headers.get("location"))
    assert kept.status_code == 303
    for action, data in (("suppression", {}), ("masquage", {"masque": "oui"}),
                         ("arret", {"ended_on": date.today().strftime("%d/%m/%Y")})):
        assert (await post_form(client, f"{base}/{action}", data)).status_code == 404, action
    item = await db.get(ProfileItem, item.id, populate_existing=True)
    assert item.deleted_at is None and not item.hidden and item.ended_on is None


async def test_what_the_minor_does_to_a_kept_item_is_not_in_the_parents_historique(client, db, app):
    ines, _, _ = await minor_with_a_kept_doctor(client, db, app)
    item = await kept_item(db, ines)
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        base = f"/dossiers/{ines.dossier.id}/profil/{item.id}"
        stopped = await post_form(own, f"{base}/arret", {"ended_on": date.today().strftime("%d/%m/%Y")})
        hidden = await post_form(own, f"{base}/masquage", {"masque": "oui"})
        assert stopped.status_code in (200, 303) and hidden.status_code in (200, 303)
        assert KEPT in (await own.get(f"/dossiers/{ines.dossier.id}/historique")).text
    log = await client.get(f"/dossiers/{ines.dossier.id}/historique")
    assert log.status_code == 200 and KEPT not in log.text
    copy = await copy_for(client, ines.dossier.id)
    assert KEPT not in copy.read("journal-acces.csv").decode("utf-8-sig")


async def test_a_kept_professional_opening_the_minors_health_link_is_not_in_the_parents_historique(client, db, app):
    """A reviewer's find: Dr Girard, given Inès's own link, declared her name on opening it; the mother's Historique
    said "Dr Anne Girard (nom déclaré par le destinataire) a ouvert le lien"."""
    ines, _, _ = await minor_with_a_kept_doctor(client, db, app)
    account = await account_for_patient(db, patient=ines.patient)
    link = await links.create_link(db, dossier=ines.dossier, account=account,
                                   actor=Actor(account.id, "patient", "Inès Martin"),
                                   data=LinkInput(content="emergency", label="", passcode="", duration="7j"))
    await fetch(app, payload_of(link), recipient="Dr Anne Girard")
    await fetch(app, payload_of(link), recipient="Service des urgences de Lyon")
    log = (await client.get(f"/dossiers/{ines.dossier.id}/historique")).text
    # Nor anyone's opening of it since: the links a minor makes are hers alone, as her list of them is (a security
    # review's find, test_parents_see_no_trace_in_windows.py).
    assert "Girard" not in log and "Service des urgences de Lyon" not in log


async def test_a_share_code_a_kept_professional_used_does_not_name_them_to_the_parent(client, db, app):
    """An outside tester's find: the mother's page of Inès's code said "Code utilisé par Dr Anne Girard", whose
    every other trace is kept from her. Then it said "Code expiré. Personne ne l'a utilisé." minutes into its ten
    (another probe's find): Inès's own codes are hers, left out of her parents' Historique, and their pages are to
    them those of codes that never were. Inès's own page still names her. A code the mother made herself names her:
    its grant is the mother's own (test_parents_decisions.py)."""
    from server.access.share_codes import create_share_code, redeem_share_code

    ines, mother, doctor = await minor_with_a_kept_doctor(client, db, app)
    girard = Actor(None, "professional", "Anne Girard", "médecin", doctor.rpps)
    hers = await account_for_patient(db, patient=ines.patient)
    code, row = await create_share_code(db, dossier=ines.dossier, categories="", duration="1m",
                                        actor=Actor(hers.id, "patient", "Inès Martin"))
    await redeem_share_code(db, code=code, professional=doctor.professional, actor=girard)
    assert (await client.get(f"/partage/{row.id}")).status_code == 404
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, hers)
        assert "Anne Girard" in (await own.get(f"/partage/{row.id}")).text
    mothers = await account_for_patient(db, patient=mother.patient)
    code, row = await create_share_code(db, dossier=ines.dossier, categories="biologie", duration="1m",
                                        actor=Actor(mothers.id, "caregiver", "Camille Martin"))
    await redeem_share_code(db, code=code, professional=doctor.professional, actor=girard)
    assert "Anne Girard" in (await client.get(f"/partage/{row.id}")).text
    assert "Girard" in (await client.get(f"/dossiers/{ines.dossier.id}/acces")).text
