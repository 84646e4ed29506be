"""The templates' filters and globals, in the request's language (server.i18n)."""

from __future__ import annotations

from litestar.plugins.jinja import JinjaTemplateEngine

from . import i18n
from .assets import asset
from .dossiers import professional_title
from .i18n.formats import (  # noqa: F401  (re-exported: French-only texts import them from here)
    NBSP,
    NNBSP,
    PARIS,
    clock,
    date_fr,
    datetime_fr,
    filesize,
    filesize_fr,
    long_date,
    long_datetime,
    money,
    month_fr,
    month_year,
    number,
    quoted,
    quoted_fr,
    time_fr,
    typography,
    typography_fr,
)
from .models import CATEGORIES


def de(name: str) -> str:
    """"de Léo", "d'Inès", "d'Hugo": French elides "de" before a vowel or a mute h."""
    return f"d'{name}" if name[:1].lower() in "aeiouyàâäéèêëîïôöùûüh" else f"de {name}"


def category_label(code: str) -> str:
    return i18n._(CATEGORIES[code]) if code in CATEGORIES else code


def configure_templates(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them: {% trans %} blocks' whitespace folded
    env.install_gettext_callables(  # type: ignore[attr-defined]  (added by the extension)
        gettext=lambda message: i18n.translations(i18n.current()).gettext(message),
        ngettext=i18n.plural_text,
        pgettext=lambda context, message: i18n.translations(i18n.current()).pgettext(context, message),
        newstyle=True,
    )
    env.filters.update(long_date=long_date, long_datetime=long_datetime, month_year=month_year, filesize=filesize,
                       money=money, number=number, typography=typography, quoted=quoted, clock=clock,
                       professional_title=professional_title, de=de)
    env.globals.update(CATEGORIES=CATEGORIES, category_label=category_label, asset=asset, language=i18n.current,
                       LANGUAGES=i18n.LANGUAGES, script_messages=lambda: i18n.script_messages(i18n.current()), LANGUAGE_NAMES=i18n.NAMES)
    env.trim_blocks = True
    env.lstrip_blocks = True
