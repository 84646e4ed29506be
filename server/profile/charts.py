"""Measurements over time, drawn on the server as small inline SVG charts: the dates across, the values up.

No script and no style attribute (the CSP forbids inline styles): the strokes and fills are `currentColor`,
set by classes in carnet.css, so a chart follows the page's colours, dark mode included. A chart is an image
to a screen reader (`role="img"` and a label that says what it shows); the page gives the values as a table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from ..i18n import _, ngettext
from ..i18n.formats import long_date, number
from ..models import ProfileItem
from .kinds import MEASURES, Measure

WIDTH, HEIGHT = 320, 176  # the viewBox: the chart scales to its column (320 px fits a 360 px phone)
LEFT, RIGHT, TOP, BOTTOM = 40, 14, 12, 30  # room for the values' labels (left) and the dates' (below)


@dataclass(frozen=True)
class Point:
    day: date
    value: float
    value2: float | None = None  # a blood pressure's diastolic


@dataclass(frozen=True)
class Chart:
    measure: Measure
    points: tuple[Point, ...]  # oldest first
    svg: Markup


number_fr = number  # the older name (tests): 72.5 as the request's language writes it, "72,5" in French; 120.0 as "120"


def reading(measure: Measure, point: Point) -> str:
    """One value with its unit: "72,5 kg", "120/80 mmHg"."""
    values = number(point.value) + (f"/{number(point.value2)}" if point.value2 is not None else "")
    return f"{values} {measure.unit}"


def charts_of(items: Iterable[ProfileItem]) -> list[Chart]:
    """A chart for each measure with at least two values, in MEASURES' order."""
    by_code: dict[str, list[ProfileItem]] = {}
    for item in items:
        measure = MEASURES.get(item.label) if item.kind == "measurement" else None
        if measure and item.value is not None and item.started_on and (item.value2 is not None or not measure.second):
            by_code.setdefault(item.label, []).append(item)
    charts = []
    for code, measure in MEASURES.items():
        found = sorted(by_code.get(code, []), key=lambda i: (i.started_on, i.created_at))
        if len(found) >= 2:
            points = tuple(Point(i.started_on, i.value, i.value2 if measure.second else None) for i in found)
            charts.append(Chart(measure, points, draw(measure, points)))
    return charts


def ticks(low: float, high: float) -> list[float]:
    """Round values that frame [low, high], three to five of them: the chart's horizontal lines."""
    span = high - low or abs(high) / 10 or 1
    raw = span / 3
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start, end = math.floor(low / step) * step, math.ceil(high / step) * step
    if end == start:
        end = start + step
    return [round(start + i * step, 6) for i in range(round((end - start) / step) + 1)]


def draw(measure: Measure, points: tuple[Point, ...]) -> Markup:
    """The SVG of one measure's points (at least two), oldest on the left."""
    values = [p.value for p in points] + [p.value2 for p in points if p.value2 is not None]
    low, high = min(values), max(values)
    if high - low < measure.least_span:  # widened about the values' middle, never below zero
        low = max(0, (low + high - measure.least_span) / 2)
        high = low + measure.least_span
    lines = ticks(low, high)
    bottom, top = lines[0], lines[-1]
    first, last = points[0].day.toordinal(), points[-1].day.toordinal()
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int, point: Point) -> float:
        if last == first:  # every value on one day: spread them evenly
            return LEFT + inner_w * index / (len(points) - 1)
        return LEFT + inner_w * (point.day.toordinal() - first) / (last - first)

    def y(value: float) -> float:
        return TOP + inner_h * (top - value) / (top - bottom)

    def series(values: list[float], second: bool) -> str:
        coordinates = [(x(i, p), y(v)) for i, (p, v) in enumerate(zip(points, values, strict=True))]
        line = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coordinates)
        # Told apart by their shape and dash as well as their colour.
        marks = "".join(
            f'<rect class="chart-point" x="{cx - 3.5:.1f}" y="{cy - 3.5:.1f}" width="7" height="7"/>' if second
            else f'<circle class="chart-point" cx="{cx:.1f}" cy="{cy:.1f}" r="3.5"/>'
            for cx, cy in coordinates)
        kind = "chart-series chart-series-second" if second else "chart-series"
        return f'<g class="{kind}"><polyline class="chart-line" fill="none" points="{line}"/>{marks}</g>'

    parts = []
    digits = max(len(f"{value:g}".partition(".")[2]) for value in lines)  # "0,8 1,0 1,2", never "0,8 1 1,2"
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    for value in lines:
        parts.append(f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
                     f'<text class="chart-label" x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
                     f'{escape(number(value, pattern))}</text>')
    labelled = [0, len(points) - 1]
    # A third date, the point nearest the middle, where it has room: a date is about 70 units wide, 85 with the
    # letters spaced as a reader may space them (WCAG 1.4.12: at 110, "30/10/2022" ran into "17/05/2026"), and the
    # first and last ones stand on the edges.
    middle = min(range(1, len(points) - 1), key=lambda i: abs(x(i, points[i]) - (LEFT + inner_w / 2)), default=None)
    if middle is not None and min(x(middle, points[middle]) - LEFT, WIDTH - RIGHT - x(middle, points[middle])) > 130:
        labelled.insert(1, middle)
    for index in labelled:
        anchor = "start" if index == 0 else "end" if index == len(points) - 1 else "middle"
        parts.append(f'<text class="chart-label" x="{x(index, points[index]):.1f}" y="{HEIGHT - 8}" '
                     f'text-anchor="{anchor}">{points[index].day:%d/%m/%Y}</text>')
    parts.append(series([p.value for p in points], second=False))
    if measure.second:
        parts.append(series([p.value2 for p in points], second=True))
    label = ngettext("%(measure)s : %(num)d mesure du %(first)s au %(last)s, la dernière %(reading)s",
                     "%(measure)s : %(num)d mesures du %(first)s au %(last)s, la dernière %(reading)s", len(points),
                     measure=_(measure.label), first=long_date(points[0].day), last=long_date(points[-1].day),
                     reading=reading(measure, points[-1]))
    return Markup(f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
                  f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')
