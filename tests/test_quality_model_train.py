"""Training side (needs the [train] extra): ONNX export agrees with scikit-learn, deterministically."""

from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("skl2onnx")

from quality_hooks.model.features import CHANGE_FEATURE_VERSION, MODEL_FEATURES
from quality_hooks.train.dataset import DatasetError, load_dataset
from quality_hooks.train.metrics import popt, recall_at_effort

MODELS = os.path.join(os.path.dirname(__file__), "..", "models")
DATASET = os.path.join(MODELS, "dataset.csv.gz")


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(DATASET, list(MODEL_FEATURES))


def test_onnx_agrees_with_sklearn_on_held_out_rows(dataset) -> None:
    import onnxruntime as ort
    from threadpoolctl import threadpool_limits

    from quality_hooks.train.model import fit, time_split, to_onnx

    train_idx, held_out = time_split(dataset.time, dataset.repo, share=0.25)
    train = dataset.take(train_idx[::10])  # a subset keeps the test fast; the code path is the real one
    with threadpool_limits(1):
        model = fit(train.X, train.y, train.weight, train.time, train.repo, max_iter=40)
        onnx_bytes = to_onnx(model, len(MODEL_FEATURES))
        again = to_onnx(fit(train.X, train.y, train.weight, train.time, train.repo, max_iter=40), len(MODEL_FEATURES))
    assert onnx_bytes == again, "training is not deterministic"
    X = dataset.X[held_out[::5]].copy()
    X[::2, list(range(0, X.shape[1], 3))] = np.nan  # unknown values (shallow clones) take the trees' NaN branches
    expected = model.predict_proba(X)[:, 1]
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    got = session.run(None, {"features": X})[1][:, 1]
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_bundled_model_files_are_consistent(dataset) -> None:
    import hashlib
    import json

    with open(os.path.join(MODELS, "change-risk.json")) as handle:
        meta = json.load(handle)
    assert meta["features"] == list(MODEL_FEATURES) and meta["feature_version"] == CHANGE_FEATURE_VERSION
    assert len(meta["medians"]) == len(MODEL_FEATURES)
    with open(DATASET, "rb") as handle:
        assert meta["dataset_sha256"] == hashlib.sha256(handle.read()).hexdigest(), "retrain on the committed dataset"
    assert meta["rows"] == len(dataset.y) and meta["positives"] == int(dataset.y.sum())


def test_effort_metrics_on_a_hand_computed_case() -> None:
    y = np.array([1, 0, 1, 0])
    effort = np.array([10.0, 10.0, 10.0, 70.0])
    w = np.ones(4)
    perfect = np.array([0.9, 0.1, 0.8, 0.0])
    assert recall_at_effort(y, perfect, effort, w, share=0.2) == pytest.approx(1.0)
    assert popt(y, perfect, effort, w) == pytest.approx(1.0)
    assert popt(y, 1 - perfect, effort, w) < 0.5


def test_bad_dataset_is_a_one_line_error(tmp_path) -> None:
    path = tmp_path / "x.csv.gz"
    path.write_bytes(b"not gzip")
    with pytest.raises(DatasetError, match=r"x\.csv\.gz"):
        load_dataset(str(path))
