"""QH311: ``pass`` in a block that has other statements."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid


def _is_pass_line(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Pass)
    )


class RedundantPass(Rule):
    """``pass`` only fills a block that would otherwise be empty; next to other code it is noise.

    The fix deletes the line, unless a comment sits on or above it.
    """

    CODE = "QH311"
    NAME = "redundant-pass"
    GROUP = "readability"
    DESCRIPTION = "Redundant pass in a block that has other statements"
    FIXABLE = True
    FIX_SAFETY = "unsafe"
    FIX_REASON = "Deletes the `pass` line: later line numbers shift."
    VALID = [
        Valid("class Empty:\n    pass\n"),
        Valid("try:\n    run()\nexcept OSError:\n    pass\n"),
        Valid("if x: pass\n"),
    ]
    INVALID = [
        Invalid(
            'class Error(Exception):\n    """Raised on errors."""\n\n    pass\n',
            expected_fix='class Error(Exception):\n    """Raised on errors."""\n',
            line=4,
        ),
        Invalid("def f():\n    pass\n    return 1\n", expected_fix="def f():\n    return 1\n", line=2),
        Invalid("if x:\n    pass\n    pass\n", expected_fix="if x:\n    pass\n", line=3),
        Invalid("def f():\n    x = 1\n    pass  # TODO\n", expected_fix=None),
    ]

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._check(node.body)

    def visit_Module(self, node: cst.Module) -> None:
        self._check(node.body)

    def _check(self, body: Sequence[cst.BaseStatement]) -> None:
        passes = [statement for statement in body if _is_pass_line(statement)]
        if not passes or len(body) == 1:
            return
        redundant = passes if len(passes) < len(body) else passes[1:]
        for statement in redundant:
            assert isinstance(statement, cst.SimpleStatementLine)
            commented = statement.trailing_whitespace.comment or any(line.comment for line in statement.leading_lines)
            if commented:
                self.report(statement)
            else:
                self.report(statement, replacement=cst.RemovalSentinel.REMOVE)
