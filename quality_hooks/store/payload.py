"""The run payload: what one CI run sends to the store.

The Action and ``quality-hooks push`` both build it here so they cannot drift.
It is plain JSON (no server dependency); the server validates it with the
pydantic models in :mod:`quality_hooks.store.schemas`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quality_hooks.git import GitError, git

PAYLOAD_VERSION = 1
#: Drift monitoring's share of a run: the model inputs of at most this many files (an even spread), so many features.
MAX_FEATURE_FILES = 200
MAX_FEATURES = 64
#: Whose inputs they are: a whole-file score is the file model's (models/file-features.json's ``model``).
FILE_SCORE_MODEL = "file-score"
SEVERITIES = ("info", "warning", "error")
_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")
_PULL_REF = re.compile(r"^refs/pull/(\d+)/")


@dataclass(frozen=True)
class RunContext:
    """Where a run happened: the idempotency key is ``(commit, run_id)``."""

    commit: str
    run_id: str
    branch: str | None = None
    pull_request: int | None = None
    base_commit: str | None = None
    #: The repository's default branch (the event's repository, else ``origin/HEAD``, else the pushed branch).
    default_branch: str | None = None
    #: The commit's committer time (Unix seconds): the store charts runs on it.
    commit_time: int | None = None

    def problems(self) -> list[str]:
        """Why the store would refuse this context, in words (empty when fine)."""
        found = []
        if not _SHA.match(self.commit or ""):
            found.append(f"commit {self.commit!r} is not a hex commit id")
        if self.base_commit and not _SHA.match(self.base_commit):
            found.append(f"base commit {self.base_commit!r} is not a hex commit id")
        if not self.run_id:
            found.append("run id is empty")
        return found


def _git(args: list[str], cwd: str | Path | None) -> str | None:
    """One line of git output, or None: git is only a fallback for what the CI variables did not say."""
    try:
        out = git(args, str(cwd or "."), timeout=10).decode(errors="replace").strip()
    except GitError:
        return None
    return out or None


def _event(env: Mapping[str, str]) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def context_from_env(env: Mapping[str, str] | None = None, cwd: str | Path | None = None) -> RunContext:
    """Read the run's context from GitHub Actions variables, falling back to git.

    On a pull request the commit is the PR head (not GitHub's merge commit) and
    the base commit is the PR's base, so the store can compare like with like.
    """
    env = os.environ if env is None else env
    event = _event(env)
    raw_pull = event.get("pull_request")
    pull: dict[str, Any] = raw_pull if isinstance(raw_pull, dict) else {}
    number = _pull_number(pull, env)
    commit = (pull.get("head") or {}).get("sha") or env.get("GITHUB_SHA") or _git(["rev-parse", "HEAD"], cwd) or ""
    run_id = env.get("GITHUB_RUN_ID")
    branch = _branch(env, cwd, on_pull_request=bool(number))
    return RunContext(
        commit=commit,
        run_id=f"{run_id}-{env.get('GITHUB_RUN_ATTEMPT', '1')}" if run_id else f"local-{commit[:12]}",
        branch=branch,
        pull_request=int(number) if number else None,
        base_commit=(pull.get("base") or {}).get("sha"),
        default_branch=default_branch_of(event, cwd) or (branch if not number else None),
        commit_time=commit_time_of(commit, event, cwd),
    )


def default_branch_of(event: Mapping[str, Any], cwd: str | Path | None) -> str | None:
    """The event's ``repository.default_branch``, else what ``origin/HEAD`` points at (None when neither says)."""
    repository = event.get("repository")
    named = repository.get("default_branch") if isinstance(repository, dict) else None
    if isinstance(named, str) and named:
        return named
    remote = _git(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"], cwd)
    return remote.split("/", 1)[1] if remote and "/" in remote else None


def commit_time_of(commit: str, event: Mapping[str, Any], cwd: str | Path | None) -> int | None:
    """The commit's committer time from git, else the push event's ``head_commit.timestamp``."""
    if _SHA.match(commit or ""):
        found = _git(["log", "-1", "--format=%ct", commit, "--"], cwd)
        if found and found.isdigit():
            return int(found)
    head = event.get("head_commit")
    stamp = head.get("timestamp") if isinstance(head, dict) else None
    if isinstance(stamp, str) and (head or {}).get("id") == commit:
        try:
            return int(dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())
        except ValueError:
            return None
    return None


def _pull_number(pull: dict[str, Any], env: Mapping[str, str]) -> Any:
    """The event's PR number, else the one in a ``refs/pull/N/...`` ref (None when neither)."""
    number = pull.get("number")
    if number is None and (match := _PULL_REF.match(env.get("GITHUB_REF", ""))):
        return int(match.group(1))
    return number


def _branch(env: Mapping[str, str], cwd: str | Path | None, *, on_pull_request: bool) -> str | None:
    """The branch name; None for GitHub's PR merge ref and for a detached HEAD."""
    branch = (
        env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME") or _git(["rev-parse", "--abbrev-ref", "HEAD"], cwd)
    )
    if branch and on_pull_request and branch.endswith("/merge"):
        return None
    return branch if branch != "HEAD" else None


def _count_findings(findings: Iterable[Mapping[str, Any]]) -> tuple[dict[str, int], int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    new = 0
    for finding in findings:
        severity = finding.get("severity", "warning")
        counts[severity if severity in counts else "warning"] += 1
        new += finding.get("status", "new") == "new"
    return counts, new


def file_entry(result: Mapping[str, Any]) -> dict[str, Any]:
    """One file of the payload from one ``FileResult.to_dict()``."""
    metrics = result.get("metrics") or {}
    score = result.get("score") or {}
    # A file's score is the file model's (the new version as a whole when a change was judged).
    whole = result.get("whole_file_score") or score
    findings, new = _count_findings(result.get("findings") or [])
    return {
        "path": str(result.get("path", "")),
        "score": whole.get("score"),
        "risk": score.get("risk"),
        "complexity": metrics.get("cyclomatic_total"),
        "sloc": metrics.get("sloc"),
        "maintainability": _bounded(metrics.get("maintainability")),
        "findings": findings,
        "new_findings": new,
        "error": result.get("error"),
        "why": [str(f["text"])[:300] for f in whole.get("factors") or [] if f.get("text")][:3],
    }


def _bounded(index: Any) -> float | None:
    """The maintainability index rounded into 0-100 (what the store accepts), None when not measured."""
    return None if index is None else round(min(max(float(index), 0.0), 100.0), 2)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def feature_values(results: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The whole-file scores' input values, bounded, for the store's drift monitoring (None: no file has them)."""
    names: list[str] = []
    rows: list[list[float | None]] = []
    for result in results:
        score = result.get("whole_file_score") or result.get("score") or {}
        values = score.get("features")
        if isinstance(values, Mapping) and values:
            names = names or [str(name) for name in values][:MAX_FEATURES]
            rows.append([_number(values.get(name)) for name in names])
    if not rows:
        return None
    step = len(rows) / MAX_FEATURE_FILES
    picked = rows if len(rows) <= MAX_FEATURE_FILES else [rows[int(i * step)] for i in range(MAX_FEATURE_FILES)]
    return {"model": FILE_SCORE_MODEL, "names": names, "rows": picked}


def _weighted_mean(files: list[dict[str, Any]], key: str) -> float | None:
    scored: list[tuple[float, int]] = [
        (f[key], max(int(f.get("sloc") or 0), 1)) for f in files if f.get(key) is not None and not f["error"]
    ]
    if not scored:
        return None
    total_weight = sum(weight for _, weight in scored)
    return round(sum(value * weight for value, weight in scored) / total_weight, 4)


def totals(files: list[dict[str, Any]]) -> dict[str, Any]:
    """Project-level figures: score and risk weighted by code size, counts summed."""
    findings = {s: sum(f["findings"][s] for f in files) for s in SEVERITIES}
    return {
        "files": len(files),
        "errors": sum(1 for f in files if f["error"]),
        "score": _weighted_mean(files, "score"),
        "risk": _weighted_mean(files, "risk"),
        "complexity": sum(int(f["complexity"] or 0) for f in files),
        "sloc": sum(int(f["sloc"] or 0) for f in files),
        "maintainability": _weighted_mean(files, "maintainability"),
        "findings": findings,
        "new_findings": sum(f["new_findings"] for f in files),
    }


def build_run_payload(results: Iterable[Any], context: RunContext, tool_version: str | None = None) -> dict[str, Any]:
    """The store payload from ``FileResult`` objects (or their ``to_dict()``)."""
    dicts = [r if isinstance(r, Mapping) else r.to_dict() for r in results]
    files = [file_entry(r) for r in dicts]
    if tool_version is None:
        from quality_hooks import __version__ as tool_version
    return {
        "schema_version": PAYLOAD_VERSION,
        "commit": context.commit.lower(),
        "run_id": context.run_id,
        "branch": context.branch,
        "pull_request": context.pull_request,
        "base_commit": context.base_commit.lower() if context.base_commit else None,
        "tool_version": tool_version,
        "default_branch": context.default_branch,
        "commit_time": iso_utc(context.commit_time),
        "totals": totals(files),
        "files": files,
        "feature_values": feature_values(dicts),
    }


def iso_utc(timestamp: float | None) -> str | None:
    """ISO 8601 in UTC (``2026-11-30T18:41:07Z``); None stays None (the pusher did not say)."""
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def payload_from_report(report: Mapping[str, Any], context: RunContext) -> dict[str, Any]:
    """The store payload from the JSON report of ``quality-hooks check --format json``."""
    files = report.get("files")
    if not isinstance(files, list) or not all(isinstance(f, Mapping) for f in files):
        raise ValueError("report has no 'files' list of file results")
    tool = report.get("tool")
    version = tool.get("version") if isinstance(tool, Mapping) else None
    return build_run_payload(files, context, tool_version=str(version)[:64] if version else None)
