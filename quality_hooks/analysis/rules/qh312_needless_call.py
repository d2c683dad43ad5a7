"""QH312: a builtin call wrapped around another that makes it pointless."""

from __future__ import annotations

from typing import Any

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.fix_helpers import BuiltinAwareRule, has_comment

#: outer -> inner calls whose result the outer call would build anyway, from any iterable.
_COPIES = {
    "list": frozenset({"list", "tuple"}),
    "tuple": frozenset({"list", "tuple"}),
    "set": frozenset({"list", "tuple", "set"}),
    "sorted": frozenset({"list", "tuple"}),
}


def _single_positional(call: cst.Call) -> cst.BaseExpression | None:
    if len(call.args) == 1 and not call.args[0].star and call.args[0].keyword is None:
        return call.args[0].value
    return None


def _builtin_call(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        return node.func.value
    return None


class NeedlessCall(BuiltinAwareRule):
    """``list(sorted(x))`` copies a list that ``sorted`` just made; ``set(list(x))`` builds a list to drop it.

    Fixed: ``list(sorted(...))`` -> ``sorted(...)``, and ``list``/``tuple``/
    ``set``/``sorted`` of ``list(x)`` or ``tuple(x)`` (``set(set(x))`` too) -> the
    outer call on ``x``. ``set(sorted(x))`` is left alone: ``sorted`` may raise.
    """

    CODE = "QH312"
    NAME = "needless-call"
    GROUP = "readability"
    DESCRIPTION = "Needless inner call: the outer call already builds a new collection"
    FIXABLE = True
    FIX_SAFETY = "safe"
    FIX_REASON = (
        "Drops a copy the outer call makes anyway; only the inner copy's `__len__` length hint is no longer asked for."
    )
    GUARDED = frozenset({"list", "tuple", "set", "sorted"})
    VALID = [
        Valid("a = list(x)\n"),
        Valid("a = set(sorted(x))\n"),
        Valid("a = list(reversed(x))\n"),
        Valid("a = sorted(list(x, y))\n"),
        Valid("def list(x):\n    return x\n\na = list(sorted(x))\n"),
    ]
    INVALID = [
        Invalid("a = list(sorted(x, key=len))\n", expected_fix="a = sorted(x, key=len)\n", line=1),
        Invalid("a = set(list(x))\n", expected_fix="a = set(x)\n"),
        Invalid("a = sorted(tuple(x), reverse=True)\n", expected_fix="a = sorted(x, reverse=True)\n"),
        Invalid("a = tuple(tuple(list(x)))\n", expected_fix="a = tuple(x)\n"),
        Invalid("a = list(\n    sorted(x)  # why\n)\n", expected_fix=None),
    ]

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__(options, path)
        #: (outer call, inner call, (outer name, inner name)).
        self._found: list[tuple[cst.Call, cst.Call, tuple[str, str]]] = []

    def check_call(self, node: cst.Call) -> None:
        outer = _builtin_call(node)
        if outer is None or outer not in _COPIES or not node.args:
            return
        first = node.args[0]
        inner = first.value
        if first.star or first.keyword is not None or not isinstance(inner, cst.Call):
            return
        if outer != "sorted" and len(node.args) != 1:
            return
        name = _builtin_call(inner)
        if name is None:
            return
        copies = name in _COPIES[outer] and _single_positional(inner) is not None
        if copies or (outer, name) == ("list", "sorted"):
            self._found.append((node, inner, (outer, name)))

    def leave_Module(self, original_node: cst.Module) -> None:
        for outer, inner, names in self._found:
            message = f"Needless {names[1]}() call inside {names[0]}()"
            if not all(self.is_builtin(name) for name in names):
                continue
            if has_comment(outer):
                self.report(outer, message)
            elif names == ("list", "sorted"):
                self.report(outer, message, replacement=inner.with_changes(lpar=outer.lpar, rpar=outer.rpar))
            else:
                value = _single_positional(inner)
                assert value is not None
                args = [outer.args[0].with_changes(value=value), *outer.args[1:]]
                self.report(outer, message, replacement=outer.with_changes(args=args))
