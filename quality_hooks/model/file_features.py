"""The ONE feature extractor of the file-score model, used by mining and by scoring alike.

A row describes one Python file at one moment: static facts of its text (the
fast ``ast`` path of :mod:`quality_hooks.model.static` plus one batched ruff
run with a fixed rule selection, so a project's own configuration cannot
shift the numbers), its path, and its git history strictly before that moment
(earlier changes, fixes, authors, churn, age). Mining computes the history
from one full ``git log`` per repository; scoring computes it from one
``git log -- PATHS`` at HEAD. Both feed the same :class:`FileEvent` lists to
:func:`history_features`, so the features cannot drift apart. Unknown history
(outside git, shallow clone) is NaN, never 0.
"""

from __future__ import annotations

import ast
import math
import posixpath
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from quality_hooks.analysis.trees import python_tree
from quality_hooks.model.history import LogCommit, is_fix_message
from quality_hooks.model.static import StaticFacts, family, static_facts

NAN = float("nan")
DAY = 86400.0
YEAR_DAYS = 365
#: Bump when a feature's meaning or order changes; the file model records it.
FILE_FEATURE_VERSION = 1
#: A "fix" commit touching more Python files than this is a sweep (lint, rename), not a bug fix of each file.
MASS_CHANGE_FILES = 50

STATIC_NAMES = (
    "loc", "sloc", "lloc", "comments", "blank", "comment_ratio", "parsed",
    "cyclomatic_total", "cyclomatic_max", "cyclomatic_mean", "complex_functions",
    "functions", "classes", "function_length_max", "function_length_mean", "imports", "imported_modules",
)  # fmt: skip
RUFF_FAMILIES = ("F", "E", "W", "B", "BLE", "PL", "SIM", "RET", "ARG", "C4", "UP", "PERF", "TRY")
RUFF_NAMES = (*(f"ruff_{f.lower()}" for f in RUFF_FAMILIES), "ruff_total", "bare_excepts")
PATH_NAMES = ("path_depth", "is_init", "is_private")
HISTORY_NAMES = (
    "age_days", "days_since_last_change", "changes", "changes_1y", "fixes", "fixes_1y",
    "authors", "authors_1y", "lines_added_1y", "lines_deleted_1y", "churn", "fix_ratio", "churn_1y_over_loc",
)  # fmt: skip
FILE_FEATURE_NAMES: tuple[str, ...] = STATIC_NAMES + RUFF_NAMES + PATH_NAMES + HISTORY_NAMES
#: Features that need git history (NaN outside git).
NEEDS_HISTORY: tuple[str, ...] = HISTORY_NAMES
#: A cyclomatic complexity above this makes a function "complex" (radon's rank C and worse).
COMPLEX_CC = 10


@dataclass(frozen=True)
class FileEvent:
    """One earlier commit that changed a file: when, by whom, how much, and whether it was a fix."""

    time: int
    author: str
    added: int
    deleted: int
    is_fix: bool


def file_events(commits: Iterable[LogCommit], paths: Iterable[str] | None = None) -> dict[str, list[FileEvent]]:
    """Per path, the commits that changed it (as :func:`history_features` reads them).

    A fix commit that touches more than :data:`MASS_CHANGE_FILES` Python files
    counts as a change but not as a fix (a sweep is not a bug in every file).
    """
    wanted = set(paths) if paths is not None else None
    result: dict[str, list[FileEvent]] = {}
    for commit in commits:
        fix = is_fix_commit(commit)
        for change in commit.files:
            if wanted is None or change.path in wanted:
                event = FileEvent(commit.time, commit.author, change.added, change.deleted, fix)
                result.setdefault(change.path, []).append(event)
    return result


def is_fix_commit(commit: LogCommit) -> bool:
    """A fix by message (:func:`is_fix_message`) that is not a mass change."""
    python = sum(1 for f in commit.files if f.path.endswith(".py"))
    return python <= MASS_CHANGE_FILES and is_fix_message(commit.message)


def history_features(events: Sequence[FileEvent] | None, at_time: int, loc: float) -> list[float]:
    """:data:`HISTORY_NAMES` from the events strictly before ``at_time``; all NaN when ``events`` is None."""
    if events is None:
        return [NAN] * len(HISTORY_NAMES)
    before = [e for e in events if e.time < at_time]
    year = [e for e in before if at_time - e.time <= YEAR_DAYS * DAY]
    if not before:
        return [0.0, NAN, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    fixes = sum(e.is_fix for e in before)
    added_1y, deleted_1y = sum(e.added for e in year), sum(e.deleted for e in year)
    return [
        (at_time - min(e.time for e in before)) / DAY,
        (at_time - max(e.time for e in before)) / DAY,
        float(len(before)),
        float(len(year)),
        float(fixes),
        float(sum(e.is_fix for e in year)),
        float(len({e.author for e in before})),
        float(len({e.author for e in year})),
        float(added_1y),
        float(deleted_1y),
        float(sum(e.added + e.deleted for e in before)),
        fixes / len(before),
        (added_1y + deleted_1y) / max(loc, 1.0),
    ]


def path_features(path: str) -> list[float]:
    """:data:`PATH_NAMES` of a repository-relative path."""
    path = path.replace("\\", "/").strip("/")
    base = posixpath.basename(path)
    return [float(path.count("/")), float(base == "__init__.py"), float(base.startswith("_") and base != "__init__.py")]


def _statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """Every statement of ``tree``, nested ones included, without visiting expressions.

    An import is always a statement, so this finds the same imports as ``ast.walk`` while
    visiting a tenth of the nodes: the hook measures every new version's imports.
    """
    stack: list[ast.AST] = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt):
            yield node
        for _, value in ast.iter_fields(node):
            if isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, (ast.stmt, ast.excepthandler, ast.match_case)))


def _imports(text: str) -> tuple[int, int]:
    """Import statements' names and distinct top-level modules imported (0, 0 when the text does not parse)."""
    try:
        tree = python_tree(text)  # the analysis of this text parsed it already
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return 0, 0
    names = 0
    modules: set[str] = set()
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            names += len(node.names)
            modules.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names += len(node.names)
            modules.add("." * node.level + (node.module or "").split(".")[0])
    return names, len(modules)


def static_features(text: str, ruff: Mapping[str, int] | None, facts: StaticFacts | None = None) -> list[float]:
    """:data:`STATIC_NAMES` + :data:`RUFF_NAMES` of one file text; ``ruff`` is ``{code: count}`` (None: NaN)."""
    facts = facts or static_facts(text)
    complexities = [f.cyclomatic for f in facts.functions]
    lengths = [f.end_line - f.line + 1 for f in facts.functions]
    imports, modules = _imports(text) if facts.parsed else (0, 0)
    values = [
        float(facts.loc), float(facts.sloc), float(facts.lloc), float(facts.comments), float(facts.blank),
        facts.comments / facts.loc if facts.loc else 0.0,
        float(facts.parsed),
        float(facts.cyclomatic_total),
        float(max(complexities, default=0)),
        sum(complexities) / len(complexities) if complexities else 0.0,
        float(sum(c > COMPLEX_CC for c in complexities)),
        float(len(facts.functions)),
        float(facts.classes),
        float(max(lengths, default=0)),
        sum(lengths) / len(lengths) if lengths else 0.0,
        float(imports),
        float(modules),
    ]  # fmt: skip
    if ruff is None:
        return values + [NAN] * len(RUFF_NAMES)
    families = dict.fromkeys(RUFF_FAMILIES, 0)
    for code, count in ruff.items():
        name = family(code)
        if name in families:
            families[name] += count
    return (
        values
        + [float(families[f]) for f in RUFF_FAMILIES]
        + [
            float(sum(families.values())),
            float(ruff.get("E722", 0)),
        ]
    )


def assemble(static: Sequence[float], path: str, events: Sequence[FileEvent] | None, at_time: int) -> list[float]:
    """The full vector, ordered as :data:`FILE_FEATURE_NAMES` (non-finite values become NaN)."""
    loc = float(static[STATIC_NAMES.index("loc")])
    values = [*static, *path_features(path), *history_features(events, at_time, loc)]
    assert len(values) == len(FILE_FEATURE_NAMES)
    return [v if math.isfinite(v) else NAN for v in values]


def model_input(matrix: np.ndarray) -> np.ndarray:
    """What the file model reads: ``sign(x) * log(1 + |x|)`` of each feature, unknown (NaN) as 0.

    Counts and sizes span orders of magnitude and differ between projects; on
    a log scale one linear model transfers across them (it beat boosted trees
    in the leave-one-project-out evaluation). Training and scoring both call this.
    """
    values = np.nan_to_num(np.asarray(matrix, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    return np.asarray(np.sign(values) * np.log1p(np.abs(values)), dtype=np.float32)
