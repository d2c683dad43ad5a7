"""Both models' scores of a check's files: the pipeline calls :func:`score_results` and assigns them.

Never imports scikit-learn; the gate judges ``max-risk`` and ``min-score`` like every other threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from quality_hooks import git
from quality_hooks.git import repo_relative
from quality_hooks.model.change_history import ChangeHistory, change_history
from quality_hooks.model.change_risk import change_vectors
from quality_hooks.model.features import RANKED, RankReference
from quality_hooks.model.scorer import change_scores, load_change_model, risk_to_score
from quality_hooks.results import ModelScores

if TYPE_CHECKING:
    from quality_hooks.cache import Cache
    from quality_hooks.git import Change
    from quality_hooks.results import FileResult, Score

__all__ = ["load_models", "risk_to_score", "score_results"]


def score_results(
    results: Sequence[FileResult],
    bases: Mapping[str, FileResult] | None = None,
    *,
    change: Change | None = None,
    root: str | None = None,
    cache: Cache | None = None,
) -> dict[str, ModelScores]:
    """The models' scores per ``FileResult.path``: the pipeline's entry point, which assigns them.

    Two models, reported separately. The file score (a file's probability of needing a
    bug fix within a year, :mod:`quality_hooks.model.file_score`) is the ``score`` of every
    file a whole-tree check sees, and of the files a change does not touch. For the files a
    ``change`` (a :class:`quality_hooks.git.Change`) touches, ``score`` is the change-risk
    model's judgement of the change (its ``risk`` is what the hook and the PR gate on; a
    local model from ``train --local`` when one is usable), ``whole_file`` the new version's
    file score and ``base`` the base version's (``bases``: result path -> the base version's
    analysis, which the gate has anyway), so the score-drop ratchet compares like with like.
    Both versions' file features come from one ruff process and one history pass, kept in
    ``cache``.
    """
    if not results:
        return {}
    repo_root = root or (change.root if change is not None else git.find_repo_root(results[0].path))
    bases = {path: base for path, base in (bases or {}).items() if base.source is not None and base.ok}
    rel = {r.path: repo_relative(r.path, repo_root) for r in [*results, *bases.values()]} if repo_root else {}
    touched = {path for path, rel_path in rel.items() if change is not None and rel_path in change.files}
    whole, base_scores = _file_scores(results, [b for p, b in bases.items() if p in touched], repo_root, rel, cache)
    if change is None:
        return {r.path: ModelScores(score=whole.get(r.path)) for r in results}
    # Untouched files keep the file score, as a whole-tree check gives it; touched ones the model
    # does not judge as a change (tests, vendored code) show only their file score.
    scored = {
        r.path: ModelScores(whole_file=whole.get(r.path)) if r.path in touched else ModelScores(score=whole.get(r.path))
        for r in results
    }
    parent = change_history(change.root, change.base_commit)
    vectors = change_vectors(results, change, bases, parent, wanted=load_change_model(repo_root).names)
    judged = [r for r in results if r.path in vectors]
    risks = change_scores([vectors[r.path] for r in judged], root=repo_root, references=project_references(parent))
    for result, risk in zip(judged, risks, strict=True):
        base = bases.get(result.path)
        scored[result.path] = ModelScores(
            score=risk, whole_file=whole.get(result.path), base=base_scores.get(base.path) if base else None
        )
    return scored


def _file_scores(
    results: Sequence[FileResult],
    base_results: Sequence[FileResult],
    root: str | None,
    rel: Mapping[str, str],
    cache: Cache | None,
) -> tuple[dict[str, Score], dict[str, Score]]:
    """File scores of the new versions (with factors) and of the touched files' base versions (without).

    Both versions' features come from one :func:`file_vectors` call: one ruff process, one history pass.
    """
    from quality_hooks.model.file_score import discard_prefetched, file_vectors, score_files

    new = [r for r in results if r.ok and r.source is not None]
    try:
        if not new and not base_results:
            return {}, {}
        features = file_vectors([*new, *base_results], rel, root, cache)
    finally:  # the history load_models started is this run's: taken above, or dropped
        if root:
            discard_prefetched(root, cache)
    whole = score_files(new, root, rel, vectors=features[: len(new)])
    before = score_files(base_results, root, rel, factors=False, vectors=features[len(new) :]) if base_results else {}
    return whole, before


def project_references(history: ChangeHistory | None) -> dict[str, list[float]]:
    """The repository's latest changes before the parent, per git feature: what "usual here" means.

    The same rows the rank features are measured against (``RankReference``), read from the
    history cache; empty outside git, in a shallow clone or with too little history.
    """
    if history is None or history.reference.count < RankReference.MIN_RANK_ROWS:
        return {}
    return dict(zip(RANKED, history.reference.sorted, strict=True))


def load_models(root: str | None, change: Change | None, cache: Cache | None = None) -> None:
    """Start what :func:`score_results` will need for a check of ``root``, while the files are analysed.

    The pipeline calls this while forked processes analyse the files (or before its own analysis):
    the models' start-up (numpy, onnxruntime, two ONNX sessions: about 60 ms) overlaps the children's
    work, and the file history's ``git log`` (:func:`~quality_hooks.model.file_score.prefetch_file_histories`)
    runs in a thread meanwhile. A model that cannot be loaded is left to :func:`score_results`, which
    says why.
    """
    try:
        from quality_hooks.model.file_score import load_file_model, prefetch_file_histories

        if root:
            prefetch_file_histories(root, cache)
        load_file_model()
        if change is not None:
            load_change_model(root)
    except Exception:  # the same failure is met and reported by score_results, once
        return
