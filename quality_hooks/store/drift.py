"""Drift of the model's inputs: the features scored in production against those it was trained on.

Why: a model is only as good as the likeness of what it scores to what it
learnt from. The trainers ship each feature's training distribution beside
the model (``feature-quantiles.json``: decile edges, the training share in
each bin and the share with no value, see :mod:`quality_hooks.train.quantiles`).
Each pushed run carries its scored files' feature values (bounded); the store
counts them into those bins when the run arrives and keeps only the counts.
Over the last N default-branch runs it computes, per feature, the population
stability index

    PSI = sum over bins of (a - e) * ln(a / e)

with ``a`` the runs' share of values in a bin, ``e`` the training share (both
floored at :data:`FLOOR` so an empty bin stays finite). The usual reading:
below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a significant one
(the ``drift`` rule's default level). "No value" is a bin of its own: a CI job
in a shallow clone scores files without their history, and the model was not
trained on that.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from quality_hooks.store import repository as repo
from quality_hooks.store.db import Connection, Row
from quality_hooks.store.schemas import FeatureValuesIn

QUANTILES_FILE = "feature-quantiles.json"
FLOOR = 1e-4
#: The drift rule's level when the rule names none (a significant shift by the usual reading).
DEFAULT_LEVEL = 0.25
#: Runs the dashboard's panel looks back over.
DEFAULT_WINDOW = 10
#: Fewer values than this over the window give no verdict: the PSI of a handful of files is noise.
MIN_VALUES = 100
#: Features the dashboard lists (the most drifted first).
SHOWN = 8


@dataclass(frozen=True)
class Bins:
    """One feature's training distribution: bin ``i`` holds ``edges[i-1] < v <= edges[i]`` (at six significant
    digits, as the trainer compared); then "no value"."""

    edges: tuple[float, ...]
    #: Training shares per bin, the last one for "no value".
    expected: tuple[float, ...]

    def index(self, value: float | None) -> int:
        if value is None or math.isnan(value):
            return len(self.edges) + 1
        return bisect.bisect_left(self.edges, float(f"{value:.6g}"))  # as quantiles.significant compares


@dataclass(frozen=True)
class Reference:
    """The shipped training distributions; ``digest`` names them (counts made against others are not mixed in)."""

    digest: str
    models: dict[str, dict[str, Bins]]


@dataclass(frozen=True)
class FeatureDrift:
    model: str
    feature: str
    psi: float
    values: int


@dataclass(frozen=True)
class Measured:
    """A project's drift over a window: every feature with enough values, the most drifted first."""

    window: int
    features: list[FeatureDrift]

    @property
    def value(self) -> float | None:
        return self.features[0].psi if self.features else None


def reference_from(data: dict[str, Any]) -> Reference:
    """A :class:`Reference` from the JSON that :mod:`quality_hooks.train.quantiles` writes."""
    models = {
        model: {
            name: Bins(tuple(f["edges"]), (*f["fractions"], f["missing"]))
            for name, f in section.get("features", {}).items()
        }
        for model, section in data.get("models", {}).items()
    }
    text = json.dumps(data, sort_keys=True).encode()
    return Reference(hashlib.sha256(text).hexdigest()[:16], models)


@lru_cache(maxsize=1)
def shipped_reference() -> Reference | None:
    """The training distributions shipped with the bundled model (None when this installation has none)."""
    from quality_hooks.model.scorer import model_dirs

    for directory in model_dirs():
        path = directory / QUANTILES_FILE
        if path.is_file():
            try:
                return reference_from(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError):
                return None
    return None


def bin_counts(bins: Bins, values: Sequence[float | None]) -> list[int]:
    counts = [0] * len(bins.expected)
    for value in values:
        counts[bins.index(value)] += 1
    return counts


def psi(expected: Sequence[float], counts: Sequence[int]) -> float:
    """The population stability index of observed ``counts`` against ``expected`` shares (same bins)."""
    total = sum(counts)
    if not total:
        return 0.0
    score = 0.0
    for share, count in zip(expected, counts, strict=True):
        e, a = max(share, FLOOR), max(count / total, FLOOR)
        score += (a - e) * math.log(a / e)
    return score


def record_run(conn: Connection, run_pk: int, found: FeatureValuesIn, reference: Reference | None) -> int:
    """Count a run's feature values into the training bins and keep the counts; returns the features kept."""
    model = reference.models.get(found.model) if reference else None
    if reference is None or model is None:
        return 0
    rows = []
    for j, name in enumerate(found.names):
        bins = model.get(name)
        if bins is not None:
            counts = bin_counts(bins, [row[j] for row in found.rows])
            rows.append((run_pk, found.model, name, reference.digest, json.dumps(counts)))
    repo.add_feature_bins(conn, rows)
    return len(rows)


def measure(conn: Connection, project: Row, window: int, reference: Reference | None) -> Measured:
    """PSI per feature over the project's last ``window`` default-branch runs, against ``reference``."""
    if reference is None:
        return Measured(window, [])
    runs = [r["id"] for r in repo.default_branch_runs(conn, project, window)]
    totals: dict[tuple[str, str], list[int]] = {}
    for row in repo.feature_bins(conn, runs, reference.digest):
        counts = json.loads(row["counts"])
        key = (row["model"], row["feature"])
        totals[key] = [a + b for a, b in zip(totals.get(key, [0] * len(counts)), counts, strict=True)]
    found = []
    for (model, feature), counts in totals.items():
        bins = reference.models.get(model, {}).get(feature)
        if bins is not None and len(counts) == len(bins.expected) and sum(counts) >= MIN_VALUES:
            found.append(FeatureDrift(model, feature, round(psi(bins.expected, counts), 4), sum(counts)))
    found.sort(key=lambda f: (-f.psi, f.model, f.feature))
    return Measured(window, found)


def describe(measured: Measured, level: str, limit: float) -> str:
    """An alert's words: the features above ``limit`` (the largest when back to ``ok``)."""
    shown = measured.features[:3] if level == "ok" else [f for f in measured.features if f.psi > limit][:3]
    named = ", ".join(f"{f.feature} {f.psi:.2f}" for f in shown) or "none"
    if level == "ok":
        return f"feature drift back under {limit:g} over the last {measured.window} runs (largest PSI: {named})"
    return f"feature drift over the last {measured.window} runs: PSI {named} above the {level} level {limit:g}"


def reading(value: float) -> str:
    """The usual words for a PSI."""
    return "significant" if value > DEFAULT_LEVEL else "moderate" if value > 0.1 else "stable"


def drift_view(measured: Measured, shown: int | None = None) -> dict[str, Any]:
    """The API's view (every feature) and the dashboard's (the ``shown`` most drifted), with their reading."""
    return {
        "window": measured.window,
        "features": [
            {"model": f.model, "feature": f.feature, "psi": f.psi, "values": f.values, "status": reading(f.psi)}
            for f in measured.features[:shown]
        ],
    }
