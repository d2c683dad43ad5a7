"""Run every enabled rule over one parsed module in a single batched visit.

:func:`run_rules` is the one way rules run, for ``check``, ``fix`` and the
rule examples alike: it is the only place that knows metric-based rules.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from quality_hooks.analysis import traverse
from quality_hooks.analysis.metrics.functions import FunctionCollector
from quality_hooks.analysis.rules.base import MetricRule, Report, Rule
from quality_hooks.analysis.rules.fix_helpers import fix_safety, keeps_comments
from quality_hooks.results import Finding, Severity

_SUPPRESS = re.compile(r"#\s*quality:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?")
ALL = "*"
#: A line whose findings stay but whose fixes are not applied (``# type: ignore``); see other_tools.
NO_FIX = "!fix"


@dataclass
class RuleRun:
    """What one visit produced: findings, and the fixes to apply (same order)."""

    findings: list[Finding]
    fixes: list[Report]


def suppressions(text: str, external: bool = False) -> dict[int, set[str]]:
    """Map line number -> suppressed codes (``{"*"}`` for all).

    A ``# quality: ignore`` comment suppresses findings on its own line and on the line
    below it, so it can sit above a long statement. With ``external``, other tools'
    comments count too (``# noqa``, ``# pylint: disable=``, ``# type: ignore``; see
    :mod:`quality_hooks.analysis.other_tools`).
    """
    result: dict[int, set[str]] = {}
    if external:
        from quality_hooks.analysis.other_tools import other_tool_suppressions

        result = other_tool_suppressions(text)
    if "quality:" not in text:
        return result
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        match = _SUPPRESS.search(line)
        if not match:
            continue
        codes = {c.strip().upper() for c in (match.group(1) or "").split(",") if c.strip()} or {ALL}
        for target in (number, number + 1):
            result.setdefault(target, set()).update(codes)
    return result


def is_suppressed(table: Mapping[int, set[str]], code: str, line: int) -> bool:
    """Whether a finding of ``code`` that starts on ``line`` is suppressed."""
    codes = table.get(line)
    return bool(codes and (ALL in codes or code in codes))


def fingerprint(code: str, lines: Sequence[str], line: int, end_line: int) -> str:
    """A hash of the rule and the finding's code, whitespace-insensitive.

    It ignores the line number, so a baseline entry survives code moving.
    """
    snippet = "\n".join(" ".join(text.split()) for text in lines[line - 1 : min(end_line, line + 4)])
    return hashlib.sha1(f"{code}\x00{snippet}".encode()).hexdigest()[:16]


def instantiate(rules: Iterable[tuple[type[Rule], Mapping[str, Any]]], path: str) -> list[Rule]:
    return [rule_cls(dict(options), path) for rule_cls, options in rules]


def run_rules(
    wrapper: MetadataWrapper,
    rules: Iterable[tuple[type[Rule], Mapping[str, Any]]],
    path: str,
    text: str,
    severities: Mapping[str, Severity] | None = None,
    collector: FunctionCollector | None = None,
    external_suppressions: bool = True,
) -> RuleRun:
    """Run ``rules`` (from :func:`~quality_hooks.analysis.selection.enabled_rules`) on one module.

    Tree rules share one batched visit with the function collector; metric
    rules then judge what it measured, so no rule walks the tree twice. The
    engine passes its own ``collector`` because it keeps the measurements as
    the file's function metrics; otherwise one is made only when a metric rule
    needs it (a fix round runs none).
    """
    visitors = instantiate(rules, path)
    tree_rules: list[cst.BatchableCSTVisitor] = [v for v in visitors if not isinstance(v, MetricRule)]
    metric_rules = [v for v in visitors if isinstance(v, MetricRule)]
    if collector is None and metric_rules:
        collector = FunctionCollector()
    measuring = [] if collector is None else [collector]
    traverse.visit_batched(wrapper, [*tree_rules, *measuring])
    measured = [] if collector is None else collector.measured
    for rule in metric_rules:
        rule.check(measured)
    return collect(wrapper, visitors, text, severities, external_suppressions)


def collect(
    wrapper: MetadataWrapper,
    visitors: Sequence[Rule],
    text: str,
    severities: Mapping[str, Severity] | None = None,
    external_suppressions: bool = True,
) -> RuleRun:
    """Turn the visitors' reports into positioned, unsuppressed findings (other tools' comments count too)."""
    reports = [report for visitor in visitors for report in visitor.reports]
    if not reports:
        return RuleRun([], [])
    positions = wrapper.resolve(PositionProvider)
    table = suppressions(text, external_suppressions)
    lines = text.splitlines()
    findings: list[Finding] = []
    fixes: list[Report] = []
    for report in reports:
        where: CodeRange = positions[report.node]
        line, end_line = where.start.line, where.end.line
        code = report.rule.CODE
        if is_suppressed(table, code, line):
            continue
        severity = (severities or {}).get(code, report.rule.SEVERITY)
        if NO_FIX in table.get(line, ()):
            report.replacement = None  # `# type: ignore` on the line: reported, never rewritten
        edits_comments = report.rule.FIX_EDITS_COMMENTS
        if (
            report.replacement is not None
            and not edits_comments
            and not keeps_comments(report.node, report.replacement, text)
        ):
            report.replacement = None  # it would move or drop a comment: reported, never fixed
        fixed = report.replacement
        findings.append(
            Finding(
                code=code,
                message=report.message,
                line=line,
                column=where.start.column + 1,
                end_line=end_line,
                end_column=where.end.column + 1,
                severity=severity,
                fixable=fixed is not None,
                fix_safety=None if fixed is None else fix_safety(report.rule, report.node, fixed),
                fingerprint=fingerprint(code, lines, line, end_line),
            )
        )
        if fixed is not None:
            fixes.append(report)
    findings.sort(key=lambda f: (f.line, f.column, f.code))
    return RuleRun(findings, fixes)


class _Replacer(cst.CSTTransformer):
    """Swap reported nodes (by identity) for their replacements.

    Only the paths from the module down to the fixed nodes are rebuilt: every
    other subtree is left untouched, which makes a fix round cost a small
    fraction of a full LibCST transform.
    """

    def __init__(self, fixes: Sequence[Report], paths: set[int] | None) -> None:
        super().__init__()
        self.pending: dict[int, Report] = {}
        for fix in fixes:
            self.pending.setdefault(id(fix.node), fix)
        self.paths = paths

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.pending:
            return False  # fixes nested inside another fix wait for the next round
        return self.paths is None or id(node) in self.paths

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        fix = self.pending.get(id(original_node))
        return updated_node if fix is None else fix.replacement


def ancestors(events: Sequence[cst.CSTNode | None], targets: Iterable[cst.CSTNode]) -> set[int]:
    """Ids of every node that contains one of ``targets``, from a source-order event list."""
    wanted = {id(node) for node in targets}
    stack: list[cst.CSTNode] = []
    found: set[int] = set()
    for event in events:
        if event is None:
            stack.pop()
            continue
        if id(event) in wanted:
            found.update(id(node) for node in stack)
        stack.append(event)
    return found


def apply_fixes(
    module: cst.Module, fixes: Sequence[Report], events: Sequence[cst.CSTNode | None] | None = None
) -> cst.Module:
    """Apply non-overlapping fixes in one transform; outer fixes win this round.

    ``events`` (from :class:`quality_hooks.analysis.positions.FastPositions`) lets the
    transform skip every subtree that holds no fix.
    """
    if not fixes:
        return module
    paths = ancestors(events, [fix.node for fix in fixes]) if events is not None else None
    return module.visit(_Replacer(fixes, paths))
