"""QH209: statements after ``return``/``raise``/``continue``/``break`` never run.

The fix deletes them, one statement per round, unless deleting could change
behaviour: a dead ``yield`` still makes the function a generator, a dead
assignment, import, ``del`` or ``global`` still makes a name local, and a dead
``super()`` still creates the ``__class__`` cell.
"""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.helpers import find_bindings

_JUMPS = (cst.Return, cst.Raise, cst.Continue, cst.Break)
_WORD = {cst.Return: "return", cst.Raise: "raise", cst.Continue: "continue", cst.Break: "break"}


class UnreachableCode(Rule):
    CODE = "QH209"
    NAME = "unreachable-code"
    GROUP = "bug-risk"
    DESCRIPTION = "Code after return, raise, continue or break never runs"
    FIXABLE = True
    FIX_SAFETY = "unsafe"
    FIX_REASON = "Deletes the dead statements: code is dropped and later line numbers shift."
    VALID = [
        Valid("def f(x):\n    if x:\n        return 1\n    return 2\n"),
        Valid("for x in xs:\n    if x:\n        break\n    g(x)\n"),
    ]
    INVALID = [
        Invalid(
            "def f():\n    return 1\n    print('never')\n    cleanup()\n",
            expected_fix="def f():\n    return 1\n",
            line=3,
        ),
        Invalid(
            "for x in xs:\n    continue\n    # gone too\n    g(x)\nelse:\n    h()\n",
            expected_fix=None,
            line=4,
        ),
        Invalid("def f():\n    raise ValueError\n    yield 1\n", line=3),
        Invalid("def f():\n    return x\n    x = 1\n", line=3),
    ]

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        for index, statement in enumerate(node.body[:-1]):
            if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[-1], _JUMPS):
                dead = node.body[index + 1 :]
                found = find_bindings(dead)
                safe = not (found.names or found.yields or found.uses_class_cell)
                word = _WORD[type(statement.body[-1])]
                self.report(
                    dead[0],
                    f"Unreachable code after `{word}`",
                    replacement=cst.RemovalSentinel.REMOVE if safe else None,
                )
                return
