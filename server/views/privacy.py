""""Vos données et vos droits": who holds a person's data, why, how long Carnet keeps each kind, and where in Carnet
she exercises each right (GDPR art. 13). Public, and the same for everyone but its links: no data of any dossier."""

from __future__ import annotations

from datetime import timedelta

from litestar import Request, get
from litestar.response import Template
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import housekeeping
from ..auth import accounts, challenges, throttles
from ..access import share_codes
from ..access.emergencies import EMERGENCY_WINDOW
from ..caregivers import invitations
from ..fhir.tokens import TOKEN_LIFETIME
from ..reimbursements.history import PERIODS
from ..shlinks import links

HOUR = timedelta(hours=1)


def minutes(span: timedelta) -> int:
    return round(span.total_seconds() / 60)


def places(*, signed_in: bool, dossier_id: str | None) -> dict[str, str]:
    """Where each right is exercised: her own dossier's pages once she is signed in; signed out, the pages a login
    leads back to (the copy, the hidden list and the closing are on "Accès"); signed in without a dossier of one's
    own (a relative, a professional), the list of the dossiers one holds."""
    if dossier_id is not None:
        base = f"/dossiers/{dossier_id}"
        return {"documents": base, "profile": f"{base}/profil", "care": f"{base}/soins", "log": f"{base}/historique",
                "access": f"{base}/acces", "export": f"{base}/export", "hidden": f"{base}/masques",
                "close": f"{base}/fermeture"}
    if signed_in:
        return dict.fromkeys(("documents", "profile", "care", "log", "access", "export", "hidden", "close"),
                             "/mes-dossiers")
    return {"documents": "/", "profile": "/profil", "care": "/soins", "log": "/historique", "access": "/acces",
            "export": "/acces", "hidden": "/acces", "close": "/acces"}


@get("/vos-donnees")
async def your_data(request: Request, db: AsyncSession) -> Template:
    settings = request.app.state.settings
    signed_in = bool(request.user and request.user.row.authenticated)
    dossier = await accounts.patient_dossier(db, account=request.user.account) if signed_in else None
    # Every period the page states is one Carnet enforces, read from where it is enforced.
    kept = {"idle_minutes": settings.session_idle_minutes, "max_hours": settings.session_max_hours,
            "purge_minutes": minutes(housekeeping.EVERY), "challenge_minutes": minutes(challenges.LIFETIME),
            "attempt_days": throttles.FORGIVEN_AFTER.days, "care_months": max(months for _, months in PERIODS.values()),
            "share_code_minutes": minutes(share_codes.SHARE_CODE_LIFETIME),
            "invitation_days": invitations.INVITATION_LIFETIME.days, "emergency_hours": EMERGENCY_WINDOW // HOUR,
            "unused_share_code_hours": share_codes.UNUSED_KEPT // HOUR,
            "unused_invitation_hours": invitations.UNUSED_KEPT // HOUR,
            "unused_activation_days": accounts.UNUSED_ACTIVATION_KEPT.days, "ended_link_days": links.ENDED_KEPT.days,
            "token_minutes": minutes(TOKEN_LIFETIME)}
    return Template("privacy.html", context={
        "controller": settings.controller, "dpo_contact": settings.dpo_contact,
        "dpo_href": contact_href(settings.dpo_contact), "kept": kept,
        "places": places(signed_in=signed_in, dossier_id=dossier.id if dossier else None)})


def contact_href(contact: str) -> str | None:
    """A link to the DPO when the setting is an e-mail or a web address (a postal address is shown as written)."""
    if contact.startswith("https://") and " " not in contact:
        return contact
    if contact.count("@") == 1 and " " not in contact and "." in contact.partition("@")[2]:
        return f"mailto:{contact}"
    return None


routes = [your_data]
