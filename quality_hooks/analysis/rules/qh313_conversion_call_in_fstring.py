"""QH313: ``f"{str(x)}"`` instead of ``f"{x!s}"``."""

from __future__ import annotations

from typing import Any

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.fix_helpers import BuiltinAwareRule
from quality_hooks.results import Severity

_CONVERSIONS = {"str": "s", "repr": "r", "ascii": "a"}
_EMPTY = cst.Module([])


class ConversionCallInFString(BuiltinAwareRule):
    """An f-string converts for you: ``{x!s}``, ``{x!r}``, ``{x!a}`` say it without a call.

    Not touched: ``{str(x)=}`` (the text of the expression is printed) and
    expressions that already carry a conversion.
    """

    CODE = "QH313"
    NAME = "conversion-call-in-fstring"
    GROUP = "readability"
    SEVERITY = Severity.INFO
    DESCRIPTION = "Use a conversion flag (!s, !r, !a) instead of calling str()/repr()/ascii() in an f-string"
    FIXABLE = True
    FIX_SAFETY = "safe"
    FIX_REASON = "`{x!s}` is how an f-string spells `str(x)`: the same `__str__`/`__repr__` and `__format__` run."
    GUARDED = frozenset(_CONVERSIONS)
    VALID = [
        Valid('s = f"{x!r}"\n'),
        Valid("s = f\"{str(x, 'utf-8')}\"\n"),
        Valid('s = f"{str(x)=}"\n'),
        Valid('s = f"{str(x)!r}"\n'),
        Valid('def str(x):\n    return x\n\ns = f"{str(x)}"\n'),
    ]
    INVALID = [
        Invalid('s = f"{str(x)}"\n', expected_fix='s = f"{x!s}"\n', line=1),
        Invalid('s = f"<{repr(a.b):>10}>"\n', expected_fix='s = f"<{a.b!r:>10}>"\n'),
        Invalid('s = f"{ascii(lambda: 1)}"\n', expected_fix='s = f"{(lambda: 1)!a}"\n'),
        Invalid('s = f"{str({1})}"\n', expected_fix='s = f"{ {1}!s}"\n'),
    ]

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__(options, path)
        #: (the placeholder, its conversion call, the called name).
        self._found: list[tuple[cst.FormattedStringExpression, cst.Call, str]] = []

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        call = node.expression
        if node.conversion is not None or node.equal is not None or not isinstance(call, cst.Call):
            return
        if not isinstance(call.func, cst.Name) or call.func.value not in _CONVERSIONS or call.lpar:
            return
        if len(call.args) == 1 and not call.args[0].star and call.args[0].keyword is None:
            self._found.append((node, call, call.func.value))

    def leave_Module(self, original_node: cst.Module) -> None:
        for node, call, name in self._found:
            if not self.is_builtin(name):
                continue
            value = call.args[0].value
            if isinstance(value, (cst.Lambda, cst.NamedExpr, cst.IfExp)) and not value.lpar:
                value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            before = node.whitespace_before_expression
            if _EMPTY.code_for_node(value).startswith("{") and not _EMPTY.code_for_node(before):
                before = cst.SimpleWhitespace(" ")
            fixed = node.with_changes(
                expression=value, conversion=_CONVERSIONS[name], whitespace_before_expression=before
            )
            self.report(node, f"Use !{_CONVERSIONS[name]} instead of calling {name}()", replacement=fixed)
