"""The whole-file score: P(the file needs a bug fix in the next 12 months) from the bundled file model.

What plain ``check``, the badge, the dashboard and the store's trends show:
``score = 100 * (1 - probability)`` (:func:`~quality_hooks.model.scorer.risk_to_score`),
so a file's score means the same wherever it appears. The change ``risk`` of
the hook and the PR is the change-risk model's (:mod:`quality_hooks.model.scorer`).

Features come from :mod:`quality_hooks.model.file_features` (one ``ast``
parse per file, one ruff run for all files, one ``git log`` for the history),
the same code mining uses; onnxruntime only, loaded once per process.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

from quality_hooks.git import GitError, git
from quality_hooks.model.explain import describe
from quality_hooks.model.file_features import (
    FILE_FEATURE_NAMES,
    FileEvent,
    assemble,
    file_events,
    model_input,
    static_features,
)
from quality_hooks.model.history import is_shallow, log_args, parse_log
from quality_hooks.model.scorer import Model, ModelError, model_dirs, read_model, risk_to_score
from quality_hooks.model.static import ruff_counts
from quality_hooks.results import FileResult, ModelSource, Score

MODEL_FILE = "file-model.onnx"
FEATURES_FILE = "file-features.json"
TOP_FACTORS = 3


@lru_cache(maxsize=1)
def load_file_model() -> Model:
    """The bundled file model, read and compiled once per process."""
    for directory in model_dirs():
        model_path, meta_path = directory / MODEL_FILE, directory / FEATURES_FILE
        if model_path.is_file() and meta_path.is_file():
            return read_model(model_path, meta_path, ModelSource("bundled", str(model_path)), FILE_FEATURE_NAMES)
    raise ModelError("file model not found (looked in " + ", ".join(map(str, model_dirs())) + ")")


def file_histories(root: str | None, paths: Sequence[str]) -> tuple[dict[str, list[FileEvent]] | None, int | None]:
    """Per repository-relative path, the commits that changed it up to HEAD, and HEAD's commit time.

    ``(None, None)`` outside git, in a shallow clone or without a commit: the
    history is unknown (NaN features), never "no changes".
    """
    if not root or not paths:
        return None, None
    try:
        if is_shallow(root):
            return None, None
        head = git(["log", "-1", "--format=%ct", "HEAD"], root).strip()
        log = git(log_args("HEAD", paths), root) if head.isdigit() else None
    except GitError:  # no git, no commit yet: the history is unknown
        return None, None
    if log is None:
        return None, None
    return file_events(parse_log(log.decode("utf-8", errors="replace")), paths), int(head)


def file_vectors(results: Sequence[FileResult], rel_paths: Mapping[str, str], root: str | None) -> list[list[float]]:
    """Feature vectors (ordered as FILE_FEATURE_NAMES) of analysed files, from their texts and git history."""
    texts = {r.path: r.source.raw for r in results if r.source is not None}
    try:
        ruff: Mapping[str, Mapping[str, int] | None] = ruff_counts(texts, {p: os.path.basename(p) for p in texts})
    except RuntimeError:
        ruff = {}
    rel = [rel_paths.get(r.path, r.path) for r in results]
    events, at_time = file_histories(root, sorted(set(rel)))
    vectors = []
    for result, path in zip(results, rel, strict=True):
        text = result.source.text if result.source is not None else ""
        static = static_features(text, ruff.get(result.path))
        history = None if events is None else events.get(path, [])
        vectors.append(assemble(static, path, history, at_time or 0))
    return vectors


def _factors(model: Model, base: np.ndarray, risks: np.ndarray) -> list[list[dict[str, object]]]:
    """Per row, the features whose replacement by the training median lowers the risk most (one inference)."""
    n, k = base.shape
    variants = np.repeat(base, k, axis=0).reshape(n, k, k)
    variants[:, np.arange(k), np.arange(k)] = model.medians
    lowered_all = risks[:, None] - model.predict(model_input(variants.reshape(n * k, k))).reshape(n, k)
    out = []
    for i in range(n):
        lowered = lowered_all[i]
        row = []
        for j in np.argsort(-lowered, kind="stable")[:TOP_FACTORS]:
            if lowered[j] <= 1e-6:
                break
            value = float(base[i, j])
            median = float(model.medians[j])
            row.append({"feature": model.names[j], "value": None if math.isnan(value) else value,
                        "median": None if math.isnan(median) else median,
                        "risk_added": round(float(lowered[j]), 4)})  # fmt: skip
        out.append(row)
    return out


def score_files(
    results: Sequence[FileResult],
    root: str | None,
    rel_paths: Mapping[str, str] | None = None,
    *,
    factors: bool = True,
    note: str | None = None,
) -> dict[str, Score]:
    """Whole-file scores per ``FileResult.path`` of the analysed files (with factors in words unless told not to).

    The factor sentences compare each value with the other files of this run
    ("more than 90% of files here") when the run has enough of them, else
    with the training projects.
    """
    scorable = [r for r in results if r.ok and r.source is not None]
    if not scorable:
        return {}
    model = load_file_model()
    source = dataclasses.replace(model.source, note=note) if note else model.source
    base = np.asarray(file_vectors(scorable, rel_paths or {}, root), dtype=np.float32)
    risks = model.predict(model_input(base))
    if not factors:
        return {
            r.path: Score(risk=round(float(p), 4), score=risk_to_score(float(p)), model=source)
            for r, p in zip(scorable, risks, strict=True)
        }
    references = {name: base[:, j][~np.isnan(base[:, j])].tolist() for j, name in enumerate(model.names)}
    quantiles = model.meta.get("quantiles", {})
    out = {}
    for result, risk, found in zip(scorable, risks, _factors(model, base, risks), strict=True):
        words = describe(found, references, quantiles)
        out[result.path] = Score(
            risk=round(float(risk), 4), score=risk_to_score(float(risk)), factors=words, model=source
        )
    return out
