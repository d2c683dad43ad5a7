"""The project dashboard: one server-rendered HTML page, inline SVG, no JavaScript."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from quality_hooks.store.alerts import slope
from quality_hooks.store.badge import colour

CHART_W, CHART_H, PAD_L, PAD_R, PAD_T, PAD_B = 820, 260, 44, 16, 16, 30
LINE_COLOUR = "#2563eb"

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
"""


def _when(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


INNER_W, INNER_H = CHART_W - PAD_L - PAD_R, CHART_H - PAD_T - PAD_B
TOP_SCORE = 100.0


def chart(runs: list[dict[str, Any]]) -> str:
    """Score over time as an SVG area + polyline, one point per run, in commit-time order (``created_at``
    holds the commit's time when the pusher gave it, else the push time)."""
    points = [(r["created_at"], r["score"], r) for r in runs if r["score"] is not None]
    if not points:
        return '<p class="empty">No scored runs on the default branch yet.</p>'
    scores = [p[1] for p in points]
    low = _chart_floor(scores)
    step = INNER_W / max(len(points) - 1, 1)
    coords = [(PAD_L + (i * step if len(points) > 1 else INNER_W / 2), _chart_y(s, low)) for i, s in enumerate(scores)]
    line = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords)
    base = PAD_T + INNER_H
    area = f"{coords[0][0]:.1f},{base:.1f} {line} {coords[-1][0]:.1f},{base:.1f}"
    return (
        f'<svg id="score-chart" viewBox="0 0 {CHART_W} {CHART_H}" width="100%" role="img" '
        f'aria-label="Score over the last {len(points)} runs">'
        '<defs><linearGradient id="fill" x1="0" x2="0" y1="0" y2="1">'
        f'<stop offset="0" stop-color="{LINE_COLOUR}" stop-opacity=".28"/>'
        f'<stop offset="1" stop-color="{LINE_COLOUR}" stop-opacity=".02"/></linearGradient></defs>'
        + _chart_grid(low)
        + _chart_time_labels([p[0] for p in points], [x for x, _ in coords])
        + f'<polygon class="area" points="{area}" fill="url(#fill)"/>'
        f'<polyline class="score" points="{line}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2.5" '
        'stroke-linejoin="round" stroke-linecap="round"/>' + _chart_dots(coords, points) + "</svg>"
    )


def _chart_floor(scores: list[float]) -> float:
    """The y axis starts 10 below the lowest score's decade when the scores are close, else at 0."""
    return max(0.0, (min(scores) // 10) * 10 - 10 if max(scores) - min(scores) < 40 else 0.0)


def _chart_y(value: float, low: float) -> float:
    return PAD_T + INNER_H * (1 - (value - low) / (TOP_SCORE - low))


def _chart_grid(low: float) -> str:
    tick = 10 if TOP_SCORE - low <= 60 else 20
    return "".join(_grid_line(v, _chart_y(v, low)) for v in range(int(low), int(TOP_SCORE) + 1, tick))


def _grid_line(value: int, y: float) -> str:
    return (
        f'<line x1="{PAD_L}" x2="{CHART_W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eef0f4"/>'
        f'<text x="{PAD_L - 8}" y="{y + 4:.1f}" font-size="11" fill="#6b7280" text-anchor="end">{value}</text>'
    )


def _chart_time_labels(times: list[float], xs: list[float]) -> str:
    """First, middle and last run's time: the hour when all runs are on one day, else the date."""
    same_day = _when(times[0])[:10] == _when(times[-1])[:10]
    last = len(times) - 1
    labels = []
    for i in sorted({0, len(times) // 2, last}):
        anchor = "start" if i == 0 else "end" if i == last else "middle"
        when = _when(times[i])
        labels.append(
            f'<text x="{xs[i]:.1f}" y="{CHART_H - 8}" font-size="11" fill="#6b7280" '
            f'text-anchor="{anchor}">{when[11:] if same_day else when[:10]}</text>'
        )
    return "".join(labels)


def _chart_dots(coords: list[tuple[float, float]], points: list[tuple[Any, float, dict[str, Any]]]) -> str:
    radius = 3 if len(points) <= 60 else 0
    return "".join(
        f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="{radius}" fill="#fff" stroke="{LINE_COLOUR}" '
        f'stroke-width="2"><title>{escape(p[2]["commit"][:10])}: {p[1]:.1f}</title></circle>'
        for (x, yy), p in zip(coords, points, strict=True)
    )


def _trend(trend: float | None) -> str:
    if trend is None:
        return "-"
    tint = "#dc2626" if trend < -0.5 else "#16a34a" if trend > 0.5 else "inherit"
    return f'<span style="color:{tint}">{trend:+.2f}</span>'


def _cards(latest: dict[str, Any] | None, history: list[dict[str, Any]], open_alerts: int) -> str:
    totals = latest["totals"] if latest else {}
    score = totals.get("score")
    scores = [r["score"] for r in history[-10:] if r["score"] is not None]
    trend = slope(scores) if len(scores) >= 3 else None
    findings = totals.get("findings") or {}
    score_colour = colour(score)[1]
    cards = [
        (
            "Score",
            f'<span style="color:{score_colour}">{_fmt(score)}</span>',
            f"commit <code>{escape(latest['commit'][:10])}</code>" if latest else "no runs yet",
        ),
        ("Trend", _trend(trend), "score per run, last 10 runs"),
        (
            "Findings",
            str(sum(findings.values())) if findings else "-",
            f"{findings.get('error', 0)} errors · {totals.get('new_findings', 0)} new" if findings else "",
        ),
        ("Open alerts", str(open_alerts), f"{totals.get('files', 0)} files · risk {_fmt(totals.get('risk'), 2)}"),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="k">{k}</div><div class="v">{v}</div><div class="s">{s}</div></div>'
            for k, v, s in cards
        )
        + "</div>"
    )


def _files_table(files: list[dict[str, Any]]) -> str:
    if not files:
        return '<p class="empty">No file metrics in the latest run.</p>'
    rows = []
    for f in files:
        risk = f["risk"]
        width = 0 if risk is None else round(risk * 100)
        fill = colour(None if risk is None else 100 - risk * 100)[1]
        rows.append(
            f"<tr><td><code>{escape(f['path'])}</code></td>"
            f'<td><span class="bar"><i style="width:{width}%;background:{fill}"></i></span> {_fmt(risk, 2)}</td>'
            f'<td class="num">{_fmt(f["score"])}</td><td class="num">{f["complexity"] or 0}</td>'
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
        + f"</td><td>{escape(a['message'])}</td><td>{_when(a['opened_at'])}</td></tr>"
        for a in alerts
    )
    return f'<table id="alerts"><tr><th>Level</th><th>Alert</th><th>Since (UTC)</th></tr>{rows}</table>'


def render(
    project: dict[str, Any],
    history: list[dict[str, Any]],
    latest: dict[str, Any] | None,
    riskiest: list[dict[str, Any]],
    alerts: list[dict[str, Any]],
    *,
    elsewhere: list[str] | None = None,
) -> str:
    """The project page; ``elsewhere`` names the branches shown when the default branch has no runs."""
    title = f"{project['owner']}/{project['name']}"
    note = ""
    if elsewhere is not None:
        names = ", ".join(escape(b) for b in elsewhere[:10]) or "no branch"
        note = (
            f'<p class="note" id="other-branches">No runs on the default branch '
            f"<code>{escape(project['default_branch'])}</code> yet; showing the latest runs of {names}. "
            "Set the default branch (PATCH the project) if it is not the one above.</p>"
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · quality</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><span>quality history · branch {escape(project['default_branch'])}</span>"
        "</header><main>"
        + note
        + _cards(latest, history, len(alerts))
        + f"<section><h2>Score over time</h2>{chart(history)}</section>"
        + f"<section><h2>Open alerts</h2>{_alerts_table(alerts)}</section>"
        + f"<section><h2>Riskiest files in the latest run</h2>{_files_table(riskiest)}</section>"
        + "</main></body></html>"
    )
