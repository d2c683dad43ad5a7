"""QH317: ``dict()``, ``list()``, ``tuple()`` with no arguments."""

from __future__ import annotations

from typing import Any

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.fix_helpers import BuiltinAwareRule, has_comment
from quality_hooks.results import Severity


def _literal(name: str, call: cst.Call) -> cst.BaseExpression:
    if name == "dict":
        return cst.Dict([], lpar=call.lpar, rpar=call.rpar)
    if name == "list":
        return cst.List([], lpar=call.lpar, rpar=call.rpar)
    # An empty tuple is its parentheses.
    return cst.Tuple([], lpar=[*call.lpar, cst.LeftParen()], rpar=[cst.RightParen(), *call.rpar])


class EmptyCollectionCall(BuiltinAwareRule):
    """``{}``, ``[]`` and ``()`` are the usual spelling of empty collections, and faster."""

    CODE = "QH317"
    NAME = "empty-collection-call"
    GROUP = "style"
    SEVERITY = Severity.INFO
    DESCRIPTION = "Use a literal for an empty dict, list or tuple"
    FIXABLE = True
    FIX_SAFETY = "safe"
    FIX_REASON = "`{}`, `[]` and `()` build the same empty object as the unshadowed builtin's call."
    GUARDED = frozenset({"dict", "list", "tuple"})
    VALID = [
        Valid("a = {}\nb = []\nc = ()\n"),
        Valid("a = dict(x=1)\nb = list(y)\nc = set()\n"),
        Valid("from mylib import *\na = dict()\n"),
        Valid("class A:\n    list = 1\n    x = list()\n"),
    ]
    INVALID = [
        Invalid("a = dict()\n", expected_fix="a = {}\n", line=1),
        Invalid("f(list(), tuple())\n", expected_fix="f([], ())\n"),
        Invalid("if x == (list()):\n    pass\n", expected_fix="if x == ([]):\n    pass\n"),
        Invalid("a = dict(  # none yet\n)\n", expected_fix=None),
    ]

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__(options, path)
        self._found: list[tuple[cst.Call, str]] = []

    def check_call(self, node: cst.Call) -> None:
        if not node.args and isinstance(node.func, cst.Name) and node.func.value in self.GUARDED:
            self._found.append((node, node.func.value))

    def leave_Module(self, original_node: cst.Module) -> None:
        for call, name in self._found:
            if not self.is_builtin(name):
                continue
            message = f"Use a literal instead of {name}()"
            if has_comment(call):
                self.report(call, message)
            else:
                self.report(call, message, replacement=_literal(name, call))
