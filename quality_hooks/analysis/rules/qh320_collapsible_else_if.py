"""QH320: ``else:`` whose only statement is an ``if``."""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid


class CollapsibleElseIf(Rule):
    """``else:`` holding just an ``if`` is an ``elif`` with an extra level of nesting.

    The fix writes ``elif``; it is skipped when a comment sits on the ``else``
    line or after the inner ``if``, where an ``elif`` has no place for it.
    """

    CODE = "QH320"
    NAME = "collapsible-else-if"
    GROUP = "readability"
    DESCRIPTION = "Use elif instead of else with a nested if"
    FIXABLE = True
    FIX_SAFETY = "unsafe"
    FIX_REASON = "Merges `else:` and the `if` into one `elif` line: behaviour is kept but later line numbers shift."
    VALID = [
        Valid("if a:\n    x()\nelif b:\n    y()\n"),
        Valid("if a:\n    x()\nelse:\n    if b:\n        y()\n    z()\n"),
        Valid("for x in y:\n    pass\nelse:\n    if b:\n        y()\n"),
    ]
    INVALID = [
        Invalid(
            "if a:\n    x()\nelse:\n    if b:\n        y()\n    else:\n        z()\n",
            expected_fix="if a:\n    x()\nelif b:\n    y()\nelse:\n    z()\n",
            line=3,
        ),
        Invalid(
            "if a:\n    x()\n# otherwise\nelse:\n    # second chance\n    if b:\n        y()\n",
            expected_fix="if a:\n    x()\n# otherwise\n# second chance\nelif b:\n    y()\n",
        ),
        Invalid("if a:\n    x()\nelse:  # why\n    if b:\n        y()\n", expected_fix=None),
    ]

    def visit_If(self, node: cst.If) -> None:
        orelse = node.orelse
        if not isinstance(orelse, cst.Else) or not isinstance(orelse.body, cst.IndentedBlock):
            return
        block = orelse.body
        if len(block.body) != 1 or not isinstance(block.body[0], cst.If):
            return
        inner = block.body[0]
        if block.header.comment is not None or any(line.comment for line in block.footer):
            self.report(orelse)
            return
        elif_ = inner.with_changes(leading_lines=[*orelse.leading_lines, *inner.leading_lines])
        self.report(orelse, replacement=elif_)
