"""Apply auto-fixes until the code is stable.

Each fix has a class (:func:`fix_class`): ``safe`` fixes keep behaviour and line
numbers and are applied by default; ``unsafe`` ones only with ``--unsafe-fixes``
or the rule's ``fix-policy``. A fix classed safe that would add or remove lines
is treated as unsafe. (A fix that would move a comment off its line is never
offered: :func:`~quality_hooks.analysis.rules.fix_helpers.keeps_comments`.)

A fix is kept only if the resulting module still parses and compiles (the
original must, or it is not fixed at all); a round whose combined fixes break
the code is retried fix by fix so one bad fix cannot block the good ones.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper

from quality_hooks.analysis import positions
from quality_hooks.analysis.limits import FileTimeout, deep_recursion, time_budget, timeout_message, too_deep
from quality_hooks.analysis.parse import parse_module
from quality_hooks.analysis.rules.base import Report, Rule
from quality_hooks.analysis.rules.fix_helpers import fix_safety
from quality_hooks.analysis.rules.runner import apply_fixes, run_rules
from quality_hooks.analysis.selection import enabled_rules
from quality_hooks.config import Config
from quality_hooks.source import SourceError, SourceFile

MAX_ROUNDS = 10


@dataclass
class FixOutcome:
    path: str
    original: str
    fixed: str
    #: Rounds that changed the code; a fix nested in another's node waits for the next round.
    rounds: int = 0
    #: Fixes dropped because they would have broken the code.
    rejected: list[str] = field(default_factory=list)
    #: Codes of the unsafe fixes left out in the last round (``--unsafe-fixes`` applies them).
    unsafe_skipped: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.fixed != self.original

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.fixed.splitlines(keepends=True),
                fromfile=self.path,
                tofile=self.path,
            )
        )


def _valid(text: str, path: str) -> cst.Module | None:
    """The fixed text's tree, if CPython and LibCST both still accept it."""
    try:
        return parse_module(path, text)
    except SourceError:
        return None


def fix_class(rule: type[Rule], config: Config) -> str:
    """``safe``, ``unsafe`` or ``off``: the rule's own class unless ``fix-policy`` says otherwise."""
    return config.fix_policy.get(rule.CODE, rule.FIX_SAFETY)


def applicable(fix: Report, config: Config) -> str:
    """``apply``, ``unsafe`` (left for ``--unsafe-fixes``) or ``never`` for one fix."""
    policy = config.fix_policy.get(fix.rule.CODE) or fix_safety(fix.rule, fix.node, fix.replacement)
    if policy == "off":
        return "never"
    if policy == "safe":
        return "apply"
    return "apply" if config.unsafe_fixes else "unsafe"


def _round_fixes(
    module: cst.Module, config: Config, path: str, text: str, outcome: FixOutcome
) -> tuple[list[Report], list[cst.CSTNode | None]]:
    """This round's unsuppressed, applicable fixes, and the traversal's event list (to rebuild only what changes)."""
    rules, severities = enabled_rules(config, path)
    fixable = [(rule, options) for rule, options in rules if rule.FIXABLE and fix_class(rule, config) != "off"]
    outcome.unsafe_skipped = []
    if not fixable:
        return [], []
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    fixes: list[Report] = []
    for fix in run_rules(
        wrapper, fixable, path, text, severities, external_suppressions=config.external_suppressions
    ).fixes:
        verdict = applicable(fix, config)
        if verdict == "apply":
            fixes.append(fix)
        elif verdict == "unsafe":
            outcome.unsafe_skipped.append(fix.rule.CODE)
    if not fixes:
        return [], []
    return fixes, positions.install(wrapper).events


def fix_text(text: str, path: str, config: Config) -> FixOutcome:
    """Return the fixed text of one module, within the file's time budget; never raises for user errors."""
    outcome = FixOutcome(path=path, original=text, fixed=text)
    try:
        with time_budget(config.file_timeout), deep_recursion():
            _fix_rounds(text, path, config, outcome)
    except FileTimeout:
        outcome.fixed = text
        outcome.error = timeout_message(path, config.file_timeout)
    except (RecursionError, MemoryError):
        outcome.fixed = text
        outcome.error = str(too_deep(path))
    return outcome


def _fix_rounds(text: str, path: str, config: Config, outcome: FixOutcome) -> None:
    try:
        current = parse_module(path, text)
    except SourceError as exc:
        outcome.error = str(exc)
        return
    for _ in range(MAX_ROUNDS):
        fixes, events = _round_fixes(current, config, path, outcome.fixed, outcome)
        if not fixes:
            break
        accepted = _accept(current, fixes, events, path, outcome)
        if accepted is None:
            break
        current, new_text = accepted
        if new_text == outcome.fixed:
            break
        outcome.fixed = new_text
        outcome.rounds += 1


def _accept(
    module: cst.Module,
    fixes: Sequence[Report],
    events: Sequence[cst.CSTNode | None],
    path: str,
    outcome: FixOutcome,
) -> tuple[cst.Module, str] | None:
    """Apply this round's fixes, or the subset of them that keeps the code valid."""
    new_text = apply_fixes(module, fixes, events).code
    parsed = _valid(new_text, path)
    if parsed is not None:
        return parsed, new_text
    good: list[Report] = []
    for fix in fixes:
        if _valid(apply_fixes(module, [*good, fix], events).code, path) is not None:
            good.append(fix)
        else:
            outcome.rejected.append(fix.rule.CODE)
    if not good:
        return None
    new_text = apply_fixes(module, good, events).code
    parsed = _valid(new_text, path)
    if parsed is None:
        return None
    return parsed, new_text


def fix_source(source: SourceFile, config: Config) -> FixOutcome:
    return fix_text(source.text, source.path, config)
