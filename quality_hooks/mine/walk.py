"""The history pass: one ``git log`` walk gives commits, fix commits, history stats and candidate rows.

Rows are (commit, changed non-test ``.py`` file) of non-merge, non-reformatting
commits with a parent, inside the window ``[cutoff - window, cutoff]`` where
``cutoff`` is the repository's last commit minus the label gap: changes newer
than the gap may have defects whose fixes have not happened yet, so they are
dropped rather than labelled clean.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from quality_hooks.mine.gitio import run_git
from quality_hooks.model.history import FileTimeline, LogCommit, is_test_path, log_args, parse_log

DAY = 86400
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


def ignore_revs(repo: str) -> set[str]:
    """Commits listed in the project's own ``.git-blame-ignore-revs`` at HEAD."""
    text = run_git(repo, ["show", "HEAD:.git-blame-ignore-revs"], check=False)
    return {line.split()[0] for line in text.splitlines() if re.match(r"^[0-9a-f]{40}\b", line)}


def mass_reformats(repo: str, commits: list[LogCommit]) -> set[str]:
    """Listed ignore-revs, plus big commits that are formatting by message or whose
    whitespace-insensitive diff is under a quarter of their plain diff."""
    found = ignore_revs(repo)
    for commit in commits:
        python = [f for f in commit.files if is_python(f.path)]
        if len(python) < MASS_FILES or not commit.parents:
            continue
        if _REFORMAT_WORDS.search(commit.message.splitlines()[0] if commit.message else ""):
            found.add(commit.sha)
            continue
        plain = sum(f.added + f.deleted for f in python)
        stat = run_git(repo, ["diff", "--shortstat", "-w", commit.parents[0], commit.sha, "--", "*.py"], check=False)
        numbers = [int(n) for n in re.findall(r"(\d+) (?:insertion|deletion)", stat)]
        if plain and sum(numbers) < 0.25 * plain:
            found.add(commit.sha)
    return found


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
