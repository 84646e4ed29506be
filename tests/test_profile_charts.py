"""Measurement charts: a pure function from profile items to inline SVG (server/profile/charts.py)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

from server.models import ProfileItem
from server.profile.charts import charts_of, number_fr, ticks

SVG = "{http://www.w3.org/2000/svg}"


def measured(label: str, day: date, value: float, value2: float | None = None) -> ProfileItem:
    return ProfileItem(dossier_id="d", kind="measurement", label=label, value=value, value2=value2, unit="",
                       started_on=day, created_at=datetime(2026, 1, 1, tzinfo=UTC))


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # well-formed XML, or this raises


def test_a_measure_is_drawn_from_two_values_and_in_the_order_of_measures():
    items = [measured("weight", date(2024, 5, 1), 62), measured("height", date(2024, 5, 1), 168),
             measured("blood_pressure", date(2025, 3, 1), 118, 72), measured("weight", date(2020, 5, 1), 60.5),
             measured("blood_pressure", date(2023, 3, 1), 124, 79)]
    charts = charts_of(items)
    assert [c.measure.code for c in charts] == ["weight", "blood_pressure"]  # one height is not a chart
    weight = charts[0]
    assert [p.day for p in weight.points] == [date(2020, 5, 1), date(2024, 5, 1)]  # oldest first, whatever the order


def test_the_svg_is_an_image_with_a_label_points_a_line_dates_and_values_and_no_style():
    [chart] = charts_of([measured("weight", date(2021, 9, 10), 61.5), measured("weight", date(2023, 1, 5), 64),
                         measured("weight", date(2025, 9, 10), 63)])
    root = parsed(chart.svg)
    assert root.get("role") == "img" and root.get("viewBox") == "0 0 320 176"
    assert root.get("aria-label") == ("Poids : 3 mesures du 10\u00a0septembre 2021 au 10\u00a0septembre 2025, "
                                      "la dernière 63 kg")
    [line] = root.iter(f"{SVG}polyline")
    assert line.get("fill") == "none" and len(line.get("points").split()) == 3
    circles = list(root.iter(f"{SVG}circle"))
    xs, ys = [float(c.get("cx")) for c in circles], [float(c.get("cy")) for c in circles]
    assert xs == sorted(xs) and xs[0] == 40 and xs[-1] == 306  # the dates across, the first and last at the edges
    assert ys[1] < ys[2] < ys[0]  # 64 above 63 above 61,5: higher values are drawn higher
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "10/09/2021" in labels and "10/09/2025" in labels
    assert {"61", "62", "63", "64"} <= set(labels)  # values up the side, framing the measures
    assert "style" not in str(chart.svg)  # the CSP forbids inline styles: classes and currentColor only
    assert not re.search(r'(fill|stroke)="#', str(chart.svg))  # no colour that would ignore dark mode


def test_a_blood_pressure_has_two_series_told_apart_by_shape():
    [chart] = charts_of([measured("blood_pressure", date(2024, 1, 1), 132, 84),
                         measured("blood_pressure", date(2024, 6, 1), 121, 77)])
    root = parsed(chart.svg)
    groups = [g.get("class") for g in root.iter(f"{SVG}g")]
    assert groups == ["chart-series", "chart-series chart-series-second"]
    assert len(list(root.iter(f"{SVG}circle"))) == 2 and len(list(root.iter(f"{SVG}rect"))) == 2
    assert root.get("aria-label").endswith("la dernière 121/77 mmHg")


def test_values_of_one_day_are_spread_evenly_and_equal_values_still_get_a_scale():
    [chart] = charts_of([measured("glucose", date(2025, 2, 2), 0.9), measured("glucose", date(2025, 2, 2), 0.9)])
    circles = list(parsed(chart.svg).iter(f"{SVG}circle"))
    assert [c.get("cx") for c in circles] == ["40.0", "306.0"]
    assert len({c.get("cy") for c in circles}) == 1


def test_ticks_frame_the_values_with_round_steps():
    assert ticks(77, 132) == [60, 80, 100, 120, 140]
    assert ticks(61.5, 63) == [61.5, 62, 62.5, 63]
    assert ticks(0.9, 0.9)[0] <= 0.9 <= ticks(0.9, 0.9)[-1]
    assert [number_fr(v) for v in (72.5, 120.0, 0.95)] == ["72,5", "120", "0,95"]


def test_a_third_date_is_written_only_where_it_has_room():
    def dates(*days: date) -> list[str]:
        [chart] = charts_of([measured("weight", day, 60 + i) for i, day in enumerate(days)])
        return [t.text for t in parsed(chart.svg).iter(f"{SVG}text") if "/" in (t.text or "")]

    assert dates(date(2021, 1, 1), date(2023, 1, 1), date(2025, 1, 1)) == ["01/01/2021", "01/01/2023", "01/01/2025"]
    # Near the last date, a third one would be written over it.
    assert dates(date(2023, 4, 12), date(2024, 2, 1), date(2024, 9, 12), date(2025, 6, 1)) == [
        "12/04/2023", "01/06/2025"]
