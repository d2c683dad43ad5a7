"""Store load figure: pushes per second and latency at 20 concurrent clients on SQLite.

Starts ``quality-hooks store serve`` on 127.0.0.1 with a fresh SQLite file
(WAL, synchronous=FULL: every acknowledged push is fsynced), then 20 client
threads push runs of 25 files each.  Loopback only, bounded by ``--runs``.

    python benchmarks/bench_store.py [--runs 1000] [--clients 20] [--files 25] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from store_support import StoreServer, run_payload, sha


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--files", type=int, default=25, help="files per run")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        server = StoreServer(str(Path(tmp) / "bench.sqlite3"), Path(tmp) / "log", "--rate", "0").start()
        try:
            token = server.add_project("bench/store")
            url = f"{server.url}/api/v1/projects/bench/store/runs"
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

            def client(index: int) -> list[tuple[float, int]]:
                session = requests.Session()
                headers = {"Authorization": f"Bearer {token}"}
                out = []
                for n in range(index, args.runs, args.clients):
                    started = time.perf_counter()
                    response = session.post(
                        url, json=run_payload(sha(n), f"b{n}", files=files), headers=headers, timeout=60
                    )
                    out.append((time.perf_counter() - started, response.status_code))
                return out

            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                results = [r for batch in pool.map(client, range(args.clients)) for r in batch]
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
    latencies = [seconds * 1000 for seconds, _ in results]
    figures = {
        "runs": len(results),
        "clients": args.clients,
        "files_per_run": args.files,
        "ok": sum(1 for _, status in results if status == 201),
        "pushes_per_second": round(len(results) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures["ok"] == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
