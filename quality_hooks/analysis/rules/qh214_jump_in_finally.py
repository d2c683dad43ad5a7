"""QH214: ``return``/``break``/``continue`` in ``finally`` silently discards the exception in flight.

Python 3.14 warns about it (PEP 765).
"""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid

_SCOPE, _LOOP, _FINALLY = "scope", "loop", "finally"


class JumpInFinally(Rule):
    CODE = "QH214"
    NAME = "jump-in-finally"
    GROUP = "bug-risk"
    DESCRIPTION = "`return`, `break` or `continue` in `finally` swallows any exception being raised"
    VALID = [
        Valid("def f():\n    try:\n        return g()\n    finally:\n        cleanup()\n"),
        Valid("try:\n    pass\nfinally:\n    for x in xs:\n        if x:\n            break\n"),
        Valid("try:\n    pass\nfinally:\n    def g():\n        return 1\n"),
    ]
    INVALID = [
        Invalid("def f():\n    try:\n        g()\n    finally:\n        return 1\n", line=5),
        Invalid("for x in xs:\n    try:\n        g(x)\n    finally:\n        continue\n", line=5),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._stack: list[str] = []

    def _push(self, kind: str) -> None:
        self._stack.append(kind)

    def _pop(self) -> None:
        self._stack.pop()

    def visit_Finally(self, node: cst.Finally) -> None:
        self._push(_FINALLY)

    def leave_Finally(self, original_node: cst.Finally) -> None:
        self._pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._push(_SCOPE)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._push(_SCOPE)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._pop()

    def visit_For_body(self, node: cst.For) -> None:
        self._push(_LOOP)

    def leave_For_body(self, node: cst.For) -> None:
        self._pop()

    def visit_While_body(self, node: cst.While) -> None:
        self._push(_LOOP)

    def leave_While_body(self, node: cst.While) -> None:
        self._pop()

    def _innermost(self, *kinds: str) -> str | None:
        for kind in reversed(self._stack):
            if kind in kinds:
                return kind
        return None

    def visit_Return(self, node: cst.Return) -> None:
        if self._innermost(_SCOPE, _FINALLY) == _FINALLY:
            self.report(node, "`return` in `finally` swallows any exception being raised")

    def visit_Break(self, node: cst.Break) -> None:
        if self._innermost(_SCOPE, _LOOP, _FINALLY) == _FINALLY:
            self.report(node, "`break` in `finally` swallows any exception being raised")

    def visit_Continue(self, node: cst.Continue) -> None:
        if self._innermost(_SCOPE, _LOOP, _FINALLY) == _FINALLY:
            self.report(node, "`continue` in `finally` swallows any exception being raised")
