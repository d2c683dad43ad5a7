"""Pass 1 (git only, cached): every change row of a repository's usable history, in time order.

One ``git log -M --raw --numstat`` is replayed oldest first through
:class:`~quality_hooks.model.history.HistoryState`. For each non-merge commit
with a parent, each scored file it changes (Python, not a test, not vendored,
not deleted) becomes a row whose git features are computed by
:func:`quality_hooks.model.features.git_features` from the state *before* the
commit, at the parent's commit time, exactly as the hook and CI compute them
for a change on top of its parent. Its ranks are measured against the
:data:`~quality_hooks.model.features.RANK_WINDOW` rows before the commit.

Training rows leave out mass-reformatting commits and the label gap (the
newest ``gap_days``: their defects may not be fixed yet); every row still
enters the rank reference, as it does at scoring time.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from quality_hooks.git import git
from quality_hooks.mine.gitio import git_lines
from quality_hooks.model.diff_lines import LineKinds, commit_patches, log_patch_args
from quality_hooks.model.features import RankReference, replay_changes
from quality_hooks.model.history import HistoryState, LogCommit, is_python_path, parse_log, replay_log_args

DAY = 86400
#: Bump when the cached rows change meaning.
REPLAY_VERSION = 4
_REFORMAT_WORDS = re.compile(
    r"\b(black|blacken|reformat(ted|ting)?|format(ted|ting)? (code|with|using|all)|isort|pyupgrade|autopep8|yapf|"
    r"ruff format|pre-commit autoupdate|whitespace|trailing spaces|line endings|re-?indent|apply .{0,20}style|"
    r"code style|mass rename|license header)\b",
    re.IGNORECASE,
)
#: A commit touching at least this many .py files is checked for being a mass reformat.
MASS_FILES = 20


@dataclass
class Settings:
    gap_days: int = 365


def run_git(repo: str, args: list[str]) -> str:
    """Text output of one git command in ``repo`` (a bare mirror or a work tree)."""
    return git(args, repo).decode("utf-8", errors="replace")


def load_commits(repo: str) -> list[LogCommit]:
    """Every non-merge commit reachable from HEAD, oldest first (git's order reversed), each Python file
    with the kinds of lines its patch adds and deletes (one more ``git log``, of ``-U0`` patches)."""
    commits = list(parse_log(run_git(repo, replay_log_args("HEAD"))))
    commits.reverse()
    _add_line_kinds(repo, commits)
    return commits


def _add_line_kinds(repo: str, commits: list[LogCommit]) -> None:
    """Set each Python file change's ``line_kinds`` from ``git log -M -p -U0`` (zeros when it has no hunk)."""
    by_sha = {c.sha: c for c in commits}
    for sha, kinds in commit_patches(git_lines(repo, log_patch_args("HEAD"))):
        commit = by_sha.get(sha)
        if commit is None:
            continue
        for change in commit.files:
            if is_python_path(change.path):
                change.line_kinds = kinds.get(change.path, LineKinds()).features()


def commit_times(repo: str) -> dict[str, int]:
    """Commit time of every commit reachable from HEAD, merges included (a parent may be a merge)."""
    times = {}
    for line in run_git(repo, ["rev-list", "--timestamp", "HEAD"]).splitlines():
        stamp, _, sha = line.partition(" ")
        times[sha] = int(stamp)
    return times


def ignore_revs(repo: str) -> set[str]:
    """Commits listed in the project's own ``.git-blame-ignore-revs`` at HEAD."""
    try:
        text = run_git(repo, ["show", "HEAD:.git-blame-ignore-revs"])
    except Exception:  # no such file: nothing listed
        return set()
    return {line.split()[0] for line in text.splitlines() if re.match(r"^[0-9a-f]{40}\b", line)}


def mass_reformats(repo: str, commits: list[LogCommit]) -> set[str]:
    """Listed ignore-revs, plus big commits that are formatting by message or whose
    whitespace-insensitive diff is under a quarter of their plain diff."""
    found = ignore_revs(repo)
    for commit in commits:
        python = [f for f in commit.files if f.path.endswith(".py")]
        if len(python) < MASS_FILES or not commit.parents:
            continue
        if _REFORMAT_WORDS.search(commit.message.splitlines()[0] if commit.message else ""):
            found.add(commit.sha)
            continue
        plain = sum(f.added + f.deleted for f in python)
        stat = run_git(repo, ["diff", "--shortstat", "-w", commit.parents[0], commit.sha, "--", "*.py"])
        numbers = [int(n) for n in re.findall(r"(\d+) (?:insertion|deletion)", stat)]
        if plain and sum(numbers) < 0.25 * plain:
            found.add(commit.sha)
    return found


def replay(repo: str, name: str, settings: Settings, log: Callable[[str], None]) -> dict[str, Any]:
    """Rows (with git features and ranks), fix commits and counts for one repository."""
    commits = load_commits(repo)
    times = commit_times(repo)
    reformats = mass_reformats(repo, commits)
    last = max(c.time for c in commits)
    cutoff = last - settings.gap_days * DAY
    rows: list[dict[str, Any]] = []
    for commit, _, features, ranked in replay_changes(commits, times, HistoryState(), RankReference()):
        if commit.time > cutoff or commit.sha in reformats:
            continue
        files = {f.path: f for f in commit.files}
        for path, values in features.items():
            change = files[path]
            old_path = None if change.status == "A" else (change.old_path or path)
            rows.append({"sha": commit.sha, "parent": commit.parents[0], "path": path, "old_path": old_path,
                         "time": commit.time, "old_blob": change.old_blob if old_path else None,
                         "new_blob": change.new_blob, "git": values, "ranks": ranked[path]})  # fmt: skip
    fixes = [c for c in commits if c.is_fix and c.parents and c.sha not in reformats]
    log(f"{name}: {len(commits)} commits, {len(fixes)} fix commits, {len(reformats)} reformats, {len(rows)} rows")
    return {
        "version": REPLAY_VERSION,
        "repo": name,
        "commits": len(commits),
        "cutoff": cutoff,
        "fix_commits": [
            {"sha": c.sha, "parent": c.parents[0], "paths": [f.path for f in c.files if f.deleted > 0]} for c in fixes
        ],
        "fix_commits_total": sum(c.is_fix for c in commits),
        "reformats": sorted(reformats),
        "rows": rows,
    }


def cached_replay(
    repo: str, name: str, cache_dir: str, settings: Settings, log: Callable[[str], None]
) -> tuple[dict[str, Any], bool]:
    """:func:`replay`, read from ``cache_dir/replay.json.gz`` when already done with the same settings and
    version; the flag says whether it was computed now (an outdated cache file is computed again)."""
    out = os.path.join(cache_dir, "replay.json.gz")
    if os.path.exists(out):
        with gzip.open(out, "rt") as handle:
            cached: dict[str, Any] = json.load(handle)
        if cached.get("version") == REPLAY_VERSION and cached.get("gap_days") == settings.gap_days:
            return cached, False
    data = {**replay(repo, name, settings, log), "gap_days": settings.gap_days}
    os.makedirs(cache_dir, exist_ok=True)
    with gzip.open(out + ".tmp", "wt") as handle:
        json.dump(data, handle)
    os.replace(out + ".tmp", out)
    return data, True
