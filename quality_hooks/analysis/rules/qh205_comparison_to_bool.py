"""QH205: ``x == True`` is either a needless comparison or a sign of a mixed-type value.

No fix: ``x == True`` is also true for ``1`` and ``1.0``, so neither ``x is True``
nor ``x`` preserves behaviour. Subscripts are left alone (dataframe filters).
"""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid


def _is_bool(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value in ("True", "False")


class ComparisonToBool(Rule):
    CODE = "QH205"
    NAME = "comparison-to-bool"
    GROUP = "bug-risk"
    DESCRIPTION = "Comparison to True/False with `==`/`!=`; test the value itself or use `is`"
    VALID = [
        Valid("if flag:\n    pass\n"),
        Valid("if flag is True:\n    pass\n"),
        Valid("rows = df[df.active == True]\n"),
    ]
    INVALID = [
        Invalid("if flag == True:\n    pass\n", line=1),
        Invalid("done = False != state\n"),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._subscripts = 0

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._subscripts += 1

    def leave_Subscript(self, original_node: cst.Subscript) -> None:
        self._subscripts -= 1

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if self._subscripts:
            return
        left = node.left
        for target in node.comparisons:
            if isinstance(target.operator, (cst.Equal, cst.NotEqual)) and (
                _is_bool(left) or _is_bool(target.comparator)
            ):
                self.report(node)
                return
            left = target.comparator
