"""The ONE feature extractor of the quality model, used by mining and by scoring.

A row describes one changed Python file in one change: static metrics of the
file's new version (from the engine's :class:`~quality_hooks.results.FileResult`),
the change itself (:class:`ChangeContext`) and the file's history
(:class:`~quality_hooks.model.history.HistoryStats`). Anything unknown is NaN, never 0:
a whole-tree check has no change, a shallow clone has no history, and the
model was trained to handle missing values.
"""

from __future__ import annotations

import bisect
import math
import posixpath
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from quality_hooks.model.history import (
    AuthorHistory,
    FileHistory,
    HistoryState,
    HistoryStats,
    LogCommit,
    change_entropy,
    is_python_path,
    is_scored_path,
    subsystem,
)
from quality_hooks.model.static import FunctionFacts, complexity_added, new_findings, touched_functions
from quality_hooks.results import FileResult

NAN = float("nan")

_FILE_METRICS = (
    "loc", "sloc", "lloc", "comments", "multi", "blank", "maintainability",
    "halstead_volume", "halstead_difficulty", "halstead_effort", "halstead_bugs",
    "cyclomatic_total", "cyclomatic_max", "cognitive_total", "cognitive_max", "functions", "classes",
)  # fmt: skip
_DERIVED = ("comment_ratio", "function_length_mean", "function_length_max", "parameters_max", "nesting_max",
            "returns_max", "cyclomatic_mean", "is_init", "path_depth")  # fmt: skip
QH_GROUPS = ("complexity", "bug-risk", "readability", "style")
RUFF_GROUPS = ("F", "E", "B", "PL", "UP", "SIM")
_FINDINGS = (*(f"qh_{g.replace('-', '_')}" for g in QH_GROUPS), "qh_total")
_RUFF = (*(f"ruff_{g.lower()}" for g in RUFF_GROUPS), "ruff_other", "ruff_total")
CHANGE_FEATURES = ("lines_added", "lines_deleted", "hunks", "is_new_file", "relative_churn", "cyclomatic_delta",
           "change_files", "change_lines_added", "change_lines_deleted", "change_entropy", "change_dirs")  # fmt: skip
_HISTORY = ("age_days", "prior_changes", "prior_fixes", "prior_authors", "days_since_last_change", "recent_changes")

#: Measured features (what mining stores per row).
BASE_FEATURE_NAMES: tuple[str, ...] = _FILE_METRICS + _DERIVED + _FINDINGS + _RUFF + CHANGE_FEATURES + _HISTORY
#: Ratios computed from measured features by :func:`derive` (trees find ratios hard to learn from few rows).
RATIO_FEATURES = ("fix_ratio", "share_of_change_added", "added_per_hunk", "loc_before", "added_over_loc_before",
                  "net_added")  # fmt: skip
FEATURE_NAMES: tuple[str, ...] = BASE_FEATURE_NAMES + RATIO_FEATURES


@dataclass(frozen=True)
class FileDelta:
    """One changed Python file of a change, as git diff reports it."""

    path: str
    added: int
    deleted: int
    hunks: int
    is_new: bool = False


@dataclass
class ChangeContext:
    """A change as the model sees it: one file's delta plus the whole change's shape.

    Filled by mining (a commit against its parent), by the hook (staged diff
    against HEAD) and by CI (working tree against the ``--base`` merge base).
    ``base_text`` is the file's base version (``None`` for a new file);
    ``base_complexity`` may carry its radon total when an analysis of the base
    already exists (it is the same number :func:`complexity_of` computes).
    """

    file: FileDelta
    change: Sequence[FileDelta]
    base_text: str | None = None
    base_complexity: float | None = None

    @classmethod
    def for_file(
        cls, path: str, deltas: Sequence[FileDelta], base_text: str | None, base_complexity: float | None = None
    ) -> ChangeContext:
        python = [d for d in deltas if d.path.endswith(".py")]
        mine = next(d for d in deltas if d.path == path)
        return cls(file=mine, change=python or [mine], base_text=base_text, base_complexity=base_complexity)

    def base_cyclomatic(self) -> float:
        if self.file.is_new:
            return 0.0
        if self.base_complexity is not None:
            return self.base_complexity
        return complexity_of(self.base_text)


@lru_cache(maxsize=1)
def _rule_groups() -> dict[str, str]:
    from quality_hooks.analysis.rules import all_rules

    return {code: rule.GROUP for code, rule in all_rules().items()}


def complexity_of(text: str | None) -> float:
    """Total radon cyclomatic complexity of a text (as the engine's ``cyclomatic_total``); NaN if it does not parse."""
    if text is None:
        return 0.0
    from radon.visitors import ComplexityVisitor

    try:
        return float(ComplexityVisitor.from_code(text).total_complexity)
    except Exception:  # radon raises whatever ast or its visitor raises on odd code
        return NAN


def _static(result: FileResult, ruff_ran: bool, rel_path: str | None, qh_codes: frozenset[str] | None) -> list[float]:
    metrics = result.metrics
    assert metrics is not None, "extract() needs an analysed file"
    values = [float(getattr(metrics, name)) for name in _FILE_METRICS]
    functions = result.functions
    lengths = [f.length for f in functions]
    path = (rel_path or result.path).replace("\\", "/")
    values += [
        metrics.comments / metrics.loc if metrics.loc else 0.0,
        sum(lengths) / len(lengths) if lengths else 0.0,
        float(max(lengths, default=0)),
        float(max((f.parameters for f in functions), default=0)),
        float(max((f.max_nesting for f in functions), default=0)),
        float(max((f.returns for f in functions), default=0)),
        sum(f.cyclomatic for f in functions) / len(functions) if functions else 0.0,
        float(posixpath.basename(path) == "__init__.py"),
        float(path.strip("/").count("/")),
    ]
    groups = _rule_groups()
    qh = dict.fromkeys(QH_GROUPS, 0)
    ruff = dict.fromkeys((*RUFF_GROUPS, "other"), 0)
    for finding in result.findings:
        if finding.source == "ruff":
            prefix = next((g for g in sorted(RUFF_GROUPS, key=len, reverse=True) if finding.code.startswith(g)), None)
            ruff[prefix or "other"] += 1
        elif finding.code in groups and (qh_codes is None or finding.code in qh_codes):
            qh[groups[finding.code]] += 1
    values += [float(qh[g]) for g in QH_GROUPS] + [float(sum(qh.values()))]
    if ruff_ran:
        values += [float(ruff[g]) for g in RUFF_GROUPS] + [float(ruff["other"]), float(sum(ruff.values()))]
    else:
        values += [NAN] * len(_RUFF)
    return values


def _change(result: FileResult, change: ChangeContext | None, new_complexity: float) -> list[float]:
    if change is None:
        return [NAN] * len(CHANGE_FEATURES)
    mine = change.file
    loc = result.metrics.loc if result.metrics else 0
    churn = [d.added + d.deleted for d in change.change]
    dirs = {posixpath.dirname(d.path) for d in change.change}
    return [
        float(mine.added),
        float(mine.deleted),
        float(mine.hunks),
        float(mine.is_new),
        (mine.added + mine.deleted) / max(loc, 1),
        new_complexity - change.base_cyclomatic(),
        float(len(change.change)),
        float(sum(d.added for d in change.change)),
        float(sum(d.deleted for d in change.change)),
        change_entropy(churn),
        float(len(dirs)),
    ]


def _history(history: HistoryStats | None) -> list[float]:
    if history is None:
        return [NAN] * len(_HISTORY)
    return [NAN if getattr(history, name) is None else float(getattr(history, name)) for name in _HISTORY]


def extract(
    result: FileResult,
    change: ChangeContext | None = None,
    history: HistoryStats | None = None,
    *,
    rel_path: str | None = None,
    ruff_ran: bool = True,
    qh_codes: frozenset[str] | None = None,
) -> list[float]:
    """The feature vector of one analysed file, ordered as :data:`FEATURE_NAMES`.

    ``rel_path`` is the file's path relative to the repository root (path
    features must not depend on where the checkout lives); it defaults to the
    change's path, then to ``result.path``. ``qh_codes`` limits the QH
    finding counts to the rules the model was trained with (rules added later
    would otherwise shift those features); ``None`` counts every rule.
    """
    rel_path = rel_path or (change.file.path if change is not None else None)
    metrics = result.metrics
    # The engine's cyclomatic_total is radon's total on the parsed text: reuse it instead of measuring again.
    new_complexity = NAN if metrics is None or "ast" in metrics.degraded else float(metrics.cyclomatic_total)
    values = _static(result, ruff_ran, rel_path, qh_codes) + _change(result, change, new_complexity) + _history(history)
    values = [v if math.isfinite(v) else NAN for v in values]
    return values + derive(values)


_AT = {name: index for index, name in enumerate(BASE_FEATURE_NAMES)}


def derive(base: Sequence[float]) -> list[float]:
    """The :data:`RATIO_FEATURES` of a measured vector (ordered as BASE_FEATURE_NAMES); NaN propagates."""
    assert len(base) == len(BASE_FEATURE_NAMES)

    def get(name: str) -> float:
        return float(base[_AT[name]])

    added, deleted, loc = get("lines_added"), get("lines_deleted"), get("loc")
    loc_before = loc - added + deleted
    values = [
        get("prior_fixes") / max(get("prior_changes"), 1.0),
        added / max(get("change_lines_added"), 1.0),
        added / max(get("hunks"), 1.0),
        loc_before,
        added / max(loc_before, 1.0),
        added - deleted,
    ]
    return [v if math.isfinite(v) else NAN for v in values]


# ---------------------------------------------------------------------------
# Change-risk features, version 3: Kamei's change metrics, the change's static
# delta, and their per-repository ranks. ONE extractor for mining and scoring.
# ---------------------------------------------------------------------------

#: Bump when a change-risk feature's meaning or the order of CHANGE_FEATURE_NAMES changes.
CHANGE_FEATURE_VERSION = 3
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
CHANGE_FEATURE_NAMES: tuple[str, ...] = (*KAMEI, *FILE_CHANGE, *STATIC_DELTA, *RANKS, *DERIVED)
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
        PathChange(f.path, f.added, f.deleted, None if f.status == "A" else (f.old_path or f.path), f.status == "D")
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
MODEL_FEATURES: tuple[str, ...] = (*KAMEI, *FILE_CHANGE, *DERIVED)
