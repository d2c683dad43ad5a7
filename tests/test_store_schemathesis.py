"""Property-based API tests: schemathesis against the store's own OpenAPI description finds no 5xx."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from store_support import StoreServer, run_payload, sha


def test_schemathesis_finds_no_server_error(tmp_path: Path) -> None:
    cli = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    if not Path(cli).exists():
        pytest.skip("schemathesis is not installed (pip install 'quality-hooks[test]')")
    server = StoreServer(str(tmp_path / "fuzz.sqlite3"), tmp_path / "server.log", "--rate", "0").start()
    try:
        token = server.add_project("acme/widgets")  # the OpenAPI examples name this project
        runs = f"{server.url}/api/v1/projects/acme/widgets/runs"
        head = run_payload(sha(2), branch="topic", pull_request=1, base_commit=sha(1))
        for payload in (run_payload(sha(1)), head):
            requests.post(runs, json=payload, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        done = subprocess.run(
            [
                cli,
                "run",
                f"{server.url}/openapi.json",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                "10",
                "--max-time",
                "25",
                "--seed",
                "20240601",
                "--generation-database",
                "none",
                "--no-color",
                "--header",
                f"Authorization: Bearer {token}",
                "--request-timeout",
                "20",
            ],
            capture_output=True,
            text=True,
            timeout=150,
            check=False,
        )
        summary = done.stdout[-3000:]
        assert done.returncode == 0, summary
        assert "passed" in summary and "Server error" not in done.stdout
    finally:
        server.stop()
    assert "Traceback" not in (tmp_path / "server.log").read_text()
