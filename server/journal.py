"""The access log as the patient reads it: plain French sentences, days, filters, what is new.

The sentences are pure functions of an event (its snapshot fields: the name, profession and
RPPS as they were at the time) and of who reads them; log_queries.py feeds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .models import AccessEvent
from .templating import PARIS, date_fr, time_fr

WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


@dataclass(frozen=True)
class Viewer:
    """Who reads the log: the sentences say "vous" to them."""

    account_id: str | None
    is_patient: bool  # False: a caregiver reading a relative's dossier

    def is_actor(self, event: AccessEvent) -> bool:
        """The viewer's own action (the patient's, for the patient: one account per patient)."""
        if event.actor_account_id is not None and event.actor_account_id == self.account_id:
            return True
        return self.is_patient and event.actor_kind == "patient"


@dataclass(frozen=True)
class EventContext:
    """What the event alone does not say, found in rows that never change once written."""

    share_code_on: date | None = None  # the read went through a grant made from a share code, that day
    emergency_reason: str = ""  # the read went through an emergency access, opened for this reason


NO_CONTEXT = EventContext()


@dataclass(frozen=True)
class Phrase:
    label: str  # the CSV's "action" column
    done: str  # what follows "a" / "avez", before the time
    after: str = ""  # what follows the time
    says_right: bool = False  # the phrase already says through which right


VIA_SOFTWARE = "via le logiciel "  # an event's detail that starts so names the software that acted (server/fhir/)
READS = ("read_timeline", "search", "read_document", "download", "read_care", "read_profile", "shl_fetch")
RIGHTS_CHANGES = (
    "grant", "revoke", "block", "unblock", "medecin_traitant", "hide", "unhide", "delete", "emergency_opt_out",
    "profile_hide", "profile_unhide", "profile_delete",
    "emergency_opt_in", "close", "reopen", "share_code", "emergency_review", "caregiver_invited", "caregiver_added",
    "caregiver_removed", "caregiver_stepped_down", "parent_attached", "majority_ended", "majority_kept",
    "shl_created", "shl_revoked",
)

PHRASES: dict[str, Phrase] = {
    "read_timeline": Phrase("Consultation du dossier", "consulté {dossier}"),
    "search": Phrase("Recherche dans le dossier", "fait une recherche dans {dossier}{detail_paren}"),
    "read_document": Phrase("Consultation d'un document", "consulté {doc}"),
    "download": Phrase("Téléchargement d'un document", "téléchargé {doc}"),
    "export": Phrase("Export du dossier", "téléchargé une copie complète de {dossier}"),
    "add_document": Phrase("Ajout d'un document", "ajouté {doc} à {dossier}"),
    "read_profile": Phrase("Consultation du profil médical", "consulté le profil médical de {dossier}"),
    "profile_add": Phrase("Ajout au profil médical", "ajouté {detail} au profil médical de {dossier}"),
    "profile_hide": Phrase("Information masquée", "masqué {detail} du profil médical aux professionnels"),
    "profile_unhide": Phrase("Information de nouveau visible",
                             "rendu {detail} du profil médical de nouveau visible aux professionnels"),
    "profile_delete": Phrase("Information supprimée", "supprimé {detail} du profil médical"),
    "withdraw_document": Phrase("Document retiré par son auteur", "retiré {doc}, déclaré erroné"),
    "read_care": Phrase("Consultation de l'historique de soins", "consulté l'historique de soins de {dossier}"),
    "care_received": Phrase("Soins remboursés reçus", "ajouté des soins remboursés à l'historique de soins de {dossier}",
                            "{detail_paren}"),
    "dossier_opened": Phrase("Création du dossier", "créé {dossier}", "{detail_comma}"),
    "emergency": Phrase("Accès d'urgence", "ouvert {dossier} en accès d'urgence", "{motif}", says_right=True),
    "emergency_review": Phrase("Examen d'un accès d'urgence", "pris connaissance de l'accès d'urgence ouvert par {who}"),
    "grant": Phrase("Accès donné", "donné accès à {who}", "{scope}"),
    "revoke": Phrase("Accès retiré", "retiré son accès à {who}"),
    "block": Phrase("Professionnel bloqué", "bloqué {who}", "{after_emergency}"),
    "unblock": Phrase("Professionnel débloqué", "débloqué {who}"),
    "medecin_traitant": Phrase("Médecin traitant déclaré", "déclaré {who} comme médecin traitant"),
    "hide": Phrase("Document masqué", "masqué {doc} aux professionnels"),
    "unhide": Phrase("Document de nouveau visible", "rendu {doc} de nouveau visible aux professionnels"),
    "delete": Phrase("Document supprimé", "supprimé {doc}"),
    "emergency_opt_out": Phrase("Accès d'urgence refusé", "refusé l'accès d'urgence à {dossier}"),
    "emergency_opt_in": Phrase("Accès d'urgence autorisé", "de nouveau autorisé l'accès d'urgence à {dossier}"),
    "close": Phrase("Dossier fermé", "fermé {dossier}"),
    "reopen": Phrase("Dossier rouvert", "rouvert {dossier}"),
    "share_code": Phrase("Code de partage créé", "créé un code de partage{detail_paren}"),
    "passkey_added": Phrase("Clé d'accès ajoutée", "ajouté une clé d'accès{detail_paren}"),
    "passkey_removed": Phrase("Clé d'accès supprimée", "supprimé une clé d'accès{detail_paren}"),
    "passkeys_reset": Phrase("Autres clés d'accès supprimées", "activé un nouveau code d'activation, ce qui a supprimé "
                             "les autres clés d'accès", "{detail_paren}"),
    "caregiver_invited": Phrase("Invitation d'un proche", "invité un proche à aider avec {dossier}", "{detail_paren}"),
    "caregiver_invitation_cancelled": Phrase("Invitation annulée", "annulé une invitation d'un proche", "{detail_paren}"),
    "caregiver_added": Phrase("Proche ajouté", "accepté l'invitation à aider avec {dossier}", "{detail_paren}"),
    "caregiver_removed": Phrase("Proche retiré", "retiré l'accès de {detail} à {dossier}"),
    "caregiver_stepped_down": Phrase("Proche parti", "cessé d'aider avec {dossier}"),
    "parent_attached": Phrase("Parent rattaché", "rattaché {dossier} à son compte, comme parent"),
    "majority_choice": Phrase("Choix pour les 18 ans", "choisi ce que garde un parent à 18 ans", "{detail_paren}"),
    "majority_ended": Phrase("Fin des droits d'un parent", "mis fin, à 18 ans, à l'accès de parent de {detail} à {dossier}"),
    "majority_kept": Phrase("Parent gardé comme proche", "gardé, à 18 ans, {detail} comme proche de {dossier}"),
    "hidden_from_representatives": Phrase("Document réservé au patient",
                                          "réservé {doc} au patient, sans ses représentants légaux"),
    "dossier_open_refused": Phrase("Tentative d'ouverture d'un second dossier",
                                   "tenté d'ouvrir un nouveau dossier alors que {dossier} existe déjà", "{detail_paren}"),
    "notify_every_access": Phrase("Notifications modifiées", "modifié les notifications de {dossier}", "{detail_paren}"),
    # SMART Health Links (server/shlinks/): who opened one is the name they declared, said so in the actor's name.
    "shl_created": Phrase("Lien de partage créé", "créé le lien de partage {detail}"),
    "shl_revoked": Phrase("Lien de partage révoqué", "révoqué le lien de partage {detail}"),
    "shl_fetch": Phrase("Lien de partage ouvert", "ouvert le lien de partage {detail}"),
}
# A professional's "grant" is a share code they redeemed; "aucun" médecin traitant is one removed.
REDEEMED = Phrase("Code de partage utilisé", "utilisé {code}", "{access}", says_right=True)
NO_MEDECIN_TRAITANT = Phrase("Médecin traitant retiré", "retiré {mt}")
GENERIC = Phrase("", "effectué l'opération «\u00a0{action}\u00a0» sur {dossier}{about_doc}", "{detail_paren}")

RIGHT_LABELS = {
    "grant": "accès donné par le patient",
    "share_code": "code de partage",
    "medecin_traitant": "médecin traitant",
    "emergency": "accès d'urgence",
    "author": "auteur du document",
    "patient": "patient",
    "caregiver": "aidant",
    "shl": "lien de partage",
}

WHO = re.compile(r"^(?P<name>.+?) \((?P<profession>[^()]*)\)(?P<rest>.*)$")


def phrase_for(event: AccessEvent) -> Phrase:
    if event.action == "grant" and event.actor_kind == "professional":
        return REDEEMED
    if event.action == "medecin_traitant" and event.detail in ("", "aucun"):
        return NO_MEDECIN_TRAITANT
    return PHRASES.get(event.action, GENERIC)


def action_label(event: AccessEvent) -> str:
    return phrase_for(event).label or event.action


def day_fr(day: date, *, today: date | None) -> str:
    """ "3 mars", with the year only when it is not this year's."""
    label = date_fr(day)
    return label.rsplit(" ", 1)[0] if today is not None and day.year == today.year else label


def when_fr(at: datetime, *, today: date | None, with_date: bool = True) -> str:
    local = at.astimezone(PARIS)
    time = time_fr(local)  # never broken across lines
    return f"le {day_fr(local.date(), today=today)} à {time}" if with_date else f"à {time}"


def day_label(day: date, *, today: date) -> str:
    if day == today:
        return "Aujourd'hui"
    if day == today - timedelta(days=1):
        return "Hier"
    return f"{WEEKDAYS[day.weekday()]} {date_fr(day)}"


def subject_of(event: AccessEvent, viewer: Viewer) -> tuple[str, bool]:
    """Who did it, and whether that is "vous"."""
    if viewer.is_actor(event):
        if event.on_behalf_of and not viewer.is_patient:
            return f"Pour le compte de {event.on_behalf_of}, vous", True
        return "Vous", True
    parts = [event.actor_name or "Une personne inconnue"]
    if event.actor_profession:
        parts.append(event.actor_profession)
    if event.on_behalf_of:
        parts.append(f"pour le compte de {event.on_behalf_of}")
    return (", ".join(parts) + ",") if len(parts) > 1 else parts[0], False


def _fields(event: AccessEvent, viewer: Viewer) -> dict[str, str]:
    detail = event.detail.strip().rstrip(".")
    mine = viewer.is_patient
    match = WHO.match(detail)
    if match:  # "Julie Moreau (masseur-kinésithérapeute)…", as rights.py writes who a change was about
        who, rest = f"{match['name']}, {match['profession']},", match["rest"]
    else:
        who, rest = detail or "un professionnel", ""
    scope = rest.removeprefix(" : ").strip() if rest.startswith(" : ") else ""
    doc = f"«\u00a0{event.document_title}\u00a0»" if event.document_title else "un document"
    return {
        "dossier": "votre dossier" if mine else "le dossier",
        "doc": doc,
        "about_doc": f", concernant {doc}," if event.document_title else "",
        "who": who,
        "scope": f" : {scope}" if scope else "",
        "after_emergency": ", après son accès d'urgence" if "accès d'urgence" in rest else "",
        "detail": detail or "un proche",
        "detail_paren": f" ({detail})" if detail else "",
        "detail_comma": f", {detail}" if detail else "",
        "motif": f" (motif : {detail})" if detail else "",
        "code": "votre code de partage" if mine else "un code de partage",
        "access": f" : accès à {detail}" if detail else "",
        "mt": "votre médecin traitant" if mine else "le médecin traitant",
        "action": event.action,
    }


def right_clause(event: AccessEvent, *, viewer: Viewer, context: EventContext, today: date | None) -> str:
    """Through which right a professional acted, as a clause after the time."""
    right = event.right
    if right in ("grant", "share_code"):
        if context.share_code_on is not None:
            return f", grâce au code de partage du {day_fr(context.share_code_on, today=today)}"
        if right == "share_code":
            return ", grâce au code de partage"
        return ", grâce à l'accès que vous lui avez donné" if viewer.is_patient else ", grâce à l'accès qui lui a été donné"
    if right == "medecin_traitant":
        return ", en tant que médecin traitant"
    if right == "emergency":
        reason = context.emergency_reason.strip().rstrip(".")
        return ", en accès d'urgence" + (f" (motif : {reason})" if reason else "")
    if right == "author":
        return ", en tant qu'auteur du document"
    if right in ("", "patient", "caregiver"):
        return ""
    return f", au titre du droit «\u00a0{right}\u00a0»"


def sentence(event: AccessEvent, *, viewer: Viewer, context: EventContext = NO_CONTEXT, today: date | None = None,
             with_date: bool = True) -> str:
    """One event in plain French; any action, known or not, gives a correct sentence."""
    phrase = phrase_for(event)
    fields = _fields(event, viewer)
    subject, vous = subject_of(event, viewer)
    right = ""
    if event.actor_kind == "professional" and not phrase.says_right:
        right = right_clause(event, viewer=viewer, context=context, today=today)
    when = when_fr(event.at, today=today, with_date=with_date)
    via = f", {event.detail.strip()}" if event.detail.startswith(VIA_SOFTWARE) else ""
    text = (f"{subject} {'avez' if vous else 'a'} {phrase.done.format(**fields)} {when}{right}"
            f"{phrase.after.format(**fields)}{via}")
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def right_label(event: AccessEvent, context: EventContext = NO_CONTEXT) -> str:
    if event.right in ("grant", "share_code") and context.share_code_on is not None:
        return f"code de partage du {context.share_code_on.isoformat()}"
    return RIGHT_LABELS.get(event.right, event.right)


@dataclass(frozen=True)
class Line:
    """One line of the Historique page."""

    event: AccessEvent
    day: date
    day_label: str
    text: str
    new: bool


def lines(events: list[AccessEvent], *, viewer: Viewer, contexts: dict[int, EventContext], seen_seq: int,
          now: datetime) -> list[Line]:
    """Events as the page shows them: under their day (Paris time), the time in the sentence, new or not."""
    today = now.astimezone(PARIS).date()
    result = []
    for event in events:
        day = event.at.astimezone(PARIS).date()
        text = sentence(event, viewer=viewer, context=contexts.get(event.id, NO_CONTEXT), today=today, with_date=False)
        result.append(Line(event, day, day_label(day, today=today), text,
                           new=event.seq > seen_seq and not viewer.is_actor(event)))
    return result
