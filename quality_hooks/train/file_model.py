"""The file-score model: evaluate (time-ordered leave-one-project-out), fit, calibrate, export to ONNX.

``python -m quality_hooks.train.file_model models/file-dataset.csv.gz [--out models] [--skip-evaluation]``

The model estimates the probability that a file needs a bug fix in the next
12 months (labels from :mod:`quality_hooks.mine.file_labels`). Evaluation
holds out one project at a time and, for each of its snapshots, trains only on
the other projects' snapshots whose label year had ended by then, exactly as
the shipped model is fitted (trees on older snapshots, a sigmoid calibrated on
each training project's newest snapshot). File size (logistic regression on
log LOC) is fitted on the same rows as the baseline. Deterministic: fixed
seed, one thread, rows in dataset order, so a retrain gives the same ONNX bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from quality_hooks.model.file_features import FILE_FEATURE_NAMES, FILE_FEATURE_VERSION, model_input
from quality_hooks.train.quantiles import record_feature_quantiles
from quality_hooks.train.reference import medians, quantiles

SEED = 20240611
#: Inverse L2 strength of the logistic regression (strong: the rows of one project are alike).
REGULARISATION = 0.01
HORIZON_DAYS = 365
MODEL_FILE = "file-model.onnx"
FEATURES_FILE = "file-features.json"
EVALUATION_FILE = "file-evaluation.json"
#: A held-out snapshot is evaluated only when its training rows hold at least this many fixed files.
MIN_TRAIN_POSITIVES = 100
LEARNERS = ("model", "size")
TARGET_MARGIN = 0.05


class FileDatasetError(Exception):
    """The file dataset is missing or malformed."""


@dataclass
class FileDataset:
    """Rows of :mod:`quality_hooks.mine.file_labels`: one file at one snapshot."""

    names: list[str]
    X: np.ndarray  # float32, NaN for missing
    y: np.ndarray
    repo: np.ndarray
    time: np.ndarray
    path: np.ndarray

    def take(self, index: np.ndarray) -> FileDataset:
        return FileDataset(self.names, self.X[index], self.y[index], self.repo[index], self.time[index],
                           self.path[index])  # fmt: skip

    def column(self, name: str) -> np.ndarray:
        return self.X[:, self.names.index(name)].astype(np.float64)

    @property
    def repos(self) -> list[str]:
        return sorted(set(self.repo.tolist()))


def load_file_dataset(path: str) -> FileDataset:
    """Read the csv.gz written by :func:`quality_hooks.mine.file_labels.write_dataset`."""
    from quality_hooks.train.dataset import DatasetError, _read_rows

    try:
        header, rows = _read_rows(path)
    except DatasetError as exc:
        raise FileDatasetError(str(exc)) from None
    missing = [n for n in ("repo", "time", "path", "label", *FILE_FEATURE_NAMES) if n not in header]
    if missing or not rows:
        raise FileDatasetError(f"{path}: not a file dataset of this version (missing: {', '.join(missing) or 'rows'})")
    at = {name: header.index(name) for name in header}
    features = [at[n] for n in FILE_FEATURE_NAMES]
    return FileDataset(
        names=list(FILE_FEATURE_NAMES),
        X=np.array([[float(r[c]) if r[c] != "" else np.nan for c in features] for r in rows], dtype=np.float32),
        y=np.array([int(r[at["label"]]) for r in rows]),
        repo=np.array([r[at["repo"]] for r in rows]),
        time=np.array([int(r[at["time"]]) for r in rows]),
        path=np.array([r[at["path"]] for r in rows]),
    )


def learner() -> Any:
    """Logistic regression on standardised log features (see :func:`model_input`), exportable to ONNX.

    Boosted trees were tried first and lost to file size out of project (see the card).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("scale", StandardScaler()), ("logit", LogisticRegression(C=REGULARISATION, max_iter=5000))])


def fit_model(ds: FileDataset) -> Any:
    """The shipped procedure: the learner on every row, in dataset order (its probabilities are its calibration)."""
    return learner().fit(model_input(ds.X), ds.y)


def fit_size(ds: FileDataset) -> Callable[[FileDataset], np.ndarray]:
    """The file-size baseline: logistic regression on log(1 + LOC)."""
    from sklearn.linear_model import LogisticRegression

    def x(d: FileDataset) -> np.ndarray:
        loc = np.nan_to_num(d.column("loc"), nan=0.0).clip(min=0)
        return np.asarray(np.log1p(loc).reshape(-1, 1))

    model = LogisticRegression(random_state=0).fit(x(ds), ds.y)
    return lambda d: np.asarray(model.predict_proba(x(d))[:, 1])


def _metrics(test: FileDataset, predictions: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    from quality_hooks.train.metrics import all_metrics

    effort = np.maximum(np.nan_to_num(test.column("loc"), nan=1.0), 1.0)
    ones = np.ones(len(test.y))
    return {name: all_metrics(test.y, p, effort, ones) for name, p in predictions.items()}


def leave_one_project_out(ds: FileDataset, log: Callable[[str], None]) -> dict[str, Any]:
    """Per held-out project and snapshot: train on other projects' snapshots whose label year had ended."""
    per_project: dict[str, Any] = {}
    tested: list[np.ndarray] = []
    pooled_predictions: dict[str, list[np.ndarray]] = {name: [] for name in LEARNERS}
    skipped = 0
    for repo in ds.repos:
        index_parts: list[np.ndarray] = []
        predictions: dict[str, list[np.ndarray]] = {name: [] for name in LEARNERS}
        for moment in sorted(set(ds.time[ds.repo == repo].tolist())):
            test_idx = np.flatnonzero((ds.repo == repo) & (ds.time == moment))
            train_mask = (ds.repo != repo) & (ds.time + HORIZON_DAYS * 86400 <= moment)
            if ds.y[train_mask].sum() < MIN_TRAIN_POSITIVES:
                skipped += len(test_idx)
                continue
            train, test = ds.take(np.flatnonzero(train_mask)), ds.take(test_idx)
            model = fit_model(train)
            predictions["model"].append(model.predict_proba(model_input(test.X))[:, 1])
            predictions["size"].append(fit_size(train)(test))
            index_parts.append(test_idx)
        if not index_parts:
            log(f"{repo}: no snapshot has enough older training rows; not evaluated")
            continue
        index = np.concatenate(index_parts)
        joined = {name: np.concatenate(parts) for name, parts in predictions.items()}
        per_project[repo] = _metrics(ds.take(index), joined)
        tested.append(index)
        for name in LEARNERS:
            pooled_predictions[name].append(joined[name])
        log(f"{repo}: " + "  ".join(f"{n} AUC {per_project[repo][n]['roc_auc']:.3f}" for n in LEARNERS))
    index = np.concatenate(tested)
    pooled = {name: np.concatenate(parts) for name, parts in pooled_predictions.items()}
    return {
        "per_project": per_project,
        "pooled": _metrics(ds.take(index), pooled),
        "rows_not_evaluated": skipped,
        "reliability": reliability_bins(ds.y[index], pooled["model"]),
    }


def reliability_bins(y: np.ndarray, risk: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Observed fix rate per predicted-risk decile (equal-count bins), for the reliability diagram."""
    order = np.argsort(risk, kind="stable")
    out = []
    for part in np.array_split(order, bins):
        if len(part):
            out.append({"predicted": float(risk[part].mean()), "observed": float(y[part].mean()), "rows": len(part)})
    return out


def summary(evaluation: dict[str, Any]) -> dict[str, float]:
    per, pooled = evaluation["per_project"], evaluation["pooled"]
    mean = {n: float(np.nanmean([per[p][n]["roc_auc"] for p in per])) for n in LEARNERS}
    return {
        "pooled_auc": pooled["model"]["roc_auc"],
        "pooled_auc_size": pooled["size"]["roc_auc"],
        "mean_auc": mean["model"],
        "mean_auc_size": mean["size"],
        "projects_above_size": float(sum(per[p]["model"]["roc_auc"] > per[p]["size"]["roc_auc"] for p in per)),
        "projects": float(len(per)),
    }


def export(model: Any, ds: FileDataset, dataset_path: str, out: str) -> None:
    from quality_hooks.train.model import to_onnx

    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, MODEL_FILE), "wb") as handle:
        handle.write(to_onnx(model, len(ds.names)))
    with open(dataset_path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    meta = {
        "model": "file-score",
        "feature_version": FILE_FEATURE_VERSION,
        "features": ds.names,
        "medians": medians(ds.X),
        "quantiles": quantiles(ds.X, ds.names),
        "score_mapping": "score = round(100 * (1 - risk), 1); risk = P(file needs a bug fix in the next 12 months)",
        "dataset_sha256": digest,
        "rows": len(ds.y),
        "positives": int(ds.y.sum()),
        "repositories": ds.repos,
        "seed": SEED,
    }
    with open(os.path.join(out, FEATURES_FILE), "w") as handle:
        json.dump(meta, handle, indent=1)
        handle.write("\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("--out", default="models")
    parser.add_argument("--skip-evaluation", action="store_true", help="reuse OUT/file-evaluation.json")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from threadpoolctl import threadpool_limits

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        ds = load_file_dataset(args.dataset)
    except FileDatasetError as exc:
        print(f"file model: {exc}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    evaluation_path = os.path.join(args.out, EVALUATION_FILE)
    with threadpool_limits(1):
        if args.skip_evaluation and os.path.exists(evaluation_path):
            with open(evaluation_path) as handle:
                evaluation = json.load(handle)
        else:
            evaluation = leave_one_project_out(ds, log)
            evaluation["summary"] = summary(evaluation)
            with open(evaluation_path, "w") as handle:
                json.dump(evaluation, handle, indent=1, sort_keys=True, default=_json_float)
                handle.write("\n")
        model = fit_model(ds)
    export(model, ds, args.dataset, args.out)
    record_feature_quantiles(args.out, "file-score", ds.names, ds.X)
    from quality_hooks.train.file_card import write_file_card

    write_file_card(args.out, ds, evaluation)
    s = evaluation["summary"]
    log(f"file model: {len(ds.y)} rows; LOPO pooled ROC-AUC {s['pooled_auc']:.3f} vs size {s['pooled_auc_size']:.3f}")
    return 0


def _json_float(value: object) -> object:
    if isinstance(value, (np.floating, np.integer)):
        return None if isinstance(value, np.floating) and math.isnan(float(value)) else value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


if __name__ == "__main__":
    raise SystemExit(main())
