"""What the API serves, said the two ways software asks: the CapabilityStatement and SMART's configuration."""

from __future__ import annotations

import re

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from ..models import CATEGORIES
from ..professionals.checks import PRO_CATEGORIES
from .categories import CATEGORY_CODES, CATEGORY_SYSTEM, CLASS_SYSTEMS
from .query import SEARCH_PARAMS
from .submission import MAX_DOCUMENTS
from .tokens import PROFESSIONAL_PERMISSIONS, scope_text

MHD = "https://profiles.ihe.net/ITI/MHD"
# Carnet's category codes, said where an integrator looks first: each with its label, its LOINC type and its CI-SIS
# classes (categories.CATEGORY_CODES, the one table).
CATEGORY_LIST = " ; ".join(
    f"{code} ({CATEGORIES[code]}, type {loinc}, classe{'s' if len(classes) > 1 else ''} {', '.join(classes)}"
    f"{'' if code in PRO_CATEGORIES else ', jamais envoyée par un professionnel'})"
    for code, ((loinc, _), classes, _) in CATEGORY_CODES.items())
RESOURCES = [
    {"type": "DocumentReference",
     "supportedProfile": [f"{MHD}/StructureDefinition/IHE.MHD.Minimal.DocumentReference"],
     "interaction": [{"code": "read"}, {"code": "search-type"}, {"code": "patch"}],
     "documentation": f"category : la classe du document ({CLASS_SYSTEMS[0]}, TRE_A03-ClasseDocument) "
                      f"ou sa catégorie Carnet ({CATEGORY_SYSTEM}) ; Carnet sert les deux, sa "
                      "catégorie d'abord, et une recherche par classe trouve les documents de chaque catégorie "
                      f"qu'elle couvre. Catégories Carnet : {CATEGORY_LIST}. type : LOINC, un code bien formé (de 1 "
                      "à 5 chiffres, un tiret, son chiffre de contrôle mod 10) ; un code que Carnet ne classe pas est "
                      "gardé tel quel. author : un document envoyé est attribué au professionnel qui a enregistré le "
                      "logiciel, quel que soit l'author déclaré (un avertissement le dit dans la réponse) : c'est son "
                      "accès qui permet l'envoi, et le journal d'accès du patient le nomme. date : l'instant où Carnet "
                      "a reçu le document ; context.period.start : la date de l'acte. meta.security R (restricted) : "
                      "le patient a masqué le document aux professionnels (seuls son auteur et le médecin traitant le "
                      "lisent) ; V : tenu secret envers les parents d'un patient mineur. Le patient est désigné par "
                      "son INS (subject.identifier) : Carnet ne sert pas de ressource Patient. patch : l'auteur seul "
                      "retire son document (status entered-in-error : son contenu est effacé). Un envoi remplace une "
                      "version précédente de l'expéditeur par relatesTo (code replaces, cible "
                      "DocumentReference/<id>) : elle devient superseded, et de nouveau current si la version qui la "
                      "remplace est retirée.",
     "searchParam": [{"name": n, "type": t, "documentation": d} for n, t, d in SEARCH_PARAMS]},
    {"type": "Binary", "interaction": [{"code": "read"}],
     "documentation": "Les octets du document (ITI-68), vérifiés contre leur SHA-256 (en-tête Repr-Digest)."},
    {"type": "Patient",
     "operation": [{"name": "summary", "definition": "http://hl7.org/fhir/uv/ips/OperationDefinition/summary",
                    "documentation": "POST /fhir/Patient/$summary, un Parameters dont identifier vaut "
                                     "urn:oid:1.2.250.1.213.1.4.8|<INS> (jamais dans l'adresse) : la synthèse IPS de "
                                     "ce que le professionnel lit du profil médical, inscrite au journal du patient "
                                     "comme une consultation de son profil. Portée system/Patient.r."}],
     "documentation": "Seulement pour l'opération $summary : Carnet ne sert pas de ressource Patient, le patient est "
                      "désigné par son INS."},
    {"type": "List", "supportedProfile": [f"{MHD}/StructureDefinition/IHE.MHD.Minimal.SubmissionSet"],
     "documentation": "Reçu seulement dans un envoi (ITI-65)."},
]
RESOURCE_TYPE = re.compile(r"[A-Z][A-Za-z]{1,63}")
OPERATION = re.compile(r"\$[a-z][a-z-]{0,63}")
METHOD = re.compile(r"[A-Z]{1,10}")  # an HTTP method's name, as a request names it


def capability_statement(*, base: str, software_version: str) -> CapabilityStatement:
    return CapabilityStatement.model_validate({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-01",
        "kind": "instance",
        "name": "CarnetDocumentRecipient",
        "title": "Carnet : dossier médical partagé du patient",
        "description": "Réception, recherche et lecture de documents (IHE MHD : ITI-65, ITI-67, ITI-68) et "
                       "synthèse du patient (IPS, Patient/$summary), sous la même règle d'accès que les pages de Carnet, et inscrite au journal d'accès du patient.",
        "implementation": {"description": "Carnet", "url": f"{base}/fhir"},
        "software": {"name": "Carnet", "version": software_version},
        "fhirVersion": "4.3.0",
        "format": ["json"],  # JSON only: any other format asked for is a 406 (negotiation.py)
        "patchFormat": ["application/json-patch+json"],
        "implementationGuide": [f"{MHD}/ImplementationGuide/ihe.iti.mhd",
                                "http://hl7.org/fhir/uv/ips/ImplementationGuide/hl7.fhir.uv.ips"],
        # A Document Recipient; of the Document Responder, ITI-67 and ITI-68 alone (rest.documentation): no List to
        # find (ITI-66), so not claimed, which a checker of the claim would hold it to (an outside probe's find).
        "instantiates": [f"{MHD}/CapabilityStatement/IHE.MHD.DocumentRecipient"],
        "rest": [{
            "mode": "server",
            "documentation": f"Un envoi (ITI-65) contient de 1 à {MAX_DOCUMENTS} documents et un SubmissionSet (List) "
                             "qui désigne leur patient (subject) et chacun d'eux (entry). "
                             "Recherche (ITI-67) et lecture (ITI-68) des documents comme un Document Responder IHE "
                             "MHD, sans recherche de listes (ITI-66) ; une recherche par INS se fait par POST sur "
                             "DocumentReference/_search (l'INS ne figure jamais dans une adresse). Un logiciel "
                             "agit pour le professionnel qui l'a enregistré dans Carnet, sous ses droits : ce "
                             "professionnel est l'auteur des documents envoyés, et chaque lecture ou envoi est inscrit "
                             "à son nom au journal d'accès du patient.",
            "security": {
                "cors": False,
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                         "code": "SMART-on-FHIR"}]}],
                "description": "SMART Backend Services : assertion JWT signée (RS384 ou ES384) échangée à "
                               f"{base}/fhir/token contre un jeton de cinq minutes ; portées "
                               f"{scope_text(set(PROFESSIONAL_PERMISSIONS))}. Les refus de ce point d'accès sont "
                               "des erreurs OAuth 2.0 (RFC 6749, 5.2 : error, error_description), non des "
                               "OperationOutcome.",
                "extension": [{"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                               "extension": [{"url": "token", "valueUri": f"{base}/fhir/token"}]}],
            },
            "resource": RESOURCES,
            "interaction": [{"code": "transaction", "documentation": "Provide Document Bundle (ITI-65)."}],
        }],
    })


def unsupported(path: str, method: str | None = None) -> str:
    """What an address of the API that no route serves asks for, said as such: a resource type, an operation or an
    interaction the CapabilityStatement does not list (FHIR's "not-supported"), never as a refusal of something that
    exists; `method`: a route's address, asked with a method it does not serve (PUT, DELETE…). A type's, an
    operation's or a method's name is repeated, never an id."""
    parts = path.removeprefix("/fhir").strip("/").split("/")
    kind = parts[0] if RESOURCE_TYPE.fullmatch(parts[0]) else None
    operation = next((part for part in parts if OPERATION.fullmatch(part)), None)
    see = "ce que Carnet prend en charge est décrit par son CapabilityStatement (GET /fhir/metadata)."
    if method is not None:  # a route's address: a type Carnet serves, an operation, or none (/fhir/metadata)
        asked = f"La méthode {method}" if METHOD.fullmatch(method) else "Cette méthode"
        if operation is not None:
            return f"{asked} n'est pas prise en charge pour l'opération {operation} : {see}"
        level = {1: f"sur le type {kind}", 2: f"sur une ressource {kind}"}.get(len(parts)) \
            if kind and not parts[-1].startswith("_") else None
        return f"{asked} n'est pas prise en charge {level or 'à cette adresse'} : {see}"
    if kind == "Patient":
        return ("Carnet ne sert pas de ressource Patient : le patient est désigné par son INS (subject.identifier), et "
                "sa synthèse se demande par POST /fhir/Patient/$summary ; " + see)
    if kind is not None and kind not in {resource["type"] for resource in RESOURCES}:
        return f"Le type de ressource {kind} n'est pas pris en charge : {see}"
    if operation is not None:
        return f"L'opération {operation} n'est pas prise en charge{f' sur {kind}' if kind else ''} : {see}"
    if kind is not None:
        return f"Cette interaction n'est pas prise en charge sur {kind} : {see}"
    return f"Cette adresse n'est pas une adresse de l'API FHIR de Carnet : {see}"


def smart_configuration(*, base: str) -> dict:
    """/.well-known/smart-configuration (SMART App Launch 2, for backend services)."""
    return {
        "token_endpoint": f"{base}/fhir/token",
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": scope_text(set(PROFESSIONAL_PERMISSIONS)).split(),
        "capabilities": ["client-confidential-asymmetric", "permission-v2"],
    }
