"""The store's HTTP routes: history, comparisons, badges, dashboard, alerts and webhooks.

Handlers are module-level and find the shared database, settings and notifier
on ``request.app.state`` (set by :func:`quality_hooks.store.app.create_app`),
so the factory only wires things together.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from quality_hooks import __version__
from quality_hooks.store import alerts as alerting
from quality_hooks.store import badge, drift, prometheus
from quality_hooks.store import repository as repo
from quality_hooks.store.comparison import comparison
from quality_hooks.store.db import Connection, Database, Row
from quality_hooks.store.egress import EgressRefused, check_url
from quality_hooks.store.errors import ApiError
from quality_hooks.store.guard import presented_token
from quality_hooks.store.migrations import current_version
from quality_hooks.store.notify import delivery_view
from quality_hooks.store.schemas import ChannelIn, EmailChannelIn, ProjectSettingsIn, RuleIn, RunIn

Owner = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,100}$", examples=["acme"])]
Name = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,100}$", examples=["widgets"])]
Id = Annotated[int, Path(ge=1, le=2**62)]
BranchQuery = Annotated[str | None, Query(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f]+$")]
Label = Annotated[str, Query(min_length=1, max_length=40, pattern=r"^[\w .:-]+$")]
PREFIX = "/api/v1/projects/{owner}/{name}"

router = APIRouter()


def _db(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


def _authorize(conn: Connection, request: Request, owner: str, name: str, *, write: bool, browser: bool = False) -> Row:
    """The project if the request may read it (or write, with ``write``); else a 401/403/404."""
    project = repo.find_project(conn, owner, name)
    if project is None:
        raise ApiError(404, "not_found", f"no project {owner}/{name}")
    if not write and not project["private"]:
        return project
    token = presented_token({k.lower(): v for k, v in request.headers.items()})
    challenge = {"WWW-Authenticate": 'Basic realm="quality-hooks store"' if browser else "Bearer"}
    if token is None:
        raise ApiError(401, "unauthorized", "this needs a token: send 'Authorization: Bearer TOKEN'", challenge)
    grant = repo.token_grant(conn, token)
    if grant is None:
        raise ApiError(401, "unauthorized", "unknown or revoked token", challenge)
    if grant["project_id"] != project["id"]:
        raise ApiError(403, "forbidden", f"this token is not for {owner}/{name}")
    if write and grant["kind"] != "write":
        raise ApiError(403, "forbidden", "this is a read token; writing needs the project's write token")
    return project


def _write_project(conn: Connection, request: Request, owner: str, name: str) -> Row:
    """:func:`_authorize` for writing, in one query when the token is good (every push, in the group commit)."""
    token = presented_token({k.lower(): v for k, v in request.headers.items()})
    found = repo.writable_project(conn, owner, name, token) if token else None
    return found or _authorize(conn, request, owner, name, write=True)


async def write_access(owner: Owner, name: Name, request: Request) -> None:
    """Checked before the body is validated, so a stranger learns nothing about the schema.

    On SQLite the check (one indexed join) runs on the event loop: the hop to a worker thread and
    back cost more than the reads themselves, on every push. PostgreSQL's network round trips go
    to a worker thread.
    """
    db = _db(request)
    if db.dialect == "sqlite":
        db.read_here(lambda conn: _write_project(conn, request, owner, name))
        return
    await run_in_threadpool(_check_write_access, db, request, owner, name)


def _check_write_access(db: Database, request: Request, owner: str, name: str) -> None:
    with db.transaction() as conn:
        _write_project(conn, request, owner, name)


writer = [Depends(write_access)]


def project_url(request: Request, project: Row) -> str:
    base = request.app.state.settings.public_url or str(request.base_url).rstrip("/")
    return f"{base.rstrip('/')}/api/v1/projects/{project['owner']}/{project['name']}"


def run_out(request: Request, project: Row, row: Row) -> dict[str, Any]:
    return repo.run_view(row) | {"url": f"{project_url(request, project)}/runs/{row['id']}"}


# ---- service -----------------------------------------------------------------------------------------------
@router.get("/healthz", tags=["service"], summary="Liveness and database check")
def healthz(request: Request) -> dict[str, Any]:
    db = _db(request)
    return {"status": "ok", "database": db.dialect, "schema_version": current_version(db), "version": __version__}


@router.get("/metrics", tags=["service"], summary="Prometheus text format", response_class=PlainTextResponse)
def metrics(request: Request) -> PlainTextResponse:
    with _db(request).transaction() as conn:
        projects = repo.project_summaries(conn)
        pending = repo.notifications_in(conn, "pending")
        failed = repo.notifications_in(conn, "failed")
    public = [p for p in projects if not p["private"]]

    def label(project: Row) -> dict[str, str]:
        return {"project": f"{project['owner']}/{project['name']}"}

    lines = list(request.app.state.request_metrics.lines())
    lines += prometheus.gauge("qh_store_projects", "Projects in the store.", [({}, len(projects))])
    lines += prometheus.gauge(
        "qh_store_runs", "Runs stored per public project.", [(label(p), p["runs"]) for p in public]
    )
    lines += prometheus.gauge(
        "qh_store_score",
        "Latest default-branch score per public project.",
        [(label(p), p["score"]) for p in public],
    )
    lines += prometheus.gauge(
        "qh_store_open_alerts",
        "Open or acknowledged alerts per public project.",
        [(label(p), p["open_alerts"]) for p in public],
    )
    lines += prometheus.gauge(
        "qh_store_webhook_notifications",
        "Webhook notifications by state.",
        [({"status": "pending"}, pending), ({"status": "failed"}, failed)],
    )
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4; charset=utf-8")


# ---- projects and runs -------------------------------------------------------------------------------------
@router.get(PREFIX, tags=["projects"], summary="Project settings and latest default-branch run")
def get_project(owner: Owner, name: Name, request: Request) -> dict[str, Any]:
    with _db(request).transaction() as conn:
        project = _authorize(conn, request, owner, name, write=False)
        latest = repo.default_branch_runs(conn, project, 1)
    return {
        "owner": project["owner"],
        "name": project["name"],
        "private": bool(project["private"]),
        "default_branch": project["default_branch"],
        "latest": run_out(request, project, latest[0]) if latest else None,
    }


@router.patch(
    PREFIX, dependencies=writer, tags=["projects"], summary="Change the default branch or visibility (write token)"
)
def patch_project(owner: Owner, name: Name, body: ProjectSettingsIn, request: Request) -> dict[str, Any]:
    with _db(request).transaction(write=True) as conn:
        project = _authorize(conn, request, owner, name, write=True)
        repo.update_project(conn, project["id"], private=body.private, default_branch=body.default_branch)
    return get_project(owner, name, request)


@router.post(
    f"{PREFIX}/runs",
    dependencies=writer,
    tags=["runs"],
    status_code=201,
    summary="Push a run (write token); idempotent on (commit, run_id)",
    responses={
        200: {"description": "This (commit, run_id) was already stored; nothing changed"},
        201: {"description": "Stored"},
    },
)
async def push_run(owner: Owner, name: Name, run: RunIn, request: Request, response: Response) -> dict[str, Any]:
    """Async so that the group commit is awaited on the event loop, not in a worker thread."""

    def store(conn: Connection) -> tuple[dict[str, Any], bool, list[alerting.Event], int]:
        project = repo.learn_default_branch(conn, _write_project(conn, request, owner, name), run)
        row, created = repo.add_run(conn, project["id"], run)
        run_pk = row["id"]
        if created and run.feature_values is not None:
            drift.record_run(conn, run_pk, run.feature_values, drift.shipped_reference())
        view = run_out(request, project, row)
        events: list[alerting.Event] = []
        queued = 0
        if created and repo.is_default_branch_run(project, run):
            events = alerting.evaluate(conn, project, run_pk)
            queued = alerting.enqueue(conn, project, events, view)
        return view, created, events, queued

    view, created, events, queued = await _db(request).write_async(store)  # answered once durably committed
    if queued:
        request.app.state.notifier.wake()
    response.status_code = 201 if created else 200
    return view | {
        "created": created,
        "alerts": [{"event": e.kind, **alerting.alert_view(e.alert)} for e in events],
    }


@router.get(f"{PREFIX}/runs", tags=["runs"], summary="History, newest first, filtered by branch, PR or commit")
def list_runs(
    owner: Owner,
    name: Name,
    request: Request,
    branch: BranchQuery = None,
    pull_request: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    commit: Annotated[str | None, Query(pattern=r"^[0-9a-fA-F]{7,64}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[int | None, Query(ge=1, le=2**62, description="next_cursor of the previous page")] = None,
) -> dict[str, Any]:
    with _db(request).transaction() as conn:
        project = _authorize(conn, request, owner, name, write=False)
        rows = repo.list_runs(
            conn,
            project["id"],
            branch=branch,
            pull_request=pull_request,
            commit=commit.lower() if commit else None,
            before=cursor,
            limit=limit + 1,
        )
    page = rows[:limit]
    return {
        "runs": [run_out(request, project, r) for r in page],
        "next_cursor": page[-1]["id"] if len(rows) > limit else None,
    }


@router.get(f"{PREFIX}/drift", tags=["runs"], summary="Feature drift (PSI) over the last default-branch runs")
def get_drift(
    owner: Owner, name: Name, request: Request, window: Annotated[int, Query(ge=1, le=500)] = drift.DEFAULT_WINDOW
) -> dict[str, Any]:
    with _db(request).transaction() as conn:
        project = _authorize(conn, request, owner, name, write=False)
        measured = drift.measure(conn, project, window, drift.shipped_reference())
    return drift.drift_view(measured)


@router.get(f"{PREFIX}/runs/{{run_pk}}", tags=["runs"], summary="One run with its per-file metrics")
def get_run(owner: Owner, name: Name, run_pk: Id, request: Request) -> dict[str, Any]:
    with _db(request).transaction() as conn:
        project = _authorize(conn, request, owner, name, write=False)
        row = repo.get_run(conn, project["id"], run_pk)
        if row is None:
            raise ApiError(404, "not_found", f"no run {run_pk} in {owner}/{name}")
        files = repo.run_files(conn, run_pk)
    return run_out(request, project, row) | {"files": [repo.file_view(f) for f in files]}


@router.get(
    f"{PREFIX}/pulls/{{number}}/comparison",
    tags=["runs"],
    summary="A pull request's latest run against the run of its base commit",
)
def compare(
    owner: Owner, name: Name, number: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request
) -> dict[str, Any]:
    with _db(request).transaction() as conn:
        project = _authorize(conn, request, owner, name, write=False)
        found = pull_request_comparison(conn, request, project, number)
    if found is None:
        raise ApiError(404, "not_found", f"no run for pull request #{number}")
    return found


def pull_request_comparison(conn: Connection, request: Request, project: Row, number: int) -> dict[str, Any] | None:
    """The comparison the API returns and the pull-request page shows; None when the PR has no run."""
    pair = repo.pull_request_pair(conn, project["id"], number)
    if pair is None:
        return None
    head, base = pair
    head_files = {f["path"]: f for f in repo.run_files(conn, head["id"])}
    base_files = {f["path"]: f for f in repo.run_files(conn, base["id"])} if base else {}
    return comparison(
        run_out(request, project, head),
        run_out(request, project, base) if base else None,
        head_files,
        base_files,
        head["base_commit"],
    )


# ---- badges (the HTML pages are in page_routes.py) --------------------------------------------------------
def latest_score(request: Request, owner: str, name: str, branch: str | None, browser: bool = False) -> float | None:
    with _db(request).transaction() as conn:
        project = _authorize(conn, request, owner, name, write=False, browser=browser)
        rows = (
            repo.list_runs(conn, project["id"], branch=branch, limit=1)
            if branch
            else repo.default_branch_runs(conn, project, 1)
        )
    return rows[0]["score"] if rows else None


@router.get(
    f"{PREFIX}/badge.svg",
    tags=["badges"],
    summary="SVG badge of the latest score",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
def badge_svg(
    owner: Owner, name: Name, request: Request, branch: BranchQuery = None, label: Label = "quality"
) -> Response:
    score = latest_score(request, owner, name, branch, browser=True)
    return Response(badge.svg(label, score), media_type="image/svg+xml", headers={"Cache-Control": "max-age=300"})


@router.get(f"{PREFIX}/badge.json", tags=["badges"], summary="shields.io endpoint badge JSON")
def badge_json(
    owner: Owner, name: Name, request: Request, branch: BranchQuery = None, label: Label = "quality"
) -> dict[str, Any]:
    return badge.shields(label, latest_score(request, owner, name, branch))


# ---- alerts, rules, channels -------------------------------------------------------------------------------
@router.get(f"{PREFIX}/alerts", tags=["alerts"], summary="Alerts, newest first")
def list_alerts(
    owner: Owner,
    name: Name,
    request: Request,
    status: Literal["active", "open", "acknowledged", "resolved", "all"] = "active",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    active = repo.ACTIVE_ALERT_STATES
    wanted = {"active": active, "all": (*active, "resolved")}.get(status, (status,))
    with _db(request).transaction() as conn:
        project = _authorize(conn, request, owner, name, write=False)
        rows = repo.list_alerts(conn, project["id"], wanted, limit)
    return {"alerts": [alerting.alert_view(r) for r in rows]}


def change_alert(
    owner: str, name: str, alert_id: int, request: Request, status: Literal["acknowledged", "resolved"]
) -> dict[str, Any]:
    with _db(request).transaction(write=True) as conn:
        project = _authorize(conn, request, owner, name, write=True)
        alert = repo.get_alert(conn, project["id"], alert_id)
        if alert is None:
            raise ApiError(404, "not_found", f"no alert {alert_id} in {owner}/{name}")
        if alert["status"] == "resolved":
            raise ApiError(409, "conflict", f"alert {alert_id} is already resolved")
        repo.set_alert_status(conn, alert_id, status)
        alert = repo.alert_by_id(conn, alert_id)
    return alerting.alert_view(alert or {})


@router.post(
    f"{PREFIX}/alerts/{{alert_id}}/acknowledge",
    dependencies=writer,
    tags=["alerts"],
    summary="Acknowledge (write token)",
)
def acknowledge(owner: Owner, name: Name, alert_id: Id, request: Request) -> dict[str, Any]:
    return change_alert(owner, name, alert_id, request, "acknowledged")


@router.post(
    f"{PREFIX}/alerts/{{alert_id}}/resolve",
    dependencies=writer,
    tags=["alerts"],
    summary="Resolve by hand (write token); a breach still present on the next run raises a new alert",
)
def resolve(owner: Owner, name: Name, alert_id: Id, request: Request) -> dict[str, Any]:
    return change_alert(owner, name, alert_id, request, "resolved")


@router.get(f"{PREFIX}/rules", tags=["alerts"], summary="Threshold and trend rules")
def list_rules(owner: Owner, name: Name, request: Request) -> dict[str, Any]:
    with _db(request).transaction() as conn:
        project = _authorize(conn, request, owner, name, write=False)
        rows = repo.list_rules(conn, project["id"])
    return {"rules": [alerting.rule_view(r) for r in rows]}


@router.post(
    f"{PREFIX}/rules", dependencies=writer, tags=["alerts"], status_code=201, summary="Add a rule (write token)"
)
def add_rule(owner: Owner, name: Name, rule: RuleIn, request: Request) -> dict[str, Any]:
    with _db(request).transaction(write=True) as conn:
        project = _authorize(conn, request, owner, name, write=True)
        if repo.count_owned(conn, "rules", project["id"]) >= 100:
            raise ApiError(409, "conflict", "a project has at most 100 rules")
        row = repo.add_rule(conn, project["id"], rule)
    return alerting.rule_view(row)


@router.delete(
    f"{PREFIX}/rules/{{rule_id}}",
    dependencies=writer,
    tags=["alerts"],
    status_code=204,
    summary="Delete a rule and resolve its alerts (write token)",
)
def delete_rule(owner: Owner, name: Name, rule_id: Id, request: Request) -> Response:
    with _db(request).transaction(write=True) as conn:
        project = _authorize(conn, request, owner, name, write=True)
        _delete_owned(conn, "rules", rule_id, project)
        repo.resolve_rule_alerts(conn, rule_id)
    return Response(status_code=204)


@router.get(f"{PREFIX}/channels", tags=["alerts"], summary="Alert channels (write token: URLs are secrets)")
def list_channels(owner: Owner, name: Name, request: Request) -> dict[str, Any]:
    with _db(request).transaction() as conn:
        project = _authorize(conn, request, owner, name, write=True)
        rows = repo.list_channels(conn, project["id"])
    return {"channels": rows}


@router.post(
    f"{PREFIX}/channels",
    dependencies=writer,
    tags=["alerts"],
    status_code=201,
    summary="Add a channel: webhook 'json' (generic) or 'slack' (incoming webhook) with a url, "
    "or 'email' with recipients in 'to' (write token)",
)
def add_channel(owner: Owner, name: Name, channel: ChannelIn, request: Request) -> dict[str, Any]:
    with _db(request).transaction(write=True) as conn:
        project = _authorize(conn, request, owner, name, write=True)
        if repo.count_owned(conn, "channels", project["id"]) >= 20:
            raise ApiError(409, "conflict", "a project has at most 20 channels")
        if isinstance(channel, EmailChannelIn):
            if request.app.state.notifier.smtp is None:
                raise ApiError(
                    422, "invalid", "this store sends no e-mail: its operator has not set QUALITY_HOOKS_SMTP_HOST"
                )
            return repo.add_channel(conn, project["id"], "email", "", channel.to)
        try:
            check_url(str(channel.url), allow_private=request.app.state.settings.allow_private_webhooks)
        except EgressRefused as exc:
            raise ApiError(422, "invalid", str(exc)) from None
        return repo.add_channel(conn, project["id"], channel.kind, str(channel.url))


@router.delete(
    f"{PREFIX}/channels/{{channel_id}}",
    dependencies=writer,
    tags=["alerts"],
    status_code=204,
    summary="Delete a channel (write token)",
)
def delete_channel(owner: Owner, name: Name, channel_id: Id, request: Request) -> Response:
    with _db(request).transaction(write=True) as conn:
        project = _authorize(conn, request, owner, name, write=True)
        _delete_owned(conn, "channels", channel_id, project)
    return Response(status_code=204)


@router.get(
    f"{PREFIX}/deliveries",
    tags=["alerts"],
    summary="Alert delivery log (webhooks and e-mail), newest first (write token)",
)
def deliveries(
    owner: Owner, name: Name, request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> dict[str, Any]:
    with _db(request).transaction() as conn:
        project = _authorize(conn, request, owner, name, write=True)
        rows = repo.list_notifications(conn, project["id"], limit)
        out = [delivery_view(r, repo.delivery_attempts(conn, r["id"])) for r in rows]
    return {"deliveries": out}


def _delete_owned(conn: Connection, table: repo.Owned, row_id: int, project: Row) -> None:
    """Delete a project's row of ``table`` or answer 404."""
    if not repo.delete_owned(conn, table, row_id, project["id"]):
        noun = table.removesuffix("s")
        raise ApiError(404, "not_found", f"no {noun} {row_id} in {project['owner']}/{project['name']}")
