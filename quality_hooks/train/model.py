"""The learner and its ONNX export (scikit-learn and skl2onnx: training side only)."""

from __future__ import annotations

from typing import Any

import numpy as np

SEED = 20240601
#: Share of the most recent rows (per repository) held out to calibrate probabilities.
CALIBRATION_SHARE = 0.2


MAX_ITER = 150


def base_learner(max_iter: int = MAX_ITER) -> Any:  # scikit-learn is untyped
    """Gradient-boosted trees: handle NaN natively, need no scaling, export to ONNX."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=max_iter,
        max_leaf_nodes=15,
        min_samples_leaf=50,
        l2_regularization=1.0,
        max_features=0.7,
        early_stopping=False,
        random_state=SEED,
    )


def time_split(
    times: np.ndarray, groups: np.ndarray, share: float = CALIBRATION_SHARE
) -> tuple[np.ndarray, np.ndarray]:
    """Train on each repository's older rows, calibrate on its newest ``share``."""
    calib = np.zeros(len(times), dtype=bool)
    for group in np.unique(groups):
        index = np.flatnonzero(groups == group)
        order = index[np.argsort(times[index], kind="stable")]
        n = max(1, round(len(order) * share)) if len(order) > 4 else 0
        if n:
            calib[order[-n:]] = True
    return np.flatnonzero(~calib), np.flatnonzero(calib)


def fit(
    X: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray,
    times: np.ndarray,
    groups: np.ndarray,
    max_iter: int = MAX_ITER,
) -> Any:
    """Boosted trees calibrated (sigmoid) on a single time-ordered split.

    scikit-learn 1.9 removed ``cv="prefit"``; a one-split ``cv`` list keeps the
    calibrator ONNX-exportable.
    """
    from sklearn.calibration import CalibratedClassifierCV

    train_idx, calib_idx = time_split(times, groups)
    model = CalibratedClassifierCV(base_learner(max_iter), method="sigmoid", cv=[(train_idx, calib_idx)])
    model.fit(X.astype(np.float32), y, sample_weight=weight)
    return model


def to_onnx(model: Any, n_features: int) -> bytes:
    """ONNX bytes with one float input ``features`` and a plain probability tensor (zipmap off)."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    onx = convert_sklearn(
        model,
        initial_types=[("features", FloatTensorType([None, n_features]))],
        options={id(model): {"zipmap": False}},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    onx.graph.name = "quality_model"  # skl2onnx names the graph with a random uuid; keep the bytes reproducible
    # skl2onnx collects the opset imports in a set, so their order is not fixed (a retrain once came out with
    # "ai.onnx.ml" and "" swapped): sort them, so the same model always has the same bytes.
    imports = sorted(onx.opset_import, key=lambda opset: opset.domain)
    del onx.opset_import[:]
    onx.opset_import.extend(imports)
    serialized: bytes = onx.SerializeToString()
    return serialized
