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


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (git, ruff), user plus system."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


#: What a task reports back: its cache file, its stage, and the wall and CPU seconds it took.
Cost = dict[str, Any]


def _szz_task(repo: str, chunk: list[dict[str, Any]], reformats: list[str], out: str) -> Cost:
    from quality_hooks.mine.szz import blame_chunk

    started = time.monotonic(), cpu_seconds()
    pairs = blame_chunk(repo, chunk, reformats)
    _write_json(out, pairs)
    return _cost(out, "szz", started)


def _static_task(repo: str, chunk: list[dict[str, Any]], out: str) -> Cost:
    from quality_hooks.mine.static_pass import static_chunk

    started = time.monotonic(), cpu_seconds()
    _write_json(out, static_chunk(repo, chunk))
    return _cost(out, "static", started)


def _cost(path: str, stage: str, started: tuple[float, float]) -> Cost:
    """The cost of producing ``path`` since ``started`` (monotonic clock, :func:`cpu_seconds`)."""
    wall, cpu = started
    return {"file": os.path.basename(path), "stage": stage, "wall": round(time.monotonic() - wall, 3),
            "cpu": round(cpu_seconds() - cpu, 3)}  # fmt: skip


COSTS_FILE = "costs.jsonl"


def record_cost(cache: str, cost: Cost) -> None:
    """Append what producing one cache file cost, so a resumed run still knows a cold run's total."""
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, COSTS_FILE), "a") as handle:
        handle.write(json.dumps(cost, sort_keys=True) + "\n")


def recorded_costs(cache: str) -> dict[str, Cost]:
    """The latest recorded cost per cache file (a chunk computed twice counts once)."""
    costs: dict[str, Cost] = {}
    try:
        with open(os.path.join(cache, COSTS_FILE)) as handle:
            for line in handle:
                try:
                    cost = json.loads(line)
                except ValueError:  # a torn last line of an interrupted run
                    continue
                costs[cost["file"]] = cost
    except OSError:
        pass
    return costs


def submit_szz(job: Job, pool: ProcessPoolExecutor) -> list[Future[Cost]]:
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


def write_summary(jobs: Sequence[Job], written: Sequence[list[str]], out: str, seconds: float, *,
                  static: bool = True) -> None:  # fmt: skip
    """Per repository: commits, fix commits, rows and defect-inducing rows, and what mining them cost.

    ``cost`` sums the recorded wall and CPU seconds of every cache file the
    dataset was built from (the replay and each SZZ and static chunk), over
    all the runs that filled the cache: a cold run's work, even when this run
    only read the cache. Files cached before costs were recorded are counted
    in ``unrecorded``. ``mining_seconds`` is this run's wall time.
    """
    summary: dict[str, object] = {}
    totals: dict[str, dict[str, float]] = {}
    for job in jobs:
        rows = [r for r in written if r[0] == job.replay["repo"]]
        cost = job_cost(job, static=static)
        for stage, spent in cost.items():
            for key, value in spent.items():
                totals.setdefault(stage, {}).setdefault(key, 0.0)
                totals[stage][key] = round(totals[stage][key] + value, 3)
        summary[job.replay["repo"]] = {
            "commits": job.replay["commits"],
            "fix_commits_total": job.replay["fix_commits_total"],
            "fix_commits_blamed": len(job.replay["fix_commits"]),
            "reformats": len(job.replay["reformats"]),
            "rows": len(rows),
            "defect_inducing_rows": sum(int(r[4]) for r in rows),
            "gap_days": job.replay["gap_days"],
            "cost": cost,
        }
    with open(out, "w") as handle:
        document = {"repositories": summary, "mining_seconds": round(seconds), "cost": totals, "static": static}
        json.dump(document, handle, indent=1, sort_keys=True)
        handle.write("\n")


def job_cost(job: Job, *, static: bool = True) -> dict[str, dict[str, float]]:
    """Per stage: recorded wall and CPU seconds of the cache files this job reads, and how many have no record."""
    costs = recorded_costs(job.cache)
    files = {"replay": ["replay.json.gz"], "szz": [os.path.basename(job.szz_file(c)) for c in job.szz]}
    if static:
        files["static"] = [os.path.basename(job.static_file(c)) for c in job.static]
    result: dict[str, dict[str, float]] = {}
    for stage, names in files.items():
        known = [costs[n] for n in names if n in costs]
        result[stage] = {"wall": round(sum(c["wall"] for c in known), 3), "cpu": round(sum(c["cpu"] for c in known), 3),
                         "files": len(names), "unrecorded": len(names) - len(known)}  # fmt: skip
    return result


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
    futures: dict[Future[Cost], str] = {}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for repo in (r for r in args.repos if os.path.isdir(r)):
            name = repo_name(repo)
            cache = os.path.join(args.cache, name.replace("/", "+"))
            try:
                job = _replayed(repo, name, cache, settings, log)
            except Exception as exc:  # one broken repository must not stop the others
                print(f"{repo}: {exc}", file=sys.stderr)
                failed = True
                continue
            jobs.append(job)
            futures.update(dict.fromkeys(submit_szz(job, pool), cache))
            log(f"{name}: {len(job.replay['rows'])} rows; {len(futures)} chunks queued in all")
        # Labels first (the SZZ chunks above), then the static chunks round-robin over the repositories.
        if not args.no_static:
            for group in itertools.zip_longest(*(static_tasks(job) for job in jobs)):
                futures.update({pool.submit(_static_task, *task): os.path.dirname(task[2]) for task in group if task})
        _wait(futures, log)
    rows = write_dataset(jobs, args.out, static=not args.no_static)
    write_summary(jobs, rows, summary_path(args.out), time.monotonic() - began, static=not args.no_static)
    print(f"wrote {len(rows)} rows to {args.out} in {time.monotonic() - began:.0f}s", file=sys.stderr)
    return 1 if failed else 0


def _replayed(repo: str, name: str, cache: str, settings: Settings, log: Callable[[str], None]) -> Job:
    """The repository's replay (from the cache when done), its cost recorded when computed now."""
    started = time.monotonic(), cpu_seconds()
    replayed, fresh = cached_replay(repo, name, cache, settings, log)
    job = Job(repo, cache, replayed)
    if fresh:
        record_cost(cache, _cost("replay.json.gz", "replay", started))
    return job


def _wait(futures: dict[Future[Cost], str], log: Callable[[str], None]) -> None:
    """Wait for every chunk, recording each one's cost in its repository's cache as it finishes."""
    from concurrent.futures import as_completed

    for done, future in enumerate(as_completed(futures), 1):
        record_cost(futures[future], future.result())
        if done % 20 == 0 or done == len(futures):
            log(f"{done}/{len(futures)} chunks done")


if __name__ == "__main__":
    raise SystemExit(main())
