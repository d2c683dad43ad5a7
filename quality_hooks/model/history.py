"""File history from git: fix-commit detection and per-file history statistics.

Shared by mining (which walks the whole log once) and by the hook and CI path
(one ``git log`` call for all scored files), so that the history features the
model was trained on are computed by the same code at commit time.

Fix commits are detected from the message alone (merges are skipped by the
callers). A message is a fix when it

* contains a bug word (``fix``/``fixes``/``fixed``/``fixing``, ``bug``,
  ``bugfix``, ``hotfix``, ``crash``, ``regression``, ``defect``, ``fault``,
  ``incorrect``, ``wrong``, ``broken``, ``mistake``, ``doesn't work``...), or
* references an issue with a closing verb (``closes #12``, ``resolves gh-3``,
  ``issue #5``, ``bpo-123``),

unless the subject is only about non-code chores (typos, docs, changelog, CI,
lint, formatting, typing, tests, dependencies), see :data:`_CHORE`.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

_BUG_WORDS = re.compile(
    r"\b(fix(es|ed|ing)?|bug(s|fix(es)?)?|hotfix(es)?|crash(es|ed|ing)?|regressions?|defects?|faults?|"
    r"incorrect(ly)?|wrong(ly)?|broken|mistakes?|erroneous(ly)?|segfaults?|traceback|exceptions? (when|if|on)|"
    r"(does ?n[o']?t|did ?n[o']?t|wo ?n'?t|can ?n[o']?t) (work|handle|parse|close|raise|respect|allow)|"
    r"handle .{0,40}(correctly|properly)|repair(s|ed)?|workaround)\b",
    re.IGNORECASE,
)
_ISSUE_REF = re.compile(
    r"\b((close[sd]?|resolve[sd]?|fix(es|ed)?|issue|ref(s)?)[:\s]+(#|gh-)\d+|bpo-\d+)",
    re.IGNORECASE,
)
#: Subjects about chores, not behaviour: never fix commits even with a bug word.
_CHORE = re.compile(
    r"^\W*(\[?\w+\]?:\s*)?(fix(es|ed|ing)?\s+)?(a\s+|the\s+|some\s+|minor\s+|small\s+)*"
    r"(typos?|spelling|grammar|docs?|documentation|docstrings?|readme|changelog|changes|news|comments?|links?|"
    r"ci|build|tox|travis|github actions?|workflows?|lint(ing|er)?|flake8|pylint|mypy|pyright|typing|type hints?|"
    r"annotations?|style|formatting|format|whitespace|isort|black|ruff|pre-commit|tests?|test suite|coverage|"
    r"deps|dependencies|requirements|release|version|copyright|license|warnings? in (tests|docs))\b",
    re.IGNORECASE,
)
_TEST_PATH = re.compile(r"(^|/)(tests?|testing)/|(^|/)test_[^/]*\.py$|_tests?\.py$|(^|/)conftest\.py$")


def is_fix_message(message: str) -> bool:
    """Whether a commit message describes a bug fix (see the module docstring)."""
    subject = message.strip().splitlines()[0] if message.strip() else ""
    if _CHORE.match(subject):
        return False
    return bool(_BUG_WORDS.search(message) or _ISSUE_REF.search(message))


def is_test_path(path: str) -> bool:
    """Test modules: not mined as rows, not blamed by SZZ (fixes add tests, they do not fix them)."""
    return bool(_TEST_PATH.search(path))


@dataclass
class FileChange:
    path: str
    added: int
    deleted: int


@dataclass
class LogCommit:
    """One non-merge commit from ``git log``: who, when, why, and what it touched."""

    sha: str
    time: int
    author: str
    message: str
    parents: list[str]
    files: list[FileChange] = field(default_factory=list)

    @property
    def is_fix(self) -> bool:
        return is_fix_message(self.message)


_RECORD = "\x1e"
_FIELD = "\x1f"
LOG_FORMAT = f"{_RECORD}%H{_FIELD}%ct{_FIELD}%ae{_FIELD}%P{_FIELD}%B{_FIELD}"


def log_args(rev: str = "HEAD", paths: Sequence[str] = ()) -> list[str]:
    """``git log`` arguments whose output :func:`parse_log` reads (oldest last)."""
    args = ["-c", "core.quotePath=false", "log", "--no-merges", "--full-history", "--no-renames", "--numstat"]
    args += [f"--format={LOG_FORMAT}", rev]
    if paths:
        args += ["--", *paths]
    return args


def parse_log(text: str) -> Iterator[LogCommit]:
    for record in text.split(_RECORD)[1:]:
        parts = record.split(_FIELD, 5)
        if len(parts) < 6:
            continue
        sha, ctime, author, parents, message, stats = parts
        commit = LogCommit(sha, int(ctime), author.lower(), message.strip(), parents.split())
        for line in stats.splitlines():
            cols = line.split("\t", 2)
            if len(cols) != 3:
                continue
            added, deleted, path = cols
            commit.files.append(
                FileChange(path, int(added) if added.isdigit() else 0, int(deleted) if deleted.isdigit() else 0)
            )
        yield commit


@dataclass
class HistoryStats:
    """What git knows about a file before a change; ``None`` fields mean unknown (no history)."""

    age_days: float | None = None
    prior_changes: float | None = None
    prior_fixes: float | None = None
    prior_authors: float | None = None
    days_since_last_change: float | None = None
    recent_changes: float | None = None  # changes in the 90 days before the change

    @classmethod
    def unknown(cls) -> HistoryStats:
        return cls()


RECENT_DAYS = 90


@dataclass
class FileTimeline:
    """Accumulates a file's earlier commits; :meth:`stats` summarises them at a moment."""

    times: list[int] = field(default_factory=list)
    fixes: int = 0
    authors: set[str] = field(default_factory=set)

    def add(self, commit: LogCommit) -> None:
        self.times.append(commit.time)
        self.fixes += int(commit.is_fix)
        self.authors.add(commit.author)

    def stats(self, at_time: int) -> HistoryStats:
        if not self.times:
            return HistoryStats(0.0, 0.0, 0.0, 0.0, None, 0.0)
        day = 86400.0
        first, last = min(self.times), max(self.times)
        recent = sum(1 for t in self.times if at_time - t <= RECENT_DAYS * day)
        return HistoryStats(
            age_days=max(0.0, (at_time - first) / day),
            prior_changes=float(len(self.times)),
            prior_fixes=float(self.fixes),
            prior_authors=float(len(self.authors)),
            days_since_last_change=max(0.0, (at_time - last) / day),
            recent_changes=float(recent),
        )


def timelines(commits: Iterable[LogCommit], paths: Iterable[str] | None = None) -> dict[str, FileTimeline]:
    wanted = set(paths) if paths is not None else None
    result: dict[str, FileTimeline] = {}
    for commit in commits:
        for change in commit.files:
            if wanted is None or change.path in wanted:
                result.setdefault(change.path, FileTimeline()).add(commit)
    return result


def is_shallow(root: str) -> bool:
    """Whether ``root`` is a shallow clone (a file check when ``.git`` is a directory, else ask git)."""
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return os.path.exists(os.path.join(dot_git, "shallow"))
    done = subprocess.run(
        ["git", "rev-parse", "--is-shallow-repository"], cwd=root, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() == "true"


def history_for_paths(
    root: str, paths: Sequence[str], *, rev: str = "HEAD", at_time: int | None = None
) -> dict[str, HistoryStats]:
    """History statistics of ``paths`` (repo-relative) up to ``rev``, from ONE ``git log`` call.

    In a shallow clone, or without git or a commit, every statistic is unknown
    (``None``), never zero: the model treats them as missing. Ages are measured
    at ``rev``'s commit time (not the wall clock), so the same change gets the
    same score whenever and wherever it is judged, in the hook and in CI.
    """
    unknown = {path: HistoryStats.unknown() for path in paths}
    if not paths:
        return {}
    try:
        if is_shallow(root):
            return unknown
        done = subprocess.run(["git", *log_args(rev, paths)], cwd=root, capture_output=True, check=False)
    except OSError:
        return unknown
    if done.returncode != 0:
        return unknown
    moment = _commit_time(root, rev) if at_time is None else at_time
    found = timelines(parse_log(done.stdout.decode("utf-8", errors="replace")), paths)
    return {path: found.get(path, FileTimeline()).stats(moment) for path in paths}


def _commit_time(root: str, rev: str) -> int:
    done = subprocess.run(["git", "log", "-1", "--format=%ct", rev], cwd=root, capture_output=True, check=False)
    text = done.stdout.decode().strip()
    if done.returncode != 0 or not text.isdigit():
        import time

        return int(time.time())
    return int(text)


def change_entropy(changed_lines: Sequence[int]) -> float:
    """Normalised Shannon entropy of how a change's lines spread over its files (Kamei's ENT)."""
    total = sum(changed_lines)
    if total <= 0 or len(changed_lines) < 2:
        return 0.0
    entropy = -sum((n / total) * math.log2(n / total) for n in changed_lines if n > 0)
    return entropy / math.log2(len(changed_lines))
