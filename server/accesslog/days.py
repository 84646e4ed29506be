"""When an event happened, as the Historique says it: "le 3 mars à 14 h 12", a day's heading ("Hier", "lundi 2 mars"),
in the request's language and on Paris's clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ..i18n import N_, _
from ..i18n.formats import PARIS, clock, long_date

WEEKDAYS = [N_("lundi"), N_("mardi"), N_("mercredi"), N_("jeudi"), N_("vendredi"), N_("samedi"), N_("dimanche")]


def day_fr(day: date, *, today: date | None) -> str:
    """ "3 mars" / "3 March", with the year only when it is not this year's."""
    label = long_date(day)
    return label.rsplit(" ", 1)[0] if today is not None and day.year == today.year else label


def when_fr(at: datetime, *, today: date | None, with_date: bool = True) -> str:
    """"le 3 mars à 14 h 12" / "on 3 March at 14:12", in the request's language."""
    local = at.astimezone(PARIS)
    time = clock(local)  # never broken across lines
    return _("le %(day)s à %(time)s", day=day_fr(local.date(), today=today), time=time) if with_date \
        else _("à %(time)s", time=time)


def day_label(day: date, *, today: date) -> str:
    if day == today:
        return _("Aujourd'hui")
    if day == today - timedelta(days=1):
        return _("Hier")
    return _("%(weekday)s %(date)s", weekday=_(WEEKDAYS[day.weekday()]), date=long_date(day))
