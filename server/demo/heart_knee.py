"""Two recent episodes of the demo dossier: palpitations (a cardiologist, an ECG, a Holter) and a sprained knee."""

from __future__ import annotations

from datetime import date, timedelta

from .catalogue import ACTS, BORN, LAB, Doc, age, dmy, fr_date

ECG_HEAD = "MARTIN Camille   F   12/03/1984   Cabinet de cardiologie Gratte-Ciel, Villeurbanne"


def _later(day: date, days: int) -> date:
    return day + timedelta(days=days)


def palpitations(day: date) -> list[Doc]:
    cardio, holter, results = _later(day, 24), _later(day, 38), _later(day, 52)
    follow_up = _later(day, 400)
    journal = "\n".join([
        "Journal de mes palpitations",
        "",
        f"{dmy(_later(day, -20))} - 22 h, sur le canapé : 3 ou 4 « ratés », comme un coup dans la poitrine. 1 minute.",
        f"{dmy(_later(day, -14))} - après le café du midi : sensation de cœur qui s'arrête puis repart. Quelques secondes.",
        f"{dmy(_later(day, -9))} - au coucher, plusieurs fois. Pas de douleur, pas de malaise.",
        f"{dmy(_later(day, -3))} - pendant un footing tranquille : rien. Le soir : 2 épisodes.",
        "",
        "À dire au médecin : je bois 4 cafés par jour en ce moment, je dors mal (période de bulletins scolaires).",
    ])
    questions = "\n".join([
        "Questions pour le Dr Moreau (cardiologue)",
        "",
        "- Est-ce que ces « ratés » sont dangereux ?",
        "- Est-ce que je peux continuer à courir, et préparer le semi-marathon d'octobre ?",
        "- Faut-il arrêter complètement le café ?",
        "- Est-ce que ma pilule peut jouer ?",
        "- Qu'est-ce qu'un Holter, et est-ce que je peux me doucher avec ?",
    ])
    return [
        Doc(_later(day, -2), "note_patient", "Journal de mes palpitations", text=journal),
        Doc(day, "compte_rendu", "Consultation - palpitations", by="bernard", acts=(ACTS["G"],), body=(
            ("Motif", "Palpitations à type de « ratés » depuis 3 semaines, surtout le soir au repos."),
            ("Examen", "TA 118/72 mmHg, pouls 76/min régulier pendant l'examen. Auscultation cardiaque normale, "
                       "pas de souffle. Pas de signe d'hyperthyroïdie."),
            ("Conduite", "Bilan biologique (TSH, ionogramme, NFS, ferritine, magnésium). Réduction du café. "
                         "Avis cardiologique auprès du Dr Moreau avec ECG et Holter si besoin."))),
        Doc(_later(day, 3), "biologie", "TSH, ionogramme, NFS, ferritine, magnésium", source=LAB,
            acts=(ACTS["bio"],), body=(
            ("Résultats", [["Analyse", "Résultat", "Unité", "Valeurs de référence"],
                           ["TSH ultrasensible", "1,84", "mUI/L", "0,27 - 4,20"],
                           ["Potassium", "4,1", "mmol/L", "3,5 - 5,0"],
                           ["Sodium", "139", "mmol/L", "135 - 145"],
                           ["Magnésium", "0,84", "mmol/L", "0,70 - 1,05"],
                           ["Hémoglobine", "13,2", "g/dL", "12,0 - 16,0"],
                           ["Ferritine", "58", "µg/L", "15 - 150"]], (70, 30, 26, 48)),
            "Bilan sans anomalie.")),
        Doc(_later(day, 20), "note_patient", "Questions pour le cardiologue", text=questions),
        Doc(cardio, "compte_rendu", "Compte rendu de consultation de cardiologie", by="moreau",
            acts=(ACTS["cardio"],), body=(
            "Chère consœur, merci de m'avoir adressé Mme Camille Martin pour des palpitations.",
            ("Antécédents", "Appendicectomie. Pas de facteur de risque cardiovasculaire. Sportive (course à pied). "
                            "Pas d'antécédent familial de mort subite."),
            ("Histoire", "Palpitations brèves, à type d'extrasystoles, le soir au repos et après le café, sans "
                         "malaise ni syncope, absentes à l'effort."),
            ("Examen", "TA 120/74 mmHg, FC 78/min. Auscultation normale. Pas d'oedème."),
            ("ECG", "Rythme sinusal à 78/min, PR 152 ms, QRS fins, QTc 412 ms. Une extrasystole ventriculaire "
                    "isolée, monomorphe, à retard gauche, d'aspect infundibulaire."),
            ("Conclusion", "Extrasystolie ventriculaire probablement bénigne. Holter ECG des 24 heures et "
                           "échocardiographie pour éliminer une cardiopathie sous-jacente. Réduction des excitants."))),
        Doc(cardio, "compte_rendu", "Électrocardiogramme 12 dérivations", by="moreau",
            picture=("png", "ecg", {"header": [ECG_HEAD, "FC 78 bpm   PR 152 ms   QRS 88 ms   QT/QTc 372/412 ms"
                                               "   Axe 55°   ESV isolée"]})),
        Doc(cardio, "ordonnance", "Ordonnance - Holter ECG et échocardiographie", by="moreau", body=(
            "Holter ECG des 24 heures (enregistrement ambulatoire), avec tenue d'un carnet d'activités et de symptômes.",
            "Échocardiographie transthoracique.",
            "Motif : extrasystoles ventriculaires symptomatiques.")),
        Doc(holter, "compte_rendu", "Compte rendu de Holter ECG des 24 heures", by="moreau", acts=(ACTS["holter"],),
            body=(
            ("Enregistrement", f"Du {dmy(holter)} 9 h au lendemain 9 h, 23 h 52 analysables."),
            ("Rythme", "Rythme sinusal permanent. FC moyenne 76/min, minimale 52/min (nuit), maximale 148/min "
                       "(montée d'escaliers à vélo). Pas de pause supérieure à 2 secondes."),
            ("Extrasystoles", "1 240 extrasystoles ventriculaires (1,2 % des complexes), monomorphes, isolées, "
                              "prédominant en soirée. Pas de doublet, pas de salve. Rares extrasystoles "
                              "supraventriculaires isolées."),
            ("Corrélation", "Les 4 symptômes notés dans le carnet correspondent à des extrasystoles ventriculaires."),
            ("Conclusion", "Extrasystolie ventriculaire monomorphe de faible charge, sans trouble du rythme grave."))),
        Doc(holter, "imagerie", "Échocardiographie transthoracique", by="moreau", acts=(ACTS["ett"],), body=(
            ("Résultats", [["Mesure", "Valeur", "Normale"],
                           ["Fraction d'éjection du VG (Simpson)", "64 %", "> 52 %"],
                           ["Diamètre télédiastolique du VG", "46 mm", "< 53 mm"],
                           ["Oreillette gauche (volume indexé)", "26 mL/m²", "< 34 mL/m²"],
                           ["TAPSE", "24 mm", "> 17 mm"],
                           ["PAPS estimée", "24 mmHg", "< 35 mmHg"]], (84, 40, 50)),
            ("Valves", "Valves fines, pas de valvulopathie. Pas de prolapsus mitral."),
            ("Conclusion", "Cœur morphologiquement et fonctionnellement normal."))),
        Doc(results, "compte_rendu", "Consultation de cardiologie - résultats des examens", by="moreau",
            acts=(ACTS["cardio"],), body=(
            ("Synthèse", "Holter : extrasystolie ventriculaire monomorphe, 1,2 % des complexes. Échocardiographie "
                         "normale. Bilan biologique normal."),
            ("Conclusion", "Extrasystoles ventriculaires bénignes sur cœur sain. Aucun traitement nécessaire. "
                           "Limiter café et boissons énergisantes, privilégier le sommeil. Pas de contre-indication "
                           "à la course à pied ni à la compétition."),
            ("Suivi", "Consultation de contrôle dans un an avec ECG, plus tôt en cas de malaise ou de syncope."))),
        Doc(follow_up, "compte_rendu", "Consultation de cardiologie - suivi à un an", by="moreau",
            acts=(ACTS["cardio"],), body=(
            ("Évolution", "Nette diminution des palpitations depuis la réduction du café. Semi-marathon couru "
                          "sans symptôme."),
            ("ECG", "Rythme sinusal à 64/min, pas d'extrasystole sur le tracé, QTc 405 ms."),
            ("Conclusion", "Évolution favorable. Fin du suivi cardiologique systématique ; à revoir si récidive."))),
        Doc(follow_up, "compte_rendu", "Électrocardiogramme de contrôle", by="moreau",
            picture=("png", "ecg", {"header": [ECG_HEAD, "FC 64 bpm   PR 148 ms   QRS 86 ms   QT/QTc 392/405 ms"
                                               "   Axe 52°"], "heart_rate": 64, "extrasystole": False})),
    ]


def knee_sprain(day: date) -> list[Doc]:
    """A skiing fall: X-ray, MRI, physiotherapy with Léa Fontaine, then back to running."""
    irm, rehab, done = _later(day, 12), _later(day, 20), _later(day, 88)
    corners = {"tl": ["MARTIN^CAMILLE", "F  12/03/1984"], "bl": ["kV 60  mAs 4,0"], "br": ["W 2048  L 1024"]}
    exercises = "\n".join([
        "Exercices de kiné à faire chaque jour (Léa Fontaine)",
        "",
        "1. Contractions du quadriceps jambe tendue : 10 x 10 secondes, matin et soir.",
        "2. Flexion du genou assise au bord du lit : 3 x 15.",
        "3. Équilibre sur la jambe droite, yeux ouverts puis fermés : 5 x 30 secondes.",
        "4. Vélo d'appartement sans résistance : 15 minutes.",
        "",
        "Glace 15 minutes après les exercices. Pas de course avant le feu vert de Léa !",
    ])
    return [
        Doc(day, "imagerie", "Radiographie du genou droit - images", by="girard",
            picture=("png", "xray_knee", {"corners": {**corners, "tr": ["IMAGERIE BELLECOUR", "GENOU D FACE",
                                                                        f"{dmy(day)} 17:12"]}})),
        Doc(day, "imagerie", "Compte rendu - radiographie du genou droit", by="girard", acts=(ACTS["radio"],), body=(
            ("Indication", "Traumatisme du genou droit en torsion lors d'une chute à ski."),
            ("Technique", "Genou droit face, profil et incidence fémoro-patellaire à 30°."),
            ("Résultat", "Pas de fracture, pas d'arrachement osseux (pas de fracture de Segond). Épanchement "
                         "intra-articulaire modéré. Interligne fémoro-tibial conservé."),
            ("Conclusion", "Pas de lésion osseuse. Une IRM est à discuter en fonction de l'examen clinique."))),
        Doc(_later(day, 2), "compte_rendu", "Consultation - entorse du genou droit", by="bernard",
            acts=(ACTS["G"],), body=(
            ("Motif", "Chute à ski il y a 2 jours, genou droit en valgus et rotation externe, craquement ressenti."),
            ("Examen", "Genou gonflé, douleur sur le trajet du ligament collatéral médial, laxité en valgus à 30° "
                       "de flexion. Lachman avec arrêt dur. Pas de blocage."),
            ("Conclusion", "Entorse du ligament collatéral médial probable. Attelle articulée, glace, antalgiques. "
                           "IRM du genou droit pour préciser les lésions ligamentaires et méniscales."))),
        Doc(_later(day, 2), "ordonnance", "Ordonnance - attelle, antalgiques et IRM", by="bernard",
            acts=(ACTS["pharmacie"],), body=(
            "Attelle articulée de genou, réglable en flexion, taille M : 1 (achat).",
            "Paracétamol 1 g : 1 comprimé jusqu'à 3 fois par jour si douleur, pendant 10 jours.",
            "IRM du genou droit : recherche de lésion ligamentaire (LCA, LCM) et méniscale après entorse.")),
        Doc(irm, "imagerie", "IRM du genou droit - images", by="girard",
            picture=("jpeg", "mri_knee", {"corners": {
                "tl": corners["tl"], "tr": ["IMAGERIE BELLECOUR", "SAG T1 TSE  EP 3 mm", f"{dmy(irm)} 08:31"],
                "bl": ["1,5 T  TR 550  TE 12"], "br": ["FOV 160 mm  Im 12/24"]}})),
        Doc(irm, "imagerie", "Compte rendu - IRM du genou droit", by="girard", acts=(ACTS["irm"],), body=(
            ("Technique", "IRM 1,5 T. Séquences sagittales T1 et DP FS, coronales et axiales DP FS."),
            ("Résultats", "Lésion du ligament collatéral médial de grade 2, en regard de son insertion fémorale, avec "
                          "oedème péri-ligamentaire. Ligament croisé antérieur continu, d'épaisseur et de signal "
                          "normaux. Ligament croisé postérieur normal. Ménisques sans fissure. Contusion osseuse du "
                          "condyle fémoral latéral. Épanchement articulaire modéré. Cartilages normaux."),
            ("Conclusion", "Entorse de gravité moyenne du LCM (grade 2). Pas de lésion du pivot central ni méniscale."))),
        Doc(_later(day, 15), "ordonnance", "Ordonnance de masso-kinésithérapie", by="bernard", body=(
            "15 séances de rééducation du genou droit au cabinet, 2 à 3 fois par semaine.",
            "Bilan diagnostic kinésithérapique. Entorse du LCM de grade 2 (IRM du " + dmy(irm) + ").",
            "Renforcement musculaire, proprioception, reprise progressive de la course à pied.")),
        Doc(rehab, "compte_rendu", "Bilan diagnostic kinésithérapique initial - genou droit", by="fontaine", body=(
            ("Anamnèse", f"Entorse du LCM droit (grade 2) le {fr_date(day)} au ski. Attelle articulée portée 3 "
                         f"semaines. Patiente de {age(day, BORN)} ans, coureuse à pied (3 sorties par semaine)."),
            ("Examen", "Douleur EVA 4/10 à la marche prolongée. Épanchement minime. Flexion 105°, extension -5°. "
                       "Amyotrophie du quadriceps : -2 cm à 10 cm au-dessus de la rotule. Appui monopodal instable."),
            ("Objectifs", "Récupérer les amplitudes complètes, renforcer quadriceps et ischio-jambiers, travailler "
                          "la proprioception, reprendre la course à 10 semaines."),
            ("Plan", "15 séances : cryothérapie, mobilisations, renforcement en chaîne fermée, proprioception, "
                     "programme d'exercices à domicile."))),
        Doc(_later(rehab, 4), "note_patient", "Exercices de kiné à faire à la maison", text=exercises),
        Doc(done, "compte_rendu", "Bilan kinésithérapique de fin de prise en charge", by="fontaine",
            acts=(ACTS["kine"],), body=(
            ("Séances", "15 séances réalisées, bonne assiduité et exercices faits à domicile."),
            ("Bilan", "Indolence (EVA 0/10). Flexion 140°, extension complète. Périmètres symétriques. Appui "
                      "monopodal stable yeux fermés. Test de saut unipodal : 92 % du côté sain."),
            ("Conclusion", "Objectifs atteints. Reprise progressive de la course à pied sur terrain plat, pas de "
                           "ski ni de sport pivot avant 3 mois. Fin de prise en charge."))),
        Doc(_later(done, 6), "certificat", "Certificat de reprise de la course à pied", by="bernard", body=(
            f"Je soussignée, Dr Claire Bernard, certifie avoir examiné ce jour Mme Camille Martin, née le "
            f"12/03/1984, et n'avoir pas constaté de contre-indication à la reprise progressive de la course à pied, "
            f"y compris en compétition à partir du {dmy(_later(done, 60))}.",
            "Certificat établi à la demande de l'intéressée et remis en main propre pour servir et valoir ce que "
            "de droit.")),
    ]
