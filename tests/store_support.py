"""Real store servers for tests: uvicorn subprocesses on 127.0.0.1, real SQLite or PostgreSQL."""

from __future__ import annotations

import contextlib
import glob
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process so far (Linux ``/proc``): benchmarks report it next to wall
    time, since on a shared machine wall time says as much about the other jobs as about the server."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def git(cwd: Path, *args: str, when: int | None = None) -> str:
    """git in a test repository, as a fixed author; ``when`` (Unix seconds) dates the commit."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}  # fmt: skip
    if when is not None:
        env |= {"GIT_AUTHOR_DATE": f"@{when} +0000", "GIT_COMMITTER_DATE": f"@{when} +0000"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def store_cli(database: str, *args: str) -> str:
    """Run ``quality-hooks store ...`` in a subprocess; returns stdout (the token)."""
    done = subprocess.run(
        [sys.executable, "-m", "quality_hooks", "store", *args, "--database", database],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


class StoreServer:
    """``quality-hooks store serve`` in a subprocess; ``kill()`` sends SIGKILL."""

    def __init__(self, database: str, log_path: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.database = database
        self.env = {**os.environ, **(env or {})}
        self.log_path = log_path
        self.extra = extra
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> StoreServer:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "quality_hooks",
                "store",
                "serve",
                "--database",
                self.database,
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                *self.extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"store exited with {self.process.returncode}: {self.log_path.read_text()[-2000:]}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"store did not start: {self.log_path.read_text()[-2000:]}")

    def add_project(self, project: str, *args: str) -> str:
        """``store add-project`` run in-process (the same code as the command; no interpreter start-up)."""
        from quality_hooks.store.cli import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            assert main(["add-project", project, *args, "--database", self.database]) == 0, err.getvalue()
        assert "shown once" in err.getvalue()
        return out.getvalue().strip()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def store_on(
    kind: str, directory: Path, name: str, *extra: str, env: dict[str, str] | None = None
) -> Iterator[StoreServer]:
    """A module's store on a fresh database of ``kind`` ("sqlite" or "postgresql", see :func:`store_database`),
    rate limits off, stopped (with its cluster) afterwards (fixture body; parametrize the fixture by kind)."""
    database, cluster = store_database(kind, directory, name)
    server = StoreServer(database, directory / f"{name}.log", "--rate", "0", *extra, env=env).start()
    try:
        yield server
    finally:
        server.stop()
        if cluster:
            cluster.stop()


def running_store(directory: Path, name: str) -> Iterator[StoreServer]:
    """A module's store on a fresh SQLite file with rate limits off, stopped afterwards (fixture body)."""
    server = StoreServer(str(directory / f"{name}.sqlite3"), directory / "log", "--rate", "0").start()
    yield server
    server.stop()


def run_payload(
    commit: str,
    run_id: str = "1",
    *,
    branch: str | None = "main",
    score: float | None = 80.0,
    pull_request: int | None = None,
    base_commit: str | None = None,
    files: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    one_file = {
        "path": "pkg/a.py",
        "score": score,
        "risk": 0.2,
        "complexity": 12,
        "sloc": 100,
        "findings": {"info": 0, "warning": 1, "error": 0},
        "new_findings": 1,
    }
    files = [one_file] if files is None else files
    return {
        "commit": commit,
        "run_id": run_id,
        "branch": branch,
        "pull_request": pull_request,
        "base_commit": base_commit,
        "totals": {"files": len(files)} | {k: v for k, v in one_file.items() if k != "path"},
        "files": files,
    }


def sha(n: int) -> str:
    return f"{n:040x}"


# ---- PostgreSQL --------------------------------------------------------------------------------------------------


def _pg_bin(tool: str) -> str | None:
    found = shutil.which(tool)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    return candidates[-1] if candidates else None


class PostgresCluster:
    """A throwaway cluster (initdb + pg_ctl) in a temp dir; as user ``postgres`` when we are root."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="qh-pg-"))
        self.port = free_port()
        self.as_user: list[str] = []

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.as_user, *args], capture_output=True, text=True, check=False, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()[-500:]}")

    def start(self) -> PostgresCluster:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL is not installed (initdb/pg_ctl not found; apt-get install postgresql)")
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if not runuser:
                raise RuntimeError("running as root without runuser: cannot start PostgreSQL as another user")
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("running as root and no 'postgres' user to run PostgreSQL as") from exc
            shutil.chown(self.dir, "postgres")
            self.as_user = [runuser, "-u", "postgres", "--"]
        data = self.dir / "data"
        self._run(initdb, "-D", str(data), "-U", "qh", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(pg_ctl, "-D", str(data), "-o", options, "-l", str(self.dir / "log"), "-w", "-t", "60", "start")
        return self

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"postgresql://qh@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://qh@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        pg_ctl = _pg_bin("pg_ctl")
        if pg_ctl:
            with contextlib.suppress(Exception):
                self._run(pg_ctl, "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def _started_cluster() -> PostgresCluster:
    """A throwaway PostgreSQL cluster, started; the test is skipped, saying why, when none can start.

    A second try on a new port and folder: two test workers can pick the same free port at once, and
    the loser's ``pg_ctl start`` fails (seen in CI as a skip of a whole module).
    """
    import pytest

    failure = RuntimeError("not tried")
    for _ in range(2):
        cluster = PostgresCluster()
        try:
            return cluster.start()
        except RuntimeError as exc:
            cluster.stop()
            failure = exc
    pytest.skip(f"no PostgreSQL server could be started: {failure}")


def postgres_cluster() -> Iterator[PostgresCluster]:
    """A module's PostgreSQL cluster, stopped afterwards (fixture body)."""
    cluster = _started_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


def store_database(kind: str, directory: Path, name: str) -> tuple[str, PostgresCluster | None]:
    """A fresh database of ``kind`` ("sqlite": a file in ``directory``; "postgresql": a throwaway cluster, or
    the test is skipped when none can start) and the cluster to stop afterwards."""
    if kind == "sqlite":
        return str(directory / f"{name}.sqlite3"), None
    cluster = _started_cluster()
    return cluster.create_database(name), cluster


# ---- a webhook receiver ------------------------------------------------------------------------------------------


class WebhookReceiver:
    """Records every POST; answers 500 to the first ``fail_first`` requests, then 200 (after ``delay`` seconds)."""

    def __init__(self, fail_first: int = 1, delay: float = 0.0) -> None:
        self.received: list[tuple[str, dict[str, Any], int]] = []
        #: Each request's ``X-Quality-Hooks-Delivery`` header, in the order of ``received``.
        self.delivery_ids: list[str | None] = []
        self.fail_first = fail_first
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                time.sleep(delay)
                with receiver.lock:
                    status = 500 if len(receiver.received) < receiver.fail_first else 200
                    receiver.received.append((self.path, body, status))
                    receiver.delivery_ids.append(self.headers.get("X-Quality-Hooks-Delivery"))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[tuple[str, dict[str, Any], int]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if sum(1 for r in self.received if r[2] == 200) >= count:
                    return list(self.received)
            time.sleep(0.05)
        return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
