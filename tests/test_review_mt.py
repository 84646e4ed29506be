"""A review of the médecin traitant a minor's parent declares (c050d3e, d4331dd)."""

from __future__ import annotations

from server.auth.accounts import account_for_patient, account_for_professional
from tests.conftest import AsyncTestClient, ORIGIN
from tests.caregiver_helpers import as_account
from tests.test_kept_traces import minor_with_a_kept_doctor
from tests.test_parents_decisions import act


async def test_a_parent_declaring_the_minors_medecin_traitant_again_does_not_make_them_the_parents(client, db, app):
    """Inès declared Dr Girard (who kept care from her parents) her médecin traitant; her mother, not shown that,
    declares her too, then blocks her: Inès's choice holds, Dr Girard still reads the dossier as médecin traitant."""
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    dossier_id, girard = ines.dossier.id, doctor.professional.id
    async with AsyncTestClient(app, base_url=ORIGIN) as desk, AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        await as_account(desk, db, await account_for_professional(db, professional=doctor.professional))
        assert await act(own, f"/dossiers/{dossier_id}/medecin-traitant", {"professionnel": girard}) == 303
        assert "Vaccin HPV" in (await desk.get(f"/dossiers/{dossier_id}")).text
        assert await act(client, f"/dossiers/{dossier_id}/medecin-traitant", {"professionnel": girard}) == 303
        mothers = (await client.get(f"/dossiers/{dossier_id}/professionnels/{girard}")).text
        assert "est le médecin traitant déclaré" in mothers
        assert await act(client, f"/dossiers/{dossier_id}/professionnels/{girard}/blocage") == 303
        assert "Vaccin HPV" in (await desk.get(f"/dossiers/{dossier_id}")).text


async def test_the_minors_pages_when_a_parent_blocked_the_medecin_traitant_a_parent_declared(client, db, app):
    """The mother declared Dr Girard then blocked her: Dr Girard reads nothing as médecin traitant (d4331dd), and
    Inès's pages must not say she sees every document."""
    ines, _, doctor = await minor_with_a_kept_doctor(client, db, app)
    dossier_id, girard = ines.dossier.id, doctor.professional.id
    assert await act(client, f"/dossiers/{dossier_id}/medecin-traitant", {"professionnel": girard}) == 303
    assert await act(client, f"/dossiers/{dossier_id}/professionnels/{girard}/blocage") == 303
    async with AsyncTestClient(app, base_url=ORIGIN) as own:
        await as_account(own, db, await account_for_patient(db, patient=ines.patient))
        for url in (f"/dossiers/{dossier_id}/acces", f"/dossiers/{dossier_id}/professionnels/{girard}"):
            page = (await own.get(url)).text
            open("/tmp/h6_page.html", "a").write(page)
            assert "voit tous les documents, y compris ceux qui sont masqués" not in page
            assert "ce professionnel voit toujours tout le dossier" not in page
