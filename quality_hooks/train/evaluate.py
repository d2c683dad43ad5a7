"""``quality-hooks evaluate DATASET [--model M]``: the model against LApredict and file size, honestly.

Two protocols, per project and pooled, every learner refitted per fold on the
same rows: leave-one-project-out (train on the other projects) and
time-ordered within-project (train on the project's rows older than the
split minus a gap, test on the newer ones). Random splits are not reported.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from quality_hooks.model.features import FEATURE_NAMES, NEEDS_CHANGE
from quality_hooks.train.dataset import Dataset, DatasetError, load_dataset
from quality_hooks.train.metrics import all_metrics

#: Within-project protocol: test on the newest share of each project's rows, with this gap before them.
TEST_SHARE = 0.3
GAP_DAYS = 90
MODELS = ("model", "model_whole_file", "la", "size")


def _one_feature_logit(name: str) -> Callable[[Dataset], Callable[[Dataset], np.ndarray]]:
    def fit(train: Dataset) -> Callable[[Dataset], np.ndarray]:
        from sklearn.linear_model import LogisticRegression

        def x(ds: Dataset) -> np.ndarray:
            logs: np.ndarray = np.log1p(np.nan_to_num(ds.column(name), nan=0.0).clip(min=0)).reshape(-1, 1)
            return logs

        model = LogisticRegression(random_state=0).fit(x(train), train.y, sample_weight=train.weight)

        def predict(ds: Dataset) -> np.ndarray:
            probabilities: np.ndarray = model.predict_proba(x(ds))[:, 1]
            return probabilities

        return predict

    return fit


def _fit_model(train: Dataset) -> tuple[Callable[[Dataset], np.ndarray], Callable[[Dataset], np.ndarray]]:
    from quality_hooks.train.model import fit_plain

    model = fit_plain(train.X, train.y, train.weight)
    hidden = [train.names.index(n) for n in NEEDS_CHANGE]

    def full(ds: Dataset) -> np.ndarray:
        probabilities: np.ndarray = model.predict_proba(ds.X)[:, 1]
        return probabilities

    def whole_file(ds: Dataset) -> np.ndarray:
        X = ds.X.copy()
        X[:, hidden] = np.nan
        probabilities: np.ndarray = model.predict_proba(X)[:, 1]
        return probabilities

    return full, whole_file


def predict_fold(train: Dataset, test: Dataset) -> dict[str, np.ndarray]:
    full, whole = _fit_model(train)
    return {
        "model": full(test),
        "model_whole_file": whole(test),
        "la": _one_feature_logit("lines_added")(train)(test),
        "size": _one_feature_logit("loc")(train)(test),
    }


def _effort(ds: Dataset) -> np.ndarray:
    effort: np.ndarray = np.nan_to_num(ds.column("lines_added") + ds.column("lines_deleted"), nan=1.0)
    return effort


def _score(test: Dataset, predictions: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    return {name: all_metrics(test.y, p, _effort(test), test.weight) for name, p in predictions.items()}


def _pooled(folds: list[tuple[Dataset, dict[str, np.ndarray]]]) -> dict[str, dict[str, float]]:
    if not folds:
        return {}
    y = np.concatenate([f[0].y for f in folds])
    w = np.concatenate([f[0].weight for f in folds])
    effort = np.concatenate([_effort(f[0]) for f in folds])
    return {m: all_metrics(y, np.concatenate([f[1][m] for f in folds]), effort, w) for m in MODELS}


def leave_one_project_out(ds: Dataset, log: Callable[[str], None]) -> dict[str, Any]:
    per_project, folds = {}, []
    for repo in ds.repos:
        test_mask = ds.repo == repo
        test, train = ds.take(np.flatnonzero(test_mask)), ds.take(np.flatnonzero(~test_mask))
        predictions = predict_fold(train, test)
        folds.append((test, predictions))
        per_project[repo] = _score(test, predictions)
        log(f"cross-project {repo}: " + _brief(per_project[repo]))
    return {"per_project": per_project, "pooled": _pooled(folds)}


def within_project(ds: Dataset, log: Callable[[str], None]) -> dict[str, Any]:
    per_project, folds = {}, []
    for repo in ds.repos:
        index = np.flatnonzero(ds.repo == repo)
        times = ds.time[index]
        split = np.quantile(times, 1 - TEST_SHARE)
        train_idx = index[times < split - GAP_DAYS * 86400]
        test_idx = index[times >= split]
        train, test = ds.take(train_idx), ds.take(test_idx)
        if train.y.sum() < 3 or train.y.min() == train.y.max() or len(test.y) < 5:
            log(f"within-project {repo}: skipped (too few rows or positives before the split)")
            continue
        predictions = predict_fold(train, test)
        folds.append((test, predictions))
        per_project[repo] = _score(test, predictions)
        log(f"within-project {repo}: " + _brief(per_project[repo]))
    return {"per_project": per_project, "pooled": _pooled(folds), "gap_days": GAP_DAYS, "test_share": TEST_SHARE}


def _brief(metrics: dict[str, dict[str, float]]) -> str:
    return "  ".join(f"{m} AUC {metrics[m]['roc_auc']:.3f}" for m in MODELS if m in metrics)


def format_table(result: dict[str, Any], title: str) -> str:
    """Markdown table: per project and pooled, model next to baselines."""
    keys = ("roc_auc", "pr_auc", "brier", "popt", "recall_20_effort")
    header = "| project | rows (pos) | learner | ROC-AUC | PR-AUC | Brier | Popt | Recall@20%Effort |"
    lines = [f"### {title}", "", header, "|---|---|---|---|---|---|---|---|"]
    entries = [*sorted(result["per_project"].items()), ("**pooled**", result["pooled"])]
    for project, metrics in entries:
        for i, model in enumerate(MODELS):
            if model not in metrics:
                continue
            m = metrics[model]
            head = f"{project} | {int(m['rows'])} ({int(m['positives'])})" if i == 0 else " | "
            lines.append(f"| {head} | {model} | " + " | ".join(_fmt(m[k]) for k in keys) + " |")
    return "\n".join(lines)


def _fmt(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.3f}"


def summary(cross: dict[str, Any]) -> dict[str, float]:
    pooled = cross["pooled"]
    per = cross["per_project"]
    mean = {m: float(np.nanmean([per[p][m]["roc_auc"] for p in per])) for m in MODELS}
    return {
        "cross_project_pooled_auc": pooled["model"]["roc_auc"],
        "cross_project_pooled_auc_la": pooled["la"]["roc_auc"],
        "cross_project_mean_auc": mean["model"],
        "cross_project_mean_auc_la": mean["la"],
        "cross_project_pooled_auc_whole_file": pooled["model_whole_file"]["roc_auc"],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quality-hooks evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("dataset", help="mined dataset (.csv.gz)")
    parser.add_argument("--model", help="also report this ONNX model's in-sample fit on the dataset (reference only)")
    parser.add_argument("--json", dest="json_out", help="write all numbers to this JSON file")
    args = parser.parse_args(argv)
    # One OpenMP thread: deterministic, and far faster on a shared machine (spinning threads starve each other).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from threadpoolctl import threadpool_limits

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        ds = load_dataset(args.dataset, list(FEATURE_NAMES))
    except DatasetError as exc:
        print(f"quality-hooks evaluate: {exc}", file=sys.stderr)
        return 2
    with threadpool_limits(1):
        cross = leave_one_project_out(ds, log)
        within = within_project(ds, log)
    out = {"cross_project": cross, "within_project": within, "summary": summary(cross)}
    if args.model:
        out["in_sample_model"] = _in_sample(ds, args.model)
    print(format_table(cross, "Leave-one-project-out (cross-project)"))
    print()
    print(format_table(within, f"Time-ordered within-project (newest {TEST_SHARE:.0%}, {GAP_DAYS}-day gap)"))
    print()
    print(json.dumps(out["summary"], indent=2))
    if args.json_out:
        with open(args.json_out, "w") as handle:
            json.dump(out, handle, indent=1, sort_keys=True, default=float)
    return 0


def _in_sample(ds: Dataset, model_path: str) -> dict[str, float]:
    import onnxruntime as ort

    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    outputs = session.run(None, {session.get_inputs()[0].name: ds.X})
    risk = next(o for o in outputs if getattr(o, "ndim", 0) == 2)[:, 1]
    return all_metrics(ds.y, risk, _effort(ds), ds.weight)


if __name__ == "__main__":
    raise SystemExit(main())
