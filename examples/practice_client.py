"""A practice's software, in one file: it pushes a PDF report into a patient's Carnet and reads the list back.

What an integrator does, in order (README, "API FHIR"):

    python examples/practice_client.py cle
        makes the software's key pair (cabinet-cle.json, keep it secret) and prints the public key (JWK)
        to paste in Carnet, page "Logiciels" of the professional; Carnet answers with a client_id.

    python examples/practice_client.py envoyer --client-id ID --ins INS [--pdf FILE] [--carnet URL]
        1. SMART Backend Services: signs a JWT assertion (ES384) and exchanges it for a 5-minute token;
        2. ITI-65: sends a transaction Bundle (SubmissionSet + DocumentReference + Binary);
        3. ITI-67: lists the patient's documents (POST _search: an INS never goes in a URL);
        4. ITI-68: downloads each PDF and checks its SHA-256 against the Repr-Digest header.

    python examples/practice_client.py synthese --client-id ID --ins INS [--carnet URL]
        the patient's summary (IPS, Patient/$summary: the INS in the body, never in a URL), what the professional
        reads of the profil médical, printed section by section from the Composition's narrative.

Needs Python 3.11 and `joserfc` (pip install joserfc); nothing else.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import ECKey

HERE = Path(__file__).parent
INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
CATEGORY_SYSTEM = "urn:carnet:fhir:categorie-document"
SCOPES = "system/DocumentReference.cruds system/Binary.r system/Patient.r"


def make_key(path: Path) -> dict:
    key = ECKey.generate_key("P-384")
    path.write_text(json.dumps(key.as_dict(private=True)))
    path.chmod(0o600)
    return key.as_dict(private=False)


def call(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()  # headers: case-insensitive
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def token(carnet: str, client_id: str, key: ECKey) -> str:
    """SMART Backend Services: an assertion signed with the software's key, for a short-lived token."""
    token_url = f"{carnet}/fhir/token"
    assertion = jwt.encode({"alg": "ES384", "typ": "JWT"},
                           {"iss": client_id, "sub": client_id, "aud": token_url, "exp": int(time.time()) + 240,
                            "jti": uuid.uuid4().hex}, key, algorithms=["ES384"])
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials", "scope": SCOPES, "client_assertion": assertion,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }).encode()
    status, _, body = call("POST", token_url, body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    answer = json.loads(body)
    if status != 200:
        sys.exit(f"Jeton refusé ({status}) : {answer.get('error_description', answer)}")
    return answer["access_token"]


def provide_bundle(ins: str, pdf: bytes, *, title: str, master: str) -> dict:
    """ITI-65's transaction: the SubmissionSet, the document's metadata, its bytes."""
    doc_url, bin_url = f"urn:uuid:{uuid.uuid4()}", f"urn:uuid:{uuid.uuid4()}"
    subject = {"identifier": {"system": INS_SYSTEM, "value": ins}}
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "request": {"method": "POST", "url": "List"}, "resource": {
            "resourceType": "List", "status": "current", "mode": "working", "subject": subject,
            "code": {"coding": [{"system": "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes",
                                 "code": "submissionset"}]},
            "entry": [{"item": {"reference": doc_url}}]}},
        {"fullUrl": doc_url, "request": {"method": "POST", "url": "DocumentReference"}, "resource": {
            "resourceType": "DocumentReference", "status": "current",
            "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": master},
            "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4", "display": "Consult note"}]},
            "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": "compte_rendu"}]}],
            "subject": subject, "description": title,
            "content": [{"attachment": {"contentType": "application/pdf", "url": bin_url, "title": "compte-rendu.pdf",
                                        "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode()}}],
            "context": {"period": {"start": date.today().isoformat()}}}},
        {"fullUrl": bin_url, "request": {"method": "POST", "url": "Binary"}, "resource": {
            "resourceType": "Binary", "contentType": "application/pdf", "data": base64.b64encode(pdf).decode()}},
    ]}


def send(carnet: str, client_id: str, key: ECKey, ins: str, pdf: bytes, title: str) -> None:
    auth = {"Authorization": f"Bearer {token(carnet, client_id, key)}"}
    # The same masterIdentifier for the same file: sent twice, it is stored once.
    master = f"urn:uuid:{uuid.UUID(hashlib.sha256(pdf).hexdigest()[:32])}"
    status, _, body = call("POST", f"{carnet}/fhir", body=json.dumps(provide_bundle(ins, pdf, title=title, master=master)).encode(),
                           headers={**auth, "Content-Type": "application/fhir+json"})
    answer = json.loads(body)
    if status != 200:
        sys.exit(f"Envoi refusé ({status}) : {answer['issue'][0]['diagnostics']}")
    response = answer["entry"][1]["response"]
    said = "reçu" if response["status"].startswith("201") else "déjà reçu, non dupliqué"
    # No location for a document received before and deleted by the patient since: it has no address left.
    print(f"Envoyé : « {title} » → {response.get('location', 'sans adresse')} ({said})")
    for issue in response.get("outcome", {}).get("issue", []):  # what Carnet says of it: a warning, why not stored
        print(f"  {issue['diagnostics']}")

    search = urllib.parse.urlencode({"patient.identifier": f"{INS_SYSTEM}|{ins}", "_count": "20"}).encode()
    status, _, body = call("POST", f"{carnet}/fhir/DocumentReference/_search", body=search,
                           headers={**auth, "Content-Type": "application/x-www-form-urlencoded"})
    found = json.loads(body)
    if status != 200:
        sys.exit(f"Recherche refusée ({status}) : {found['issue'][0]['diagnostics']}")
    print(f"Documents visibles par ce professionnel ({len(found.get('entry', []))} sur cette page) :")
    for entry in found.get("entry", []):
        reference = entry["resource"]
        attachment = reference["content"][0]["attachment"]
        day = reference.get("context", {}).get("period", {}).get("start", "date inconnue")
        if "url" not in attachment:  # withdrawn by its author (entered-in-error): listed, its file and title gone
            print(f"  - {day} · document retiré par son auteur · {reference['status']}")
            continue
        status, headers, data = call("GET", attachment["url"], headers=auth)
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        checked = "SHA-256 vérifié" if status == 200 and headers.get("Repr-Digest") == f"sha-256=:{digest}:" else "NON VÉRIFIÉ"
        print(f"  - {day} · {reference.get('description', attachment.get('title', 'sans titre'))} · "
              f"{reference['status']} · {len(data)} octets, {checked}")


def summary(carnet: str, client_id: str, key: ECKey, ins: str) -> None:
    auth = {"Authorization": f"Bearer {token(carnet, client_id, key)}"}
    asked = {"resourceType": "Parameters", "parameter": [{"name": "identifier", "valueString": f"{INS_SYSTEM}|{ins}"}]}
    status, _, body = call("POST", f"{carnet}/fhir/Patient/$summary", body=json.dumps(asked).encode(),
                           headers={**auth, "Content-Type": "application/fhir+json"})
    answer = json.loads(body)
    if status != 200:
        sys.exit(f"Synthèse refusée ({status}) : {answer['issue'][0]['diagnostics']}")
    composition = answer["entry"][0]["resource"]  # a document Bundle: its Composition first
    print(composition["title"])
    for section in composition["section"]:
        print(f"{section['title']} :")
        for line in ET.fromstring(section["text"]["div"]).iter("{http://www.w3.org/1999/xhtml}li"):
            print(f"  - {''.join(line.itertext())}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Le logiciel d'un cabinet, face à l'API FHIR de Carnet.")
    commands = parser.add_subparsers(dest="command", required=True)
    key_cmd = commands.add_parser("cle", help="créer la paire de clés du logiciel et afficher la clé publique")
    key_cmd.add_argument("--fichier", type=Path, default=Path("cabinet-cle.json"))
    send_cmd = commands.add_parser("envoyer", help="envoyer un compte rendu PDF et relire la liste")
    send_cmd.add_argument("--carnet", default="http://localhost:8000", help="l'adresse de Carnet")
    send_cmd.add_argument("--client-id", required=True, help="donné par Carnet à l'enregistrement du logiciel")
    send_cmd.add_argument("--ins", required=True, help="l'INS du patient (15 caractères)")
    send_cmd.add_argument("--pdf", type=Path, default=HERE / "compte-rendu-exemple.pdf")
    send_cmd.add_argument("--titre", default="Compte rendu de consultation")
    send_cmd.add_argument("--fichier", type=Path, default=Path("cabinet-cle.json"), help="la clé privée du logiciel")
    summary_cmd = commands.add_parser("synthese", help="lire la synthèse du patient (IPS)")
    summary_cmd.add_argument("--carnet", default="http://localhost:8000", help="l'adresse de Carnet")
    summary_cmd.add_argument("--client-id", required=True, help="donné par Carnet à l'enregistrement du logiciel")
    summary_cmd.add_argument("--ins", required=True, help="l'INS du patient (15 caractères)")
    summary_cmd.add_argument("--fichier", type=Path, default=Path("cabinet-cle.json"), help="la clé privée du logiciel")
    args = parser.parse_args()
    if args.command == "cle":
        public = make_key(args.fichier)
        print(f"Clé privée : {args.fichier} (ne la donnez à personne).")
        print("Clé publique, à coller dans Carnet, page « Logiciels » :")
        print(json.dumps(public))
        return
    key = ECKey.import_key(json.loads(args.fichier.read_text()))
    if args.command == "synthese":
        summary(args.carnet.rstrip("/"), args.client_id, key, args.ins.replace(" ", ""))
        return
    send(args.carnet.rstrip("/"), args.client_id, key, args.ins.replace(" ", ""), args.pdf.read_bytes(), args.titre)


if __name__ == "__main__":
    main()
