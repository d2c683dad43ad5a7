"""Versioned schema migrations, applied in order at start-up.

Each migration is a list of statements; ``{pk}`` becomes the dialect's
auto-increment primary key.  Never edit a released migration: add a new one.
"""

from __future__ import annotations

import time

from quality_hooks.store.db import Database

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "projects, tokens, runs and per-file metrics",
        [
            """CREATE TABLE projects (
                id {pk}, owner TEXT NOT NULL, name TEXT NOT NULL, private INTEGER NOT NULL DEFAULT 0,
                default_branch TEXT NOT NULL DEFAULT 'main', created_at DOUBLE PRECISION NOT NULL,
                UNIQUE (owner, name))""",
            """CREATE TABLE tokens (
                id {pk}, project_id BIGINT NOT NULL REFERENCES projects(id), kind TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE, label TEXT NOT NULL DEFAULT '',
                created_at DOUBLE PRECISION NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)""",
            """CREATE TABLE runs (
                id {pk}, project_id BIGINT NOT NULL REFERENCES projects(id), commit_sha TEXT NOT NULL,
                run_id TEXT NOT NULL, branch TEXT, pull_request BIGINT, base_commit TEXT, tool_version TEXT,
                created_at DOUBLE PRECISION NOT NULL, files INTEGER NOT NULL, errors INTEGER NOT NULL,
                score DOUBLE PRECISION, risk DOUBLE PRECISION, complexity BIGINT NOT NULL, sloc BIGINT NOT NULL,
                findings_info BIGINT NOT NULL, findings_warning BIGINT NOT NULL, findings_error BIGINT NOT NULL,
                new_findings BIGINT NOT NULL,
                UNIQUE (project_id, commit_sha, run_id))""",
            "CREATE INDEX runs_branch ON runs (project_id, branch, id)",
            "CREATE INDEX runs_pull ON runs (project_id, pull_request, id)",
            "CREATE INDEX runs_commit ON runs (project_id, commit_sha, id)",
            """CREATE TABLE run_files (
                id {pk}, run_pk BIGINT NOT NULL REFERENCES runs(id), path TEXT NOT NULL,
                score DOUBLE PRECISION, risk DOUBLE PRECISION, complexity BIGINT, sloc BIGINT,
                findings_info BIGINT NOT NULL, findings_warning BIGINT NOT NULL, findings_error BIGINT NOT NULL,
                new_findings BIGINT NOT NULL, error TEXT)""",
            "CREATE INDEX run_files_run ON run_files (run_pk)",
        ],
    ),
    (
        2,
        "alert rules, alerts, webhook channels and the delivery outbox",
        [
            """CREATE TABLE rules (
                id {pk}, project_id BIGINT NOT NULL REFERENCES projects(id), kind TEXT NOT NULL,
                metric TEXT NOT NULL, warning DOUBLE PRECISION, critical DOUBLE PRECISION,
                window_runs INTEGER NOT NULL DEFAULT 10, created_at DOUBLE PRECISION NOT NULL)""",
            """CREATE TABLE alerts (
                id {pk}, project_id BIGINT NOT NULL REFERENCES projects(id), rule_id BIGINT NOT NULL,
                level TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL, value DOUBLE PRECISION,
                run_pk BIGINT, opened_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL,
                acknowledged_at DOUBLE PRECISION, resolved_at DOUBLE PRECISION)""",
            "CREATE INDEX alerts_open ON alerts (project_id, rule_id, status)",
            """CREATE TABLE channels (
                id {pk}, project_id BIGINT NOT NULL REFERENCES projects(id), kind TEXT NOT NULL,
                url TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)""",
            """CREATE TABLE notifications (
                id {pk}, project_id BIGINT NOT NULL REFERENCES projects(id), alert_id BIGINT NOT NULL,
                channel_id BIGINT NOT NULL, event TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at DOUBLE PRECISION NOT NULL,
                lease_until DOUBLE PRECISION, last_status INTEGER, last_error TEXT,
                created_at DOUBLE PRECISION NOT NULL, delivered_at DOUBLE PRECISION)""",
            "CREATE INDEX notifications_due ON notifications (status, next_attempt_at)",
            """CREATE TABLE delivery_attempts (
                id {pk}, notification_id BIGINT NOT NULL REFERENCES notifications(id), attempt INTEGER NOT NULL,
                status_code INTEGER, error TEXT, duration_ms DOUBLE PRECISION NOT NULL,
                created_at DOUBLE PRECISION NOT NULL)""",
        ],
    ),
    (
        3,
        "why a file scored as it did: its top factors in words",
        ["ALTER TABLE run_files ADD COLUMN why TEXT"],
    ),
    (
        4,
        "commit time of each run; whether the project's default branch was set or only assumed",
        [
            "ALTER TABLE runs ADD COLUMN commit_time DOUBLE PRECISION",
            "ALTER TABLE projects ADD COLUMN default_branch_known INTEGER NOT NULL DEFAULT 0",
        ],
    ),
    (
        5,
        "maintainability of each run and file; a file's history found by its path",
        [
            "ALTER TABLE runs ADD COLUMN maintainability DOUBLE PRECISION",
            "ALTER TABLE run_files ADD COLUMN maintainability DOUBLE PRECISION",
            "CREATE INDEX run_files_path ON run_files (path, run_pk)",
        ],
    ),
    (
        6,
        "forecast rules: how many runs ahead they look",
        ["ALTER TABLE rules ADD COLUMN horizon_runs INTEGER"],
    ),
    (
        7,
        "e-mail channels: their recipients (a JSON list; webhooks keep theirs in url)",
        ["ALTER TABLE channels ADD COLUMN recipients TEXT"],
    ),
    (
        8,
        "scale-out: rate-limit buckets shared by instances; who claimed each delivery and who sent each attempt",
        [
            """CREATE TABLE rate_limits (
                bucket TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL, allowed INTEGER NOT NULL)""",
            "ALTER TABLE notifications ADD COLUMN claimed_by TEXT",
            "ALTER TABLE notifications ADD COLUMN claimed_at DOUBLE PRECISION",
            "ALTER TABLE delivery_attempts ADD COLUMN instance TEXT",
        ],
    ),
    (
        9,
        "drift: each run's feature values counted into the training distribution's bins",
        [
            """CREATE TABLE run_feature_bins (
                id {pk}, run_pk BIGINT NOT NULL REFERENCES runs(id), model TEXT NOT NULL, feature TEXT NOT NULL,
                reference TEXT NOT NULL, counts TEXT NOT NULL)""",
            "CREATE INDEX run_feature_bins_run ON run_feature_bins (run_pk)",
        ],
    ),
    (
        10,
        "deliveries: a random token per claim, so a sender whose lease ran out cannot move the row on",
        ["ALTER TABLE notifications ADD COLUMN claim_token TEXT"],
    ),
]


def migrate(db: Database) -> list[int]:
    """Apply pending migrations; safe to run from several instances at once."""
    applied: list[int] = []
    with db.transaction(write=True) as conn:
        if db.dialect == "postgresql":
            conn.execute("SELECT pg_advisory_xact_lock(7316548)")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
        )
        done = {row["version"] for row in conn.all("SELECT version FROM schema_migrations")}
        for version, description, statements in MIGRATIONS:
            if version in done:
                continue
            for statement in statements:
                conn.execute(statement.format(pk=db.pk))
            conn.execute(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                version,
                description,
                time.time(),
            )
            applied.append(version)
    return applied


def current_version(db: Database) -> int:
    with db.transaction() as conn:
        return int(conn.value("SELECT MAX(version) AS v FROM schema_migrations") or 0)
