"""How the profil médical's items are said and ordered: on its page, in the log, in its copies (the PDF summary,
the IPS, a health link)."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

from .. import i18n
from ..i18n import _
from ..i18n.formats import long_date, marked_french, number, quoted_fr
from ..models import ProfileItem
from .kinds import DONATION, KINDS, MEASURES, NATURES, OLDEST, ORDER, SEVERITIES, SEVERITY_ORDER


def in_reading_order(kind: str, items: list[ProfileItem]) -> list[ProfileItem]:
    """Severe allergies first; the treatments still taken, then the stopped ones (profile/ending.py); the current
    problems, then the past illnesses, then the procedures (kinds.NATURES); measurements by measure (the weights
    together, then the heights…), newest first; a pregnancy in progress, then those over; the rest as profile_of
    gives them (newest first). The profile page's order, and its copies' (the PDF summary, the IPS, a health link)."""
    if kind == "allergy":
        return sorted(items, key=lambda i: SEVERITY_ORDER.get(i.severity, len(SEVERITY_ORDER)))
    if kind in ("treatment", "pregnancy"):  # those going on first, the ended ones after (profile/ending.py)
        return sorted(items, key=lambda i: i.ended_on is not None)
    if kind == "condition":
        order = list(NATURES)
        return sorted(items, key=lambda i: order.index(i.nature) if i.nature in order else len(order))
    if kind == "measurement":
        order = list(MEASURES)
        return sorted(items, key=lambda i: (order.index(i.label) if i.label in order else len(order),
                                            -(i.started_on or OLDEST).toordinal()))
    return items


def describe(item: ProfileItem, *, page: bool = False) -> str:
    """One item in plain words, in the request's language, its dates written out: the PDF summary's line, the IPS
    sections' narrative. For a `page` (the printed summary), what the dossier holds as written (a label, a detail)
    marked as French on a page in another language (formats.marked_french); files keep plain text."""
    def day(value: date | None) -> str:
        return long_date(value)  # "17 janvier 2026", never broken between day and month (formats.date_fr)

    if page and i18n.current() != i18n.SOURCE:
        own, dash = marked_french, Markup(" — ")  # the page's words escaped as they are joined, the dossier's marked
    else:
        own, dash = _as_written, " — "

    if item.kind == "measurement":
        measure = MEASURES[item.label]
        return _("%(measure)s\u00a0: %(value)s\u00a0%(unit)s, le %(date)s", measure=_(measure.label),
                 value=values(item), unit=measure.unit, date=day(item.started_on))
    if item.kind == "organ_donation":
        return dash.join([_(DONATION[item.label])] + ([own(item.detail)] if item.detail else []))
    if item.kind == "pregnancy":  # in progress until its end is noted (profile/ending.py)
        parts = [_("Grossesse terminée le %(date)s", date=day(item.ended_on)) if item.ended_on else _("Enceinte")]
        if item.expected_on:
            parts.append(_("accouchement prévu le %(date)s", date=day(item.expected_on)))
        return dash.join(parts + ([own(item.detail)] if item.detail else []))
    parts = [own(item.label)]
    if item.severity:
        parts.append(_("gravité %(severity)s", severity=_(SEVERITIES[item.severity]).lower()))
    parts += [p for p in (item.detail and own(item.detail), item.phone, item.lot and _("lot %(lot)s", lot=item.lot),
                          item.prescriber and _("prescrit par %(name)s", name=item.prescriber)) if p]
    if item.started_on:
        # A treatment, a current problem: since then; a past illness, an operation, a vaccination: that day.
        since = item.kind == "treatment" or item.kind == "condition" and item.nature == "current"
        parts.append(_("depuis le %(date)s", date=day(item.started_on)) if since
                     else _("le %(date)s", date=day(item.started_on)))
    if item.kind == "treatment" and item.ended_on:  # never read as a treatment in progress (profile/ending.py)
        parts.append(_("arrêté le %(date)s", date=day(item.ended_on)))
    return dash.join(parts)


def _as_written(text: str) -> str:
    return text


def summary(item: ProfileItem) -> str:
    """How the log names an item, in French whatever the reader's language (the log keeps it as written):
    "l'allergie « Pénicilline »"."""
    label = MEASURES[item.label].label if item.kind == "measurement" else item.label
    return KINDS[item.kind].one % {"label": label}


def logged_names(item: ProfileItem) -> tuple[str, str]:
    """How the log's events about an item begin: adding, hiding, deleting it (`summary`), stopping it (ending.py)."""
    return summary(item), quoted_fr(item.label)


def name(item: ProfileItem) -> str:
    """How a page names an item, in the request's language: "l'allergie « Pénicilline »"."""
    label = _(MEASURES[item.label].label) if item.kind == "measurement" else item.label
    return _(KINDS[item.kind].one, label=label)


def values(item: ProfileItem) -> str:
    """A measurement's value as its line writes it: "1,05", a blood pressure's "120/80"."""
    return number(item.value) + (f"/{number(item.value2)}" if item.value2 is not None else "")


def named_apart(item: ProfileItem) -> str:
    """How a page's buttons and links name an item, told apart from the others of its kind: `name`, and a
    measurement's value and day as its line shows them ("la mesure « Glycémie » de 1,05 g/L du 3 février 2025"):
    nine "Retirer (erreur de saisie) : la mesure « Glycémie »" were one link to a screen reader (an outside tester's
    find). Not what the log keeps of it, `summary`, which a deletion's page quotes with `name`."""
    if item.kind != "measurement":
        return name(item)
    value = values(item) + (f"\u00a0{item.unit}" if item.unit else "")
    if item.started_on is None:
        return _("%(name)s de %(value)s", name=name(item), value=value)
    return _("%(name)s de %(value)s du %(date)s", name=name(item), value=value, date=long_date(item.started_on))


def marked_name(item: ProfileItem) -> Markup | str:
    """`name` for a page's markup, capitalised, as a line of its own: "The allergy “Pénicilline”" (a measurement with
    its value and day: `named_apart`), the label (the dossier's own words, not a measure's name) said to be French on a
    page in another language (formats.marked_french, WCAG 3.1.2)."""
    if item.kind == "measurement" or i18n.current() == i18n.SOURCE:
        said = named_apart(item)
        return said[:1].upper() + said[1:]
    one = i18n.translated(KINDS[item.kind].one)
    return Markup(escape(one[:1].upper() + one[1:])) % {"label": marked_french(item.label)}


LATEST_PRINTED = 3  # values of each measure on the printed summary: a trend read at a glance, not the whole series


def printed_sections(by_kind: dict[str, list[ProfileItem]]) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """The profile as the summary a patient prints or shows a doctor (views/profile.py): each kind that holds
    something, in ORDER, with its title and its lines in plain words, in groups under a heading (the conditions by
    nature, the treatments stopped apart; "" for the one group of other kinds); what is hidden from professionals
    left out, as from a health link, and each measure's latest values alone."""
    sections = []
    for kind in ORDER:
        items = in_reading_order(kind, [i for i in by_kind.get(kind, []) if not i.hidden])
        if kind == "measurement":
            items = [i for code in MEASURES for i in [i for i in items if i.label == code][:LATEST_PRINTED]]
        if kind == "condition":
            groups = [(_(nature.heading), [describe(i, page=True) for i in items if i.nature == code])
                      for code, nature in NATURES.items()]
            groups.append(("", [describe(i, page=True) for i in items if i.nature not in NATURES]))
        elif kind == "treatment":  # never a stopped one under "Traitements en cours", as on the page
            groups = [("", [describe(i, page=True) for i in items if not i.ended_on]),
                      (_("Traitements arrêtés"), [describe(i, page=True) for i in items if i.ended_on])]
        else:
            groups = [("", [describe(i, page=True) for i in items])]
        groups = [(heading, lines) for heading, lines in groups if lines]
        if groups:
            sections.append((_(KINDS[kind].title), groups))
    return sections
