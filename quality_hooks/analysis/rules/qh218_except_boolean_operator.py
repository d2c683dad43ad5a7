"""QH218: ``except A or B:`` evaluates ``A or B`` to ``A`` and catches only ``A``.

No fix: the tuple ``(A, B)`` that was meant changes which errors are caught.
"""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid


class ExceptBooleanOperator(Rule):
    CODE = "QH218"
    NAME = "except-boolean-operator"
    GROUP = "bug-risk"
    DESCRIPTION = "`except A or B` catches only A; use a tuple `except (A, B)`"
    VALID = [
        Valid("try:\n    f()\nexcept (KeyError, IndexError):\n    pass\n"),
    ]
    INVALID = [
        Invalid("try:\n    f()\nexcept KeyError or IndexError:\n    pass\n", line=3),
        Invalid("try:\n    f()\nexcept (KeyError and ValueError) as e:\n    pass\n", line=3),
    ]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if isinstance(node.type, cst.BooleanOperation):
            self.report(node.type)
