"""QH305: ``not x in y`` and ``not x is y``."""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.fix_helpers import has_comment

_EMPTY = cst.Module([])

_NEGATED: dict[type[cst.BaseCompOp], type[cst.NotIn] | type[cst.IsNot]] = {cst.In: cst.NotIn, cst.Is: cst.IsNot}


class NegatedComparison(Rule):
    """``not x in y`` reads as ``(not x) in y``; Python has ``not in`` and ``is not`` for this.

    The fix is exact: ``x not in y`` is defined as ``not (x in y)``.
    """

    CODE = "QH305"
    NAME = "negated-comparison"
    GROUP = "readability"
    DESCRIPTION = "Use `x not in y` / `x is not y` instead of negating the comparison"
    FIXABLE = True
    FIX_SAFETY = "safe"
    FIX_REASON = "`x not in y` is defined as `not (x in y)`: the same dunders run."
    VALID = [
        Valid("if x not in y:\n    pass\n"),
        Valid("if not x == y:\n    pass\n"),
        Valid("if not a < b < c:\n    pass\n"),
        Valid("if not (a in b in c):\n    pass\n"),
    ]
    INVALID = [
        Invalid("if not x in y:\n    pass\n", expected_fix="if x not in y:\n    pass\n", line=1),
        Invalid("ok = not x is None\n", expected_fix="ok = x is not None\n"),
        Invalid("ok = a and not(x in y)\n", expected_fix="ok = a and x not in y\n"),
        Invalid("ok = (not x in y)\n", expected_fix="ok = (x not in y)\n"),
        Invalid("ok = not not x in y\n", expected_fix="ok = not x not in y\n"),
        Invalid("ok = not (\n    x  # why\n    in y\n)\n", expected_fix="ok = (\n    x  # why\n    not in y\n)\n"),
    ]

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if not isinstance(node.operator, cst.Not):
            return
        comparison = node.expression
        if not isinstance(comparison, cst.Comparison) or len(comparison.comparisons) != 1:
            return
        target = comparison.comparisons[0]
        negated = _NEGATED.get(type(target.operator))
        if negated is None:
            return
        assert isinstance(target.operator, (cst.In, cst.Is))  # the keys of _NEGATED
        operator = negated(
            whitespace_before=target.operator.whitespace_before, whitespace_after=target.operator.whitespace_after
        )
        fixed = comparison.with_changes(comparisons=[target.with_changes(operator=operator)])
        if "\n" in _EMPTY.code_for_node(comparison):
            # Its brackets hold line breaks (maybe comments): keep them.
            fixed = fixed.with_changes(lpar=[*node.lpar, *fixed.lpar], rpar=[*fixed.rpar, *node.rpar])
        else:
            fixed = fixed.with_changes(lpar=node.lpar, rpar=node.rpar)
        if has_comment(node.operator):
            self.report(node)
        else:
            self.report(node, replacement=fixed)
