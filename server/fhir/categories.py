"""Carnet's categories as software codes them: Carnet's own code, the CI-SIS's classes and LOINC types that France's
PDSm guide puts in a DocumentReference's `category` and `type`, in one table (CATEGORY_CODES); the category a
document sent is filed in, read from them; the categories a search names; the class a document is served with."""

from __future__ import annotations

import re

from fhir.resources.R4B.documentreference import DocumentReference

from ..identifiers import luhn_ok
from ..models import CATEGORIES
from ..professionals.checks import PRO_CATEGORIES

CATEGORY_SYSTEM = "urn:carnet:fhir:categorie-document"
LOINC = "http://loinc.org"
# LOINC as French senders name it too: its OID, and the copy the ANS's terminologies publish (TRE_A04-Loinc).
LOINC_SYSTEMS = (LOINC, "urn:oid:2.16.840.1.113883.6.1",
                 "https://mos.esante.gouv.fr/NOS/TRE_A04-Loinc/FHIR/TRE-A04-Loinc")
# The CI-SIS's document classes (TRE_A03-ClasseDocument), what PDSm puts in `category`: by OID, and by the FHIR URL.
CLASS_SYSTEMS = ("urn:oid:1.2.250.1.213.1.1.4.1",
                 "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument")
# The classes a document is coded with (JDV_J06-XdsClassCode-CISIS, the value set PDSm binds `category` to).
CLASSES = {"10": "Compte rendu", "11": "Synthèse", "31": "Imagerie médicale", "42": "Prescription",
           "43": "Dispensation", "44": "Plan de soins, protocole de soins", "45": "Traitement administré",
           "52": "Certificat, déclaration", "60": "Données de remboursement",
           "90": "Autres documents déposés par le patient", "95": "Document de gestion", "99": "Document technique"}
# How software codes each Carnet category, the one table both ways: (1) the category's LOINC type, which Carnet gives a
# document sent without one; (2) the CI-SIS classes its documents come under (a search by one finds them), the first
# of them the one they are served with, and the one a class sent alone files into (the first category that names it
# so: a "Compte rendu" is a compte_rendu, not a biologie); (3) the
# other LOINC types filed in it. The types are those of JDV_J07-XdsTypeCode-CISIS (the value set PDSm binds `type` to)
# whose category leaves no doubt (an episode's synthesis, an anatomopathology report, a screening report are left to
# their class or Carnet's code), plus 34106-5, LOINC's physician hospital discharge summary, which hospital software
# sends for a stay's report (written 34106-3 here before, a code LOINC does not have: its check digit is 5); the
# CI-SIS's own types (TRE_A05-TypeDocComplementaire: CERT_DECL, PRESC-KINE…) are not read. Which class goes with
# which type is the CI-SIS's table ASS_X04-CorrespondanceType-Classe, which Carnet could not read: the classes here
# are read from their names and the guides' examples, so a class that goes with another category than the type's is
# said, not refused (filed_category). Classes 43, 44, 45, 95 and 99 file nothing alone.
CATEGORY_CODES: dict[str, tuple[tuple[str, str], tuple[str, ...], frozenset[str]]] = {
    "compte_rendu": (("11488-4", "Consult note"), ("10",), frozenset({
        "34112-3", "34106-5", "11490-0", "15507-7", "15508-5", "18761-7", "34749-2", "34794-8", "34874-8", "34875-5",
        "34876-3", "47420-5", "67851-6", "70004-7", "77436-4", "78513-9", "85208-7", "11505-5", "11506-3", "59283-2",
        "89233-1", "96349-6", "60280-5", "74207-2", "78341-5", "93024-8", "78601-2"})),
    "synthese": (("60591-5", "Patient summary Document"), ("11", "10"), frozenset({
        "68599-0", "57055-6", "57057-2", "57075-4", "78489-2", "89235-6", "84067-8"})),
    "imagerie": (("18748-4", "Diagnostic imaging study"), ("31", "10"), frozenset({"52040-3"})),
    "ordonnance": (("57833-6", "Prescription for medication"), ("42", "43"), frozenset({
        "57828-6", "57832-8", "60593-1", "75468-9", "55115-0"})),
    "certificat": (("51851-4", "Administrative note"), ("52", "95"), frozenset({
        "89601-9", "59284-0", "86531-1", "55751-2"})),
    "biologie": (("11502-2", "Laboratory report"), ("10",), frozenset({"51969-4", "96173-0"})),
    "vaccination": (("11369-6", "History of Immunization Narrative"), ("10", "11", "45"), frozenset({"87273-9"})),
    "remboursement": (("48768-6", "Payment sources Document"), ("60",), frozenset()),
    "note_patient": (("51855-5", "Patient Note"), ("90",), frozenset()),
}
# A category's own LOINC type, both ways: software that sends only `type` is understood too, and a search by it finds
# the documents sent without one.
TYPES: dict[str, tuple[str, str]] = {category: codes[0] for category, codes in CATEGORY_CODES.items()}
CATEGORY_OF_TYPE = {code: category for category, (code, _) in TYPES.items()}
# The category a class sent alone files into: the first that names it first (so "10" is compte_rendu's).
CATEGORY_OF_CLASS = {classes[0]: category for category, (_, classes, _) in reversed(CATEGORY_CODES.items())}
# Every LOINC type Carnet files: the categories' own, and the others.
FILED_TYPES = CATEGORY_OF_TYPE | {code: category for category, (_, _, others) in CATEGORY_CODES.items()
                                  for code in others}
# The categories a class covers, which a search by it finds: each category its documents come under (so "10" finds
# reports, lab reports, imaging...; "99" finds nothing).
CATEGORIES_OF_CLASS = {code: tuple(category for category, (_, classes, _) in CATEGORY_CODES.items() if code in classes)
                       for code in CLASSES}


def category_of(system: str | None, code: str) -> str | None:
    """The Carnet category a coding names: Carnet's own code, or a LOINC type (LOINC under any of its names)."""
    if system in (None, CATEGORY_SYSTEM) and code in CATEGORIES:
        return code
    if system in (None, *LOINC_SYSTEMS):
        return CATEGORY_OF_TYPE.get(code)
    return None


def categories_of(system: str | None, code: str) -> tuple[str, ...]:
    """The categories a search's `category` names: one for Carnet's code or a category's LOINC type, each that a
    CI-SIS class covers (none for an unknown code, or a class that files nothing)."""
    if system in (None, *CLASS_SYSTEMS) and code in CLASSES:
        return CATEGORIES_OF_CLASS[code]
    category = category_of(system, code)
    return (category,) if category else ()


def class_coding(category: str) -> dict[str, str]:
    """The CI-SIS class a category's documents are served with, its first. Alone it may file another category
    (biologie's "10" files a compte_rendu): Carnet's code, served with it, decides where a document read back goes."""
    code = CATEGORY_CODES[category][1][0]
    return {"system": CLASS_SYSTEMS[0], "code": code, "display": CLASSES[code]}


class Unfiled(ValueError):
    """Codes that file a document nowhere, or in two categories; the message, in French, says which."""


# A LOINC code: its number, one to five digits, a hyphen, and a check digit (LOINC Users' Guide, "Calculating Mod 10
# check digits": the Luhn formula). Whether LOINC has the code Carnet cannot say (it holds no copy of LOINC's table):
# a well-formed code it does not file by is kept as sent.
LOINC_CODE = re.compile(r"([0-9]{1,5})-([0-9])")


def refuse_malformed_loinc(code: str, element: str) -> None:
    """Unfiled, naming `element` ("type.coding.code"), for a code of LOINC's system that is no LOINC code: a typing
    slip, or a local code sent under LOINC's name, which a search by its type would never find."""
    shown = f"«\u00a0{code[:40]}\u00a0»"
    if (form := LOINC_CODE.fullmatch(code)) is None:
        raise Unfiled(f"Code LOINC invalide ({element}) : {shown} n'a pas la forme d'un code LOINC, de 1 à 5 chiffres, "
                      "un tiret et un chiffre de contrôle (11488-4).")
    if not luhn_ok(form[1] + form[2]):
        right = next(digit for digit in "0123456789" if luhn_ok(form[1] + digit))
        raise Unfiled(f"Code LOINC invalide ({element}) : le chiffre de contrôle de {shown} ne correspond pas à son "
                      f"numéro (algorithme mod 10 de LOINC ; «\u00a0{form[1]}-{right}\u00a0» serait bien formé). "
                      "Vérifiez le code : une faute de frappe ?")


def filed_category(reference: DocumentReference) -> tuple[str, tuple[str, ...]]:
    """The category a document sent is filed in, and the warnings its coding earns.

    Carnet's own code decides where it is sent, and a LOINC type Carnet knows must not say another category: the
    category decides who reads the document (a grant by category), so codes that say two are refused rather than one
    guessed. Without it, the type decides, then the CI-SIS class: a coarser code, which the CI-SIS deduces from the
    type (ASS_X04) and Carnet's table reads from examples, so a class that goes with another category is said in a
    warning, never refused. A code that is none of its system's (Carnet's, the CI-SIS classes') is refused, named: that
    slip would file a document where no reader looks for it; so is a LOINC code that is none by its form or its check
    digit (refuse_malformed_loinc). Codings of other systems are kept as sent, unread."""
    ours: list[str] = []  # Carnet's categories
    typed: list[str] = []  # LOINC types Carnet files, from `type`, and from `category` (where MHD's examples put some)
    classes: list[str] = []
    for coding in (reference.type.coding if reference.type else None) or []:
        if coding.system in LOINC_SYSTEMS and coding.code:
            refuse_malformed_loinc(coding.code, "type.coding.code")
        if coding.system in (None, *LOINC_SYSTEMS) and coding.code in FILED_TYPES:
            typed.append(coding.code)
    for coding in (c for concept in reference.category or [] for c in concept.coding or []):
        code = coding.code or ""
        if coding.system in LOINC_SYSTEMS and code:
            refuse_malformed_loinc(code, "category.coding.code")
        if coding.system == CATEGORY_SYSTEM or (coding.system is None and code in CATEGORY_CODES):
            if code not in CATEGORY_CODES:
                raise Unfiled(f"Catégorie inconnue : «\u00a0{code[:40]}\u00a0» n'est pas un code du système "
                              f"{CATEGORY_SYSTEM} (codes : {', '.join(PRO_CATEGORIES)}).")
            ours.append(code)
        elif coding.system in (None, *LOINC_SYSTEMS) and code in FILED_TYPES:
            typed.append(code)
        elif coding.system in CLASS_SYSTEMS:
            if code not in CLASSES:
                raise Unfiled(f"Classe de document inconnue : «\u00a0{code[:40]}\u00a0» n'est pas un code de "
                              f"TRE_A03-ClasseDocument (codes : {', '.join(CLASSES)}).")
            classes.append(code)
    if len(set(ours)) > 1:
        raise Unfiled(f"Le document porte plusieurs catégories Carnet ({', '.join(sorted(set(ours)))}) : "
                      "indiquez-en une seule.")
    if ours and (other := next((t for t in typed if FILED_TYPES[t] != ours[0]), None)):
        raise Unfiled(f"La catégorie «\u00a0{ours[0]}\u00a0» ne correspond pas au type du document ({other}, "
                      f"que Carnet classe en «\u00a0{FILED_TYPES[other]}\u00a0») : rien n'a été enregistré. "
                      "Corrigez la catégorie ou le type : la catégorie décide des professionnels qui lisent le "
                      "document.")
    alone = [CATEGORY_OF_CLASS[code] for code in classes if code in CATEGORY_OF_CLASS]
    category = next(iter(ours or [FILED_TYPES[t] for t in typed] or alone), None)
    if category is None:
        filing = sorted(code for code, category in CATEGORY_OF_CLASS.items() if category in PRO_CATEGORIES)
        raise Unfiled("Catégorie du document inconnue : indiquez un type LOINC que Carnet connaît (type), la "
                      f"classe du document (category, système {CLASS_SYSTEMS[0]}, codes {', '.join(filing)}) "
                      f"ou sa catégorie Carnet (système {CATEGORY_SYSTEM}, codes {', '.join(PRO_CATEGORIES)}).")
    if category not in PRO_CATEGORIES:
        raise Unfiled(f"Un professionnel ne dépose pas de document dans la catégorie «\u00a0{category}\u00a0» "
                      f"({CATEGORIES[category]}) : indiquez l'une de celles-ci : {', '.join(PRO_CATEGORIES)}.")
    by = "sa catégorie Carnet" if ours else f"son type {typed[0]}" if typed else "sa première classe"
    return category, tuple(
        f"La classe «\u00a0{code}\u00a0» ({CLASSES[code]}) ne va pas avec la catégorie du document : il est classé "
        f"d'après {by}, en «\u00a0{category}\u00a0» ({CATEGORIES[category]})."
        for code in classes if code not in CATEGORY_CODES[category][1])
