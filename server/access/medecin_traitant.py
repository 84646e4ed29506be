"""The médecin traitant: the one doctor the patient declares, who reads every document, hidden ones included (rule.py);
declared, replaced or removed here, by the patient or a caregiver who manages the dossier."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from ..accesslog import audit, subjects
from ..caregivers.representatives import giver
from ..dossiers import InvalidInput
from ..i18n import _
from ..models import Dossier, Professional
from .changes import CLOSED, active_block, layer_of, refuse, who
from .rule import REPRESENTATIVE

# Who may be declared médecin traitant: a doctor, of any speciality (code de la sécurité sociale, L162-5-3).
MEDECINS = {"médecin", "cardiologue", "radiologue", "endocrinologue-diabétologue", "ophtalmologiste"}


async def set_medecin_traitant(
    session: AsyncSession, *, dossier: Dossier, professional: Professional | None, actor: audit.Actor
) -> None:
    if professional is not None and professional.profession not in MEDECINS:
        raise InvalidInput(_("Le médecin traitant doit être un médecin."))
    await audit.begin_chained(session, dossier_id=dossier.id)
    dossier = await session.get(Dossier, dossier.id, populate_existing=True)
    if professional is not None and dossier.state != "open":
        # As a grant: a closed dossier opens to no one, and one declared on it would be told later that her
        # access ended (rule.access_ended) to a dossier she never held.
        await refuse(session, _(CLOSED))
    given_by = await giver(session, dossier_id=dossier.id, actor=actor)
    layer = professional and await layer_of(session, dossier_id=dossier.id, professional_id=professional.id,
                                            given_by=given_by)
    if professional is not None and await active_block(session, dossier_id=dossier.id, professional_id=professional.id,
                                                       layer=layer):
        await refuse(session, _("Ce médecin est bloqué : débloquez-le d'abord pour le déclarer médecin traitant."))
    chosen = professional.id if professional else None
    # A minor's parent who declares the one the minor declared, who kept care from them, is not shown the minor's
    # declaration (access/standing.parents_standing): theirs is logged, as a change would be.
    # And whoever declares the one already declared by another side, for what a parent's declaration opens (rule.py).
    # A parent declaring the one the minor declared leaves them the minor's: a parent's block then stops them no more
    # than it stops the minor's grants (rule.Standing.medecin_traitant).
    by = dossier.medecin_traitant_by if chosen == dossier.medecin_traitant_id and given_by == REPRESENTATIVE \
        and dossier.medecin_traitant_by == "patient" else given_by if chosen else ""
    if dossier.medecin_traitant_id != chosen or layer or dossier.medecin_traitant_by != by:
        # The event is about the one who was, too (replaced or removed: "aucun"): the patient finds it among that
        # doctor's events as among the new one's.
        was = await session.get(Professional, dossier.medecin_traitant_id) if dossier.medecin_traitant_id else None
        dossier.medecin_traitant_id = chosen
        dossier.medecin_traitant_by = by
        session.add(dossier)
        event = await audit.append(session, dossier_id=dossier.id, action="medecin_traitant", actor=actor,
                                   detail=who(professional) or "aucun", about=professional or was)
        if professional is not None and was is not None and was.id != professional.id:
            await subjects.remember(session, event=event, professional=was)
    await audit.commit_chained(session)
