"""A document's author said as she is where the patient reads what became of it: Dr Claire Bernard's own pages said
"Vous en serez l'autrice", but the document page, the timeline and the Historique said of her "Retiré par son
auteur…", "… par son auteur" (an outside tester's finds). Where Carnet knows how her profession is written
(`profession_feminine`), "son autrice"; where what says it does not (an event of the Historique that names no author,
"médecin" written alike for both), of either: "la personne qui l'avait ajouté". So do the copy's summaries.

With them: a withdrawal said without the right she acted through (only its author withdraws a document; it said
"grâce à son accès aux documents ajoutés par ses soins" where her addition had said another right), the emergency
banner said of a woman patient as the other banners are, and the emergency refusal true of each of its causes."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile

from server.access import emergencies
from server.accesslog.audit import Actor
from tests.conftest import ORIGIN, AsyncTestClient, activate, add_text_document, new_patient, post_form
from tests.log_page_helpers import log_lines
from tests.test_fhir_withdrawn_and_replaced import pdf_text
from tests.test_pro_corrections import correct, documents
from tests.test_professional_access import REFUSED, emergency_form, error_of, signed_in
from tests.test_professional_documents import granted, pdf_bytes, upload

CLAIRE = {"given_name": "Claire", "family_name": "Bernard", "profession": "médecin", "feminine": True}
LEA = {"given_name": "Léa", "family_name": "Fontaine", "profession": "infirmier", "feminine": True, "stem": 3}
PAUL = {"given_name": "Paul", "family_name": "Petit", "profession": "infirmier", "stem": 2}
PATIENT = Actor(None, "patient", "Camille Martin")


def words(response) -> str:
    """A page's text as read: no markup, entities decoded, no-break spaces as spaces, on one line."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", response.text)).replace("\u00a0", " ").replace("\u202f", " ")
    return " ".join(text.split())


async def added(client, db, patient, title: str):
    """The document the professional signed in on `client` just added from the web."""
    assert (await upload(client, patient.dossier, data=pdf_bytes(title), title=title)).status_code == 303
    return next(d for d in await documents(db, patient.dossier) if d.title == title)


async def withdraw(client, document) -> None:
    done = await post_form(client, f"/documents/{document.id}/retrait", {}, follow_redirects=False)
    assert done.status_code == 303, done.text


async def test_her_withdrawal_and_her_correction_are_said_of_her_wherever_the_patient_reads_them(client, db, app,
                                                                                                  patient):
    await granted(client, db, patient, **CLAIRE)
    wrong = await added(client, db, patient, "Bilan erroné")
    first = await added(client, db, patient, "Compte rnedu de séance")
    assert (await correct(client, first.id)).status_code == 303
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        assert (await post_form(phone, f"/documents/{wrong.id}/masquage", {"masque": "oui"})).status_code == 200
        await withdraw(client, wrong)

        page = words(await phone.get(f"/documents/{wrong.id}"))
        assert "Document retiré par son autrice" in page and "Retiré par son autrice le " in page, page
        replaced = words(await phone.get(f"/documents/{first.id}"))
        assert re.search(r"Remplacé par une version plus récente, ajoutée le [^.]+ par son autrice\.", replaced)
        dossier = f"/dossiers/{patient.dossier.id}"
        line = re.compile(r"Document ajouté le \d+ \w+ \d{4}, retiré par son autrice")
        said = {name: words(await phone.get(url)) for name, url in (
            ("timeline", dossier), ("printed", f"{dossier}/imprimer"), ("hidden", f"{dossier}/masques"))}
        for name, text in {**said, "page": page, "replaced": replaced}.items():
            assert "par son auteur" not in text, (name, text)
        assert all(line.search(text) for text in said.values()), said

        # The Historique says what its events stored: "médecin" is written alike for a man and a woman, so the
        # addition of the document withdrawn since is said of either; the withdrawal, with no right said.
        texts = [text for _, _, text in log_lines((await phone.get("/historique")).text)]
        copy = await post_form(phone, f"{dossier}/export", {})  # its summaries, the PDF and the IPS, say it too
        assert copy.status_code == 200
    with zipfile.ZipFile(io.BytesIO(copy.content)) as archive:
        summary, ips = pdf_text(archive.read("synthese.pdf")), json.loads(archive.read("synthese-ips.json"))
    [section] = [s for s in ips["entry"][0]["resource"]["section"] if s["title"] == "Documents du dossier"]
    assert "retiré par son autrice" in summary and "retiré par son autrice" in section["text"]["div"]
    assert "par son auteur" not in summary + section["text"]["div"]
    assert any(text.startswith("Claire Bernard, médecin, a ajouté un document retiré par la personne qui l'avait ajouté ")
               for text in texts), texts
    [withdrawal] = [text for text in texts if " a retiré " in text]
    assert re.fullmatch(r"Claire Bernard, médecin, a retiré à \d+ h \d\d un document, déclaré erroné\.",
                        withdrawal)


async def test_the_historique_says_her_or_him_where_the_event_says_who_withdrew_and_either_where_it_does_not(
        client, db, app, patient):
    await granted(client, db, patient, **LEA)
    hers = await added(client, db, patient, "Soins du 3 mars")
    async with AsyncTestClient(app, base_url=ORIGIN) as colleague:
        await granted(colleague, db, patient, **PAUL)
        assert (await colleague.get(f"/documents/{hers.id}")).status_code == 200  # read before its withdrawal
        his = await added(colleague, db, patient, "Soins du 4 mars")
        await withdraw(colleague, his)
    await withdraw(client, hers)
    async with AsyncTestClient(app, base_url=ORIGIN) as phone:
        await activate(phone, patient)
        texts = [text for _, _, text in log_lines((await phone.get("/historique")).text)]
    said = {f"{who}: {what}" for who, what in (re.match(r"(.+?), infirmi\w+, a (.+?) à \d+ h", text).groups()
                                                for text in texts if re.match(r"(Léa Fontaine|Paul Petit), ", text))}
    assert {"Léa Fontaine: ajouté un document retiré par son autrice à votre dossier",
            "Paul Petit: ajouté un document retiré par son auteur à votre dossier",
            "Paul Petit: consulté un document retiré par la personne qui l'avait ajouté"} <= said, said


async def test_the_emergency_banner_says_the_patient_as_she_is(client, db, app):
    camille = await new_patient(db)
    pierre = await new_patient(db, given_name="Pierre", family_name="Durand", sex="M", serial=2)
    # Not hers: each read through her emergency access.
    documents = {p.dossier.id: await add_text_document(db, app, p.dossier) for p in (camille, pierre)}
    await signed_in(client, db, profession="médecin")
    for patient, said in ((camille, "sans l'accord de la patiente : chaque consultation est enregistrée avec votre "
                                    "motif et lui est signalée."),
                          (pierre, "sans l'accord du patient : chaque consultation est enregistrée avec votre motif "
                                   "et lui est signalée.")):
        opened = await post_form(client, "/pro/urgence", emergency_form(patient), follow_redirects=False)
        assert opened.status_code == 303, opened.text
        for url in (f"/dossiers/{patient.dossier.id}", f"/documents/{documents[patient.dossier.id].id}"):
            page = words(await client.get(url))
            assert f"Vous consultez ce dossier {said}" in page, (url, page)


async def test_an_emergency_refusal_says_each_of_its_causes_without_saying_which(client, db, patient):
    """"Vérifiez le matricule INS et la date de naissance saisis" alone, to a doctor whose patient refused emergency
    access, had her type a right identity again until her attempts ran out."""
    await signed_in(client, db)
    await emergencies.set_emergency_opt_out(db, dossier=patient.dossier, opt_out=True, actor=PATIENT)
    refused = await post_form(client, "/pro/urgence", emergency_form(patient))
    assert refused.status_code == 403 and error_of(refused.text) == REFUSED
    said = html.unescape(REFUSED)
    assert "la personne n'autorise pas l'accès d'urgence à son dossier" in said and "inutile de réessayer" in said


async def test_the_software_page_says_first_what_she_needs_and_from_whom(client, db):
    await signed_in(client, db, **CLAIRE)
    page = words(await client.get("/pro/logiciels"))
    needed = ("Il vous faut la clé publique de votre logiciel : demandez-la à son éditeur (ou à l'intégrateur qui "
              "l'installe), puis collez-la ci-dessous. Une fois le logiciel enregistré, cette page vous donne les "
              "réglages à lui transmettre en retour")
    assert needed in page, page
    # The technical words are there for the publisher, after what she reads first, and in French.
    technical = page.index("Détails techniques, pour l'éditeur")
    assert page.index(needed) < technical < page.index("SMART Backend Services") < page.index("ES384")
    assert "Ce que propose l'API : sa déclaration de capacités (/fhir/metadata)" in page
    assert "Tout ce que l'API sert" not in page
