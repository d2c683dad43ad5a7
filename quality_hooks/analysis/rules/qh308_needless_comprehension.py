"""QH308: a comprehension that only copies its iterable."""

from __future__ import annotations

from typing import Any

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.fix_helpers import BuiltinAwareRule, has_comment

#: Iterables that yield pairs and are not mappings, so ``dict(...)`` unpacks them like the comprehension.
_PAIR_SOURCES = frozenset({"items", "zip", "enumerate"})


def _simple_for(node: cst.CompFor) -> bool:
    return node.asynchronous is None and not node.ifs and node.inner_for_in is None


def _same_name(a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
    return isinstance(a, cst.Name) and isinstance(b, cst.Name) and a.value == b.value


def _pair_source(node: cst.BaseExpression) -> str | None:
    if not isinstance(node, cst.Call):
        return None
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value == "items" and not node.args:
        return "items"
    if isinstance(func, cst.Name) and func.value in ("zip", "enumerate"):
        return func.value
    return None


class NeedlessComprehension(BuiltinAwareRule):
    """``[x for x in y]`` is ``list(y)``; say so directly.

    Likewise ``{x for x in y}`` is ``set(y)`` and ``{k: v for k, v in y}`` is
    ``dict(y)``. The dict form is only fixed when ``y`` is ``....items()``,
    ``zip(...)`` or ``enumerate(...)``: for a mapping ``y``, ``dict(y)`` would
    copy it instead of unpacking its keys.
    """

    CODE = "QH308"
    NAME = "needless-comprehension"
    GROUP = "readability"
    DESCRIPTION = "Comprehension only copies its iterable: call list()/set()/dict() instead"
    FIXABLE = True
    FIX_SAFETY = "unsafe"
    FIX_REASON = (
        "`list(y)`, `set(y)` and `dict(y)` call `y.__len__()` (a length hint), which the comprehension "
        "never did: a class whose `__len__` raises or lies now fails."
    )
    GUARDED = frozenset({"list", "set", "dict", "zip", "enumerate"})
    VALID = [
        Valid("a = [x * 2 for x in y]\n"),
        Valid("a = [x for x in y if x]\n"),
        Valid("a = [x for x in y for z in x]\n"),
        Valid("a = [(a, b) for a, b in y]\n"),
        Valid("a = {v: k for k, v in y.items()}\n"),
        Valid("async def f():\n    return [x async for x in y]\n"),
    ]
    INVALID = [
        Invalid("a = [x for x in y]\n", expected_fix="a = list(y)\n", line=1),
        Invalid("a = {x for x in f(y)}\n", expected_fix="a = set(f(y))\n"),
        Invalid("a = {k: v for k, v in d.items()}\n", expected_fix="a = dict(d.items())\n"),
        Invalid("a = {k: v for (k, v) in zip(a, b)}\n", expected_fix="a = dict(zip(a, b))\n"),
        Invalid("a = {k: v for k, v in pairs}\n", expected_fix=None),
        Invalid("list = lambda *a: a\nb = [x for x in y]\n", expected_fix=None, line=2),
        Invalid("a = [\n    x  # every x\n    for x in y\n]\n", expected_fix=None),
        Invalid("a = ([x for x in y])\n", expected_fix="a = (list(y))\n"),
    ]

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__(options, path)
        self._found: list[tuple[cst.ListComp | cst.SetComp | cst.DictComp, str, str | None]] = []

    def visit_ListComp(self, node: cst.ListComp) -> None:
        if _simple_for(node.for_in) and _same_name(node.elt, node.for_in.target):
            self._found.append((node, "list", None))

    def visit_SetComp(self, node: cst.SetComp) -> None:
        if _simple_for(node.for_in) and _same_name(node.elt, node.for_in.target):
            self._found.append((node, "set", None))

    def visit_DictComp(self, node: cst.DictComp) -> None:
        target = node.for_in.target
        if not _simple_for(node.for_in) or not isinstance(target, cst.Tuple) or len(target.elements) != 2:
            return
        key, value = (element.value for element in target.elements)
        if any(isinstance(e, cst.StarredElement) for e in target.elements):
            return
        if _same_name(node.key, key) and _same_name(node.value, value):
            self._found.append((node, "dict", _pair_source(node.for_in.iter)))

    def leave_Module(self, original_node: cst.Module) -> None:
        for node, builtin, pairs in self._found:
            message = f"Comprehension only copies its iterable: use {builtin}(...)"
            safe = self.is_builtin(builtin) and not has_comment(node)
            if builtin == "dict":
                safe = safe and pairs is not None and (pairs == "items" or self.is_builtin(pairs))
            if not safe:
                self.report(node, message)
                continue
            iterable = node.for_in.iter
            call = cst.Call(
                func=cst.Name(builtin),
                args=[cst.Arg(iterable)],
                lpar=node.lpar,
                rpar=node.rpar,
            )
            self.report(node, message, replacement=call)
