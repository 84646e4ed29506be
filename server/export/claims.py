"""The reimbursed care as FHIR R4B ExplanationOfBenefits (fhir.resources models): one per line of care the
Assurance Maladie sent (reimbursements/layout.py), for the copy's `soins-rembourses-explanationofbenefit.json`.

FHIR's ExplanationOfBenefit is "the adjudication details from the processing of a Claim resource": an insurer's
answer to a claim, which a line of the feed is. `type` from HL7's claim-type (a medicine's line "pharmacy", every
other "professional"), `use` "claim", `outcome` "complete" (the line was paid); its one `item` holds the act or
product, coded in its French nomenclature, with the day of care and the quantity, and its amounts as HL7's
adjudication categories: "submitted" what was paid (dépense), "eligible" the reimbursement base, "benefit" what the
Assurance Maladie paid back. The performer is the `provider`, with their national identifier ("8" + RPPS) when the
insurer gave it; they and the prescriber are the `careTeam`. A line the patient hid from professionals carries
HL7's confidentiality label "restricted" in `meta.security`, as a hidden document does (fhir/resources.py).
"""

from __future__ import annotations

from decimal import Decimal

from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

from ..fhir.identity import unqualified_ins
from ..fhir.resources import IDNAT_PS_SYSTEM, confidentiality
from ..models import Patient, ReimbursementLine
from .auditevents import coding, strip_none

# The insurer's own id of a line (`id_ligne`): the same line in every copy, and a correction keeps it.
LINE_SYSTEM = "urn:carnet:fhir:ligne-assurance-maladie"
# A code's nomenclature (CCAM, NGAP, CIP13, LPP, NABM), under Carnet's name for it: what the feed says, no more.
NOMENCLATURE_SYSTEM = "urn:carnet:fhir:nomenclature:"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
CARE_TEAM_ROLE = "http://terminology.hl7.org/CodeSystem/claimcareteamrole"
INSURER = {"display": "Assurance Maladie"}
PHARMACY = {"CIP13"}  # a medicine, dispensed by a pharmacy


def euros(cents: int) -> dict:
    """FHIR's Money, exact to the cent (a Decimal, never a float)."""
    return {"value": Decimal(cents).scaleb(-2), "currency": "EUR"}


def performer(line: ReimbursementLine) -> dict:
    who: dict = {"display": line.performer}
    if line.performer_rpps:
        who["identifier"] = {"system": IDNAT_PS_SYSTEM, "value": f"8{line.performer_rpps}"}
    return who


def care_team(line: ReimbursementLine) -> list[dict]:
    team = [{"sequence": 1, "provider": performer(line), "responsible": True,
             "role": {"coding": [coding(CARE_TEAM_ROLE, "primary", "Primary provider")], "text": "Exécutant"}}]
    if line.prescriber:
        team.append({"sequence": 2, "provider": {"display": line.prescriber},
                     "role": {"coding": [coding(CARE_TEAM_ROLE, "other", "Other")], "text": "Prescripteur"}})
    return team


def explanation_of_benefit(line: ReimbursementLine, *, patient: Patient,
                           insurer_id: bool = True) -> ExplanationOfBenefit:
    """One line of reimbursed care as an ExplanationOfBenefit, validated; with the insurer's id of the line as its
    identifier unless not `insurer_id` (a legal representative's copy: carefiles.INSURER_ID_COLUMN says why)."""
    label = confidentiality(hidden=line.hidden)
    adjudication = [{"category": {"coding": [coding(ADJUDICATION, code, display)]}, "amount": euros(cents)}
                    for code, display, cents in (("submitted", "Submitted Amount", line.spent_cents),
                                                 ("eligible", "Eligible Amount", line.base_cents),
                                                 ("benefit", "Benefit Amount", line.reimbursed_cents))]
    claim_type = ("pharmacy", "Pharmacy") if line.code_system in PHARMACY else ("professional", "Professional")
    resource = {
        "resourceType": "ExplanationOfBenefit",
        "meta": {"security": [label]} if label else None,
        "identifier": [{"system": LINE_SYSTEM, "value": line.line_ref}] if insurer_id else None,
        "status": "active",
        "type": {"coding": [coding(CLAIM_TYPE, *claim_type)]},
        "use": "claim",
        "patient": {"identifier": unqualified_ins(patient),
                    "display": f"{patient.given_name} {patient.family_name}"},
        "billablePeriod": {"start": line.care_date.isoformat(), "end": line.care_date.isoformat()},
        "created": line.processed_on.isoformat(),  # the day the insurer processed the line: no hour is known
        "insurer": INSURER,
        "provider": performer(line),
        "outcome": "complete",
        "careTeam": care_team(line),
        "insurance": [{"focal": True, "coverage": INSURER}],
        "item": [{
            "sequence": 1,
            "careTeamSequence": [team["sequence"] for team in care_team(line)],
            "productOrService": {"coding": [coding(NOMENCLATURE_SYSTEM + line.code_system, line.code)],
                                 "text": line.label},
            "servicedDate": line.care_date.isoformat(),
            "quantity": {"value": line.quantity},
            "net": euros(line.spent_cents),
            "adjudication": adjudication,
        }],
        "total": [{"category": a["category"], "amount": a["amount"]} for a in (adjudication[0], adjudication[2])],
        "payment": {"amount": euros(line.reimbursed_cents)},
    }
    return ExplanationOfBenefit.model_validate(strip_none(resource))
