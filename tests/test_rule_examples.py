"""Every example of every rule, run through check's engine and fix's loop with only that rule selected."""

from __future__ import annotations

import subprocess
import sys

import pytest

from quality_hooks.analysis.rules import all_rules
from quality_hooks.analysis.rules.base import GROUPS, Invalid, Rule, Valid
from quality_hooks.analysis.rules.testing import example_source, findings, fix

RULES = all_rules()


def _examples(kind: str) -> list[tuple[type[Rule], int, Valid | Invalid]]:
    return [(rule, index, example) for rule in RULES.values() for index, example in enumerate(getattr(rule, kind))]


def _id(case: tuple[type[Rule], int, object]) -> str:
    return f"{case[0].CODE}-{case[1]}"


@pytest.mark.parametrize("case", _examples("VALID"), ids=_id)
def test_valid_example_has_no_finding(case: tuple[type[Rule], int, Valid]) -> None:
    rule, _, example = case
    found = findings(rule, example_source(example.code), example.options)
    assert found == [], [f"{f.line}:{f.column} {f.message}" for f in found]


@pytest.mark.parametrize("case", _examples("INVALID"), ids=_id)
def test_invalid_example_is_flagged_and_fixed(case: tuple[type[Rule], int, Invalid]) -> None:
    rule, _, example = case
    code = example_source(example.code)
    found = findings(rule, code, example.options)
    assert found, f"{rule.CODE} found nothing in:\n{code}"
    assert all(f.code == rule.CODE for f in found)
    if example.line is not None:
        assert found[0].line == example.line
    outcome = fix(rule, code, example.options)
    assert outcome.rejected == [], f"{rule.CODE} offered fixes that break the code:\n{code}"
    if example.expected_fix is not None:
        assert outcome.fixed == example_source(example.expected_fix)
    else:
        assert not outcome.changed, f"{rule.CODE} changed code it has no expected fix for:\n{outcome.diff()}"
    # The loop stopped because the rule had nothing left to fix, not because a
    # fix changed nothing or the round limit was hit.
    left = [f"{f.line}:{f.column} {f.message}" for f in findings(rule, outcome.fixed, example.options) if f.fixable]
    assert left == [], f"{rule.CODE} still offers fixes after fixing:\n{outcome.fixed}"


def test_registry_is_not_empty() -> None:
    assert len(RULES) >= 20


@pytest.mark.parametrize("rule", list(RULES.values()), ids=lambda r: r.CODE)
def test_rule_contract(rule: type[Rule]) -> None:
    assert rule.VALID, f"{rule.CODE} has no VALID example"
    assert rule.INVALID, f"{rule.CODE} has no INVALID example"
    assert rule.CODE.startswith("QH") and rule.CODE[2:].isdigit()
    assert rule.NAME and rule.NAME.lower() == rule.NAME and " " not in rule.NAME and "_" not in rule.NAME
    assert rule.DESCRIPTION and "\n" not in rule.DESCRIPTION
    assert rule.GROUP in GROUPS
    assert all(key == key.lower() and "_" not in key for key in rule.OPTIONS)
    for example in [*rule.VALID, *rule.INVALID]:
        assert set(example.options) <= set(rule.OPTIONS), f"{rule.CODE} example uses unknown options"
    if rule.FIXABLE:
        assert any(example.expected_fix is not None for example in rule.INVALID), f"{rule.CODE} shows no fix"
    else:
        assert all(example.expected_fix is None for example in rule.INVALID)


def test_codes_and_names_are_unique() -> None:
    names = [rule.NAME for rule in RULES.values()]
    assert len(names) == len(set(names))
    assert all(code == rule.CODE for code, rule in RULES.items())


def test_metrics_do_not_import_rules() -> None:
    """Rules depend on metrics (metric rules read them), never the reverse."""
    code = "import sys, quality_hooks.analysis.metrics.functions, quality_hooks.analysis.metrics.radon_metrics\n"
    code += "print(sorted(m for m in sys.modules if m.startswith('quality_hooks.analysis.rules')))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
