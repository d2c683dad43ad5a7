"""Pass 2 (CPU-heavy, cached per chunk): engine features of each sampled file version.

Each row's new file version is analysed by :func:`quality_hooks.analysis.engine.analyse_bytes`
(the hook's own engine) plus one ruff run per chunk, and turned into a vector by
:func:`quality_hooks.model.features.extract` with the commit's change context (the
same ``git diff -M`` parsing the hook uses) and the history stats of pass 1.
"""

from __future__ import annotations

import csv
import glob
import gzip
import hashlib
import io
import os
import queue
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from quality_hooks.mine.gitio import BlobReader, git_dir_args
from quality_hooks.model.features import BASE_FEATURE_NAMES, FEATURE_NAMES, ChangeContext, FileDelta, derive

CHUNK = 20
#: File versions larger than this are skipped in mining (documented in the model card).
MAX_BLOB = 120_000
META = ("repo", "commit", "path", "time", "label", "weight", "engine_rules")


def commit_deltas(repo: str, parent: str, sha: str) -> tuple[list[FileDelta], dict[str, str | None]]:
    """The commit's Python file deltas and each file's base path, parsed like the hook parses a change."""
    from quality_hooks.git import _parse_hunks, _parse_name_status

    base = [*git_dir_args(repo), "-c", "core.quotePath=false", "diff", "-M", "--no-ext-diff", "--no-color", parent, sha]
    env = {**os.environ, "LC_ALL": "C"}
    raw = subprocess.run(["git", *base[:-2], "--name-status", "-z", parent, sha, "--", "*.py", "*.pyi"],
                         capture_output=True, check=False, env=env).stdout  # fmt: skip
    files = {f.path: f for f in _parse_name_status(raw)}
    if files:
        both = set(files) | {f.old_path for f in files.values() if f.old_path}  # as the hook: renames need both
        hunks = subprocess.run(["git", *base, "-U0", "--", *sorted(both)], capture_output=True, check=False, env=env)
        _parse_hunks(hunks.stdout, files)
    return deltas_of(files.values()), {p: (None if f.status == "added" else f.old_path or p) for p, f in files.items()}


def deltas_of(files: Iterable[Any]) -> list[FileDelta]:
    return [FileDelta(f.path, f.added, f.deleted, f.hunks, f.status == "added") for f in files]


def ruff_findings(blobs: dict[str, bytes]) -> dict[str, list[Any]]:
    """One run of the hook's own ruff runner over a chunk of file versions written to a temp dir."""
    from quality_hooks.analysis.ruff_runner import RuffRun
    from quality_hooks.config import Config

    result: dict[str, list[Any]] = {key: [] for key in blobs}
    with tempfile.TemporaryDirectory() as tmp:
        where: dict[str, str] = {}
        for index, (key, data) in enumerate(blobs.items()):
            target = os.path.join(tmp, f"f{index}.py")
            with open(target, "wb") as handle:
                handle.write(data)
            where[os.path.abspath(target)] = key
        if where:
            for path, findings in RuffRun.start(list(where), Config()).results().items():
                owner = where.get(os.path.abspath(path))
                if owner is not None:
                    result[owner] = findings
    return result


def _features(task: tuple[Any, ...]) -> tuple[str, list[float] | None, str | None]:
    """Worker: analyse one file version and extract its feature vector."""
    from quality_hooks.analysis.engine import analyse_bytes
    from quality_hooks.config import Config
    from quality_hooks.model.features import extract
    from quality_hooks.model.history import HistoryStats

    key, path, raw, base_text, deltas, history, ruff = task
    result = analyse_bytes(path, raw, Config())
    if not result.ok or result.metrics is None:
        return key, None, result.error
    result.findings = sorted([*result.findings, *ruff], key=lambda f: (f.line, f.column, f.code))
    change = ChangeContext.for_file(path, deltas, base_text)
    return key, extract(result, change, HistoryStats(**history)), None


def _chunk_tasks(repo: str, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    tasks = []
    blobs: dict[str, bytes] = {}
    per_commit: dict[str, tuple[list[FileDelta], dict[str, str | None]]] = {}
    with BlobReader(repo) as reader:
        for row in rows:
            key = f"{row['sha']}:{row['path']}"
            raw = reader.read(row["sha"], row["path"])
            if raw is None or len(raw) > MAX_BLOB:
                continue
            if row["sha"] not in per_commit:
                per_commit[row["sha"]] = commit_deltas(repo, row["parent"], row["sha"])
            deltas, base_paths = per_commit[row["sha"]]
            if row["path"] not in base_paths:
                continue
            base_path = base_paths[row["path"]]
            base = reader.read(row["parent"], base_path) if base_path else None
            base_text = base.decode("utf-8", errors="replace") if base is not None else None
            blobs[key] = raw
            tasks.append([key, row["path"], raw, base_text, deltas, row["history"], None])
    ruff = ruff_findings(blobs)
    for task in tasks:
        task[6] = ruff[task[0]]
    return [tuple(t) for t in tasks]


PART_META = ("repo", "commit", "path", "engine_rules", "error")


def static_chunk(repo: str, name: str, rows: Sequence[dict[str, Any]], out: str, pool: ProcessPoolExecutor) -> int:
    """Analyse one chunk of rows and write its features (atomically) as a csv.gz part.

    Parts hold features only, keyed by (repo, commit, path); labels and
    weights are joined from the history pass when the dataset is written, so
    a new sample reuses every row already analysed. Rows the engine cannot
    analyse are kept with their error so they are not retried.
    """
    tasks = _chunk_tasks(repo, rows)
    from quality_hooks.analysis.rules import all_rules

    rules = len(all_rules())  # rules land over time: recorded so training can check consistency
    written = 0
    tmp = out + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with gzip.open(tmp, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*PART_META, *BASE_FEATURE_NAMES])
        for key, values, error in pool.map(_features, tasks, chunksize=2):
            sha, path = key.split(":", 1)
            if values is None:
                writer.writerow([name, sha, path, rules, (error or "failed").replace("\n", " ")[:200]])
                continue
            measured = values[: len(BASE_FEATURE_NAMES)]  # ratios are re-derived when the dataset is written
            writer.writerow([name, sha, path, rules, "", *(_fmt(v) for v in measured)])
            written += 1
    os.replace(tmp, out)
    return written


def _fmt(value: float) -> str:
    return "" if value != value else f"{value:.6g}"


def read_parts(cache: str) -> dict[tuple[str, str], dict[str, str]]:
    """Every analysed row in a repository's cache: (commit, path) -> column values."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for part in sorted(glob.glob(os.path.join(cache, "static-*.csv.gz"))):
        with gzip.open(part, "rt", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            missing = [n for n in BASE_FEATURE_NAMES if n not in header]
            if missing:
                raise RuntimeError(f"{part}: made by another feature version (lacks {missing[0]}); delete the cache")
            for values in reader:
                row = dict(zip(header, values, strict=False))
                found[(row["commit"], row["path"])] = row
    return found


def plan_chunks(history: dict[str, Any], cache: str) -> list[list[dict[str, Any]]]:
    """Chunks of the sampled rows not analysed yet (in sample order)."""
    done = read_parts(cache)
    rows = [r for r in history["rows"] if (r["sha"], r["path"]) not in done]
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


def _part_name(cache: str, rows: Sequence[dict[str, Any]]) -> str:
    digest = hashlib.sha1("\n".join(f"{r['sha']}:{r['path']}" for r in rows).encode()).hexdigest()[:16]
    return os.path.join(cache, f"static-{digest}.csv.gz")


def run_static(
    ready: queue.Queue[Any], total: int, workers: int, deadline: float | None, log: Callable[[str], None] = print
) -> list[tuple[dict[str, Any], str]]:
    """Analyse chunks round-robin over the repositories whose history pass is done.

    ``ready`` yields ``(repo, history, cache_dir)`` as history passes finish
    (``None`` for a repository that failed). Going one chunk per repository
    at a time means a deadline still leaves a balanced dataset. Returns
    ``(history, cache_dir)`` per repository for :func:`write_dataset`.
    """
    queues: list[tuple[str, dict[str, Any], str, list[list[dict[str, Any]]]]] = []
    finished = 0
    step_of: dict[str, int] = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        while True:
            while True:
                try:
                    job = ready.get(block=not _pending(queues, step_of) and finished < total, timeout=600)
                except queue.Empty:
                    break
                finished += 1
                if job is not None:
                    repo, history, cache = job
                    queues.append((repo, history, cache, plan_chunks(history, cache)))
                    step_of[history["repo"]] = 0
            if not _pending(queues, step_of) and finished >= total:
                break
            for repo, history, cache, chunks in queues:
                step = step_of[history["repo"]]
                if step >= len(chunks):
                    continue
                step_of[history["repo"]] = step + 1
                if deadline is not None and time.time() > deadline:
                    continue
                began = time.monotonic()
                n = static_chunk(repo, history["repo"], chunks[step], _part_name(cache, chunks[step]), pool)
                spent = time.monotonic() - began
                log(f"{history['repo']}: chunk {step + 1}/{len(chunks)}: {n} rows in {spent:.0f}s")
    if deadline is not None and time.time() > deadline:
        log("time budget reached: chunks not analysed were left out")
    return [(history, cache) for _, history, cache, _ in queues]


def _pending(queues: list[Any], step_of: dict[str, int]) -> bool:
    return any(step_of[h["repo"]] < len(chunks) for _, h, _, chunks in queues)


def write_dataset(jobs: Sequence[tuple[dict[str, Any], str]], out: str) -> int:
    """Join each repository's sampled rows (label, weight, time) with their features; one csv.gz, sorted."""
    rows: list[list[str]] = []
    for history, cache in jobs:
        features = read_parts(cache)
        for sampled in history["rows"]:
            found = features.get((sampled["sha"], sampled["path"]))
            if found is None or found.get("error"):
                continue
            meta = [history["repo"], sampled["sha"], sampled["path"], str(sampled["time"]), str(sampled["label"])]
            measured = [found[n] for n in BASE_FEATURE_NAMES]
            ratios = derive([float(v) if v != "" else float("nan") for v in measured])
            rows.append([*meta, _fmt(sampled["weight"]), found["engine_rules"], *measured, *(_fmt(v) for v in ratios)])
    rows.sort(key=lambda r: (r[0], int(r[3]), r[1], r[2]))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow([*META, *FEATURE_NAMES])
        writer.writerows(rows)
        text.flush()
        text.detach()
    return len(rows)
