"""The Accès page opens with one sentence, computed from the overview: how many professionals can see the dossier
now, and why in one clause (issue 13, point 4); with none, what remains true (authors, emergency access)."""

from html import unescape

from server.access import blocks, closing, emergencies, grants
from server.access.medecin_traitant import set_medecin_traitant
from server.accesslog.audit import Actor
from tests.conftest import activate
from tests.patient_helpers import CAMILLE, professional


def summary_in(page: str) -> str:
    start = page.index('id="resume-acces">') + len('id="resume-acces">')
    return unescape(page[start:page.index("</p>", start)])


async def access_summary(client, patient) -> str:
    await activate(client, patient)
    return summary_in((await client.get(f"/dossiers/{patient.dossier.id}/acces")).text)


NOBODY = ("Aucun professionnel n'a accès à votre dossier en ce moment, en dehors des documents qu'il y a lui-même "
          "ajoutés et d'un accès d'urgence, qui vous serait signalé.")


async def test_with_nobody_the_summary_leaves_out_neither_the_authors_nor_an_emergency(client, patient):
    """True as it stands (an outside probe): authors still read their own documents, and emergency access is
    allowed unless refused, which the page said only lower."""
    assert await access_summary(client, patient) == NOBODY


async def test_with_emergency_access_refused_the_summary_names_only_the_authors(client, db, patient):
    await emergencies.set_emergency_opt_out(db, dossier=patient.dossier, opt_out=True, actor=CAMILLE)
    assert await access_summary(client, patient) == (
        "Aucun professionnel n'a accès à votre dossier en ce moment, en dehors des documents qu'il y a lui-même ajoutés.")


async def test_a_closed_dossier_is_seen_by_no_professional(client, db, patient):
    await closing.set_closed(db, dossier=patient.dossier, closed=True, actor=CAMILLE)
    assert await access_summary(client, patient) == "Aucun professionnel ne peut voir votre dossier en ce moment."


async def test_with_a_medecin_traitant_only_the_summary_names_them(client, db, patient):
    doctor = await professional(db, "Bernard", given_name="Claire", profession="médecin", stem=1)
    await set_medecin_traitant(db, dossier=patient.dossier, professional=doctor, actor=CAMILLE)
    assert await access_summary(client, patient) == "Seul votre médecin traitant peut voir votre dossier."


async def test_with_a_grant_and_an_emergency_the_summary_counts_both_and_says_one_is_an_emergency(client, db, patient):
    kine = await professional(db, "Moreau", stem=2)
    urgentist = await professional(db, "Roux", given_name="Anne", profession="médecin", stem=3)
    await grants.grant_access(db, dossier=patient.dossier, professional=kine, categories="", duration="1m", actor=CAMILLE)
    await emergencies.open_emergency(db, dossier=patient.dossier, professional=urgentist, reason="Malaise dans la rue",
                                actor=Actor(None, "professional", "Anne Roux", "médecin"))
    assert await access_summary(client, patient) == (
        "2 professionnels peuvent voir votre dossier, dont 1 en accès d'urgence.")


async def test_a_blocked_professional_is_not_counted_though_their_grant_remains(client, db, patient):
    kine = await professional(db, "Moreau", stem=2)
    await grants.grant_access(db, dossier=patient.dossier, professional=kine, categories="", duration="1m", actor=CAMILLE)
    await blocks.block(db, dossier=patient.dossier, professional=kine, actor=CAMILLE)
    assert await access_summary(client, patient) == NOBODY
