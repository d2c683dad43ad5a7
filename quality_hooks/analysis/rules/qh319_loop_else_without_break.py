"""QH319: a loop ``else`` in a loop that never breaks."""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.fix_helpers import dedented_body, loop_breaks


class LoopElseWithoutBreak(Rule):
    """A loop's ``else`` runs unless the loop ``break``s; without a ``break`` it
    always runs and only misleads the reader into looking for one.

    The fix moves the ``else`` body after the loop, keeping comments.
    """

    CODE = "QH319"
    NAME = "loop-else-without-break"
    GROUP = "readability"
    DESCRIPTION = "Loop else without break: the else body always runs"
    FIXABLE = True
    FIX_SAFETY = "unsafe"
    FIX_REASON = "Removes the `else:` line and dedents its body: behaviour is kept but later line numbers shift."
    VALID = [
        Valid("for x in xs:\n    if x:\n        break\nelse:\n    print('none')\n"),
        Valid("while more():\n    if done():\n        break\nelse:\n    fail()\n"),
        Valid(
            "for x in xs:\n    for y in x:\n        if y:\n            break\n    else:\n        break\n"
            "else:\n    fail()\n"
        ),
    ]
    INVALID = [
        Invalid(
            "for x in xs:\n    print(x)\nelse:\n    # all printed\n    done()\n",
            expected_fix="for x in xs:\n    print(x)\n# all printed\ndone()\n",
            line=1,
        ),
        Invalid(
            "while more():\n    for y in ys:\n        break\nelse:\n    done()\n",
            expected_fix="while more():\n    for y in ys:\n        break\ndone()\n",
        ),
        Invalid(
            "def f(xs):\n    for x in xs:\n        def g():\n            return x\n    else:\n        return 1\n",
            expected_fix="def f(xs):\n    for x in xs:\n        def g():\n            return x\n    return 1\n",
        ),
    ]

    def visit_For(self, node: cst.For) -> None:
        self._check(node)

    def visit_While(self, node: cst.While) -> None:
        self._check(node)

    def _check(self, node: cst.For | cst.While) -> None:
        if node.orelse is None or loop_breaks(node.body):
            return
        moved = dedented_body(node.orelse.leading_lines, node.orelse.body)
        if moved is None:
            self.report(node)
        else:
            self.report(node, replacement=cst.FlattenSentinel([node.with_changes(orelse=None), *moved]))
