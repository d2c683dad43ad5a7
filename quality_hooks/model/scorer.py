"""Score files with the bundled ONNX model: onnxruntime only, loaded once per process.

``risk`` is the model's calibrated probability that the change to the file
introduces a defect (trained on SZZ labels; see models/MODEL_CARD.md).
``score = 100 * (1 - risk)``, rounded to one decimal: monotone, 100 means no
risk. The three factors are the features whose replacement by their training
median lowers the risk most (all re-scorings run in one batched inference).
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
from quality_hooks.model.features import FEATURE_NAMES, ChangeContext, extract
from quality_hooks.model.history import HistoryStats
from quality_hooks.results import FileResult, ModelSource, Score

MODEL_FILE = "quality-model.onnx"
FEATURES_FILE = "features.json"
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
    #: QH rule codes the training data counted; findings of newer rules are not counted.
    qh_codes: frozenset[str] | None = None

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """Risk (probability of the defect class) per row."""
        outputs = self.session.run(None, {self.input_name: matrix.astype(np.float32)})
        probabilities: np.ndarray = next(o for o in outputs if getattr(o, "ndim", 0) == 2)
        return probabilities[:, 1].astype(np.float64)


def read_model(
    model_path: Path, meta_path: Path, source: ModelSource, expected: Sequence[str] = FEATURE_NAMES
) -> Model:
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
    qh_codes = frozenset(meta["qh_rules"]) if meta.get("qh_rules") else None
    return Model(session, session.get_inputs()[0].name, names, medians, meta, source, qh_codes)


@lru_cache(maxsize=1)
def bundled_model() -> Model:
    """The model shipped with quality-hooks, read and compiled once per process."""
    for directory in model_dirs():
        model_path, meta_path = directory / MODEL_FILE, directory / FEATURES_FILE
        if model_path.is_file() and meta_path.is_file():
            break
    else:
        raise ModelError("quality model not found (looked in " + ", ".join(map(str, model_dirs())) + ")")
    meta = json.loads(meta_path.read_text())
    return read_model(model_path, meta_path, ModelSource("bundled", str(model_path), meta.get("trained")))


def load_model(root: str | None = None) -> Model:
    """The model for files of the repository at ``root``: its local model when usable, else the bundled one.

    A local model (``.quality-hooks/model.onnx`` at the repository root) is
    used only with the full history it was trained on: in a shallow clone the
    history features are unknown, so the bundled model, which was trained to
    handle missing history, scores instead, and the source says why.
    """
    if root is None:
        return bundled_model()
    return _model_for_root(os.path.realpath(root))


@lru_cache(maxsize=8)
def _model_for_root(root: str) -> Model:
    from quality_hooks.model.features import MODEL_FEATURES

    found = _local_model(root, FEATURE_NAMES)
    if found.source.kind == "local" or not _local_features_are(root, MODEL_FEATURES):
        return found
    return bundled_model()  # the local model is a change-risk model (load_change_model uses it)


def _local_model(root: str, expected: Sequence[str]) -> Model:
    """The local model at ``root`` read for ``expected`` features, else the bundled one of that kind with why."""
    from quality_hooks.model.features import MODEL_FEATURES
    from quality_hooks.model.history import is_shallow

    bundled = _bundled_change_model if list(expected) == list(MODEL_FEATURES) else bundled_model
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


def _local_features_are(root: str, names: Sequence[str]) -> bool:
    """Whether the local model at ``root`` was trained on ``names`` (so it is that kind of model)."""
    try:
        return list(json.loads(local_model_paths(root)[1].read_text())["features"]) == list(names)
    except (OSError, ValueError, KeyError, TypeError):
        return False


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
    if not _local_features_are(root, features) and _local_features_are(root, FEATURE_NAMES):
        return _bundled_change_model()  # a whole-file local model: load_model uses it
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


def change_scores(vectors: Sequence[Sequence[float]], *, factors: bool = True, root: str | None = None) -> list[Score]:
    """Change-risk scores for vectors ordered as CHANGE_FEATURE_NAMES (the model picks its own columns)."""
    from quality_hooks.model.features import CHANGE_FEATURE_NAMES

    model = load_change_model(root)
    columns = [CHANGE_FEATURE_NAMES.index(n) for n in model.names]
    return score_vectors([[v[c] for c in columns] for v in vectors], factors=factors, model=model)


def score_vectors(
    vectors: Sequence[Sequence[float]], *, factors: bool = True, model: Model | None = None
) -> list[Score]:
    """Scores (with top factors unless ``factors`` is false) for feature vectors ordered as FEATURE_NAMES.

    ``model`` defaults to the bundled one.
    """
    if not vectors:
        return []
    model = model or load_model()
    base = np.asarray(vectors, dtype=np.float32)
    if not factors:
        return [
            Score(risk=round(float(r), 4), score=risk_to_score(float(r)), model=model.source)
            for r in model.predict(base)
        ]
    n, k = base.shape
    # Row block i: file i with feature j set to its training median, for every j; plus the original.
    variants = np.repeat(base, k, axis=0).reshape(n, k, k)
    variants[:, np.arange(k), np.arange(k)] = model.medians
    risks = model.predict(np.concatenate([base, variants.reshape(n * k, k)]))
    scores = []
    for i in range(n):
        risk = float(risks[i])
        lowered = risk - risks[n + i * k : n + (i + 1) * k]
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
        words = describe(top, None, model.meta.get("quantiles"))  # sentences, see model/explain.py
        scores.append(Score(risk=round(risk, 4), score=risk_to_score(risk), factors=words, model=model.source))
    return scores


def score(
    results: Sequence[FileResult],
    changes: Mapping[str, ChangeContext | None] | None = None,
    histories: Mapping[str, HistoryStats | None] | None = None,
    rel_paths: Mapping[str, str] | None = None,
    *,
    factors: bool = True,
    root: str | None = None,
) -> list[Score | None]:
    """Scores of analysed files, in order (``None`` for files that could not be analysed).

    ``changes`` and ``histories`` are keyed by ``FileResult.path``; a file
    without a change context (whole-tree check) or history gets NaN for those
    features, which the model was trained to handle. ``root`` is the
    repository the files belong to: its local model scores them when usable
    (:func:`load_model`), and each Score's ``model`` records which did.
    """
    changes = changes or {}
    histories = histories or {}
    scorable = [r for r in results if r.ok and r.metrics is not None]
    rel_paths = rel_paths or {}
    model = load_model(root)
    vectors = [
        extract(r, changes.get(r.path), histories.get(r.path), rel_path=rel_paths.get(r.path), qh_codes=model.qh_codes)
        for r in scorable
    ]
    by_id = {id(r): s for r, s in zip(scorable, score_vectors(vectors, factors=factors, model=model), strict=True)}
    return [by_id.get(id(result)) for result in results]
