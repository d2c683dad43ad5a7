"""Which rules run on a path, with which options and severities."""

from __future__ import annotations

from typing import Any

from quality_hooks.analysis.rules import all_rules
from quality_hooks.analysis.rules.base import Rule
from quality_hooks.config import Config
from quality_hooks.results import Severity


def matches(rule: type[Rule], selector: str) -> bool:
    return selector == "ALL" or selector == rule.GROUP or rule.CODE.startswith(selector)


def enabled_rules(config: Config, path: str) -> tuple[list[tuple[type[Rule], dict[str, Any]]], dict[str, Severity]]:
    """Rules enabled for ``path`` with their options, and severity overrides.

    ``select`` replaces the default set (like ruff), ``ignore`` removes from it,
    and per-path overrides extend both.
    """
    lists, options = config.rule_settings(path)
    select, ignore = lists["select"], lists["ignore"]
    chosen: list[tuple[type[Rule], dict[str, Any]]] = []
    severities: dict[str, Severity] = {}
    for code, rule in all_rules().items():
        on = any(matches(rule, s) for s in select) if select else rule.ENABLED_BY_DEFAULT
        if on and any(matches(rule, s) for s in ignore):
            on = False
        if not on:
            continue
        rule_options = dict(options.get(code, {}))
        severity = rule_options.pop("severity", None)
        if severity:
            severities[code] = Severity(severity)
        chosen.append((rule, rule_options))
    return chosen, severities
