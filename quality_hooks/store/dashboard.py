"""The project dashboard: server-rendered HTML pages, inline SVG, no JavaScript.

This module has the project page and what every page shares (the stylesheet, the page shell, the metric
selector, links); the per-file and pull-request pages are in :mod:`quality_hooks.store.pages`.  Everything
the store did not write itself (paths, branch names, messages) is escaped here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from quality_hooks.store import forecast
from quality_hooks.store.alerts import slope
from quality_hooks.store.badge import colour
from quality_hooks.store.chart import METRICS, Band, ChartPoint, MetricSpec, line_chart, when
from quality_hooks.store.schemas import DEFAULT_FORECAST_WINDOW

#: The forecast band without a forecast rule on the metric: a line fitted to this many runs, this many ahead.
FORECAST_RUNS, FORECAST_HORIZON = DEFAULT_FORECAST_WINDOW, 5


@dataclass(frozen=True)
class ForecastWindow:
    """The band's N (runs fitted) and K (runs ahead): a ``forecast`` rule's on the charted metric, so the chart
    draws the trend that rule alerts on, else the defaults (``rule_id`` None)."""

    runs: int = FORECAST_RUNS
    horizon: int = FORECAST_HORIZON
    rule_id: int | None = None


DEFAULT_FORECAST = ForecastWindow()

STYLE = """
:root{--bg:#f5f7fb;--card:#fff;--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--accent:#2563eb}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
header{background:#111827;color:#fff;padding:18px 32px;display:flex;align-items:baseline;gap:16px}
header h1{margin:0;font-size:20px;font-weight:600}header span{color:#9ca3af;font-size:13px}
main{max-width:1100px;margin:0 auto;padding:24px 32px 48px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:16px;margin-bottom:20px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.06em}
.card .v{font-size:28px;font-weight:650;margin-top:2px}.card .s{color:var(--muted);font-size:13px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin-bottom:20px}
section h2{margin:0 0 12px;font-size:16px;font-weight:600}
table{width:100%;border-collapse:collapse;font-size:14px}
th{text-align:left;color:var(--muted);font-weight:500;font-size:12px;text-transform:uppercase;letter-spacing:.05em;
border-bottom:1px solid var(--line);padding:6px 8px}td{padding:7px 8px;border-bottom:1px solid #f1f3f6}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:13px}
.bar{background:#f1f3f6;border-radius:4px;height:8px;width:120px;display:inline-block;vertical-align:middle}
.bar i{display:block;height:8px;border-radius:4px}
.pill{display:inline-block;border-radius:999px;padding:1px 10px;font-size:12px;font-weight:600;color:#fff}
.critical{background:#dc2626}.warning{background:#d97706}.acknowledged{background:#6b7280}
.empty{color:var(--muted);font-style:italic}svg text{font-family:inherit}
nav.metrics{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 12px}
nav.metrics a{border:1px solid var(--line);border-radius:999px;padding:2px 12px;font-size:13px;color:var(--ink);
text-decoration:none}nav.metrics a[aria-current]{background:var(--accent);border-color:var(--accent);color:#fff}
a{color:var(--accent)}td a code{color:inherit}.caption{color:var(--muted);font-size:13px;margin:8px 0 0}
.up{color:#16a34a}.down{color:#dc2626}header a{color:#9ca3af}
"""


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def project_href(project: Mapping[str, Any]) -> str:
    """The project page's path (owner and name are ``[A-Za-z0-9_.-]``, checked by the routes)."""
    return f"/p/{quote(project['owner'], safe='')}/{quote(project['name'], safe='')}"


def file_href(project: Mapping[str, Any], path: str, metric: str | None = None) -> str:
    """A file's page; the path travels in the query string, so slashes and dots in it need no care."""
    query = {"path": path} | ({"metric": metric} if metric else {})
    return f"{project_href(project)}/file?{urlencode(query)}"


def pull_href(project: Mapping[str, Any], number: int) -> str:
    return f"{project_href(project)}/pulls/{int(number)}"


def page(title: str, subtitle: str, body: str) -> str:
    """The HTML shell every page shares; ``title`` and ``subtitle`` are escaped here, ``body`` is HTML."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · quality</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><span>{escape(subtitle)}</span></header><main>{body}</main></body></html>"
    )


def metric_selector(active: str, query: Mapping[str, str] | None = None) -> str:
    """One link per metric (GET, no script); the current one is marked ``aria-current``."""
    links = []
    for key, spec in METRICS.items():
        href = escape("?" + urlencode({**(query or {}), "metric": key}))
        current = ' aria-current="page"' if key == active else ""
        links.append(f'<a href="{href}" data-metric="{key}"{current}>{escape(spec.label)}</a>')
    return f'<nav class="metrics" id="metric-selector" aria-label="Metric">{"".join(links)}</nav>'


def forecast_band(points: Sequence[ChartPoint], window: ForecastWindow = DEFAULT_FORECAST) -> Band | None:
    """The forecast over the last ``window.runs`` points, ``window.horizon`` ahead; None when there are too few."""
    fitted = forecast.fit([p.value for p in points[-window.runs :]])
    return Band(fitted, window.horizon) if fitted else None


def forecast_caption(spec: MetricSpec, band: Band | None, window: ForecastWindow = DEFAULT_FORECAST) -> str:
    if band is None:
        return f'<p class="caption">No forecast: it needs at least {forecast.MIN_RUNS} runs.</p>'
    fitted, ahead = band.forecast, band.forecast.ahead(band.horizon)
    lower, upper = fitted.interval(ahead)
    source = (
        f"the window and horizon of forecast rule {window.rule_id}"
        if window.rule_id is not None
        else "the default window and horizon; a forecast rule on this metric sets its own"
    )
    return (
        f'<p class="caption" id="forecast-caption">Dashed: the least-squares trend over the last {fitted.n} runs '
        f"({fitted.slope:+.{spec.digits + 1}f} per run) and its {fitted.level:.0%} prediction interval; "
        f"expected {escape(spec.label.lower())} {band.horizon} runs ahead: "
        f"{fitted.expected(ahead):.{spec.digits}f} ({lower:.{spec.digits}f} to {upper:.{spec.digits}f}). "
        f'<span id="forecast-source">N = {window.runs}, K = {window.horizon}: {source}.</span></p>'
    )


def chart_section(
    points: Sequence[ChartPoint],
    spec: MetricSpec,
    query: Mapping[str, str] | None = None,
    window: ForecastWindow = DEFAULT_FORECAST,
) -> str:
    """The metric selector, the chart with its forecast band, and the forecast in words."""
    band = forecast_band(points, window)
    return (
        f'<section id="history"><h2>{escape(spec.label)} over time</h2>'
        + metric_selector(spec.key, query)
        + line_chart(points, spec, band)
        + (forecast_caption(spec, band, window) if points else "")
        + "</section>"
    )


def _trend(trend: float | None) -> str:
    if trend is None:
        return "-"
    tint = "#dc2626" if trend < -0.5 else "#16a34a" if trend > 0.5 else "inherit"
    return f'<span style="color:{tint}">{trend:+.2f}</span>'


def _cards(latest: dict[str, Any] | None, scores: list[float], open_alerts: int) -> str:
    totals = latest["totals"] if latest else {}
    score = totals.get("score")
    trend = slope(scores[-10:]) if len(scores[-10:]) >= 3 else None
    findings = totals.get("findings") or {}
    score_colour = colour(score)[1]
    cards = [
        (
            "Score",
            f'<span style="color:{score_colour}">{fmt(score)}</span>',
            f"commit <code>{escape(latest['commit'][:10])}</code>" if latest else "no runs yet",
        ),
        ("Trend", _trend(trend), "score per run, last 10 runs"),
        (
            "Findings",
            str(sum(findings.values())) if findings else "-",
            f"{findings.get('error', 0)} errors · {totals.get('new_findings', 0)} new" if findings else "",
        ),
        ("Open alerts", str(open_alerts), f"{totals.get('files', 0)} files · risk {fmt(totals.get('risk'), 2)}"),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="k">{k}</div><div class="v">{v}</div><div class="s">{s}</div></div>'
            for k, v, s in cards
        )
        + "</div>"
    )


def _files_table(project: Mapping[str, Any], files: list[dict[str, Any]]) -> str:
    if not files:
        return '<p class="empty">No file metrics in the latest run.</p>'
    rows = []
    for f in files:
        risk = f["risk"]
        width = 0 if risk is None else round(risk * 100)
        fill = colour(None if risk is None else 100 - risk * 100)[1]
        rows.append(
            f'<tr><td><a href="{escape(file_href(project, f["path"]))}"><code>{escape(f["path"])}</code></a></td>'
            f'<td><span class="bar"><i style="width:{width}%;background:{fill}"></i></span> {fmt(risk, 2)}</td>'
            f'<td class="num">{fmt(f["score"])}</td><td class="num">{f["complexity"] or 0}</td>'
            f'<td class="num">{sum(f["findings"].values())}</td>'
            f'<td class="why">{"<br>".join(escape(s) for s in f.get("why") or [])}</td></tr>'
        )
    return (
        '<table id="riskiest"><tr><th>File</th><th>Risk</th><th class="num">Score</th>'
        '<th class="num">Complexity</th><th class="num">Findings</th><th>Why</th></tr>' + "".join(rows) + "</table>"
    )


def _alerts_table(alerts: list[dict[str, Any]]) -> str:
    if not alerts:
        return '<p class="empty">No open alerts.</p>'
    rows = "".join(
        f'<tr><td><span class="pill {escape(a["level"])}">{escape(a["level"])}</span>'
        + (' <span class="pill acknowledged">ack</span>' if a["status"] == "acknowledged" else "")
        + f"</td><td>{escape(a['message'])}</td><td>{when(a['opened_at'])}</td></tr>"
        for a in alerts
    )
    return f'<table id="alerts"><tr><th>Level</th><th>Alert</th><th>Since (UTC)</th></tr>{rows}</table>'


def _pulls_table(project: Mapping[str, Any], pulls: Sequence[Mapping[str, Any]]) -> str:
    """The latest run of each recent pull request, linking to its page."""
    if not pulls:
        return '<p class="empty">No pull-request runs yet.</p>'
    rows = "".join(
        f'<tr><td><a href="{escape(pull_href(project, r["pull_request"]))}">#{int(r["pull_request"])}</a></td>'
        f"<td>{escape(r['branch'] or '')}</td><td><code>{escape(r['commit_sha'][:10])}</code></td>"
        f'<td class="num">{fmt(r["score"])}</td><td>{when(r["created_at"])}</td></tr>'
        for r in pulls
    )
    return (
        '<table id="pulls"><tr><th>Pull request</th><th>Branch</th><th>Head</th><th class="num">Score</th>'
        f"<th>Pushed (UTC)</th></tr>{rows}</table>"
    )


def drift_panel(drift: dict[str, Any] | None) -> str:
    """The model's inputs against its training distribution: the most drifted features and their PSI."""
    features = (drift or {}).get("features") or []
    if not features:
        return '<section id="drift"><h2>Model input drift</h2><p class="empty">No feature values yet.</p></section>'
    rows = "".join(
        f'<tr class="{f["status"]}"><td><code>{escape(f["feature"])}</code></td><td class="num">{f["psi"]:.2f}</td>'
        f'<td>{escape(f["status"])}</td><td class="num">{f["values"]}</td></tr>'
        for f in features
    )
    return (
        f'<section id="drift"><h2>Model input drift (last {drift["window"] if drift else 0} runs)</h2>'
        '<table><tr><th>Feature</th><th class="num">PSI</th><th>Reading</th><th class="num">Values</th></tr>'
        f"{rows}</table></section>"
    )


def render(
    project: dict[str, Any],
    points: Sequence[ChartPoint],
    latest: dict[str, Any] | None,
    riskiest: list[dict[str, Any]],
    alerts: list[dict[str, Any]],
    *,
    metric: str = "score",
    scores: Sequence[float] = (),
    pulls: Sequence[Mapping[str, Any]] = (),
    panels: Sequence[str] = (),
    elsewhere: list[str] | None = None,
    window: ForecastWindow = DEFAULT_FORECAST,
) -> str:
    """The project page: ``points`` are the selected ``metric`` over the runs; ``scores`` the runs' scores (the
    trend card); ``panels`` are extra sections (HTML) shown under the chart; ``elsewhere`` names the branches
    shown when the default branch has no runs; ``window`` is the forecast band's N and K."""
    note = ""
    if elsewhere is not None:
        names = ", ".join(escape(b) for b in elsewhere[:10]) or "no branch"
        note = (
            f'<p class="note" id="other-branches">No runs on the default branch '
            f"<code>{escape(project['default_branch'])}</code> yet; showing the latest runs of {names}. "
            "Set the default branch (PATCH the project) if it is not the one above.</p>"
        )
    body = (
        note
        + _cards(latest, list(scores), len(alerts))
        + chart_section(points, METRICS[metric], window=window)
        + "".join(panels)
        + f"<section><h2>Open alerts</h2>{_alerts_table(alerts)}</section>"
        + f"<section><h2>Riskiest files in the latest run</h2>{_files_table(project, riskiest)}</section>"
        + f"<section><h2>Pull requests</h2>{_pulls_table(project, pulls)}</section>"
    )
    title = f"{project['owner']}/{project['name']}"
    return page(title, f"quality history · branch {project['default_branch']}", body)
