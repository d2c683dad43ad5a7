"""QH310: ``if c: return True else: return False``."""

from __future__ import annotations

from typing import Any

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.fix_helpers import BuiltinAwareRule, has_comment, returned_bool

#: Builtin calls that always return a bool.
_BOOL_CALLS = frozenset({"isinstance", "issubclass", "callable", "hasattr", "bool", "all", "any"})
#: Comparison operators whose result is always a bool (``==`` and ``<`` may return anything).
_BOOL_OPERATORS = (cst.Is, cst.IsNot, cst.In, cst.NotIn)


class ReturnBoolIf(BuiltinAwareRule):
    """Branching only to return ``True`` or ``False`` spells out what the condition already is.

    The fix returns the condition itself when it is always a bool (``is``,
    ``in``, ``not``, ``isinstance(...)``, ...), ``bool(condition)`` otherwise,
    and ``not condition`` for the inverted form.
    """

    CODE = "QH310"
    NAME = "return-bool-if"
    GROUP = "readability"
    DESCRIPTION = "Return the condition instead of branching to return True/False"
    FIXABLE = True
    FIX_SAFETY = "unsafe"
    FIX_REASON = "Joins the branches into one `return` line: behaviour is kept but later line numbers shift."
    GUARDED = frozenset({"bool", *_BOOL_CALLS})
    VALID = [
        Valid("def f(x):\n    if x:\n        g()\n    elif y:\n        return True\n    else:\n        return False\n"),
        Valid("def f(x):\n    if x:\n        return True\n    else:\n        return None\n"),
        Valid("def f(x):\n    if x:\n        log(x)\n        return True\n    else:\n        return False\n"),
        Valid("def f(x):\n    if x:\n        return True\n    elif y:\n        return False\n    return 1\n"),
        Valid("def f(x):\n    if x:\n        return True\n    else:\n        return True\n"),
    ]
    INVALID = [
        Invalid(
            "def f(x):\n    if x > 1:\n        return True\n    else:\n        return False\n",
            expected_fix="def f(x):\n    return bool(x > 1)\n",
            line=2,
        ),
        Invalid(
            "def f(x):\n    if x in seen:\n        return False\n    else:\n        return True\n",
            expected_fix="def f(x):\n    return x not in seen\n",
        ),
        Invalid(
            "def f(x):\n    if x or y:\n        return False\n    else:\n        return True\n",
            expected_fix="def f(x):\n    return not (x or y)\n",
        ),
        Invalid(
            "def f(x):\n    # check\n    if isinstance(x, int): return True\n    else: return False\n",
            expected_fix="def f(x):\n    # check\n    return isinstance(x, int)\n",
        ),
        Invalid(
            "def f(x):\n    if x is None or y:\n        return True\n    else:\n        return False\n",
            expected_fix="def f(x):\n    return bool(x is None or y)\n",
        ),
        Invalid(
            "def f(x):\n    if x:\n        return True\n    else:  # why\n        return False\n",
            expected_fix=None,
        ),
        Invalid(
            "bool = int\n\ndef f(x):\n    if x:\n        return True\n    else:\n        return False\n",
            expected_fix=None,
            line=4,
        ),
    ]

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__(options, path)
        self._found: list[tuple[cst.If, bool]] = []
        self._elifs: set[int] = set()

    def visit_If(self, node: cst.If) -> None:
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            self._elifs.add(id(orelse))
        if not isinstance(orelse, cst.Else) or id(node) in self._elifs:
            return
        then, otherwise = returned_bool(node.body), returned_bool(orelse.body)
        if then is not None and otherwise is not None and then != otherwise:
            self._found.append((node, then))

    def _returned(self, test: cst.BaseExpression, then: bool) -> cst.BaseExpression | None:
        if not then:
            return _negated(test)
        # _always_bool only takes a call of a plain name.
        call_of_builtin = (
            isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and self.is_builtin(test.func.value)
        )
        if _always_bool(test) and (not isinstance(test, cst.Call) or call_of_builtin):
            return test
        if self.is_builtin("bool"):
            return cst.Call(cst.Name("bool"), [cst.Arg(test.with_changes(lpar=[], rpar=[]))])
        return None

    def leave_Module(self, original_node: cst.Module) -> None:
        for node, then in self._found:
            value = self._returned(node.test, then)
            if value is None or has_comment(node.with_changes(leading_lines=[])):
                self.report(node)
                continue
            statement = cst.SimpleStatementLine([cst.Return(value)], leading_lines=node.leading_lines)
            self.report(node, replacement=statement)


def _negated(test: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        flipped = {cst.In: cst.NotIn, cst.Is: cst.IsNot}.get(type(target.operator))
        if flipped is not None:
            return test.with_changes(comparisons=[target.with_changes(operator=flipped())])
    if not test.lpar and isinstance(test, (cst.BooleanOperation, cst.IfExp, cst.NamedExpr, cst.Lambda)):
        test = test.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.UnaryOperation(cst.Not(), test)


def _always_bool(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.UnaryOperation):
        return isinstance(test.operator, cst.Not)
    if isinstance(test, cst.Comparison):
        return all(isinstance(c.operator, _BOOL_OPERATORS) for c in test.comparisons)
    return isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value in _BOOL_CALLS
