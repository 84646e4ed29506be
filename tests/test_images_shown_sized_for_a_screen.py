"""An image document's page shows a copy sized for a screen, not its original: an outside probe (a home nurse on a
3G phone) added a 3,000 × 4,000 photo of a wound (3.98 MB) and its page loaded the whole file into a 328 px box,
about 80 s at every view. The copy is made once, kept as a PDF's page images are, turned as the camera says and
without the photo's EXIF (its GPS position); "Télécharger" still gives the original bytes; whoever may not read the
document gets the refusal they got before; deleting the document erases the copy too."""

from __future__ import annotations

import functools
import io
import os
from datetime import date

from alembic import command
from PIL import Image
from sqlmodel import select

from server.auth.accounts import account_for_patient, account_for_professional
from server.dossiers import add_document
from server.models import Document, DocumentPage
from tests.conftest import new_patient, new_professional, post_form, without_csrf
from tests.patient_helpers import MISSING, migrate
from tests.caregiver_helpers import as_account
from tests.test_patient_adds_documents import add
from tests.test_professional_documents import granted, upload

ORIENTATION, GPS = 0x0112, 0x8825


@functools.cache  # the same bytes for each test (each files them in a database of its own): 0.6 s of CPU to make
def phone_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A phone's photo as its camera writes it: detail everywhere, stored landscape with an EXIF orientation that
    says "turn it a quarter" (held upright, 3,000 × 4,000 on screen), and where it was taken."""
    coarse = Image.frombytes("RGB", (width // 8, height // 8), os.urandom(width // 8 * height // 8 * 3))
    image = Image.blend(coarse.resize((width, height), Image.Resampling.BILINEAR),
                        Image.effect_noise((width, height), 24).convert("RGB"), 0.3)
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "Téléphone"
    exif[GPS] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88, exif=exif.tobytes())
    return out.getvalue()


def shown(path: str) -> str:
    return f"{path}/fichier?affichage=1"


async def the_document(db, dossier) -> Document:
    [document] = (await db.exec(select(Document).where(Document.dossier_id == dossier.id))).all()
    await db.commit()
    return document


def looks_like_a_copy_for_a_screen(answer, original: bytes) -> Image.Image:
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["content-disposition"].startswith("inline;")
    assert len(answer.content) < len(original) / 5, (len(original), len(answer.content))
    image = Image.open(io.BytesIO(answer.content))
    assert image.size == (1200, 1600)  # upright, as the camera said, its longest side at most 1,600 px
    exif = image.getexif()
    assert ORIENTATION not in exif and not exif.get_ifd(GPS) and dict(exif) == {}
    return image


def store_files(app) -> set[str]:
    return {p.name for p in app.state.storage.root.rglob("*") if p.is_file()}


async def test_the_patients_photo_is_shown_small_downloaded_whole_refused_to_others_and_erased_with_it(
        client, db, app, patient, tmp_path):
    photo = phone_photo()
    camille = await account_for_patient(db, patient=patient.patient)
    await as_account(client, db, camille)
    answer = await add(client, patient.dossier.id, title="Plaie talon gauche", category="note_patient",
                       file=("IMG_2041.JPG", photo, "image/jpeg"))
    assert answer.status_code == 303, answer.text
    document = await the_document(db, patient.dossier)
    path = f"/documents/{document.id}"
    page = await client.get(path)
    assert f'src="{shown(path)}"' in page.text  # the page asks the one URL, and gets the copy
    looks_like_a_copy_for_a_screen(await client.get(shown(path)), photo)
    copy_rows = (await db.exec(select(DocumentPage).where(DocumentPage.document_id == document.id))).all()
    assert len(copy_rows) == 1 and (copy_rows[0].width, copy_rows[0].height) == (1200, 1600)
    await db.commit()

    downloaded = await client.get(f"{path}/fichier")
    assert downloaded.status_code == 200 and downloaded.headers["cache-control"] == "no-store"
    assert downloaded.content == photo and downloaded.headers["content-type"] == "image/jpeg"
    assert downloaded.headers["content-disposition"] == "attachment; filename*=UTF-8''IMG_2041.JPG"

    hugo = await new_patient(db, given_name="Hugo", family_name="Lefèvre", birth=date(1950, 7, 23), serial=9, sex="M")
    stranger = await new_professional(db, given_name="Jean", family_name="Autre", profession="médecin", stem=4)
    for account in (await account_for_patient(db, patient=hugo.patient),
                    await account_for_professional(db, professional=stranger.professional)):
        await as_account(client, db, account)
        refused, missing = await client.get(shown(path)), await client.get(shown(f"/documents/{MISSING}"))
        assert refused.status_code == missing.status_code == 404
        assert without_csrf(refused.text) == without_csrf(missing.text)

    await as_account(client, db, camille)
    assert store_files(app) == {document.sha256, copy_rows[0].sha256}
    deleted = await post_form(client, f"{path}/suppression", {}, follow_redirects=False)
    assert deleted.status_code in (200, 303), deleted.text
    assert store_files(app) == set()
    assert (await db.exec(select(DocumentPage).where(DocumentPage.document_id == document.id))).all() == []


async def test_a_professionals_photo_is_shown_to_her_and_to_the_patient_as_a_copy_for_a_screen(client, db, app, patient):
    photo = phone_photo()
    await granted(client, db, patient, given_name="Nadia", family_name="Benali", profession="infirmier", stem=2)
    answer = await upload(client, patient.dossier, data=photo, filename="plaie.jpg", content_type="image/jpeg",
                          title="Plaie talon gauche, J12")
    assert answer.status_code == 303, answer.text
    document = await the_document(db, patient.dossier)
    looks_like_a_copy_for_a_screen(await client.get(shown(f"/documents/{document.id}")), photo)
    assert (await client.get(f"/documents/{document.id}/fichier")).content == photo
    await as_account(client, db, await account_for_patient(db, patient=patient.patient))
    looks_like_a_copy_for_a_screen(await client.get(shown(f"/documents/{document.id}")), photo)


async def test_a_photo_added_before_copies_existed_gets_its_copy_at_its_first_view_once(client, db, app, patient):
    photo = phone_photo()
    # As the demo, and every upload before, filed it: the original alone; then 0047 asks for its copy. (Filed by
    # today's models, before going down: their columns are those of the head.)
    document = await add_document(db, app.state.storage, dossier=patient.dossier, title="Plaie", category="note_patient",
                                  event_date=date(2025, 1, 15), filename="plaie.jpg", mime_type="image/jpeg",
                                  data=photo)
    await db.commit()
    await migrate(app, command.downgrade, "0046")
    await db.exec(Document.__table__.update().where(Document.id == document.id).values(page_count=0))
    await db.commit()
    await migrate(app, command.upgrade, "head")
    await as_account(client, db, await account_for_patient(db, patient=patient.patient))
    first = await client.get(shown(f"/documents/{document.id}"))
    looks_like_a_copy_for_a_screen(first, photo)
    assert (await client.get(shown(f"/documents/{document.id}"))).content == first.content
    assert len((await db.exec(select(DocumentPage).where(DocumentPage.document_id == document.id))).all()) == 1
    await db.commit()
    await migrate(app, command.downgrade, "0046")
    await migrate(app, command.upgrade, "head")

