"""Queries on projects, tokens and runs; every function takes an open transaction."""

from __future__ import annotations

import time
from typing import Any

from quality_hooks.store.db import Connection, Row
from quality_hooks.store.schemas import RunIn
from quality_hooks.store.tokens import hash_token, new_token

RUN_COLUMNS = (
    "id, commit_sha, run_id, branch, pull_request, base_commit, tool_version, created_at, files, errors, "
    "score, risk, complexity, sloc, findings_info, findings_warning, findings_error, new_findings"
)
FILE_COLUMNS = (
    "path, score, risk, complexity, sloc, findings_info, findings_warning, findings_error, new_findings, error"
)


def find_project(conn: Connection, owner: str, name: str) -> Row | None:
    return conn.one("SELECT * FROM projects WHERE owner = ? AND name = ?", owner, name)


def create_project(
    conn: Connection, owner: str, name: str, *, private: bool = False, default_branch: str = "main"
) -> Row:
    conn.execute(
        "INSERT INTO projects (owner, name, private, default_branch, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (owner, name) DO NOTHING",
        owner,
        name,
        int(private),
        default_branch,
        time.time(),
    )
    project = find_project(conn, owner, name)
    assert project is not None
    return project


def update_project(conn: Connection, project_id: int, *, private: bool | None, default_branch: str | None) -> None:
    if private is not None:
        conn.execute("UPDATE projects SET private = ? WHERE id = ?", int(private), project_id)
    if default_branch is not None:
        conn.execute("UPDATE projects SET default_branch = ? WHERE id = ?", default_branch, project_id)


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


def token_grant(conn: Connection, token: str) -> Row | None:
    """The project and kind a presented token grants, or None."""
    return conn.one("SELECT project_id, kind FROM tokens WHERE token_hash = ? AND revoked = 0", hash_token(token))


def add_run(conn: Connection, project_id: int, run: RunIn) -> tuple[int, bool]:
    """Store a run unless ``(commit, run_id)`` is already there; returns (id, created)."""
    commit = run.commit.lower()
    new_id = conn.value(
        "INSERT INTO runs (project_id, commit_sha, run_id, branch, pull_request, base_commit, tool_version, "
        "created_at, files, errors, score, risk, complexity, sloc, findings_info, findings_warning, findings_error, "
        "new_findings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (project_id, commit_sha, run_id) DO NOTHING RETURNING id",
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
    )
    if new_id is None:
        existing = conn.value(
            "SELECT id FROM runs WHERE project_id = ? AND commit_sha = ? AND run_id = ?", project_id, commit, run.run_id
        )
        return int(existing), False
    conn.many(
        f"INSERT INTO run_files (run_pk, {FILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                new_id,
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
            )
            for f in run.files
        ],
    )
    return int(new_id), True


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
        "totals": {
            "files": row["files"],
            "errors": row["errors"],
            "score": row["score"],
            "risk": row["risk"],
            "complexity": row["complexity"],
            "sloc": row["sloc"],
            "findings": {
                "info": row["findings_info"],
                "warning": row["findings_warning"],
                "error": row["findings_error"],
            },
            "new_findings": row["new_findings"],
        },
    }


def file_view(row: Row) -> dict[str, Any]:
    return {
        "path": row["path"],
        "score": row["score"],
        "risk": row["risk"],
        "complexity": row["complexity"],
        "sloc": row["sloc"],
        "findings": {"info": row["findings_info"], "warning": row["findings_warning"], "error": row["findings_error"]},
        "new_findings": row["new_findings"],
        "error": row["error"],
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
    where, params = ["project_id = ?"], [project_id]
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


def is_default_branch_run(project: Row, run: RunIn) -> bool:
    return run.pull_request is None and run.branch == project["default_branch"]
