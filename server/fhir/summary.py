"""A patient's summary for a professional's software: IPS's `Patient/$summary` operation (IPS 2.0.0), the
International Patient Summary of what that professional reads of the dossier's profil médical.

The patient is named by INS in a `Parameters` body (`identifier`, "urn:oid:1.2.250.1.213.1.4.8|<INS>"): an INS never
travels in an address, and Carnet serves no Patient to name by id. The read goes through the one rule
(access/reading.py) and is the professional's read of the profile, logged and committed before the summary is sent,
"via le logiciel « … »", as their page of the profile is; a refusal is the same 404 as for an unknown INS. The
documents are not in it: ITI-67 lists them. Its author is Carnet, which assembled it (ips.Assembler).
"""

from __future__ import annotations

from importlib.metadata import version

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.parameters import Parameters
from litestar.exceptions import NotFoundException
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from ..access.reading import open_dossier
from ..authors import adders_of
from ..identifiers import is_valid_ins, normalize_ins
from ..models import utcnow
from ..profile.items import profile_of
from ..text_input import read_json
from .errors import NOT_FOUND, NOT_UTF8, FhirError
from .documents import dossier_id_of_ins
from .ips import IPS_PROFILE, Assembler, summary_bundle
from .resources import INS_SYSTEM, split_token
from .tokens import Caller

OPERATION_DEFINITION = "http://hl7.org/fhir/uv/ips/OperationDefinition/summary"
# What `profile` may ask: the summary Carnet makes is an IPS, whose Composition and Bundle profiles name it.
PROFILES = (IPS_PROFILE, "http://hl7.org/fhir/uv/ips/StructureDefinition/Composition-uv-ips")
ASKED_AS = f"un Parameters dont le paramètre identifier vaut {INS_SYSTEM}|<INS>"


def ins_asked(body: bytes) -> str:
    """The INS the operation's Parameters name the patient by; a 400 saying what is expected otherwise, a 422 for a
    profile Carnet does not make."""
    try:
        parameters = Parameters.model_validate(read_json(body)).parameter or []
    except UnicodeDecodeError:
        raise FhirError(400, NOT_UTF8) from None
    except (ValueError, ValidationError):  # ValidationError is a ValueError; said apart for the reader
        raise FhirError(400, f"Le corps doit être {ASKED_AS} (FHIR R4B).") from None
    unknown = sorted({p.name for p in parameters} - {"identifier", "profile"})
    if unknown:
        raise FhirError(400, f"Paramètre inconnu : {', '.join(name[:40] for name in unknown[:5])} ; "
                             f"l'opération attend {ASKED_AS}, et au plus un profile.")
    for profile in (p for p in parameters if p.name == "profile"):
        asked = profile.valueCanonical or profile.valueUri
        if not asked:
            raise FhirError(400, f"Le paramètre profile n'a pas de valeur : omettez-le, ou donnez {PROFILES[0]}.")
        if asked not in PROFILES:
            raise FhirError(422, "Carnet ne produit que la synthèse IPS : profile doit être absent ou "
                                 f"{PROFILES[0]}.", code="not-supported")
    identifiers = [p for p in parameters if p.name == "identifier"]
    if len(identifiers) != 1:
        raise FhirError(400, f"L'opération attend {ASKED_AS}, une fois.")
    [named] = identifiers
    if named.valueIdentifier is not None:  # IPS 1.1.0's type, still met
        system, ins = named.valueIdentifier.system, named.valueIdentifier.value or ""
    else:
        system, ins = split_token(named.valueString or "")
    if system not in (None, INS_SYSTEM) or not is_valid_ins(ins):
        raise FhirError(400, f"identifier doit être {INS_SYSTEM}|<INS>, avec un INS valide.")
    return normalize_ins(ins)


async def summary_of(session: AsyncSession, *, caller: Caller, ins: str, base: str) -> Bundle:
    """The IPS of what the caller's professional reads of the dossier, its read logged first; 404 otherwise."""
    try:
        view = await open_dossier(session, account=caller.account, dossier_id=await dossier_id_of_ins(session, ins),
                                  action="read_profile", detail=caller.via)
    except NotFoundException:
        raise FhirError(404, NOT_FOUND) from None
    profile = await profile_of(session, dossier_id=view.dossier.id, visible=view.visible)
    items = [item for kind in profile.by_kind.values() for item in kind]
    return summary_bundle(patient=view.patient, profile=profile, documents=[], document_authors={}, base=base,
                          now=utcnow(), item_adders=await adders_of(session, items),
                          compiler=Assembler("Carnet", version("carnet")))
