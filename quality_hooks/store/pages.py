"""The per-file page (one file's metrics over the default branch's runs) and the pull-request page (its latest
run against its base commit's run): server-rendered HTML in the dashboard's style, no JavaScript."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from quality_hooks.store.chart import METRICS, ChartPoint, MetricSpec, when
from quality_hooks.store.dashboard import (
    DEFAULT_FORECAST,
    ForecastWindow,
    chart_section,
    file_href,
    fmt,
    page,
    project_href,
)

#: The rows of the pull-request page's totals table: (label, key in totals, digits, higher is better).
_TOTALS: tuple[tuple[str, str, int, bool], ...] = (
    ("Score", "score", 1, True),
    ("Risk", "risk", 2, False),
    ("Maintainability", "maintainability", 1, True),
    ("Complexity", "complexity", 0, False),
    ("Errors", "findings.error", 0, False),
    ("Warnings", "findings.warning", 0, False),
    ("Info findings", "findings.info", 0, False),
)


def _back(project: Mapping[str, Any]) -> str:
    return f'<p><a href="{escape(project_href(project))}" id="back">&larr; {escape(_title(project))}</a></p>'


def _title(project: Mapping[str, Any]) -> str:
    return f"{project['owner']}/{project['name']}"


def _delta(value: float | None, digits: int, higher_is_better: bool) -> str:
    """A signed change, green when it is an improvement and red when it is not."""
    if value is None:
        return "-"
    if round(value, digits) == 0:
        return f"{0:.{digits}f}"
    better = (value > 0) == higher_is_better
    return f'<span class="{"up" if better else "down"}">{value:+.{digits}f}</span>'


# ---- one file ----------------------------------------------------------------------------------------------
def file_page(
    project: Mapping[str, Any],
    path: str,
    rows: Sequence[Mapping[str, Any]],
    spec: MetricSpec,
    window: ForecastWindow = DEFAULT_FORECAST,
) -> str:
    """``rows`` are the file's rows in the default branch's runs, in chart order (oldest first), each with the
    run's ``commit_sha`` and ``chart_time``; ``window`` is the forecast band's N and K."""
    points = [
        ChartPoint(float(r["chart_time"]), float(r[spec.key]), r["commit_sha"]) for r in rows if r[spec.key] is not None
    ]
    latest = rows[-1] if rows else None
    why = "".join(f"<li>{escape(s)}</li>" for s in (latest or {}).get("why") or [])
    body = (
        _back(project)
        + f'<section id="file"><h2>File <code id="file-path">{escape(path)}</code></h2>'
        + f"<p>{len(rows)} run(s) of the default branch <code>{escape(project['default_branch'])}</code> carry it."
        + (f" Why it scores as it does now:</p><ul id='why'>{why}</ul>" if why else "</p>")
        + "</section>"
        + chart_section(points, spec, {"path": path}, window)
        + f"<section><h2>Runs</h2>{_file_runs_table(rows)}</section>"
    )
    return page(f"{_title(project)} · {path}", f"file history · branch {project['default_branch']}", body)


def _file_runs_table(rows: Sequence[Mapping[str, Any]]) -> str:
    header = "".join(f'<th class="num">{escape(s.label)}</th>' for s in METRICS.values())
    lines = []
    for r in reversed(rows):
        cells = "".join(f'<td class="num">{fmt(r[s.key], s.digits)}</td>' for s in METRICS.values())
        error = f' <span class="pill critical" title="{escape(r["error"])}">error</span>' if r["error"] else ""
        lines.append(
            f"<tr><td><code>{escape(r['commit_sha'][:10])}</code>{error}</td><td>{when(r['chart_time'])}</td>"
            f"{cells}</tr>"
        )
    return f'<table id="file-runs"><tr><th>Commit</th><th>When (UTC)</th>{header}</tr>{"".join(lines)}</table>'


def no_file_page(project: Mapping[str, Any], path: str) -> str:
    body = (
        _back(project)
        + f'<p class="empty" id="no-file">No run of the default branch <code>{escape(project["default_branch"])}'
        f"</code> carries <code>{escape(path)}</code>.</p>"
    )
    return page(f"{_title(project)} · {path}", "file history", body)


# ---- one pull request --------------------------------------------------------------------------------------
def pull_page(project: Mapping[str, Any], number: int, data: Mapping[str, Any]) -> str:
    """``data`` is the API's comparison (store/comparison.py): head, base, delta, files, maybe a message."""
    head, base = data["head"], data["base"]
    facts = (
        f"head <code>{escape(head['commit'][:12])}</code>"
        + (f" on <code>{escape(head['branch'])}</code>" if head.get("branch") else "")
        + (f" against base <code>{escape(data['base_commit'][:12])}</code>" if data.get("base_commit") else "")
        + f" · pushed {when(head['created_at'])} UTC"
    )
    message = f'<p class="empty" id="no-base">{escape(data["message"])}</p>' if data.get("message") else ""
    body = (
        _back(project)
        + f'<section id="pull"><h2>Pull request #{int(number)}</h2><p>{facts}</p>{message}'
        + _totals_table(head["totals"], base["totals"] if base else None)
        + "</section>"
        + f"<section><h2>Files that changed against the base</h2>{_pull_files_table(project, data)}</section>"
    )
    return page(f"{_title(project)} · #{int(number)}", "pull request against its base", body)


def _total(totals: Mapping[str, Any], key: str) -> float | None:
    value: Any = totals
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return None if value is None else float(value)


def _totals_table(head: Mapping[str, Any], base: Mapping[str, Any] | None) -> str:
    rows = []
    for label, key, digits, higher_is_better in _TOTALS:
        now, before = _total(head, key), _total(base, key) if base else None
        change = None if now is None or before is None else now - before
        rows.append(
            f'<tr><td>{label}</td><td class="num">{fmt(before, digits)}</td><td class="num">{fmt(now, digits)}</td>'
            f'<td class="num">{_delta(change, digits, higher_is_better)}</td></tr>'
        )
    return (
        '<table id="pull-totals"><tr><th>Totals</th><th class="num">Base</th><th class="num">Head</th>'
        f'<th class="num">Change</th></tr>{"".join(rows)}</table>'
    )


def _pull_files_table(project: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    files = data["files"]
    if not files:
        return '<p class="empty">No file differs from the base run.</p>' if data["base"] else ""
    rows = []
    for f in files:
        findings = f.get("findings_delta") or {}
        found = sum(findings.values()) if findings else None
        rows.append(
            f'<tr><td><a href="{escape(file_href(project, f["path"]))}"><code>{escape(f["path"])}</code></a></td>'
            f"<td>{escape(f['change'])}</td>"
            f'<td class="num">{fmt(f["base_score"])}</td><td class="num">{fmt(f["score"])}</td>'
            f'<td class="num">{_delta(f["score_delta"], 1, True)}</td>'
            f'<td class="num">{_delta(f["risk_delta"], 2, False)}</td>'
            f'<td class="num">{_delta(f.get("maintainability_delta"), 1, True)}</td>'
            f'<td class="num">{_delta(f.get("complexity_delta"), 0, False)}</td>'
            f'<td class="num">{_delta(found, 0, False)}</td></tr>'
        )
    return (
        '<table id="pull-files"><tr><th>File</th><th>Change</th><th class="num">Base score</th>'
        '<th class="num">Head score</th><th class="num">Score</th><th class="num">Risk</th>'
        '<th class="num">Maintainability</th><th class="num">Complexity</th><th class="num">Findings</th></tr>'
        + "".join(rows)
        + "</table>"
    )
