"""The ONE feature extractor of the change-risk model, used by mining and by scoring.

A row describes one changed Python file in one change: Kamei's change metrics,
the file's own history and the author's experience, all as of the change's
parent, the change's static delta and a few ratios and path facts. Anything
unknown is NaN, never 0: a shallow clone has no history, and the model was
trained to handle missing values.
"""

from __future__ import annotations

import bisect
import math
import posixpath
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from quality_hooks.model.diff_lines import DIFF_FEATURES, DIFF_LINE_FEATURES
from quality_hooks.model.diff_tokens import DIFF_TOKEN_FEATURES
from quality_hooks.model.history import (
    AuthorHistory,
    FileHistory,
    HistoryState,
    LogCommit,
    change_entropy,
    is_python_path,
    is_scored_path,
    subsystem,
)
from quality_hooks.model.static import FunctionFacts, complexity_added, new_findings, touched_functions

NAN = float("nan")

# ---------------------------------------------------------------------------
# Change-risk features, version 5: Kamei's change metrics, the change's static
# delta, the kinds and tokens of its lines, and per-repository ranks. ONE extractor for mining and scoring.
# ---------------------------------------------------------------------------

#: Bump when a change-risk feature's meaning or the order of CHANGE_FEATURE_NAMES changes.
CHANGE_FEATURE_VERSION = 5
#: Kamei et al.'s change metrics over the change's Python files (FIX is left out: the
#: commit message does not exist yet when the pre-commit hook runs).
KAMEI = ("ns", "nd", "nf", "entropy", "la", "ld", "lt", "ndev", "age", "nuc", "exp", "rexp", "sexp")
#: The same ideas for the one file the row is about.
FILE_CHANGE = ("file_la", "file_ld", "file_lt", "file_nuc", "file_fixes", "file_ndev", "file_age", "file_sexp",
               "is_new", "file_created_days", "file_recent_changes", "file_recent_fixes")  # fmt: skip
#: The change's own static delta on the file (fast path: ast + fixed-selection ruff).
STATIC_DELTA = ("touched_functions", "complexity_added", "new_f", "new_e", "new_b", "new_pl", "new_sim", "new_other",
                "new_findings")  # fmt: skip
#: Features known from git alone (no file contents): these get a per-repository rank.
RANKED = ("ns", "nd", "nf", "entropy", "la", "ld", "ndev", "age", "nuc", "exp", "rexp", "sexp", "file_la",
          "file_ld", "file_nuc", "file_fixes", "file_ndev", "file_age", "file_sexp")  # fmt: skip
RANKS = tuple(f"rank_{name}" for name in RANKED)
#: Derived from the others and the path by :func:`change_vector` (ratios trees cannot learn from few splits).
DERIVED = ("file_fix_ratio", "rel_churn", "file_share", "is_init", "is_aux", "path_depth")
#: Every change feature the miner stores, in order.
CHANGE_FEATURE_NAMES: tuple[str, ...] = (*KAMEI, *FILE_CHANGE, *STATIC_DELTA, *RANKS, *DERIVED, *DIFF_FEATURES)
#: Features that need the repository's history (NaN in a shallow clone).
HISTORY_FEATURES = ("ndev", "age", "nuc", "exp", "rexp", "sexp", "file_nuc", "file_fixes", "file_ndev", "file_age",
                    "file_sexp", "file_created_days", "file_recent_changes", "file_recent_fixes")  # fmt: skip
#: File versions larger than this are not measured statically (mining and scoring alike).
MAX_FILE_BYTES = 200_000
#: Rows of history a rank is measured against (the latest ones before the change).
RANK_WINDOW = 2000
_NEW_FAMILIES = ("F", "E", "B", "PL", "SIM")


@dataclass(frozen=True)
class PathChange:
    """One Python file of a change, as ``git diff -M`` / ``git log -M --numstat`` report it."""

    path: str
    added: int
    deleted: int
    old_path: str | None  # None for an added file
    deleted_file: bool = False
    #: :data:`DIFF_FEATURES` of the file's patch (code, comment and blank lines, and the code lines' tokens;
    #: a token kind left out is 0); ``None``: unknown (NaN).
    line_kinds: Mapping[str, float] | None = None


class HistoryView(Protocol):
    """What :func:`git_features` asks of history: a :class:`HistoryState` or a cached :class:`HistorySnapshot`."""

    def file(self, path: str, at_time: int) -> FileHistory: ...

    def author(self, author: str, at_time: int) -> AuthorHistory: ...


def git_features(
    change: Sequence[PathChange], state: HistoryView, author: str, at_time: int
) -> dict[str, dict[str, float]]:
    """Per scored file of ``change``: the git-only features (Kamei's and per file), history as of the parent.

    ``state`` holds the history up to the parent and ``at_time`` is the
    parent's commit time, in mining, in the hook and in CI alike.
    """
    python = [c for c in change if is_python_path(c.path)]
    scored = [c for c in python if is_scored_path(c.path) and not c.deleted_file]
    if not scored:
        return {}
    files = {c.path: state.file(c.old_path, at_time) if c.old_path else None for c in python}
    who = state.author(author, at_time)
    commit = _commit_features(python, [h for h in files.values() if h is not None], who)
    return {c.path: {**commit, **_file_features(c, files[c.path], who)} for c in scored}


def _commit_features(
    python: Sequence[PathChange], known: Sequence[FileHistory], who: AuthorHistory
) -> dict[str, float]:
    """Kamei's change-level metrics over the change's Python files (``known``: their histories)."""
    subsystems = {subsystem(c.path) for c in python}
    return {
        "ns": float(len(subsystems)),
        "nd": float(len({posixpath.dirname(c.path) for c in python})),
        "nf": float(len(python)),
        "entropy": change_entropy([c.added + c.deleted for c in python]),
        "la": float(sum(c.added for c in python)),
        "ld": float(sum(c.deleted for c in python)),
        "ndev": max((h.developers for h in known), default=0.0),
        "age": sum(h.age_days for h in known) / len(known) if known else 0.0,
        "nuc": sum(h.changes for h in known),
        "exp": who.commits,
        "rexp": who.recent,
        "sexp": sum(who.by_subsystem.get(s, 0.0) for s in subsystems),
    }


#: The history of a file that has none before the parent (a new file).
_NO_HISTORY = FileHistory(changes=0.0, fixes=0.0, developers=0.0, age_days=0.0)


#: A patch's token kinds that :meth:`quality_hooks.model.diff_lines.LineKinds.features` leaves out.
_NO_TOKENS = dict.fromkeys(DIFF_TOKEN_FEATURES, 0.0)


def _file_features(c: PathChange, mine: FileHistory | None, who: AuthorHistory) -> dict[str, float]:
    """The same per file; a file with no history before the parent (a new one) has zeros."""
    known = mine or _NO_HISTORY
    return {
        "file_la": float(c.added),
        "file_ld": float(c.deleted),
        "file_nuc": known.changes,
        "file_fixes": known.fixes,
        "file_ndev": known.developers,
        "file_age": known.age_days,
        "file_sexp": who.by_subsystem.get(subsystem(c.path), 0.0),
        "is_new": float(c.old_path is None),
        "file_created_days": known.created_days,
        "file_recent_changes": known.recent_changes,
        "file_recent_fixes": known.recent_fixes,
        **({**_NO_TOKENS, **c.line_kinds} if c.line_kinds is not None else dict.fromkeys(DIFF_FEATURES, NAN)),
    }


def line_count(text: str | None) -> float:
    """Lines of a file version (``file_lt`` of its change); 0 for a file that did not exist."""
    return 0.0 if text is None else float(len(text.splitlines()))


def static_features(
    old_lines: float,
    old: Sequence[FunctionFacts] | None,
    new: Sequence[FunctionFacts] | None,
    old_ruff: Mapping[str, int] | None,
    new_ruff: Mapping[str, int] | None,
) -> dict[str, float]:
    """The change's static delta on one file (:data:`STATIC_DELTA` plus ``file_lt``); NaN where unknown.

    ``old``/``new`` are the two versions' functions (``None``: did not parse;
    an added file has ``old == []``); ``*_ruff`` their fixed-selection ruff
    counts (``None``: not measured).
    """
    values = {"file_lt": old_lines, **dict.fromkeys(STATIC_DELTA, NAN)}
    if new is None or old is None:
        return values
    values["touched_functions"] = float(len(touched_functions(old, new)))
    values["complexity_added"] = float(complexity_added(old, new))
    if new_ruff is None or old_ruff is None:
        return values
    added = new_findings(old_ruff, new_ruff)
    for fam in _NEW_FAMILIES:
        values[f"new_{fam.lower()}"] = float(added.get(fam, 0))
    values["new_other"] = float(sum(v for k, v in added.items() if k not in _NEW_FAMILIES))
    values["new_findings"] = float(sum(added.values()))
    return values


class RankReference:
    """The latest :data:`RANK_WINDOW` rows of a repository's history, sorted per ranked feature.

    ``rank(values)`` gives each feature's mid-rank percentile (share of rows
    below plus half the ties) among them: Zhang et al.'s context-aware rank
    transformation, measured against the repository's own recent history. With
    fewer than :data:`MIN_RANK_ROWS` rows every rank is NaN.
    """

    MIN_RANK_ROWS = 50

    def __init__(self, window: int = RANK_WINDOW) -> None:
        self.window = window
        self.rows: deque[list[float]] = deque()  # arrival order, for sliding (not kept in a snapshot)
        self.sorted: list[list[float]] = [[] for _ in RANKED]
        self.count = 0

    def rank(self, values: Mapping[str, float]) -> list[float]:
        if self.count < self.MIN_RANK_ROWS:
            return [NAN] * len(RANKED)
        out = []
        for column, name in zip(self.sorted, RANKED, strict=True):
            x = values[name]
            below = bisect.bisect_left(column, x)
            ties = bisect.bisect_right(column, x) - below
            out.append((below + 0.5 * ties) / self.count)
        return out

    def push(self, values: Mapping[str, float]) -> None:
        row = [values[name] for name in RANKED]
        self.rows.append(row)
        for column, x in zip(self.sorted, row, strict=True):
            bisect.insort(column, x)
        self.count += 1
        if self.count > self.window:
            old = self.rows.popleft()
            for column, x in zip(self.sorted, old, strict=True):
                del column[bisect.bisect_left(column, x)]
            self.count -= 1

    def to_dict(self) -> dict[str, object]:
        """The sorted columns (enough to rank; a snapshot is never pushed to)."""
        return {"window": self.window, "count": self.count, "sorted": self.sorted}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RankReference:
        reference = cls(int(data["window"]))
        reference.count = int(data["count"])
        reference.sorted = [list(column) for column in data["sorted"]]
        return reference


def path_changes(commit: LogCommit) -> list[PathChange]:
    """A logged commit's Python file changes, as :func:`git_features` takes them."""
    return [
        PathChange(
            f.path,
            f.added,
            f.deleted,
            None if f.status == "A" else (f.old_path or f.path),
            deleted_file=f.status == "D",
            line_kinds=f.line_kinds,
        )
        for f in commit.files
        if is_python_path(f.path)
    ]


ReplayStep = tuple[LogCommit, int, dict[str, dict[str, float]], dict[str, list[float]]]


def replay_changes(
    commits: Iterable[LogCommit], times: Mapping[str, int], state: HistoryState, reference: RankReference
) -> Iterator[ReplayStep]:
    """Replay commits (oldest first): per commit with a parent, its rows' git features and ranks.

    Features are measured on ``state`` before the commit, at its parent's
    commit time (``times``); ranks against ``reference`` before the commit.
    Both are then updated. Mining keeps every step; scoring only needs the
    final ``state`` and ``reference`` (the history as of the change's parent).
    """
    for commit in commits:
        if commit.parents:
            at_time = times.get(commit.parents[0], commit.time)
            features = git_features(path_changes(commit), state, commit.author, at_time)
            yield commit, at_time, features, {path: reference.rank(v) for path, v in features.items()}
            for values in features.values():
                reference.push(values)
        state.add(commit)


#: Code next to the product rather than in it: docs, examples, scripts, benchmarks, setup/conf files.
_AUX = re.compile(
    r"(^|/)(docs?|examples?|scripts?|benchmarks?|bench|tools|contrib|demo|extras?)/"
    r"|(^|/)(setup|conf|noxfile|fabfile)\.py$"
)


def change_vector(
    path: str, git: Mapping[str, float], static: Mapping[str, float], ranks: Sequence[float]
) -> list[float]:
    """The stored row for the file at ``path``: :data:`CHANGE_FEATURE_NAMES` in order (NaN where unknown)."""
    merged = {**git, **static, **dict(zip(RANKS, ranks, strict=True))}

    def get(name: str) -> float:
        return float(merged.get(name, NAN))

    merged["file_fix_ratio"] = get("file_fixes") / max(get("file_nuc"), 1.0)
    merged["rel_churn"] = (get("file_la") + get("file_ld")) / max(get("file_lt"), 1.0)
    merged["file_share"] = get("file_la") / max(get("la"), 1.0)
    merged["is_init"] = float(posixpath.basename(path) == "__init__.py")
    merged["is_aux"] = float(bool(_AUX.search(path)))
    merged["path_depth"] = float(path.count("/"))
    values = [float(merged.get(name, NAN)) for name in CHANGE_FEATURE_NAMES]
    return [v if math.isfinite(v) else NAN for v in values]


#: The features the bundled change-risk model uses (chosen by leave-one-project-out evaluation;
#: see models/MODEL_CARD.md for what was dropped and why).
MODEL_FEATURES: tuple[str, ...] = (*KAMEI, *FILE_CHANGE, *DERIVED, "touched_functions", "complexity_added",
                                   *DIFF_LINE_FEATURES,
                                   *(n for n in DIFF_TOKEN_FEATURES if n.startswith("tok_add_")))  # fmt: skip
