"""QH306: ``type(x) == T`` instead of ``isinstance``."""

from __future__ import annotations

from typing import Any

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.fix_helpers import BuiltinAwareRule

_EQUALITY = (cst.Equal, cst.NotEqual)
_OPERATORS = (*_EQUALITY, cst.Is, cst.IsNot)


def _is_type_call(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "type"
        and len(node.args) == 1
        and not node.args[0].star
        and node.args[0].keyword is None
    )


class TypeComparison(BuiltinAwareRule):
    """``type(x) == T`` ignores subclasses and reads as a mistake.

    Use ``isinstance(x, T)``; no fix, as the two differ for subclasses. Teams
    that write ``type(x) is T`` on purpose for exact-type checks can set
    ``allow-is``. Comparing two ``type()`` calls is left alone.
    """

    CODE = "QH306"
    NAME = "type-comparison"
    GROUP = "readability"
    DESCRIPTION = "Compare types with isinstance() rather than type(x) == T"
    GUARDED = frozenset({"type"})
    OPTIONS = {"allow-is": False}
    VALID = [
        Valid("if isinstance(x, int):\n    pass\n"),
        Valid("same = type(a) == type(b)\n"),
        Valid("def type(x):\n    return 1\n\nok = type(x) == int\n"),
        Valid("ok = type(x, (), {}) == int\n"),
        Valid("ok = type(x) is int\n", options={"allow-is": True}),
    ]
    INVALID = [
        Invalid("if type(x) == int:\n    pass\n", line=1),
        Invalid("ok = type(x) is not dict\n"),
        Invalid("ok = str != type(x)\n"),
    ]

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__(options, path)
        self._candidates: list[cst.Comparison] = []

    def visit_Comparison(self, node: cst.Comparison) -> None:
        operators = _EQUALITY if self.options["allow-is"] else _OPERATORS
        if len(node.comparisons) != 1 or not isinstance(node.comparisons[0].operator, operators):
            return
        left, right = node.left, node.comparisons[0].comparator
        if _is_type_call(left) != _is_type_call(right):
            self._candidates.append(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        if self.is_builtin("type"):
            for node in self._candidates:
                self.report(node)
