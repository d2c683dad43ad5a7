"""Pass 1 (git only, cached): candidate rows with history stats and SZZ labels for one repository."""

from __future__ import annotations

import gzip
import json
import os
import time

from quality_hooks.mine.szz import label_pairs
from quality_hooks.mine.walk import Settings, candidates, load_commits, mass_reformats


def history_pass(repo: str, name: str, cache_dir: str, settings: Settings, log=print) -> dict:
    """Rows, labels and counts for ``repo``; read from ``cache_dir`` when already done."""
    out = os.path.join(cache_dir, "history.json.gz")
    if os.path.exists(out):
        with gzip.open(out, "rt") as handle:
            cached = json.load(handle)
        if cached.get("settings") == vars(settings):
            return cached
        log(f"{name}: cached history pass used other settings; redoing it")
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
        "rows": case_control(labelled, settings),
        "seconds": round(time.monotonic() - began, 1),
    }
    os.makedirs(cache_dir, exist_ok=True)
    tmp = out + ".tmp"
    with gzip.open(tmp, "wt") as handle:
        json.dump(data, handle)
    os.replace(tmp, out)
    log(f"{name}: history pass {data['seconds']}s, {data['candidate_positives']}/{len(rows)} candidate rows "
        f"defect-inducing, {len(data['rows'])} sampled")  # fmt: skip
    return data


def case_control(rows: list[dict], settings: Settings) -> list[dict]:
    """At most ``max_positives`` defect-inducing and ``max_negatives`` clean rows, in the (hash) order given.

    Each row's ``weight`` is the inverse of its class's sampling fraction, so
    weighted training and metrics describe the repository's real base rate.
    """
    chosen: list[dict] = []
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
