"""Score files with the bundled ONNX model: onnxruntime only, loaded once per process.

``risk`` is the model's calibrated probability that the change to the file
introduces a defect (trained on SZZ labels; see models/MODEL_CARD.md).
``score = 100 * (1 - risk)``, rounded to one decimal: monotone, 100 means no
risk. The three factors are the features whose replacement by their training
median lowers the risk most (all re-scorings run in one batched inference).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from quality_hooks.model.features import FEATURE_NAMES, ChangeContext, extract
from quality_hooks.model.history import HistoryStats
from quality_hooks.results import FileResult, Score

MODEL_FILE = "quality-model.onnx"
FEATURES_FILE = "features.json"
TOP_FACTORS = 3


class ModelError(Exception):
    """The bundled model is missing or does not match this version's features."""


def model_dirs() -> list[Path]:
    """Where the model is looked for: ``$QUALITY_HOOKS_MODEL_DIR``, the package data, the source tree's models/."""
    here = Path(__file__).resolve().parent
    dirs = [here / "data", here.parent.parent / "models"]
    override = os.environ.get("QUALITY_HOOKS_MODEL_DIR")
    return [Path(override), *dirs] if override else dirs


def risk_to_score(risk: float) -> float:
    """The documented, monotone mapping from risk (0..1) to quality score (100..0)."""
    return round(100.0 * (1.0 - min(max(risk, 0.0), 1.0)), 1)


@dataclass
class Model:
    session: object  # onnxruntime.InferenceSession
    input_name: str
    names: list[str]
    medians: np.ndarray
    meta: dict
    #: QH rule codes the training data counted; findings of newer rules are not counted.
    qh_codes: frozenset[str] | None = None

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """Risk (probability of the defect class) per row."""
        outputs = self.session.run(None, {self.input_name: matrix.astype(np.float32)})  # type: ignore[attr-defined]
        probabilities = next(o for o in outputs if getattr(o, "ndim", 0) == 2)
        return probabilities[:, 1].astype(np.float64)


@lru_cache(maxsize=1)
def load_model() -> Model:
    """The bundled model, read and compiled once per process."""
    import onnxruntime as ort

    for directory in model_dirs():
        model_path, meta_path = directory / MODEL_FILE, directory / FEATURES_FILE
        if model_path.is_file() and meta_path.is_file():
            break
    else:
        raise ModelError("quality model not found (looked in " + ", ".join(map(str, model_dirs())) + ")")
    meta = json.loads(meta_path.read_text())
    if list(meta["features"]) != list(FEATURE_NAMES):
        raise ModelError(f"{meta_path}: model features do not match this version of quality-hooks; retrain it")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model_path.read_bytes(), options, providers=["CPUExecutionProvider"])
    medians = np.array([np.nan if m is None else m for m in meta["medians"]], dtype=np.float32)
    qh_codes = frozenset(meta["qh_rules"]) if meta.get("qh_rules") else None
    return Model(session, session.get_inputs()[0].name, list(meta["features"]), medians, meta, qh_codes)


def score_vectors(vectors: Sequence[Sequence[float]], *, factors: bool = True) -> list[Score]:
    """Scores (with top factors unless ``factors`` is false) for feature vectors ordered as FEATURE_NAMES."""
    if not vectors:
        return []
    model = load_model()
    base = np.asarray(vectors, dtype=np.float32)
    if not factors:
        return [Score(risk=round(float(r), 4), score=risk_to_score(float(r))) for r in model.predict(base)]
    n, k = base.shape
    # Row block i: file i with feature j set to its training median, for every j; plus the original.
    variants = np.repeat(base, k, axis=0).reshape(n, k, k)
    variants[:, np.arange(k), np.arange(k)] = model.medians
    risks = model.predict(np.concatenate([base, variants.reshape(n * k, k)]))
    scores = []
    for i in range(n):
        risk = float(risks[i])
        lowered = risk - risks[n + i * k : n + (i + 1) * k]
        factors = []
        for j in np.argsort(-lowered, kind="stable")[:TOP_FACTORS]:
            if lowered[j] <= 1e-6:
                break
            value = float(base[i, j])
            factors.append({
                "feature": model.names[j],
                "value": None if math.isnan(value) else value,
                "median": None if math.isnan(float(model.medians[j])) else float(model.medians[j]),
                "risk_added": round(float(lowered[j]), 4),
            })  # fmt: skip
        scores.append(Score(risk=round(risk, 4), score=risk_to_score(risk), factors=factors))
    return scores


def score(
    results: Sequence[FileResult],
    changes: Mapping[str, ChangeContext | None] | None = None,
    histories: Mapping[str, HistoryStats | None] | None = None,
    rel_paths: Mapping[str, str] | None = None,
    *,
    factors: bool = True,
) -> list[Score | None]:
    """Scores of analysed files, in order (``None`` for files that could not be analysed).

    ``changes`` and ``histories`` are keyed by ``FileResult.path``; a file
    without a change context (whole-tree check) or history gets NaN for those
    features, which the model was trained to handle.
    """
    changes = changes or {}
    histories = histories or {}
    scorable = [r for r in results if r.ok and r.metrics is not None]
    rel_paths = rel_paths or {}
    model = load_model()
    vectors = [
        extract(r, changes.get(r.path), histories.get(r.path), rel_path=rel_paths.get(r.path), qh_codes=model.qh_codes)
        for r in scorable
    ]
    by_id = {id(r): s for r, s in zip(scorable, score_vectors(vectors, factors=factors), strict=True)}
    return [by_id.get(id(result)) for result in results]
