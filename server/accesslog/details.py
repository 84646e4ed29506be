"""A detail as the log stored it (in French, when it was written), read back in the reader's language.

The writers of details (the changes of rights in access/, shlinks, the insurer's feed, profile items) take their
words from phrases.py and the interface's own vocabularies; this module recognises those words in a stored detail
and says them again in the page's language. Names and what people wrote stay as they were written.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import Any

from .. import i18n
from ..i18n import _, ngettext
from ..i18n.formats import MONTHS, long_date
from ..models import CATEGORIES
from ..professionals.professions import WRITTEN, profession_label
from .phrases import CARE_LINE, DETAIL_WORDS, VALID_UNTIL

GUILLEMETS = re.compile(r"«[\s\u00a0\u202f]*(.*?)[\s\u00a0\u202f]*»")


def stored(text: str) -> str:
    """A detail as the log stored it, in French, shown in the page's language where its pieces are the
    interface's own words ("tous les documents, 1 mois", "l'allergie « … »", "sans code d'accès"); names and
    what people wrote stay as written. A count is written as the language counts ("17 ligne(s)": "17 lignes")."""
    counted = _COUNTED.fullmatch(text)
    if counted and counted["waiting"]:  # the forms of phrases.CARE_LINES_WAITING
        return ngettext("%(num)d ligne reçue avant la création du dossier",
                        "%(num)d lignes reçues avant la création du dossier", int(counted["num"]))
    if counted:  # phrases.CARE_LINES
        return ngettext("%(num)d ligne", "%(num)d lignes", int(counted["num"]))
    text = _link_named_by_content(text)
    if i18n.current() == i18n.SOURCE:
        return text
    if text in _vocabulary():  # a whole detail that holds ", " itself
        return _(text)
    care = _CARE_LINE.fullmatch(text)
    if care and care["month"] in MONTHS:  # a line of care (reimbursements/hiding.py), whose label may hold ", "
        day = date(int(care["year"]), MONTHS.index(care["month"]) + 1, 1 if care["day"] == "1er" else int(care["day"]))
        return _(CARE_LINE, label=care["label"], date=long_date(day))
    text = _named_item(text)
    text = GUILLEMETS.sub("\u201c\\1\u201d", text)  # « Mon téléphone » → “Mon téléphone”
    return ", ".join(_word(piece) for piece in text.split(", "))


# "17 ligne(s)", "3 ligne(s) reçue(s) avant la création du dossier" (as older events wrote them), or "17 lignes".
_COUNTED = re.compile(r"(?P<num>\d+) lignes?(?:\(s\))?(?P<waiting> reçues?(?:\(s\))? avant la création du dossier)?")
_SPACE = "[\\s\u00a0\u202f]*"
_WRAPPED = re.compile(r"(?P<before>.*\()?(?P<word>.*?)(?P<after>\))?")  # "(carte d'urgence", "1 mois)"
# A line of care as reimbursements/hiding.py names it (phrases.CARE_LINE), its date as date_fr writes it.
_CARE_LINE = re.compile(f"le soin «{_SPACE}(?P<label>.*?){_SPACE}» du "
                        "(?P<day>1er|\\d{1,2})[ \u00a0](?P<month>\\w+) (?P<year>\\d{4})")
# A health link as shlinks/links.description names it: « Voyage » (carte d'urgence, …).
_LINK = re.compile(f"«{_SPACE}(?P<name>[^»]*?){_SPACE}» \\((?P<content>[^,)]*)")
# The date as formats.date_fr writes it: the day and month joined by a no-break space since 2026-12-05, a plain one
# before.
_VALID_UNTIL = re.compile(r"valable jusqu'au (?P<day>1er|\d{1,2})[ \u00a0](?P<month>\w+) (?P<year>\d{4})")


def _word(piece: str) -> str:
    """One piece of a detail in the reader's language, if it is one of the interface's words (in parentheses or not)."""
    wrapped = _WRAPPED.fullmatch(piece)
    word = wrapped["word"] if wrapped else piece
    if word in WRITTEN:  # "Julie Moreau (infirmière)": a profession as written for the person a change was about
        said = profession_label(word)
    elif word in _vocabulary():
        said = _(word)
    elif word.lower() in _lowered():
        said = _(_lowered()[word.lower()]).lower()
    elif (until := _VALID_UNTIL.fullmatch(word)) and until["month"] in MONTHS:
        day = date(int(until["year"]), MONTHS.index(until["month"]) + 1, 1 if until["day"] == "1er" else int(until["day"]))
        said = _(VALID_UNTIL, date=long_date(day))
    else:
        return piece
    return f"{wrapped['before'] or ''}{said}{wrapped['after'] or ''}" if wrapped else said


def _link_named_by_content(text: str) -> str:
    """A health link left unnamed, which the log names by what it shows ("« Carte d'urgence » (carte d'urgence, …)",
    links.written_name; one made before, by that in its maker's language): that name in the reader's language."""
    link = _LINK.match(text)
    content = _lowered().get(link["content"]) if link else None
    if content is None:
        return text
    from ..shlinks.links import content_names

    if link["name"] not in content_names(_contents()[content]):
        return text
    return text[:link.start("name")] + _(content) + text[link.end("name"):]


def _named_item(text: str) -> str:
    """A profil médical item as items.summary names it ("la mesure « Tension artérielle »"), in the reader's
    language, with its label translated if it is one of the interface's measures."""
    for pattern, kind in _item_patterns():
        named = pattern.match(text)
        if named:
            label = named.groupdict().get("label") or ""
            label = _(label) if label in _measures() else label
            return _(kind.one, label=label) + text[named.end():]
    return text


@functools.cache
def _item_patterns() -> tuple[tuple[re.Pattern[str], Any], ...]:
    from ..profile.kinds import KINDS

    def pattern(template: str) -> re.Pattern[str]:
        # Any space inside the guillemets: older events were written with plain ones, kinds.py's now has no-break ones.
        escaped = GUILLEMETS.sub(lambda quote: f"«{_SPACE}{quote[1]}{_SPACE}»", template)
        escaped = re.escape(escaped).replace(re.escape(_SPACE), _SPACE)
        return re.compile(escaped.replace(re.escape("%(label)s"), "(?P<label>.*?)"))

    return tuple((pattern(kind.one), kind) for kind in KINDS.values())


@functools.cache
def _measures() -> frozenset[str]:
    from ..profile.kinds import MEASURES

    return frozenset(measure.label for measure in MEASURES.values())


@functools.cache
def _contents() -> dict[str, str]:
    """A health link's content by its French name: CONTENTS the other way round."""
    from ..shlinks.links import CONTENTS

    return {label: key for key, label in CONTENTS.items()}


@functools.cache
def _lowered() -> dict[str, str]:
    """Words a detail writes in lower case though the interface capitalises them: a health link's content."""
    from ..shlinks.links import CONTENTS

    return {label.lower(): label for label in CONTENTS.values()}


@functools.cache
def _vocabulary() -> frozenset[str]:
    """The interface's words a detail is made of: categories, "tous les documents", durations, and phrases.py's."""
    from ..access.durations import DURATIONS
    from ..access.scopes import ALL_DOCUMENTS
    from ..caregivers.invitations import LEVELS, PARENT_TERMS
    from ..profile.kinds import NATURES

    return frozenset([*CATEGORIES.values(), ALL_DOCUMENTS, *(label for label, _days in DURATIONS.values()),
                      *DETAIL_WORDS,
                      *LEVELS.values(), PARENT_TERMS,  # a caregiver's: "(gestion, sans date de fin)"
                      *(nature.heading for nature in NATURES.values())])  # a condition classed: "(Maladies passées)"
