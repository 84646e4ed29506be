"""Camille Martin's ten years of care, episode by episode, as `Doc`s (see catalogue)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from .catalogue import (ACTS, BORN, HOSPITAL, LAB, Doc, age, ago, annual_checkups, contraception, dmy, flu_shots,
                             statements)
from .heart_knee import knee_sprain, palpitations
from .notes import notes_and_certificates, syntheses

SURGEON = "Dr Julie Mercier\nChirurgie digestive et endocrinienne\nHôpital Édouard Herriot"
DICOM = {"tl": ["MARTIN^CAMILLE", "F  12/03/1984"], "bl": ["kV 60  mAs 4,0"], "br": ["W 2048  L 1024"]}


def _later(day: date, days: int) -> date:
    return day + timedelta(days=days)


def wisdom_tooth(day: date) -> list[Doc]:
    return [
        Doc(day, "imagerie", "Radiographie panoramique dentaire", by="robert", body=(
            ("Indication", "Douleurs de l'angle mandibulaire droit, péricoronarite récidivante."),
            ("Résultat", "Dent 48 incluse en position mésio-angulée, au contact du nerf alvéolaire inférieur sans "
                         "superposition franche. Dent 38 en désinclusion normale. Pas de lésion carieuse profonde."),
            ("Conclusion", "Indication d'avulsion de la 48 sous anesthésie locale."))),
        Doc(_later(day, 9), "compte_rendu", "Compte rendu - extraction de la dent de sagesse 48", by="robert",
            acts=(ACTS["dent"],), body=(
            ("Acte", "Avulsion de la dent 48 incluse, avec alvéolectomie et séparation de racines, sous anesthésie "
                     "locale (articaïne adrénalinée, 2 carpules). Sutures par 2 points de fil résorbable."),
            ("Déroulement", "Intervention de 35 minutes, sans incident. Hémostase satisfaisante en fin d'acte."),
            ("Consignes", "Poche de glace, alimentation tiède et mixée 48 heures, pas de bain de bouche avant 24 heures, "
                          "pas de tabac. Contrôle dans 10 jours."))),
        Doc(_later(day, 9), "ordonnance", "Ordonnance - suites d'extraction dentaire", by="robert",
            acts=(ACTS["pharmacie"],), body=(
            "Amoxicilline 1 g : 1 comprimé matin et soir pendant 6 jours.",
            "Paracétamol 1 g : 1 comprimé toutes les 6 heures si douleur, sans dépasser 4 g par jour.",
            "Chlorhexidine 0,12 % bain de bouche : 3 fois par jour pendant 7 jours, à partir du lendemain.")),
    ]


def appendicitis(day: date) -> list[Doc]:
    ultrasound = {"corners": {**DICOM, "tr": ["HCL - HEH URGENCES", "C5-1  ABDO  FID", f"{dmy(day)} 22:47"]},
                  "caliper": "D1 9,2 mm"}
    return [
        Doc(day, "biologie", "Bilan biologique aux urgences", source=HOSPITAL,
            signer="Dr Paul Chevalier\nBiologiste - Laboratoire de biochimie\nHôpital Édouard Herriot", body=(
            f"Prélèvement du {dmy(day)} à 21 h 30, service d'accueil des urgences.",
            ("Résultats", [["Analyse", "Résultat", "Unité", "Valeurs de référence"],
                           ["Leucocytes", "14,2 *", "G/L", "4,0 - 10,0"],
                           ["Polynucléaires neutrophiles", "11,6 *", "G/L", "1,5 - 7,0"],
                           ["Protéine C réactive (CRP)", "48 *", "mg/L", "< 5"],
                           ["Créatinine", "64", "µmol/L", "45 - 84"],
                           ["Beta-hCG plasmatiques", "< 2", "UI/L", "négatif < 5"]], (70, 30, 26, 48)),
            "* Syndrome inflammatoire biologique. Test de grossesse négatif.")),
        Doc(day, "imagerie", "Échographie abdominale - fosse iliaque droite", source=HOSPITAL,
            signer="Dr Pierre Lambert\nRadiologue - Urgences\nHôpital Édouard Herriot", body=(
            ("Indication", "Douleur de la fosse iliaque droite depuis 24 heures, fièvre à 38,4 °C."),
            ("Résultats", "Structure tubulaire borgne non compressible de 9,2 mm de diamètre en fosse iliaque droite, "
                          "avec infiltration de la graisse péri-appendiculaire. Pas d'épanchement, pas de collection. "
                          "Ovaires d'aspect normal."),
            ("Conclusion", "Aspect d'appendicite aiguë non compliquée."))),
        Doc(day, "imagerie", "Échographie abdominale - images", source=HOSPITAL,
            picture=("jpeg", "ultrasound", ultrasound)),
        Doc(_later(day, 1), "compte_rendu", "Compte rendu opératoire - appendicectomie par cœlioscopie",
            source=HOSPITAL, signer=SURGEON, body=(
            ("Indication", "Appendicite aiguë clinique, biologique et échographique chez une patiente de "
                           f"{age(day, BORN)} ans."),
            ("Anesthésie", "Anesthésie générale, antibioprophylaxie par céfoxitine 2 g à l'induction."),
            ("Description", "Open cœlioscopie ombilicale, deux trocarts de 5 mm en fosse iliaque gauche et en "
                            "sus-pubien. Appendice inflammatoire, non perforé, en position latéro-caecale. "
                            "Section du méso-appendice à la pince bipolaire, ligature de la base par deux endoloops, "
                            "section et extraction dans un sac. Lavage de la fosse iliaque droite. Exsufflation, "
                            "fermeture de l'aponévrose ombilicale au fil résorbable, surjets intradermiques."),
            ("Pièce", "Appendice adressé en anatomie pathologique."),
            ("Suites prévues", "Alimentation dès ce soir, lever précoce, sortie prévue à J2."))),
        Doc(_later(day, 3), "compte_rendu", "Compte rendu d'hospitalisation - chirurgie digestive", source=HOSPITAL,
            signer=SURGEON, body=(
            ("Séjour", f"Du {dmy(day)} au {dmy(_later(day, 3))}, service de chirurgie digestive, pavillon V."),
            ("Motif", "Douleur de la fosse iliaque droite fébrile."),
            ("Histoire", f"Patiente de {age(day, BORN)} ans, sans antécédent chirurgical, adressée par les "
                         "urgences pour une douleur péri-ombilicale migrant en fosse iliaque droite, nausées, "
                         "fièvre à 38,4 °C."),
            ("Prise en charge", "Appendicectomie par cœlioscopie le lendemain de l'admission, sans difficulté."),
            ("Évolution", "Apyrexie, reprise du transit à J1, douleurs contrôlées par antalgiques de palier 1. "
                          "Cicatrices propres."),
            ("Traitement de sortie", "Paracétamol 1 g jusqu'à 3 fois par jour pendant 5 jours. Soins infirmiers : "
                                     "réfection des pansements tous les 2 jours jusqu'à cicatrisation."),
            ("Suivi", "Arrêt de travail de 10 jours. Consultation chez le médecin traitant à 15 jours. Pas de sport "
                      "pendant 3 semaines. Résultat anatomopathologique transmis au médecin traitant."))),
        Doc(_later(day, 3), "ordonnance", "Ordonnance de sortie d'hospitalisation", source=HOSPITAL, signer=SURGEON,
            acts=(ACTS["pharmacie"],), body=(
            "Paracétamol 1 g : 1 comprimé jusqu'à 3 fois par jour si douleur, pendant 5 jours.",
            "Soins infirmiers à domicile : réfection des pansements des orifices de trocart tous les 2 jours, "
            "pendant 8 jours, dimanches et jours fériés compris.")),
        Doc(_later(day, 8), "biologie", "Examen anatomopathologique - pièce d'appendicectomie", source=HOSPITAL,
            signer="Dr Anne Perret\nAnatomie et cytologie pathologiques\nHospices Civils de Lyon", body=(
            ("Macroscopie", "Appendice de 7 cm de long et 1 cm de diamètre, séreuse congestive."),
            ("Microscopie", "Infiltrat inflammatoire à polynucléaires de toute l'épaisseur de la paroi, ulcérations "
                            "muqueuses. Absence de tumeur. Absence de perforation."),
            ("Conclusion", "Appendicite aiguë phlegmoneuse. Pas de lésion tumorale."))),
        Doc(_later(day, 11), "compte_rendu", "Compte rendu de soins infirmiers post-opératoires", by="garnier",
            acts=(ACTS["infirmier"],), body=(
            "Soins réalisés à domicile sur prescription de sortie d'hospitalisation.",
            ("Pansements", "Quatre passages. Orifices de trocart propres, secs, sans écoulement ni rougeur. Ablation "
                           "des pansements au dernier passage : cicatrisation acquise."),
            ("Transmission", "Patiente autonome, douleur cotée 1/10. Fin de prise en charge."))),
        Doc(_later(day, 16), "compte_rendu", "Consultation - contrôle après appendicectomie", by="bernard",
            acts=(ACTS["G"],), body=(
            ("Motif", "Contrôle à 15 jours d'une appendicectomie par cœlioscopie."),
            ("Examen", "Apyrétique, abdomen souple et indolore, cicatrices de bonne qualité."),
            ("Conclusion", "Suites simples. Anatomopathologie rassurante. Reprise du travail à la date prévue, "
                           "reprise de la course à pied dans une semaine."))),
    ]


def dtp_booster(day: date) -> list[Doc]:
    rows = [("BCG", "05/04/1984", "BCG SSI\nLot 1120-4\nExp 10/1984", "Dr Perrin"),
            ("DTCoq-Polio", "15/06/1984", "TETRACOQ\nLot 4512-B\nExp 12/1985", "Dr Perrin"),
            ("ROR", "20/04/1985", "ROR VAX\nLot K3301\nExp 03/1986", "Dr Perrin"),
            ("Hépatite B", "10/10/1996", "GENHEVAC B\nLot 77A21\nExp 06/1998", "Dr Roux"),
            ("DT-Polio", "14/05/2002", "REVAXIS\nLot R0234\nExp 02/2004", "Dr Roux"),
            ("dTcaPolio", dmy(day), f"REPEVAX\nLot M{day.year % 100}11-3\nExp {day.month:02d}/{day.year + 2}",
             "Dr Bernard")]
    return [
        Doc(day, "vaccination", "Rappel dTcaPolio (diphtérie, tétanos, coqueluche, poliomyélite)", by="bernard",
            acts=(ACTS["G"],), body=(
            ("Vaccin", f"Repevax, suspension injectable en seringue préremplie. Lot M{day.year % 100}11-3."),
            ("Administration", f"Injection intramusculaire dans le deltoïde gauche le {dmy(day)}."),
            ("Prochain rappel", "Rappel dTPolio à 45 ans, conformément au calendrier vaccinal."))),
        Doc(_later(day, 12), "vaccination", "Carnet de santé - pages vaccinations (photo)", source="Carnet de santé",
            picture=("jpeg", "vaccination_booklet", {"title": "VACCINATIONS", "rows": rows})),
    ]


def covid(day: date) -> list[Doc]:
    doses = [(day, "1re dose"), (_later(day, 35), "2e dose"), (_later(day, 215), "dose de rappel")]
    return [
        Doc(when, "vaccination", f"Vaccination COVID-19 - {label}", by="petit", body=(
            ("Vaccin", f"Comirnaty (Pfizer-BioNTech), 30 µg, lot FK{when.month:02d}{when.day:02d}{when.year % 10}."),
            ("Administration", f"Injection intramusculaire dans le deltoïde gauche le {dmy(when)}, en pharmacie. "
                               "Surveillance 15 minutes sans événement."),
            ("Schéma vaccinal", f"{label.capitalize()} ; " + ("schéma complet avec rappel." if "rappel" in label
                                                              else "schéma en cours."))))
        for when, label in doses
    ]


def private(day: date) -> list[Doc]:
    """Two documents the patient chose to hide from the professionals she grants access to."""
    return [
        Doc(day, "compte_rendu", "Consultation de psychiatrie", by="dubois", hidden=True, body=(
            ("Motif", "Adressée par son médecin traitant pour anxiété et troubles du sommeil dans un contexte "
                      "d'épuisement professionnel."),
            ("Entretien", "Anxiété anticipatoire, ruminations, réveils précoces depuis 4 mois. Pas d'idée suicidaire. "
                          "Bon étayage familial."),
            ("Conclusion", "Trouble anxieux réactionnel. Psychothérapie cognitive et comportementale proposée, pas de "
                           "traitement médicamenteux à ce stade. Revoir dans 6 semaines."))),
        Doc(_later(day, 200), "biologie", "Sérologies VIH, hépatites B et C, syphilis", source=LAB, hidden=True, body=(
            ("Résultats", [["Analyse", "Résultat", "Interprétation"],
                           ["Ac anti-VIH 1 et 2 et Ag p24", "Négatif", "Absence d'infection"],
                           ["Ag HBs / Ac anti-HBs", "Négatif / 142 UI/L", "Immunisée (vaccination)"],
                           ["Ac anti-VHC", "Négatif", "Absence d'infection"],
                           ["Syphilis (TPHA-VDRL)", "Négatif", "Absence d'infection"]], (70, 50, 54)),
            "Résultats confidentiels, communiqués à la patiente.")),
    ]


def history(today: date, rng: random.Random) -> list[Doc]:
    """Ten years of Camille Martin's dossier, ending today, in date order."""
    anemia = date(today.year - 7, 11, 6)  # the yearly blood test that finds low iron (annual_checkups)
    docs = [
        *wisdom_tooth(ago(today, years=9.4)),
        *dtp_booster(ago(today, years=8.6)),
        *appendicitis(ago(today, years=6.3)),
        *covid(ago(today, years=5.5)),
        *private(ago(today, years=4.2)),
        *palpitations(ago(today, years=2.1)),
        *knee_sprain(ago(today, years=0.8)),
        *annual_checkups(today, rng, anemia_year=anemia.year),
        *flu_shots(today),
        *contraception(today),
        Doc(_later(anemia, 10), "ordonnance", "Ordonnance - traitement martial", by="bernard",
            acts=(ACTS["G"], ACTS["pharmacie"]), body=(
            "Sulfate ferreux 80 mg (Tardyferon) : 1 comprimé le matin à jeun pendant 3 mois.",
            "Contrôle NFS et ferritine dans 3 mois.")),
        Doc(_later(anemia, 100), "biologie", "Contrôle NFS et ferritine", source=LAB, acts=(ACTS["bio"],), body=(
            ("Résultats", [["Analyse", "Résultat", "Unité", "Valeurs de référence"],
                           ["Hémoglobine", "12,9", "g/dL", "12,0 - 16,0"],
                           ["Volume globulaire moyen", "86", "fL", "80 - 100"],
                           ["Ferritine", "46", "µg/L", "15 - 150"]], (70, 30, 26, 48)),
            "Correction de l'anémie et de la carence martiale.")),
    ]
    for when, who, test in ((ago(today, years=9.1), "laurent", "cyto"), (ago(today, years=4.1), "roux", "hpv")):
        docs += screening(when, who, test)
    docs += syntheses(today, docs)
    docs += notes_and_certificates(today)
    docs += statements(today, docs)
    return sorted(docs, key=lambda d: d.day)


def screening(day: date, who: str, test: str) -> list[Doc]:
    """Cervical screening: a cytology smear before 30-ish, an HPV test afterwards."""
    midwife = who == "roux"
    result = (("Test HPV à haut risque", "Recherche d'ADN de papillomavirus à haut risque (PCR) : négative.",
               "Prochain dépistage par test HPV dans 5 ans.") if test == "hpv" else
              ("Examen cytologique cervico-utérin", "Frottis en milieu liquide, satisfaisant pour l'évaluation. "
               "Absence de lésion malpighienne intra-épithéliale ou de malignité (NIL/M).",
               "Prochain frottis dans 3 ans."))
    return [
        Doc(day, "compte_rendu", "Consultation de suivi gynécologique", by=who,
            acts=(ACTS["sf" if midwife else "gyneco"],), body=(
            ("Motif", "Suivi gynécologique annuel et dépistage du cancer du col de l'utérus."),
            ("Examen", "Examen des seins normal. Examen au spéculum : col d'aspect sain, prélèvement cervico-utérin "
                       "réalisé. Tension artérielle 116/70 mmHg."),
            ("Conduite", "Poursuite de la contraception orale. Résultat du prélèvement adressé à la patiente."))),
        Doc(_later(day, 8), "biologie", result[0], source=LAB, acts=(ACTS["bio"],), body=(
            ("Résultat", result[1]), ("Recommandation", result[2]))),
    ]
