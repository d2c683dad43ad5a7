"""Cognitive complexity (SonarSource, G. Ann Campbell 2017) on the LibCST tree.

Counting, per function:

* +1 plus the current nesting level for ``if``, ternary, ``for``, ``while``,
  ``except`` and ``match`` (the whole statement, not each ``case``);
* +1 without nesting for ``elif`` and for the ``else`` of an ``if``;
* +1 for every sequence of like boolean operators: ``a and b and c`` is 1,
  ``a and b or c`` is 2;
* nesting grows inside the bodies of those structures (``elif``/``else`` bodies
  sit at the ``if``'s level), inside ``match`` cases, ternaries, lambdas and
  nested functions. A nested function's increments also count for the functions
  around it, as in SonarSource's definition. Recursion is not counted.

:class:`CognitiveVisitor` is batchable so the function collector can compute
this inside the one shared visit instead of walking each function again.
"""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.traverse import CachedBatchableVisitor


class _Frame:
    __slots__ = ("nesting", "score")

    def __init__(self) -> None:
        self.score = 0
        self.nesting = 0


class CognitiveVisitor(CachedBatchableVisitor):
    """Scores every function it passes; results in :attr:`scores` (by node id)."""

    def __init__(self) -> None:
        super().__init__()
        self._frames: list[_Frame] = []
        self._elifs: set[int] = set()
        self._nested_elses: set[int] = set()
        self._continued: set[int] = set()
        self.scores: dict[int, int] = {}

    # -- helpers ---------------------------------------------------------
    def _structural(self) -> None:
        for frame in self._frames:
            frame.score += 1 + frame.nesting

    def _hybrid(self) -> None:
        for frame in self._frames:
            frame.score += 1

    def _nest(self, delta: int) -> None:
        for frame in self._frames:
            frame.nesting += delta

    # -- functions -------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._nest(1)
        self._frames.append(_Frame())

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        frame = self._frames.pop()
        self.scores[id(original_node)] = frame.score
        self._nest(-1)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._nest(1)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._nest(-1)

    # -- if / elif / else ------------------------------------------------
    def visit_If(self, node: cst.If) -> None:
        if id(node) in self._elifs:
            self._hybrid()
        else:
            self._structural()
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            self._elifs.add(id(orelse))
        elif orelse is not None:
            self._hybrid()
            self._nested_elses.add(id(orelse))

    def visit_If_body(self, node: cst.If) -> None:
        self._nest(1)

    def leave_If_body(self, node: cst.If) -> None:
        self._nest(-1)

    def visit_Else_body(self, node: cst.Else) -> None:
        if id(node) in self._nested_elses:
            self._nest(1)

    def leave_Else_body(self, node: cst.Else) -> None:
        if id(node) in self._nested_elses:
            self._nest(-1)

    # -- loops -----------------------------------------------------------
    def visit_For(self, node: cst.For) -> None:
        self._structural()
        if node.orelse is not None:
            self._nested_elses.add(id(node.orelse))

    def visit_For_body(self, node: cst.For) -> None:
        self._nest(1)

    def leave_For_body(self, node: cst.For) -> None:
        self._nest(-1)

    def visit_While(self, node: cst.While) -> None:
        self._structural()
        if node.orelse is not None:
            self._nested_elses.add(id(node.orelse))

    def visit_While_body(self, node: cst.While) -> None:
        self._nest(1)

    def leave_While_body(self, node: cst.While) -> None:
        self._nest(-1)

    # -- exceptions ------------------------------------------------------
    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._structural()

    def visit_ExceptHandler_body(self, node: cst.ExceptHandler) -> None:
        self._nest(1)

    def leave_ExceptHandler_body(self, node: cst.ExceptHandler) -> None:
        self._nest(-1)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._structural()

    def visit_ExceptStarHandler_body(self, node: cst.ExceptStarHandler) -> None:
        self._nest(1)

    def leave_ExceptStarHandler_body(self, node: cst.ExceptStarHandler) -> None:
        self._nest(-1)

    # -- match, ternary, boolean sequences -------------------------------
    def visit_Match(self, node: cst.Match) -> None:
        self._structural()

    def visit_MatchCase_body(self, node: cst.MatchCase) -> None:
        self._nest(1)

    def leave_MatchCase_body(self, node: cst.MatchCase) -> None:
        self._nest(-1)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._structural()
        self._nest(1)

    def leave_IfExp(self, original_node: cst.IfExp) -> None:
        self._nest(-1)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        if id(node) not in self._continued:
            self._hybrid()
        kind = type(node.operator)
        for side in (node.left, node.right):
            if isinstance(side, cst.BooleanOperation) and type(side.operator) is kind:
                self._continued.add(id(side))


def cognitive_complexity(function: cst.FunctionDef) -> int:
    """The cognitive complexity of one function (nested functions included)."""
    visitor = CognitiveVisitor()
    cst.visit_batched(function, [visitor])
    return visitor.scores[id(function)]
