"""The defect-risk model on the hook path: change context + history -> ONNX -> Score.

Never imports scikit-learn. The pipeline calls :func:`score_results` and assigns what it
returns; the gate judges ``max-risk`` and ``min-score`` like every other threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from quality_hooks import git
from quality_hooks.git import repo_relative
from quality_hooks.model.change_history import ChangeHistory, change_history, history_stats
from quality_hooks.model.change_risk import change_vectors
from quality_hooks.model.features import ChangeContext, FileDelta
from quality_hooks.model.history import HistoryStats
from quality_hooks.model.scorer import change_scores, load_change_model, load_model, risk_to_score, score
from quality_hooks.results import ModelScores

if TYPE_CHECKING:
    from quality_hooks.cache import Cache
    from quality_hooks.git import Change
    from quality_hooks.results import FileResult

__all__ = ["change_contexts", "histories", "load_model", "risk_to_score", "score", "score_results"]


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


def histories(
    results: Sequence[FileResult], root: str, history: ChangeHistory | None = None
) -> dict[str, HistoryStats]:
    """Whole-file history stats per ``FileResult.path``, from the cached history as of HEAD (or ``history``).

    Unknown outside git, without a commit, or in a shallow clone.
    """
    if history is None:
        history = change_history(root, git.head_commit(root))
    return {r.path: history_stats(history, repo_relative(r.path, root)) for r in results}


def score_results(
    results: Sequence[FileResult],
    bases: Mapping[str, FileResult] | None = None,
    *,
    change: Change | None = None,
    root: str | None = None,
    cache: Cache | None = None,
) -> dict[str, ModelScores]:
    """The models' scores per ``FileResult.path``: the pipeline's entry point, which assigns them.

    Two models, reported separately. The whole-file ``score`` (a file's probability of
    needing a bug fix within a year, :mod:`quality_hooks.model.file_score`) is what a
    whole-tree check, the badge and the dashboard show. With a ``change`` (a
    :class:`quality_hooks.git.Change`), ``score`` is the change-risk model's judgement of
    the change (its ``risk`` is what the hook and the PR gate on); ``whole_file`` is the new
    version's file score and ``base`` the base version's (``bases``: result path -> the base
    version's analysis, which the gate needs anyway), so the score-drop ratchet compares
    like with like. A local model (``train --local``) scores everything it is used for,
    whole files included, as before. Both versions' file features come from one
    ruff process and one history pass, kept in ``cache``.
    """
    if not results:
        return {}
    repo_root = root or (change.root if change is not None else git.find_repo_root(results[0].path))
    bases = {path: base for path, base in (bases or {}).items() if base.source is not None}
    rel = {r.path: repo_relative(r.path, repo_root) for r in [*results, *bases.values()]} if repo_root else {}
    source = load_model(repo_root).source
    if source.kind == "local":
        return _local_scores(results, bases, change, repo_root, rel)
    from quality_hooks.model.file_score import file_vectors, score_files

    new = [r for r in results if r.ok and r.source is not None]
    base_results = [b for b in bases.values() if b.ok] if change is not None else []
    vectors = file_vectors([*new, *base_results], rel, repo_root, cache) if new or base_results else []
    whole = score_files(new, repo_root, rel, note=source.note, vectors=vectors[: len(new)])
    if change is None:
        return {r.path: ModelScores(score=whole.get(r.path)) for r in results}
    scored, _ = _change_scores(results, bases, change, repo_root, rel, change_model=True)
    base_scores = (
        score_files(base_results, repo_root, rel, factors=False, note=source.note, vectors=vectors[len(new) :])
        if base_results
        else {}
    )
    for path, entry in scored.items():
        entry.whole_file = whole.get(path)
        if path in bases:
            entry.base = base_scores.get(bases[path].path)
    return scored


def _change_scores(
    results: Sequence[FileResult],
    bases: Mapping[str, FileResult],
    change: Change | None,
    repo_root: str | None,
    rel: Mapping[str, str],
    *,
    change_model: bool,
) -> tuple[dict[str, ModelScores], dict[str, HistoryStats]]:
    """``score`` per result: the change-risk model for the files a change touches (when
    ``change_model``), the whole-file model with change context for the others; and the
    files' histories as of the change's parent."""
    parent = change_history(change.root, change.base_commit) if change is not None else None
    history = histories(results, repo_root, parent) if repo_root else {}
    scored = {r.path: ModelScores() for r in results}
    rest = list(results)
    if change is not None and change_model:
        wanted = load_change_model(repo_root).names
        vectors = change_vectors(results, change, bases, parent, wanted=wanted)
        touched = [r for r in results if r.path in vectors]
        risks = change_scores([vectors[r.path] for r in touched], root=repo_root)
        for result, risk in zip(touched, risks, strict=True):
            scored[result.path].score = risk
        rest = [r for r in results if r.path not in vectors]
    contexts = change_contexts(rest, change, *_base_facts(bases)) if change is not None else {}
    for result, found in zip(rest, score(rest, contexts, history, rel, root=repo_root), strict=True):
        scored[result.path].score = found
    return scored, history


def _base_facts(bases: Mapping[str, FileResult]) -> tuple[dict[str, str], dict[str, float]]:
    """The base versions' texts and total complexity, which the change context compares against."""
    texts = {path: base.source.text for path, base in bases.items() if base.source is not None}
    complexity = {
        path: float(base.metrics.cyclomatic_total)
        for path, base in bases.items()
        if base.metrics is not None and "ast" not in base.metrics.degraded
    }
    return texts, complexity


def _local_scores(
    results: Sequence[FileResult],
    bases: Mapping[str, FileResult],
    change: Change | None,
    repo_root: str | None,
    rel: Mapping[str, str],
) -> dict[str, ModelScores]:
    """A local model (``train --local``) scores everything it is used for, both versions as whole files too."""
    scored, history = _change_scores(results, bases, change, repo_root, rel, change_model=False)
    base_results = list(bases.values())
    if base_results:
        # Both versions as whole files (no change features), without factors.
        base_history = {b.path: history.get(b.path) for b in base_results}
        for base, found in zip(
            base_results, score(base_results, {}, base_history, rel, factors=False, root=repo_root), strict=True
        ):
            scored[base.path].base = found
        with_base = [r for r in results if r.path in bases]
        for result, found in zip(
            with_base, score(with_base, {}, history, rel, factors=False, root=repo_root), strict=True
        ):
            scored[result.path].whole_file = found
    return scored
