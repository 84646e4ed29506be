"""The templates' filters and globals, in the request's language (server.i18n)."""

from __future__ import annotations

import functools
import secrets
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import jinja2
from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup, escape

from . import i18n
from .assets import asset
from .dossiers import MAX_DOCUMENT_BYTES, professional_title
from .i18n.formats import (  # noqa: F401  (re-exported: French-only texts import them from here)
    NBSP,
    NNBSP,
    PARIS,
    and_list,
    clock,
    colon,
    date_fr,
    datetime_fr,
    day_or_time,
    filesize,
    filesize_fr,
    long_date,
    long_datetime,
    marked_french,
    money,
    month_fr,
    month_year,
    number,
    quoted,
    quoted_fr,
    time_fr,
    times_shown,
    typography,
    typography_fr,
)
from .access.durations import end_words
from .access.scopes import care_scope, scope_label
from .access.rule import PROFESSIONAL_RIGHTS, adult_from
from .config import Settings
from .i18n import N_
from .models import CATEGORIES, WebSession, utcnow
from .professionals.professions import profession_of
from .record_text import TAGS, fitted, record, record_lang
from .profile.kinds import DECLARED, profile_scope, profile_sections
from .search import fold


def de(name: str) -> str:
    """"de Léo", "d'Inès", "d'Hugo", "d'Œnone": French elides "de" before a vowel or a mute h (its first letter,
    folded as search folds it: an accent, a ligature or a stroke does not change it). A name already marked up
    ("<strong>Inès Martin</strong>") is elided by its text, and stays markup."""
    return _elided("de", name)


def que(name: str) -> str:
    """"que Léo", "qu'Inès", "qu'Hugo": as `de`, for "que"."""
    return _elided("que", name)


def _elided(word: str, name: str) -> str:
    text = name.striptags() if isinstance(name, Markup) else name
    head = f"{word[:-1]}'" if fold(text[:1])[:1] in ("a", "e", "i", "o", "u", "y", "h") else f"{word} "
    return Markup(head) + name if isinstance(name, Markup) else head + name


def person(name: str) -> Markup:
    """A person's name where a page shows it in a button or a line that does not break words: it alone breaks
    anywhere when it is wider than the line (carnet.css, .person), a 100-letter name without a space included.
    For a text, in a button with its words (`button_words`); an attribute (aria-label, data-confirm) takes the name
    itself."""
    return Markup('<span class="person">%s</span>') % name


def button_words(words: str) -> Markup:
    """A button's words (or a link's that looks like one) that hold a person's name (`person`), in one inline box: a
    button lays each child element out as a flex item of its own (or, `display: contents`, as no box at all), and
    Chromium's accessibility tree then puts a space between the name and the words it touches: "d' Hugo", "Hugo 's",
    which a voice command saying the label as shown does not match. In this box the name is an inline span again,
    read with its words; and it stays one flex item, as the button's bare text was."""
    return Markup('<span class="button-words">%s</span>') % words


def dots_row(items: list, tag: str = "span", classes: str = "") -> Markup:
    """Items in a row with "·" between them: facts about one thing ("Proche · gestion · depuis le 3 mars 2024"), or
    links. Each "·" is drawn with the item after it, in the gap before it, and is clipped off where that item starts
    a line (carnet.css, .dots): when the row wraps, on a phone or at 200 % zoom, no "·" ends a line nor starts one.
    Empty items are left out, markup with no text in it too ("{% set reason %}{% if … %}…{% endif %}{% endset %}"
    is " " when the condition is false): kept, it drew a "·" before nothing, which began the line. tag="ul" makes the
    row a list (of links). Python, not a macro: a macro's call cost the timeline a quarter of its items' rendering."""
    item_tag = "li" if tag == "ul" else "span"
    shown = [item if isinstance(item, Markup) else str(escape(item)) for item in items if _has_text(item)]
    joined = f'</{item_tag}> <{item_tag}><span class="dot" aria-hidden="true">· </span>'.join(shown)
    opening = f'<{escape(tag)} class="dots{" " + escape(classes) if classes else ""}">'
    return Markup(f"{opening}<{item_tag}>{joined}</{item_tag}></{escape(tag)}>" if shown else f"{opening}</{escape(tag)}>")


def _has_text(item: Any) -> bool:
    if isinstance(item, Markup):
        return bool(item.strip()) and (item.find("<") < 0 or bool(TAGS.sub("", item).strip()))
    return bool(item) and not (isinstance(item, str) and item.isspace())


def day_after(day: date) -> str:
    """The next day, as a date field's min or max takes it ("2026-03-05")."""
    return (day + timedelta(days=1)).isoformat()


def category_label(code: str) -> str:
    return i18n._(CATEGORIES[code]) if code in CATEGORIES else code


def _gettext(message: str, /, **variables: object) -> Markup:
    if not variables:  # most of a page's texts: translated and formatted once per language
        return _constant(i18n.current(), message)
    return Markup(i18n.translations(i18n.current()).gettext(message)) % variables


@functools.lru_cache(maxsize=4096)
def _constant(language: str, message: str) -> Markup:
    return Markup(i18n.translations(language).gettext(message)) % {}


def pattern(message: str, /) -> str:
    """A text with places (%(num)s), translated, for a loop to fill with `%`: plain text, which the page escapes once
    filled (a Markup's `%` escapes each value through a helper object: 5 % of a Historique page for two numbers a
    line); only for what a number or a text fills, never markup. In a loop a call with variables costs Jinja more
    than the text's own work."""
    return _pattern(i18n.current(), message)


@functools.lru_cache(maxsize=512)
def _pattern(language: str, message: str) -> str:
    return i18n.translations(language).gettext(message)


def _ngettext(singular: str, plural: str, count: int, /, **variables: object) -> Markup:
    return Markup(i18n.plural_text(singular, plural, count)) % {"num": count, **variables}


def _pgettext(context: str, message: str, /, **variables: object) -> Markup:
    return Markup(i18n.translations(i18n.current()).pgettext(context, message)) % variables


def eighteenth_birthday(born: date) -> date:
    """The day a patient born then turns 18, as the rule counts it (born 29 February: 1 March)."""
    return adult_from(born).astimezone(PARIS).date()


def grants_now(standing: Any) -> list[dict[str, Any]]:
    """A professional's grants in force now, as their banner says each: its scope, its end (None: no end) and who
    gave it (`rule.GrantFacts.given_by`: a minor and a parent may each have given one), the patient's first."""
    grants = sorted(standing.active_grants(utcnow()), key=lambda g: g.given_by not in ("patient", ""))
    return [{"scope": scope_label(",".join(code for code in CATEGORIES if code in g.categories)),
             "ends_at": g.ends_at, "given_by": g.given_by} for g in grants]


def session_closing(settings: Settings, row: WebSession) -> dict[str, Any]:
    """A session's end whatever is done in it, as base.html's #session-warning tells of it (session.js): which session
    (its opening, which the browser's tabs name it by), the seconds left, and the warning's two sentences, before and
    after. A page that goes on in a new session gets these again (views/recent_login.py)."""
    hours = settings.session_max_hours
    closes = row.created_at + timedelta(hours=hours)  # as sessions.load_session ends it
    return {
        "opened": row.created_at.isoformat(),
        "closesIn": max(0, int((closes - utcnow()).total_seconds())),
        "closing": i18n.ngettext(
            "Votre session se ferme à %(time)s, %(num)d heure après votre connexion : ce que vous êtes en train "
            "d'écrire serait perdu. Pour continuer, confirmez avec votre clé d'accès.",
            "Votre session se ferme à %(time)s, %(num)d heures après votre connexion : ce que vous êtes en train "
            "d'écrire serait perdu. Pour continuer, confirmez avec votre clé d'accès.",
            # Not noted (paris-time.js): every page of a session carries this warning, shown only near its end.
            hours, time=clock(closes.astimezone(PARIS), noted=False)),
        "closed": i18n.ngettext(
            "Votre session s'est fermée %(num)d heure après votre connexion : reconnectez-vous pour continuer.",
            "Votre session s'est fermée %(num)d heures après votre connexion : reconnectez-vous pour continuer.",
            hours),
    }


# Who gave a grant, when not the patient (`rule.GrantFacts.given_by`), on the Accès page: translated where shown.
# Said of the moment it was given: the grant outlives the relative's help (she may leave the dossier, or be made a
# reader), and then it is the patient's; "qui gère" went on saying she managed a dossier she had left.
GIVEN_BY_LABELS = {"representative": N_("Par un parent."),
                   "caregiver": N_("Par un proche qui gérait alors ce dossier.")}
# The same, naming the relative (Grant.given_by_name: since migration 0064).
GIVEN_BY_NAMED = {"representative": N_("Par %(name)s, parent."),
                  "caregiver": N_("Par %(name)s, proche qui gérait alors ce dossier.")}


# The short links of a patient's menu, and the page of their own dossier each leads to (views/home.py).
OWN_PAGES = {"/": "", "/profil": "/profil", "/acces": "/acces", "/historique": "/historique", "/soins": "/soins"}


# The pages of a dossier that belong to "Accès" though they are not below it in the address.
ACCESS_PAGES = ("/annuaire", "/professionnels/", "/voir-comme/", "/fermeture", "/partage", "/liens-sante")


def current_link(path: str, hrefs: list[str], own_dossier_id: str | None) -> str | None:
    """Which of the menu's links leads to the page shown (aria-current): its own path, or a page below it (Accès's
    directory), the longest that matches ("/pro/logiciels" rather than "/pro"). A patient's short links ("/profil")
    lead to their own dossier's pages; a dossier's first page (its documents) only to itself. A link's query
    ("/cles?depuis=…") is not part of the page it leads to."""
    best: tuple[int, str] | None = None
    for href in hrefs:
        target = href.partition("?")[0]
        if target in OWN_PAGES:
            if own_dossier_id is None:
                continue
            target = f"/dossiers/{own_dossier_id}{OWN_PAGES[target]}"
        below = target.count("/") > 2 or not target.startswith("/dossiers/")
        access = target.endswith("/acces") and path.startswith(tuple(target[:-6] + page for page in ACCESS_PAGES))
        if path == target or access or (below and target != "/" and path.startswith(target + "/")):
            if best is None or len(target) > best[0]:
                best = (len(target), href)
    return best[1] if best else None


# What the language switch carries back of a page's query: its filters, the same list in the other language; not
# a one-time notice ("?fait=…") nor an id the page was asked about (views/language.py).
FILTERS = ("categorie", "recherche", "type", "periode", "professionnel", "avant", "page", "suite")  # suite: the login's way back


def language_return(request: Any) -> str:
    """The page to come back to after switching language: its path, with its filters."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k in FILTERS]
    return request.url.path + (f"?{urlencode(kept)}" if kept else "")


# The one-time id each rendered form sends with its CSRF token: the server runs one submission of it (submissions.py).
SUBMISSION_FIELD = "_submission"


class FormInput:
    """What a form's `{{ csrf_input | safe }}` writes: Litestar's hidden CSRF input, and a submission id drawn afresh
    each time a form renders it, so that no two forms, of one page or of two renders, share one. 16 random bytes:
    nothing about the form, the person or the page."""

    __slots__ = ("_csrf_input",)

    def __init__(self, csrf_input: str) -> None:
        self._csrf_input = csrf_input

    def __html__(self) -> str:
        submission = secrets.token_urlsafe(16)
        return f'{self._csrf_input}<input type="hidden" name="{SUBMISSION_FIELD}" value="{submission}" />'

    __str__ = __html__


class FormsTemplate(jinja2.Template):
    """A template whose `csrf_input` (Litestar's, a string in every page's context) is a FormInput; the templates it
    includes get that same FormInput with the rest of its context."""

    def new_context(self, vars=None, shared=False, locals=None):  # Jinja's own names: it may pass them by name
        if vars is not None and type(vars.get("csrf_input")) is str:
            vars = {**vars, "csrf_input": FormInput(vars["csrf_input"])}
        return super().new_context(vars, shared, locals)


def configure_templates(engine: JinjaTemplateEngine, *, reload: bool = False) -> None:
    env = engine.engine
    env.template_class = FormsTemplate  # before any template is loaded: each is made of it
    env.auto_reload = reload  # else every render asks the disk whether the template changed
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them: {% trans %} blocks' whitespace folded
    env.install_gettext_callables(  # type: ignore[attr-defined]  (added by the extension)
        gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, newstyle=True)
    # The extension's own "new style" callables take the template's context to learn whether it escapes, and
    # in a loop Jinja copies the whole context for each call: 40 texts in the Historique's 20 lines cost
    # 1.5 ms. Every template here escapes (Litestar's engine: autoescape=True), so these do the same
    # (the text translated, then formatted with its variables escaped) without it.
    env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext)
    env.filters.update(long_date=long_date, long_datetime=long_datetime, day_or_time=day_or_time, month_year=month_year, filesize=filesize,
                       money=money, number=number, and_list=and_list, typography=typography, quoted=quoted, clock=clock,
                       professional_title=professional_title, profession=profession_of, de=de, que=que, person=person,
                       button_words=button_words,
                       fitted=fitted, record=record, marked_french=marked_french, access_end=end_words, day_after=day_after,
                       category_name=category_label)  # a filter: a call in a template costs Jinja twice as much
    env.globals.update(dots_row=dots_row, colon=colon, language_return=language_return, current_link=current_link, grants_now=grants_now,
                       session_closing=session_closing,
                       given_by_labels=GIVEN_BY_LABELS, given_by_named=GIVEN_BY_NAMED, eighteenth_birthday=eighteenth_birthday, CATEGORIES=CATEGORIES, asset=asset, language=i18n.current,
                       profile_scope=profile_scope, profile_sections=profile_sections, pattern=pattern, DECLARED=DECLARED,
                       LANGUAGES=i18n.LANGUAGES, script_messages=lambda: i18n.script_messages(i18n.current()), LANGUAGE_NAMES=i18n.NAMES, times_shown=times_shown,
                       MAX_DOCUMENT_BYTES=MAX_DOCUMENT_BYTES, PROFESSIONAL_RIGHTS=PROFESSIONAL_RIGHTS,
                       care_scope=care_scope, record_lang=record_lang)
    env.trim_blocks = True
    env.lstrip_blocks = True
