"""Run one rule on a snippet the way the engine does, for rule examples and tests.

The rule runs alone in a batched visit; a :class:`MetricRule` shares that
visit with the function collector, whose own cyclomatic count stands in for
radon's (it follows radon's rules), so no radon run is needed here.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper

from quality_hooks.analysis import traverse
from quality_hooks.analysis.metrics.functions import FunctionCollector
from quality_hooks.analysis.rules.base import MetricRule, Rule
from quality_hooks.analysis.rules.runner import RuleRun, apply_fixes, collect
from quality_hooks.results import Finding

MAX_ROUNDS = 10


@dataclass
class FixOutcome:
    code: str
    rounds: int
    findings: list[Finding]


def example_source(text: str) -> str:
    """An example's code: triple-quoted examples may be indented and start with a newline."""
    text = textwrap.dedent(text)
    return text[1:] if text.startswith("\n") else text


def _visit(rule: type[Rule], code: str, options: Mapping[str, Any] | None) -> tuple[cst.Module, RuleRun]:
    module = cst.parse_module(code)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    visitor = rule(dict(options or {}), "<example>")
    if isinstance(visitor, MetricRule):
        collector = FunctionCollector()
        traverse.visit_batched(wrapper, [collector])
        visitor.check(collector.measured)
    else:
        traverse.visit_batched(wrapper, [visitor])
    return module, collect(wrapper, [visitor], code)


def findings(rule: type[Rule], code: str, options: Mapping[str, Any] | None = None) -> list[Finding]:
    """What ``rule`` alone reports on ``code``."""
    return _visit(rule, code, options)[1].findings


def fix(rule: type[Rule], code: str, options: Mapping[str, Any] | None = None) -> FixOutcome:
    """Apply the rule's fixes in rounds until nothing changes (at most MAX_ROUNDS).

    Raises AssertionError when a round produces code that does not parse or
    compile, or when the fixes do not settle.
    """
    current = code
    first: list[Finding] | None = None
    for rounds in range(MAX_ROUNDS + 1):
        module, run = _visit(rule, current, options)
        if first is None:
            first = run.findings
        if not run.fixes:
            return FixOutcome(current, rounds, first)
        fixed = apply_fixes(module, run.fixes).code
        assert_valid_python(rule, fixed)
        if fixed == current:
            return FixOutcome(current, rounds, first)
        current = fixed
    raise AssertionError(f"{rule.CODE}: fixes not stable after {MAX_ROUNDS} rounds:\n{current}")


def assert_valid_python(rule: type[Rule], code: str) -> None:
    try:
        cst.parse_module(code)
        compile(code, "<fixed>", "exec", dont_inherit=True)
    except (cst.ParserSyntaxError, SyntaxError) as exc:
        raise AssertionError(f"{rule.CODE} produced code that does not parse: {exc}\n{code}") from None
