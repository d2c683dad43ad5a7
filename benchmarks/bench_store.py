"""Store load figures against a baseline in the same run: pushes per second and p99 at 20 clients on SQLite.

Two servers on 127.0.0.1, each with a fresh SQLite file (WAL, synchronous=FULL: every
acknowledged push is fsynced): ``quality-hooks store serve`` and the baseline of
``benchmarks/store_baseline.py``, a bare FastAPI + uvicorn endpoint that inserts the same rows
through the same database layer and does nothing else. 20 client threads push runs of 25 files
to each, in alternating phases (baseline, store, store, baseline, ...) so that a machine whose
load changes affects both alike. Each server's CPU time (user + system, from /proc) is printed per
push next to the wall-clock figures, with the load average at the end. Targets (issue 15): the
store's pushes/s at least 0.8x the baseline's, its p99 at most 2x the baseline's. Loopback only,
bounded by ``--runs``.

    python benchmarks/bench_store.py [--runs 4000] [--clients 20] [--files 25] [--rounds 4] [--json out.json]

The defaults were 1,000 pushes in 2 rounds; at 300-400 pushes/s a phase then lasted about a second,
so one stall of the shared machine decided a p99 of 250 samples. 1,000 pushes per phase, 4 rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from store_support import StoreServer, cpu_seconds, free_port, run_payload, sha

HERE = Path(__file__).resolve().parent

TARGET_THROUGHPUT, TARGET_P99 = 0.8, 2.0
#: (push URL, request headers, server process id).
Endpoint = tuple[str, dict[str, str], int]


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0.99: p99)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@contextlib.contextmanager
def store_endpoint(tmp: Path) -> Iterator[Endpoint]:
    """``store serve`` on a fresh SQLite file: (push URL, headers with the project's write token, server pid)."""
    server = StoreServer(str(tmp / "store.sqlite3"), tmp / "store.log", "--rate", "0").start()
    try:
        token = server.add_project("bench/store")
        assert server.process is not None
        url = f"{server.url}/api/v1/projects/bench/store/runs"
        yield url, {"Authorization": f"Bearer {token}"}, server.process.pid
    finally:
        server.stop()


@contextlib.contextmanager
def baseline_endpoint(tmp: Path) -> Iterator[Endpoint]:
    """The bare endpoint of store_baseline.py under uvicorn on a fresh SQLite file: (push URL, no headers, pid)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(HERE), "store_baseline:app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    env = os.environ | {"QH_BASELINE_DATABASE": str(tmp / "baseline.sqlite3")}
    with (tmp / "baseline.log").open("ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"http://127.0.0.1:{port}/docs", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"baseline did not start: {(tmp / 'baseline.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/runs", {}, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def load(
    url: str, headers: dict[str, str], first: int, count: int, clients: int, files: list[dict[str, Any]]
) -> tuple[float, list[tuple[float, int]]]:
    """Push runs ``first .. first+count`` from ``clients`` threads; (elapsed seconds, [(latency, status)])."""

    def client(index: int) -> list[tuple[float, int]]:
        session = requests.Session()
        out = []
        for n in range(first + index, first + count, clients):
            started = time.perf_counter()
            response = session.post(url, json=run_payload(sha(n), f"b{n}", files=files), headers=headers, timeout=60)
            out.append((time.perf_counter() - started, response.status_code))
        return out

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = [r for batch in pool.map(client, range(clients)) for r in batch]
    return time.perf_counter() - started, results


def summary(elapsed: float, cpu: float, results: list[tuple[float, int]]) -> dict[str, Any]:
    """Pushes per second over the phases' time, the server's CPU per push, and latency percentiles in ms."""
    latencies = [seconds * 1000 for seconds, _ in results]
    return {
        "runs": len(results),
        "ok": sum(1 for _, status in results if status == 201),
        "pushes_per_second": round(len(results) / elapsed, 1),
        "wall_s": round(elapsed, 2),
        "server_cpu_s": round(cpu, 2),
        "server_cpu_ms_per_push": round(cpu * 1000 / len(results), 2),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
    }


def phases(rounds: int) -> list[str]:
    """Baseline and store alternating, mirrored (B S S B ...), so a drifting load touches both alike."""
    order: list[str] = []
    for k in range(rounds):
        order += ["baseline", "store"] if k % 2 == 0 else ["store", "baseline"]
    return order


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4000, help="pushes to each server (split over the rounds)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--files", type=int, default=25, help="files per run")
    parser.add_argument("--rounds", type=int, default=4, help="phases per server, alternating")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    files = [
        {
            "path": f"pkg/mod_{k}.py",
            "score": 70.0,
            "risk": 0.3,
            "complexity": 10,
            "sloc": 200,
            "findings": {"info": 1, "warning": 2, "error": 0},
            "new_findings": 1,
        }
        for k in range(args.files)
    ]
    per_phase = args.runs // args.rounds
    collected: dict[str, tuple[float, float, list[tuple[float, int]]]] = {
        "baseline": (0.0, 0.0, []),
        "store": (0.0, 0.0, []),
    }
    endpoints: dict[str, Callable[[Path], contextlib.AbstractContextManager[Endpoint]]] = {
        "baseline": baseline_endpoint,
        "store": store_endpoint,
    }
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        servers = {name: stack.enter_context(open_endpoint(Path(tmp))) for name, open_endpoint in endpoints.items()}
        for phase, name in enumerate(phases(args.rounds)):
            url, headers, pid = servers[name]
            cpu_before = cpu_seconds(pid)
            elapsed, results = load(url, headers, phase * per_phase, per_phase, args.clients, files)
            total, cpu, seen = collected[name]
            collected[name] = (total + elapsed, cpu + cpu_seconds(pid) - cpu_before, seen + results)
    figures: dict[str, Any] = {"clients": args.clients, "files_per_run": args.files, "rounds": args.rounds}
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    figures |= {name: summary(*collected[name]) for name in ("baseline", "store")}
    base, store = figures["baseline"], figures["store"]
    figures["throughput_ratio"] = round(store["pushes_per_second"] / base["pushes_per_second"], 2)
    figures["p99_ratio"] = round(store["p99_ms"] / base["p99_ms"], 2)
    figures["cpu_per_push_ratio"] = round(store["server_cpu_ms_per_push"] / base["server_cpu_ms_per_push"], 2)
    figures["targets"] = {
        f"throughput_ratio >= {TARGET_THROUGHPUT}": figures["throughput_ratio"] >= TARGET_THROUGHPUT,
        f"p99_ratio <= {TARGET_P99}": figures["p99_ratio"] <= TARGET_P99,
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if all(figures[n]["ok"] == figures[n]["runs"] for n in ("baseline", "store")) else 1


if __name__ == "__main__":
    raise SystemExit(main())
