"""Durability of the SQLite store: concurrent writers lose nothing, SIGKILL loses no acknowledged run."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from store_support import StoreServer, run_payload, sha

WRITERS, RUNS = 20, 1000


def _runs_in(database: Path) -> set[tuple[str, str]]:
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {(c, r) for c, r in conn.execute("SELECT commit_sha, run_id FROM runs")}


def test_twenty_concurrent_writers_lose_no_run(tmp_path: Path) -> None:
    database = tmp_path / "store.sqlite3"
    server = StoreServer(str(database), tmp_path / "log", "--rate", "0").start()
    try:
        token = server.add_project("load/test")
        url = f"{server.url}/api/v1/projects/load/test/runs"

        def writer(index: int) -> list[int]:
            session = requests.Session()
            statuses = []
            for n in range(index, RUNS, WRITERS):
                response = session.post(
                    url,
                    json=run_payload(sha(n), f"run-{n}", score=float(n % 100)),
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                )
                statuses.append(response.status_code)
            return statuses

        with ThreadPoolExecutor(WRITERS) as pool:
            statuses = [s for batch in pool.map(writer, range(WRITERS)) for s in batch]
        assert statuses.count(201) == RUNS, {s: statuses.count(s) for s in set(statuses)}
        stored = _runs_in(database)
        assert stored == {(sha(n), f"run-{n}") for n in range(RUNS)}
        listed, cursor = 0, None
        while True:
            page = requests.get(url, params={"limit": 500, **({"cursor": cursor} if cursor else {})}, timeout=30).json()
            listed += len(page["runs"])
            if not (cursor := page["next_cursor"]):
                break
        assert listed == RUNS
    finally:
        server.stop()


def test_sigkill_mid_writes_keeps_every_acknowledged_run(tmp_path: Path) -> None:
    database = tmp_path / "store.sqlite3"
    server = StoreServer(str(database), tmp_path / "log", "--rate", "0").start()
    token = server.add_project("crash/test")
    url = f"{server.url}/api/v1/projects/crash/test/runs"
    acknowledged: set[tuple[str, str]] = set()
    lock, stop = threading.Lock(), threading.Event()

    def writer(index: int) -> None:
        session = requests.Session()
        n = index
        while not stop.is_set():
            payload = run_payload(sha(n), f"crash-{n}")
            try:
                response = session.post(url, json=payload, headers={"Authorization": f"Bearer {token}"}, timeout=10)
            except requests.RequestException:
                return  # the server died under us: that push was never acknowledged
            if response.status_code == 201:
                with lock:
                    acknowledged.add((sha(n), f"crash-{n}"))
            n += 8

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        time.sleep(0.02)
    server.kill()  # SIGKILL while the writers are still pushing
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acknowledged) >= 150
    assert acknowledged <= _runs_in(database)  # intact and nothing acknowledged lost

    restarted = StoreServer(str(database), tmp_path / "log2", "--rate", "0").start()
    try:
        url = f"{restarted.url}/api/v1/projects/crash/test/runs"
        commit, run_id = next(iter(acknowledged))
        again = requests.post(
            url, json=run_payload(commit, run_id), headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        assert again.status_code == 200 and again.json()["created"] is False
        assert (
            requests.post(
                url, json=run_payload(sha(10**9), "after"), timeout=30, headers={"Authorization": f"Bearer {token}"}
            ).status_code
            == 201
        )
    finally:
        restarted.stop()
