"""Charts and tables of a result as the result page shows them: the data a chart script draws (in
the page's language), and the same data as a table that needs no script.

The result itself (the contract's charts and tables) is already cleaned and capped; this only arranges it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.contract import Chart, Text

ARTIFACT_STRINGS: dict[str, tuple[str, str]] = {
    # key: (en, ja)
    "chart_as_table": ("The chart's data as a table", "グラフのデータ (表)"),
    "chart_markers": ("Marked on the chart", "グラフ上の印"),
    "chart_marker_column": ("Marked here", "印"),
    "no_value": ("no value", "値なし"),
    "highlighted_row": ("highlighted", "注目"),
    "highlighted_note": (
        "Rows marked ▶ are the ones to look at.",
        "▶ の付いた行に注目してください。",
    ),
}


def pick(text: Any, lang: str) -> str:
    """A label in the page's language (``Text`` or a plain string)."""
    if isinstance(text, Text):
        return text.ja if lang == "ja" else text.en
    return str(text or "")


def number(value: float | None) -> str:
    """A value as the fallback table writes it: whole numbers without a point, others to six
    significant digits (what a curve can show anyway); a gap as an empty string."""
    if value is None:
        return ""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def chart_data(chart: Chart, lang: str) -> dict[str, Any]:
    """What the chart script needs, labels already in ``lang``; sent as a JSON data block."""
    return {
        "kind": chart.kind,
        "title": pick(chart.title, lang),
        "x_label": pick(chart.x_label, lang),
        "y_label": pick(chart.y_label, lang),
        "lang": lang,
        "series": [
            {
                "name": pick(series.name, lang),
                "role": series.role,
                "points": [list(point) for point in series.points],
            }
            for series in chart.series
        ],
        "markers": [{"x": m.x, "label": pick(m.label, lang)} for m in chart.markers],
    }


@dataclass(frozen=True)
class FallbackRow:
    x: str
    values: tuple[str, ...]  # one per series; "" where that series has no value at x
    markers: str  # the labels of the markers at x, joined


def chart_rows(chart: Chart, lang: str) -> list[FallbackRow]:
    """One row per x that any series or marker has, in order, so that series sampled at different
    x line up as they do on the chart."""
    by_series = [dict(series.points) for series in chart.series]
    xs = sorted({x for values in by_series for x in values} | {m.x for m in chart.markers})
    rows = []
    for x in xs:
        labels = " · ".join(pick(m.label, lang) for m in chart.markers if m.x == x)
        cells = tuple(number(values.get(x)) if x in values else "" for values in by_series)
        rows.append(FallbackRow(x=number(x), values=cells, markers=labels))
    return rows
