"""File-score dataset: yearly snapshots of each repository, every Python file, a label from the next year.

``python -m quality_hooks.mine.file_labels REPO_DIR... --out models/file-dataset.csv.gz``

For each repository, up to :data:`SNAPSHOTS` snapshots one year apart, the
newest one :data:`HORIZON_DAYS` before the repository's last commit (so every
label window is complete). A snapshot is the first-parent commit of HEAD at
that moment; its rows are its non-test, non-vendored ``.py`` files. The label
is 1 when a fix commit (:func:`quality_hooks.model.file_features.is_fix_commit`)
reachable from HEAD but not from the snapshot changed the file within the
following :data:`HORIZON_DAYS` days. History features come only from commits
reachable from the snapshot and older than it (the same
:func:`~quality_hooks.model.file_features.history_features` the scorer calls
at HEAD); static features come from each blob's text, measured once per blob
(cached under ``--cache``) with one ruff process per batch of blobs.

The dataset holds derived numbers, commit ids and paths only: no source code.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import sys
import time
from collections.abc import Callable, Sequence

from quality_hooks.mine.cli import repo_name
from quality_hooks.mine.gitio import BlobReader, run_git
from quality_hooks.mine.walk import DAY, load_commits
from quality_hooks.model.file_features import (
    FILE_FEATURE_NAMES,
    FILE_FEATURE_VERSION,
    assemble,
    file_events,
    is_fix_commit,
    static_features,
)
from quality_hooks.model.history import LogCommit, is_test_path
from quality_hooks.model.static import ruff_counts

SNAPSHOTS = 6
HORIZON_DAYS = 365
STEP_DAYS = 365
#: Snapshots need this much history before them.
MIN_HISTORY_DAYS = 365
#: Blobs larger than this are skipped (generated tables, vendored bundles).
MAX_BLOB = 300_000
RUFF_BATCH = 400
META = ("repo", "snapshot", "time", "path", "label")
_VENDORED = ("/_vendor/", "/vendor/", "/vendored/", "/third_party/", "/_vendored/")
#: Top-level directories of documentation snippets and examples (thousands of tiny files in some projects).
_DOCUMENTATION = ("docs/", "doc/", "docs_src/", "examples/", "example/")


def is_scored_path(path: str) -> bool:
    """Rows are the project's own modules: not tests, vendored code, or documentation examples."""
    wrapped = "/" + path
    return (
        path.endswith(".py")
        and not is_test_path(path)
        and not any(v in wrapped for v in _VENDORED)
        and not path.startswith(_DOCUMENTATION)
    )


def snapshot_times(commits: Sequence[LogCommit], count: int = SNAPSHOTS) -> list[int]:
    """Moments one year apart, newest first, each with a full label window after it and history before it."""
    last, first = max(c.time for c in commits), min(c.time for c in commits)
    moments = [last - HORIZON_DAYS * DAY - k * STEP_DAYS * DAY for k in range(count)]
    return [t for t in moments if t - first >= MIN_HISTORY_DAYS * DAY]


def snapshot_commit(repo: str, moment: int) -> tuple[str, int] | None:
    """HEAD's first-parent commit at ``moment`` and its commit time."""
    sha = run_git(repo, ["rev-list", "-1", "--first-parent", f"--before={moment}", "HEAD"]).strip()
    if not sha:
        return None
    return sha, int(run_git(repo, ["log", "-1", "--format=%ct", sha]).strip())


def tree_files(repo: str, sha: str) -> list[tuple[str, str]]:
    """``(blob id, path)`` of the scored files at ``sha``."""
    out = run_git(repo, ["-c", "core.quotePath=false", "ls-tree", "-r", "-z", "--full-tree", sha])
    files = []
    for entry in out.split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob" and parts[0] != "120000" and is_scored_path(path):
            files.append((parts[2], path))
    return files


def _ruff_safely(texts: dict[str, bytes], names: dict[str, str]) -> dict[str, dict[str, int] | None]:
    """ruff counts per blob; a batch ruff rejects is split until the culprit is isolated (None for it)."""
    try:
        return dict(ruff_counts(texts, names))
    except RuntimeError:
        if len(texts) == 1:
            return dict.fromkeys(texts)
        keys = sorted(texts)
        half = len(keys) // 2
        out: dict[str, dict[str, int] | None] = {}
        for part in (keys[:half], keys[half:]):
            out.update(_ruff_safely({k: texts[k] for k in part}, {k: names[k] for k in part}))
        return out


def measure_blobs(
    repo: str, blobs: dict[str, tuple[str, str]], cache: str, log: Callable[[str], None]
) -> dict[str, list[float]]:
    """Static + ruff features per blob id (``blobs``: id -> a (commit, path) holding it); cached in ``cache``."""
    path = os.path.join(cache, "blobs.json.gz")
    known: dict[str, list[float]] = {}
    if os.path.exists(path):
        with gzip.open(path, "rt") as handle:
            stored = json.load(handle)
        if stored.get("version") == FILE_FEATURE_VERSION:
            known = stored["blobs"]
    todo = sorted(b for b in blobs if b not in known)
    began = time.monotonic()
    with BlobReader(repo) as reader:
        for start in range(0, len(todo), RUFF_BATCH):
            batch = todo[start : start + RUFF_BATCH]
            data = {b: reader.read(*blobs[b]) for b in batch}
            texts = {b: d for b, d in data.items() if d is not None and len(d) <= MAX_BLOB}
            ruff = _ruff_safely(texts, {b: os.path.basename(blobs[b][1]) for b in texts})
            for blob in batch:
                if blob in texts:
                    known[blob] = static_features(texts[blob].decode("utf-8", errors="replace"), ruff.get(blob))
            if sys.stderr.isatty():
                print(f"\r  {min(start + RUFF_BATCH, len(todo))}/{len(todo)} blobs", end="", file=sys.stderr)
    if todo:
        log(f"  measured {len(todo)} blobs in {time.monotonic() - began:.0f}s")
        os.makedirs(cache, exist_ok=True)
        with gzip.open(path + ".tmp", "wt") as handle:
            json.dump({"version": FILE_FEATURE_VERSION, "blobs": known}, handle)
        os.replace(path + ".tmp", path)
    return known


def mine_repository(repo: str, cache: str, log: Callable[[str], None] = print) -> list[list[object]]:
    """Every (snapshot, file) row of one repository: meta columns, then the features."""
    name = repo_name(repo)
    cache_dir = os.path.join(cache, name.replace("/", "+"))
    done_path = os.path.join(cache_dir, "rows.json.gz")
    if os.path.exists(done_path):
        with gzip.open(done_path, "rt") as handle:
            stored = json.load(handle)
        if stored.get("version") == FILE_FEATURE_VERSION:
            return [row for row in stored["rows"] if is_scored_path(str(row[3]))]
    commits = load_commits(repo)
    snapshots = []
    for moment in snapshot_times(commits):
        found = snapshot_commit(repo, moment)
        if found is not None:
            snapshots.append(found)
    plans = []
    blobs: dict[str, tuple[str, str]] = {}
    for sha, at in snapshots:
        reachable = set(run_git(repo, ["rev-list", sha]).split())
        files = tree_files(repo, sha)
        for blob, path in files:
            blobs.setdefault(blob, (sha, path))
        plans.append((sha, at, reachable, files))
    log(f"{name}: {len(commits)} commits, {len(snapshots)} snapshots, {sum(len(p[3]) for p in plans)} file rows, "
        f"{len(blobs)} distinct blobs")  # fmt: skip
    measured = measure_blobs(repo, blobs, cache_dir, log)
    rows: list[list[object]] = []
    for sha, at, reachable, files in plans:
        paths = {p for _, p in files}
        past = file_events((c for c in commits if c.sha in reachable), paths)
        fixed: set[str] = set()
        for commit in commits:
            if commit.sha not in reachable and at < commit.time <= at + HORIZON_DAYS * DAY and is_fix_commit(commit):
                fixed.update(f.path for f in commit.files if f.path in paths)
        for blob, path in files:
            static = measured.get(blob)
            if static is None:
                continue
            features = assemble(static, path, past.get(path, []), at)
            rows.append([name, sha, at, path, int(path in fixed), *features])
    os.makedirs(cache_dir, exist_ok=True)
    with gzip.open(done_path + ".tmp", "wt") as handle:
        json.dump({"version": FILE_FEATURE_VERSION, "rows": rows}, handle, allow_nan=True)
    os.replace(done_path + ".tmp", done_path)
    return rows


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return "" if value != value else f"{value:.6g}"
    return str(value)


def write_dataset(rows: Sequence[Sequence[object]], out: str) -> None:
    """One csv.gz, sorted by (repo, time, path), byte-identical for the same rows."""
    ordered = sorted(rows, key=lambda r: (str(r[0]), int(r[2]), str(r[3])))  # type: ignore[call-overload]  # rows mix str and int columns
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow([*META, *FILE_FEATURE_NAMES])
        writer.writerows([[_fmt(v) for v in row] for row in ordered])
        text.flush()
        text.detach()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+", metavar="REPO_DIR")
    parser.add_argument("--out", required=True, help="dataset to write (.csv.gz)")
    parser.add_argument("--cache", default="/work/cache/file-score", help="cache directory (default: %(default)s)")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    rows: list[list[object]] = []
    failed = 0
    for repo in args.repos:
        try:
            rows += mine_repository(repo, args.cache, log)
        except (OSError, RuntimeError) as exc:  # one broken repository must not stop the others
            log(f"{repo}: {exc}")
            failed += 1
    write_dataset(rows, args.out)
    positives = sum(int(r[4]) for r in rows)  # type: ignore[call-overload]  # rows mix str and int columns
    log(f"wrote {len(rows)} rows ({positives} fixed within a year) to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
