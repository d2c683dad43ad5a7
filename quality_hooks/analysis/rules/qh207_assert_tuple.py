"""QH207: ``assert (cond, "message")`` asserts a non-empty tuple, which is always true."""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid


class AssertTuple(Rule):
    CODE = "QH207"
    NAME = "assert-tuple"
    GROUP = "bug-risk"
    DESCRIPTION = "`assert` on a non-empty tuple always passes; drop the parentheses"
    VALID = [
        Valid("assert x, 'x must be set'\n"),
        Valid("assert (x == 1), 'one'\n"),
    ]
    INVALID = [
        Invalid("assert (x, 'x must be set')\n", line=1),
        Invalid("def f(x):\n    assert (x,)\n", line=2),
    ]

    def visit_Assert(self, node: cst.Assert) -> None:
        if isinstance(node.test, cst.Tuple) and node.test.elements:
            self.report(node)
