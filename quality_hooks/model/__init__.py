"""The defect-risk model on the hook path: change context + history -> ONNX -> Score.

Never imports scikit-learn. The pipeline calls :func:`score_results`; gates
call :func:`quality_hooks.model.scorer.gate_reasons`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from quality_hooks.config import _git_root
from quality_hooks.model.features import ChangeContext, FileDelta
from quality_hooks.git import repo_relative
from quality_hooks.model.history import HistoryStats, history_for_paths
from quality_hooks.model.scorer import gate_reasons, load_model, risk_to_score, score

if TYPE_CHECKING:
    from quality_hooks.git import Change
    from quality_hooks.results import FileResult

__all__ = ["change_contexts", "gate_reasons", "histories", "load_model", "risk_to_score", "score", "score_results"]


def deltas_from_change(change: Change) -> list[FileDelta]:
    """The change's file deltas, exactly as mining builds them from a commit's diff."""
    return [FileDelta(f.path, f.added, f.deleted, f.hunks, f.status == "added") for f in change.files.values()]


def change_contexts(
    results: Sequence[FileResult],
    change: Change,
    bases: Mapping[str, str | None] | None = None,
    base_complexity: Mapping[str, float] | None = None,
) -> dict[str, ChangeContext | None]:
    """Per ``FileResult.path``: its ChangeContext in ``change`` (None for files the change does not touch).

    ``bases`` maps result paths to base texts already read (e.g. from the
    gate's base analysis); missing ones are read from git in one call.
    """
    deltas = deltas_from_change(change)
    rel = {r.path: repo_relative(r.path, change.root) for r in results}
    touched = [r.path for r in results if rel[r.path] in change.files]
    bases = dict(bases or {})
    need = [rel[p] for p in touched if p not in bases]
    if need:
        raw = change.read_base(need)
        for path in touched:
            if path not in bases and rel[path] in raw:
                bases[path] = raw[rel[path]].decode("utf-8", errors="replace")
    return {
        r.path: ChangeContext.for_file(rel[r.path], deltas, bases.get(r.path), (base_complexity or {}).get(r.path))
        if r.path in touched
        else None
        for r in results
    }


def histories(results: Sequence[FileResult], root: str, *, at_time: int | None = None) -> dict[str, HistoryStats]:
    """History stats per ``FileResult.path`` from one ``git log`` (unknown outside git or in shallow clones)."""
    rel = {r.path: repo_relative(r.path, root) for r in results}
    stats = history_for_paths(root, sorted(set(rel.values())), at_time=at_time)
    return {path: stats.get(r, HistoryStats.unknown()) for path, r in rel.items()}


def score_results(
    results: Sequence[FileResult],
    changes: Mapping[str, Any] | None = None,
    *,
    change: Change | None = None,
    root: str | None = None,
) -> None:
    """Attach ``result.score`` to each analysed file (the pipeline's entry point).

    ``change`` (a :class:`quality_hooks.git.Change`) gives the change features;
    ``changes`` (path -> gate FileChange) supplies already-read base versions,
    which are also scored (as whole files) into ``FileChange.base.score``.
    Without ``change`` the files are scored as a whole-tree check.
    """
    if not results:
        return
    repo_root = root or (
        change.root if change is not None else _git_root(os.path.dirname(os.path.abspath(results[0].path)))
    )
    history = histories(results, repo_root) if repo_root else {}
    contexts: dict[str, ChangeContext | None] = {}
    bases: dict[str, str | None] = {}
    base_complexity: dict[str, float] = {}
    base_results = []
    for path, file_change in (changes or {}).items():
        base = getattr(file_change, "base", None)
        if base is not None and base.source is not None:
            bases[path] = base.source.text
            base_results.append(base)
            if base.metrics is not None and "ast" not in base.metrics.degraded:
                base_complexity[path] = float(base.metrics.cyclomatic_total)
    if change is not None:
        contexts = change_contexts(results, change, bases, base_complexity)
    rel = {r.path: repo_relative(r.path, repo_root) for r in [*results, *base_results]} if repo_root else {}
    score(results, contexts, history, rel)
    if base_results:
        # The score-drop ratchet compares like with like: the base and the new
        # version both scored as whole files (no change features), without factors.
        score(base_results, {}, {b.path: history.get(b.path) for b in base_results}, rel, factors=False)
        changed = {id(r) for r in results if getattr((changes or {}).get(r.path), "base", None) is not None}
        copies = [dataclasses.replace(r, score=None) for r in results if id(r) in changed]
        score(copies, {}, history, rel, factors=False)
        for result, copy in zip([r for r in results if id(r) in changed], copies, strict=True):
            if copy.score is not None:
                result.extra["whole_file_score"] = copy.score
