"""``models/calibration.png``: one reliability-diagram panel per bundled model.

Each trainer writes its model's bins (predicted risk vs observed rate, from
its out-of-project evaluation) to ``models/calibration-<model>.json`` with
:func:`write_bins`, then calls :func:`draw`, which renders every bins file
present. So the change-risk and the file-score trainers share one figure
without either one re-running the other.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Mapping, Sequence

FIGURE = "calibration.png"


def write_bins(out_dir: str, key: str, title: str, bins: Sequence[Mapping[str, float]]) -> str:
    """Store one model's reliability bins (``predicted``, ``observed``, ``rows`` per bin)."""
    path = os.path.join(out_dir, f"calibration-{key}.json")
    with open(path, "w") as handle:
        json.dump({"title": title, "bins": list(bins)}, handle, indent=1, sort_keys=True)
        handle.write("\n")
    return path


def draw(out_dir: str) -> str | None:
    """Render ``calibration.png`` from every ``calibration-*.json`` in ``out_dir`` (None when there is none)."""
    panels = []
    for path in sorted(glob.glob(os.path.join(out_dir, "calibration-*.json"))):
        with open(path) as handle:
            panels.append(json.load(handle))
    if not panels:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Fixed metadata and no timestamps: the same bins give the same PNG bytes.
    plt.rcParams["svg.hashsalt"] = "quality-hooks"
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4.6), squeeze=False)
    for axis, panel in zip(axes[0], panels, strict=True):
        predicted = [b["predicted"] for b in panel["bins"]]
        observed = [b["observed"] for b in panel["bins"]]
        top = max([*predicted, *observed, 0.05]) * 1.1
        axis.plot([0, top], [0, top], linestyle="--", color="grey", linewidth=1, label="perfect calibration")
        axis.plot(predicted, observed, marker="o", color="tab:blue", label="model (equal-count bins)")
        axis.set_xlim(0, top)
        axis.set_ylim(0, top)
        axis.set_xlabel("predicted probability")
        axis.set_ylabel("observed rate")
        axis.set_title(panel["title"], fontsize=10)
        axis.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    target = os.path.join(out_dir, FIGURE)
    figure.savefig(target, dpi=100, metadata={"Software": None})
    plt.close(figure)
    return target
