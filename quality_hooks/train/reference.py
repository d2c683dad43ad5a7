"""Reference values shipped inside a model's metadata: training medians and quantiles per feature.

The factor explanation replaces a feature by its training median to measure
what it adds; the quantiles let a sentence say "more than 90% of the training
projects' changes" where the repository's own history is unknown (a shallow
clone, a file outside git). Every model (change risk, file score, local)
writes both from the same functions here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The quantiles written per feature: 5%, 10%, ..., 95%.
QUANTILE_LEVELS = np.linspace(0.05, 0.95, 19)


def medians(X: np.ndarray) -> list[float | None]:
    """Training medians per feature (None for a feature never measured)."""
    out: list[float | None] = []
    for column in X.T.astype(np.float64):
        finite = column[~np.isnan(column)]
        out.append(float(np.median(finite)) if finite.size else None)
    return out


def quantiles(X: np.ndarray, names: Sequence[str]) -> dict[str, list[float]]:
    """The 5%..95% quantiles of each measured feature over the training rows, rounded to 4 decimals."""
    out = {}
    for name, column in zip(names, X.T.astype(np.float64), strict=True):
        finite = column[~np.isnan(column)]
        if finite.size:
            out[name] = [round(float(v), 4) for v in np.quantile(finite, QUANTILE_LEVELS)]
    return out
