"""The push client and ``quality-hooks push``: payload from results, retries, idempotency, store down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from store_support import ROOT, StoreServer, free_port, running_store, sha

from quality_hooks.results import FileMetrics, FileResult, Finding, Score, Severity
from quality_hooks.store.client import push_report
from quality_hooks.store.payload import RunContext, build_run_payload, context_from_env


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreServer]:
    yield from running_store(tmp_path_factory.mktemp("push"), "store")


def _finding(severity: Severity, status: str) -> Finding:
    return Finding("QH101", "too complex", 1, 0, 1, 5, severity, status=status)


def results() -> list[FileResult]:
    return [
        FileResult(
            "small.py",
            metrics=FileMetrics(sloc=10, cyclomatic_total=2),
            score=Score(risk=0.1, score=90.0),
            findings=[_finding(Severity.INFO, "existing")],
        ),
        FileResult(
            "big.py",
            metrics=FileMetrics(sloc=90, cyclomatic_total=40),
            score=Score(risk=0.5, score=50.0),
            findings=[_finding(Severity.ERROR, "new"), _finding(Severity.WARNING, "new")],
        ),
        FileResult("broken.py", error="broken.py: cannot decode as utf-8"),
    ]


def test_payload_from_file_results_weights_by_size() -> None:
    context = RunContext(commit="ABCDEF1234", run_id="9-1", branch="main")
    payload = build_run_payload(results(), context, tool_version="1.2.3")
    totals = payload["totals"]
    assert payload["commit"] == "abcdef1234" and payload["run_id"] == "9-1"
    assert totals["score"] == pytest.approx((90 * 10 + 50 * 90) / 100)
    assert totals["findings"] == {"info": 1, "warning": 1, "error": 1} and totals["new_findings"] == 2
    assert (totals["files"], totals["errors"], totals["complexity"]) == (3, 1, 42)
    assert payload["files"][2]["error"] == "broken.py: cannot decode as utf-8"
    assert build_run_payload([r.to_dict() for r in results()], context, tool_version="1.2.3") == payload


def test_context_from_github_pull_request_event(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 42, "head": {"sha": "a" * 40}, "base": {"sha": "b" * 40}}}))
    env = {
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": "c" * 40,
        "GITHUB_REF": "refs/pull/42/merge",
        "GITHUB_HEAD_REF": "topic",
        "GITHUB_RUN_ID": "777",
        "GITHUB_RUN_ATTEMPT": "2",
    }
    context = context_from_env(env, cwd=tmp_path)  # not a git directory: the event and variables are all there is
    assert context == RunContext(commit="a" * 40, run_id="777-2", branch="topic", pull_request=42, base_commit="b" * 40)


class FlakyProxy:
    """In front of the real store: answers 503 + Retry-After first, then loses one response after forwarding."""

    def __init__(self, target: str) -> None:
        self.calls: list[int] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                proxy.calls.append(len(proxy.calls))
                if len(proxy.calls) == 1:
                    self.send_response(503)
                    self.send_header("Retry-After", "1")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                upstream = requests.post(
                    target + self.path,
                    data=body,
                    timeout=30,
                    headers={"Authorization": self.headers["Authorization"], "Content-Type": "application/json"},
                )
                status = 502 if len(proxy.calls) == 2 else upstream.status_code  # 2nd: stored, answer lost
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(upstream.content)))
                self.end_headers()
                self.wfile.write(upstream.content)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_retries_honour_retry_after_and_never_duplicate(store: StoreServer) -> None:
    token = store.add_project("push/retry")
    proxy = FlakyProxy(store.url)
    waits: list[float] = []
    payload = build_run_payload(results(), RunContext(commit=sha(1), run_id="5-1", branch="main"), "1")
    result = push_report(proxy.url, token, "push/retry", payload, backoff=0.01, sleep=waits.append)
    proxy.server.shutdown()
    assert result.ok and result.attempts == 3 and result.created is False  # 3rd try found the stored run
    assert waits[0] == 1.0  # Retry-After honoured
    runs = requests.get(f"{store.url}/api/v1/projects/push/retry/runs", timeout=10).json()["runs"]
    assert len(runs) == 1 and runs[0]["totals"]["files"] == 3


def test_client_gives_up_on_4xx_without_retrying(store: StoreServer) -> None:
    token = store.add_project("push/bad")
    result = push_report(store.url, token, "push/bad", {"commit": "zz"}, sleep=lambda s: None)
    assert not result.ok and result.attempts == 1 and result.status == 422
    assert token not in (result.error or "")


def _push_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run(
        [sys.executable, "-m", "quality_hooks", "push", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=clean | (env or {}),
        check=False,
        timeout=120,
    )


def test_push_command_stores_a_report_once(store: StoreServer, tmp_path: Path) -> None:
    token = store.add_project("push/cli")
    report = tmp_path / "report.json"
    report.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "tool": {"name": "quality-hooks", "version": "9.9"},
                "files": [r.to_dict() for r in results()],
            }
        )
    )
    args = [
        str(report),
        "--url",
        store.url,
        "--project",
        "push/cli",
        "--commit",
        sha(7),
        "--run-id",
        "3-1",
        "--branch",
        "main",
    ]
    first = _push_cli(*args, env={"QUALITY_HOOKS_STORE_TOKEN": token})
    second = _push_cli(*args, "--token", token)
    assert (first.returncode, second.returncode) == (0, 0), first.stderr
    assert "run stored" in first.stdout and "already stored" in second.stdout
    assert token not in first.stdout + first.stderr + second.stdout + second.stderr
    runs = requests.get(f"{store.url}/api/v1/projects/push/cli/runs", timeout=10).json()["runs"]
    assert len(runs) == 1 and runs[0]["totals"]["score"] == pytest.approx(54.0)
    assert runs[0]["tool_version"] == "9.9"


def test_push_command_warns_when_the_store_is_down(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"schema_version": 1, "files": []}))
    down = f"http://user:pw@127.0.0.1:{free_port()}"
    args = [
        str(report),
        "--url",
        down,
        "--project",
        "a/b",
        "--token",
        "qhw_secret",
        "--commit",
        sha(8),
        "--run-id",
        "1",
        "--attempts",
        "2",
    ]
    soft = _push_cli(*args)
    assert soft.returncode == 0 and "warning: run not stored after 2 attempt(s)" in soft.stderr
    strict = _push_cli(*args, "--strict")
    assert strict.returncode == 1 and "error:" in strict.stderr
    assert "qhw_secret" not in soft.stderr + strict.stderr and "pw@" not in soft.stderr


def test_push_command_bad_report_is_one_line(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("{not json")
    done = _push_cli(str(report), "--url", "http://127.0.0.1:9", "--project", "a/b", "--token", "t", "--commit", sha(9))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "report.json" in done.stderr


def test_check_report_pushed_from_a_real_git_repo(store: StoreServer, git_repo: Any, tmp_path: Path) -> None:
    token = store.add_project("push/e2e")
    git_repo.write("src/calc.py", "def pick(x):\n    if x:\n        return 1\n    return 2\n")
    head = git_repo.commit("add calc")
    check = subprocess.run(
        [sys.executable, "-m", "quality_hooks", "check", "--format", "json", "src/calc.py"],
        cwd=git_repo.path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    report = tmp_path / "report.json"
    report.write_text(check.stdout)
    assert json.loads(check.stdout)["files"], check.stderr
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "quality_hooks",
            "push",
            str(report),
            "--url",
            store.url,
            "--project",
            "push/e2e",
            "--token",
            token,
        ],
        cwd=git_repo.path,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0 and "run stored" in done.stdout, done.stderr
    run = requests.get(f"{store.url}/api/v1/projects/push/e2e/runs", timeout=10).json()["runs"][0]
    assert (run["commit"], run["branch"], run["run_id"]) == (head, "main", f"local-{head[:12]}")
    files = requests.get(run["url"], timeout=10).json()["files"]
    assert [f["path"] for f in files] == ["src/calc.py"] and files[0]["complexity"] == 2
    # The file table says why, in the same sentences as the report's file score.
    factors = json.loads(check.stdout)["files"][0]["score"]["factors"]
    assert files[0]["why"] == [f["text"] for f in factors][:3] and files[0]["why"], factors
