"""``quality-hooks evaluate DATASET``: the change-risk model against LApredict, honestly.

Three protocols, per project and pooled, every learner refitted per fold on the
same rows: leave-one-project-out (train on the other 18 projects, each
calibrated on its own newest rows, and test on every row of the held-out
project; every feature of a row is measured from history before it, ranks
included); the same, time-ordered (test on the held-out project's newest rows,
train only on the other projects' rows from before them, minus a gap); and
time-ordered within-project (train on the project's rows older than the split
minus a gap, test on the newer ones). Random splits are
not reported. ``--plot DIR`` adds the change-risk panel of the reliability diagram
(pooled leave-one-project-out predictions) to ``DIR/calibration.png``.
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

from quality_hooks.model.features import MODEL_FEATURES
from quality_hooks.train.dataset import Dataset, DatasetError, load_dataset
from quality_hooks.train.metrics import all_metrics

#: Within-project protocol: test on the newest share of each project's rows, with this gap before them.
TEST_SHARE = 0.3
GAP_DAYS = 90
MODELS = ("model", "la")
#: LApredict's one feature: lines added to the file.
LA_FEATURE = "file_la"


def _one_feature_logit(name: str) -> Callable[[Dataset], Callable[[Dataset], np.ndarray]]:
    def fit(train: Dataset) -> Callable[[Dataset], np.ndarray]:
        from sklearn.linear_model import LogisticRegression

        def x(ds: Dataset) -> np.ndarray:
            column: np.ndarray = np.log1p(np.nan_to_num(ds.column(name), nan=0.0).clip(min=0)).reshape(-1, 1)
            return column

        model = LogisticRegression(random_state=0).fit(x(train), train.y, sample_weight=train.weight)

        def predict(ds: Dataset) -> np.ndarray:
            risk: np.ndarray = model.predict_proba(x(ds))[:, 1]
            return risk

        return predict

    return fit


def _fit_model(train: Dataset) -> Callable[[Dataset], np.ndarray]:
    from quality_hooks.train.model import fit

    X = train.select(list(MODEL_FEATURES))
    model = fit(X.X, train.y, train.weight, train.time, train.repo)

    def predict(ds: Dataset) -> np.ndarray:
        risk: np.ndarray = model.predict_proba(ds.select(list(MODEL_FEATURES)).X)[:, 1]
        return risk

    return predict


def predict_fold(train: Dataset, test: Dataset) -> dict[str, np.ndarray]:
    return {"model": _fit_model(train)(test), "la": _one_feature_logit(LA_FEATURE)(train)(test)}


def _effort(ds: Dataset) -> np.ndarray:
    effort: np.ndarray = np.nan_to_num(ds.column("file_la") + ds.column("file_ld"), nan=1.0)
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


#: The dataset the fold workers read (inherited through fork, never pickled per task).
_DATASET: Dataset | None = None


def _fold(split: tuple[np.ndarray, np.ndarray]) -> dict[str, np.ndarray]:
    assert _DATASET is not None
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return predict_fold(_DATASET.take(split[0]), _DATASET.take(split[1]))


def _run_folds(ds: Dataset, splits: list[tuple[np.ndarray, np.ndarray]], jobs: int) -> list[dict[str, np.ndarray]]:
    """Every fold's predictions, ``jobs`` folds at a time (each fold alone is deterministic)."""
    global _DATASET
    _DATASET = ds
    if jobs <= 1:
        return [_fold(split) for split in splits]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_fold, splits))


def leave_one_project_out(ds: Dataset, log: Callable[[str], None], jobs: int = 1) -> dict[str, Any]:
    splits = [(np.flatnonzero(ds.repo != repo), np.flatnonzero(ds.repo == repo)) for repo in ds.repos]
    per_project, folds = {}, []
    for repo, (_, test_idx), predictions in zip(ds.repos, splits, _run_folds(ds, splits, jobs), strict=True):
        test = ds.take(test_idx)
        folds.append((test, predictions))
        per_project[repo] = _score(test, predictions)
        log(f"cross-project {repo}: " + _brief(per_project[repo]))
    pooled_y = np.concatenate([f[0].y for f in folds])
    pooled_risk = np.concatenate([f[1]["model"] for f in folds])
    return {"per_project": per_project, "pooled": _pooled(folds), "predictions": {"y": pooled_y, "model": pooled_risk}}


def _newest_split(ds: Dataset, repo: str, cross: bool) -> tuple[np.ndarray, np.ndarray]:
    """Test on ``repo``'s newest ``TEST_SHARE`` of rows; train on rows older than that split minus the gap:
    the project's own (within-project) or the other projects' (time-ordered leave-one-project-out)."""
    index = np.flatnonzero(ds.repo == repo)
    split = np.quantile(ds.time[index], 1 - TEST_SHARE)
    pool = np.flatnonzero(ds.repo != repo) if cross else index
    return pool[ds.time[pool] < split - GAP_DAYS * 86400], index[ds.time[index] >= split]


def _time_ordered(ds: Dataset, log: Callable[[str], None], jobs: int, cross: bool) -> dict[str, Any]:
    label = "time-ordered cross-project" if cross else "within-project"
    repos, splits = [], []
    for repo in ds.repos:
        train_idx, test_idx = _newest_split(ds, repo, cross)
        train_y = ds.y[train_idx]
        if train_y.sum() < 3 or train_y.min() == train_y.max() or len(test_idx) < 5:
            log(f"{label} {repo}: skipped (too few rows or positives before the split)")
            continue
        repos.append(repo)
        splits.append((train_idx, test_idx))
    per_project, folds = {}, []
    for repo, (_, test_idx), predictions in zip(repos, splits, _run_folds(ds, splits, jobs), strict=True):
        test = ds.take(test_idx)
        folds.append((test, predictions))
        per_project[repo] = _score(test, predictions)
        log(f"{label} {repo}: " + _brief(per_project[repo]))
    return {"per_project": per_project, "pooled": _pooled(folds), "gap_days": GAP_DAYS, "test_share": TEST_SHARE}


def within_project(ds: Dataset, log: Callable[[str], None], jobs: int = 1) -> dict[str, Any]:
    """Time-ordered within each project: its own older rows predict its newest ones."""
    return _time_ordered(ds, log, jobs, cross=False)


def time_ordered_cross_project(ds: Dataset, log: Callable[[str], None], jobs: int = 1) -> dict[str, Any]:
    """Leave-one-project-out, time-ordered: a held-out project's newest rows, predicted by a model that only
    saw the other projects' rows from before them (no knowledge of the future, from any project)."""
    return _time_ordered(ds, log, jobs, cross=True)


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


def summary(cross: dict[str, Any], prefix: str = "cross_project") -> dict[str, float]:
    pooled = cross["pooled"]
    per = cross["per_project"]
    mean = {m: float(np.nanmean([per[p][m]["roc_auc"] for p in per])) for m in MODELS}
    wins = sum(1 for p in per if per[p]["model"]["roc_auc"] > per[p]["la"]["roc_auc"])
    return {
        f"{prefix}_pooled_auc": pooled["model"]["roc_auc"],
        f"{prefix}_pooled_auc_la": pooled["la"]["roc_auc"],
        f"{prefix}_mean_auc": mean["model"],
        f"{prefix}_mean_auc_la": mean["la"],
        f"{prefix}_wins_over_la": float(wins),
        f"{prefix}_projects": float(sum(1 for p in per if not math.isnan(per[p]["model"]["roc_auc"]))),
    }


def reliability_bins(y: np.ndarray, risk: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Equal-count bins of predicted risk: mean prediction, observed defect rate and rows per bin."""
    order = np.argsort(risk, kind="stable")
    return [
        {"predicted": float(risk[part].mean()), "observed": float(y[part].mean()), "rows": float(len(part))}
        for part in np.array_split(order, bins)
        if len(part)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quality-hooks evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("dataset", help="mined dataset (.csv.gz)")
    parser.add_argument("--json", dest="json_out", help="write all numbers to this JSON file")
    parser.add_argument(
        "--plot",
        metavar="DIR",
        help="write the reliability bins of the pooled cross-project predictions to DIR/calibration-change-risk.json "
        "and redraw DIR/calibration.png (one panel per model)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="folds fitted at once (default: %(default)s)")
    args = parser.parse_args(argv)
    # One OpenMP thread: deterministic, and far faster on a shared machine (spinning threads starve each other).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from threadpoolctl import threadpool_limits

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        ds = load_dataset(args.dataset)
    except DatasetError as exc:
        print(f"quality-hooks evaluate: {exc}", file=sys.stderr)
        return 2
    with threadpool_limits(1):
        cross = leave_one_project_out(ds, log, args.jobs)
        within = within_project(ds, log, args.jobs)
        cross_time = time_ordered_cross_project(ds, log, args.jobs)
    predictions = cross.pop("predictions")
    out = {"cross_project": cross, "cross_project_time_ordered": cross_time, "within_project": within,
           "summary": summary(cross) | summary(cross_time, "cross_project_time_ordered")}  # fmt: skip
    if args.plot:
        from quality_hooks.train.calibration import draw, write_bins

        bins = reliability_bins(predictions["y"], predictions["model"])
        write_bins(args.plot, "change-risk", "Change risk (leave-one-project-out)", bins)
        draw(args.plot)
    print(format_table(cross, "Leave-one-project-out (cross-project)"))
    print()
    print(format_table(within, f"Time-ordered within-project (newest {TEST_SHARE:.0%}, {GAP_DAYS}-day gap)"))
    print()
    print(format_table(cross_time, f"Time-ordered leave-one-project-out (newest {TEST_SHARE:.0%}, {GAP_DAYS}-day gap)"))
    print()
    print(json.dumps(out["summary"], indent=2))
    if args.json_out:
        with open(args.json_out, "w") as handle:
            json.dump(out, handle, indent=1, sort_keys=True, default=float)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
