"""The store benchmark's baseline: a bare endpoint on the store's stack that inserts a run's rows and nothing else.

FastAPI + uvicorn like ``store serve``, the store's own database layer (WAL, ``synchronous=FULL``,
one writer under a lock, the same pool) and schema (its migrations), and the same ``INSERT``s
of ``runs`` and ``run_files`` (the latter through the store's own ``insert_run_files``) in one
transaction; no token, no validation beyond JSON, no read-back, no alerts. ``benchmarks/bench_store.py`` serves it with
``uvicorn --app-dir benchmarks store_baseline:app`` and ``QH_BASELINE_DATABASE=FILE``.
"""

from __future__ import annotations

import os
import time
from typing import Any

from fastapi import Body, FastAPI

from quality_hooks.store.db import Database
from quality_hooks.store.migrations import migrate
from quality_hooks.store.repository import insert_run_files

db = Database(os.environ.get("QH_BASELINE_DATABASE", "baseline.sqlite3"))
migrate(db)
with db.transaction(write=True) as conn:
    PROJECT = conn.value("SELECT id FROM projects WHERE owner = 'bench' AND name = 'baseline'") or conn.insert(
        "INSERT INTO projects (owner, name, created_at) VALUES ('bench', 'baseline', ?)", time.time()
    )

app = FastAPI()
RUN = (
    "INSERT INTO runs (project_id, commit_sha, run_id, branch, pull_request, base_commit, tool_version, "
    "created_at, files, errors, score, risk, complexity, sloc, findings_info, findings_warning, findings_error, "
    "new_findings, commit_time, maintainability) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (project_id, commit_sha, run_id) DO NOTHING RETURNING id"
)


@app.post("/runs", status_code=201)
def push(run: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008 (FastAPI's way to take a JSON body)
    """Insert the run and its files in one transaction; nothing else."""
    totals, files = run["totals"], run["files"]
    with db.transaction(write=True) as conn:
        run_pk = conn.value(
            RUN,
            PROJECT,
            run["commit"],
            run["run_id"],
            run.get("branch"),
            run.get("pull_request"),
            run.get("base_commit"),
            None,
            time.time(),
            totals["files"],
            0,
            totals["score"],
            totals["risk"],
            totals["complexity"],
            totals["sloc"],
            totals["findings"]["info"],
            totals["findings"]["warning"],
            totals["findings"]["error"],
            totals["new_findings"],
            None,
            totals.get("maintainability"),
        )
        insert_run_files(
            conn,
            [
                (
                    run_pk,
                    f["path"],
                    f["score"],
                    f["risk"],
                    f["complexity"],
                    f["sloc"],
                    f["findings"]["info"],
                    f["findings"]["warning"],
                    f["findings"]["error"],
                    f["new_findings"],
                    None,
                    None,
                    f.get("maintainability"),
                )
                for f in files
            ],
        )
    return {"id": run_pk, "created": True}
