"""The models' feature distributions at training time, shipped beside them for drift monitoring.

Why: the store compares the features a model scores in production with those
it learnt from (the population stability index, :mod:`quality_hooks.store.drift`).
Each trainer records its own model's section of ``feature-quantiles.json``
from the rows it trained on, so the model files themselves stay as they are.
Per feature: the deciles as bin edges (ties merged, so a feature that is
mostly 0 gets fewer bins), the share of training rows in each bin (exact, not
assumed to be a tenth) and the share with no value (NaN: unknown history).
A value ``v`` falls in bin ``i`` when ``edges[i-1] < v <= edges[i]``, all at six
significant digits.

(The 5..95% quantiles inside each model's metadata, :mod:`quality_hooks.train.reference`,
serve the factor sentences; these serve drift: bins with their exact training shares.)

``python -m quality_hooks.train.quantiles`` rewrites both sections from the
committed datasets (``models/dataset.csv.gz`` and ``models/file-dataset.csv.gz``).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

QUANTILES_FILE = "feature-quantiles.json"
FORMAT = 1
#: Deciles: nine interior edges, ten bins (fewer where values tie).
EDGES = np.linspace(0.1, 0.9, 9)


def significant(value: float) -> float:
    """``value`` at six significant digits: how training and production values are compared with the edges
    (float32 training data and float64 values from JSON then fall in the same bin)."""
    return float(f"{value:.6g}")


def distribution(column: np.ndarray) -> dict[str, Any]:
    """One feature's bin edges, the share of rows in each bin and the share without a value."""
    values = column.astype(np.float64)
    finite = np.array([significant(v) for v in values[~np.isnan(values)].tolist()])
    total = max(len(values), 1)
    if not finite.size:
        return {"edges": [], "fractions": [0.0], "missing": 1.0}
    edges = sorted({significant(v) for v in np.quantile(finite, EDGES)})
    counts = np.bincount(np.searchsorted(np.asarray(edges), finite, side="left"), minlength=len(edges) + 1)
    return {
        "edges": edges,
        "fractions": [round(float(c) / total, 6) for c in counts],
        "missing": round(float(len(values) - finite.size) / total, 6),
    }


def record_feature_quantiles(out: str, model: str, names: Sequence[str], X: np.ndarray) -> str:
    """Write ``model``'s section of ``OUT/feature-quantiles.json`` (the other models' sections are kept)."""
    path = os.path.join(out, QUANTILES_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            found = json.load(handle)
    except (OSError, ValueError):
        found = {}
    models = found.get("models", {}) if isinstance(found, dict) and found.get("format") == FORMAT else {}
    models[model] = {
        "rows": len(X),
        "features": {name: distribution(X[:, j]) for j, name in enumerate(names)},
    }
    os.makedirs(out, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"format": FORMAT, "models": dict(sorted(models.items()))}, handle, indent=1)
        handle.write("\n")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    from quality_hooks.model.features import MODEL_FEATURES
    from quality_hooks.train.dataset import load_dataset
    from quality_hooks.train.file_model import load_file_dataset

    parser = argparse.ArgumentParser(description="Write models/feature-quantiles.json from the training datasets.")
    parser.add_argument("--change-dataset", default="models/dataset.csv.gz")
    parser.add_argument("--file-dataset", default="models/file-dataset.csv.gz")
    parser.add_argument("--out", default="models")
    args = parser.parse_args(argv)
    change = load_dataset(args.change_dataset, list(MODEL_FEATURES))
    record_feature_quantiles(args.out, "change-risk", change.names, change.X)
    files = load_file_dataset(args.file_dataset)
    print(record_feature_quantiles(args.out, "file-score", files.names, files.X))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
