"""The contract every QH rule follows, Fixit style.

A rule is one small :class:`Rule` subclass in its own module. It visits the
LibCST tree (all enabled rules share one batched visit), calls :meth:`Rule.report`
for each problem, optionally with a replacement node that fixes it, and carries
``VALID`` / ``INVALID`` examples that the test suite runs automatically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import libcst as cst

from quality_hooks.analysis.metrics.functions import MeasuredFunction
from quality_hooks.analysis.traverse import CachedBatchableVisitor
from quality_hooks.results import Severity

#: Rule groups; config can enable/disable a whole group by name.
GROUPS = ("complexity", "bug-risk", "readability", "style")
#: Fix safety classes, as ruff has them: ``safe`` fixes keep behaviour and line numbers and
#: are applied by default; ``unsafe`` ones only with ``--unsafe-fixes`` or a ``fix-policy``.
FIX_SAFETIES = ("safe", "unsafe")


@dataclass(frozen=True)
class Valid:
    """Code the rule must not flag."""

    code: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Invalid:
    """Code the rule must flag, with the fixed code where the rule can fix it.

    ``line`` (1-based) pins where the first report must be, when given.
    ``expected_fix`` is the whole module after every fix of this rule has been
    applied until stable; ``None`` means the rule must not change this code.
    """

    code: str
    expected_fix: str | None = None
    line: int | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    """A rule's raw report, before positions and suppressions are resolved."""

    rule: type[Rule]
    node: cst.CSTNode
    message: str
    replacement: cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[Any] | None = None


class Rule(CachedBatchableVisitor):
    """Base class for QH rules. Subclasses set the class attributes below."""

    CODE: ClassVar[str]
    NAME: ClassVar[str]
    GROUP: ClassVar[str]
    SEVERITY: ClassVar[Severity] = Severity.WARNING
    DESCRIPTION: ClassVar[str]
    #: Whether the rule offers fixes.
    FIXABLE: ClassVar[bool] = False
    #: ``"safe"`` (behaviour and line numbers kept: applied by default) or ``"unsafe"``
    #: (applied only with ``--unsafe-fixes`` or the rule's ``fix-policy``).
    FIX_SAFETY: ClassVar[str] = "safe"
    #: What the fix can change, in one sentence: shown by ``rules``, in SARIF and in the docs.
    FIX_REASON: ClassVar[str] = ""
    #: The fix's job is to edit comments (QH314), so fix's "every comment stays" check does not apply.
    FIX_EDITS_COMMENTS: ClassVar[bool] = False
    #: Default option values; config may override them (kebab-case keys).
    OPTIONS: ClassVar[dict[str, Any]] = {}
    #: Whether the rule is on when the config does not mention it.
    ENABLED_BY_DEFAULT: ClassVar[bool] = True
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__()
        self.options: dict[str, Any] = {**self.OPTIONS, **(options or {})}
        self.path = path
        self.reports: list[Report] = []

    def report(
        self,
        node: cst.CSTNode,
        message: str | None = None,
        *,
        replacement: cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[Any] | None = None,
    ) -> None:
        """Record a problem at ``node``; ``replacement`` replaces it when fixing."""
        if replacement is not None and not self.FIXABLE:
            raise TypeError(f"{self.CODE} offers a fix but FIXABLE is False")
        self.reports.append(Report(type(self), node, message or self.DESCRIPTION, replacement))


class MetricRule(Rule):
    """A rule judged from per-function metrics after the visit.

    Size and complexity rules read what the metrics collector measured in the
    same batched visit instead of walking the tree again. Report on
    ``function.node.name`` so the finding points at one line.
    """

    def check(self, functions: list[MeasuredFunction]) -> None:
        raise NotImplementedError
