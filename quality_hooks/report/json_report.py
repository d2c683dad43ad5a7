"""The versioned JSON report (schema in README: "JSON report schema")."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from quality_hooks import __version__
from quality_hooks.results import SCHEMA_VERSION, FileResult, GateVerdict

if TYPE_CHECKING:
    from quality_hooks.pipeline import CheckRun
    from quality_hooks.report import ReportOptions


def summary(results: Sequence[FileResult]) -> dict[str, Any]:
    findings = [f for r in results for f in r.findings]
    scored = [r.score for r in results if r.score is not None]
    return {
        "files": len(results),
        "errors": sum(1 for r in results if r.error),
        "findings": len(findings),
        "new_findings": sum(1 for f in findings if f.status == "new"),
        "existing_findings": sum(1 for f in findings if f.status == "existing"),
        "baseline_findings": sum(1 for f in findings if f.status == "baseline"),
        "by_severity": {
            s: sum(1 for f in findings if f.severity.value == s and f.status == "new")
            for s in ("error", "warning", "info")
        },
        "max_complexity": max((r.metrics.cyclomatic_max for r in results if r.metrics), default=0),
        "min_maintainability": min((r.metrics.maintainability for r in results if r.metrics), default=100.0),
        "score": min((s.score for s in scored), default=None),
        "risk": max((s.risk for s in scored), default=None),
    }


def build(
    results: Sequence[FileResult], verdict: GateVerdict, context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    files = []
    for result in results:
        data = result.to_dict()
        data["improvements"] = list(result.improvements)
        if result.change is not None:
            data["change"] = result.change.to_dict()
        if result.base is not None and result.base.score is not None:
            data["base_score"] = result.base.score.to_dict()
        if result.whole_file_score is not None:
            data["whole_file_score"] = result.whole_file_score.to_dict()
        files.append(data)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "quality-hooks", "version": __version__},
        "context": dict(context or {}),
        "gate": verdict.to_dict(),
        "summary": summary(results),
        "files": files,
    }


def render(run: CheckRun, options: ReportOptions) -> str:
    """The report of ``run``; its context carries the run's notes."""
    return json.dumps(build(run.results, run.verdict, {**run.context, "notes": run.notes}), indent=2, sort_keys=False)
