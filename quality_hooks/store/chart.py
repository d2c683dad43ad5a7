"""Any run metric over time as inline SVG (no JavaScript): a line, its area, and optionally a forecast band.

Points are evenly spaced in commit-time order (the x labels give the commits' dates); a forecast adds
``horizon`` empty slots on the right, where the dashed band shows the prediction interval.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal, get_args

from quality_hooks.store.forecast import Forecast

CHART_W, CHART_H, PAD_L, PAD_R, PAD_T, PAD_B = 820, 260, 52, 16, 16, 30
INNER_W, INNER_H = CHART_W - PAD_L - PAD_R, CHART_H - PAD_T - PAD_B
LINE_COLOUR = "#2563eb"
BAND_COLOUR = "#7c3aed"


@dataclass(frozen=True)
class MetricSpec:
    """How one run/file column is named, shown and scaled."""

    key: str  # the column of ``runs`` and ``run_files``
    label: str
    digits: int
    #: The axis' fixed top (score and maintainability 100, risk 1); None: from the data.
    top: float | None
    higher_is_better: bool = False


MetricName = Literal[
    "score", "risk", "maintainability", "complexity", "findings_error", "findings_warning", "findings_info"
]
METRICS: dict[str, MetricSpec] = {
    spec.key: spec
    for spec in (
        MetricSpec("score", "Score", 1, 100.0, higher_is_better=True),
        MetricSpec("risk", "Risk", 2, 1.0),
        MetricSpec("maintainability", "Maintainability", 1, 100.0, higher_is_better=True),
        MetricSpec("complexity", "Complexity", 0, None),
        MetricSpec("findings_error", "Errors", 0, None),
        MetricSpec("findings_warning", "Warnings", 0, None),
        MetricSpec("findings_info", "Info findings", 0, None),
    )
}
assert tuple(METRICS) == get_args(MetricName)


@dataclass(frozen=True)
class ChartPoint:
    time: float  # where the run sits: its commit's time, else its push time (Unix seconds)
    value: float
    commit: str


@dataclass(frozen=True)
class Band:
    """A forecast drawn over the last ``forecast.n`` points and ``horizon`` runs beyond them."""

    forecast: Forecast
    horizon: int


def when(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def line_chart(points: Sequence[ChartPoint], spec: MetricSpec, band: Band | None = None) -> str:
    """The SVG chart; a sentence instead when there is nothing to draw."""
    if not points:
        return f'<p class="empty">No {escape(spec.label.lower())} on the default branch yet.</p>'
    values = [p.value for p in points]
    slots = len(points) + (band.horizon if band else 0)
    step = INNER_W / max(slots - 1, 1)
    xs = [PAD_L + (i * step if slots > 1 else INNER_W / 2) for i in range(slots)]
    band_rows = _band_rows(band, len(points)) if band else []
    low, high = axis(spec, values + [v for _, lo, mid, hi in band_rows for v in (lo, mid, hi)])

    def y(value: float) -> float:
        clipped = min(max(value, low), high)
        return PAD_T + INNER_H * (1 - (clipped - low) / (high - low))

    coords = [(xs[i], y(v)) for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords)
    base = PAD_T + INNER_H
    area = f"{coords[0][0]:.1f},{base:.1f} {line} {coords[-1][0]:.1f},{base:.1f}"
    return (
        f'<svg id="metric-chart" data-metric="{spec.key}" viewBox="0 0 {CHART_W} {CHART_H}" width="100%" '
        f'role="img" aria-label="{escape(spec.label)} over the last {len(points)} runs">'
        '<defs><linearGradient id="fill" x1="0" x2="0" y1="0" y2="1">'
        f'<stop offset="0" stop-color="{LINE_COLOUR}" stop-opacity=".28"/>'
        f'<stop offset="1" stop-color="{LINE_COLOUR}" stop-opacity=".02"/></linearGradient></defs>'
        + _grid(low, high, y)
        + _time_labels([p.time for p in points], xs, band.horizon if band else 0)
        + f'<polygon class="area" points="{area}" fill="url(#fill)"/>'
        + (_band_svg(band_rows, xs, y) if band_rows else "")
        + f'<polyline class="{spec.key}" points="{line}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2.5" '
        'stroke-linejoin="round" stroke-linecap="round"/>' + _dots(coords, points, spec) + "</svg>"
    )


def axis(spec: MetricSpec, values: Sequence[float]) -> tuple[float, float]:
    """The y range: a fixed top with a floor near the data (score-like), else 0 up to a round figure."""
    if spec.top is not None:
        if spec.top != 100.0:
            return 0.0, spec.top
        close = max(values) - min(values) < 40
        return max(0.0, (min(values) // 10) * 10 - 10 if close else 0.0), spec.top
    top = max(max(values), 0.0) * 1.1
    return 0.0, max(nice_step(top / 5) * 5 if top > 0 else 0.0, 5.0)  # counts: whole-number ticks


def nice_step(rough: float) -> float:
    """1, 2 or 5 times a power of ten, at least ``rough``."""
    magnitude = 10.0 ** math.floor(math.log10(rough))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough - 1e-12)


def _grid(low: float, high: float, place: Callable[[float], float]) -> str:
    step = nice_step((high - low) / 6)
    ticks, value = [], low
    while value <= high + 1e-9:
        ticks.append(value)
        value += step
    return "".join(
        f'<line x1="{PAD_L}" x2="{CHART_W - PAD_R}" y1="{place(v):.1f}" y2="{place(v):.1f}" stroke="#eef0f4"/>'
        f'<text x="{PAD_L - 8}" y="{place(v) + 4:.1f}" font-size="11" fill="#6b7280" text-anchor="end">'
        f"{round(v, 6):g}</text>"
        for v in ticks
    )


def _time_labels(times: list[float], xs: list[float], horizon: int) -> str:
    """First, middle and last run's time (the hour when all runs are on one day, else the date)."""
    same_day = when(times[0])[:10] == when(times[-1])[:10]
    last = len(times) - 1
    labels = []
    for i in sorted({0, len(times) // 2, last}):
        anchor = "start" if i == 0 else "end" if i == last and not horizon else "middle"
        stamp = when(times[i])
        labels.append(
            f'<text x="{xs[i]:.1f}" y="{CHART_H - 8}" font-size="11" fill="#6b7280" '
            f'text-anchor="{anchor}">{stamp[11:] if same_day else stamp[:10]}</text>'
        )
    if horizon:
        labels.append(
            f'<text x="{xs[-1]:.1f}" y="{CHART_H - 8}" font-size="11" fill="{BAND_COLOUR}" '
            f'text-anchor="end">+{horizon} runs</text>'
        )
    return "".join(labels)


def _band_rows(band: Band, plotted: int) -> list[tuple[int, float, float, float]]:
    """(slot, lower, expected, upper) from the first fitted point to the horizon."""
    first = plotted - band.forecast.n
    rows = []
    for slot in range(first, plotted + band.horizon):
        x = slot - first
        lower, upper = band.forecast.interval(x)
        rows.append((slot, lower, band.forecast.expected(x), upper))
    return rows


def _band_svg(rows: list[tuple[int, float, float, float]], xs: list[float], place: Callable[[float], float]) -> str:
    upper = [f"{xs[s]:.1f},{place(hi):.1f}" for s, _, _, hi in rows]
    lower = [f"{xs[s]:.1f},{place(lo):.1f}" for s, lo, _, _ in reversed(rows)]
    middle = " ".join(f"{xs[s]:.1f},{place(mid):.1f}" for s, _, mid, _ in rows)
    return (
        f'<polygon class="forecast-band" points="{" ".join(upper + lower)}" fill="{BAND_COLOUR}" '
        f'fill-opacity=".10" stroke="{BAND_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        f'<polyline class="forecast-line" points="{middle}" fill="none" stroke="{BAND_COLOUR}" '
        'stroke-width="2" stroke-dasharray="6 4"/>'
    )


def _dots(coords: list[tuple[float, float]], points: Sequence[ChartPoint], spec: MetricSpec) -> str:
    radius = 3 if len(points) <= 60 else 0
    return "".join(
        f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="{radius}" fill="#fff" stroke="{LINE_COLOUR}" '
        f'stroke-width="2"><title>{escape(p.commit[:10])}: {p.value:.{spec.digits}f}</title></circle>'
        for (x, yy), p in zip(coords, points, strict=True)
    )
