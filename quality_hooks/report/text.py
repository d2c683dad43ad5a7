"""Plain text: ``path:line:col: CODE message`` lines, then a summary per file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from quality_hooks.results import FileResult, GateVerdict

if TYPE_CHECKING:
    from quality_hooks.pipeline import CheckRun
    from quality_hooks.report import ReportOptions


def render_file(result: FileResult, show_existing: bool = False) -> list[str]:
    if result.error is not None:
        return [f"{result.error}"]
    lines = []
    for finding in result.findings:
        if finding.status != "new" and not show_existing:
            continue
        marker = "" if finding.status == "new" else f" [{finding.status}]"
        lines.append(f"{result.path}:{finding.line}:{finding.column}: {finding.label} {finding.message}{marker}")
    return lines


def summary_line(result: FileResult) -> str:
    """One line per file: verdict, counts, the headline metrics."""
    if result.error is not None:
        return f"{result.path}: not analysed (error above)"
    counts = {"new": 0, "existing": 0, "baseline": 0}
    for finding in result.findings:
        counts[finding.status] = counts.get(finding.status, 0) + 1
    parts = [f"{counts['new']} new"]
    if counts["existing"]:
        parts.append(f"{counts['existing']} pre-existing")
    if counts["baseline"]:
        parts.append(f"{counts['baseline']} baselined")
    metrics = result.metrics
    if metrics is not None:
        parts.append(f"MI {metrics.maintainability:.0f}")
        parts.append(f"max CC {metrics.cyclomatic_max}")
        parts.append(f"max cognitive {metrics.cognitive_max}")
    if result.score is not None and result.change is not None:
        parts.append(f"change risk {result.score.risk:.2f}")
    file_score = result.whole_file_score if result.change is not None else result.score
    if file_score is not None:
        parts.append(f"score {file_score.score:.0f}")
    verdict = "ok"
    if result.gate is not None and result.gate.reasons:
        verdict = "FAILED" if not result.gate.passed else "warning"
    return f"{result.path}: {verdict}: " + ", ".join(parts)


def render(run: CheckRun, options: ReportOptions) -> str:
    """The run's notes, the findings, then one summary line per file and the verdict."""
    results, verdict = run.results, run.verdict
    out: list[str] = []
    for result in results:
        out += render_file(result, options.show_existing)
    if out:
        out.append("")
    for result in results:
        out.append(summary_line(result))
        if result.score is not None and result.score.factors:
            # The top factors of the shown number (the change risk for a change, else the file score), in words.
            out.append("  why: " + "; ".join(str(f.get("text") or f.get("feature")) for f in result.score.factors))
        if result.gate is not None:
            out += [
                f"  {reason.level.value}: {reason.message}"
                for reason in result.gate.reasons
                if reason.check != "analysis"
            ]
        out += [f"  improved: {improvement}" for improvement in result.improvements]
    out.append(totals_line(results, options.show_existing))
    out.append(verdict_line(results, verdict))
    return "\n".join([*(f"note: {note}" for note in run.notes), *out])


def totals_line(results: Sequence[FileResult], show_existing: bool = False) -> str:
    """``12 findings (3 bug-risk, 9 readability); 7 fixable with quality-hooks fix`` over the listed findings.

    Fixable counts only what ``quality-hooks fix`` applies (our own fixes; ruff's are never applied): safe
    fixes by default, unsafe ones (H11's fix-safety classes) counted apart as needing ``--unsafe-fixes``.
    """
    from quality_hooks.analysis.equivalents import group_of
    from quality_hooks.analysis.rules.base import GROUPS

    listed = [f for r in results for f in r.findings if show_existing or f.status == "new"]
    groups = Counter(group_of(f.code) for f in listed)
    parts = [f"{groups[group]} {group}" for group in GROUPS if groups[group]]
    ours = [f for f in listed if f.fixable and f.fix_safety is not None]
    safe = sum(1 for f in ours if f.fix_safety == "safe")
    noun = "finding" if len(listed) == 1 else "findings"
    text = f"{len(listed)} {noun}" + (f" ({', '.join(parts)})" if parts else "")
    if safe:
        text += f"; {safe} fixable with quality-hooks fix"
    if len(ours) > safe:
        text += f"; {len(ours) - safe} more with quality-hooks fix --unsafe-fixes"
    return text


def verdict_line(results: Sequence[FileResult], verdict: GateVerdict) -> str:
    """The verdict, and when it failed the one reason that failed it first (``path:line: why``)."""
    files = f"{len(results)} file{'s' if len(results) != 1 else ''}"
    if verdict.passed:
        return f"quality gate passed ({files}, level {verdict.level.value})"
    for result in results:
        if result.gate is None or result.gate.passed:
            continue
        first = next(r for r in result.gate.reasons if r.level is result.gate.level)
        # An analysis error already starts with the file's name (``x.py: cannot read: ...``).
        where = "" if first.message.startswith(f"{result.path}:") else f"{result.path}: "
        return f"quality gate failed ({files}, level {verdict.level.value}): {where}{first.message}"
    return f"quality gate failed ({files}, level {verdict.level.value})"
