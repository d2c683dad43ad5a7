"""The ONE feature extractor of the quality model, used by mining and by scoring.

A row describes one changed Python file in one change: static metrics of the
file's new version (from the engine's :class:`~quality_hooks.results.FileResult`),
the change itself (:class:`ChangeContext`) and the file's history
(:class:`~quality_hooks.model.history.HistoryStats`). Anything unknown is NaN, never 0:
a whole-tree check has no change, a shallow clone has no history, and the
model was trained to handle missing values.
"""

from __future__ import annotations

import math
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from quality_hooks.model.history import HistoryStats, change_entropy
from quality_hooks.results import FileResult

NAN = float("nan")
#: Bump when a feature's meaning or order changes; the model records it.
FEATURE_VERSION = 2

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
#: Features that are unknown without a change context (a whole-tree check).
NEEDS_CHANGE: tuple[str, ...] = CHANGE_FEATURES + RATIO_FEATURES[1:]


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
