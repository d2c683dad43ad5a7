"""Store page latency: the project page (each metric), a file's history and a pull request, on SQLite.

Starts ``quality-hooks store serve`` on 127.0.0.1 with a fresh SQLite file, pushes ``--runs`` default-branch
runs of ``--files`` files each and one pull-request run against the last of them, then fetches each page
``--repeat`` times from one client and prints the median and 95th percentile in milliseconds, and the
server's CPU time per request (its process's user + system time over the requests: on a shared machine,
wall time also measures the other jobs).

    python benchmarks/bench_store_pages.py [--runs 200] [--files 200] [--repeat 30] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from store_support import StoreServer, cpu_seconds, run_payload, sha


def files_of(run: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "path": f"pkg/sub_{k % 10}/module_{k}.py",
            "score": max(0.0, 90 - k % 40 - run * 0.05),
            "risk": min(1.0, 0.05 + (k % 20) / 25),
            "complexity": 5 + k % 30,
            "sloc": 120,
            "maintainability": 60.0 + k % 30,
            "findings": {"info": k % 3, "warning": k % 5, "error": int(k % 7 == 0)},
            "new_findings": 0,
        }
        for k in range(count)
    ]


def timed(url: str, repeat: int, server_pid: int) -> dict[str, float]:
    times = []
    cpu_before = cpu_seconds(server_pid)
    for _ in range(repeat):
        started = time.perf_counter()
        answer = requests.get(url, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (url, answer.status_code)
    cpu_ms = (cpu_seconds(server_pid) - cpu_before) * 1000 / repeat
    ordered = sorted(times)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "server_cpu_ms": round(cpu_ms, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--files", type=int, default=200, help="files per run")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        server = StoreServer(str(Path(tmp) / "pages.sqlite3"), Path(tmp) / "log", "--rate", "0").start()
        try:
            token = server.add_project("bench/pages")
            headers = {"Authorization": f"Bearer {token}"}
            api = f"{server.url}/api/v1/projects/bench/pages/runs"
            with requests.Session() as session:
                for run in range(args.runs):
                    body = run_payload(sha(run + 1), files=files_of(run, args.files))
                    assert session.post(api, json=body, headers=headers, timeout=60).status_code == 201
                pull = run_payload(
                    sha(10**6), branch="feature", pull_request=1, base_commit=sha(args.runs), files=files_of(-40, 200)
                )
                assert session.post(api, json=pull, headers=headers, timeout=60).status_code == 201
            page = f"{server.url}/p/bench/pages"
            assert server.process is not None
            pid = server.process.pid
            figures = {
                f"project page ({metric})": timed(f"{page}?metric={metric}", args.repeat, pid)
                for metric in ("score", "maintainability", "findings_error")
            }
            figures["file page"] = timed(f"{page}/file?path=pkg/sub_3/module_13.py", args.repeat, pid)
            figures["pull-request page"] = timed(f"{page}/pulls/1", args.repeat, pid)
        finally:
            server.stop()
    print(f"{args.runs} runs of {args.files} files, SQLite, one client, {args.repeat} requests each:")
    for name, figure in figures.items():
        print(
            f"  {name:32} p50 {figure['p50_ms']:7.1f} ms   p95 {figure['p95_ms']:7.1f} ms   "
            f"server CPU {figure['server_cpu_ms']:7.1f} ms/request"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": args.runs, "files": args.files, "pages": figures}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
