"""``store backup`` / ``store restore``: a backup taken while 20 writers push holds every run acknowledged before it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from store_support import ROOT, PostgresCluster, StoreServer, postgres_cluster, run_payload, sha, store_cli

WRITERS = 20
API = "/api/v1/projects"


class Writers:
    """20 threads pushing distinct runs until stopped; ``acknowledged`` holds each run answered 201."""

    def __init__(self, server: StoreServer, project: str, token: str) -> None:
        self.url = f"{server.url}{API}/{project}/runs"
        self.token = token
        self.acknowledged: set[str] = set()
        self.sent: set[str] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._push, args=(i,)) for i in range(WRITERS)]

    def _push(self, index: int) -> None:
        session = requests.Session()
        n = index
        while not self.stopping.is_set():
            payload = run_payload(sha(n), f"w-{n}", score=float(n % 100))
            with self.lock:
                self.sent.add(sha(n))
            answer = session.post(self.url, json=payload, headers={"Authorization": f"Bearer {self.token}"}, timeout=60)
            if answer.status_code == 201:
                with self.lock:
                    self.acknowledged.add(sha(n))
            n += WRITERS

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def wait_for(self, count: int, timeout: float = 60.0) -> set[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.acknowledged) >= count:
                    return set(self.acknowledged)
            time.sleep(0.02)
        raise AssertionError(f"only {len(self.acknowledged)} runs acknowledged in {timeout} s")

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


def _commits(server: StoreServer, project: str) -> set[str]:
    """Every run's commit through the API, page by page."""
    found: set[str] = set()
    cursor = None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = requests.get(f"{server.url}{API}/{project}/runs", params=params, timeout=30).json()
        found |= {run["commit"] for run in page["runs"]}
        if not (cursor := page["next_cursor"]):
            return found


def _store(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "quality_hooks", "store", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT, timeout=300)


def test_sqlite_backup_under_twenty_writers_restores_every_acknowledged_run(tmp_path: Path) -> None:
    database, copy, restored = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3", tmp_path / "restored.sqlite3"
    server = StoreServer(str(database), tmp_path / "live.log", "--rate", "0").start()
    try:
        token = server.add_project("acme/backup")
        with Writers(server, "acme/backup", token) as writers:
            before = writers.wait_for(100)  # acknowledged before the backup starts
            made = store_cli(str(database), "backup", str(copy))
            writers.wait_for(len(before) + 20)  # the writers go on after the backup
        assert "backed up" in made and "runs" in made
    finally:
        server.stop()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    assert not Path(f"{copy}-wal").exists()

    assert "restored" in store_cli(str(restored), "restore", str(copy))
    again = StoreServer(str(restored), tmp_path / "restored.log", "--rate", "0").start()
    try:
        commits = _commits(again, "acme/backup")
        assert before <= commits, f"{len(before - commits)} acknowledged runs missing from the restored store"
        assert commits <= writers.sent  # nothing invented
        refused = _store("restore", str(copy), "--database", str(restored))
        assert refused.returncode == 1 and "--force" in refused.stderr  # it holds runs now
    finally:
        again.stop()
    assert _store("restore", str(copy), "--database", str(restored), "--force").returncode == 0


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    yield from postgres_cluster()


def test_postgresql_backup_with_pg_dump_restores_into_another_database(
    cluster: PostgresCluster, tmp_path: Path
) -> None:
    source, target = cluster.create_database("qh_live"), cluster.create_database("qh_restored")
    dump = tmp_path / "store.dump"
    server = StoreServer(source, tmp_path / "live.log", "--rate", "0").start()
    try:
        token = server.add_project("acme/pg")
        with Writers(server, "acme/pg", token) as writers:
            before = writers.wait_for(60)
            made = _store("backup", str(dump), "--database", source)
        assert made.returncode == 0 and "pg_dump" in made.stdout, made.stderr
    finally:
        server.stop()
    assert _store("restore", str(dump), "--database", target).returncode == 0
    again = StoreServer(target, tmp_path / "restored.log", "--rate", "0").start()
    try:
        assert before <= _commits(again, "acme/pg")
    finally:
        again.stop()
