"""Versions of a document filed the same day are told apart by their time: each said "remplace celle du 7 décembre
2026", and the one replaced "ajoutée le 7 décembre 2026", whatever their hour (an outside probe's find, a doctor who
corrected a report twice in one morning). A version of another day keeps its day alone."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import update

from server.models import Document

from tests.test_pro_corrections import correct, documents, words
from tests.test_professional_documents import granted, pdf_bytes, upload

CLOCK = r"\d{1,2} h \d{2}"  # "9 h 05", as French writes a time of day


async def test_versions_filed_the_same_day_say_their_time(client, db, patient):
    await granted(client, db, patient, given_name="Claire", family_name="Bernard", profession="médecin")
    assert (await upload(client, patient.dossier, data=pdf_bytes())).status_code == 303
    [first] = await documents(db, patient.dossier)
    assert (await correct(client, first.id, event_date="2025-02-04")).status_code == 303
    first, second = await documents(db, patient.dossier)
    assert re.search(f"Cette version remplace celle du [^.]* à {CLOCK}\\.", words(await client.get(
        f"/documents/{second.id}")))
    assert re.search(f"Remplacé par une version plus récente, ajoutée le [^.]* à {CLOCK}", words(await client.get(
        f"/documents/{first.id}")))

    # Filed the day before: its day alone, as before.
    await db.commit()  # the reads' snapshot ended: the pages' reads were logged since
    await db.exec(update(Document).where(Document.id == first.id).values(created_at=first.created_at - timedelta(days=1)))
    await db.commit()
    said = words(await client.get(f"/documents/{second.id}"))
    assert re.search(r"Cette version remplace celle du \d{1,2}(er)? \w+ \d{4}\.", said), said[:300]
