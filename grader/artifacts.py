"""Charts and tables a result carries as data: what a learner's run looked like next to the
reference (a loss curve, per-layer shapes, per-column statistics).

Part of the contract (copied into the sandbox image; stdlib only). Only the trusted side builds
them, but every value is still cleaned and capped here, where a result is read back, so that a
stored result is always drawable: finite numbers or gaps, bounded counts, short strings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Literal

ChartKind = Literal["line", "bar"]
# How a series is drawn: the learner's own values stand out, the reference is drawn beside them.
SeriesRole = Literal["learner", "reference", "other"]
CHART_KINDS: tuple[ChartKind, ...] = ("line", "bar")
SERIES_ROLES: tuple[SeriesRole, ...] = ("learner", "reference", "other")

MAX_CHARTS = 4  # per test, and on the whole result
MAX_TABLES = 4
MAX_SERIES = 6
MAX_POINTS = 1000  # per series; a longer series keeps its first MAX_POINTS points
MAX_MARKERS = 8
MAX_ROWS = 100
MAX_COLUMNS = 12
CELL_CHARS = 120
LABEL_CHARS = 160


def _text(data: Any) -> Any:
    # Imported late: contract.py imports this module.
    from grader.contract import Text

    return Text.of(data).clipped(LABEL_CHARS)


def _number(value: Any) -> float | None:
    """A finite float, or None (drawn as a gap) for anything else: NaN is not JSON."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _items(data: Any, limit: int) -> list[Any]:
    return list(data)[:limit] if isinstance(data, (list, tuple)) else []


@dataclass(frozen=True)
class Series:
    """One line (or one set of bars): ``points`` are (x, y); y is None where there is no value."""

    name: Any
    points: tuple[tuple[float, float | None], ...]
    role: SeriesRole = "other"

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _text(self.name))
        points = []
        for point in _items(self.points, MAX_POINTS):
            if not isinstance(point, (list, tuple)) or len(point) != 2:
                continue
            x = _number(point[0])
            if x is not None:
                points.append((x, _number(point[1])))
        object.__setattr__(self, "points", tuple(points))
        object.__setattr__(self, "role", self.role if self.role in SERIES_ROLES else "other")

    @classmethod
    def from_dict(cls, data: Any) -> Series | None:
        return cls(**_known(cls, data)) if isinstance(data, dict) and "name" in data else None


@dataclass(frozen=True)
class Marker:
    """A labelled vertical line at ``x``, such as "stopped here" or "should have stopped"."""

    x: float
    label: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "x", _number(self.x) or 0.0)
        object.__setattr__(self, "label", _text(self.label))

    @classmethod
    def from_dict(cls, data: Any) -> Marker | None:
        return cls(**_known(cls, data)) if isinstance(data, dict) and "x" in data else None


@dataclass(frozen=True)
class Chart:
    """A line or bar chart with titles and axis labels in both languages."""

    title: Any
    series: tuple[Series, ...]
    kind: ChartKind = "line"
    x_label: Any = ""
    y_label: Any = ""
    markers: tuple[Marker, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", _text(self.title))
        object.__setattr__(self, "x_label", _text(self.x_label))
        object.__setattr__(self, "y_label", _text(self.y_label))
        object.__setattr__(self, "kind", self.kind if self.kind in CHART_KINDS else "line")
        series = [s for s in _items(self.series, MAX_SERIES) if isinstance(s, Series)]
        object.__setattr__(self, "series", tuple(series))
        markers = [m for m in _items(self.markers, MAX_MARKERS) if isinstance(m, Marker)]
        object.__setattr__(self, "markers", tuple(markers))

    @classmethod
    def from_dict(cls, data: Any) -> Chart | None:
        if not isinstance(data, dict) or "title" not in data:
            return None
        series = (Series.from_dict(s) for s in _items(data.get("series"), MAX_SERIES))
        markers = (Marker.from_dict(m) for m in _items(data.get("markers"), MAX_MARKERS))
        return cls(
            **{
                **_known(cls, data),
                "series": tuple(s for s in series if s is not None),
                "markers": tuple(m for m in markers if m is not None),
            }
        )


@dataclass(frozen=True)
class Table:
    """A header and rows of short strings; ``highlight`` names rows (0-based) to draw attention
    to, such as the layer whose shape differs between the frameworks."""

    title: Any
    header: tuple[Any, ...]
    rows: tuple[tuple[str, ...], ...]
    highlight: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        from grader.contract import clean, clip

        object.__setattr__(self, "title", _text(self.title))
        header = tuple(_text(cell) for cell in _items(self.header, MAX_COLUMNS))
        object.__setattr__(self, "header", header)
        rows = tuple(
            tuple(clip(clean(cell), CELL_CHARS) for cell in _items(row, MAX_COLUMNS))
            for row in _items(self.rows, MAX_ROWS)
        )
        object.__setattr__(self, "rows", rows)
        highlight = tuple(
            row
            for row in _items(self.highlight, MAX_ROWS)
            if isinstance(row, int) and not isinstance(row, bool) and 0 <= row < len(rows)
        )
        object.__setattr__(self, "highlight", highlight)

    @classmethod
    def from_dict(cls, data: Any) -> Table | None:
        if not isinstance(data, dict) or "title" not in data:
            return None
        return cls(**{"header": (), "rows": (), **_known(cls, data)})


def charts_from(data: Any) -> tuple[Chart, ...]:
    """The charts in a serialised list (at most ``MAX_CHARTS``); malformed entries are dropped."""
    charts = (Chart.from_dict(c) for c in _items(data, MAX_CHARTS))
    return tuple(c for c in charts if c is not None)


def tables_from(data: Any) -> tuple[Table, ...]:
    """The tables in a serialised list (at most ``MAX_TABLES``); malformed entries are dropped."""
    tables = (Table.from_dict(t) for t in _items(data, MAX_TABLES))
    return tuple(t for t in tables if t is not None)
