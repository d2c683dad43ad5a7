"""MODEL_CARD.md: what the bundled change-risk model was trained on, how it was checked, and how good it is.

Other models' sections (the file score) are included from ``file-score-card.md``
next to the dataset when that file exists, so one card describes every
bundled model.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import numpy as np

from quality_hooks.train.dataset import Dataset
from quality_hooks.train.evaluate import GAP_DAYS, TEST_SHARE, format_table

TARGET_AUC, TARGET_MARGIN, TARGET_WINS = 0.78, 0.05, 14


def _read_json(path: str) -> dict[str, Any] | None:
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _data_table(ds: Dataset, mining: dict[str, Any] | None) -> str:
    lines = ["| repository | commits | fix commits (blamed) | rows | defect-inducing rows |", "|---|---|---|---|---|"]
    repos = (mining or {}).get("repositories", {})
    for repo in ds.repos:
        mask = ds.repo == repo
        m = repos.get(repo, {})
        commits, fixes, blamed = (
            m.get("commits", "?"),
            m.get("fix_commits_total", "?"),
            m.get("fix_commits_blamed", "?"),
        )
        lines.append(f"| {repo} | {commits} | {fixes} ({blamed}) | {int(mask.sum())} | {int(ds.y[mask].sum())} |")
    return "\n".join(lines)


def _verdict(evaluation: dict[str, Any]) -> str:
    s = evaluation["summary"]
    auc, la = s["cross_project_pooled_auc"], s["cross_project_pooled_auc_la"]
    wins, projects = int(s["cross_project_wins_over_la"]), int(s["cross_project_projects"])
    checks = [
        (f"pooled ROC-AUC >= {TARGET_AUC}", auc >= TARGET_AUC, f"{auc:.3f}"),
        (f"at least {TARGET_MARGIN} above LApredict", auc - la >= TARGET_MARGIN,
         f"{auc - la:+.3f} (LApredict {la:.3f})"),
        (f"above LApredict in at least {TARGET_WINS} of the 19 projects", wins >= TARGET_WINS,
         f"{wins} of {projects} projects with both classes"),
    ]  # fmt: skip
    lines = ["| target | met | measured |", "|---|---|---|"]
    lines += [f"| {name} | {'yes' if ok else '**no**'} | {value} |" for name, ok, value in checks]
    met = all(ok for _, ok, _ in checks)
    head = "**All change-risk targets met.**" if met else "**Change-risk targets NOT all met.**"
    mean = (f"Mean over projects: model {s['cross_project_mean_auc']:.3f}, LApredict "
            f"{s['cross_project_mean_auc_la']:.3f}.")  # fmt: skip
    text = [head, "", *lines, "", mean]
    if "cross_project_time_ordered_pooled_auc" in s:
        auc_t, la_t = s["cross_project_time_ordered_pooled_auc"], s["cross_project_time_ordered_pooled_auc_la"]
        text += ["", f"Time-ordered leave-one-project-out (each held-out project's newest {TEST_SHARE:.0%}, predicted "
                 f"from the other projects' rows older than them): pooled ROC-AUC {auc_t:.3f} against LApredict "
                 f"{la_t:.3f} ({auc_t - la_t:+.3f}); above LApredict in "
                 f"{int(s['cross_project_time_ordered_wins_over_la'])} of "
                 f"{int(s['cross_project_time_ordered_projects'])} projects."]  # fmt: skip
    return "\n".join(text)


def _pooled_line(evaluation: dict[str, Any]) -> str:
    pooled = evaluation["cross_project"]["pooled"]
    parts = []
    for key, label in (("pr_auc", "PR-AUC"), ("brier", "Brier"), ("popt", "Popt"), ("recall_20_effort", "Recall@20%")):
        a, b = pooled["model"][key], pooled["la"][key]
        if not (math.isnan(a) or math.isnan(b)):
            parts.append(f"{label} {a:.3f} vs {b:.3f}")
    return "Pooled, model vs LApredict: " + "; ".join(parts) + "."


#: The issue's target for mining every training repository's whole history on this 2-core machine.
MINING_TARGET_MINUTES = 20


def _mining_cost(mining: dict[str, Any] | None) -> str:
    """What mining cost, from ``mining-summary.json``: a cold run's recorded work, not a cached re-run's time."""
    if not mining:
        return ""
    seconds = mining.get("mining_seconds")
    cost = mining.get("cost") or {}
    if not cost:
        return f" The last mining run took {seconds} s of wall time (`mining-summary.json`)."
    cpu = {stage: spent.get("cpu", 0.0) / 60 for stage, spent in cost.items()}
    wall = {stage: spent.get("wall", 0.0) / 60 for stage, spent in cost.items()}
    unrecorded = sum(int(spent.get("unrecorded", 0)) for spent in cost.values())
    files = sum(int(spent.get("files", 0)) for spent in cost.values())
    if unrecorded == files:
        return (f" The cache this dataset was built from was filled before mining recorded its costs, so a cold run's "
                f"time is not known from it (target: {MINING_TARGET_MINUTES} minutes; see the notes below). The run "
                f"that wrote this dataset took {seconds} s, reading that cache (`mining-summary.json`).")  # fmt: skip
    stages = ", ".join(f"{stage} {cpu[stage]:.1f}" for stage in ("replay", "szz", "static") if stage in cpu)
    text = (
        f" Mining's recorded work, summed over the runs that filled the cache: {sum(cpu.values()):.1f} CPU-minutes "
        f"({stages}; each task's own process and its git and ruff children), {sum(wall.values()):.1f} task-minutes "
        f"of wall time on the shared, loaded 2-core machine; on 2 cores an unloaded cold run "
        f"needs at least {sum(cpu.values()) / 2:.1f} minutes (target: {MINING_TARGET_MINUTES})."
    )
    if unrecorded:
        text += f" {unrecorded} of {files} cache files were mined before costs were recorded and are not in these sums."
    if not mining.get("static", True):
        text += " The static pass was skipped (`--no-static`)."
    return text + f" The run that wrote this dataset took {seconds} s (`mining-summary.json`)."


def _used_features(names: list[str]) -> str:
    """The model's features for the card, the token counts as one group (there are a couple of hundred)."""
    tokens = [n for n in names if n.startswith("tok_")]
    listed = ", ".join(f"`{n}`" for n in names if not n.startswith("tok_"))
    if not tokens:
        return listed
    return f"{listed} and {len(tokens)} token counts (`tok_add_*` and `tok_del_*`, e.g. `{tokens[0]}`)"


def write_card(
    path: str, ds: Dataset, meta: dict[str, Any], evaluation: dict[str, Any] | None, dataset_path: str
) -> None:
    here = os.path.dirname(os.path.abspath(dataset_path))
    mining = _read_json(os.path.join(here, "mining-summary.json"))
    bugsinpy = _read_json(os.path.join(here, "bugsinpy-recall.json"))
    parts = [
        "# Quality model card",
        "",
        "## Change risk",
        "",
        "The bundled change-risk model (`change-risk.onnx`, features in `change-risk.json`) estimates the "
        "probability that a change to a Python file introduces a defect. The hook scores a staged change against "
        "HEAD, CI (`--base`) the change since the merge base; every history feature is measured as of that parent, "
        "exactly as mining measured it before each commit. Generated by `quality-hooks train`; the numbers below "
        "come from `quality-hooks evaluate` on the committed dataset. Files a change does not touch, and every "
        "file of a plain `check`, get the file score below instead.",
        "",
        "### Data",
        "",
        f"- Dataset: `{os.path.basename(dataset_path)}` (sha256 `{meta['dataset_sha256'][:16]}…`): {meta['rows']} "
        f"rows, {meta['positives']} defect-inducing, from the {len(ds.repos)} repositories of "
        "`training-repos.txt`: every (non-merge commit with a parent, changed non-test, non-vendored `.py` file) of "
        "each repository's whole history except the label gap (the newest 365 days, whose defects may not be fixed "
        "yet) and mass-reformatting commits. No sampling; no source code is stored (commit ids, paths, numbers)."
        + _mining_cost(mining),
        "- Labels: SZZ. Fix commits are detected from the message (bug words such as fix/bug/crash/regression, or "
        "closing issue references; chore subjects such as typo/docs/CI/lint/typing/tests excluded; "
        "`quality_hooks/model/history.py`). For each fix, `git diff -w -U0` against its parent gives the deleted or "
        "modified lines of non-test `.py` files; blank, comment-only and docstring lines are skipped; `git blame -w` "
        "on the parent over the whole history (mass-reformatting commits ignored through `--ignore-revs-file`: the "
        "project's `.git-blame-ignore-revs` plus commits touching >= 20 `.py` files that are formatting by message "
        "or by a whitespace-insensitive diff under 25% of the plain diff) names the introducing (commit, path) pairs.",
    ]  # fmt: skip
    if bugsinpy:
        parts.append(f"- Fix detector recall on BugsInPy's verified fixes in the training repositories: "
                     f"**{bugsinpy['detected']}/{bugsinpy['found']} = {bugsinpy['recall']:.3f}**.")  # fmt: skip
    parts += ["", _data_table(ds, mining), "", "### Features", "",
              f"{len(meta['features'])} features (feature version {meta['feature_version']}), each computed by one "
              "extractor in `quality_hooks/model/features.py` for mining and scoring alike: Kamei et al.'s change "
              "metrics over the change's Python files (NS, ND, NF, entropy, LA, LD, LT, NDEV, AGE, NUC, EXP, REXP, "
              "SEXP; FIX is left out because the commit message does not exist when the pre-commit hook runs), the "
              "same per file (lines added/deleted, lines before, earlier changes and fixes, developers, days since "
              "the last change and since the first, changes in the last 90 days, fixes in the last 365, the author's "
              "commits in the file's subsystem, new file) and ratios and path facts (fix ratio, relative churn, "
              "share of the change, `__init__.py`, docs/examples/scripts/setup files, depth), the kinds of lines the "
              "file's patch adds and deletes (code, comment-only, blank; `quality_hooks/model/diff_lines.py` counts "
              "git's own `-U0` patch: `git log -M -p` in mining, `git diff -M` in the hook and CI) and the change's "
              "static delta (functions touched, cyclomatic complexity added; the ast fast path in mining, the "
              "engine's analysis in the hook), and what the patch's code lines are made of: counts of a fixed "
              "vocabulary of Python keywords, builtins and common names, operators, literals, names and "
              "indentation on the added and on the deleted code lines (`quality_hooks/model/diff_tokens.py`, fed "
              "by the same patch; only counts are stored). Used: " + _used_features(meta["features"]) + ".",
              ""]  # fmt: skip
    parts += ["### Model", "",
              "scikit-learn `HistGradientBoostingClassifier` (fixed seed, single thread), calibrated with a sigmoid "
              "on each training repository's newest 20% of rows, exported with skl2onnx and run with onnxruntime "
              "only at hook time. `score = round(100 * (1 - risk), 1)`; the factors shown are the features whose "
              "replacement by the training median lowers the risk most.", ""]  # fmt: skip
    if evaluation:
        parts += [
            "### Evaluation",
            "",
            _verdict(evaluation),
            "",
            _pooled_line(evaluation),
            "",
            "Every learner is refitted in every fold on the same rows. Leave-one-project-out: trained on the "
            "other 18 repositories (each calibrated on its own newest rows), tested on every row of the held-out "
            "one; every feature of a row is measured from history before it, ranks included. `la` = LApredict "
            "(logistic regression on log lines added to the file). Effort-aware metrics rank by risk per "
            "changed line. The reliability diagram of the pooled leave-one-project-out predictions is "
            "`calibration.png`.",
            "",
            format_table(evaluation["cross_project"], "Leave-one-project-out (cross-project)"),
            "",
        ]
        if "cross_project_time_ordered" in evaluation:
            parts += [format_table(evaluation["cross_project_time_ordered"],
                                   f"Time-ordered leave-one-project-out (each held-out project's newest "
                                   f"{TEST_SHARE:.0%} of rows tested, trained on the other projects' rows older than "
                                   f"its split minus {GAP_DAYS} days)"), ""]  # fmt: skip
        parts += [
                  format_table(evaluation["within_project"],
                               f"Time-ordered within-project (newest {TEST_SHARE:.0%} of each project's rows tested, "
                               f"trained on rows older than the split minus {GAP_DAYS} days)"), ""]  # fmt: skip
    for extra in ("model-notes.md", "file-score-card.md"):
        notes = os.path.join(here, extra)
        if os.path.exists(notes):
            with open(notes) as handle:
                parts += [handle.read().rstrip(), ""]
    parts += ["## Reproduce", "", "```",
              "REPOS=$(grep -v '^#' training-repos.txt | sed 's#/#+#; s#^#/work/.mirror/#; s#$#/repo#')",
              "quality-hooks mine $REPOS --cache /work/cache/mine --out models/dataset.csv.gz",
              "quality-hooks evaluate models/dataset.csv.gz --json models/evaluation.json \\",
              "    --plot models --jobs 2",
              "quality-hooks train models/dataset.csv.gz --evaluation models/evaluation.json",
              "```", "",
              "`train` is deterministic: the same dataset gives the same `change-risk.onnx`, byte for byte.", "",
              "## Limitations", "",
              "- SZZ labels are noisy (fixes not named as fixes, blame through refactorings).",
              "- History follows renames that `git log -M` detects; a file's history is lost across undetected ones.",
              f"- Defect-inducing share of the rows: {float(np.mean(ds.y)):.2f}.",
              ""]  # fmt: skip
    with open(path, "w") as handle:
        handle.write("\n".join(parts))
