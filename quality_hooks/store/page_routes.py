"""The store's HTML pages: the project page, a file's history and a pull request against its base.

They read like the API (public projects openly, private ones with a token, Basic auth for browsers) and
gather their rows here; the HTML is written by :mod:`.dashboard` and :mod:`.pages`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from quality_hooks.store import dashboard, drift, pages
from quality_hooks.store import repository as repo
from quality_hooks.store.chart import METRICS, ChartPoint, MetricName
from quality_hooks.store.db import Connection, Row
from quality_hooks.store.routes import Name, Owner, _authorize, _db, pull_request_comparison

#: How many default-branch runs a chart shows.
CHART_RUNS = 200
MetricQuery = Annotated[MetricName, Query(description="the metric charted")]
FilePath = Annotated[str, Query(min_length=1, max_length=1024, pattern=r"^[^\x00-\x1f]+$")]

router = APIRouter(tags=["dashboard"])


@router.get("/p/{owner}/{name}", summary="HTML dashboard", response_class=HTMLResponse)
def dashboard_page(owner: Owner, name: Name, request: Request, metric: MetricQuery = "score") -> HTMLResponse:
    with _db(request).transaction() as conn:
        project = _authorize(conn, request, owner, name, write=False, browser=True)
        history = repo.default_branch_runs(conn, project, CHART_RUNS)
        elsewhere = None
        if not history:  # runs only on other branches (or PRs): show those rather than nothing
            history = repo.list_runs(conn, project["id"], limit=CHART_RUNS)[::-1]
            elsewhere = sorted(
                {r["branch"] or f"PR #{r['pull_request']}" for r in history if r["branch"] or r["pull_request"]}
            )
        latest = history[-1] if history else None
        riskiest = repo.run_files(conn, latest["id"], order_by_risk=True, limit=15) if latest else []
        open_alerts = repo.list_alerts(conn, project["id"], repo.ACTIVE_ALERT_STATES)
        pulls = repo.latest_pull_request_runs(conn, project["id"], 10)
        panels = extra_panels(conn, project)
        window = forecast_window(conn, project, metric)
    ordered = sorted(history, key=lambda r: (repo.chart_time(r), r["id"]))
    html = dashboard.render(
        project,
        _points(ordered, metric),
        repo.run_view(latest) if latest else None,
        [repo.file_view(f) for f in riskiest],
        open_alerts,
        metric=metric,
        scores=[float(r["score"]) for r in ordered if r["score"] is not None],
        pulls=pulls,
        panels=panels,
        elsewhere=elsewhere,
        window=window,
    )
    return HTMLResponse(html)


def forecast_window(conn: Connection, project: Row, metric: str) -> dashboard.ForecastWindow:
    """The band's N and K: those of the project's (first) ``forecast`` rule on ``metric``, so the chart shows the
    trend that alerts; without one, the defaults."""
    for rule in repo.list_rules(conn, project["id"]):
        if rule["kind"] == "forecast" and rule["metric"] == metric:
            return dashboard.ForecastWindow(rule["window_runs"], rule["horizon_runs"] or 1, rule["id"])
    return dashboard.DEFAULT_FORECAST


def extra_panels(conn: Connection, project: Row) -> list[str]:
    """Sections shown under the project page's chart, as HTML: the model input drift panel, over the window (N)
    of the project's first ``drift`` rule, so the panel shows what that rule judges (no rule: 10 runs)."""
    windows = [r["window_runs"] for r in repo.list_rules(conn, project["id"]) if r["kind"] == "drift"]
    window = windows[0] if windows else drift.DEFAULT_WINDOW
    measured = drift.measure(conn, project, window, drift.shipped_reference())
    return [dashboard.drift_panel(drift.drift_view(measured, drift.SHOWN))]


def _points(rows: list[Row], metric: str) -> list[ChartPoint]:
    return [ChartPoint(repo.chart_time(r), float(r[metric]), r["commit_sha"]) for r in rows if r[metric] is not None]


@router.get("/p/{owner}/{name}/file", summary="One file's history (HTML)", response_class=HTMLResponse)
def file_page(
    owner: Owner, name: Name, request: Request, path: FilePath, metric: MetricQuery = "score"
) -> HTMLResponse:
    with _db(request).transaction() as conn:
        project = _authorize(conn, request, owner, name, write=False, browser=True)
        rows = repo.file_history(conn, project, path, CHART_RUNS)
        window = forecast_window(conn, project, metric)
    if not rows:
        return HTMLResponse(pages.no_file_page(project, path), status_code=404)
    timed: list[dict[str, Any]] = [r | {"chart_time": repo.chart_time(r)} for r in rows]
    timed.sort(key=lambda r: (r["chart_time"], r["run_pk"]))
    for row in timed:
        row["why"] = repo.file_view(row)["why"]
    return HTMLResponse(pages.file_page(project, path, timed, METRICS[metric], window))


@router.get(
    "/p/{owner}/{name}/pulls/{number}", summary="A pull request against its base (HTML)", response_class=HTMLResponse
)
def pull_page(
    owner: Owner, name: Name, number: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request
) -> HTMLResponse:
    with _db(request).transaction() as conn:
        project = _authorize(conn, request, owner, name, write=False, browser=True)
        data = pull_request_comparison(conn, request, project, number)
    if data is None:
        return HTMLResponse(
            dashboard.page(
                f"{owner}/{name} · #{number}",
                "pull request",
                f'<p class="empty" id="no-pull">No run stored for pull request #{number}.</p>',
            ),
            status_code=404,
        )
    return HTMLResponse(pages.pull_page(project, number, data))
