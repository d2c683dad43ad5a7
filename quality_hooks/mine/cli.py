"""``quality-hooks mine REPO_DIR... --out DATASET``: git history -> labelled feature rows.

Two cached passes per repository under ``--cache``: the git-only history/SZZ
pass, then the static pass (the engine on each sampled file version, in a
process pool). Re-running skips work already done, so an interrupted run
resumes where it stopped.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from quality_hooks.mine.walk import Settings


def repo_name(path: str) -> str:
    """``owner/name`` for a mirror dir ``.../owner+name/repo``, else the directory name."""
    parts = os.path.abspath(path).rstrip("/").split(os.sep)
    for part in reversed(parts):
        if "+" in part:
            return part.replace("+", "/", 1)
    base = parts[-1]
    return base[:-4] if base.endswith(".git") else base


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quality-hooks mine", description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+", metavar="REPO_DIR", help="git repositories (work trees or bare)")
    parser.add_argument("--out", help="dataset to write (.csv.gz); omit with --history-only")
    parser.add_argument("--cache", default=".quality-mine-cache", help="cache directory (default: %(default)s)")
    parser.add_argument("--gap-days", type=int, default=Settings.gap_days, help="label gap (default: %(default)s)")
    parser.add_argument("--window-days", type=int, default=Settings.window_days, help="mined window before the gap")
    parser.add_argument(
        "--max-positives",
        type=int,
        default=Settings.max_positives,
        help="defect-inducing rows sampled per repository (default: %(default)s)",
    )
    parser.add_argument(
        "--max-negatives",
        type=int,
        default=Settings.max_negatives,
        help="clean rows sampled per repository (default: %(default)s)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the static pass")
    parser.add_argument("--history-only", action="store_true", help="run only the git/SZZ pass")
    parser.add_argument("--time-budget", type=float, help="minutes for the static pass; chunks left are skipped")
    args = parser.parse_args(argv)
    if not args.history_only and not args.out:
        parser.error("--out is required unless --history-only")
    settings = Settings(args.gap_days, args.window_days, args.max_positives, args.max_negatives)

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    missing = [repo for repo in args.repos if not os.path.isdir(repo)]
    for repo in missing:
        print(f"{repo}: not a directory", file=sys.stderr)
    repos = [repo for repo in args.repos if os.path.isdir(repo)]
    ready: queue.Queue[Any] = queue.Queue()
    failures: list[str] = []
    worker = threading.Thread(
        target=_history_all, args=(repos, args.cache, settings, ready, failures, log), daemon=True
    )
    worker.start()
    if args.history_only:
        worker.join()
        return 1 if failures or missing else 0
    from quality_hooks.mine.static_pass import run_static, write_dataset

    deadline = time.time() + args.time_budget * 60 if args.time_budget else None
    jobs = run_static(ready, len(repos), args.jobs, deadline, log)
    rows = write_dataset(jobs, args.out)
    write_summary([history for history, _ in jobs], summary_path(args.out))
    log(f"wrote {rows} rows to {args.out} and {summary_path(args.out)}")
    return 1 if failures or missing else 0


def summary_path(dataset: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(dataset)), "mining-summary.json")


def write_summary(histories: Sequence[dict[str, Any]], out: str) -> None:
    """Per repository: what pass 1 saw (commits, fixes, window, candidates, sampled rows)."""
    import json

    summary = {}
    for data in histories:
        entry = {key: value for key, value in data.items() if key not in {"rows", "reformats", "repo"}}
        entry["reformats"] = len(data["reformats"])
        entry["sampled"] = len(data["rows"])
        entry["sampled_positives"] = sum(r["label"] for r in data["rows"])
        summary[data["repo"]] = entry
    with open(out, "w") as handle:
        json.dump(summary, handle, indent=1, sort_keys=True)
        handle.write("\n")


def _history_all(
    repos: Sequence[str],
    cache: str,
    settings: Settings,
    ready: queue.Queue[Any],
    failures: list[str],
    log: Callable[[str], None],
) -> None:
    """Pass 1 for each repository in turn, handing each result to the static pass as soon as it is ready."""
    from quality_hooks.mine.history_pass import history_pass

    for repo in repos:
        name = repo_name(repo)
        cache_dir = os.path.join(cache, name.replace("/", "+"))
        try:
            ready.put((repo, history_pass(repo, name, cache_dir, settings, log), cache_dir))
        except Exception as exc:  # one broken repository must not stop the others
            print(f"{repo}: {exc}", file=sys.stderr)
            failures.append(repo)
            ready.put(None)


if __name__ == "__main__":
    raise SystemExit(main())
