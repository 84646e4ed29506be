"""The demo's reimbursed care, sent as the Assurance Maladie would: a file in the feed's layout,
loaded by the importer (server/reimbursements), from the acts of the demo's documents."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from ..reimbursements.history import kept_since
from .catalogue import LAB, PEOPLE, Doc

PHARMACY = "Pharmacie de la Croix-Rousse"


def reimbursement_file(ins: str, docs: list[Doc], *, today: date, prescriber: str) -> bytes:
    """One line per act of every document of the care Carnet keeps (its 24 months), processed a week after."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["ins", "id_ligne", "date_soins", "date_traitement", "nomenclature", "code", "libelle", "executant",
                     "rpps_executant", "prescripteur", "quantite", "depense", "base", "rembourse"])
    since = kept_since(today)
    for n, (doc, act) in enumerate((doc, act) for doc in docs for act in doc.acts):
        if not since <= doc.day <= today - timedelta(days=7):
            continue
        system, code = act.code.split()
        dispensed = system in ("CIP13", "NABM")
        person = PEOPLE.get(doc.by) if not dispensed else None
        performer = (PHARMACY if system == "CIP13" else LAB if system == "NABM"
                     else f"{'Dr ' if person and person.doctor else ''}{person.given_name} {person.family_name}" if person
                     else doc.source or "Cabinet médical")
        writer.writerow([ins, f"DEMO-{doc.day:%Y%m%d}-{n:04d}", doc.day.isoformat(), (doc.day + timedelta(days=7)).isoformat(),
                         system, code, act.label, performer, "", prescriber if dispensed or system == "NGAP" and code in ("AMK", "AMI") else "",
                         1, f"{act.paid:.2f}".replace(".", ","), f"{act.base:.2f}".replace(".", ","),
                         f"{max(act.refund, 0):.2f}".replace(".", ",")])
    return out.getvalue().encode()
