"""The history pass: one ``git log`` walk gives commits, fix commits, history stats and candidate rows.

Rows are (commit, changed non-test ``.py`` file) of non-merge, non-reformatting
commits with a parent, inside the window ``[cutoff - window, cutoff]`` where
``cutoff`` is the repository's last commit minus the label gap: changes newer
than the gap may have defects whose fixes have not happened yet, so they are
dropped rather than labelled clean.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from quality_hooks.mine.gitio import run_git
from quality_hooks.model.history import FileTimeline, LogCommit, is_test_path, log_args, parse_log

DAY = 86400


@dataclass
class Settings:
    gap_days: int = 365
    window_days: int = 5 * 365


@dataclass
class Candidate:
    sha: str
    parent: str
    path: str
    time: int
    history: dict[str, float | None]


def load_commits(repo: str) -> list[LogCommit]:
    """Every non-merge commit reachable from HEAD, oldest first."""
    commits = list(parse_log(run_git(repo, log_args("HEAD"))))
    commits.reverse()
    return commits


def is_python(path: str) -> bool:
    return path.endswith(".py")


def sample_key(repo_name: str, sha: str, path: str) -> str:
    return hashlib.sha1(f"{repo_name}\0{sha}\0{path}".encode()).hexdigest()


def candidates(
    repo_name: str, commits: list[LogCommit], reformats: set[str], settings: Settings
) -> tuple[list[Candidate], int, int]:
    """Every candidate row in the window, in a deterministic pseudo-random order, and the window bounds."""
    last = max(c.time for c in commits)
    cutoff = last - settings.gap_days * DAY
    start = cutoff - settings.window_days * DAY
    lines: dict[str, FileTimeline] = {}
    rows: list[Candidate] = []
    for commit in commits:
        if start <= commit.time <= cutoff and commit.parents and commit.sha not in reformats:
            for change in commit.files:
                if is_python(change.path) and not is_test_path(change.path):
                    stats = lines.get(change.path, FileTimeline()).stats(commit.time)
                    rows.append(Candidate(commit.sha, commit.parents[0], change.path, commit.time, vars(stats)))
        for change in commit.files:
            lines.setdefault(change.path, FileTimeline()).add(commit)
    rows.sort(key=lambda r: sample_key(repo_name, r.sha, r.path))
    return rows, start, cutoff
