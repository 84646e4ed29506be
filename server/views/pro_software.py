"""The professional's practice software for the FHIR API: register it, rename it, revoke it (SMART Backend Services)."""

from __future__ import annotations

import json

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from ..dossiers import InvalidInput
from ..fhir import clients
from ..fhir.tokens import PROFESSIONAL_PERMISSIONS, scope_text
from ..guards import professional_only
from ..i18n import N_, _
from ..models import ApiClient
from .forms import Form, FormError, text
from .recent_login import not_recent

DONE = {  # what a change just did, said once after its 303 (?fait=…)
    "renomme": N_("Le logiciel est renommé."),
    "revoque": N_("Le logiciel est révoqué : il ne peut plus rien envoyer ni lire, et ses jetons ne fonctionnent plus."),
}


async def software_page(request: Request, db: AsyncSession, *, form: dict | None = None, error: FormError | None = None,
                        rename_error: tuple[str, FormError | None] = ("", None), status: int = 200) -> Template:
    software = await clients.software_of(db, professional_id=request.user.account.professional_id)
    query = request.query_params
    done = query.get("fait", "")
    # Only one of this professional's own, still working: the query string shows nothing else.
    new = next((s for s in software if s.id == query.get("nouveau")), None)
    context = {
        "software": software, "form": form or {}, "error": error, "rename_error": rename_error, "new": new,
        "algorithm": clients.ALGORITHMS[json.loads(new.jwk)["kty"]] if new else "",
        "notice": _(DONE[done]) if done in DONE else "",
        "fhir_base": f"{request.app.state.settings.origin.rstrip('/')}/fhir",
        "scopes": scope_text(set(PROFESSIONAL_PERMISSIONS)),
    }
    return Template("pro_software.html", context=context, status_code=status)


async def mine(request: Request, db: AsyncSession, client_id: str) -> ApiClient:
    """This professional's software, still registered; someone else's or a revoked one is the same 404 as none."""
    client = await clients.owned(db, professional_id=request.user.account.professional_id, client_id=client_id)
    if client is None:
        raise NotFoundException()
    return client


@get("/pro/logiciels", guards=[professional_only])
async def software_list(request: Request, db: AsyncSession) -> Template:
    return await software_page(request, db)


@post("/pro/logiciels", guards=[professional_only], status_code=200)
async def register(request: Request, db: AsyncSession, data: Form) -> Response:
    name = text(data, "name", limit=clients.MAX_NAME * 2)
    jwk_text = text(data, "jwk", limit=clients.MAX_JWK + 1, multiline=True)
    if old := await not_recent(request, db):  # software reads every patient of theirs, for as long as it is registered
        return await software_page(request, db, form={"name": name}, error=old, status=403)
    try:
        client = await clients.register(db, professional_id=request.user.account.professional_id, name=name,
                                        jwk_text=jwk_text)
    except InvalidInput as invalid:
        # The key is not shown again: a refused one must be replaced anyway, and it may be a private key.
        return await software_page(request, db, form={"name": name}, error=FormError.of(invalid), status=400)
    return Redirect(f"/pro/logiciels?nouveau={client.id}", status_code=303)


@post("/pro/logiciels/{client_id:str}/nom", guards=[professional_only], status_code=200)
async def rename(request: Request, db: AsyncSession, client_id: str, data: Form) -> Response:
    client = await mine(request, db, client_id)
    try:
        await clients.rename(db, client=client, name=text(data, "name", limit=clients.MAX_NAME * 2))
    except InvalidInput as invalid:
        return await software_page(request, db, rename_error=(client.id, FormError.of(invalid)), status=400)
    return Redirect("/pro/logiciels?fait=renomme", status_code=303)


@get("/pro/logiciels/{client_id:str}/revoquer", guards=[professional_only])
async def revoke_form(request: Request, db: AsyncSession, client_id: str) -> Template:
    return Template("pro_software_revoke.html", context={"client": await mine(request, db, client_id)})


@post("/pro/logiciels/{client_id:str}/revoquer", guards=[professional_only], status_code=200)
async def revoke(request: Request, db: AsyncSession, client_id: str) -> Response:
    await clients.revoke(db, client=await mine(request, db, client_id))
    return Redirect("/pro/logiciels?fait=revoque", status_code=303)


routes = [software_list, register, rename, revoke_form, revoke]
