"""The médecin traitant's yearly syntheses, the patient's own notes, certificates, and the second demo patient."""

from __future__ import annotations

from datetime import date

from .catalogue import ACTS, BORN, LAB, Doc, age, ago, dmy, fr_date, yearly

MONTHS_SHORT = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]


# (a title that marks the event in the dossier, how the médecin traitant sums it up)
MILESTONES = [
    ("Compte rendu - extraction de la dent de sagesse 48", "Avulsion de la dent de sagesse 48"),
    ("Ordonnance - traitement martial", "Anémie par carence martiale (ménorragies), corrigée par fer oral"),
    ("Compte rendu opératoire - appendicectomie par cœlioscopie",
     "Appendicectomie par cœlioscopie pour appendicite aiguë phlegmoneuse, suites simples"),
    ("Consultation de cardiologie - résultats des examens",
     "Extrasystoles ventriculaires bénignes sur cœur sain (Holter, échocardiographie normale), suivies "
     "par le Dr Moreau"),
    ("Compte rendu - IRM du genou droit", "Entorse du ligament collatéral médial du genou droit (grade 2), rééduquée"),
]


def _first(docs: list[Doc], title: str, before: date) -> date | None:
    days = [d.day for d in docs if d.title == title and d.day < before]
    return min(days) if days else None


def _last(docs: list[Doc], prefix: str, before: date) -> date | None:
    days = [d.day for d in docs if d.title.startswith(prefix) and d.day < before]
    return max(days) if days else None


def syntheses(today: date, docs: list[Doc]) -> list[Doc]:
    """Each January, the médecin traitant sums up the dossier as it stands (what happened before that day)."""
    out = []
    for when in yearly(today, 1, 17):
        history = ["Rhinite allergique saisonnière (pollens de graminées)",
                   "Deux grossesses, accouchements par voie basse sans complication"]
        for title, summary in MILESTONES:
            if (day := _first(docs, title, when)) is not None:
                history.append(f"{summary} ({MONTHS_SHORT[day.month - 1]} {day.year})")
        vaccines = ["Grippe : vaccination annuelle"]
        if (day := _first(docs, "Rappel dTcaPolio (diphtérie, tétanos, coqueluche, poliomyélite)", when)):
            vaccines.append(f"dTcaPolio : rappel le {dmy(day)}, prochain rappel à 45 ans")
        if (day := _first(docs, "Vaccination COVID-19 - dose de rappel", when)):
            vaccines.append(f"COVID-19 : schéma complet, rappel le {dmy(day)}")
        screening = _last(docs, "Consultation de suivi gynécologique", when)
        out.append(Doc(when, "synthese", f"Synthèse médicale {when.year}", by="bernard", acts=(ACTS["G"],), body=(
            f"Synthèse établie le {fr_date(when)} par le Dr Claire Bernard, médecin traitant de Mme Camille Martin "
            f"({age(when, BORN)} ans).",
            ("Antécédents", "\n".join(f"- {line}" for line in history)),
            ("Allergies", "Pas d'allergie médicamenteuse connue."),
            ("Traitements au long cours", "- Contraception orale : lévonorgestrel / éthinylestradiol (Leeloo)\n"
                                          "- Desloratadine 5 mg en période pollinique"),
            ("Vaccinations", "\n".join(f"- {line}" for line in vaccines)),
            ("Prévention et dépistage", "Dépistage du cancer du col : "
             + (f"dernier prélèvement le {dmy(screening)}, normal." if screening else "à jour selon la patiente.")
             + " Bilan sanguin annuel. Mammographie de dépistage à partir de 50 ans."),
            ("Mode de vie", "Professeure des écoles. Mariée, deux enfants. Non fumeuse, alcool occasionnel. "
                            "Course à pied trois fois par semaine."),
        )))
    return out


def notes_and_certificates(today: date) -> list[Doc]:
    note = "\n".join([
        "Mes antécédents, allergies et traitements (à montrer aux nouveaux médecins)",
        "",
        "Groupe sanguin : A positif.",
        "Allergies : aucune aux médicaments. Rhume des foins au printemps (graminées).",
        "Traitement : pilule Leeloo. Desloratadine d'avril à juin.",
        "Enfants : Léo et Jeanne, accouchements normaux.",
        "Dans la famille : papa, hypertension ; maman, hypothyroïdie ; grand-père paternel, infarctus à 70 ans.",
        "Médecin traitant : Dr Claire Bernard, Lyon 1er.",
    ])
    sport = "Certificat de non contre-indication à la course à pied en compétition"
    return [
        Doc(ago(today, years=9.8), "note_patient", "Mes antécédents, allergies et traitements", text=note),
        *(Doc(ago(today, years=y), "certificat", sport, by="bernard", body=(
            f"Je soussignée, Dr Claire Bernard, certifie avoir examiné ce jour Mme Camille Martin, née le 12/03/1984, "
            "et n'avoir constaté aucun signe clinique apparent contre-indiquant la pratique de la course à pied, "
            "y compris en compétition.",
            "Certificat établi à la demande de l'intéressée et remis en main propre, valable un an.",
        )) for y in (8.9, 5.7, 2.7)),
        Doc(ago(today, years=4.6), "certificat", "Certificat d'aptitude à la plongée subaquatique de loisir",
            by="bernard", body=(
            "Je soussignée, Dr Claire Bernard, certifie avoir examiné ce jour Mme Camille Martin, née le 12/03/1984, "
            "et n'avoir pas constaté de contre-indication à la pratique de la plongée subaquatique de loisir "
            "(niveau 1, jusqu'à 20 mètres).",
            ("Examen", "Tympans normaux, manœuvre de Valsalva efficace des deux côtés. Auscultation cardiaque et "
                       "pulmonaire normale. ECG de repos normal."),
            "Certificat valable un an, établi à la demande de l'intéressée.")),
    ]


def other_patient_documents(today: date) -> list[Doc]:
    """Hugo Lefèvre, 75-ish, atrial fibrillation: the "other patient" of the database."""
    day = ago(today, years=0.4)
    return [
        Doc(day, "compte_rendu", "Compte rendu de consultation de cardiologie", by="moreau", body=(
            ("Motif", "Suivi d'une fibrillation atriale permanente."),
            ("Examen", "TA 134/80 mmHg, FC 72/min irrégulière. Pas de signe d'insuffisance cardiaque."),
            ("Conclusion", "Fibrillation atriale bien contrôlée. Score CHA2DS2-VASc à 2 : poursuite de "
                           "l'anticoagulation par apixaban. Contrôle de la fonction rénale."))),
        Doc(day, "ordonnance", "Ordonnance - traitement de la fibrillation atriale", by="moreau", body=(
            "Apixaban 5 mg : 1 comprimé matin et soir.",
            "Bisoprolol 2,5 mg : 1 comprimé le matin.",
            "Traitement pour 3 mois, renouvelable 3 fois.")),
        Doc(ago(today, years=0.38), "biologie", "Créatinine et NFS", source=LAB, body=(
            ("Résultats", [["Analyse", "Résultat", "Unité", "Valeurs de référence"],
                           ["Créatinine", "92", "µmol/L", "59 - 104"],
                           ["Débit de filtration glomérulaire (CKD-EPI)", "71", "mL/min/1,73 m²", "> 60"],
                           ["Hémoglobine", "14,1", "g/dL", "13,0 - 17,0"],
                           ["Plaquettes", "231", "G/L", "150 - 400"]], (70, 30, 26, 48)),
            "Fonction rénale compatible avec la posologie d'apixaban.")),
    ]
