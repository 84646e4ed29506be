"""A line deleted from the profil médical is erased from the database, as its confirmation says; the access log keeps
its name, as it keeps a deleted document's title (an outside DPO audit: Camille deleted the allergy "Zorglubine",
and `select * from profileitem where label='Zorglubine'` still gave the whole row, its free text included)."""

from __future__ import annotations

import html
from datetime import date

from sqlalchemy import text
from sqlmodel import select

from server.auth.accounts import account_for_patient
from server.models import AccessEvent, ProfileItem
from tests.conftest import AsyncTestClient, ORIGIN, add_text_document, post_form
from tests.patient_helpers import migrate
from tests.caregiver_helpers import as_account
from tests.test_kept_traces import KEPT, kept_item, minor_with_a_kept_doctor
from tests.test_profile_changes import kine_with_her_line
from tests.profile_page_helpers import add, as_patient, events_of, text_of, url

# What a deleted item's row keeps: no word of what it said (profile/erasing.py).
KEPT_COLUMNS = {"id", "dossier_id", "kind", "author_professional_id", "hidden_from_representatives", "created_at",
                "deleted_at", "deleted_seq"}
MARKERS = ("Zorgl", "Xenomorphe", "XENO42", "99 88 77")


async def rows_as_the_dpo_reads_them(app, dossier_id: str) -> list[dict]:
    async with app.state.engine.connect() as connection:
        found = await connection.execute(text("SELECT * FROM profileitem WHERE dossier_id = :id"), {"id": dossier_id})
        return [dict(row._mapping) for row in found]


def erased(row: dict) -> bool:
    """Nothing left of what it said: every column but those kept is empty (booleans false, as SQLite reads 0)."""
    return not any(value for name, value in row.items() if name not in KEPT_COLUMNS) and not any(
        marker in str(value) for value in row.values() for marker in MARKERS)


async def test_an_allergy_deleted_is_erased_and_the_log_keeps_its_name_and_its_deletion(app, db, patient):
    async with await as_patient(app, db, patient) as client:
        added = await add(client, patient, "allergy", label="Zorglubine", detail="oedeme de Quincke Xenomorphe",
                          severity="severe")
        assert added.status_code == 303
        [item_id] = [row["id"] for row in await rows_as_the_dpo_reads_them(app, patient.dossier.id)]
        confirm = text_of(await client.get(url(patient, f"/{item_id}/suppression")))
        assert ("définitif : elle est effacée du dossier et ne pourra pas être récupérée ; pour corriger une "
                "information mal saisie, supprimez-la, puis ajoutez-la de nouveau, corrigée, au profil médical") in confirm
        assert ("l'Historique garde la trace que cette information a existé (son nom : l'allergie "
                "« Zorglubine », rien d'autre) et qu'elle a été supprimée, par qui et quand.") in confirm
        page = text_of(await post_form(client, url(patient, f"/{item_id}/suppression"), {}))
        assert ("L'information a été supprimée et effacée du dossier. L'Historique garde la trace qu'elle "
                "a existé (son nom) et qu'elle a été supprimée, par qui et quand.") in page
        assert "Zorglubine" not in page
        log = html.unescape((await client.get(f"/dossiers/{patient.dossier.id}/historique")).text)
    assert "supprimé l'allergie «\u00a0Zorglubine\u00a0» du profil médical" in log and "Xenomorphe" not in log
    async with app.state.engine.connect() as connection:
        assert (await connection.execute(text("SELECT * FROM profileitem WHERE label = 'Zorglubine'"))).all() == []
    [row] = await rows_as_the_dpo_reads_them(app, patient.dossier.id)
    assert erased(row) and row["deleted_at"] is not None and row["kind"] == "allergy"
    [event] = await events_of(db, patient, "profile_delete")
    assert row["deleted_seq"] == event.seq and event.detail == "l'allergie «\u00a0Zorglubine\u00a0»"


LINES = [
    ("treatment", {"label": "Zorglumab 5 mg", "detail": "Xenomorphe matin et soir", "started_on": "01/03/2025",
                   "prescriber": "Dr Xenomorphe"}),
    ("condition", {"label": "Zorglite", "nature": "past", "started_on": "14/02/2020", "detail": "Xenomorphe"}),
    ("family_history", {"label": "Zorglose", "detail": "Xenomorphe, sa mère"}),
    ("vaccination", {"label": "Zorglovax", "started_on": "02/05/2024", "lot": "XENO42"}),
    ("measurement", {"label": "blood_pressure", "value": "132", "value2": "84", "started_on": "10/01/2025"}),
    ("directive", {"label": "Zorgl, mes directives", "detail": "Xenomorphe, dans l'armoire"}),
    ("organ_donation", {"label": "donneur", "detail": "Xenomorphe : sauf les cornées"}),
    ("contact", {"label": "Zorglub Martin", "detail": "Xenomorphe, son frère", "phone": "06 99 88 77 66"}),
]


async def test_every_kind_of_line_deleted_is_erased_its_document_link_too(app, db, patient):
    document = await add_text_document(db, app, patient.dossier, title="Directives", category="note_patient")
    async with await as_patient(app, db, patient) as client:
        for kind, fields in LINES:
            fields = fields | ({"document_id": document.id} if kind == "directive" else {})
            assert (await add(client, patient, kind, **fields)).status_code == 303, kind
        rows = await rows_as_the_dpo_reads_them(app, patient.dossier.id)
        assert len(rows) == len(LINES) and not any(erased(row) for row in rows)
        for row in rows:
            assert (await post_form(client, url(patient, f"/{row['id']}/suppression"), {},
                                    follow_redirects=False)).status_code == 303
    rows = await rows_as_the_dpo_reads_them(app, patient.dossier.id)
    assert sorted(row["kind"] for row in rows) == sorted(kind for kind, _ in LINES)
    assert all(erased(row) for row in rows), [row for row in rows if not erased(row)]
    assert len(await events_of(db, patient, "profile_delete")) == len(LINES)


async def test_a_position_replaced_and_a_line_its_author_withdraws_are_erased(app, db, patient):
    async with await as_patient(app, db, patient) as client:
        assert (await add(client, patient, "organ_donation", label="donneur",
                          detail="Xenomorphe : sauf les cornées")).status_code == 303
        [old] = await rows_as_the_dpo_reads_them(app, patient.dossier.id)
        form = text_of(await client.get(url(patient, f"/{old['id']}/changement")))
        assert "la nouvelle remplace celle-ci, qui sera effacée du dossier" in form
        changed = await post_form(client, url(patient, f"/{old['id']}/changement"), {"label": "refus"})
        assert "la nouvelle remplace l'ancienne, effacée du dossier" in text_of(changed)
    async with kine_with_her_line(app, db, patient) as (kine, line):
        confirm = text_of(await kine.get(url(patient, f"/{line.id}/suppression")))
        assert "elle est effacée du dossier ; pour la corriger, déclarez-la de nouveau" in confirm
        assert "garde son nom (l'allergie « Latex », rien d'autre)" in confirm
        withdrawn = await post_form(kine, url(patient, f"/{line.id}/suppression"), {})
        assert "L'information est retirée du profil et effacée du dossier." in text_of(withdrawn)
    rows = {row["id"]: row for row in await rows_as_the_dpo_reads_them(app, patient.dossier.id)}
    assert erased(rows[old["id"]]) and erased(rows[line.id]) and "Latex" not in str(rows[line.id])
    assert rows[line.id]["author_professional_id"] == line.author_professional_id  # the rule's, kept
    assert [e.detail for e in await events_of(db, patient, "profile_withdraw")] == ["l'allergie «\u00a0Latex\u00a0»"]


async def test_a_kept_line_the_minor_deleted_stays_out_of_her_parents_historique(client, db, app):
    """Erased, the line no longer names itself: the event of its deletion names it to the parents' filter."""
    ines, _, _ = await minor_with_a_kept_doctor(client, db, app)
    item = await kept_item(db, ines)
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        base = f"/dossiers/{ines.dossier.id}/profil/{item.id}"
        for action, data in (("arret", {"ended_on": date.today().strftime("%d/%m/%Y")}),
                             ("masquage", {"masque": "oui"}), ("suppression", {})):
            assert (await post_form(own, f"{base}/{action}", data, follow_redirects=False)).status_code == 303
        assert KEPT in html.unescape((await own.get(f"/dossiers/{ines.dossier.id}/historique")).text)
    assert all(KEPT not in str(row) for row in await rows_as_the_dpo_reads_them(app, ines.dossier.id))
    log = await client.get(f"/dossiers/{ines.dossier.id}/historique")
    assert log.status_code == 200 and KEPT not in html.unescape(log.text)


async def test_the_migration_erases_the_lines_deleted_before_and_points_each_to_its_event(app, db, patient):
    from alembic import command

    labels = ("Zorglubine", "Arachide", "Zorglubine")  # the same name twice: each row its own event
    deleted = []
    async with await as_patient(app, db, patient) as client:
        for label in labels:
            assert (await add(client, patient, "allergy", label=label, detail="Xenomorphe")).status_code == 303
            [row] = [r for r in await rows_as_the_dpo_reads_them(app, patient.dossier.id) if r["label"] == label]
            assert (await post_form(client, url(patient, f"/{row['id']}/suppression"), {},
                                    follow_redirects=False)).status_code == 303
            deleted.append(row["id"])
    await db.commit()
    await migrate(app, command.downgrade, "0044")
    async with app.state.engine.begin() as connection:  # the rows as the deletion left them before: whole
        for item_id, label in zip(deleted, labels):
            await connection.execute(text("UPDATE profileitem SET label = :label, detail = 'Xenomorphe', "
                                          "severity = 'severe' WHERE id = :id"), {"label": label, "id": item_id})
    await migrate(app, command.upgrade, "head")
    after = {row["id"]: row for row in await rows_as_the_dpo_reads_them(app, patient.dossier.id)}
    assert all(erased(row) for row in after.values())
    events = (await db.exec(select(AccessEvent).where(AccessEvent.dossier_id == patient.dossier.id,
                                                      AccessEvent.action == "profile_delete")
                            .order_by(AccessEvent.seq))).all()
    assert [after[item_id]["deleted_seq"] for item_id in deleted] == [e.seq for e in events]
    assert [e.detail for e in events] == [f"l'allergie «\u00a0{label}\u00a0»" for label in labels]
    standing = select(ProfileItem).where(ProfileItem.dossier_id == patient.dossier.id,
                                         ProfileItem.deleted_at.is_(None))  # type: ignore[union-attr]
    assert (await db.exec(standing)).all() == []
