"""``quality-hooks train --local``: a model trained on this repository's own history, installed only if it is better.

A project's own history often predicts its defects better than a model
trained on other projects (its conventions, its risky modules, its authors).
This command mines the repository with the ``mine`` command (the same miner
and feature extractor as the bundled model), then judges the local model
honestly before installing it: trained on the older 80% of the rows (in time
order), it must rank the newest 20% better (ROC-AUC) than the bundled model
does on the same rows. Lines added (LApredict) and file size are shown next
to both. Only then is it retrained on every row and written to
``.quality-hooks/model.onnx`` with ``model.json`` (features, training date,
figures) and ``MODEL_CARD.md``; the hook, ``check`` and the Action use it for
this repository from then on (see :func:`quality_hooks.model.scorer.load_model`).

Exit codes: 0 installed, 1 not installed (it does not beat the bundled model),
2 cannot train here (not a git repository, shallow clone, too little history).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from quality_hooks.model.scorer import LOCAL_DIR, Model, local_model_paths
from quality_hooks.model.scorer import load_change_model as bundled_model
from quality_hooks.train.dataset import Dataset

#: The newest share of the rows (by commit time) the local model is judged on.
TEST_SHARE = 0.2
#: Baselines on the same rows, fitted on the same older rows as the project's ``evaluate`` fits them.
BASELINES = {"lines added (LApredict)": "file_la", "file size (LOC)": "file_lt"}
LOCAL, BUNDLED = "local model", "bundled model"
METRICS = (("roc_auc", "ROC-AUC"), ("pr_auc", "PR-AUC"), ("brier", "Brier"), ("popt", "Popt"),
           ("recall_20_effort", "Recall@20%Effort"))  # fmt: skip
CARD_FILE = "MODEL_CARD.md"
MIN_POSITIVES = 2


class LocalTrainingError(Exception):
    """Training here is impossible (shallow clone, no history, too few rows); the message says why."""


@dataclass
class Evaluation:
    """The time-ordered split and each learner's figures on its newest rows."""

    train_rows: int
    test_rows: int
    test_positives: int
    test_from: int  # commit time of the oldest test row
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def gain(self) -> float:
        """Local minus bundled ROC-AUC on the same rows (NaN when either is undefined)."""
        return self.metrics[LOCAL]["roc_auc"] - self.metrics[BUNDLED]["roc_auc"]

    @property
    def beats_bundled(self) -> bool:
        return not math.isnan(self.gain) and self.gain > 0

    def to_dict(self) -> dict[str, Any]:
        return {"test_share": TEST_SHARE, "train_rows": self.train_rows, "test_rows": self.test_rows,
                "test_positives": self.test_positives, "test_from": _date(self.test_from),
                "roc_auc_gain_over_bundled": _finite(self.gain),
                "metrics": {k: {m: _finite(v) for m, v in d.items()} for k, d in self.metrics.items()}}  # fmt: skip


def newest_split(times: np.ndarray, share: float = TEST_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the older rows and of the newest ``share`` of them; rows of one moment stay together."""
    order = np.argsort(times, kind="stable")
    n_test = max(1, math.ceil(len(times) * share))
    boundary = times[order[len(times) - n_test]]
    return np.flatnonzero(times < boundary), np.flatnonzero(times >= boundary)


def evaluate(ds: Dataset, bundled: Model, fit: Callable[[Dataset], Callable[[np.ndarray], np.ndarray]]) -> Evaluation:
    """Fit on the older rows, then score the newest rows with every learner (same rows, same weights)."""
    from quality_hooks.train.evaluate import _effort, _one_feature_logit
    from quality_hooks.train.metrics import all_metrics

    train_idx, test_idx = newest_split(ds.time)
    train, test = ds.take(train_idx), ds.take(test_idx)
    for part, name in ((train, "older"), (test, "newest")):
        positives = int(part.y.sum())
        if positives < MIN_POSITIVES or len(part.y) - positives < MIN_POSITIVES:
            raise LocalTrainingError(f"too little history to judge a local model: the {name} rows have "
                                     f"{positives} defect-inducing of {len(part.y)}")  # fmt: skip
    names = bundled.names
    predictions = {
        LOCAL: fit(train.select(names))(test.select(names).X),
        BUNDLED: bundled.predict(test.select(names).X),
    }
    predictions |= {label: _one_feature_logit(column)(train)(test) for label, column in BASELINES.items()}
    metrics = {name: all_metrics(test.y, risk, _effort(test), test.weight) for name, risk in predictions.items()}
    return Evaluation(len(train.y), len(test.y), int(test.y.sum()), int(test.time.min()), metrics)


def fit_calibrated(ds: Dataset) -> Callable[[np.ndarray], np.ndarray]:
    """The bundled model's learner (:func:`quality_hooks.train.model.fit`) fitted on ``ds``; returns its risk."""
    from quality_hooks.train.model import fit

    model = fit(ds.X, ds.y, ds.weight, ds.time, ds.repo)
    return lambda X: np.asarray(model.predict_proba(X.astype(np.float32))[:, 1], dtype=np.float64)


def format_evaluation(evaluation: Evaluation) -> str:
    """The figures as a markdown table: printed by the command and kept in the card."""
    lines = [f"Time-ordered evaluation on the newest {TEST_SHARE:.0%} of the history "
             f"({evaluation.test_rows} rows from {_date(evaluation.test_from)[:10]}, {evaluation.test_positives} "
             f"defect-inducing; trained on the {evaluation.train_rows} older rows):", "",
             "| learner | " + " | ".join(title for _, title in METRICS) + " |",
             "|---" * (len(METRICS) + 1) + "|"]  # fmt: skip
    for name, values in evaluation.metrics.items():
        lines.append(f"| {name} | " + " | ".join(_fmt(values[key]) for key, _ in METRICS) + " |")
    return "\n".join(lines)


def mine(root: str, out_dir: str, jobs: int, gap_days: int | None) -> Dataset:
    """The repository's rows, mined by the ``mine`` command (cached in ``out_dir``), as the bundled model's columns."""
    from quality_hooks.mine.cli import main as mine_main
    from quality_hooks.train.dataset import DatasetError, load_dataset

    dataset = os.path.join(out_dir, "dataset.csv.gz")
    argv = [root, "--out", dataset, "--cache", os.path.join(out_dir, "mine"), "--jobs", str(jobs)]
    if gap_days is not None:
        argv += ["--gap-days", str(gap_days)]
    if mine_main(argv) != 0:
        raise LocalTrainingError(f"mining {root} failed (see the messages above)")
    try:
        return load_dataset(dataset)
    except DatasetError as exc:
        raise LocalTrainingError(str(exc)) from None


def install(root: str, ds: Dataset, evaluation: Evaluation, seconds: float) -> Path:
    """Retrain on every row and write the model, its metadata and its card under ``.quality-hooks/``."""
    from quality_hooks import __version__
    from quality_hooks.git import git
    from quality_hooks.train.model import fit, to_onnx
    from quality_hooks.train.reference import medians, quantiles

    ds = ds.select(bundled_model().names)
    model = fit(ds.X, ds.y, ds.weight, ds.time, ds.repo)
    model_path, meta_path = local_model_paths(root)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    (model_path.parent / ".gitignore").write_text("cache/\n")
    bundled = bundled_model()
    meta = {
        "kind": "local",
        "trained": _date(time.time()),
        "quality_hooks": __version__,
        "head": git(["rev-parse", "HEAD"], root).decode().strip(),
        "feature_version": bundled.meta.get("feature_version"),
        "features": bundled.names,
        "medians": medians(ds.X),
        "quantiles": quantiles(ds.X, ds.names),
        "score_mapping": bundled.meta.get("score_mapping"),
        "rows": len(ds.y),
        "positives": int(ds.y.sum()),
        "training_seconds": round(seconds),
        "evaluation": evaluation.to_dict(),
    }
    model_path.write_bytes(to_onnx(model, len(bundled.names)))
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    (model_path.parent / CARD_FILE).write_text(_card(root, meta, evaluation))
    return model_path


def _card(root: str, meta: dict[str, Any], evaluation: Evaluation) -> str:
    return (
        f"# Local quality model of {os.path.basename(root)}\n\n"
        f"Trained {meta['trained']} by quality-hooks {meta['quality_hooks']} on this repository's history up to "
        f"{meta['head'][:12]}: {meta['rows']} changed-file rows, {meta['positives']} of them defect-inducing "
        "(SZZ labels, the same miner and features as the bundled model).\n\n"
        "The hook, `check` and the Action score this repository's files with it instead of the bundled model; "
        "in a shallow clone (no history) they use the bundled model and say so. `quality-hooks score` names the "
        "model it used. Retrain with `quality-hooks train --local`; delete `.quality-hooks/` to go back to the "
        "bundled model.\n\n"
        f"{format_evaluation(evaluation)}\n\n"
        f"ROC-AUC gain over the bundled model on these rows: {evaluation.gain:+.3f}. "
        "The installed model is then retrained on every row.\n"
    )


def train_local(root: str, *, jobs: int, gap_days: int | None, log: Callable[[str], None]) -> int:
    """The whole command: 0 installed, 1 not better than the bundled model (nothing written)."""
    from threadpoolctl import threadpool_limits

    from quality_hooks.model.history import is_shallow

    if is_shallow(root):
        raise LocalTrainingError(f"{root} is a shallow clone: training needs the full history (git fetch --unshallow)")
    began = time.monotonic()
    cache = os.path.join(root, LOCAL_DIR, "cache")
    os.makedirs(cache, exist_ok=True)
    log(f"mining {root} ...")
    ds = mine(root, cache, jobs, gap_days)
    log(f"mined {len(ds.y)} rows ({int(ds.y.sum())} defect-inducing) in {time.monotonic() - began:.0f}s; evaluating")
    with threadpool_limits(1):
        evaluation = evaluate(ds, bundled_model(), fit_calibrated)
        print(format_evaluation(evaluation))
        if not evaluation.beats_bundled:
            local, bundled = (evaluation.metrics[k]["roc_auc"] for k in (LOCAL, BUNDLED))
            print(f"not installed: the local model does not beat the bundled model on the newest {TEST_SHARE:.0%} "
                  f"(ROC-AUC {_fmt(local)} vs {_fmt(bundled)}); the bundled model stays in use")  # fmt: skip
            return 1
        model_path = install(root, ds, evaluation, time.monotonic() - began)
    print(f"installed {model_path} (ROC-AUC {evaluation.gain:+.3f} over the bundled model on the newest "
          f"{TEST_SHARE:.0%}) in {time.monotonic() - began:.0f}s")  # fmt: skip
    return 0


def main(repo: str = ".", *, jobs: int = 2, gap_days: int | None = None) -> int:
    """Entry point for ``quality-hooks train --local`` (called by :mod:`quality_hooks.train.cli`)."""
    from quality_hooks.git import GitError, repo_root

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    tty = sys.stderr.isatty()

    def log(message: str) -> None:
        if tty:
            print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    try:
        root = repo_root(repo)
    except (GitError, OSError):
        print(f"quality-hooks train --local: {os.path.abspath(repo)} is not in a git repository", file=sys.stderr)
        return 2
    try:
        return train_local(root, jobs=jobs, gap_days=gap_days, log=log)
    except LocalTrainingError as exc:
        print(f"quality-hooks train --local: {exc}", file=sys.stderr)
        return 2


def _date(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def _fmt(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"
