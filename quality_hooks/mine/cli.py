"""``quality-hooks mine REPO_DIR... --out DATASET``: whole git histories -> labelled change rows.

Per repository, cached under ``--cache`` (re-running skips what is done, so
an interrupted run resumes): the replay of ``git log`` (rows, git features,
ranks; :mod:`quality_hooks.mine.replay`), SZZ blame over every fix commit in
chunks (:mod:`quality_hooks.mine.szz`) and the static delta of every row in
chunks (:mod:`quality_hooks.mine.static_pass`). Chunks run in a process pool
of ``--jobs`` workers (default 2) while the next repository is replayed.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import itertools
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from quality_hooks.mine.replay import Settings, cached_replay

META = ("repo", "commit", "path", "time", "label")
SZZ_CHUNK = 40
STATIC_CHUNK = 400


def repo_name(path: str) -> str:
    """``owner/name`` for a mirror dir ``.../owner+name/repo``, else the directory name."""
    parts = os.path.abspath(path).rstrip("/").split(os.sep)
    for part in reversed(parts):
        if "+" in part:
            return part.replace("+", "/", 1)
    base = parts[-1]
    return base[:-4] if base.endswith(".git") else base


def _digest(items: Sequence[str]) -> str:
    return hashlib.sha1("\n".join(items).encode()).hexdigest()[:16]


def _read_json(path: str) -> object:
    with gzip.open(path, "rt") as handle:
        return json.load(handle)


def _write_json(path: str, data: object) -> None:
    with gzip.open(path + ".tmp", "wt") as handle:
        json.dump(data, handle)
    os.replace(path + ".tmp", path)


class Job:
    """One repository: its replay, and the chunk files its SZZ and static tasks write."""

    def __init__(self, repo: str, cache: str, replay: dict[str, Any]) -> None:
        self.repo, self.cache, self.replay = repo, cache, replay
        fixes = replay["fix_commits"]
        self.szz = [fixes[i : i + SZZ_CHUNK] for i in range(0, len(fixes), SZZ_CHUNK)]
        rows = sorted(replay["rows"], key=lambda r: (r["path"], r["time"], r["sha"]))
        light = [{k: r[k] for k in ("sha", "path", "old_blob", "new_blob")} for r in rows]
        self.static = [light[i : i + STATIC_CHUNK] for i in range(0, len(light), STATIC_CHUNK)]

    def szz_file(self, chunk: list[dict[str, Any]]) -> str:
        return os.path.join(self.cache, f"szz-{_digest([f['sha'] for f in chunk])}.json.gz")

    def static_file(self, chunk: list[dict[str, Any]]) -> str:
        return os.path.join(self.cache, f"static-{_digest([r['sha'] + ':' + r['path'] for r in chunk])}.json.gz")


def _szz_task(repo: str, chunk: list[dict[str, Any]], reformats: list[str], out: str) -> int:
    from quality_hooks.mine.szz import blame_chunk

    pairs = blame_chunk(repo, chunk, reformats)
    _write_json(out, pairs)
    return len(chunk)


def _static_task(repo: str, chunk: list[dict[str, Any]], out: str) -> int:
    from quality_hooks.mine.static_pass import static_chunk

    _write_json(out, static_chunk(repo, chunk))
    return len(chunk)


def submit_szz(job: Job, pool: ProcessPoolExecutor) -> list[Future[int]]:
    """Queue the SZZ chunks of ``job`` whose cache files are missing."""
    return [
        pool.submit(_szz_task, job.repo, chunk, job.replay["reformats"], job.szz_file(chunk))
        for chunk in job.szz
        if not os.path.exists(job.szz_file(chunk))
    ]


StaticTask = tuple[str, list[dict[str, Any]], str]


def static_tasks(job: Job) -> list[StaticTask]:
    """The static chunks of ``job`` whose cache files are missing, as ``_static_task`` arguments."""
    return [(job.repo, rows, job.static_file(rows)) for rows in job.static if not os.path.exists(job.static_file(rows))]


def _fmt(value: float) -> str:
    return "" if value != value else f"{value:.12g}"


def file_lines(repo: str, rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str], float]:
    """``file_lt`` of rows the static pass did not measure, from their blobs (as the static pass defines it)."""
    from quality_hooks.git import read_blobs
    from quality_hooks.model.features import MAX_FILE_BYTES, line_count

    found: dict[tuple[str, str], float] = {}
    for start in range(0, len(rows), 2000):
        part = rows[start : start + 2000]
        blobs = read_blobs(repo, sorted({b for r in part for b in (r["old_blob"], r["new_blob"]) if b}))
        for row in part:
            old = blobs.get(row["old_blob"]) if row["old_blob"] else b""
            new = blobs.get(row["new_blob"])
            if old is None or new is None or len(old) > MAX_FILE_BYTES or len(new) > MAX_FILE_BYTES:
                continue
            text = old.decode("utf-8", errors="replace") if row["old_blob"] else None
            found[(row["sha"], row["path"])] = line_count(text)
    return found


def dataset_rows(job: Job, *, partial: bool = False, with_static: bool = True) -> list[list[str]]:
    """The repository's rows joined with labels and static features (``lt`` summed per commit).

    With ``partial``, static chunks not done yet are skipped; without
    ``with_static`` all are. Rows without static features keep them NaN, and their
    ``file_lt`` is read from the blobs.
    """
    from quality_hooks.model.features import RANKS, change_vector

    pairs = set()
    for chunk in job.szz:
        pairs |= {tuple(p) for p in _read_json(job.szz_file(chunk))}  # type: ignore[attr-defined]  # _read_json returns untyped JSON (object)
    static: dict[tuple[str, str], dict[str, float]] = {}
    for rows in job.static if with_static else []:
        if partial and not os.path.exists(job.static_file(rows)):
            continue
        for sha, path, values in _read_json(job.static_file(rows)):  # type: ignore[attr-defined]  # _read_json returns untyped JSON (object)
            static[(sha, path)] = values
    unmeasured = [r for r in job.replay["rows"] if (r["sha"], r["path"]) not in static]
    lines = file_lines(job.repo, unmeasured) if unmeasured else {}
    lt: dict[str, float] = {}
    for row in job.replay["rows"]:
        key = (row["sha"], row["path"])
        known = static[key].get("file_lt", math.nan) if key in static else lines.get(key, math.nan)
        lt[row["sha"]] = lt.get(row["sha"], 0.0) + known
    out = []
    for row in job.replay["rows"]:
        key = (row["sha"], row["path"])
        measured = static.get(key) or ({"file_lt": lines[key]} if key in lines else {})
        ranks = row["ranks"] or [math.nan] * len(RANKS)
        vector = change_vector(row["path"], {**row["git"], "lt": lt[row["sha"]]}, measured, ranks)
        label = int(key in pairs)
        out.append([job.replay["repo"], row["sha"], row["path"], str(row["time"]), str(label), *map(_fmt, vector)])
    return out


def write_dataset(jobs: Sequence[Job], out: str, *, static: bool = True) -> list[list[str]]:
    """One csv.gz sorted by (repository, time, commit, path), byte-identical for the same input; its rows."""
    from quality_hooks.model.features import CHANGE_FEATURE_NAMES

    rows = [r for job in jobs for r in dataset_rows(job, with_static=static)]
    rows.sort(key=lambda r: (r[0], int(r[3]), r[1], r[2]))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow([*META, *CHANGE_FEATURE_NAMES])
        writer.writerows(rows)
        text.flush()
        text.detach()
    return rows


def write_summary(jobs: Sequence[Job], written: Sequence[list[str]], out: str, seconds: float) -> None:
    """Per repository: commits, fix commits, rows and defect-inducing rows; and the mining time."""
    summary: dict[str, object] = {}
    for job in jobs:
        rows = [r for r in written if r[0] == job.replay["repo"]]
        summary[job.replay["repo"]] = {
            "commits": job.replay["commits"],
            "fix_commits_total": job.replay["fix_commits_total"],
            "fix_commits_blamed": len(job.replay["fix_commits"]),
            "reformats": len(job.replay["reformats"]),
            "rows": len(rows),
            "defect_inducing_rows": sum(int(r[4]) for r in rows),
            "gap_days": job.replay["gap_days"],
        }
    with open(out, "w") as handle:
        json.dump({"repositories": summary, "mining_seconds": round(seconds)}, handle, indent=1, sort_keys=True)
        handle.write("\n")


def summary_path(dataset: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(dataset)), "mining-summary.json")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quality-hooks mine", description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+", metavar="REPO_DIR", help="git repositories (work trees or bare)")
    parser.add_argument("--out", required=True, help="dataset to write (.csv.gz)")
    parser.add_argument("--cache", default=".quality-mine-cache", help="cache directory (default: %(default)s)")
    parser.add_argument("--gap-days", type=int, default=Settings.gap_days, help="label gap (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default: %(default)s)")
    parser.add_argument(
        "--no-static",
        action="store_true",
        help="skip the static pass (static delta features NaN; lines before read from the blobs)",
    )
    args = parser.parse_args(argv)
    settings = Settings(args.gap_days)
    tty = sys.stderr.isatty()

    def log(message: str) -> None:
        if tty:
            print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    began = time.monotonic()
    missing = [repo for repo in args.repos if not os.path.isdir(repo)]
    for repo in missing:
        print(f"{repo}: not a directory", file=sys.stderr)
    jobs: list[Job] = []
    failed = bool(missing)
    futures: list[Future[int]] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for repo in (r for r in args.repos if os.path.isdir(r)):
            name = repo_name(repo)
            cache = os.path.join(args.cache, name.replace("/", "+"))
            try:
                job = Job(repo, cache, cached_replay(repo, name, cache, settings, log))
            except Exception as exc:  # one broken repository must not stop the others
                print(f"{repo}: {exc}", file=sys.stderr)
                failed = True
                continue
            jobs.append(job)
            futures += submit_szz(job, pool)
            log(f"{name}: {len(job.replay['rows'])} rows; {len(futures)} chunks queued in all")
        # Labels first (the SZZ chunks above), then the static chunks round-robin over the repositories.
        if not args.no_static:
            for group in itertools.zip_longest(*(static_tasks(job) for job in jobs)):
                futures += [pool.submit(_static_task, *task) for task in group if task is not None]
        _wait(futures, log)
    rows = write_dataset(jobs, args.out, static=not args.no_static)
    write_summary(jobs, rows, summary_path(args.out), time.monotonic() - began)
    print(f"wrote {len(rows)} rows to {args.out} in {time.monotonic() - began:.0f}s", file=sys.stderr)
    return 1 if failed else 0


def _wait(futures: Sequence[Future[int]], log: Callable[[str], None]) -> None:
    for done, future in enumerate(futures, 1):
        future.result()
        if done % 20 == 0 or done == len(futures):
            log(f"{done}/{len(futures)} chunks done")


if __name__ == "__main__":
    raise SystemExit(main())
