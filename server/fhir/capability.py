"""What the API serves, said the two ways software asks: the CapabilityStatement and SMART's configuration."""

from __future__ import annotations

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from .submission import MAX_DOCUMENTS
from .tokens import PROFESSIONAL_PERMISSIONS, scope_text

MHD = "https://profiles.ihe.net/ITI/MHD"
SEARCH_PARAMS = [
    ("patient", "reference", "Le patient, par son identifiant opaque (Patient/…) ; un seul par recherche."),
    ("patient.identifier", "token", "Le patient par son INS (urn:oid:1.2.250.1.213.1.4.8|INS), "
                                    "dans le corps d'un POST sur DocumentReference/_search seulement ; un seul."),
    ("category", "token", "La catégorie Carnet (urn:carnet:fhir:categorie-document|code)."),
    ("type", "token", "Le type LOINC du document."),
    ("date", "date", "Quand le document a été reçu : une année, un mois ou un jour (préfixes ge, le, gt, lt, "
                     "eq)."),
    ("period", "date", "La date de l'acte : une année, un mois ou un jour (préfixes ge, le, gt, lt, eq)."),
    ("status", "token", "current ou entered-in-error."),
    ("author.identifier", "token", "L'auteur, par son identifiant national (8 + RPPS)."),
    ("_count", "number", "Documents par page (100 au plus) ; 0 : le nombre total seulement."),
    ("_after", "string", "La page qui suit ce document : ce que le lien next écrit (les documents ajoutés entre-temps "
                         "ne décalent pas les pages)."),
    ("_total", "token", "accurate (ou estimate) : le nombre de documents trouvés, à chaque page ; none par défaut."),
]


def capability_statement(*, base: str, software_version: str) -> CapabilityStatement:
    return CapabilityStatement.model_validate({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-01",
        "kind": "instance",
        "name": "CarnetDocumentRecipient",
        "title": "Carnet : dossier médical partagé du patient",
        "description": "Réception, recherche et lecture de documents (IHE MHD : ITI-65, ITI-67, ITI-68), "
                       "sous la même règle d'accès que les pages de Carnet, et inscrite au journal d'accès du patient.",
        "implementation": {"description": "Carnet", "url": f"{base}/fhir"},
        "software": {"name": "Carnet", "version": software_version},
        "fhirVersion": "4.3.0",
        "format": ["json"],  # JSON only: any other format asked for is a 406 (negotiation.py)
        "patchFormat": ["application/json-patch+json"],
        "implementationGuide": [f"{MHD}/ImplementationGuide/ihe.iti.mhd"],
        "instantiates": [f"{MHD}/CapabilityStatement/IHE.MHD.DocumentRecipient",
                         f"{MHD}/CapabilityStatement/IHE.MHD.DocumentResponder"],
        "rest": [{
            "mode": "server",
            "documentation": f"Un envoi (ITI-65) contient un SubmissionSet et de 1 à {MAX_DOCUMENTS} documents.",
            "security": {
                "cors": False,
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                         "code": "SMART-on-FHIR"}]}],
                "description": "SMART Backend Services : assertion JWT signée (RS384 ou ES384) échangée à "
                               f"{base}/fhir/token contre un jeton de cinq minutes ; portées {scope_text(set(PROFESSIONAL_PERMISSIONS))}.",
                "extension": [{"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                               "extension": [{"url": "token", "valueUri": f"{base}/fhir/token"}]}],
            },
            "resource": [
                {"type": "DocumentReference",
                 "supportedProfile": [f"{MHD}/StructureDefinition/IHE.MHD.Minimal.DocumentReference"],
                 "interaction": [{"code": "read"}, {"code": "search-type"}, {"code": "patch"}],
                 "documentation": "patch : l'auteur seul retire son document (status entered-in-error).",
                 "searchParam": [{"name": n, "type": t, "documentation": d} for n, t, d in SEARCH_PARAMS]},
                {"type": "Binary", "interaction": [{"code": "read"}],
                 "documentation": "Les octets du document (ITI-68), vérifiés contre leur SHA-256 (en-tête Repr-Digest)."},
                {"type": "List", "supportedProfile": [f"{MHD}/StructureDefinition/IHE.MHD.Minimal.SubmissionSet"],
                 "documentation": "Reçu seulement dans un envoi (ITI-65)."},
            ],
            "interaction": [{"code": "transaction", "documentation": "Provide Document Bundle (ITI-65)."}],
        }],
    })


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
