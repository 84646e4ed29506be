"""A practice's software as the tests play it: its key, its assertions and its Bundles, made with PyJWT and
`cryptography` (not the server's JOSE library), and every answer checked against the FHIR R4B models."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from datetime import date

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fpdf import FPDF

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
CATEGORY_SYSTEM = "urn:carnet:fhir:categorie-document"
# Each category's own LOINC type (server/fhir/resources.py, CATEGORY_CODES): one that says another is refused.
TYPE_OF = {"compte_rendu": "11488-4", "ordonnance": "57833-6", "biologie": "11502-2", "imagerie": "18748-4",
           "vaccination": "11369-6", "certificat": "51851-4", "synthese": "60591-5"}


class Software:
    """A key pair; the public half is what the professional registers."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP384R1())
        self.client_id = ""

    def public_jwk(self) -> str:
        return jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key())

    def assertion(self, token_url: str, **overrides) -> str:
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": token_url, "exp": int(time.time()) + 240,
                  "jti": uuid.uuid4().hex, **overrides}
        return jwt.encode(claims, self.key, algorithm="ES384")

    def token_form(self, token_url: str, scope: str = "system/DocumentReference.cruds system/Binary.r", **claims) -> dict:
        return {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self.assertion(token_url, **claims), "scope": scope}


def report_pdf(title: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(0, 10, title)
    pdf.ln(12)
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 7, "Patient vu en consultation. Examen clinique sans particularité. Poursuite du traitement.")
    return bytes(pdf.output())


def provide_bundle(ins: str, *, title: str, data: bytes, master: str | None = None, category: str = "compte_rendu",
                   when: date = date(2026, 11, 20), content_type: str = "application/pdf", as_binary: bool = True) -> dict:
    """An ITI-65 transaction: a SubmissionSet, one DocumentReference, its bytes as a Binary entry (or inline)."""
    doc_url, bin_url = f"urn:uuid:{uuid.uuid4()}", f"urn:uuid:{uuid.uuid4()}"
    subject = {"identifier": {"system": INS_SYSTEM, "value": ins}}
    attachment = {"contentType": content_type, "title": "compte-rendu.pdf",
                  "hash": base64.b64encode(hashlib.sha1(data).digest()).decode()}
    if as_binary:
        attachment["url"] = bin_url
    else:
        attachment["data"] = base64.b64encode(data).decode()
    reference = {
        "resourceType": "DocumentReference", "status": "current",
        "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": master or f"urn:uuid:{uuid.uuid4()}"},
        "type": {"coding": [{"system": "http://loinc.org", "code": TYPE_OF.get(category, "11488-4")}]},
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": category}]}],
        "subject": subject, "description": title, "content": [{"attachment": attachment}],
        "context": {"period": {"start": when.isoformat()}},
    }
    entries = [
        {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "request": {"method": "POST", "url": "List"}, "resource": {
            "resourceType": "List", "status": "current", "mode": "working", "subject": subject,
            "code": {"coding": [{"system": "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes",
                                 "code": "submissionset"}]},
            "entry": [{"item": {"reference": doc_url}}]}},
        {"fullUrl": doc_url, "request": {"method": "POST", "url": "DocumentReference"}, "resource": reference},
    ]
    if as_binary:
        entries.append({"fullUrl": bin_url, "request": {"method": "POST", "url": "Binary"}, "resource": {
            "resourceType": "Binary", "contentType": content_type, "data": base64.b64encode(data).decode()}})
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    Bundle.model_validate(bundle)  # what the tests send is FHIR R4B, as the models read it
    return bundle


def provide_documents(ins: str, count: int) -> dict:
    """An ITI-65 transaction of `count` documents, each a PDF of its own ("Compte rendu n"): the SubmissionSet, the
    DocumentReferences (document n is entry n + 1), then their Binary entries."""
    singles = [provide_bundle(ins, title=f"Compte rendu {n}", data=report_pdf(f"Compte rendu {n}"))
               for n in range(1, count + 1)]
    listed = singles[0]["entry"][0]
    listed["resource"]["entry"] = [{"item": {"reference": single["entry"][1]["fullUrl"]}} for single in singles]
    return {"resourceType": "Bundle", "type": "transaction",
            "entry": [listed, *(single["entry"][1] for single in singles), *(single["entry"][2] for single in singles)]}


def as_bundle(response) -> Bundle:
    assert response.headers["content-type"].startswith("application/fhir+json"), response.headers
    return Bundle.model_validate(json.loads(response.content))


def as_outcome(response) -> OperationOutcome:
    assert response.headers["content-type"].startswith("application/fhir+json"), (response.status_code, response.text)
    return OperationOutcome.model_validate(json.loads(response.content))
