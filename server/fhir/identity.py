"""Who the patient is, in what Carnet sends: never an INS presented as qualified.

An INS is "qualifiée" only when the INSi teleservice returned or checked it and a high-trust identity document was
seen (RNIV); Carnet never calls INSi, so its INS never is (identifiers.Identity.qualified, the "non qualifiée" of
the identity band). FR Core: "Le matricule INS ne peut être véhiculé que dans le cas d'une identité qualifiée"
(FRCorePatientINSProfile, after the référentiel INS, EXI 12), and a Patient says how reliable its identity is by
the identity-reliability extension. So nothing Carnet sends carries the INS under its OID (resources.INS_SYSTEM):
a summary's Patient (fhir/ips.py) is named by its traits and says "Identité non encore qualifiée"; a
DocumentReference names its subject by reference alone (fhir/resources.py). A copy of the dossier, the patient's
own, keeps the INS under Carnet's own system (export/), which says what it is, so that it is read back into the
dossier of the same INS (export/restore.py). What software sends Carnet (ITI-65, ITI-67) names the patient by the
INS it holds, under the INS OID, as the guide asks of it.
"""

from __future__ import annotations

from ..models import Patient

# FR Core's v2-0445 status: "VIDE", not yet qualified, is what Carnet knows; "PROV" (no identity document seen) or
# "VALI" (one seen) would each say more than the patient row records.
UNQUALIFIED_IDENTITY = {
    "url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability",
    "extension": [{"url": "identityStatus", "valueCoding": {
        "system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0445", "code": "VIDE",
        "display": "Identité non encore qualifiée"}}],
}
UNQUALIFIED_INS_SYSTEM = "urn:carnet:fhir:ins-non-qualifie"


def unqualified_ins(patient: Patient) -> dict:
    """The INS as a copy of the dossier holds it: an identifier of Carnet's, never the INS OID's."""
    return {"use": "secondary", "type": {"text": "INS non qualifié (non vérifié par le téléservice INSi)"},
            "system": UNQUALIFIED_INS_SYSTEM, "value": patient.ins}
