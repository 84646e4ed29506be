"""A relative who manages a dossier logs out every device of its patient, from the dossier's "Proches" page: its
confirmation page (what it does, what it leaves, what the patient can do next) and the action, at one address.

A minor's parent may do it for a child who has an account of his own: parents manage a minor's dossier, and a
child's lost phone is theirs to deal with first. It gives them nothing of the child's: no session, no key, nothing a
professional kept from them; the child logs in again with his own passkey, reads it in his Historique, and is told.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.managing import managed_dossier
from ..caregivers import patient_devices
from ..caregivers.dossiers import band_of
from ..guards import logged_in
from ..models import utcnow
from .recent_login import not_recent

DEVICES = "/dossiers/{dossier_id:str}/appareils/deconnexion"


async def devices_context(request: Request, db: AsyncSession, dossier_id: str) -> dict[str, Any]:
    # A manager only, as every action for the patient: a reader is told she may only read, anyone else is refused as
    # for a dossier that does not exist (access/managing.py).
    managed = await managed_dossier(db, account=request.user.account, dossier_id=dossier_id)
    account = await patient_devices.patient_account(db, patient=managed.patient)
    if managed.standing.is_patient or account is None:
        # The patient's own devices are on "Mes clés d'accès" ("Déconnecter les autres appareils"); a patient with
        # no account has no device to log out, and the "Proches" page offers nothing.
        raise NotFoundException()
    return {"dossier": managed.dossier, "patient": managed.patient, "account": account, "actor": managed.actor,
            "band": await band_of(db, dossier=managed.dossier, account=request.user.account, now=utcnow())}


@get(DEVICES, guards=[logged_in])
async def confirm_log_out(request: Request, db: AsyncSession, dossier_id: str) -> Template:
    return Template("patient_devices.html", context=await devices_context(request, db, dossier_id))


@post(DEVICES, guards=[logged_in], status_code=200)
async def log_out(request: Request, db: AsyncSession, dossier_id: str) -> Response:
    context = await devices_context(request, db, dossier_id)
    if old := await not_recent(request, db):  # it acts on someone else's account: her own passkey first
        return Template("patient_devices.html", context={**context, "error": old}, status_code=403)
    await patient_devices.log_out_every_device(db, dossier=context["dossier"], account=context["account"],
                                               actor=context["actor"])
    # Back to the same page, which says it is done and keeps what the patient can do next, for her to tell him.
    return Redirect(f"{request.url.path}?fait=appareils-deconnectes", status_code=303)


routes = [confirm_log_out, log_out]
