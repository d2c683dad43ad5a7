"""Pass 1 (git only, cached): candidate rows with history stats and SZZ labels for one repository."""

from __future__ import annotations

import gzip
import json
import os
import time
from collections.abc import Callable
from typing import Any

from quality_hooks.mine.szz import label_pairs
from quality_hooks.mine.walk import Settings, candidates, load_commits, mass_reformats


def history_pass(
    repo: str, name: str, cache_dir: str, settings: Settings, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Rows, labels and counts for ``repo``; read from ``cache_dir`` when already done.

    The cache holds every labelled candidate row; the case-control sample is
    drawn on load, so changing the sample sizes does not redo SZZ.
    """
    out = os.path.join(cache_dir, "history.json.gz")
    if os.path.exists(out):
        with gzip.open(out, "rt") as handle:
            cached = json.load(handle)
        if "candidate_rows" in cached and _window(cached["settings"]) == _window(vars(settings)):
            return _sampled(cached, settings)
        log(f"{name}: cached history pass used another window or format; redoing it")
    began = time.monotonic()
    commits = load_commits(repo)
    known = {c.sha for c in commits}
    reformats = mass_reformats(repo, commits) & known
    rows, start, cutoff = candidates(name, commits, reformats, settings)
    fixes = [c for c in commits if c.is_fix and c.parents and c.sha not in reformats and c.time >= start]
    log(f"{name}: {len(commits)} commits, {len(fixes)} fix commits to blame, {len(reformats)} reformats, "
        f"{len(rows)} rows")  # fmt: skip
    pairs = label_pairs(repo, fixes, start, reformats)
    labelled = [{**vars(r), "label": int((r.sha, r.path) in pairs)} for r in rows]
    data = {
        "repo": name,
        "settings": vars(settings),
        "window_start": start,
        "cutoff": cutoff,
        "commits": len(commits),
        "fix_commits_total": sum(c.is_fix for c in commits),
        "fix_commits_blamed": len(fixes),
        "reformats": sorted(reformats),
        "candidates": len(labelled),
        "candidate_positives": sum(r["label"] for r in labelled),
        "candidate_rows": labelled,
        "seconds": round(time.monotonic() - began, 1),
    }
    os.makedirs(cache_dir, exist_ok=True)
    tmp = out + ".tmp"
    with gzip.open(tmp, "wt") as handle:
        json.dump(data, handle)
    os.replace(tmp, out)
    data = _sampled(data, settings)
    log(f"{name}: history pass {data['seconds']}s, {data['candidate_positives']}/{len(rows)} candidate rows "
        f"defect-inducing, {len(data['rows'])} sampled")  # fmt: skip
    return data


def _window(settings: dict[str, Any]) -> tuple[Any, ...]:
    return settings.get("gap_days"), settings.get("window_days")


def _sampled(data: dict[str, Any], settings: Settings) -> dict[str, Any]:
    rows = case_control([dict(r) for r in data["candidate_rows"]], settings)
    return {**{k: v for k, v in data.items() if k != "candidate_rows"}, "settings": vars(settings), "rows": rows}


def case_control(rows: list[dict[str, Any]], settings: Settings) -> list[dict[str, Any]]:
    """At most ``max_positives`` defect-inducing and ``max_negatives`` clean rows, in the (hash) order given.

    Each row's ``weight`` is the inverse of its class's sampling fraction, so
    weighted training and metrics describe the repository's real base rate.
    """
    chosen: list[dict[str, Any]] = []
    limits = {1: settings.max_positives, 0: settings.max_negatives}
    totals = {1: sum(r["label"] for r in rows), 0: sum(1 - r["label"] for r in rows)}
    taken = {0: 0, 1: 0}
    for row in rows:
        if taken[row["label"]] < limits[row["label"]]:
            taken[row["label"]] += 1
            chosen.append(row)
    for row in chosen:
        row["weight"] = totals[row["label"]] / taken[row["label"]]
    return chosen
