"""SMART Health Links (issue 12): what a link's file carries, as a client that follows the spec opens it."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from fhir.resources.R4B.bundle import Bundle

from server.accesslog.journal import Viewer, sentence
from server.auth.accounts import account_for_patient
from server.fhir.ips import CONTACTS_CARRIED, IPS_PROFILE, ITEM_SYSTEM
from server.models import utcnow
from server.profile.items import ItemInput, add_item
from server.shlinks import links
from tests.conftest import ORIGIN, AsyncTestClient, activate, new_patient, post_form
from tests.patient_helpers import CAMILLE, Log
from tests.shlink_helpers import (
    b64url_decode, decoded, decrypted, emergency_items, fetch, make_link, payload_of, resources,
)
from tests.test_profile import TODAY, items_of_every_kind


def carried_ids(bundle: Bundle) -> set[str]:
    """The items a link's file carries by their resource's identifier; its people to contact (Patient.contact, which
    has no identifier) are not named by Carnet's ids, of no use to a recipient (an outside probe's find)."""
    assert not any(c.extension for p in resources(bundle, "Patient") for c in p.contact or [])
    return {i.value for e in bundle.entry for i in (getattr(e.resource, "identifier", None) or []) if i.system == ITEM_SYSTEM}


def contacts_carried(bundle: Bundle) -> int:
    return sum(len(p.contact or []) for p in resources(bundle, "Patient"))


# --- the patient makes a link; a recipient opens it -------------------------------------------------------


async def test_a_link_made_by_the_patient_opens_as_the_spec_says_and_its_fetch_is_logged(client, app, db, patient):
    await emergency_items(db, patient.dossier)
    await activate(client, patient)
    page = await client.get(f"/dossiers/{patient.dossier.id}/liens-sante")
    assert page.status_code == 200 and "Créer le lien" in page.text and "Aucun lien créé" in page.text
    assert re.search(r'<input id="code" name="code"[^>]*maxlength="100"', page.text)  # as long as it may be
    async with Log(db, patient.dossier.id) as log:
        made = await post_form(client, f"/dossiers/{patient.dossier.id}/liens-sante",
                               {"contenu": "emergency", "nom": "Voyage au Portugal", "code": "soleil-42", "duree": "7j"},
                               follow_redirects=False)
    assert made.status_code == 303 and log.actions == ["shl_created"]
    assert "« Voyage au Portugal » (carte d'urgence, avec code d'accès, valable jusqu'au" in log.new[0].detail.replace("\u00a0", " ")
    shown = await client.get(made.headers["location"])
    address = html.unescape(re.search(r'id="lien" type="url" readonly value="([^"]+)"', shown.text).group(1))
    link = decoded(address)

    # The payload, as "Construct a SMART Health Link Payload" says.
    assert set(link) == {"url", "key", "exp", "flag", "label", "v"}
    assert link["flag"] == "LP" and link["label"] == "Voyage au Portugal" and link["v"] == 1
    assert len(link["key"]) == 43 and len(b64url_decode(link["key"])) == 32
    assert abs(link["exp"] - (utcnow() + timedelta(days=7)).timestamp()) < 60
    link_id = made.headers["location"].split("?")[0].rsplit("/", 1)[1]
    assert link["url"] == f"{ORIGIN}/shl/{link_id}/manifest" and len(link["url"]) <= 128  # "SHALL NOT exceed 128"
    assert len(b64url_decode(link_id)) == 32  # "SHALL include at least 256 bits of entropy"
    assert link["key"] not in link["url"]

    async with Log(db, patient.dossier.id) as log:
        answer = await fetch(app, link, passcode="soleil-42")
    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == "*" and "set-cookie" not in answer.headers
    [file] = answer.json()["files"]
    assert file["contentType"] == "application/fhir+json" and "location" not in file
    assert answer.json()["status"] == "can-change" and "status" not in file  # the manifest's (HL7 SHL IG)
    header, bundle = decrypted(file["embedded"], link["key"])
    assert header == {"alg": "dir", "enc": "A256GCM", "zip": "DEF", "cty": "application/fhir+json"}
    composition = bundle.entry[0].resource
    assert composition.title == "Carte d'urgence — Camille Martin"
    assert [s.title for s in composition.section] == ["Allergies et intolérances", "Traitements",
                                                      "Problèmes de santé actuels"]
    assert [a.code.text for a in resources(bundle, "AllergyIntolerance")] == ["Pénicilline"]  # never the hidden one
    [person] = resources(bundle, "Patient")
    assert [c.name.text for c in person.contact] == ["Paul Martin"] and not resources(bundle, "Immunization")

    # The fetch is in the log, committed before the answer, under the name the recipient declared.
    [event] = log.new
    assert event.action == "shl_fetch" and event.actor_name == "Dr Anne Roux, urgences de Lyon"  # said declared when read
    said = sentence(event, viewer=Viewer(None, is_patient=True)).replace("\u00a0", " ")
    assert said.startswith("Dr Anne Roux, urgences de Lyon (nom déclaré par le destinataire) a ouvert le lien de "
                           "partage « Voyage au Portugal » (carte d'urgence) le ")
    listed = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/liens-sante")).text)
    assert "Voyage au Portugal" in listed and "Ouvert 1 fois" in listed and "avec code d'accès" in listed

    # "L": the next fetch shows the profile as it is then, encrypted afresh (a new nonce each time).
    await add_item(db, dossier=patient.dossier, actor=CAMILLE, today=TODAY,
                   data=ItemInput("allergy", label="Latex", severity="faible"))
    again = (await fetch(app, link, passcode="soleil-42")).json()["files"][0]["embedded"]
    assert again.split(".")[2] != file["embedded"].split(".")[2]
    assert {a.code.text for a in resources(decrypted(again, link["key"])[1], "AllergyIntolerance")} == {"Pénicilline", "Latex"}


async def test_the_summary_carries_the_whole_profile_but_never_a_hidden_item(app, db, patient):
    items = await items_of_every_kind(db, patient.dossier, None)
    link = payload_of(await make_link(db, patient, content="summary"))
    assert link["flag"] == "L" and link["label"] == "Synthèse médicale"  # no passcode; the label by default
    answer = await fetch(app, link)
    _, bundle = decrypted(answer.json()["files"][0]["embedded"], link["key"])
    assert bundle.entry[0].resource.title == "Synthèse médicale — Camille Martin"
    assert [(x.url, x.valueBoolean) for x in bundle.entry[0].resource.extension] == [(CONTACTS_CARRIED, True)]
    shown = [i for i in items if i.deleted_at is None and not i.hidden]
    assert carried_ids(bundle) == {i.id for i in shown if i.kind != "contact"}
    assert contacts_carried(bundle) == len([i for i in shown if i.kind == "contact"]) == 2
    assert {"Immunization", "Observation", "FamilyMemberHistory"} <= {e.resource.get_resource_type() for e in bundle.entry}


async def test_a_vaccinations_link_carries_the_vaccinations_and_allergies_and_nothing_else(app, db, patient):
    """What a school or a crèche asks for (a probe's find: only the whole synthèse carried the vaccinations)."""
    items = await items_of_every_kind(db, patient.dossier, None)
    link = payload_of(await make_link(db, patient, content="vaccinations"))
    assert link["label"] == "Vaccins et allergies"
    _, bundle = decrypted((await fetch(app, link)).json()["files"][0]["embedded"], link["key"])
    assert bundle.entry[0].resource.title == "Vaccins et allergies — Camille Martin"
    assert carried_ids(bundle) == {i.id for i in items if i.kind in ("allergy", "vaccination")
                                   and i.deleted_at is None and not i.hidden}
    assert {e.resource.get_resource_type() for e in bundle.entry} == {"Composition", "Patient", "AllergyIntolerance",
                                                                      "Immunization"}
    # It carries no contact, and says it does not: its reader was told "no one to contact" (an outside probe's find).
    assert not bundle.entry[0].resource.extension


async def test_a_link_claims_the_ips_profile_only_with_the_sections_it_requires(app, db, patient):
    """IPS requires its allergies, medications and problems sections (each 1..1): a vaccinations link, which leaves the
    last two out, is no IPS, and a reader that checks the profile it claims refused the school's file."""
    await items_of_every_kind(db, patient.dossier, None)
    required = {"48765-2", "10160-0", "11450-4"}
    for content in links.CONTENTS:
        link = payload_of(await make_link(db, patient, content=content))
        _, bundle = decrypted((await fetch(app, link)).json()["files"][0]["embedded"], link["key"])
        codes = {s.code.coding[0].code for s in bundle.entry[0].resource.section}
        claims = bundle.meta is not None and IPS_PROFILE in (bundle.meta.profile or [])
        assert claims == (content != "vaccinations"), content
        assert not claims or required <= codes, content


# --- a pregnancy on the emergency card -------------------------------------------------------------------


async def test_the_emergency_card_says_a_pregnancy_in_progress_and_its_form_says_so_to_a_woman_only(
        app, db, client, patient):
    """A pregnancy decides an emergency's drugs and imaging as an allergy does: the card carries it (the IPS's History
    of pregnancy section), and the form that makes the link names it where the patient may be pregnant."""
    from server.models import paris_today

    await emergency_items(db, patient.dossier)
    await add_item(db, dossier=patient.dossier, actor=CAMILLE, today=paris_today(),
                   data=ItemInput("pregnancy", expected_on=paris_today() + timedelta(weeks=20)))
    link = payload_of(await make_link(db, patient))
    _, bundle = decrypted((await fetch(app, link)).json()["files"][0]["embedded"], link["key"])
    sections = {s.code.coding[0].code: s for s in bundle.entry[0].resource.section}
    assert "10162-6" in sections and "Enceinte" in sections["10162-6"].text.div
    assert not resources(bundle, "Immunization")  # still the card, not the summary

    await activate(client, patient)
    form = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/liens-sante")).text)
    assert "antécédents, grossesse en cours, personnes à prévenir" in form
    paul = await new_patient(db, given_name="Paul", birth=date(1982, 11, 5), serial=2, sex="M")
    async with AsyncTestClient(app, base_url=ORIGIN) as his:
        await activate(his, paul)
        form = html.unescape((await his.get(f"/dossiers/{paul.dossier.id}/liens-sante")).text)
    assert "Allergies, traitements en cours, antécédents, personnes à prévenir." in form and "grossesse" not in form


async def test_the_emergency_card_leaves_out_a_pregnancy_whose_end_was_noted(app, db, patient):
    """The card carries a pregnancy in progress, as its form says ("grossesse en cours"): one whose end was noted (a
    birth, a miscarriage) is no emergency's to know, and goes to no stranger holding the link."""
    from server.models import paris_today
    from server.profile.ending import end_item

    today = paris_today()
    over = await add_item(db, dossier=patient.dossier, actor=CAMILLE, today=today,
                          data=ItemInput("pregnancy", expected_on=today + timedelta(weeks=10)))
    await end_item(db, item=over, ended_on=today - timedelta(days=3), actor=CAMILLE, today=today)
    link = payload_of(await make_link(db, patient))
    _, bundle = decrypted((await fetch(app, link)).json()["files"][0]["embedded"], link["key"])
    sections = {s.code.coding[0].code for s in bundle.entry[0].resource.section}
    assert "10162-6" not in sections and over.id not in carried_ids(bundle)

    current = await add_item(db, dossier=patient.dossier, actor=CAMILLE, today=today,
                             data=ItemInput("pregnancy", expected_on=today + timedelta(weeks=20)))
    _, bundle = decrypted((await fetch(app, link)).json()["files"][0]["embedded"], link["key"])
    sections = {s.code.coding[0].code: s for s in bundle.entry[0].resource.section}
    assert "Enceinte" in sections["10162-6"].text.div and "terminée" not in sections["10162-6"].text.div
    assert current.id in carried_ids(bundle) and over.id not in carried_ids(bundle)


async def test_the_emergency_card_s_form_names_a_pregnancy_for_no_little_girl(app, db):
    """Its hint says "grossesse en cours" where the patient may be pregnant: not for a girl of six, whose profile
    takes none (kinds.MIN_AGE), and whose parent reads the form."""
    from tests.caregiver_helpers import as_account, years_ago

    lea = await new_patient(db, given_name="Léa", birth=years_ago(6), serial=3, sex="F")
    async with AsyncTestClient(app, base_url=ORIGIN) as hers:
        await as_account(hers, db, await account_for_patient(db, patient=lea.patient))
        form = html.unescape((await hers.get(f"/dossiers/{lea.dossier.id}/liens-sante")).text)
    assert "Allergies, traitements en cours, antécédents, personnes à prévenir." in form and "grossesse" not in form
