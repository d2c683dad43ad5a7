"""``quality-hooks train DATASET``: fit, calibrate and export the bundled change-risk model.

Writes ``change-risk.onnx``, ``change-risk.json`` (the features it uses, in
order, versions and training medians for the factor explanation) and
``MODEL_CARD.md`` (and the training distribution's section in
``feature-quantiles.json``, for the store's drift monitoring) into ``--out`` (default ``models/``, which the wheel ships
as package data). Deterministic: fixed seeds, single-threaded, rows in
dataset order, so the same dataset gives the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence

from quality_hooks.model.features import CHANGE_FEATURE_VERSION, MODEL_FEATURES
from quality_hooks.model.scorer import CHANGE_META_FILE, CHANGE_MODEL_FILE
from quality_hooks.train.dataset import DatasetError, load_dataset
from quality_hooks.train.quantiles import record_feature_quantiles
from quality_hooks.train.reference import medians, quantiles

MODEL_VERSION = 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quality-hooks train", description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", help="mined dataset (.csv.gz)")
    parser.add_argument("--out", default="models", help="output directory (default: %(default)s)")
    parser.add_argument("--evaluation", help="evaluation JSON (from `quality-hooks evaluate --json`) for the card")
    local = parser.add_argument_group("training on this repository's own history")
    local.add_argument("--local", action="store_true", help="mine the current repository and install a local model")
    local.add_argument("--repo", default=".", help="with --local: the repository (default: the current one)")
    local.add_argument("--jobs", type=int, default=2, help="with --local: mining worker processes")
    local.add_argument("--gap-days", type=int, help="with --local: the miner's label gap (default: the miner's)")
    args = parser.parse_args(argv)
    if args.local:
        from quality_hooks.train.local import main as train_local

        return train_local(args.repo, jobs=args.jobs, gap_days=args.gap_days)
    if args.dataset is None:
        parser.error("a DATASET is required (or --local)")
    # One OpenMP thread: deterministic, and far faster on a shared machine (spinning threads starve each other).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from threadpoolctl import threadpool_limits

    from quality_hooks.train.card import write_card
    from quality_hooks.train.model import SEED, fit, to_onnx

    try:
        ds = load_dataset(args.dataset, list(MODEL_FEATURES))
    except DatasetError as exc:
        print(f"quality-hooks train: {exc}", file=sys.stderr)
        return 2
    began = time.monotonic()
    with threadpool_limits(1):
        model = fit(ds.X, ds.y, ds.weight, ds.time, ds.repo)
        onnx_bytes = to_onnx(model, len(MODEL_FEATURES))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, CHANGE_MODEL_FILE), "wb") as handle:
        handle.write(onnx_bytes)
    with open(args.dataset, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    meta = {
        "model_version": MODEL_VERSION,
        "feature_version": CHANGE_FEATURE_VERSION,
        "features": list(MODEL_FEATURES),
        "medians": medians(ds.X),
        "quantiles": quantiles(ds.X, ds.names),
        "score_mapping": "score = round(100 * (1 - risk), 1)",
        "dataset_sha256": digest,
        "rows": len(ds.y),
        "positives": int(ds.y.sum()),
        "repositories": ds.repos,
        "seed": SEED,
    }
    with open(os.path.join(args.out, CHANGE_META_FILE), "w") as handle:
        json.dump(meta, handle, indent=1)
        handle.write("\n")
    evaluation = None
    if args.evaluation:
        with open(args.evaluation) as handle:
            evaluation = json.load(handle)
    write_card(os.path.join(args.out, "MODEL_CARD.md"), ds, meta, evaluation, args.dataset)
    record_feature_quantiles(args.out, "change-risk", ds.names, ds.X)
    print(f"trained on {len(ds.y)} rows ({int(ds.y.sum())} defect-inducing) in {time.monotonic() - began:.0f}s; "
          f"wrote {args.out}/{CHANGE_MODEL_FILE}, {CHANGE_META_FILE}, MODEL_CARD.md")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
