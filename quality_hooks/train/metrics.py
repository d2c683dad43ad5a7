"""Evaluation metrics, weighted by the case-control sampling weights.

Effort-aware metrics rank rows by predicted risk per changed line (risk
density; effort = lines added + deleted, at least 1), the usual effort-aware
JIT setting, for every model and baseline alike.
"""

from __future__ import annotations

import numpy as np


def _weighted_curve(
    order: np.ndarray, y: np.ndarray, effort: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    effort_w, defects_w = (effort * w)[order], (y * w)[order]
    x = np.concatenate([[0.0], np.cumsum(effort_w) / effort_w.sum()])
    yy = np.concatenate([[0.0], np.cumsum(defects_w) / max(defects_w.sum(), 1e-12)])
    return x, yy


def _area(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))


def popt(y: np.ndarray, risk: np.ndarray, effort: np.ndarray, w: np.ndarray) -> float:
    """Kamei's Popt: 1 - (optimal area - model area) / (optimal area - worst area)."""
    if y.sum() == 0 or y.sum() == len(y):
        return float("nan")
    density = y / effort
    model = np.lexsort((effort, -(risk / effort)))
    best = np.lexsort((effort, -density))
    worst = np.lexsort((-effort, density))
    a_model, a_best, a_worst = (_area(*_weighted_curve(o, y, effort, w)) for o in (model, best, worst))
    return 1.0 - (a_best - a_model) / max(a_best - a_worst, 1e-12)


def recall_at_effort(y: np.ndarray, risk: np.ndarray, effort: np.ndarray, w: np.ndarray, share: float = 0.2) -> float:
    """Share of (weighted) defect-inducing rows found within ``share`` of the total changed lines."""
    if y.sum() == 0:
        return float("nan")
    order = np.lexsort((effort, -(risk / effort)))
    x, found = _weighted_curve(order, y, effort, w)
    return float(found[np.searchsorted(x, share, side="right") - 1])


def all_metrics(y: np.ndarray, risk: np.ndarray, effort: np.ndarray, w: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    effort = np.maximum(np.nan_to_num(effort, nan=1.0), 1.0)
    one_class = y.min() == y.max()
    return {
        "roc_auc": float("nan") if one_class else float(roc_auc_score(y, risk, sample_weight=w)),
        "pr_auc": float("nan") if one_class else float(average_precision_score(y, risk, sample_weight=w)),
        "brier": float(brier_score_loss(y, risk, sample_weight=w)),
        "popt": popt(y, risk, effort, w),
        "recall_20_effort": recall_at_effort(y, risk, effort, w),
        "rows": float(len(y)),
        "positives": float(y.sum()),
    }
