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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from quality_hooks.git import GitError, git

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
    #: From ``--raw`` logs (:func:`replay_log_args`): the path before a rename, the status letter, blob ids.
    old_path: str | None = None
    status: str = "M"
    old_blob: str = ""
    new_blob: str = ""
    #: Kinds of lines its patch adds and deletes (:mod:`quality_hooks.model.diff_lines`), when mining read them.
    line_kinds: dict[str, float] | None = None


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


def replay_log_args(rev: str = "HEAD") -> list[str]:
    """``git log`` arguments for :class:`HistoryState`: renames detected (as ``git diff -M`` does), blob ids."""
    return ["-c", "core.quotePath=false", "log", "--no-merges", "-M", "--raw", "--numstat", "--no-abbrev",
            f"--format={LOG_FORMAT}", rev]  # fmt: skip


def unquote_path(path: str) -> str:
    """A path as git prints it, C-style quoted when it holds special characters, unquoted."""
    if len(path) > 1 and path[0] == path[-1] == '"':
        return (
            path[1:-1]
            .encode("latin-1", "backslashreplace")
            .decode("unicode_escape")
            .encode("latin-1")
            .decode("utf-8", "replace")
        )
    return path


def _raw_change(line: str) -> FileChange | None:
    meta, _, paths = line.partition("\t")
    fields = meta.split()
    if len(fields) < 5:
        return None
    names = [unquote_path(p) for p in paths.split("\t")]
    status = fields[4][:1]
    if status in "RC" and len(names) == 2:
        return FileChange(names[1], 0, 0, names[0], status, fields[2], fields[3])
    old = None if status == "A" else names[0]
    return FileChange(names[0], 0, 0, old, status, fields[2], fields[3])


def _numstat(line: str) -> tuple[int, int] | None:
    cols = line.split("\t", 2)
    if len(cols) != 3:
        return None
    return int(cols[0]) if cols[0].isdigit() else 0, int(cols[1]) if cols[1].isdigit() else 0


def parse_log(text: str) -> Iterator[LogCommit]:
    """Commits of a :func:`log_args` or :func:`replay_log_args` output, in git's order (newest first)."""
    for record in text.split(_RECORD)[1:]:
        parts = record.split(_FIELD, 5)
        if len(parts) < 6:
            continue
        sha, ctime, author, parents, message, stats = parts
        commit = LogCommit(sha, int(ctime), author.lower(), message.strip(), parents.split())
        raw = [c for c in (_raw_change(line) for line in stats.splitlines() if line.startswith(":")) if c]
        counts = [n for n in (_numstat(line) for line in stats.splitlines() if line[:1].isdigit() or
                              line.startswith("-")) if n]  # fmt: skip
        if raw:
            for change, (added, deleted) in zip(raw, counts, strict=False):
                change.added, change.deleted = added, deleted
            commit.files = raw
        else:
            for line in stats.splitlines():
                cols = line.split("\t", 2)
                if len(cols) == 3:
                    added, deleted = _numstat(line) or (0, 0)
                    commit.files.append(FileChange(cols[2], added, deleted))
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


def is_shallow(root: str) -> bool:
    """Whether ``root`` is a shallow clone (a file check when ``.git`` is a directory, else ask git)."""
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return os.path.exists(os.path.join(dot_git, "shallow"))
    try:
        return git(["rev-parse", "--is-shallow-repository"], root).decode().strip() == "true"
    except GitError:
        return False


def change_entropy(changed_lines: Sequence[int]) -> float:
    """Normalised Shannon entropy of how a change's lines spread over its files (Kamei's ENT)."""
    total = sum(changed_lines)
    if total <= 0 or len(changed_lines) < 2:
        return 0.0
    entropy = -sum((n / total) * math.log2(n / total) for n in changed_lines if n > 0)
    return entropy / math.log2(len(changed_lines))


# ---------------------------------------------------------------------------
# Change history as of a parent commit: one replay of ``git log`` (feature version 3).
# ---------------------------------------------------------------------------

_VENDORED = re.compile(r"(^|/)(_vendor|vendor|vendored|_vendored|third_party|thirdparty|extern)/")
_PYTHON = (".py", ".pyi")
YEAR = 365.0 * 86400.0


def is_python_path(path: str) -> bool:
    return path.endswith(_PYTHON)


def is_scored_path(path: str) -> bool:
    """Files the change-risk model is about: Python, not tests, not vendored copies of other projects."""
    return path.endswith(".py") and not is_test_path(path) and not _VENDORED.search(path)


def subsystem(path: str) -> str:
    """Kamei's subsystem: the top directory (the first two under ``src/`` or ``lib/``); ``""`` at the root."""
    parts = path.split("/")[:-1]
    if parts and parts[0] in ("src", "lib") and len(parts) > 1:
        return "/".join(parts[:2])
    return parts[0] if parts else ""


@dataclass
class FileRecord:
    """What the replay remembers of one Python file."""

    changes: int = 0
    fixes: int = 0
    first: int = 0
    last: int = 0
    authors: set[str] = field(default_factory=set)
    times: list[int] = field(default_factory=list)
    fix_times: list[int] = field(default_factory=list)

    def recent(self, at_time: int) -> tuple[float, float]:
        """Changes in the last :data:`RECENT_DAYS` days and fixes in the last :data:`RECENT_FIX_DAYS` days."""
        changes = sum(1 for t in self.times if at_time - t <= RECENT_DAYS * 86400)
        fixes = sum(1 for t in self.fix_times if at_time - t <= RECENT_FIX_DAYS * 86400)
        return float(changes), float(fixes)


#: Window for a file's recent fixes.
RECENT_FIX_DAYS = 365


@dataclass
class FileHistory:
    """One file's history as of the parent (what mining stores and scoring recomputes)."""

    changes: float  # earlier commits that touched it (Kamei's NUC, per file)
    fixes: float  # earlier fix commits that touched it
    developers: float  # distinct earlier authors (Kamei's NDEV, per file)
    age_days: float  # days from its last change to the parent's commit time (0 for a new file)
    created_days: float = 0.0  # days from its first commit to the parent's commit time
    recent_changes: float = 0.0  # commits in the last RECENT_DAYS days
    recent_fixes: float = 0.0  # fix commits in the last RECENT_FIX_DAYS days


@dataclass
class AuthorHistory:
    """The change author's experience as of the parent (Kamei's EXP, REXP; SEXP per subsystem)."""

    commits: float
    recent: float  # sum over earlier commits of 1 / (1 + age in years)
    by_subsystem: dict[str, float]


@dataclass
class HistoryState:
    """Replays non-merge commits (oldest first) into per-file and per-author history.

    The same replay feeds mining (state before each commit) and scoring (state
    after the parent's whole log, cached per repository and parent), so the
    history features cannot differ between the two.
    """

    files: dict[str, FileRecord] = field(default_factory=dict)
    author_times: dict[str, list[int]] = field(default_factory=dict)
    author_subsystems: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, commit: LogCommit) -> None:
        subsystems = set()
        for change in commit.files:
            if not is_python_path(change.path):
                continue
            if change.old_path and change.old_path != change.path and change.old_path in self.files:
                self.files[change.path] = self.files.pop(change.old_path)
            if change.status == "D":
                self.files.pop(change.path, None)
                continue
            record = self.files.setdefault(change.path, FileRecord(first=commit.time))
            record.changes += 1
            record.fixes += int(commit.is_fix)
            record.last = commit.time
            record.authors.add(commit.author)
            record.times.append(commit.time)
            if commit.is_fix:
                record.fix_times.append(commit.time)
            subsystems.add(subsystem(change.path))
        self.author_times.setdefault(commit.author, []).append(commit.time)
        counts = self.author_subsystems.setdefault(commit.author, {})
        for name in subsystems:
            counts[name] = counts.get(name, 0) + 1

    def file(self, path: str, at_time: int) -> FileHistory:
        record = self.files.get(path)
        if record is None:
            return FileHistory(0.0, 0.0, 0.0, 0.0)
        recent_changes, recent_fixes = record.recent(at_time)
        return FileHistory(
            float(record.changes),
            float(record.fixes),
            float(len(record.authors)),
            max(0.0, (at_time - record.last) / 86400.0),
            max(0.0, (at_time - record.first) / 86400.0),
            recent_changes,
            recent_fixes,
        )

    def author(self, author: str, at_time: int) -> AuthorHistory:
        times = self.author_times.get(author, [])
        recent = sum(1.0 / (1.0 + max(0.0, at_time - t) / YEAR) for t in times)
        subsystems = {k: float(v) for k, v in self.author_subsystems.get(author, {}).items()}
        return AuthorHistory(float(len(times)), recent, subsystems)


@dataclass
class HistorySnapshot:
    """A :class:`HistoryState` frozen at one moment (the parent's commit time), small enough to cache as JSON.

    ``file``/``author`` answer exactly as the state they were made from would
    at that moment (the same arithmetic in the same order).
    """

    at_time: int
    #: path -> [changes, fixes, last change time, developers, first change time, recent changes, recent fixes]
    files: dict[str, list[float]]
    authors: dict[str, list[object]]  # email -> [commits, recent experience, {subsystem: commits}]

    @classmethod
    def of(cls, state: HistoryState, at_time: int) -> HistorySnapshot:
        files = {p: [float(r.changes), float(r.fixes), float(r.last), float(len(r.authors)), float(r.first),
                     *r.recent(at_time)] for p, r in state.files.items()}  # fmt: skip
        authors: dict[str, list[object]] = {}
        for email in state.author_times:
            who = state.author(email, at_time)
            authors[email] = [who.commits, who.recent, who.by_subsystem]
        return cls(at_time, files, authors)

    def file(self, path: str, at_time: int) -> FileHistory:
        assert at_time == self.at_time, "a snapshot answers for its own moment only"
        record = self.files.get(path)
        if record is None:
            return FileHistory(0.0, 0.0, 0.0, 0.0)
        changes, fixes, last, developers, first, recent_changes, recent_fixes = record
        return FileHistory(changes, fixes, developers, max(0.0, (at_time - last) / 86400.0),
                           max(0.0, (at_time - first) / 86400.0), recent_changes, recent_fixes)  # fmt: skip

    def author(self, author: str, at_time: int) -> AuthorHistory:
        assert at_time == self.at_time, "a snapshot answers for its own moment only"
        found = self.authors.get(author)
        if found is None:
            return AuthorHistory(0.0, 0.0, {})
        commits, recent, subsystems = found
        return AuthorHistory(float(commits), float(recent), dict(subsystems))  # type: ignore[arg-type,call-overload]  # author entries are mixed-type tuples
