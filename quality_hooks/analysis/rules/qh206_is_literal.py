"""QH206: ``is`` with a str/bytes/number literal tests identity, which interning makes arbitrary.

Python itself warns (SyntaxWarning). The fix uses ``==``/``!=``, the comparison
such code means (as ruff's F632 does).
"""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.helpers import is_literal


class IsLiteral(Rule):
    CODE = "QH206"
    NAME = "is-literal"
    GROUP = "bug-risk"
    DESCRIPTION = "`is` comparison with a str, bytes or number literal; use `==`"
    FIXABLE = True
    FIX_SAFETY = "unsafe"
    FIX_REASON = "`==` calls the operand's `__eq__`, which `is` never did, and can be true where identity was false."
    VALID = [
        Valid("if x is None or y is True or z is ():\n    pass\n"),
        Valid("if name == 'main':\n    pass\n"),
    ]
    INVALID = [
        Invalid("if name is 'main':\n    pass\n", expected_fix="if name == 'main':\n    pass\n", line=1),
        Invalid("ok = 0 is not n\n", expected_fix="ok = 0 != n\n"),
        Invalid("ok = a < b is -1\n", expected_fix="ok = a < b == -1\n"),
    ]

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        changed = []
        for target in node.comparisons:
            operator = target.operator
            if isinstance(operator, (cst.Is, cst.IsNot)) and (is_literal(left) or is_literal(target.comparator)):
                if isinstance(operator, cst.Is):
                    new: cst.BaseCompOp = cst.Equal(
                        whitespace_before=operator.whitespace_before, whitespace_after=operator.whitespace_after
                    )
                else:
                    new = cst.NotEqual(
                        whitespace_before=operator.whitespace_before, whitespace_after=operator.whitespace_after
                    )
                target = target.with_changes(operator=new)
            changed.append(target)
            left = target.comparator
        if any(new is not old for new, old in zip(changed, node.comparisons, strict=True)):
            self.report(node, replacement=node.with_changes(comparisons=changed))
