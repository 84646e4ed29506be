"""Review of the parents' layer (commit 297f3fb): what it left."""

from __future__ import annotations

import html

from sqlmodel import select

from server.auth.accounts import account_for_patient
from server.caregivers.majority import apply_majority
from server.models import Block, Patient, ShareCode
from tests.conftest import AsyncTestClient, ORIGIN
from tests.caregiver_helpers import as_account, years_ago
from tests.test_kept_traces import minor_with_a_kept_doctor
from tests.test_parents_decisions import act, fresh, grant, grants_of, her_phone


async def turn_18(db, patient_id: str) -> None:
    """The patient's birthday comes (her birth date moves: the app's clock cannot), and the scheduled check runs."""
    await fresh(db)
    patient = await db.get(Patient, patient_id)
    patient.birth_date = years_ago(18, days=-1)
    db.add(patient)
    await db.commit()
    await apply_majority(db)


async def test_at_18_the_young_adult_revokes_the_grant_her_mother_gave_a_kept_professional(client, db, app):
    """The mother's grant to Dr Girard (who kept care from her) was hers alone while Inès was a minor; at 18 the
    mother's rights end, and nobody could revoke that grant any more: Inès's revoke answered 404."""
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    dossier_id, girard, patient_id = ines.dossier.id, doctor.professional.id, ines.patient.id
    await grant(client, dossier_id, girard, ["biologie"], "sans")
    await turn_18(db, patient_id)
    mothers_grant = next(g for g in await grants_of(db, dossier_id, girard) if g.given_by == "representative")
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=await db.get(Patient, patient_id)))
        page = (await own.get(f"/dossiers/{dossier_id}/acces")).text
        assert f"/acces/{mothers_grant.id}/revocation" in page
        assert await act(own, f"/dossiers/{dossier_id}/acces/{mothers_grant.id}/revocation") == 303
    assert all(g.revoked_at is not None for g in await grants_of(db, dossier_id, girard))


async def test_the_minors_kept_doctor_as_medecin_traitant_is_not_on_the_parents_pages(client, db, app):
    """Before 297f3fb, a professional who kept care from the parents was left out of their Accès page; now shown by
    the parents' own decisions, she was shown as the médecin traitant Inès declared (an event the mother's Historique
    leaves out): "Seul son médecin traitant peut voir ce dossier", Dr Girard, from nothing the mother did."""
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    dossier_id, girard = ines.dossier.id, doctor.professional.id
    async with her_phone(app, db, ines) as own:
        assert await act(own, f"/dossiers/{dossier_id}/medecin-traitant", {"professionnel": girard}) == 303
    mothers = (await client.get(f"/dossiers/{dossier_id}/acces")).text
    assert "Girard" not in mothers and "médecin traitant" not in mothers.split("<main")[-1].split("Donner accès")[0]
    assert "Girard" not in (await client.get(f"/dossiers/{dossier_id}/historique")).text
    # Her mother, not knowing, declares her too: her page then says what she did, not what it said before.
    assert await act(client, f"/dossiers/{dossier_id}/medecin-traitant", {"professionnel": girard}) == 303
    assert "Seul son médecin traitant peut voir ce dossier" in (await client.get(f"/dossiers/{dossier_id}/acces")).text
    # Her mother's own declaration is hers to see.
    async with her_phone(app, db, ines) as own:
        assert await act(own, f"/dossiers/{dossier_id}/medecin-traitant", {"professionnel": ""}) == 303
    assert await act(client, f"/dossiers/{dossier_id}/medecin-traitant", {"professionnel": girard}) == 303
    mothers = (await client.get(f"/dossiers/{dossier_id}/acces")).text
    assert "Girard" in mothers and "Seul son médecin traitant peut voir ce dossier" in mothers


async def test_migration_0031_down_and_up_keeps_the_rows(client, db, app):
    """0031 down then up on both engines, with a grant, a share code and a block in the tables: the rows stay, and
    who made each is read back from the log (as for the rows a deployment had before 0031)."""
    from alembic import command
    from sqlalchemy import inspect

    from server.accesslog.audit import Actor
    from server.access import share_codes
    from tests.patient_helpers import migrate

    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    dossier_id, girard = ines.dossier.id, doctor.professional.id
    await grant(client, dossier_id, girard, ["biologie"])
    assert await act(client, f"/dossiers/{dossier_id}/professionnels/{girard}/blocage") == 303
    await share_codes.create_share_code(db, dossier=ines.dossier, categories="", duration="1m",
                                        actor=Actor(None, "caregiver", "Camille Martin"))
    await fresh(db)

    async def columns(table: str) -> set[str]:
        found = await (await db.connection()).run_sync(lambda sync: inspect(sync).get_columns(table))
        await db.commit()
        return {c["name"] for c in found}

    await migrate(app, command.downgrade, "0030")
    assert "given_by" not in await columns("grant") and "given_by" not in await columns("sharecode")
    assert not {"blocked_by", "representatives_only"} & await columns("block")
    await migrate(app, command.upgrade, "head")
    db.expire_all()
    # Who made them is read back from the log: the mother, a legal representative, for the grant and the block; the
    # code's event names no account (its actor was made up here), so it is a caregiver's.
    grants = await grants_of(db, dossier_id, girard)
    assert [g.given_by for g in grants] == ["representative"]
    block = (await db.exec(select(Block).where(Block.dossier_id == dossier_id))).one()
    assert block.blocked_by == "representative" and block.representatives_only is False
    code = (await db.exec(select(ShareCode).where(ShareCode.dossier_id == dossier_id))).one()
    assert code.given_by == "caregiver"


async def test_at_18_the_young_adult_lifts_her_parents_block_and_tells_two_grants_apart(client, db, app):
    """A third outside probe's finds: after 18 Inès read "Un … l'a bloqué" with no way to lift it but to block and
    unblock herself; and her own grant and her mother's showed two alike "Révoquer" buttons."""
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    dossier_id, girard, patient_id = ines.dossier.id, doctor.professional.id, ines.patient.id
    async with her_phone(app, db, ines) as own:
        await grant(own, dossier_id, girard, ["vaccination"], "sans")
        await grant(client, dossier_id, girard, ["biologie"], "sans")
        assert await act(client, f"/dossiers/{dossier_id}/professionnels/{girard}/blocage") == 303
        before = (await own.get(f"/dossiers/{dossier_id}/professionnels/{girard}")).text
        assert "Lever le blocage de vos parents" not in before  # a minor's parents' block is theirs
        await turn_18(db, patient_id)
        page = html.unescape((await own.get(f"/dossiers/{dossier_id}/professionnels/{girard}")).text)
        assert "Lever le blocage de vos parents" in page
        assert page.count(">Retirer l'accès donné par un parent<") == 1 and page.count(">Retirer l'accès<") == 1
        assert await act(own, f"/dossiers/{dossier_id}/professionnels/{girard}/deblocage") == 303
        await fresh(db)
        assert (await db.exec(select(Block).where(Block.dossier_id == dossier_id))).one().lifted_at is not None
