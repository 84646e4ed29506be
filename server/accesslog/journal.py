"""The access log as the patient reads it: plain sentences in the reader's language, days, filters, what is new.

The sentences are pure functions of an event's hashed fields (its snapshot: the name, profession and
RPPS as they were at the time, and in its detail what the right it went through was: right_words.py)
and of who reads them, never of another table, whose words the patient's phone could not check against
the log; queries.py feeds them. One fact of another table only takes words away: a document its author
withdrew is named as such, without the title its events before stored (`withheld`), here and wherever an event leaves
the server. Each kind of event has two whole sentences, someone else's action and
the reader's own ("vous"), so that a language can agree its verb with either; what an event stored (its
detail, the names) stays as it was written.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup, escape

from .. import i18n
from ..i18n import N_, _
from ..i18n.formats import PARIS, marked_french, quoted, typography
from ..models import AccessEvent
from ..professionals.professions import profession_label, profession_named
from ..templating import de
from .days import day_label, when_fr
from .details import GUILLEMETS, stored
from .phrases import (
    ACCESS_CHANGED, CHANGED_GRANT, DECLARED_NAME, DECLARED_SUFFIX, GENERIC, IN_PERSON, IN_PERSON_YOURS, NEW_VERSION,
    NO_MEDECIN_TRAITANT, PHRASES, REDEEMED, VIA_SOFTWARE, Phrase,
)
from .right_words import emergency_reason, right_clause, said

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


WHO = re.compile(r"^(?P<name>.+?) \((?P<profession>[^()]*)\)(?P<rest>.*)$")
# A document its author withdrew, as a sentence names it (`said_withdrawn`): of her, of him, or of either where the
# event does not say who its author is (`author_is_a_woman`). It said "retiré par son auteur" of Dr Claire Bernard's
# (an outside tester's find).
WITHDRAWN_DOCUMENT = {True: N_("un document retiré par son autrice"), False: N_("un document retiré par son auteur"),
                      None: N_("un document retiré par la personne qui l'avait ajouté")}


def phrase_for(event: AccessEvent) -> Phrase:
    if event.action == "grant" and event.actor_kind == "professional":
        return REDEEMED
    if event.action == "grant" and changed_access(said(event).detail):
        return CHANGED_GRANT
    if event.action == "medecin_traitant" and said(event).detail in ("", "aucun"):
        return NO_MEDECIN_TRAITANT
    return PHRASES.get(event.action, GENERIC)


def author_is_a_woman(event: AccessEvent) -> bool | None:
    """Whether the author of the event's document is a woman, as the event's own fields say it: only where the author
    acted (a professional adds a document as its author, or reads it through that right) and her profession, as the
    event stored it written for her, has two forms ("infirmière", "infirmier"); None otherwise: "médecin" is written
    alike for a man and a woman, and another reader's event names no author (the Document row, which does, is not
    the log's to read: the patient's phone could not check it)."""
    if event.actor_kind != "professional" or (event.right != "author" and event.action != "add_document"):
        return None
    named = profession_named(event.actor_profession)
    return named[1] if named is not None else None


def new_version(event: AccessEvent) -> bool:
    """Whether this is a corrected version's arrival (its detail's first line, professionals/uploads.py)."""
    return event.action == "add_document" and event.detail.partition("\n")[0] == NEW_VERSION


def changed_access(detail: str) -> bool:
    """Whether a grant's detail (right_words' line off) says it replaced the professional's access."""
    return detail.rpartition("\n")[2] == ACCESS_CHANGED


def action_label(event: AccessEvent) -> str:
    return phrase_for(event).label or event.action


def actor_name(event: AccessEvent) -> str:
    """Who acted, as a sentence names them: a health link's recipient with the words that say nobody checked it."""
    if event.actor_kind != "shl_recipient":
        return event.actor_name
    # An older event stored the French words in the name itself: taken off, so that both read the same.
    return _(DECLARED_NAME, name=event.actor_name.removesuffix(DECLARED_SUFFIX))


def subject_of(event: AccessEvent, viewer: Viewer) -> tuple[str, bool]:
    """Who did it, and whether that is "vous"."""
    if viewer.is_actor(event):
        if event.on_behalf_of and not viewer.is_patient:
            return _("Pour le compte de %(name)s, vous", name=event.on_behalf_of), True
        return _("Vous"), True
    parts = [actor_name(event) or _("Une personne inconnue")]
    if event.actor_profession:
        parts.append(profession_label(event.actor_profession))
    if event.on_behalf_of:  # always the dossier's patient: to them, "pour votre compte"
        parts.append(_("pour votre compte") if viewer.is_patient else _("pour le compte de %(name)s",
                                                                         name=event.on_behalf_of))
    return (", ".join(parts) + ",") if len(parts) > 1 else parts[0], False


class _Fields(dict):
    """The names a phrase may use, each worked out when the phrase asks for it (`%` reads a mapping by key):
    a sentence uses two or three of the dozen, and each is a translation or two."""

    def __init__(self, event: AccessEvent, viewer: Viewer, detail: str, withdrawn: bool = False, **given: str) -> None:
        super().__init__(given)
        self.event, self.mine, self.detail = event, viewer.is_patient, detail  # the detail less right_words' line
        self.withdrawn = withdrawn  # its document withdrawn: said so, its title not said (`said_withdrawn`)

    def __missing__(self, name: str) -> str:
        value = self[name] = getattr(self, f"_{name}")()
        return value

    def _parts(self) -> tuple[str, str]:
        """Who a change was about, and what follows them in the stored detail."""
        detail = self._detail_text()
        match = WHO.match(detail)
        if match:  # "Julie Moreau (masseur-kinésithérapeute)…", as access/changes.who writes who a change was about
            return f"{match['name']}, {profession_label(match['profession'])},", match["rest"]
        return detail or _("un professionnel"), ""

    def _detail_text(self) -> str:
        return self.detail.strip().rstrip(".")

    def _dossier(self) -> str:
        return _("votre dossier") if self.mine else _("le dossier")

    def _doc(self) -> str:
        if self.withdrawn:
            return _(WITHDRAWN_DOCUMENT[author_is_a_woman(self.event)])
        return quoted(self.event.document_title) if self.event.document_title else _("un document")

    def _about_doc(self) -> str:
        return _(", concernant %(doc)s,", doc=self["doc"]) if self.event.document_title or self.withdrawn else ""

    def _who(self) -> str:
        return self._parts()[0]

    def _scope(self) -> str:
        rest = self._parts()[1]
        scope = stored(rest.removeprefix(" : ").strip()) if rest.startswith(" : ") else ""
        return _(" : %(scope)s", scope=scope) if scope else ""

    def _after_emergency(self) -> str:
        return _(", après son accès d'urgence") if "accès d'urgence" in self._parts()[1] else ""

    def _detail(self) -> str:
        return stored(self._detail_text()) or _("un proche")

    def _detail_paren(self) -> str:
        detail = self._detail_text()
        return f" ({stored(detail)})" if detail else ""

    def _detail_comma(self) -> str:
        detail = self._detail_text()
        if self.mine and detail == IN_PERSON:  # "en présence du patient", to the patient: "en votre présence"
            return f", {_(IN_PERSON_YOURS)}"
        return f", {stored(detail)}" if detail else ""

    def _motif(self) -> str:
        reason = emergency_reason(self.event)
        return _(" (motif : %(reason)s)", reason=reason) if reason else ""

    def _code(self) -> str:
        # Whoever reads: a caregiver or a minor's parent may have made it, not the patient (a code does not say).
        return _("un code de partage")

    def _access(self) -> str:
        detail = self._detail_text()
        return _(" : accès à %(detail)s", detail=stored(detail)) if detail else ""

    def _devices(self) -> str:
        """Whose devices a relative logged out: the patient's, named for anyone else who reads (another relative, a
        file of the log), for whom "ses appareils" could be the relative's own."""
        if self.mine:
            return _("tous vos appareils")
        name = self.event.on_behalf_of
        return _("tous les appareils %(de_name)s", de_name=de(name), name=name)

    def _mt(self) -> str:
        return _("votre médecin traitant") if self.mine else _("le médecin traitant")

    def _action(self) -> str:
        return quoted(self.event.action)


_CONTRACTED = re.compile(r"\b(de|à) le dossier\b")
# "de" before a vowel or a mute h, as a name or an article follows it ("l'accès de %(detail)s", "de %(doc)s"):
# "d'Anne Girard", "d'un document". (templating.de for one name; here, the sentence as said.)
_ELIDED = re.compile(r"\bde (?=[aeiouyàâäéèêëîïôöùûüœæh])", re.IGNORECASE)


def sentence(event: AccessEvent, *, viewer: Viewer, today: date | None = None, with_date: bool = True,
             withdrawn: Container[str] = ()) -> str:
    """One event in a plain sentence, in the request's language; any action, known or not, gives a correct one.

    `withdrawn`: the documents among the events' withdrawn by their author (`withdrawn_among`), which the sentence
    names as such, without the title an event before the withdrawal stored (`withheld`; one after it stored none):
    `said_withdrawn`. It says less than the hash covers, never other words."""
    phrase = phrase_for(event)
    subject, vous = subject_of(event, viewer)
    words = said(event)
    right = ""
    if event.actor_kind == "professional" and not phrase.says_right:
        right = right_clause(event, words=words, today=today, vous=vous)
    elif words.passkey:  # the patient's own: which of her keys (right_words.py)
        right = _(", avec la clé d'accès %(name)s", name=quoted(words.passkey))
    when = when_fr(event.at, today=today, with_date=with_date)
    detail, corrected = words.detail, ""
    if new_version(event):
        detail, corrected = detail.partition("\n")[2], _(" : une nouvelle version, qui remplace la précédente")
    elif event.action == "grant" and changed_access(detail):  # said by its phrase (`phrase_for`)
        detail = detail.rpartition("\n")[0]
    elif event.action == "profile_dose" and "\n" in detail:  # the treatment renamed with its dose (profile/dosing.py)
        detail, _newline, new_name = detail.partition("\n")
        corrected = _(" : désormais nommé %(name)s", name=stored(new_name))
    first_line = detail.partition("\n")[0]  # the software, before what else the detail says (the parents kept out)
    via = via_software(first_line) if first_line.startswith(VIA_SOFTWARE) else ""
    text = i18n.translated(phrase.yours if vous else phrase.said) % _Fields(
        event, viewer, detail, said_withdrawn(event, withdrawn), subject=subject, when=when, right=right) + via \
        + corrected
    if i18n.current() == i18n.SOURCE:  # "de %(dossier)s" said of someone else's: "du dossier", not "de le dossier"
        text = _ELIDED.sub("d'", _CONTRACTED.sub(lambda m: {"de": "du", "à": "au"}[m[1]] + " dossier", text))
    # French typography's no-break spaces, here too: a line never ends on "(«" nor starts with "»" or ":".
    return typography(text if text.endswith((".", "!", "?", "…")) else text + ".")


def withheld(event: AccessEvent, withdrawn: Container[str]) -> bool:
    """Whether the title this event stored leaves the server nowhere: its document, among `withdrawn`
    (queries.withdrawn_among), was withdrawn by its author since. A report filed in a namesake's dossier should not
    be read there, even in the log: not in its sentence, its files (csvrows.py, export/auditevents.py), nor the data
    her phone checks the chain with (proofs.py), which then checks the event's place in the chain, not its content."""
    return bool(event.document_title) and event.document_id in withdrawn


def said_withdrawn(event: AccessEvent, withdrawn: Container[str]) -> bool:
    """Whether the sentence names this event's document as one its author withdrew: every event that names it, before
    the withdrawal or after (a read of the line that stays), in one wording; but the withdrawal's own, which says
    what it did."""
    return event.document_id in withdrawn and event.action != "withdraw_document"


def record_marked(text: str, event: AccessEvent, withdrawn: Container[str]) -> str:
    """A sentence as a page in another language shows it: the dossier's own words it quotes, as they were written (a
    document's title, the label of a line of the profile or of the care), said to be French (formats.marked_french,
    WCAG 3.1.2), so that a screen reader does not read them with the page's voice; what the sentence translated (a
    measure's name) is the page's. Files (the CSV, a copy) keep the sentence as it is; so does a French page."""
    if i18n.current() == i18n.SOURCE:
        return text
    words = [event.document_title] if event.document_title and not said_withdrawn(event, withdrawn) else []
    if event.action.startswith(("profile_", "care_")):  # "l'allergie « Pollens »", "le soin « Consultation » du …"
        words += GUILLEMETS.findall(event.detail)
    found = [(text.find(quote), quote) for quote in {quoted(word) for word in words if word}]
    if reason := emergency_reason(event):  # "(reason: Malaise avec perte de connaissance)", closing the sentence's
        found.append((text.rfind(f"{reason})"), reason))  # clause: a title before it may hold the same words
    found.sort()
    marked, rest = Markup(), 0
    for at, quote in found:
        if at >= rest:
            marked += escape(text[rest:at]) + marked_french(quote)
            rest = at + len(quote)
    return marked + escape(text[rest:]) if rest else text


def software_named(detail: str) -> str:
    """The name of the software an event's detail says acted ("via le logiciel « … »", fhir/tokens.py), on a line of
    its own; "" for none. Nothing else of the detail (a search's words, a reason)."""
    line = next((line for line in detail.split("\n") if line.startswith(VIA_SOFTWARE)), "")
    named = GUILLEMETS.fullmatch(line.removeprefix(VIA_SOFTWARE).strip())
    return named[1] if named else ""


def via_software(detail: str) -> str:
    """", via le logiciel « Logiciel du cabinet »" (fhir/tokens.py wrote it so), in the reader's language; the
    software's name as it was given."""
    named = GUILLEMETS.fullmatch(detail.removeprefix(VIA_SOFTWARE).strip())
    return _(", via le logiciel %(name)s", name=quoted(named[1])) if named else f", {detail.strip()}"


@dataclass(frozen=True)
class Line:
    """One line of the Historique page."""

    event: AccessEvent
    day: date
    day_label: str
    text: str
    new: bool


def lines(events: list[AccessEvent], *, viewer: Viewer, seen_seq: int, now: datetime,
          withdrawn: Container[str] = ()) -> list[Line]:
    """Events as the page shows them: under their day (Paris time), the time in the sentence, new or not."""
    today = now.astimezone(PARIS).date()
    result = []
    labels: dict[date, str] = {}  # a page's thirty events fall on a few days
    for event in events:
        day = event.at.astimezone(PARIS).date()
        if day not in labels:
            labels[day] = day_label(day, today=today)
        text = sentence(event, viewer=viewer, today=today, with_date=False, withdrawn=withdrawn)
        text = record_marked(text, event, withdrawn)
        result.append(Line(event, day, labels[day], text, new=event.seq > seen_seq and not viewer.is_actor(event)))
    return result
