"""How a result's charts and tables look outside the browser: as text in a terminal, and as PNG
files drawn with matplotlib (host side only; never imported in the sandbox).

PNG labels are in the language asked for only when matplotlib finds a font that has Japanese
glyphs (Noto Sans CJK JP, IPAexGothic, ...); otherwise they are in English, and ``write_plots``
says so, rather than drawing empty boxes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.artifacts import Chart, Table
from grader.contract import GradingResult, Text

# Families that hold Japanese glyphs, most wanted first.
CJK_FAMILIES = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "IPAexGothic",
    "IPAGothic",
    "TakaoGothic",
    "Hiragino Sans",
    "Yu Gothic",
    "Noto Serif CJK JP",
)
ROLE_STYLES: dict[str, dict[str, Any]] = {
    "learner": {"linewidth": 2.2, "linestyle": "-", "marker": "o", "markersize": 3, "zorder": 3},
    "reference": {"linewidth": 1.6, "linestyle": "--", "color": "0.35", "zorder": 2},
    "other": {"linewidth": 1.6, "linestyle": "-", "marker": "s", "markersize": 3, "zorder": 1},
}


def say(text: Text, lang: str) -> str:
    return text.ja if lang == "ja" else text.en


# -- terminal --------------------------------------------------------------------------------------
def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def table_lines(table: Table, lang: str) -> list[str]:
    """A boxed text table; highlighted rows are marked with ``▶``."""
    header = [say(cell, lang) for cell in table.header]
    rows = [[cell.replace("\n", " ") for cell in row] for row in table.rows]
    count = max([len(header), *(len(row) for row in rows)], default=0)
    grid = [r + [""] * (count - len(r)) for r in [header, *rows]]
    widths = [max(width(row[i]) for row in grid) for i in range(count)]
    lines = [f"▤ {say(table.title, lang)}"]

    def line(cells: list[str], mark: str) -> str:
        return f"{mark} " + " │ ".join(pad(c, w) for c, w in zip(cells, widths, strict=True))

    if header:
        lines.append(line(grid[0], " "))
        lines.append("  " + "─┼─".join("─" * w for w in widths))
    for index, cells in enumerate(grid[1:]):
        lines.append(line(cells, "▶" if index in table.highlight else " "))
    return lines


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def chart_lines(chart: Chart, lang: str) -> list[str]:
    """A few lines that say what the chart shows: per series, its size, first, last and range."""
    axes = " / ".join(s for s in (say(chart.x_label, lang), say(chart.y_label, lang)) if s)
    lines = [f"📈 {say(chart.title, lang)}" + (f"  ({axes})" if axes else "")]
    for series in chart.series:
        values = [y for _, y in series.points if y is not None]
        gaps = len(series.points) - len(values)
        summary = (
            f"{len(series.points)} points"
            + (f" ({gaps} without a value)" if gaps else "")
            + (
                f", first {number(values[0])}, last {number(values[-1])}, "
                f"min {number(min(values))}, max {number(max(values))}"
                if values
                else ""
            )
        )
        lines.append(f"  {say(series.name, lang)} [{series.role}]: {summary}")
    for marker in chart.markers:
        lines.append(f"  │ x = {marker.x:g}: {say(marker.label, lang)}")
    return lines


def artifact_lines(charts: tuple[Chart, ...], tables: tuple[Table, ...], lang: str) -> list[str]:
    lines: list[str] = []
    for table in tables:
        lines.extend(table_lines(table, lang))
    for chart in charts:
        lines.extend(chart_lines(chart, lang))
    return lines


# -- PNG -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plots:
    """What ``write_plots`` wrote, and in which language its labels are."""

    files: tuple[Path, ...]
    lang: str
    note: str


def cjk_font() -> str | None:
    """The first family of ``CJK_FAMILIES`` that matplotlib can use, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "chart"


def named_charts(result: GradingResult) -> list[tuple[str, Chart]]:
    """Every chart of the result with a file name that says where it belongs."""
    named = [(f"result-{i}-{slug(c.title.en)}", c) for i, c in enumerate(result.charts, 1)]
    for test in result.tests:
        for index, chart in enumerate(test.charts, start=1):
            named.append((f"test{test.number:02d}-{index}-{slug(chart.title.en)}", chart))
    return named


def write_plots(result: GradingResult, directory: Path, lang: str) -> Plots:
    """Each chart of ``result`` as ``directory/<where>-<title>.png``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    font = cjk_font() if lang == "ja" else None
    if lang == "ja" and font is None:
        used, note = "en", "PNG labels are in English: no font with Japanese glyphs was found."
    else:
        used, note = lang, f"PNG labels in Japanese, font {font}." if font else ""
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    style = {"font.family": [font, "DejaVu Sans"]} if font else {}
    with matplotlib.rc_context(style):
        for name, chart in named_charts(result):
            figure = draw(pyplot, chart, used)
            path = directory / f"{name}.png"
            figure.savefig(path, dpi=110)
            pyplot.close(figure)
            files.append(path)
    return Plots(tuple(files), used, note)


def draw(pyplot: Any, chart: Chart, lang: str) -> Any:
    figure, axes = pyplot.subplots(figsize=(7.2, 4.2), layout="constrained")
    if chart.kind == "bar":
        count = max(len(chart.series), 1)
        step = 0.8 / count
        for index, series in enumerate(chart.series):
            xs = [x + (index - (count - 1) / 2) * step for x, y in series.points if y is not None]
            ys = [y for _, y in series.points if y is not None]
            hatch = "//" if series.role == "reference" else None
            alpha = 0.55 if series.role == "reference" else 1.0
            axes.bar(xs, ys, width=step, label=say(series.name, lang), hatch=hatch, alpha=alpha)
        axes.axhline(0.0, color="0.2", linewidth=0.8)
    else:
        for series in chart.series:
            xs = [x for x, _ in series.points]
            # NaN leaves a gap where a point has no value.
            ys = [float("nan") if y is None else y for _, y in series.points]
            axes.plot(xs, ys, label=say(series.name, lang), **ROLE_STYLES[series.role])
    for marker in chart.markers:
        axes.axvline(marker.x, color="tab:red", linewidth=1, linestyle="-.")
        axes.annotate(
            say(marker.label, lang),
            (marker.x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(4, -4),
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="left",
            fontsize=8,
            color="tab:red",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
        )
    axes.set_title(say(chart.title, lang), fontsize=11)
    axes.set_xlabel(say(chart.x_label, lang))
    axes.set_ylabel(say(chart.y_label, lang))
    axes.grid(alpha=0.3)
    xs = [x for series in chart.series for x, _ in series.points]
    if xs and all(float(x).is_integer() for x in xs):
        from matplotlib.ticker import MaxNLocator

        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if chart.series:
        axes.legend(fontsize=9)
    return figure
