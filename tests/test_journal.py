"""The access log in plain French: one sentence per kind of event, for the patient and for a caregiver."""

from datetime import UTC, date, datetime

import pytest

from server.accesslog.days import day_label
from server.accesslog.journal import Viewer, action_label, lines, sentence
from server.accesslog.right_words import right_label
from server.accesslog.queries import LogFilters
from server.accesslog.right_words import joined
from server.models import AccessEvent

AT = datetime(2026, 3, 3, 13, 12, tzinfo=UTC)  # 14 h 12 in Paris (winter time)
TODAY = date(2026, 3, 10)

PATIENT = Viewer("acc-camille", is_patient=True)
CAREGIVER = Viewer("acc-paul", is_patient=False)

LEA = {"actor_kind": "professional", "actor_account_id": "acc-lea", "actor_name": "Léa Fontaine",
       "actor_profession": "masseur-kinésithérapeute", "actor_rpps": "10000000016"}
CLAIRE = {**LEA, "actor_account_id": "acc-claire", "actor_name": "Claire Bernard", "actor_profession": "médecin",
          "actor_rpps": "10000000024"}
ANNE = {**LEA, "actor_account_id": "acc-anne", "actor_name": "Anne Roux", "actor_profession": "médecin",
        "actor_rpps": "10000000032"}
CAMILLE = {"actor_kind": "patient", "actor_account_id": "acc-camille", "actor_name": "Camille Martin"}
PAUL = {"actor_kind": "caregiver", "actor_account_id": "acc-paul", "actor_name": "Paul Martin",
        "on_behalf_of": "Camille Martin"}
IRM = {"document_id": "d1", "document_title": "IRM du genou droit"}
# What a professional's event says in its detail of the right it went through (right_words.py): its last line.
SHARE_CODE = "code de partage du 2026-03-02"  # as written before 2026-12-06: the day alone
# Since: the minute the code was made, and what it opened.
SHARE_CODE_MADE = "code de partage du 2026-03-02T09:05+01:00 : Ordonnance, Synthèse médicale, 1 mois"
EMERGENCY = "motif de l'accès d'urgence : Malaise à domicile."


def plain(text: str) -> str:
    """The sentence with its no-break spaces (around « », inside "14 h 12") shown as spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def event(action: str, actor: dict, *, right: str = "", detail: str = "", at: datetime = AT, **fields) -> AccessEvent:
    return AccessEvent(dossier_id="d", seq=1, at=at, action=action, right=right, detail=detail, prev_hash="", hash="",
                       **actor, **fields)


WHEN = "le 3 mars à 14 h 12"
SENTENCES = [
    # professionals' reads, and the right they read through
    (event("read_document", LEA, right="grant", detail=SHARE_CODE, **IRM), PATIENT,
     f"Léa Fontaine, masseur-kinésithérapeute, a consulté « IRM du genou droit » {WHEN}, grâce au code de partage du 2 mars."),
    (event("read_document", LEA, right="grant", detail=SHARE_CODE_MADE, **IRM), PATIENT,
     f"Léa Fontaine, masseur-kinésithérapeute, a consulté « IRM du genou droit » {WHEN}, grâce au code de partage du "
     "2 mars à 9 h 05 (Ordonnance, Synthèse médicale, 1 mois)."),
    (event("read_document", LEA, right="grant", **IRM), PATIENT,
     f"Léa Fontaine, masseur-kinésithérapeute, a consulté « IRM du genou droit » {WHEN}, grâce à l'accès qui lui a été donné."),
    (event("read_document", LEA, right="grant", **IRM), CAREGIVER,
     f"Léa Fontaine, masseur-kinésithérapeute, a consulté « IRM du genou droit » {WHEN}, grâce à l'accès qui lui a été donné."),
    (event("read_document", LEA, right="share_code", **IRM), PATIENT,
     f"Léa Fontaine, masseur-kinésithérapeute, a consulté « IRM du genou droit » {WHEN}, grâce au code de partage."),
    (event("read_document", ANNE, right="emergency", detail=EMERGENCY, **IRM), PATIENT,
     f"Anne Roux, médecin, a consulté « IRM du genou droit » {WHEN}, en accès d'urgence (motif : Malaise à domicile)."),
    (event("read_document", ANNE, right="emergency", **IRM), PATIENT,
     f"Anne Roux, médecin, a consulté « IRM du genou droit » {WHEN}, en accès d'urgence."),
    (event("read_document", CLAIRE, right="medecin_traitant", **IRM), PATIENT,
     f"Claire Bernard, médecin, a consulté « IRM du genou droit » {WHEN}, grâce à son rôle de médecin traitant."),
    (event("read_document", CLAIRE, right="author", **IRM), PATIENT,
     f"Claire Bernard, médecin, a consulté « IRM du genou droit » {WHEN}, grâce à son accès aux documents ajoutés par "
     "ses soins."),
    (event("read_profile", CLAIRE, right="author"), PATIENT,
     f"Claire Bernard, médecin, a consulté le profil médical de votre dossier {WHEN}, grâce à son accès aux "
     "informations du profil ajoutées par ses soins."),
    (event("read_document", CLAIRE, right="teleexpertise", **IRM), PATIENT,
     f"Claire Bernard, médecin, a consulté « IRM du genou droit » {WHEN}, au titre du droit « teleexpertise »."),
    (event("read_own_documents", LEA, right="author"), PATIENT,  # the list of her own, once her access ended
     f"Léa Fontaine, masseur-kinésithérapeute, a consulté la liste des documents ajoutés par ses soins à votre dossier {WHEN}."),
    (event("read_timeline", LEA, right="grant"), PATIENT,
     f"Léa Fontaine, masseur-kinésithérapeute, a consulté votre dossier {WHEN}, grâce à l'accès qui lui a été donné."),
    (event("read_timeline", CLAIRE, right="medecin_traitant"), CAREGIVER,
     f"Claire Bernard, médecin, a consulté le dossier {WHEN}, grâce à son rôle de médecin traitant."),
    (event("search", LEA, right="grant", detail=f"Imagerie · « genou »\n{SHARE_CODE}"), PATIENT,
     f"Léa Fontaine, masseur-kinésithérapeute, a fait une recherche dans votre dossier (Imagerie · « genou ») {WHEN}, "
     "grâce au code de partage du 2 mars."),
    (event("download", CLAIRE, right="medecin_traitant", **IRM), PATIENT,
     f"Claire Bernard, médecin, a téléchargé « IRM du genou droit » {WHEN}, grâce à son rôle de médecin traitant."),
    (event("download", ANNE, right="emergency", detail=f"via le logiciel « Urgences+ »\n{EMERGENCY}", **IRM), PATIENT,
     f"Anne Roux, médecin, a téléchargé « IRM du genou droit » {WHEN}, en accès d'urgence (motif : Malaise à domicile), "
     "via le logiciel « Urgences+ »."),
    # The line is the right's only: another right's, or a line that only looks like one, is the detail as written.
    (event("search", ANNE, right="medecin_traitant", detail=f"« genou »\n{EMERGENCY}"), PATIENT,
     f"Anne Roux, médecin, a fait une recherche dans votre dossier (« genou »\n{EMERGENCY[:-1]}) {WHEN}, "
     "grâce à son rôle de médecin traitant."),
    (event("read_timeline", LEA, right="grant", detail="code de partage du 2 mars"), PATIENT,
     f"Léa Fontaine, masseur-kinésithérapeute, a consulté votre dossier {WHEN}, grâce à l'accès qui lui a été donné."),
    # professionals' writes
    (event("add_document", LEA, right="grant", document_id="d2", document_title="Bilan kiné"), PATIENT,
     f"Léa Fontaine, masseur-kinésithérapeute, a ajouté « Bilan kiné » à votre dossier {WHEN}, grâce à l'accès qui lui a été donné."),
    (event("emergency", ANNE, right="emergency", detail="Perte de connaissance sur la voie publique"), PATIENT,
     f"Anne Roux, médecin, a ouvert votre dossier en accès d'urgence {WHEN} (motif : Perte de connaissance sur la voie publique)."),
    (event("dossier_opened", CLAIRE, detail="en présence du patient, avec son consentement"), PATIENT,
     f"Claire Bernard, médecin, a créé votre dossier {WHEN}, en votre présence, avec votre consentement."),
    (event("dossier_opened", CLAIRE, detail="en présence du patient, avec son consentement"), CAREGIVER,
     f"Claire Bernard, médecin, a créé le dossier {WHEN}, en présence du patient, avec son consentement."),
    (event("grant", LEA, right="share_code", detail="tous les documents, 1 mois"), PATIENT,
     f"Léa Fontaine, masseur-kinésithérapeute, a utilisé un code de partage {WHEN} : accès à tous les documents, 1 mois."),
    (event("grant", LEA, right="share_code", detail="tous les documents, 1 mois"), CAREGIVER,
     f"Léa Fontaine, masseur-kinésithérapeute, a utilisé un code de partage {WHEN} : accès à tous les documents, 1 mois."),
    # changes of rights, by the patient or a caregiver
    (event("grant", CAMILLE, detail="Léa Fontaine (masseur-kinésithérapeute) : Imagerie, Ordonnance, 1 an"), PATIENT,
     f"Vous avez donné accès à Léa Fontaine, masseur-kinésithérapeute, {WHEN} : Imagerie, Ordonnance, 1 an."),
    # A change of the access she held, said as one (a probe read it as a first access), the key's line or not.
    (event("grant", CAMILLE, detail="Léa Fontaine (masseur-kinésithérapeute) : Imagerie, Ordonnance, 1 an\n"
                                    "en remplacement de son accès précédent"), PATIENT,
     f"Vous avez changé l'accès de Léa Fontaine, masseur-kinésithérapeute, {WHEN} : Imagerie, Ordonnance, 1 an."),
    (event("grant", PAUL, detail="Léa Fontaine (masseur-kinésithérapeute) : tous les documents, 1 mois\n"
                                 "en remplacement de son accès précédent"), PATIENT,
     f"Paul Martin, pour votre compte, a changé l'accès de Léa Fontaine, masseur-kinésithérapeute, {WHEN} : tous les "
     "documents, 1 mois."),
    (event("revoke", CAMILLE, detail="Léa Fontaine (masseur-kinésithérapeute)"), PATIENT,
     f"Vous avez retiré l'accès de Léa Fontaine, masseur-kinésithérapeute, {WHEN}."),
    (event("revoke", CAMILLE, detail=""), PATIENT, f"Vous avez retiré l'accès d'un professionnel {WHEN}."),
    (event("block", PAUL, detail="Léa Fontaine (masseur-kinésithérapeute)"), PATIENT,
     f"Paul Martin, pour votre compte, a bloqué Léa Fontaine, masseur-kinésithérapeute, {WHEN}."),
    (event("block", CAMILLE, detail="Anne Roux (médecin), accès d'urgence : bloqué"), PATIENT,
     f"Vous avez bloqué Anne Roux, médecin, {WHEN}, après son accès d'urgence."),
    (event("unblock", CAMILLE, detail="Léa Fontaine (masseur-kinésithérapeute)"), PATIENT,
     f"Vous avez débloqué Léa Fontaine, masseur-kinésithérapeute, {WHEN}."),
    (event("medecin_traitant", CAMILLE, detail="Claire Bernard (médecin)"), PATIENT,
     f"Vous avez déclaré Claire Bernard, médecin, comme médecin traitant {WHEN}."),
    (event("medecin_traitant", CAMILLE, detail="aucun"), PATIENT, f"Vous avez retiré votre médecin traitant {WHEN}."),
    (event("hide", PAUL, **IRM), CAREGIVER,
     f"Pour le compte de Camille Martin, vous avez masqué « IRM du genou droit » aux professionnels {WHEN}."),
    (event("hide", PAUL, **IRM), PATIENT,
     f"Paul Martin, pour votre compte, a masqué « IRM du genou droit » aux professionnels {WHEN}."),
    (event("unhide", CAMILLE, **IRM), PATIENT,
     f"Vous avez rendu « IRM du genou droit » de nouveau visible aux professionnels {WHEN}."),
    (event("delete", CAMILLE, document_id="d3", document_title="Ancienne ordonnance"), PATIENT,
     f"Vous avez supprimé « Ancienne ordonnance » {WHEN}."),
    (event("emergency_opt_out", CAMILLE), PATIENT, f"Vous avez refusé l'accès d'urgence à votre dossier {WHEN}."),
    (event("emergency_opt_in", CAMILLE), PATIENT,
     f"Vous avez de nouveau autorisé l'accès d'urgence à votre dossier {WHEN}."),
    (event("close", CAMILLE), CAREGIVER, f"Camille Martin a fermé le dossier {WHEN}."),
    (event("reopen", CAMILLE), PATIENT, f"Vous avez rouvert votre dossier {WHEN}."),
    (event("share_code", CAMILLE, detail="tous les documents, 1 mois"), PATIENT,
     f"Vous avez créé un code de partage (tous les documents, 1 mois) {WHEN}."),
    (event("emergency_review", CAMILLE, detail="Anne Roux (médecin), accès d'urgence : normal"), PATIENT,
     f"Vous avez pris connaissance de l'accès d'urgence ouvert par Anne Roux, médecin, {WHEN}."),
    (event("emergency_end", PAUL, detail="Anne Roux (médecin)"), PATIENT,
     f"Paul Martin, pour votre compte, a mis fin à l'accès d'urgence d'Anne Roux, médecin, {WHEN}."),
    # what this code does not know yet still reads as a correct sentence
    (event("teleconsultation", LEA, right="grant", **IRM), PATIENT,
     f"Léa Fontaine, masseur-kinésithérapeute, a effectué l'opération « teleconsultation » sur votre dossier, "
     f"concernant « IRM du genou droit », {WHEN}, grâce à l'accès qui lui a été donné."),
    (event("reindex", {"actor_kind": "system", "actor_name": "Carnet"}, detail="maintenance."), PATIENT,
     f"Carnet a effectué l'opération « reindex » sur votre dossier {WHEN} (maintenance)."),
    (event("read_timeline", {"actor_kind": "professional", "actor_name": ""}), PATIENT,
     f"Une personne inconnue a consulté votre dossier {WHEN}."),
    # "de" elides before a vowel or a mute h, whatever the name or the word that follows it.
    (event("caregiver_removed", CAMILLE, detail="Anne Roux"), PATIENT,
     f"Vous avez retiré l'accès d'Anne Roux à votre dossier {WHEN}."),
    (event("caregiver_removed", CAMILLE, detail="Hugo Lefèvre"), CAREGIVER,
     f"Camille Martin a retiré l'accès d'Hugo Lefèvre au dossier {WHEN}."),
    (event("caregiver_removed", CAMILLE, detail="Paul Martin"), PATIENT,
     f"Vous avez retiré l'accès de Paul Martin à votre dossier {WHEN}."),
    (event("parent_attached", CAMILLE), PATIENT,
     f"Vous avez rattaché votre dossier à votre compte, comme parent, {WHEN}."),
    (event("parent_attached", PAUL), PATIENT,
     f"Paul Martin, pour votre compte, a rattaché votre dossier à son compte, comme parent, {WHEN}."),
]


@pytest.mark.parametrize(("row", "viewer", "expected"), SENTENCES,
                         ids=[f"{i}-{row.action}" for i, (row, *_rest) in enumerate(SENTENCES)])
def test_each_event_reads_as_one_french_sentence(row, viewer, expected):
    assert plain(sentence(row, viewer=viewer, today=TODAY)) == expected


def test_a_passkeys_name_keeps_its_guillemets_and_its_parenthesis():
    me = {"actor_kind": "patient", "actor_account_id": "acc-camille", "actor_name": "Camille Martin"}
    text = sentence(event("passkey_added", me, detail="« Mon téléphone »"), viewer=PATIENT, today=TODAY)
    assert "(«\u00a0Mon téléphone\u00a0»)" in text  # never "(«" at a line's end, nor "»)" at the next one's start


def test_times_and_titles_never_break_across_lines():
    text = sentence(event("read_document", LEA, right="grant", **IRM), viewer=PATIENT, today=TODAY)
    assert "«\u00a0IRM du genou droit\u00a0»" in text and "à 14\u00a0h\u00a012" in text


def test_every_action_the_app_logs_has_its_own_sentence():
    from server.accesslog.journal import GENERIC, phrase_for

    logged = ["read_timeline", "search", "read_document", "download", "add_document", "emergency", "grant", "revoke",
              "block", "unblock", "medecin_traitant", "hide", "unhide", "delete", "emergency_opt_out",
              "emergency_opt_in", "close", "reopen", "share_code", "dossier_opened", "emergency_review",
              "read_own_documents", "emergency_end"]
    for action in logged:
        assert phrase_for(event(action, CAMILLE)) is not GENERIC, action
    assert {row.action for row, *_ in SENTENCES} >= set(logged)


@pytest.mark.parametrize(("at", "today", "with_date", "expected"), [
    (AT, TODAY, True, "le 3 mars à 14 h 12"),
    (AT, date(2027, 1, 5), True, "le 3 mars 2026 à 14 h 12"),
    (AT, None, True, "le 3 mars 2026 à 14 h 12"),
    (AT, TODAY, False, "à 14 h 12"),
    (datetime(2026, 3, 1, 8, 5, tzinfo=UTC), TODAY, True, "le 1er mars à 9 h 05"),
    (datetime(2026, 7, 14, 12, 0, tzinfo=UTC), TODAY, True, "le 14 juillet à 14 h 00"),  # summer time
    (datetime(2026, 3, 9, 23, 30, tzinfo=UTC), TODAY, True, "le 10 mars à 0 h 30"),  # already the next day in Paris
])
def test_times_are_said_in_paris_time(at, today, with_date, expected):
    text = plain(sentence(event("read_timeline", CLAIRE, at=at), viewer=PATIENT, today=today, with_date=with_date))
    assert text == f"Claire Bernard, médecin, a consulté votre dossier {expected}."


@pytest.mark.parametrize(("day", "expected"), [
    (TODAY, "Aujourd'hui"),
    (date(2026, 3, 9), "Hier"),
    (date(2026, 3, 3), "mardi 3\u00a0mars 2026"),
    (date(2026, 3, 1), "dimanche 1er\u00a0mars 2026"),
    (date(2025, 12, 31), "mercredi 31\u00a0décembre 2025"),
])
def test_days_are_named_as_people_say_them(day, expected):
    assert day_label(day, today=TODAY) == expected


def test_lines_fall_on_their_paris_day_and_only_others_actions_are_new():
    late = event("read_timeline", CLAIRE, at=datetime(2026, 3, 9, 23, 30, tzinfo=UTC))
    late.seq = 3
    mine = event("hide", CAMILLE, **IRM)
    mine.seq = 2
    old = event("read_timeline", LEA)
    old.seq, old.id = 1, 1
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    result = lines([late, mine, old], viewer=PATIENT, seen_seq=1, now=now)
    day = "mardi 3\u00a0mars 2026"  # the day and its month never apart at a line's end
    assert [line.day_label for line in result] == ["Aujourd'hui", day, day]
    assert [line.new for line in result] == [True, False, False]
    assert plain(result[0].text) == "Claire Bernard, médecin, a consulté votre dossier à 0 h 30."


@pytest.mark.parametrize(("row", "action", "right"), [
    (event("read_document", LEA, right="grant", detail=SHARE_CODE, **IRM), "Consultation d'un document",
     "code de partage du 2026-03-02"),
    (event("read_document", LEA, right="grant", detail=SHARE_CODE_MADE, **IRM), "Consultation d'un document",
     "code de partage du 2026-03-02 09:05 (Ordonnance, Synthèse médicale, 1 mois)"),
    (event("read_document", LEA, right="grant", **IRM), "Consultation d'un document", "accès accordé"),
    (event("emergency", ANNE, right="emergency"), "Accès d'urgence", "accès d'urgence"),
    # The right, never a word about who acted: "médecin" is written alike for a man and a woman.
    (event("read_document", CLAIRE, right="medecin_traitant", **IRM), "Consultation d'un document",
     "rôle de médecin traitant"),
    (event("read_document", CLAIRE, right="author", **IRM), "Consultation d'un document", "accès à ses propres ajouts"),
    (event("grant", LEA, right="share_code"), "Code de partage utilisé", "code de partage"),
    (event("medecin_traitant", CAMILLE, detail="aucun"), "Médecin traitant retiré", ""),
    (event("teleconsultation", LEA, right="autre"), "teleconsultation", "autre"),
])
def test_the_export_names_each_action_and_right(row, action, right):
    assert action_label(row) == action
    assert right_label(row) == right


def test_filters_keep_only_known_codes_and_opaque_keys():
    token = "0123456789abcdef0123456789abcdef"
    assert LogFilters.parse(professional=token, kind="urgences", period="7j") == LogFilters(token, "urgences", "7j")
    # An RPPS is no longer a filter's key: it says who the professional is (professional_token).
    assert LogFilters.parse(professional="10000000016", kind="tout", period="2 ans") == LogFilters()
    assert LogFilters.parse(professional="Léa Fontaine", kind=None, period=None) == LogFilters()
    assert LogFilters.parse(professional=None, kind=None, period=None) == LogFilters()
    assert LogFilters(token, "droits", "", professional_key="10000000016").url("/h", avant=12) == (
        f"/h?professionnel={token}&type=droits&avant=12")
    assert LogFilters().url("/h") == "/h"


@pytest.mark.parametrize(("row", "english", "french"), [
    (event("profile_add", CAMILLE, detail="la mesure « Tension artérielle »"),
     "You added the measurement “Blood pressure” to the medical profile",
     "Vous avez ajouté la mesure « Tension artérielle » au profil médical"),
    (event("profile_delete", PAUL, detail="l'allergie « Pénicilline »"), "the allergy “Pénicilline”",
     "l'allergie « Pénicilline »"),
    # As profile/kinds.py writes it since 2026-12-04 (no-break spaces inside); the row above, as older events hold it.
    (event("profile_delete", PAUL, detail="l'allergie «\u00a0Pénicilline\u00a0»"), "the allergy “Pénicilline”",
     "l'allergie « Pénicilline »"),
    (event("profile_add", CAMILLE, detail="la position sur le don d'organes"), "the position on organ donation",
     "la position sur le don d'organes"),
    (event("shl_created", CAMILLE, detail="«\u00a0Voyage\u00a0» (carte d'urgence, sans code d'accès, "
                                          "valable jusqu'au 1er décembre 2026)"),
     "“Voyage” (emergency card, without passcode, valid until 1 December 2026)",
     "« Voyage » (carte d'urgence, sans code d'accès, valable jusqu'au 1er décembre 2026)"),
    # As a link's terms are written since 2026-12-05 (the day and its month joined); the row above, as before.
    (event("shl_created", CAMILLE, detail="«\u00a0Voyage\u00a0» (carte d'urgence, sans code d'accès, "
                                          "valable jusqu'au 1er\u00a0décembre 2026)"),
     "“Voyage” (emergency card, without passcode, valid until 1 December 2026)",
     "« Voyage » (carte d'urgence, sans code d'accès, valable jusqu'au 1er décembre 2026)"),
    (event("care_received", {"actor_kind": "insurer", "actor_name": "Assurance Maladie"}, detail="17 ligne(s)"),
     "(17 lines)", "(17 lignes)"),
    (event("care_received", {"actor_kind": "insurer", "actor_name": "Assurance Maladie"}, detail="1 ligne"),
     "(1 line)", "(1 ligne)"),
    (event("dossier_opened", CLAIRE, detail="en présence du patient, avec son consentement"),
     "in your presence, with your consent", "en votre présence, avec votre consentement"),
    (event("emergency_review", CAMILLE, detail="Anne Roux (médecin), accès d'urgence : bloqué"),
     "Anne Roux, doctor,", "Anne Roux, médecin,"),
    (event("caregiver_added", PAUL, detail="gestion, sans date de fin"), "(can manage, no end date)",
     "(gestion, sans date de fin)"),
    (event("caregiver_added", PAUL, detail="lecture seule, 1 mois"), "(read only, 1 month)",
     "(lecture seule, 1 mois)"),
])
def test_what_an_event_stored_in_french_reads_in_the_readers_language(row, english, french):
    """The log keeps its details as written, in French; a page in English says the interface's own words in
    English (a profile item's kind, a health link's terms, a count of lines), names and typed text as written."""
    from server.i18n import speaking

    with speaking("en"):
        said = plain(sentence(row, viewer=PATIENT, today=TODAY))
    assert english in said and "ligne" not in said and " la " not in said, said
    assert plain(french) in plain(sentence(row, viewer=PATIENT, today=TODAY))


@pytest.mark.parametrize(("row", "expected"), [
    (event("export", PAUL), "vous avez téléchargé une copie complète du dossier"),
    (event("profile_add", CAMILLE, detail="l'allergie « Pénicilline »"), "au profil médical du dossier"),
    (event("emergency_opt_out", CAMILLE), "a refusé l'accès d'urgence au dossier"),
])
def test_a_caregiver_reads_du_dossier_and_au_dossier_never_de_le_dossier(row, expected):
    said = plain(sentence(row, viewer=CAREGIVER, today=TODAY))
    assert expected in said and " le dossier" not in said.replace("dans le dossier", ""), said


def test_the_line_of_a_right_comes_after_the_detail_where_it_fits_and_never_half_said():
    reason = "motif de l'accès d'urgence : " + "Détresse respiratoire " * 45
    assert joined("via le logiciel « X »", "code de partage du 2026-03-02", limit=1000) == \
        "via le logiciel « X »\ncode de partage du 2026-03-02"
    cut = joined("", reason, limit=1000)
    assert len(cut) == 1000 and cut.endswith("…") and cut.startswith(reason[:999])
    # What else a detail says comes first, whole; a line that no longer fits is left out, never cut into nonsense.
    assert joined("x" * 990, "code de partage du 2026-03-02", limit=1000) == "x" * 990
    assert joined("x" * 990, reason, limit=1000) == "x" * 990
