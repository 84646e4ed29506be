"""The SubmissionSet (`List`) of a Provide Document Bundle (IHE MHD ITI-65), checked against its documents
(submission.py): the same patient, and every document listed. A refusal here is the SubmissionSet's entry's
(submission._about_entry)."""

from __future__ import annotations

from ..identifiers import is_valid_ins, normalize_ins
from .docreference import unprocessable
from .resources import INS_SYSTEM


def same_patient(submission_set, ins: str, first: int) -> None:
    """The SubmissionSet names a patient (IHE MHD: its `subject` is required), the documents' if it names one by INS
    (IHE XDS refuses a submission whose patient is not its documents', XDSPatientIdDoesNotMatch): filed in one
    dossier, a Bundle that names two patients may be in the wrong one. A subject named otherwise Carnet cannot
    compare, and does not keep."""
    subject = submission_set.subject
    if subject is None or not (subject.identifier or subject.reference):
        raise unprocessable(
            "Le SubmissionSet (List) doit désigner son patient, comme IHE MHD le demande : subject.identifier, son "
            f"INS (système {INS_SYSTEM}), celui de ses documents.")
    identifier = subject.identifier
    if identifier is None or identifier.system != INS_SYSTEM:
        return
    if not is_valid_ins(identifier.value or ""):  # no patient at all: "another patient" would mislead its developer
        raise unprocessable(
            "Le SubmissionSet (List) désigne son patient par un INS invalide (subject.identifier) : 15 caractères, "
            "clé comprise, comme celui de ses documents.")
    if normalize_ins(identifier.value) != ins:
        raise unprocessable(
            "Le SubmissionSet (List) désigne un autre patient que ses documents : son INS (subject.identifier) "
            f"n'est pas celui de l'entrée {first}.")


def lists_every_document(submission_set, entries: list, documents: list[int]) -> None:
    """The SubmissionSet lists each document of the Bundle (IHE MHD: its `entry`, a reference to each
    DocumentReference, by the fullUrl of its entry): one that lists none, or not all, says another submission
    than the one filed, and was filed without a word."""
    listed = {reference for reference in (getattr(e.item, "reference", None) for e in submission_set.entry or [])
              if reference}
    missing = [n for n in documents if not names_entry(listed, entries[n - 1].fullUrl)]
    if not missing:
        return
    how = ("chaque DocumentReference envoyé doit figurer dans son entry, désigné par le fullUrl de son entrée "
           "(entry.item.reference).")
    if len(missing) == len(documents):
        said = f"Le SubmissionSet (List) ne désigne aucun des documents du Bundle : {how}"
    else:
        which = (f"le document de l'entrée {missing[0]}" if len(missing) == 1 else
                 f"les documents des entrées {', '.join(map(str, missing[:-1]))} et {missing[-1]}")
        said = f"Le SubmissionSet (List) ne désigne pas {which} du Bundle : {how}"
    unnamed = [n for n in missing if not entries[n - 1].fullUrl]
    if unnamed:
        said += f" L'entrée {unnamed[0]} n'a pas de fullUrl : donnez-lui-en un (urn:uuid:…)."
    raise unprocessable(said)


def names_entry(references: set[str], full_url: str | None) -> bool:
    """Whether one of a Bundle's references names the entry of this fullUrl: by it, or relatively where it is a
    server's address (FHIR R4B bundle.html#references: "DocumentReference/1" in an entry "http://a.b/fhir/...")."""
    if not full_url:
        return False
    return full_url in references or any(
        "://" in full_url and "://" not in reference and full_url.endswith(f"/{reference}") for reference in references)
