"""SMART Health Links on the patient's pages: making, showing, turning off and closing links, and no one else's."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import zxingcpp
from PIL import Image, ImageDraw
from sqlmodel import select

from server.access import closing
from server.models import ShareLink, utcnow
from server.shlinks import links
from tests.conftest import ORIGIN, AsyncTestClient, activate, new_patient, post_form, wrong_fields
from tests.patient_helpers import CAMILLE, MISSING, Log, fresh, same_404
from tests.shlink_helpers import (
    MISSING_LINK, decoded, decrypted, emergency_items, fetch, make_link, payload_of, resources,
)


async def test_a_label_that_shows_nothing_is_no_label(client, db, patient):
    row = await make_link(db, patient, content="summary", label="\u3164 \u2800")
    link = payload_of(row)
    assert link["label"] == "Synthèse médicale"  # not a blank line in the list of links
    await activate(client, patient)
    page = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/liens-sante/{row.id}")).text)
    # Named by its content, which the page's title then says once (a probe read "Synthèse médicale : « Synthèse
    # médicale »").
    assert re.search(r"<h1>\s*Synthèse médicale\s*</h1>", page), re.search(r"<h1>.*?</h1>", page, re.S).group(0)


async def test_a_link_left_unnamed_is_named_by_its_content_once_in_each_reader_s_language(client, db, patient):
    """Made unnamed on an English page, a link kept "Emergency card" as its name: its page said "Emergency card:
    “Emergency card”", its line "Emergency card" over "Emergency card · without passcode", and a French reader read
    the English (an outside tester's find). It has no name of its own: each page names it by its content, once, in
    its reader's language; the log and what the link carries say it as the log and the shared file are written."""
    dossier = patient.dossier.id
    await activate(client, patient)
    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    made = await post_form(client, f"/dossiers/{dossier}/liens-sante",
                           {"contenu": "emergency", "nom": " ", "duree": "7j"}, follow_redirects=False)
    [row] = (await db.exec(select(ShareLink).where(ShareLink.dossier_id == dossier))).all()
    assert made.status_code == 303

    async def said(url: str) -> str:
        return html.unescape((await client.get(url)).text).replace("\u00a0", " ")

    for language, name, other in (("en", "Emergency card", "Carte d'urgence"), ("fr", "Carte d'urgence", "Emergency")):
        await post_form(client, "/langue", {"langue": language, "retour": "/"})
        shown = await said(f"/dossiers/{dossier}/liens-sante/{row.id}")
        listed = await said(f"/dossiers/{dossier}/liens-sante")
        assert re.search(f"<h1>\\s*{name}\\s*</h1>", shown), re.search(r"<h1>.*?</h1>", shown, re.S).group(0)
        line = link_line(listed, name)
        # Its name, and the three times its buttons name it: not again after it, as what it shows.
        assert line.count(name) == 4 and other not in line, line
        assert payload_of(row)["label"] == "Carte d'urgence"  # as the shared file's title says it (CONTENTS)
    historique = await said(f"/dossiers/{dossier}/historique")
    assert "Vous avez créé le lien de partage « Carte d'urgence » (carte d'urgence, sans code d'accès" \
        in historique
    await post_form(client, "/langue", {"langue": "en", "retour": "/"})
    historique = await said(f"/dossiers/{dossier}/historique")
    assert "You created the sharing link \u201cEmergency card\u201d (emergency card, without passcode" in historique
    assert row.label == ""  # no name of its own


async def test_a_link_made_unnamed_before_is_named_by_its_content_in_the_reader_s_language(client, db, patient):
    """Before, an unnamed link stored its content's name in its maker's language: it reads as unnamed, on its page
    and in its log's sentences."""
    await activate(client, patient)
    row = await make_link(db, patient, content="vaccinations", label="Vaccines and allergies")
    page = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/liens-sante/{row.id}")).text)
    assert re.search(r"<h1>\s*Vaccins et allergies\s*</h1>", page) and "Vaccines" not in page.split("<main", 1)[1]
    await post_form(client, f"/dossiers/{patient.dossier.id}/liens-sante/{row.id}/revocation", {})
    log = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/historique")).text).replace("\u00a0", " ")
    assert "Vous avez désactivé le lien de partage « Vaccins et allergies » (vaccins et allergies)" in log
    # Said so in every sentence; the events as stored (which her phone checks the chain with) say it still.
    assert not re.search(r"[^\"]« Vaccines", log)


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
    # Said on the list it leads back to (an outside probe: deactivating announced nothing), each button named for its
    # link, not "Désactiver" again and again.
    listed = html.unescape((await client.get(done.headers["location"])).text)
    assert 'role="status"' in listed and "Le lien est désactivé : il ne s'ouvre plus, pour personne." in listed
    assert re.search(r"Désactiver<span class=\"visually-hidden\"> le lien «\s*b\s*»</span>", listed)
    assert re.search(r"Afficher le QR code<span class=\"visually-hidden\"> du lien «\s*c\s*»</span>", listed)
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
    assert '>Désactiver<span class="visually-hidden"> le lien « Voyage au Portugal »</span></button>' in listed
    assert question in listed
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
    # Said once, on screen (an accessibility probe: a whole page loaded, and only its title was heard).
    assert re.search(r'role="status" data-done>\s*(<details><summary>|<p>)Le lien de partage est créé', shown)
    assert "Le lien de partage est créé" not in html.unescape((await client.get(
        made.headers["location"].split("?")[0])).text)
    # The printed sheet says it too (what is printed: print-only and not no-print, carnet.css).
    sheet = re.search(r'<p class="print-only">(.*?)</p>', shown, re.S).group(1)
    assert "Il ne s'ouvre qu'une fois : ne le scannez que pour le lire." in " ".join(sheet.split())
    link = decoded(html.unescape(re.search(r'id="lien" type="url" readonly value="([^"]+)"', shown).group(1)))
    row = (await db.exec(select(ShareLink).where(ShareLink.dossier_id == patient.dossier.id))).one()
    revoked = await make_link(db, patient)
    await links.revoke_link(db, dossier=patient.dossier, link_id=revoked.id, actor=CAMILLE)

    # Not announced as long-term, nor its manifest as one to ask again (an outside probe's find: "L", "can-change").
    assert "flag" not in link  # optional: left out, not sent empty
    # Its one opening asks for short embedded files: the location it gets serves the file, once.
    opened = (await fetch(app, link, recipient="Mme Durand, infirmière scolaire", embeddedLengthMax=100)).json()
    assert opened["status"] == "no-longer-valid"
    [file] = opened["files"]
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


# --- the QR code -----------------------------------------------------------------------------------------


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


async def test_a_link_s_page_says_who_uses_its_key_as_it_is(client, db, patient):
    """Carnet keeps the key and encrypts each answer with it; the recipient's phone decrypts, and the key, after "#",
    is never sent when the link is opened. The page said "seul le téléphone de la personne s'en sert", which a patient
    who does not trust the operator reads as end-to-end (an outside probe's find)."""
    await activate(client, patient)
    made = await post_form(client, f"/dossiers/{patient.dossier.id}/liens-sante",
                           {"contenu": "emergency", "nom": "Voyage", "duree": "7j"}, follow_redirects=False)
    shown = " ".join(html.unescape((await client.get(made.headers["location"])).text).split())
    assert ("La clé fait partie du lien : Carnet chiffre avec elle, et le téléphone de la personne déchiffre. Quand "
            "elle ouvre le lien, la clé reste sur son téléphone : elle ne passe pas sur le réseau.") in shown
    assert "s'en sert" not in shown
