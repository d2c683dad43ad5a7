"""QH309: ``lambda x: f(x)`` where ``f`` would do."""

from __future__ import annotations

import builtins
from typing import Any

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.fix_helpers import BuiltinAwareRule
from quality_hooks.results import Severity

#: Builtins that call a function argument positionally: (name, how the callable is passed).
_POSITIONAL_CALLERS = {"sorted": "key", "min": "key", "max": "key", "map": 0, "filter": 0}


def _plain_params(params: cst.Parameters) -> list[str] | None:
    if params.kwonly_params or params.star_kwarg or not isinstance(params.star_arg, cst.MaybeSentinel):
        return None
    every = [*params.posonly_params, *params.params]
    if any(p.default is not None for p in every):
        return None
    return [p.name.value for p in every]


def _names_in(node: cst.BaseExpression) -> set[str] | None:
    """Names a dotted ``a.b.c`` chain depends on, or None for anything else."""
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, cst.Attribute):
        return _names_in(node.value)
    return None


def _forwarded_callable(node: cst.Lambda) -> cst.BaseExpression | None:
    """``f`` when the lambda only forwards its parameters, in order, to ``f``."""
    params = _plain_params(node.params)
    call = node.body
    if not params or not isinstance(call, cst.Call) or len(call.args) != len(params):
        return None
    for arg, param in zip(call.args, params, strict=True):
        if arg.star or arg.keyword is not None or not isinstance(arg.value, cst.Name) or arg.value.value != param:
            return None
    used = _names_in(call.func)
    if used is None or used & set(params):
        return None
    return call.func


class NeedlessLambda(BuiltinAwareRule):
    """``lambda x: f(x)`` is a wrapper around ``f`` that only adds a call.

    Passing ``f`` is not always the same: ``f`` is then looked up once instead of
    at each call, and the lambda also accepts ``x=`` as a keyword. So the fix is
    only offered where it provably is the same: ``f`` is an unshadowed builtin
    and the lambda is a ``key=`` of ``sorted``/``min``/``max`` or the function of
    ``map``/``filter``, which call it positionally. Elsewhere it is only reported.
    Lambdas without parameters are deferred calls, often on purpose, and skipped.
    """

    CODE = "QH309"
    NAME = "needless-lambda"
    GROUP = "readability"
    SEVERITY = Severity.INFO
    DESCRIPTION = "Lambda only forwards its arguments: pass the function itself"
    FIXABLE = True
    FIX_SAFETY = "safe"
    FIX_REASON = (
        "Offered only where the function is an unshadowed builtin that the caller calls positionally, "
        "so the same call happens."
    )
    GUARDED = frozenset(dir(builtins))
    VALID = [
        Valid("f = lambda x: g(x, 1)\n"),
        Valid("f = lambda x, y: g(y, x)\n"),
        Valid("f = lambda x: x.strip()\n"),
        Valid("f = lambda: g()\n"),
        Valid("f = lambda x=1: g(x)\n"),
        Valid("f = lambda *a: g(*a)\n"),
        Valid("f = lambda x: g(x)(x)\n"),
    ]
    INVALID = [
        Invalid("names = sorted(items, key=lambda x: len(x))\n", expected_fix="names = sorted(items, key=len)\n"),
        Invalid("out = list(map(lambda s: str(s), xs))\n", expected_fix="out = list(map(str, xs))\n"),
        Invalid("handler = lambda event: self.on_event(event)\n", expected_fix=None, line=1),
        Invalid("names = sorted(items, key=lambda x: normalise(x))\n", expected_fix=None),
        Invalid("len = 3\nnames = sorted(items, key=lambda x: len(x))\n", expected_fix=None, line=2),
    ]

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__(options, path)
        self._positional: dict[int, str] = {}
        self._found: list[tuple[cst.Lambda, cst.BaseExpression]] = []

    def check_call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Name) or node.func.value not in _POSITIONAL_CALLERS:
            return
        where = _POSITIONAL_CALLERS[node.func.value]
        for index, arg in enumerate(node.args):
            keyword = arg.keyword.value if arg.keyword else None
            if (keyword == where or (where == index and keyword is None)) and not arg.star:
                self._positional[id(arg.value)] = node.func.value

    def visit_Lambda(self, node: cst.Lambda) -> None:
        function = _forwarded_callable(node)
        if function is not None:
            self._found.append((node, function))

    def leave_Module(self, original_node: cst.Module) -> None:
        for node, function in self._found:
            caller = self._positional.get(id(node))
            provable = (
                caller is not None
                and self.is_builtin(caller)
                and isinstance(function, cst.Name)
                and function.value in self.GUARDED
                and self.is_builtin(function.value)
            )
            if provable:
                self.report(node, replacement=function.with_changes(lpar=node.lpar, rpar=node.rpar))
            else:
                self.report(node)
