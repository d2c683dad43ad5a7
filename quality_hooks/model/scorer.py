"""Load and run the ONNX models with onnxruntime only, each compiled once per process.

The change-risk model's ``risk`` is its calibrated probability that the change to a
file introduces a defect (trained on SZZ labels; see models/MODEL_CARD.md); a local
model (``train --local``) replaces the bundled one where it is usable.
``score = 100 * (1 - risk)``, rounded to one decimal: monotone, 100 means no risk.
The three factors are the features whose replacement by their training median
lowers the risk most (all re-scorings run in one batched inference).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from quality_hooks.model.explain import describe
from quality_hooks.results import ModelSource, Score

#: A model trained on the repository's own history (``quality-hooks train --local``), at its root.
LOCAL_DIR = ".quality-hooks"
LOCAL_MODEL_FILE = "model.onnx"
LOCAL_META_FILE = "model.json"
#: The change-risk model (feature version 3): its ONNX graph and its metadata (features used, medians).
CHANGE_MODEL_FILE = "change-risk.onnx"
CHANGE_META_FILE = "change-risk.json"
TOP_FACTORS = 3


class ModelError(Exception):
    """The bundled model is missing or does not match this version's features."""


def model_dirs() -> list[Path]:
    """Where the bundled model is looked for: ``$QUALITY_HOOKS_MODEL_DIR``, package data, the source's models/."""
    here = Path(__file__).resolve().parent
    dirs = [here / "data", here.parent.parent / "models"]
    override = os.environ.get("QUALITY_HOOKS_MODEL_DIR")
    return [Path(override), *dirs] if override else dirs


def local_model_paths(root: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The local model of the repository at ``root``: its ONNX file and its metadata (features, date, figures)."""
    directory = Path(root) / LOCAL_DIR
    return directory / LOCAL_MODEL_FILE, directory / LOCAL_META_FILE


def risk_to_score(risk: float) -> float:
    """The documented, monotone mapping from risk (0..1) to quality score (100..0)."""
    return round(100.0 * (1.0 - min(max(risk, 0.0), 1.0)), 1)


@dataclass
class Model:
    session: Any  # onnxruntime.InferenceSession; onnxruntime ships no types
    input_name: str
    names: list[str]
    medians: np.ndarray
    meta: dict[str, Any]
    source: ModelSource

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """Risk (probability of the defect class) per row."""
        outputs = self.session.run(None, {self.input_name: matrix.astype(np.float32)})
        probabilities: np.ndarray = next(o for o in outputs if getattr(o, "ndim", 0) == 2)
        return probabilities[:, 1].astype(np.float64)


def read_model(model_path: Path, meta_path: Path, source: ModelSource, expected: Sequence[str]) -> Model:
    """Compile one ONNX model with its metadata; ModelError if its features are not ``expected`` (this version's)."""
    import onnxruntime as ort

    try:
        meta = json.loads(meta_path.read_text())
        names = list(meta["features"])
        medians = np.array([np.nan if m is None else m for m in meta["medians"]], dtype=np.float32)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{meta_path}: unreadable model metadata ({exc})") from None
    if names != list(expected):
        raise ModelError(f"{meta_path}: model features do not match this version of quality-hooks; retrain it")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(model_path.read_bytes(), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own (unexported) error types for a bad file
        raise ModelError(f"{model_path}: cannot load the model ({exc})") from None
    return Model(session, session.get_inputs()[0].name, names, medians, meta, source)


def _local_model(root: str, expected: Sequence[str]) -> Model:
    """The local change-risk model at ``root`` read for ``expected`` features, else the bundled one with why."""
    from quality_hooks.model.history import is_shallow

    bundled = _bundled_change_model
    model_path, meta_path = local_model_paths(root)
    if not (model_path.is_file() and meta_path.is_file()):
        return bundled()
    if is_shallow(root):
        note = f"local model {model_path} not used: shallow clone (history unknown; fetch the full history)"
        return _with_note(bundled(), note)
    try:
        trained = json.loads(meta_path.read_text()).get("trained")
    except (OSError, ValueError, AttributeError):
        trained = None
    try:
        return read_model(model_path, meta_path, ModelSource("local", str(model_path), trained), expected=expected)
    except ModelError as exc:
        return _with_note(bundled(), f"local model not used: {exc}")


def _with_note(model: Model, note: str) -> Model:
    return dataclasses.replace(model, source=dataclasses.replace(model.source, note=note))


def history_status(root: str | None) -> str | None:
    """Why history features are unknown for files under ``root`` (``None`` when git knows their history)."""
    from quality_hooks.model.history import is_shallow

    if root is None:
        return "not in a git repository"
    if is_shallow(root):
        return "shallow clone"
    from quality_hooks.git import head_commit

    return None if head_commit(root) else "no commits yet"


def load_change_model(root: str | None = None) -> Model:
    """The change-risk model for files of the repository at ``root``: its local one when usable, else the bundled one.

    ``quality-hooks train --local`` installs a change-risk model at the repository root;
    in a shallow clone (history unknown) or for other features the bundled one scores,
    and the model's source says why.
    """
    from quality_hooks.model.features import MODEL_FEATURES

    if root is None:
        return _bundled_change_model()
    return _change_model_for_root(os.path.realpath(root), tuple(MODEL_FEATURES))


@lru_cache(maxsize=8)
def _change_model_for_root(root: str, features: tuple[str, ...]) -> Model:
    return _local_model(root, features)


@lru_cache(maxsize=1)
def _bundled_change_model() -> Model:
    """The bundled change-risk model (features :data:`~quality_hooks.model.features.MODEL_FEATURES`), once."""
    from quality_hooks.model.features import CHANGE_FEATURE_VERSION, MODEL_FEATURES

    for directory in model_dirs():
        model_path, meta_path = directory / CHANGE_MODEL_FILE, directory / CHANGE_META_FILE
        if model_path.is_file() and meta_path.is_file():
            break
    else:
        raise ModelError("change-risk model not found (looked in " + ", ".join(map(str, model_dirs())) + ")")
    meta = json.loads(meta_path.read_text())
    if meta.get("feature_version") != CHANGE_FEATURE_VERSION:
        raise ModelError(f"{meta_path}: change-risk features of another version; retrain it")
    source = ModelSource("bundled", str(model_path), meta.get("trained"))
    return read_model(model_path, meta_path, source, expected=MODEL_FEATURES)


def change_scores(
    vectors: Sequence[Sequence[float]],
    *,
    factors: bool = True,
    root: str | None = None,
    references: Mapping[str, Sequence[float]] | None = None,
) -> list[Score]:
    """Change-risk scores for vectors ordered as CHANGE_FEATURE_NAMES (the model picks its own columns).

    ``references`` is the repository's own recent distribution of each feature (its latest
    changes before the parent), so a factor reads "more than 95% of changes here".
    """
    from quality_hooks.model.features import CHANGE_FEATURE_NAMES

    model = load_change_model(root)
    columns = [CHANGE_FEATURE_NAMES.index(n) for n in model.names]
    return score_vectors([[v[c] for c in columns] for v in vectors], model, factors=factors, references=references)


def score_vectors(
    vectors: Sequence[Sequence[float]],
    model: Model,
    *,
    factors: bool = True,
    references: Mapping[str, Sequence[float]] | None = None,
) -> list[Score]:
    """Scores (with top factors unless ``factors`` is false) for feature vectors ordered as ``model.names``.

    Factors are compared with ``references`` (the project's own distributions) when given,
    else with the training projects' quantiles in the model's metadata.
    """
    if not vectors:
        return []
    base = np.asarray(vectors, dtype=np.float32)
    if not factors:
        return [
            Score(risk=round(float(r), 4), score=risk_to_score(float(r)), model=model.source)
            for r in model.predict(base)
        ]
    n, k = base.shape
    medians = np.asarray(model.medians, dtype=np.float32)
    # Only a feature that differs from its training median can be a factor: setting it to the
    # median changes nothing otherwise (most token counts are 0, as their median is).
    differs = ~((base == medians) | (np.isnan(base) & np.isnan(medians)))
    rows, cols = np.nonzero(differs)
    variants = base[rows].copy()
    variants[np.arange(len(rows)), cols] = medians[cols]
    risks = model.predict(np.concatenate([base, variants]))
    varied = risks[n:]
    starts = np.searchsorted(rows, np.arange(n + 1))
    scores = []
    for i in range(n):
        risk = float(risks[i])
        lowered = np.zeros(k)
        lowered[cols[starts[i] : starts[i + 1]]] = risk - varied[starts[i] : starts[i + 1]]
        top: list[dict[str, Any]] = []
        for j in np.argsort(-lowered, kind="stable")[:TOP_FACTORS]:
            if lowered[j] <= 1e-6:
                break
            value = float(base[i, j])
            top.append({
                "feature": model.names[j],
                "value": None if math.isnan(value) else value,
                "median": None if math.isnan(float(model.medians[j])) else float(model.medians[j]),
                "risk_added": round(float(lowered[j]), 4),
            })  # fmt: skip
        words = describe(top, references, model.meta.get("quantiles"))  # sentences, see model/explain.py
        scores.append(Score(risk=round(risk, 4), score=risk_to_score(risk), factors=words, model=model.source))
    return scores
