"""The store's queries: projects, tokens, runs, alerts, rules and channels.

Every function takes an open transaction, so a route composes several in one. All the store's SQL
lives here (schema changes apart: migrations.py); routes, the CLI, the alert evaluation and the
webhook worker call these functions.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from typing import Any, Literal

from quality_hooks.store.db import Connection, Row
from quality_hooks.store.payload import iso_utc
from quality_hooks.store.schemas import RuleIn, RunIn
from quality_hooks.store.tokens import hash_token, new_token

RUN_COLUMNS = (
    "id, commit_sha, run_id, branch, pull_request, base_commit, tool_version, created_at, files, errors, "
    "score, risk, complexity, sloc, findings_info, findings_warning, findings_error, new_findings, commit_time, "
    "maintainability"
)
#: What a project's default branch is taken to be until it is set or a push names it.
ASSUMED_DEFAULT_BRANCH = "main"
FILE_COLUMNS = (
    "path, score, risk, complexity, sloc, findings_info, findings_warning, findings_error, new_findings, error, why, "
    "maintainability"
)


def find_project(conn: Connection, owner: str, name: str) -> Row | None:
    return conn.one("SELECT * FROM projects WHERE owner = ? AND name = ?", owner, name)


def create_project(
    conn: Connection, owner: str, name: str, *, private: bool = False, default_branch: str | None = None
) -> Row:
    """A project; without ``default_branch`` it is assumed to be ``main`` until a push names the real one."""
    conn.execute(
        "INSERT INTO projects (owner, name, private, default_branch, default_branch_known, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (owner, name) DO NOTHING",
        owner,
        name,
        int(private),
        default_branch or ASSUMED_DEFAULT_BRANCH,
        int(default_branch is not None),
        time.time(),
    )
    project = find_project(conn, owner, name)
    assert project is not None
    return project


def update_project(conn: Connection, project_id: int, *, private: bool | None, default_branch: str | None) -> None:
    if private is not None:
        conn.execute("UPDATE projects SET private = ? WHERE id = ?", int(private), project_id)
    if default_branch is not None:
        conn.execute(
            "UPDATE projects SET default_branch = ?, default_branch_known = 1 WHERE id = ?", default_branch, project_id
        )


def learn_default_branch(conn: Connection, project: Row, run: RunIn) -> Row:
    """The project as it is after ``run``: the first push that names the default branch sets it (once)."""
    if project["default_branch_known"] or not run.default_branch:
        return project
    conn.execute(
        "UPDATE projects SET default_branch = ?, default_branch_known = 1 WHERE id = ? AND default_branch_known = 0",
        run.default_branch,
        project["id"],
    )
    found = conn.one("SELECT * FROM projects WHERE id = ?", project["id"])
    assert found is not None
    return found


def issue_token(conn: Connection, project_id: int, kind: str, label: str = "") -> str:
    """Create a token and return it in clear; only its hash is kept."""
    token = new_token(kind)
    conn.execute(
        "INSERT INTO tokens (project_id, kind, token_hash, label, created_at) VALUES (?, ?, ?, ?, ?)",
        project_id,
        kind,
        hash_token(token),
        label,
        time.time(),
    )
    return token


def writable_project(conn: Connection, owner: str, name: str, token: str) -> Row | None:
    """The project, if ``token`` is one of its live write tokens (one query; None: look closer for why not)."""
    return conn.one(
        "SELECT p.* FROM projects p JOIN tokens t ON t.project_id = p.id WHERE p.owner = ? AND p.name = ? "
        "AND t.token_hash = ? AND t.revoked = 0 AND t.kind = 'write'",
        owner,
        name,
        hash_token(token),
    )


def token_grant(conn: Connection, token: str) -> Row | None:
    """The project and kind a presented token grants, or None."""
    return conn.one("SELECT project_id, kind FROM tokens WHERE token_hash = ? AND revoked = 0", hash_token(token))


def add_run(conn: Connection, project_id: int, run: RunIn) -> tuple[Row, bool]:
    """Store a run unless ``(commit, run_id)`` is already there; returns (its row, created).

    The new row comes back from the ``INSERT`` itself (``RETURNING``), not from a second query.
    """
    commit = run.commit.lower()
    new = conn.one(
        "INSERT INTO runs (project_id, commit_sha, run_id, branch, pull_request, base_commit, tool_version, "
        "created_at, files, errors, score, risk, complexity, sloc, findings_info, findings_warning, findings_error, "
        "new_findings, commit_time, maintainability) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        f"ON CONFLICT (project_id, commit_sha, run_id) DO NOTHING RETURNING {RUN_COLUMNS}",
        project_id,
        commit,
        run.run_id,
        run.branch,
        run.pull_request,
        run.base_commit.lower() if run.base_commit else None,
        run.tool_version,
        time.time(),
        run.totals.files or len(run.files),
        run.totals.errors,
        run.totals.score,
        run.totals.risk,
        run.totals.complexity,
        run.totals.sloc,
        run.totals.findings.info,
        run.totals.findings.warning,
        run.totals.findings.error,
        run.totals.new_findings,
        run.commit_time.timestamp() if run.commit_time else None,
        run.totals.maintainability,
    )
    if new is None:
        existing = conn.one(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE project_id = ? AND commit_sha = ? AND run_id = ?",
            project_id,
            commit,
            run.run_id,
        )
        assert existing is not None
        return existing, False
    insert_run_files(
        conn,
        [
            (
                new["id"],
                f.path,
                f.score,
                f.risk,
                f.complexity,
                f.sloc,
                f.findings.info,
                f.findings.warning,
                f.findings.error,
                f.new_findings,
                f.error,
                json.dumps(f.why) if f.why else None,
                f.maintainability,
            )
            for f in run.files
        ],
    )
    return new, True


def insert_run_files(conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``(run_pk, *FILE_COLUMNS)`` rows (``executemany``); the benchmark's baseline inserts through it too,
    so both insert their files the same way."""
    conn.many(f"INSERT INTO run_files (run_pk, {FILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def run_view(row: Row) -> dict[str, Any]:
    """A run row as the API shows it."""
    return {
        "id": row["id"],
        "commit": row["commit_sha"],
        "run_id": row["run_id"],
        "branch": row["branch"],
        "pull_request": row["pull_request"],
        "base_commit": row["base_commit"],
        "tool_version": row["tool_version"],
        "created_at": row["created_at"],
        "commit_time": iso_utc(row["commit_time"]),
        "totals": {
            "files": row["files"],
            "errors": row["errors"],
            "score": row["score"],
            "risk": row["risk"],
            "complexity": row["complexity"],
            "sloc": row["sloc"],
            "maintainability": row["maintainability"],
            "findings": {
                "info": row["findings_info"],
                "warning": row["findings_warning"],
                "error": row["findings_error"],
            },
            "new_findings": row["new_findings"],
        },
    }


def chart_time(row: Row) -> float:
    """Where a run sits on a chart: its commit's time, else when it was pushed."""
    return float(row["commit_time"] if row["commit_time"] is not None else row["created_at"])


def file_view(row: Row) -> dict[str, Any]:
    return {
        "path": row["path"],
        "score": row["score"],
        "risk": row["risk"],
        "complexity": row["complexity"],
        "sloc": row["sloc"],
        "maintainability": row["maintainability"],
        "findings": {"info": row["findings_info"], "warning": row["findings_warning"], "error": row["findings_error"]},
        "new_findings": row["new_findings"],
        "error": row["error"],
        "why": json.loads(row["why"]) if row["why"] else [],
    }


def get_run(conn: Connection, project_id: int, run_pk: int) -> Row | None:
    return conn.one(f"SELECT {RUN_COLUMNS} FROM runs WHERE project_id = ? AND id = ?", project_id, run_pk)


def run_files(conn: Connection, run_pk: int, *, order_by_risk: bool = False, limit: int = 100_000) -> list[Row]:
    order = "COALESCE(risk, -1) DESC, COALESCE(score, 101) ASC, path" if order_by_risk else "path"
    return conn.all(f"SELECT {FILE_COLUMNS} FROM run_files WHERE run_pk = ? ORDER BY {order} LIMIT ?", run_pk, limit)


def list_runs(
    conn: Connection,
    project_id: int,
    *,
    branch: str | None = None,
    pull_request: int | None = None,
    commit: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[Row]:
    """Newest first; ``before`` is the paging cursor (a run id)."""
    where: list[str] = ["project_id = ?"]
    params: list[Any] = [project_id]
    for column, value in (("branch", branch), ("pull_request", pull_request), ("commit_sha", commit)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if before is not None:
        where.append("id < ?")
        params.append(before)
    sql = f"SELECT {RUN_COLUMNS} FROM runs WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?"
    return conn.all(sql, *params, limit)


def default_branch_runs(conn: Connection, project: Row, limit: int) -> list[Row]:
    """The last ``limit`` default-branch runs (not pull requests), oldest first."""
    rows = conn.all(
        f"SELECT {RUN_COLUMNS} FROM runs WHERE project_id = ? AND branch = ? AND pull_request IS NULL "
        "ORDER BY id DESC LIMIT ?",
        project["id"],
        project["default_branch"],
        limit,
    )
    return rows[::-1]


def file_history(conn: Connection, project: Row, path: str, limit: int) -> list[Row]:
    """One file's metrics in the last ``limit`` default-branch runs that carried it, oldest first; each row has
    the run's ``run_pk``, ``commit_sha``, ``created_at`` and ``commit_time`` beside the file's columns."""
    columns = ", ".join(f"f.{c.strip()}" for c in FILE_COLUMNS.split(","))
    rows = conn.all(
        f"SELECT r.id AS run_pk, r.commit_sha, r.created_at, r.commit_time, {columns} FROM run_files f "
        "JOIN runs r ON r.id = f.run_pk WHERE f.path = ? AND r.project_id = ? AND r.branch = ? "
        "AND r.pull_request IS NULL ORDER BY r.id DESC LIMIT ?",
        path,
        project["id"],
        project["default_branch"],
        limit,
    )
    return rows[::-1]


def latest_pull_request_runs(conn: Connection, project_id: int, limit: int) -> list[Row]:
    """The newest run of each of the ``limit`` pull requests pushed most recently, newest first."""
    return conn.all(
        f"SELECT {RUN_COLUMNS} FROM runs WHERE id IN (SELECT MAX(id) FROM runs WHERE project_id = ? "
        "AND pull_request IS NOT NULL GROUP BY pull_request) ORDER BY id DESC LIMIT ?",
        project_id,
        limit,
    )


def is_default_branch_run(project: Row, run: RunIn) -> bool:
    return run.pull_request is None and run.branch == project["default_branch"]


def revoke_tokens(conn: Connection, project_id: int) -> int:
    """Revoke every token of a project; returns how many there were."""
    return conn.execute("UPDATE tokens SET revoked = 1 WHERE project_id = ?", project_id)


def add_feature_bins(conn: Connection, rows: Sequence[tuple[int, str, str, str, str]]) -> None:
    """A run's feature values counted into bins: ``(run_pk, model, feature, reference, counts JSON)`` rows."""
    conn.many("INSERT INTO run_feature_bins (run_pk, model, feature, reference, counts) VALUES (?, ?, ?, ?, ?)", rows)


def feature_bins(conn: Connection, run_pks: Sequence[int], reference: str) -> list[Row]:
    """The bin counts of these runs made against ``reference`` (the training distributions' digest)."""
    if not run_pks:
        return []
    marks = ", ".join("?" for _ in run_pks)
    return conn.all(
        f"SELECT model, feature, counts FROM run_feature_bins WHERE reference = ? AND run_pk IN ({marks})",
        reference,
        *run_pks,
    )


# ---- runs across projects, comparisons ---------------------------------------------------------------------
def project_summaries(conn: Connection) -> list[Row]:
    """Every project with its latest default-branch score, run count and active alerts (for /metrics)."""
    return conn.all(
        "SELECT p.owner, p.name, p.private, "
        "(SELECT r.score FROM runs r WHERE r.project_id = p.id AND r.branch = p.default_branch "
        " AND r.pull_request IS NULL ORDER BY r.id DESC LIMIT 1) AS score, "
        "(SELECT COUNT(*) FROM runs r WHERE r.project_id = p.id) AS runs, "
        "(SELECT COUNT(*) FROM alerts a WHERE a.project_id = p.id AND a.status IN ('open', 'acknowledged')) "
        "AS open_alerts FROM projects p ORDER BY p.owner, p.name"
    )


def pull_request_pair(conn: Connection, project_id: int, number: int) -> tuple[Row, Row | None] | None:
    """A pull request's newest run and the run of its base commit (None: not stored); None: no run at all."""
    heads = list_runs(conn, project_id, pull_request=number, limit=1)
    if not heads:
        return None
    base_commit = heads[0]["base_commit"]
    return heads[0], base_run(conn, project_id, base_commit) if base_commit else None


def base_run(conn: Connection, project_id: int, commit: str) -> Row | None:
    """The run of a pull request's base commit: a branch run if there is one, else the newest."""
    return conn.one(
        f"SELECT {RUN_COLUMNS} FROM runs WHERE project_id = ? AND commit_sha = ? "
        "ORDER BY (pull_request IS NULL) DESC, id DESC LIMIT 1",
        project_id,
        commit,
    )


# ---- alerts, rules, channels, notifications ----------------------------------------------------------------
#: Alert states that still ask for attention.
ACTIVE_ALERT_STATES = ("open", "acknowledged")
#: The tables a project owns rows of, by id (names are fixed here, never user input).
Owned = Literal["rules", "channels"]


def list_alerts(conn: Connection, project_id: int, states: Sequence[str], limit: int | None = None) -> list[Row]:
    """A project's alerts in ``states``, newest first."""
    marks = ", ".join("?" for _ in states)
    sql = f"SELECT * FROM alerts WHERE project_id = ? AND status IN ({marks}) ORDER BY id DESC"
    if limit is None:
        return conn.all(sql, project_id, *states)
    return conn.all(f"{sql} LIMIT ?", project_id, *states, limit)


def get_alert(conn: Connection, project_id: int, alert_id: int) -> Row | None:
    return conn.one("SELECT * FROM alerts WHERE id = ? AND project_id = ?", alert_id, project_id)


def alert_by_id(conn: Connection, alert_id: int) -> Row | None:
    return conn.one("SELECT * FROM alerts WHERE id = ?", alert_id)


def set_alert_status(conn: Connection, alert_id: int, status: Literal["acknowledged", "resolved"]) -> None:
    """Acknowledge or resolve an alert by hand, stamping when."""
    column = "acknowledged_at" if status == "acknowledged" else "resolved_at"
    now = time.time()
    conn.execute(f"UPDATE alerts SET status = ?, {column} = ?, updated_at = ? WHERE id = ?", status, now, now, alert_id)


def count_owned(conn: Connection, table: Owned, project_id: int) -> int:
    return int(conn.value(f"SELECT COUNT(*) AS n FROM {table} WHERE project_id = ?", project_id))


def delete_owned(conn: Connection, table: Owned, row_id: int, project_id: int) -> bool:
    """Delete a project's row of ``table``; False when it has no such row."""
    return bool(conn.execute(f"DELETE FROM {table} WHERE id = ? AND project_id = ?", row_id, project_id))


def list_rules(conn: Connection, project_id: int) -> list[Row]:
    return conn.all("SELECT * FROM rules WHERE project_id = ? ORDER BY id", project_id)


def add_rule(conn: Connection, project_id: int, rule: RuleIn) -> Row:
    rule_id = conn.insert(
        "INSERT INTO rules (project_id, kind, metric, warning, critical, window_runs, horizon_runs, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        project_id,
        rule.kind,
        rule.metric,
        rule.warning,
        rule.critical,
        rule.window,
        rule.horizon if rule.kind == "forecast" else None,
        time.time(),
    )
    row = conn.one("SELECT * FROM rules WHERE id = ?", rule_id)
    assert row is not None
    return row


def resolve_rule_alerts(conn: Connection, rule_id: int) -> None:
    """Resolve the active alerts of a rule (when it is deleted)."""
    conn.execute(
        "UPDATE alerts SET status = 'resolved', resolved_at = ? WHERE rule_id = ? AND status IN (?, ?)",
        time.time(),
        rule_id,
        *ACTIVE_ALERT_STATES,
    )


def channel_view(row: Row) -> dict[str, Any]:
    """A channel as the API shows it: webhooks with their ``url``, e-mail with its ``to``."""
    view = {k: row[k] for k in ("id", "kind", "created_at")}
    if row["kind"] == "email":
        return view | {"to": json.loads(row["recipients"] or "[]")}
    return view | {"url": row["url"]}


def list_channels(conn: Connection, project_id: int) -> list[dict[str, Any]]:
    """A project's alert channels as the API lists them."""
    rows = conn.all(
        "SELECT id, kind, url, recipients, created_at FROM channels WHERE project_id = ? ORDER BY id", project_id
    )
    return [channel_view(r) for r in rows]


def add_channel(conn: Connection, project_id: int, kind: str, url: str, recipients: list[str] | None = None) -> Row:
    """Store a channel (e-mail ones keep ``url`` empty) and return it as :func:`channel_view` shows it."""
    row: Row = {
        "kind": kind,
        "url": url,
        "recipients": None if recipients is None else json.dumps(recipients),
        "created_at": time.time(),
    }
    row["id"] = conn.insert(
        "INSERT INTO channels (project_id, kind, url, recipients, created_at) VALUES (?, ?, ?, ?, ?)",
        project_id,
        kind,
        url,
        row["recipients"],
        row["created_at"],
    )
    return channel_view(row)


def list_notifications(conn: Connection, project_id: int, limit: int) -> list[Row]:
    """A project's webhook notifications, newest first."""
    return conn.all("SELECT * FROM notifications WHERE project_id = ? ORDER BY id DESC LIMIT ?", project_id, limit)


def delivery_attempts(conn: Connection, notification_id: int) -> list[Row]:
    return conn.all("SELECT * FROM delivery_attempts WHERE notification_id = ? ORDER BY attempt", notification_id)


def notifications_in(conn: Connection, status: str) -> int:
    """How many notifications (of all projects) are in ``status``."""
    return int(conn.value("SELECT COUNT(*) AS n FROM notifications WHERE status = ?", status))


# ---- the alert lifecycle (store/alerts.py decides, these write) ---------------------------------------------
def active_alert(conn: Connection, rule_id: int) -> Row | None:
    """The newest open or acknowledged alert of a rule."""
    return conn.one(
        "SELECT * FROM alerts WHERE rule_id = ? AND status IN (?, ?) ORDER BY id DESC LIMIT 1",
        rule_id,
        *ACTIVE_ALERT_STATES,
    )


def resolve_alert(conn: Connection, alert_id: int, value: float, now: float) -> None:
    """Resolve an alert because its rule's value is back within bounds."""
    conn.execute(
        "UPDATE alerts SET status = 'resolved', resolved_at = ?, updated_at = ?, value = ? WHERE id = ?",
        now,
        now,
        value,
        alert_id,
    )


def open_alert(
    conn: Connection, project_id: int, rule_id: int, *, level: str, message: str, value: float, run_pk: int, now: float
) -> int:
    return conn.insert(
        "INSERT INTO alerts (project_id, rule_id, level, status, message, value, run_pk, opened_at, "
        "updated_at) VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?)",
        project_id,
        rule_id,
        level,
        message,
        value,
        run_pk,
        now,
        now,
    )


def update_alert(
    conn: Connection, alert_id: int, *, level: str, message: str, value: float, run_pk: int, now: float
) -> None:
    """Carry an active alert forward to a newer run that still breaches its rule."""
    conn.execute(
        "UPDATE alerts SET level = ?, message = ?, value = ?, run_pk = ?, updated_at = ? WHERE id = ?",
        level,
        message,
        value,
        run_pk,
        now,
        alert_id,
    )


def project_channels(conn: Connection, project_id: int) -> list[Row]:
    """A project's webhook channels, every column (for delivering)."""
    return conn.all("SELECT * FROM channels WHERE project_id = ?", project_id)


def enqueue_notification(
    conn: Connection, project_id: int, alert_id: int, channel_id: int, event: str, body: str, now: float
) -> None:
    """Put one notification into the outbox, due now."""
    conn.execute(
        "INSERT INTO notifications (project_id, alert_id, channel_id, event, body, status, next_attempt_at, "
        "created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
        project_id,
        alert_id,
        channel_id,
        event,
        body,
        now,
        now,
    )


# ---- webhook delivery (store/notify.py's worker) -----------------------------------------------------------
def database_now(conn: Connection) -> float:
    """Unix seconds on the database's clock (PostgreSQL), so instances whose clocks differ agree on when a
    lease runs out; SQLite is served by one process, whose clock is the only one."""
    if conn.dialect == "postgresql":
        return float(conn.value("SELECT EXTRACT(EPOCH FROM clock_timestamp()) AS now"))
    return time.time()


def claim_notification(conn: Connection, lease: float, instance: str) -> Row | None:
    """Lease the pending notification due first to ``instance`` for ``lease`` seconds; None when nothing is due.

    On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets each instance pass over the rows another is
    claiming at that moment instead of waiting for them; a lease that ran out (its instance
    crashed mid-send) makes the row due again.  SQLite has one writer, so its write transaction
    is the lock.  Each claim gets a random ``claim_token``: renewing the lease and recording a
    failure need it (see :func:`renew_lease`, :func:`record_delivery`).
    """
    now = database_now(conn)
    lock = " FOR UPDATE SKIP LOCKED" if conn.dialect == "postgresql" else ""
    due = conn.one(
        "SELECT * FROM notifications WHERE status = 'pending' AND next_attempt_at <= ? "
        f"AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at, id LIMIT 1{lock}",
        now,
        now,
    )
    if due is None:
        return None
    claim = {
        "lease_until": now + lease,
        "claimed_by": instance,
        "claimed_at": now,
        "claim_token": secrets.token_hex(16),
    }
    conn.execute(
        "UPDATE notifications SET lease_until = ?, claimed_by = ?, claimed_at = ?, claim_token = ? WHERE id = ?",
        *claim.values(),
        due["id"],
    )
    return due | claim


def renew_lease(conn: Connection, claim: Row, lease: float) -> bool:
    """Extend a claim's lease to ``lease`` seconds from now; False when the claim is no longer the row's (its
    lease ran out and another instance took the row, or it was delivered)."""
    return (
        conn.execute(
            "UPDATE notifications SET lease_until = ? WHERE id = ? AND claim_token = ? AND status = 'pending'",
            database_now(conn) + lease,
            claim["id"],
            claim["claim_token"],
        )
        == 1
    )


def channel_by_id(conn: Connection, channel_id: int) -> Row | None:
    return conn.one("SELECT * FROM channels WHERE id = ?", channel_id)


def project_by_id(conn: Connection, project_id: int) -> Row | None:
    return conn.one("SELECT owner, name FROM projects WHERE id = ?", project_id)


def record_delivery(
    conn: Connection,
    claim: Row,
    attempt: int,
    *,
    status: str,
    attempt_status: int | None,
    error: str | None,
    duration: float,
    retry_in: float = 0.0,
) -> bool:
    """Log one delivery attempt and move its notification on (delivered, failed, or retried ``retry_in``
    seconds from now); returns whether the row moved.

    A delivery is recorded whoever holds the claim now, so nothing sends it again; a failure only
    while ``claim`` is still the row's (its ``claim_token``): a sender whose lease ran out cannot
    reschedule or fail a row another instance has taken over.
    """
    now = database_now(conn)
    mine = "" if status == "delivered" else " AND claim_token = ?"
    moved = conn.execute(
        "UPDATE notifications SET status = ?, attempts = ?, last_status = ?, last_error = ?, "
        f"lease_until = NULL, next_attempt_at = ?, delivered_at = ? WHERE id = ? AND status = 'pending'{mine}",
        status,
        attempt,
        attempt_status,
        error,
        now + retry_in,
        now if status == "delivered" else None,
        claim["id"],
        *(() if status == "delivered" else (claim["claim_token"],)),
    )
    conn.execute(
        "INSERT INTO delivery_attempts (notification_id, attempt, status_code, error, duration_ms, created_at, "
        "instance) VALUES (?, ?, ?, ?, ?, ?, ?)",
        claim["id"],
        attempt,
        attempt_status,
        error,
        duration,
        now,
        claim["claimed_by"],
    )
    return moved == 1
