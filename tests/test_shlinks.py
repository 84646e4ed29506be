"""SMART Health Links (issue 12): a link the patient makes is opened by a client that follows the spec and
nothing else (the payload, the manifest request, a JWE decrypted with jwcrypto, the Bundle read with
fhir.resources); wrong passcodes count down and lock; revoked, expired and closed links answer 404; every
fetch is in the log under the name its recipient declared; hidden items never leave."""

from __future__ import annotations

import asyncio
import base64
import html
import json
import re
from datetime import date, timedelta

import zxingcpp
from fhir.resources.R4B.bundle import Bundle
from jwcrypto import jwe, jwk
from tests.conftest import AsyncTestClient
from PIL import Image, ImageDraw

from sqlmodel import select

from server.access import closing
from server.auth.accounts import account_for_patient
from server.fhir.ips import IPS_PROFILE, ITEM_SYSTEM
from server.accesslog.journal import Viewer, sentence
from server.models import ShareLink, utcnow
from server.profile.items import ItemInput, add_item, set_item_hidden
from server.shlinks import links
from server.shlinks.links import LinkInput
from tests.conftest import ORIGIN, activate, new_patient, post_form, wrong_fields
from tests.patient_helpers import CAMILLE, MISSING, Log, events, fresh, same_404
from tests.test_profile import TODAY, items_of_every_kind

ANOTHER_SITE = {"Origin": "https://urgences.example.org"}
SHLINK = re.compile(re.escape(f"{ORIGIN}/shl#shlink:/") + r"([A-Za-z0-9_-]+)$")
MISSING_LINK = "A" * 43


# --- a recipient that knows only the spec ------------------------------------------------------------------


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decoded(viewer_url: str) -> dict:
    """The SHL payload of a viewer URL: after "#", "shlink:/", then base64url of minified JSON."""
    match = SHLINK.match(viewer_url)
    assert match, viewer_url
    return json.loads(b64url_decode(match.group(1)))


def decrypted(compact: str, key: str) -> tuple[dict, Bundle]:
    """The JWE opened with the payload's key by jwcrypto (not the server's JOSE library), as a FHIR Bundle."""
    token = jwe.JWE()
    token.deserialize(compact, key=jwk.JWK(kty="oct", k=key))
    return token.jose_header, Bundle.model_validate(json.loads(token.payload))


async def fetch(app, link: dict, *, recipient="Dr Anne Roux, urgences de Lyon", passcode: str | None = None,
                **extra):
    """The manifest request, from another site, with no cookie: a recipient's app."""
    body = {"recipient": recipient, **({"passcode": passcode} if passcode is not None else {}), **extra}
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        return await stranger.post(link["url"].removeprefix(ORIGIN), json=body, headers=ANOTHER_SITE)


def resources(bundle: Bundle, kind: str) -> list:
    return [e.resource for e in bundle.entry if e.resource.get_resource_type() == kind]


def carried_ids(bundle: Bundle) -> set[str]:
    ids = {i.value for e in bundle.entry for i in (getattr(e.resource, "identifier", None) or []) if i.system == ITEM_SYSTEM}
    return ids | {c.extension[0].valueString for p in resources(bundle, "Patient") for c in p.contact or []}


async def make_link(db, patient, *, content="emergency", passcode="", label="", duration="7j") -> ShareLink:
    account = await account_for_patient(db, patient=patient.patient)
    return await links.create_link(db, dossier=patient.dossier, account=account, actor=CAMILLE,
                                   data=LinkInput(content=content, label=label, passcode=passcode, duration=duration))


def payload_of(link: ShareLink) -> dict:
    from server.shlinks.payload import viewer_url
    return decoded(viewer_url(link, origin=ORIGIN))


ALLERGY = ItemInput("allergy", label="Pénicilline", detail="Urticaire géante", severity="severe")
HIDDEN = ItemInput("allergy", label="Arachide", detail="Œdème", severity="moderee")
CONTACT = ItemInput("contact", label="Paul Martin", detail="Époux", phone="06 12 34 56 78")
VACCINE = ItemInput("vaccination", label="DTP", started_on=date(2024, 5, 2), lot="X123")


async def emergency_items(db, dossier) -> None:
    for data in (ALLERGY, CONTACT, VACCINE):
        await add_item(db, dossier=dossier, data=data, actor=CAMILLE, today=TODAY)
    hidden = await add_item(db, dossier=dossier, data=HIDDEN, actor=CAMILLE, today=TODAY)
    await set_item_hidden(db, item=hidden, hidden=True, actor=CAMILLE)


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
    link_id = made.headers["location"].rsplit("/", 1)[1]
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
    assert carried_ids(bundle) == {i.id for i in items if i.deleted_at is None and not i.hidden}
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


async def test_a_label_that_shows_nothing_is_no_label(client, db, patient):
    row = await make_link(db, patient, content="summary", label="\u3164 \u2800")
    link = payload_of(row)
    assert link["label"] == "Synthèse médicale"  # not a blank line in the list of links
    await activate(client, patient)
    page = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/liens-sante/{row.id}")).text)
    # Named by its content, which the page's title then says once (a probe read "Synthèse médicale : « Synthèse
    # médicale »").
    assert re.search(r"<h1>\s*Synthèse médicale\s*</h1>", page), re.search(r"<h1>.*?</h1>", page, re.S).group(0)


# --- passcodes --------------------------------------------------------------------------------------------


async def test_wrong_passcodes_count_down_then_the_link_is_dead(app, db, patient):
    row = await make_link(db, patient, passcode="soleil-42")
    link = payload_of(row)
    async with Log(db, patient.dossier.id) as log:
        unasked = await fetch(app, link)  # no passcode at all is not a guess
        assert unasked.status_code == 401 and unasked.json() == {"remainingAttempts": 10}
        for left in range(9, -1, -1):
            wrong = await fetch(app, link, passcode=f"lune-{left}")
            assert wrong.status_code == 401 and wrong.json() == {"remainingAttempts": left}
            assert wrong.headers["access-control-allow-origin"] == "*"
        dead = await fetch(app, link, passcode="soleil-42")
    assert dead.status_code == 404 and log.actions == ["shl_blocked"]  # the wrong passcode that blocked it
    assert links.state_of(await fresh(db, ShareLink, row.id), utcnow()) == "locked"


async def test_parallel_guesses_cannot_spend_more_attempts_than_the_link_has(app, db, patient):
    link = payload_of(await make_link(db, patient, passcode="soleil-42"))
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        answers = await asyncio.gather(*(
            stranger.post(link["url"].removeprefix(ORIGIN), json={"recipient": "X", "passcode": f"faux-{n}"})
            for n in range(14)))
    refused = sorted(a.json()["remainingAttempts"] for a in answers if a.status_code == 401)
    assert refused == list(range(10)) and sorted(a.status_code for a in answers).count(404) == 4


async def test_a_refused_passcode_says_how_to_authenticate(app, db, patient):
    """RFC 9110, 15.5.2: a 401 carries a challenge; here, the SHL passcode (no registered scheme names it)."""
    link = payload_of(await make_link(db, patient, passcode="soleil-42"))
    for passcode in (None, "lune-1"):
        refused = await fetch(app, link, passcode=passcode)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == 'SHL-Passcode realm="SMART Health Link"'
        assert refused.headers["access-control-expose-headers"] == "WWW-Authenticate"  # a recipient's page reads it
    opened = await fetch(app, link, passcode="soleil-42")
    assert opened.status_code == 200 and "www-authenticate" not in opened.headers


async def test_a_passcode_is_six_characters_at_least_and_the_form_says_so_on_the_wrong_field(client, db, patient):
    await activate(client, patient)
    for data, message, wrong in [
        ({"contenu": "emergency", "code": "12345", "duree": "7j"}, "au moins 6 caractères", "code"),
        ({"contenu": "emergency", "nom": "x" * 81, "duree": "7j"}, "80 caractères au plus", "nom"),
        ({"contenu": "tout", "duree": "7j"}, "Choisissez ce que le lien montre", "contenu"),
        ({"contenu": "summary", "duree": "10a"}, "Choisissez combien de temps", "duree"),
    ]:
        async with Log(db, patient.dossier.id) as log:
            refused = await post_form(client, f"/dossiers/{patient.dossier.id}/liens-sante", data)
        assert refused.status_code == 400 and message in html.unescape(refused.text) and log.actions == []
        assert wrong_fields(refused.text) == [wrong], data
    # The name typed comes back, the passcode never does.
    kept = await post_form(client, f"/dossiers/{patient.dossier.id}/liens-sante",
                           {"contenu": "emergency", "nom": "Voyage au Portugal", "code": "12345", "duree": "7j"})
    assert 'value="Voyage au Portugal"' in kept.text and 'value="12345"' not in kept.text
    assert 'aria-describedby="form-error code-hint"' in kept.text and 'aria-describedby="nom-hint"' in kept.text
    await closing.set_closed(db, dossier=patient.dossier, closed=True, actor=CAMILLE)
    closed = await post_form(client, f"/dossiers/{patient.dossier.id}/liens-sante", {"contenu": "summary", "duree": "1j"})
    assert closed.status_code == 400 and "fermé" in closed.text


async def test_a_passcode_of_spaces_or_invisible_characters_is_refused_not_dropped(client, db, patient):
    """Cleaning leaves nothing of it: the link must not be made without the passcode the person meant to set."""
    await activate(client, patient)
    for passcode in (" " * 8, "\u200b" * 8, "\t\x00" * 4):
        async with Log(db, patient.dossier.id) as log:
            refused = await post_form(client, f"/dossiers/{patient.dossier.id}/liens-sante",
                                      {"contenu": "summary", "code": passcode, "duree": "7j"}, follow_redirects=False)
        assert refused.status_code == 400 and "au moins 6 caractères" in html.unescape(refused.text), repr(passcode)
        assert wrong_fields(refused.text) == ["code"] and log.actions == []
    await db.commit()
    assert (await db.exec(select(ShareLink).where(ShareLink.dossier_id == patient.dossier.id))).all() == []


# --- links that no longer open ----------------------------------------------------------------------------


async def test_revoked_expired_and_closed_links_answer_404_like_a_link_that_never_was(client, app, db, patient):
    await activate(client, patient)
    revoked, expired, closed = [await make_link(db, patient, label=name) for name in ("a", "b", "c")]
    async with Log(db, patient.dossier.id) as log:
        done = await post_form(client, f"/dossiers/{patient.dossier.id}/liens-sante/{revoked.id}/revocation", {},
                               follow_redirects=False)
        again = await post_form(client, f"/dossiers/{patient.dossier.id}/liens-sante/{revoked.id}/revocation", {},
                                follow_redirects=False)
    assert done.status_code == again.status_code == 303 and log.actions == ["shl_revoked"]  # logged once
    row = await fresh(db, ShareLink, expired.id)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    await db.commit()
    gone = [await fetch(app, payload_of(await fresh(db, ShareLink, r.id))) for r in (revoked, expired)]
    never = await fetch(app, {"url": f"{ORIGIN}/shl/{MISSING_LINK}/manifest"})
    assert all(a.status_code == 404 and a.json() == never.json() for a in gone) and never.status_code == 404
    assert (await fetch(app, payload_of(closed))).status_code == 200
    await closing.set_closed(db, dossier=patient.dossier, closed=True, actor=CAMILLE)  # no one but its holders reads it
    assert (await fetch(app, payload_of(closed))).status_code == 404
    page = (await client.get(f"/dossiers/{patient.dossier.id}/liens-sante")).text
    assert "désactivé le" in page and "expiré le" in page


async def test_closing_says_the_links_stop_and_reopening_that_they_open_again(client, db, patient):
    """Closed, a link opened to no one while its line said "valable jusqu'au…", and reopening opened it again
    unsaid: neither the closing's page nor the reopening's words spoke of links (an outside probe's find)."""
    dossier = patient.dossier.id
    await activate(client, patient)
    await make_link(db, patient, label="Voyage")
    asked = html.unescape((await client.get(f"/dossiers/{dossier}/fermeture")).text)
    assert "les liens de partage ne s'ouvrent plus" in asked and "les codes de partage en attente sont annulés" in asked
    await post_form(client, f"/dossiers/{dossier}/fermeture", {})
    line = html.unescape(link_line((await client.get(f"/dossiers/{dossier}/liens-sante")).text, "Voyage"))
    assert "ne s'ouvre pas tant que le dossier est fermé" in line
    access = html.unescape((await client.get(f"/dossiers/{dossier}/acces")).text)
    assert "les liens de partage encore valables s'ouvrent de nouveau" in access
    assert "que vous leur avez donnés" not in access  # said to a relative too, who gave none of them
    await post_form(client, f"/dossiers/{dossier}/reouverture", {})
    line = html.unescape(link_line((await client.get(f"/dossiers/{dossier}/liens-sante")).text, "Voyage"))
    assert "valable jusqu'au" in line and "fermé" not in line


def link_line(page: str, label: str) -> str:
    [line] = [li for li in re.findall(r'<li class="access-line">.*?</li>', page, re.S) if label in li]
    return line


async def test_a_link_is_turned_off_in_plain_words_its_button_question_line_and_historique_alike(client, db, patient):
    """"Révoquer ce lien", "Révoquer le lien … ?", "révoqué le": no words a patient uses (her professionals' access is
    "Retirer l'accès"). One verb, "désactiver", from the button to the Historique's sentence, which is said of the
    event's kind when read: an event written before reads so too."""
    await activate(client, patient)
    link = await make_link(db, patient, label="Voyage au Portugal")
    links_page = f"/dossiers/{patient.dossier.id}/liens-sante"

    async def said(url: str) -> str:
        return html.unescape((await client.get(url)).text).replace("\u00a0", " ")

    question = "Désactiver le lien « Voyage au Portugal » ? Il ne s'ouvrira plus, pour personne."
    shown, listed = await said(f"{links_page}/{link.id}"), await said(links_page)
    assert ">Désactiver ce lien</button>" in shown and question in shown
    assert ">Désactiver</button>" in listed and question in listed
    assert "Vous pouvez désactiver un lien à tout moment" in listed
    await post_form(client, f"{links_page}/{link.id}/revocation", {})
    shown, listed = await said(f"{links_page}/{link.id}"), await said(links_page)
    assert "Ce lien a été désactivé le " in shown and "désactivé le " in listed
    log = await said(f"/dossiers/{patient.dossier.id}/historique")
    assert "Vous avez désactivé le lien de partage « Voyage au Portugal »" in log
    assert not [page for page in (shown, listed, log) if "évoqu" in page]


async def test_another_patient_can_neither_list_show_nor_revoke_a_link(client, app, db, patient):
    mine = await make_link(db, patient, label="Voyage de Camille")
    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 6, 1), serial=2, sex="M")
    await activate(client, hugo)
    theirs, own = patient.dossier.id, hugo.dossier.id
    await same_404(client, f"/dossiers/{theirs}/liens-sante", f"/dossiers/{MISSING}/liens-sante")
    await same_404(client, f"/dossiers/{theirs}/liens-sante/{mine.id}", f"/dossiers/{MISSING}/liens-sante/{mine.id}")
    await same_404(client, f"/dossiers/{own}/liens-sante/{mine.id}", f"/dossiers/{own}/liens-sante/{MISSING_LINK}")
    async with Log(db, patient.dossier.id) as log:
        await same_404(client, f"/dossiers/{theirs}/liens-sante/{mine.id}/revocation",
                       f"/dossiers/{MISSING}/liens-sante/{mine.id}/revocation", data={})
        await same_404(client, f"/dossiers/{own}/liens-sante/{mine.id}/revocation",
                       f"/dossiers/{own}/liens-sante/{MISSING_LINK}/revocation", data={})
        await same_404(client, f"/dossiers/{theirs}/liens-sante", f"/dossiers/{MISSING}/liens-sante",
                       data={"contenu": "summary", "duree": "1a"})
    assert log.actions == [] and (await fresh(db, ShareLink, mine.id)).revoked_at is None
    assert mine.label not in (await client.get(f"/dossiers/{own}/liens-sante")).text


# --- the QR code, the protocol's edges, the viewer ----------------------------------------------------------


def qr_text(svg: str) -> tuple[str, str]:
    """What a phone's camera reads in the page's QR code (its modules drawn as pixels, read by zxing-cpp)."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    image = Image.new("L", (size * 8, size * 8), 255)
    draw = ImageDraw.Draw(image)
    for x, y in re.findall(r"M(\d+),(\d+)H", svg):
        draw.rectangle((int(x) * 8, int(y) * 8, int(x) * 8 + 7, int(y) * 8 + 7), fill=0)
    # A QR code alone: within its modules, zxing-cpp sometimes also found a Codabar (2 images in 300).
    [found] = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return found.text, found.ec_level


async def test_the_qr_code_in_the_page_reads_as_the_viewer_link_with_error_correction_m(client, db, patient):
    await activate(client, patient)
    made = await post_form(client, f"/dossiers/{patient.dossier.id}/liens-sante",
                           {"contenu": "summary", "nom": "Pour le Dr Roux", "duree": "30j"}, follow_redirects=False)
    page = (await client.get(made.headers["location"])).text
    svg = re.search(r"<svg\b.*?</svg>", page, re.S).group(0)
    address = html.unescape(re.search(r'id="lien" type="url" readonly value="([^"]+)"', page).group(1))
    assert qr_text(svg) == (address, "M")
    assert decoded(address)["label"] == "Pour le Dr Roux" and 'aria-label="QR code du lien' in svg
    assert "<script" not in svg and "style=" not in svg  # the page's CSP allows neither inline


async def test_the_manifest_answers_any_origin_and_refuses_what_is_not_a_request(app, db, patient):
    link = payload_of(await make_link(db, patient))
    path = link["url"].removeprefix(ORIGIN)
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        preflight = await stranger.options(path, headers={**ANOTHER_SITE, "Access-Control-Request-Method": "POST",
                                                          "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
        for body in (b"not json", b"[]", json.dumps({"passcode": "x"}).encode(), json.dumps({"recipient": "\u200b"}).encode(),
                     json.dumps({"recipient": "A", "embeddedLengthMax": "big"}).encode()):
            refused = await stranger.post(path, content=body, headers={"content-type": "application/json"})
            assert refused.status_code == 400 and refused.headers["access-control-allow-origin"] == "*", body
            assert "set-cookie" not in refused.headers
    longest = await fetch(app, link, recipient="Dr " + "A" * 97 + "\u202e")
    assert longest.status_code == 200
    [event] = [e for e in await events(db, patient.dossier.id) if e.action == "shl_fetch"]
    assert event.actor_name == f"Dr {'A' * 97}"  # 100 characters, cleaned


async def test_a_field_too_long_is_a_400_that_names_it_and_only_a_huge_body_is_a_413(app, db, patient):
    path = payload_of(await make_link(db, patient))["url"].removeprefix(ORIGIN)
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        # json.dumps escapes every emoji as "\ud83d\ude00": 12 bytes for one character, and still a 400.
        for body, field, limit in (
                ({"recipient": "x" * 5000}, "«\u00a0recipient\u00a0»", "100 caractères"),
                ({"recipient": "Dr " + "A" * 98}, "«\u00a0recipient\u00a0»", "100 caractères"),
                ({"recipient": "Dr Roux", "passcode": "\U0001f600" * 1001}, "«\u00a0passcode\u00a0»", "1000 caractères")):
            refused = await stranger.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
            assert refused.status_code == 400 and refused.headers["access-control-allow-origin"] == "*"
            assert field in refused.json()["error"] and limit in refused.json()["error"], refused.json()
        huge = await stranger.post(path, content=json.dumps({"recipient": "Dr Roux", "notes": "x" * 20_000}),
                                   headers={"content-type": "application/json"})
        assert huge.status_code == 413 and huge.headers["access-control-allow-origin"] == "*"
        assert huge.json() == {"error": "La demande est trop longue : 16\u00a0Ko au plus."}
    assert not [e for e in await events(db, patient.dossier.id) if e.action == "shl_fetch"]


async def test_a_nul_in_the_recipient_or_passcode_is_said_as_such_not_as_no_json(app, db, patient):
    path = payload_of(await make_link(db, patient))["url"].removeprefix(ORIGIN)
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        for body in ({"recipient": "Paul\u0000"}, {"recipient": "Dr Roux", "passcode": "\ud800"}):
            refused = await stranger.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
            assert refused.status_code == 400 and refused.headers["access-control-allow-origin"] == "*"
            said = refused.json()["error"]
            assert said.startswith("La demande contient un caractère qui n'est pas permis")
            assert "«\u00a0recipient\u00a0»" in said
        not_json = await stranger.post(path, content=b'{"recipient": "Paul"',
                                       headers={"content-type": "application/json"})
        assert not_json.json()["error"] == "La demande doit être un objet JSON."
    assert not [e for e in await events(db, patient.dossier.id) if e.action == "shl_fetch"]


async def test_a_recipient_that_wants_short_embedded_files_gets_a_short_lived_location(app, db, patient):
    await emergency_items(db, patient.dossier)
    row = await make_link(db, patient)
    link = payload_of(row)
    [file] = (await fetch(app, link, embeddedLengthMax=100)).json()["files"]
    assert "embedded" not in file and file["location"].startswith(f"{ORIGIN}/shl/{row.id}/fichier?t=")
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        got = await stranger.get(file["location"].removeprefix(ORIGIN))
        assert got.status_code == 200 and got.headers["content-type"].startswith("application/jose")
        assert [a.code.text for a in resources(decrypted(got.text, link["key"])[1], "AllergyIntolerance")] == ["Pénicilline"]
        forged = file["location"][:-3] + ("AAA" if not file["location"].endswith("AAA") else "BBB")
        assert (await stranger.get(forged.removeprefix(ORIGIN))).status_code == 404
        await links.revoke_link(db, dossier=patient.dossier, link_id=row.id, actor=CAMILLE)
        assert (await stranger.get(file["location"].removeprefix(ORIGIN))).status_code == 404


async def test_a_location_serves_its_file_once_then_answers_as_one_that_never_was_in_any_process(app, db, patient,
                                                                                                  settings):
    """The spec: a `location` "SHALL be short-lived and intended for single use"; the recipient asks the manifest
    again for a fresh one. Spent in the database: another process of the server refuses it too."""
    from server.app import app_state, create_app
    from server.housekeeping import purge_expired

    await emergency_items(db, patient.dossier)
    row = await make_link(db, patient)
    link = payload_of(row)
    [file] = (await fetch(app, link, embeddedLengthMax=100)).json()["files"]
    location = file["location"].removeprefix(ORIGIN)
    never = f"/shl/{row.id}/fichier?t=" + location.rsplit("=", 1)[1][:-3] + "AAA"
    other = create_app(settings)
    other.state = app_state(settings)
    try:
        async with AsyncTestClient(app, base_url=ORIGIN) as stranger, \
                AsyncTestClient(other, base_url=ORIGIN) as elsewhere:
            async with Log(db, patient.dossier.id) as log:
                first = await stranger.get(location)
                again, there = await stranger.get(location), await elsewhere.get(location)
            assert first.status_code == 200 and log.actions == ["shl_fetch"]
            unknown = await stranger.get(never)
            # Said to whoever holds it, whose ever dossier it is: not "au patient" when a parent gave it.
            assert unknown.json()["error"] == ("Ce lien n'est plus valable : il a expiré, a été désactivé ou "
                                               "bloqué. Demandez-en un nouveau à la personne qui vous l'a donné.")
            for refused in (again, there):
                assert (refused.status_code, refused.json()) == (404, unknown.json())
            [fresh_file] = (await fetch(app, link, embeddedLengthMax=100)).json()["files"]
            assert fresh_file["location"] != file["location"]
            got = await elsewhere.get(fresh_file["location"].removeprefix(ORIGIN))
            assert got.status_code == 200 and resources(decrypted(got.text, link["key"])[1], "AllergyIntolerance")
    finally:
        await other.state.engine.dispose()
    # Kept as long as the address could be asked for, then erased: it says nothing once it has ended.
    assert (await purge_expired(db, idle=timedelta(hours=1), max_age=timedelta(hours=12))).locations == 0
    later = utcnow() + timedelta(hours=1)
    assert (await purge_expired(db, idle=timedelta(hours=1), max_age=timedelta(hours=12), now=later)).locations == 2


async def test_the_viewer_is_one_static_page_that_sets_no_cookie(client):
    page = await client.get("/shl")
    assert page.status_code == 200 and "set-cookie" not in page.headers
    assert page.headers["cache-control"] == "no-store"
    assert "Cette page a besoin de JavaScript" in page.text  # what a browser without it shows
    assert re.search(r'<script src="/static/js/shl-viewer\.[0-9a-f]{12}\.js" defer>', page.text)
    assert re.search(r'data-jose="/static/vendor/jose-6\.2\.18\.min\.[0-9a-f]{12}\.js"', page.text)
    assert "csrf" not in page.text and "<script>" not in page.text and "style=" not in page.text


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
    from tests.test_caregivers import as_account, years_ago

    lea = await new_patient(db, given_name="Léa", birth=years_ago(6), serial=3, sex="F")
    async with AsyncTestClient(app, base_url=ORIGIN) as hers:
        await as_account(hers, db, await account_for_patient(db, patient=lea.patient))
        form = html.unescape((await hers.get(f"/dossiers/{lea.dossier.id}/liens-sante")).text)
    assert "Allergies, traitements en cours, antécédents, personnes à prévenir." in form and "grossesse" not in form


async def test_a_single_use_link_opens_once_then_answers_as_a_revoked_one_and_its_pages_say_so(client, app, db,
                                                                                                 patient):
    await emergency_items(db, patient.dossier)
    await activate(client, patient)
    links_page = f"/dossiers/{patient.dossier.id}/liens-sante"
    assert "Une seule ouverture" in (await client.get(links_page)).text
    made = await post_form(client, links_page, {"contenu": "vaccinations", "nom": "Sortie scolaire", "code": "",
                                                "duree": "7j", "une_fois": "oui"}, follow_redirects=False)
    shown = html.unescape((await client.get(made.headers["location"])).text)
    assert "Ce lien ne s'ouvre qu'une fois : après sa première ouverture, il ne s'ouvre plus, pour personne." in shown
    # The printed sheet says it too (what is printed: print-only and not no-print, carnet.css).
    sheet = re.search(r'<p class="print-only">(.*?)</p>', shown, re.S).group(1)
    assert "Il ne s'ouvre qu'une fois : ne le scannez que pour le lire." in " ".join(sheet.split())
    link = decoded(html.unescape(re.search(r'id="lien" type="url" readonly value="([^"]+)"', shown).group(1)))
    row = (await db.exec(select(ShareLink).where(ShareLink.dossier_id == patient.dossier.id))).one()
    revoked = await make_link(db, patient)
    await links.revoke_link(db, dossier=patient.dossier, link_id=revoked.id, actor=CAMILLE)

    # Its one opening asks for short embedded files: the location it gets serves the file, once.
    [file] = (await fetch(app, link, recipient="Mme Durand, infirmière scolaire", embeddedLengthMax=100)).json()["files"]
    async with AsyncTestClient(app, base_url=ORIGIN) as stranger:
        got = await stranger.get(file["location"].removeprefix(ORIGIN))
        assert got.status_code == 200 and resources(decrypted(got.text, link["key"])[1], "Immunization")
        assert (await stranger.get(file["location"].removeprefix(ORIGIN))).status_code == 404
    # Then: as a revoked link answers, the same 404, and no fetch logged.
    async with Log(db, patient.dossier.id) as log:
        again = await fetch(app, link)
        as_revoked = await fetch(app, payload_of(revoked))
    assert (again.status_code, again.json()) == (404, as_revoked.json()) and log.actions == []

    # Both pages say when, and by whom as they declared themselves (it was said in the Historique alone: a probe's
    # find).
    shown = re.sub("[\u00a0\u202f]", " ", html.unescape((await client.get(made.headers["location"])).text))
    assert re.search(r"Ouvert une fois, le \d+ \w+ \d{4} à \d+ h \d+, par « Mme Durand, infirmière scolaire » \(nom "
                     r"déclaré par le destinataire\) : ce lien ne s'ouvre plus\.", shown), shown
    assert 'id="lien"' not in shown
    listed = re.sub("[\u00a0\u202f]", " ", html.unescape((await client.get(links_page)).text))
    assert "ouvert une fois : ne s'ouvre plus" in listed
    assert re.search(r"Ouvert 1 fois, la dernière le \d+ \w+ \d{4} à \d+ h \d+, par « Mme Durand, infirmière "
                     r"scolaire » \(nom déclaré par le destinataire\)", listed), listed
    historique = re.sub("[\u00a0\u202f]", " ", html.unescape(
        (await client.get(f"/dossiers/{patient.dossier.id}/historique")).text))
    assert "« Sortie scolaire » (vaccins et allergies, sans code d'accès, valable jusqu'au" in historique
    assert "à usage unique)" in historique
    assert re.search(r"Mme Durand, infirmière scolaire \(nom déclaré par le destinataire\) a ouvert le lien de partage "
                     r"« Sortie scolaire » \(vaccins et allergies, à usage unique : il ne s'ouvre plus\)",
                     historique)
    assert row.single_use


async def test_migration_0063_adds_the_spent_locations_and_takes_them_back(app, db, patient):
    from alembic import command
    from sqlalchemy import inspect

    from tests.patient_helpers import migrate

    async def tables() -> set[str]:
        async with app.state.engine.connect() as connection:
            return await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))

    row = await make_link(db, patient)
    await migrate(app, command.downgrade, "0062")
    assert "spentlocation" not in await tables()
    await migrate(app, command.upgrade, "head")
    assert "spentlocation" in await tables()
    assert not (await fresh(db, ShareLink, row.id)).single_use  # a link made before opens as it did
    assert (await fetch(app, payload_of(row))).status_code == 200
    assert (await fetch(app, payload_of(row))).status_code == 200
