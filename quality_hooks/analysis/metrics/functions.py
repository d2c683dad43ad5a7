"""Per-function metrics, measured inside the one batched visit the rules share.

Definitions (each counts for the innermost function only, except cognitive
complexity, which follows SonarSource and includes nested functions):

* ``line``: the line of the function's name (the ``def`` line, never a
  decorator's), the key radon's cyclomatic complexity is merged by;
  ``length`` = ``end_line - line + 1``.
* ``parameters``: every parameter, ``*args`` and ``**kwargs`` included, except
  a leading ``self``/``cls`` of a function defined directly in a class body.
* ``max_nesting``: the deepest stack of block statements (``if`` — an ``elif``
  chain counts once —, ``for``, ``while``, ``try``, ``with``, ``match``).
* ``returns``: ``return`` statements.
* ``branches`` (pylint's definition): each ``if``/``elif``, an ``if``'s
  ``else``, each ``for``/``while`` and its ``else``, each ``except``, a
  ``try``'s ``else`` and ``finally``, each ``match`` case. ``with`` is not a
  branch: it always runs its body.
* ``cyclomatic``: radon's counting (``if``/``elif``, ternary, loops and their
  ``else``, ``except`` handlers and ``try``-``else``, each boolean operator,
  comprehension ``for``/``if``, ``match`` cases except a catch-all, ``assert``),
  so files radon cannot measure still get a value; where the caller passes
  radon's own counts (the engine does), radon's count is taken.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import PositionProvider

from quality_hooks.analysis.metrics.cognitive import CognitiveVisitor
from quality_hooks.results import FunctionMetrics

if TYPE_CHECKING:
    from libcst.metadata.base_provider import ProviderT

_RECEIVERS = frozenset({"self", "cls"})


@dataclass
class MeasuredFunction:
    """A function node with the metrics measured for it in the shared visit.

    Metric rules (``analysis.rules``) read these; they live here, with what
    measures them, so metrics never depend on rules.
    """

    node: cst.FunctionDef
    metrics: FunctionMetrics


class _Stats:
    __slots__ = ("branches", "cyclomatic", "depth", "max_depth", "measured", "returns")

    def __init__(self, measured: MeasuredFunction) -> None:
        self.measured = measured
        self.depth = 0
        self.max_depth = 0
        self.returns = 0
        self.branches = 0
        self.cyclomatic = 1


def _count_parameters(params: cst.Parameters, is_method: bool) -> int:
    positional = [*params.posonly_params, *params.params]
    count = len(positional) + len(params.kwonly_params)
    count += isinstance(params.star_arg, cst.Param)
    count += params.star_kwarg is not None
    if is_method and positional and positional[0].name.value in _RECEIVERS:
        count -= 1
    return count


class FunctionCollector(CognitiveVisitor):
    """Collects :class:`MeasuredFunction` for every ``def`` and counts classes."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    @classmethod
    def get_inherited_dependencies(cls) -> Collection[ProviderT]:
        # libcst caches this on the class it first asks, and subclasses then read
        # their parent's (empty) cache once CognitiveVisitor has been used alone.
        return frozenset(cls.METADATA_DEPENDENCIES)

    def __init__(self, radon_cyclomatic: Mapping[int, int] | None = None) -> None:
        super().__init__()
        #: radon's cyclomatic complexity by ``def`` line, preferred to the own count.
        self._radon_cyclomatic: Mapping[int, int] = radon_cyclomatic or {}
        self.measured: list[MeasuredFunction] = []
        self.classes = 0
        #: Qualified-name parts; "" marks a function scope (for ``<locals>``).
        self._scopes: list[tuple[str, bool]] = []
        self._stats: list[_Stats] = []
        self._in_assert = 0

    # -- scopes ------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes += 1
        self._scopes.append((node.name.value, False))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        is_method = bool(self._scopes) and not self._scopes[-1][1]
        parts = [f"{name}.<locals>" if is_function else name for name, is_function in self._scopes]
        name = node.name.value
        line = end_line = self.get_metadata(PositionProvider, node.name).start.line
        metrics = FunctionMetrics(
            name=name,
            qualname=".".join([*parts, name]),
            line=line,
            end_line=end_line,
            parameters=_count_parameters(node.params, is_method),
        )
        measured = MeasuredFunction(node, metrics)
        self.measured.append(measured)
        self._stats.append(_Stats(measured))
        self._scopes.append((name, True))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        super().leave_FunctionDef(original_node)
        self._scopes.pop()
        stats = self._stats.pop()
        metrics = stats.measured.metrics
        metrics.end_line = self.get_metadata(PositionProvider, original_node).end.line
        metrics.length = metrics.end_line - metrics.line + 1
        metrics.cognitive = self.scores[id(original_node)]
        metrics.cyclomatic = self._radon_cyclomatic.get(metrics.line, stats.cyclomatic)
        metrics.max_nesting = stats.max_depth
        metrics.returns = stats.returns
        metrics.branches = stats.branches

    # -- blocks --------------------------------------------------------------
    def _enter_block(self) -> None:
        if self._stats:
            stats = self._stats[-1]
            stats.depth += 1
            if stats.depth > stats.max_depth:
                stats.max_depth = stats.depth

    def _leave_block(self) -> None:
        if self._stats:
            self._stats[-1].depth -= 1

    def _add(self, branches: int, cyclomatic: int) -> None:
        if self._stats:
            stats = self._stats[-1]
            stats.branches += branches
            if not self._in_assert:  # radon does not look inside asserts
                stats.cyclomatic += cyclomatic

    def visit_If(self, node: cst.If) -> None:
        is_elif = id(node) in self._elifs
        super().visit_If(node)
        self._add(1 + isinstance(node.orelse, cst.Else), 1)
        if not is_elif:
            self._enter_block()

    def leave_If(self, original_node: cst.If) -> None:
        if id(original_node) not in self._elifs:
            self._leave_block()

    def visit_For(self, node: cst.For) -> None:
        super().visit_For(node)
        extra = node.orelse is not None
        self._add(1 + extra, 1 + extra)
        self._enter_block()

    def leave_For(self, original_node: cst.For) -> None:
        self._leave_block()

    def visit_While(self, node: cst.While) -> None:
        super().visit_While(node)
        extra = node.orelse is not None
        self._add(1 + extra, 1 + extra)
        self._enter_block()

    def leave_While(self, original_node: cst.While) -> None:
        self._leave_block()

    def _visit_try(self, node: cst.Try | cst.TryStar) -> None:
        handlers = len(node.handlers)
        has_else = node.orelse is not None
        self._add(handlers + has_else + (node.finalbody is not None), handlers + has_else)
        self._enter_block()

    def visit_Try(self, node: cst.Try) -> None:
        self._visit_try(node)

    def leave_Try(self, original_node: cst.Try) -> None:
        self._leave_block()

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._visit_try(node)

    def leave_TryStar(self, original_node: cst.TryStar) -> None:
        self._leave_block()

    def visit_With(self, node: cst.With) -> None:
        self._enter_block()

    def leave_With(self, original_node: cst.With) -> None:
        self._leave_block()

    def visit_Match(self, node: cst.Match) -> None:
        super().visit_Match(node)
        cases = len(node.cases)
        catch_all = any(isinstance(c.pattern, cst.MatchAs) and c.pattern.pattern is None for c in node.cases)
        self._add(cases, max(0, cases - catch_all))
        self._enter_block()

    def leave_Match(self, original_node: cst.Match) -> None:
        self._leave_block()

    # -- expressions and simple statements ------------------------------------
    def visit_IfExp(self, node: cst.IfExp) -> None:
        super().visit_IfExp(node)
        self._add(0, 1)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        super().visit_BooleanOperation(node)
        self._add(0, 1)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._add(0, 1 + len(node.ifs))

    def visit_Assert(self, node: cst.Assert) -> None:
        self._add(0, 1)
        self._in_assert += 1

    def leave_Assert(self, original_node: cst.Assert) -> None:
        self._in_assert -= 1

    def visit_Return(self, node: cst.Return) -> None:
        if self._stats:
            self._stats[-1].returns += 1
