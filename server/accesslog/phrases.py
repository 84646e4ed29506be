"""What each kind of access-log event says: its CSV label, and two whole sentences for the reader's language
(someone else's action, and the reader's own, "vous"), as catalogue texts (French msgids). journal.py fills them."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_


@dataclass(frozen=True)
class Phrase:
    label: str  # the CSV's "action" column (French, as the files of the log are)
    said: str  # the sentence of someone else's action: "%(subject)s a consulté %(dossier)s %(when)s%(right)s"
    yours: str  # the same, the reader's own action: "%(subject)s avez consulté …"
    says_right: bool = False  # the phrase already says through which right


# What an event's detail is made of, besides names and what people wrote: written in French, as the log is, and
# shown in the reader's language (details.stored). Each writer names its words from here.
WITH_PASSCODE, WITHOUT_PASSCODE = N_("avec code d'accès"), N_("sans code d'accès")  # a health link
VALID_UNTIL = N_("valable jusqu'au %(date)s")  # a health link: its date as date_fr writes it
# A single-use health link, when made, and at the one opening that spends it.
SINGLE_USE, SPENT = N_("à usage unique"), N_("à usage unique : il ne s'ouvre plus")
SAME_IDENTITY, OTHER_IDENTITY = N_("identité saisie identique à la vôtre"), N_("identité saisie différente")
IN_PERSON = N_("en présence du patient, avec son consentement")  # a dossier a professional opened
IN_PERSON_YOURS = N_("en votre présence, avec votre consentement")  # the same, as the patient reads it
EVERY_READ, FIRST_READS = N_("à chaque consultation"), N_("au premier accès et en urgence")  # what notifies
EMERGENCY_BLOCKED, EMERGENCY_KEPT = N_("accès d'urgence : bloqué"), N_("accès d'urgence : normal")  # its review
DETAIL_WORDS = (WITH_PASSCODE, WITHOUT_PASSCODE, SINGLE_USE, SPENT, SAME_IDENTITY, OTHER_IDENTITY, IN_PERSON,
                EVERY_READ, FIRST_READS, EMERGENCY_BLOCKED, EMERGENCY_KEPT)
# The insurer's lines: the detail says how many (older events wrote "ligne(s)"); details.stored says them again,
# in the reader's language, with the same two forms.
CARE_LINES = ("%(num)d ligne", "%(num)d lignes")
# A line of reimbursed care hidden or shown again: its label and its date of care as date_fr writes it (details.py
# says it again in the reader's language; caregivers/confidential.py finds the lines kept from a minor's parents by it).
CARE_LINE = N_("le soin «\u00a0%(label)s\u00a0» du %(date)s")
CARE_LINES_WAITING = ("%(num)d ligne reçue avant la création du dossier",
                      "%(num)d lignes reçues avant la création du dossier")


def in_french(forms: tuple[str, str], count: int) -> str:
    """A count as the log writes it, in French whatever the request's language: "1 ligne", "17 lignes"."""
    return (forms[0] if count <= 1 else forms[1]) % {"num": count}


VIA_SOFTWARE = "via le logiciel "  # an event's detail that starts so names the software that acted (server/fhir/)
# A corrected version's arrival (professionals/uploads.py): its event's detail starts with this line, which the
# sentence says (journal.sentence), so that the patient knows a result she had is corrected, not a new one.
NEW_VERSION = "nouvelle version, qui remplace la précédente"
# A document's addition kept from a minor's parents says so on a line of its detail (uploads.py, export/restore.py).
KEPT_LINE = "réservé au patient, sans ses représentants légaux"
# A grant that replaced the professional's current access (access/grants.py): its detail's last line, which the
# sentence says as a change, not a first access (a probe read a change of Léa's access as a new one).
ACCESS_CHANGED = "en remplacement de son accès précédent"
READS = ("read_timeline", "search", "read_document", "download", "read_care", "read_profile", "shl_fetch",
         "read_own_documents", "open_to_add")
RIGHTS_CHANGES = (
    "grant", "revoke", "block", "unblock", "medecin_traitant", "hide", "unhide", "keep_from_parents", "delete",
    "emergency_opt_out",
    "profile_hide", "profile_unhide", "profile_delete", "care_hide", "care_unhide",
    "emergency_opt_in", "close", "reopen", "share_code", "share_code_cancelled", "emergency_review", "caregiver_invited", "caregiver_added",
    "emergency_end", "caregiver_removed", "caregiver_made_reader", "caregiver_stepped_down", "parent_attached",
    "majority_ended", "majority_kept",
    "shl_created", "shl_revoked", "shl_blocked",
)

PHRASES: dict[str, Phrase] = {
    "read_timeline": Phrase("Consultation du dossier",
        N_("%(subject)s a consulté %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez consulté %(dossier)s %(when)s%(right)s")),
    # A professional whose access ended lists the documents they added (professionals/own_documents.py): not the dossier.
    "read_own_documents": Phrase("Consultation de ses propres documents",
        N_("%(subject)s a consulté la liste des documents ajoutés par ses soins à %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez consulté la liste des documents ajoutés par vos soins à %(dossier)s %(when)s%(right)s")),
    # A professional's form to add to a dossier shows who its patient is (name, birth date, INS: the right patient).
    "open_to_add": Phrase("Ouverture pour un ajout",
        N_("%(subject)s a ouvert %(dossier)s pour y ajouter un document ou une information %(when)s%(right)s"),
        N_("%(subject)s avez ouvert %(dossier)s pour y ajouter un document ou une information %(when)s%(right)s")),
    "search": Phrase("Recherche dans le dossier",
        N_("%(subject)s a fait une recherche dans %(dossier)s%(detail_paren)s %(when)s%(right)s"),
        N_("%(subject)s avez fait une recherche dans %(dossier)s%(detail_paren)s %(when)s%(right)s")),
    "read_document": Phrase("Consultation d'un document",
        N_("%(subject)s a consulté %(doc)s %(when)s%(right)s"),
        N_("%(subject)s avez consulté %(doc)s %(when)s%(right)s")),
    "download": Phrase("Téléchargement d'un document",
        N_("%(subject)s a téléchargé %(doc)s %(when)s%(right)s"),
        N_("%(subject)s avez téléchargé %(doc)s %(when)s%(right)s")),
    "export": Phrase("Export du dossier",
        N_("%(subject)s a téléchargé une copie complète de %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez téléchargé une copie complète de %(dossier)s %(when)s%(right)s")),
    "add_document": Phrase("Ajout d'un document",
        N_("%(subject)s a ajouté %(doc)s à %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez ajouté %(doc)s à %(dossier)s %(when)s%(right)s")),
    "read_profile": Phrase("Consultation du profil médical",
        N_("%(subject)s a consulté le profil médical de %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez consulté le profil médical de %(dossier)s %(when)s%(right)s")),
    "profile_add": Phrase("Ajout au profil médical",
        N_("%(subject)s a ajouté %(detail)s au profil médical de %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez ajouté %(detail)s au profil médical de %(dossier)s %(when)s%(right)s")),
    "profile_hide": Phrase("Information masquée",
        N_("%(subject)s a masqué %(detail)s du profil médical aux professionnels %(when)s%(right)s"),
        N_("%(subject)s avez masqué %(detail)s du profil médical aux professionnels %(when)s%(right)s")),
    "profile_unhide": Phrase("Information de nouveau visible",
        N_("%(subject)s a rendu %(detail)s du profil médical de nouveau visible aux professionnels "
           "%(when)s%(right)s"),
        N_("%(subject)s avez rendu %(detail)s du profil médical de nouveau visible aux professionnels "
           "%(when)s%(right)s")),
    "profile_end": Phrase("Traitement arrêté",
        N_("%(subject)s a noté l'arrêt du traitement %(detail)s %(when)s%(right)s"),
        N_("%(subject)s avez noté l'arrêt du traitement %(detail)s %(when)s%(right)s")),
    # A treatment's new dose (profile/dosing.py): its line stopped the day before, a new one from that day.
    "profile_dose": Phrase("Posologie changée",
        N_("%(subject)s a noté une nouvelle posologie du traitement %(detail)s %(when)s%(right)s"),
        N_("%(subject)s avez noté une nouvelle posologie du traitement %(detail)s %(when)s%(right)s")),
    # A pregnancy noted as over (profile/ending.py): a birth, or another end, which the log does not say.
    "profile_pregnancy_end": Phrase("Fin de grossesse notée",
        N_("%(subject)s a noté la fin de %(detail)s %(when)s%(right)s"),
        N_("%(subject)s avez noté la fin de %(detail)s %(when)s%(right)s")),
    # A condition's nature changed (profile/classing.py): the detail says it and its group, "(Maladies passées)".
    "profile_nature": Phrase("Antécédent reclassé",
        N_("%(subject)s a classé %(detail)s %(when)s%(right)s"),
        N_("%(subject)s avez classé %(detail)s %(when)s%(right)s")),
    "profile_delete": Phrase("Information supprimée",
        N_("%(subject)s a supprimé %(detail)s du profil médical %(when)s%(right)s"),
        N_("%(subject)s avez supprimé %(detail)s du profil médical %(when)s%(right)s")),
    # Its author, a professional, takes back what they declared in error (views/profile_changes.py).
    "profile_withdraw": Phrase("Information retirée par son auteur",
        N_("%(subject)s a retiré %(detail)s du profil médical %(when)s, comme une erreur de saisie%(right)s"),
        N_("%(subject)s avez retiré %(detail)s du profil médical %(when)s, comme une erreur de saisie%(right)s")),
    "withdraw_document": Phrase("Document retiré par son auteur",
        N_("%(subject)s a retiré %(when)s %(doc)s, déclaré erroné%(right)s"),
        N_("%(subject)s avez retiré %(when)s %(doc)s, déclaré erroné%(right)s")),
    "read_care": Phrase("Consultation de l'historique de soins",
        N_("%(subject)s a consulté l'historique de soins de %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez consulté l'historique de soins de %(dossier)s %(when)s%(right)s")),
    # The date in the detail is the care's (CARE_LINE): the time of the change comes after a comma.
    "care_hide": Phrase("Soin masqué",
        N_("%(subject)s a masqué aux professionnels %(detail)s, %(when)s%(right)s"),
        N_("%(subject)s avez masqué aux professionnels %(detail)s, %(when)s%(right)s")),
    "care_unhide": Phrase("Soin de nouveau visible",
        N_("%(subject)s a rendu de nouveau visible aux professionnels %(detail)s, %(when)s%(right)s"),
        N_("%(subject)s avez rendu de nouveau visible aux professionnels %(detail)s, %(when)s%(right)s")),
    "care_received": Phrase("Soins remboursés reçus",
        N_("%(subject)s a ajouté des soins remboursés à l'historique de soins de %(dossier)s "
           "%(when)s%(right)s%(detail_paren)s"),
        N_("%(subject)s avez ajouté des soins remboursés à l'historique de soins de %(dossier)s "
           "%(when)s%(right)s%(detail_paren)s")),
    # The insurer's corrections and cancellations (reimbursements/importer.py): how many lines, never which, since a
    # line cancelled may be another person's care, sent to this dossier by mistake.
    "care_corrected": Phrase("Soins remboursés corrigés",
        N_("%(subject)s a corrigé des soins remboursés de l'historique de soins de %(dossier)s "
           "%(when)s%(right)s%(detail_paren)s"),
        N_("%(subject)s avez corrigé des soins remboursés de l'historique de soins de %(dossier)s "
           "%(when)s%(right)s%(detail_paren)s")),
    "care_retracted": Phrase("Soins remboursés retirés",
        N_("%(subject)s a retiré des soins remboursés de l'historique de soins de %(dossier)s "
           "%(when)s%(right)s%(detail_paren)s"),
        N_("%(subject)s avez retiré des soins remboursés de l'historique de soins de %(dossier)s "
           "%(when)s%(right)s%(detail_paren)s")),
    "dossier_opened": Phrase("Création du dossier",
        N_("%(subject)s a créé %(dossier)s %(when)s%(right)s%(detail_comma)s"),
        N_("%(subject)s avez créé %(dossier)s %(when)s%(right)s%(detail_comma)s")),
    "emergency": Phrase("Accès d'urgence",
        N_("%(subject)s a ouvert %(dossier)s en accès d'urgence %(when)s%(right)s%(motif)s"),
        N_("%(subject)s avez ouvert %(dossier)s en accès d'urgence %(when)s%(right)s%(motif)s"), says_right=True),
    "emergency_review": Phrase("Examen d'un accès d'urgence",
        N_("%(subject)s a pris connaissance de l'accès d'urgence ouvert par %(who)s %(when)s%(right)s"),
        N_("%(subject)s avez pris connaissance de l'accès d'urgence ouvert par %(who)s %(when)s%(right)s")),
    "emergency_end": Phrase("Fin d'un accès d'urgence",
        N_("%(subject)s a mis fin à l'accès d'urgence de %(who)s %(when)s%(right)s"),
        N_("%(subject)s avez mis fin à l'accès d'urgence de %(who)s %(when)s%(right)s")),
    "grant": Phrase("Accès donné",
        N_("%(subject)s a donné accès à %(who)s %(when)s%(right)s%(scope)s"),
        N_("%(subject)s avez donné accès à %(who)s %(when)s%(right)s%(scope)s")),
    "revoke": Phrase("Accès retiré",
        N_("%(subject)s a retiré l'accès de %(who)s %(when)s%(right)s"),
        N_("%(subject)s avez retiré l'accès de %(who)s %(when)s%(right)s")),
    "block": Phrase("Professionnel bloqué",
        N_("%(subject)s a bloqué %(who)s %(when)s%(right)s%(after_emergency)s"),
        N_("%(subject)s avez bloqué %(who)s %(when)s%(right)s%(after_emergency)s")),
    "unblock": Phrase("Professionnel débloqué",
        N_("%(subject)s a débloqué %(who)s %(when)s%(right)s"),
        N_("%(subject)s avez débloqué %(who)s %(when)s%(right)s")),
    "medecin_traitant": Phrase("Médecin traitant déclaré",
        N_("%(subject)s a déclaré %(who)s comme médecin traitant %(when)s%(right)s"),
        N_("%(subject)s avez déclaré %(who)s comme médecin traitant %(when)s%(right)s")),
    "hide": Phrase("Document masqué",
        N_("%(subject)s a masqué %(doc)s aux professionnels %(when)s%(right)s"),
        N_("%(subject)s avez masqué %(doc)s aux professionnels %(when)s%(right)s")),
    "unhide": Phrase("Document de nouveau visible",
        N_("%(subject)s a rendu %(doc)s de nouveau visible aux professionnels %(when)s%(right)s"),
        N_("%(subject)s avez rendu %(doc)s de nouveau visible aux professionnels %(when)s%(right)s")),
    "keep_from_parents": Phrase("Document caché aux parents",
        N_("%(subject)s a caché %(doc)s aux parents %(when)s%(right)s"),
        N_("%(subject)s avez caché %(doc)s aux parents %(when)s%(right)s")),
    "delete": Phrase("Document supprimé",
        N_("%(subject)s a supprimé %(doc)s %(when)s%(right)s"),
        N_("%(subject)s avez supprimé %(doc)s %(when)s%(right)s")),
    "emergency_opt_out": Phrase("Accès d'urgence refusé",
        N_("%(subject)s a refusé l'accès d'urgence à %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez refusé l'accès d'urgence à %(dossier)s %(when)s%(right)s")),
    "emergency_opt_in": Phrase("Accès d'urgence autorisé",
        N_("%(subject)s a de nouveau autorisé l'accès d'urgence à %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez de nouveau autorisé l'accès d'urgence à %(dossier)s %(when)s%(right)s")),
    "close": Phrase("Dossier fermé",
        N_("%(subject)s a fermé %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez fermé %(dossier)s %(when)s%(right)s")),
    "reopen": Phrase("Dossier rouvert",
        N_("%(subject)s a rouvert %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez rouvert %(dossier)s %(when)s%(right)s")),
    "share_code": Phrase("Code de partage créé",
        N_("%(subject)s a créé un code de partage%(detail_paren)s %(when)s%(right)s"),
        N_("%(subject)s avez créé un code de partage%(detail_paren)s %(when)s%(right)s")),
    "share_code_cancelled": Phrase("Code de partage annulé",
        N_("%(subject)s a annulé un code de partage%(detail_paren)s %(when)s%(right)s"),
        N_("%(subject)s avez annulé un code de partage%(detail_paren)s %(when)s%(right)s")),
    "passkey_added": Phrase("Clé d'accès ajoutée",
        N_("%(subject)s a ajouté une clé d'accès%(detail_paren)s %(when)s%(right)s"),
        N_("%(subject)s avez ajouté une clé d'accès%(detail_paren)s %(when)s%(right)s")),
    "passkey_removed": Phrase("Clé d'accès supprimée",
        N_("%(subject)s a supprimé une clé d'accès%(detail_paren)s %(when)s%(right)s"),
        N_("%(subject)s avez supprimé une clé d'accès%(detail_paren)s %(when)s%(right)s")),
    "recovery_codes_replaced": Phrase("Nouveaux codes de secours",
        N_("%(subject)s a généré de nouveaux codes de secours %(when)s%(right)s (les anciens ne fonctionnent plus)"),
        N_("%(subject)s avez généré de nouveaux codes de secours %(when)s%(right)s (les anciens ne fonctionnent plus)")),
    # "J'ai perdu ma clé d'accès": a recovery code made a new passkey, and ended every other device's session.
    "recovery_code_used": Phrase("Connexion avec un code de secours",
        N_("%(subject)s a utilisé un code de secours pour se connecter %(when)s%(right)s ; ses autres appareils ont "
           "été déconnectés"),
        N_("%(subject)s avez utilisé un code de secours pour vous connecter %(when)s%(right)s ; vos autres appareils "
           "ont été déconnectés")),
    "other_devices_logged_out": Phrase("Autres appareils déconnectés",
        N_("%(subject)s a déconnecté ses autres appareils %(when)s%(right)s"),
        N_("%(subject)s avez déconnecté vos autres appareils %(when)s%(right)s")),
    # A relative who manages the dossier logged out every device of its patient (caregivers/patient_devices.py).
    "patient_devices_logged_out": Phrase("Appareils du patient déconnectés",
        N_("%(subject)s a déconnecté %(devices)s %(when)s%(right)s"),
        N_("%(subject)s avez déconnecté %(devices)s %(when)s%(right)s")),
    "passkeys_reset": Phrase("Autres clés d'accès supprimées",
        N_("%(subject)s a activé un nouveau code d'activation, ce qui a supprimé les autres clés d'accès "
           "%(when)s%(right)s%(detail_paren)s"),
        N_("%(subject)s avez activé un nouveau code d'activation, ce qui a supprimé les autres clés d'accès "
           "%(when)s%(right)s%(detail_paren)s")),
    "caregiver_invited": Phrase("Invitation d'un proche",
        N_("%(subject)s a invité un proche à suivre %(dossier)s %(when)s%(right)s%(detail_paren)s"),
        N_("%(subject)s avez invité un proche à suivre %(dossier)s %(when)s%(right)s%(detail_paren)s")),
    "caregiver_invitation_cancelled": Phrase("Invitation annulée",
        N_("%(subject)s a annulé une invitation d'un proche %(when)s%(right)s%(detail_paren)s"),
        N_("%(subject)s avez annulé une invitation d'un proche %(when)s%(right)s%(detail_paren)s")),
    "caregiver_added": Phrase("Proche ajouté",
        N_("%(subject)s a accepté l'invitation à suivre %(dossier)s %(when)s%(right)s%(detail_paren)s"),
        N_("%(subject)s avez accepté l'invitation à suivre %(dossier)s %(when)s%(right)s%(detail_paren)s")),
    "caregiver_removed": Phrase("Proche retiré",
        N_("%(subject)s a retiré l'accès de %(detail)s à %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez retiré l'accès de %(detail)s à %(dossier)s %(when)s%(right)s")),
    "caregiver_made_reader": Phrase("Proche en lecture seule",
        # "laissé à Camille Martin la lecture seule" read as if she had been left something: what changed is her level.
        N_("%(subject)s a passé %(detail)s en lecture seule sur %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez passé %(detail)s en lecture seule sur %(dossier)s %(when)s%(right)s")),
    "caregiver_stepped_down": Phrase("Proche parti",
        N_("%(subject)s a cessé de suivre %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez cessé de suivre %(dossier)s %(when)s%(right)s")),
    "parent_attached": Phrase("Parent rattaché",
        N_("%(subject)s a rattaché %(dossier)s à son compte, comme parent, %(when)s%(right)s"),
        N_("%(subject)s avez rattaché %(dossier)s à votre compte, comme parent, %(when)s%(right)s")),
    "majority_choice": Phrase("Choix pour les 18 ans",
        N_("%(subject)s a choisi ce que garde un parent à 18 ans %(when)s%(right)s%(detail_paren)s"),
        N_("%(subject)s avez choisi ce que garde un parent à 18 ans %(when)s%(right)s%(detail_paren)s")),
    "majority_ended": Phrase("Fin des droits d'un parent",
        N_("%(subject)s a mis fin, à 18 ans, à l'accès de parent de %(detail)s à %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez mis fin, à 18 ans, à l'accès de parent de %(detail)s à %(dossier)s "
           "%(when)s%(right)s")),
    "majority_kept": Phrase("Parent gardé comme proche",
        N_("%(subject)s a gardé, à 18 ans, %(detail)s comme proche de %(dossier)s %(when)s%(right)s"),
        N_("%(subject)s avez gardé, à 18 ans, %(detail)s comme proche de %(dossier)s %(when)s%(right)s")),
    "hidden_from_representatives": Phrase("Document réservé au patient",
        N_("%(subject)s a réservé %(doc)s au patient, sans ses représentants légaux %(when)s%(right)s"),
        N_("%(subject)s avez réservé %(doc)s au patient, sans ses représentants légaux %(when)s%(right)s")),
    "dossier_open_refused": Phrase("Tentative d'ouverture d'un second dossier",
        N_("%(subject)s a tenté, %(when)s, d'ouvrir un nouveau dossier alors que %(dossier)s existe déjà"
           "%(right)s%(detail_paren)s"),
        N_("%(subject)s avez tenté, %(when)s, d'ouvrir un nouveau dossier alors que %(dossier)s existe déjà"
           "%(right)s%(detail_paren)s")),
    "notify_every_access": Phrase("Notifications modifiées",
        N_("%(subject)s a modifié les notifications de %(dossier)s %(when)s%(right)s%(detail_paren)s"),
        N_("%(subject)s avez modifié les notifications de %(dossier)s %(when)s%(right)s%(detail_paren)s")),
    # SMART Health Links (server/shlinks/): who opened one is the name they declared (DECLARED_NAME says so).
    "shl_created": Phrase("Lien de partage créé",
        N_("%(subject)s a créé le lien de partage %(detail)s %(when)s%(right)s"),
        N_("%(subject)s avez créé le lien de partage %(detail)s %(when)s%(right)s")),
    # "Désactivé", as the page's button says it: "révoquer" is no word a patient uses.
    "shl_revoked": Phrase("Lien de partage désactivé",
        N_("%(subject)s a désactivé le lien de partage %(detail)s %(when)s%(right)s"),
        N_("%(subject)s avez désactivé le lien de partage %(detail)s %(when)s%(right)s")),
    "shl_fetch": Phrase("Lien de partage ouvert",
        N_("%(subject)s a ouvert le lien de partage %(detail)s %(when)s%(right)s"),
        N_("%(subject)s avez ouvert le lien de partage %(detail)s %(when)s%(right)s")),
    # Blocked by Carnet itself (manifest.py), when the wrong passcodes reach links.ATTEMPTS: no subject to name.
    "shl_blocked": Phrase("Lien de partage bloqué",
        N_("Le lien de partage %(detail)s a été bloqué %(when)s, après trop de codes d'accès faux%(right)s"),
        N_("Le lien de partage %(detail)s a été bloqué %(when)s, après trop de codes d'accès faux%(right)s")),
}
# Who opened a health link, as its sentence names them: the name they gave, which nobody checked. Events written
# before the name was kept alone hold this suffix in French in their (hashed, so unchanged) actor_name: journal.py
# takes it off before saying it in the reader's language.
DECLARED_NAME = N_("%(name)s (nom déclaré par le destinataire)")
DECLARED_SUFFIX = " (nom déclaré par le destinataire)"
# A professional's "grant" is a share code they redeemed; "aucun" médecin traitant is one removed.
REDEEMED = Phrase("Code de partage utilisé",
    N_("%(subject)s a utilisé %(code)s %(when)s%(right)s%(access)s"),
    N_("%(subject)s avez utilisé %(code)s %(when)s%(right)s%(access)s"), says_right=True)
CHANGED_GRANT = Phrase("Accès changé",
    N_("%(subject)s a changé l'accès de %(who)s %(when)s%(right)s%(scope)s"),
    N_("%(subject)s avez changé l'accès de %(who)s %(when)s%(right)s%(scope)s"))
NO_MEDECIN_TRAITANT = Phrase("Médecin traitant retiré",
    N_("%(subject)s a retiré %(mt)s %(when)s%(right)s"),
    N_("%(subject)s avez retiré %(mt)s %(when)s%(right)s"))
GENERIC = Phrase("",
    N_("%(subject)s a effectué l'opération %(action)s sur %(dossier)s%(about_doc)s "
       "%(when)s%(right)s%(detail_paren)s"),
    N_("%(subject)s avez effectué l'opération %(action)s sur %(dossier)s%(about_doc)s "
       "%(when)s%(right)s%(detail_paren)s"))
