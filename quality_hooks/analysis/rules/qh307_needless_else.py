"""QH307: ``else``/``elif`` after a branch that always jumps away."""

from __future__ import annotations

from typing import Any

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.fix_helpers import dedented_body, ends_with_jump, is_bool_if_else, same_code


class NeedlessElse(Rule):
    """When the ``if`` branch ends in ``return``/``raise``/``continue``/``break``, the
    ``else`` adds a level of nesting for nothing.

    The fix moves the ``else`` body (or turns the ``elif`` into an ``if``) after
    the statement, keeping comments; it is skipped when a comment trails the
    ``else:`` line or the ``else`` block and would lose its line (a
    ``# pragma: no cover`` there must stay on the ``else:``), and when the ``else`` body
    is the same code as the branch above it: dedented, it would follow a branch that
    repeats it (``if c: raise E`` then ``raise E``). ``if c: return True else:
    return False`` is left to QH310, which returns the condition.
    """

    CODE = "QH307"
    NAME = "needless-else"
    GROUP = "readability"
    DESCRIPTION = "Needless else/elif after return, raise, continue or break"
    FIXABLE = True
    FIX_SAFETY = "unsafe"
    FIX_REASON = "Removes the `else:` line and dedents its body: behaviour is kept but later line numbers shift."
    VALID = [
        Valid("def f(x):\n    if x:\n        y = 1\n    else:\n        y = 2\n    return y\n"),
        Valid("def f(x):\n    if x:\n        return 1\n    return 2\n"),
        Valid(
            "def f(x):\n    if x:\n        y = 1\n    elif x is None:\n        return 2\n    else:\n        return 3\n"
        ),
        Valid("for x in y:\n    if x:\n        continue\n    print(x)\n"),
    ]
    INVALID = [
        Invalid(
            "def f(x):\n    if x:\n        return 1\n    else:\n        return 2\n",
            expected_fix="def f(x):\n    if x:\n        return 1\n    return 2\n",
            line=2,
        ),
        Invalid(
            "def f(x):\n    if x:\n        raise ValueError(x)\n    # the usual case\n    else:  # keep me\n"
            "        y = x\n        return y\n",
            expected_fix=None,
        ),
        Invalid(
            "def f(x):\n    if x == 1:\n        return 'a'\n    elif x == 2:\n        return 'b'\n    else:\n"
            "        return 'c'\n",
            expected_fix="def f(x):\n    if x == 1:\n        return 'a'\n    if x == 2:\n        return 'b'\n"
            "    return 'c'\n",
        ),
        Invalid(
            "for x in y:\n    if x: break\n    else: print(x)  # odd\n",
            expected_fix="for x in y:\n    if x: break\n    print(x)  # odd\n",
        ),
        Invalid(
            "def f(x):\n    if x:\n        return 1\n    else:\n        y = 2\n        # trailing note\n    return y\n",
            expected_fix=None,
        ),
        Invalid(  # urllib3 contrib/emscripten/fetch.py: the elif and the else raise the same error
            "def f(e):\n    if e == 1:\n        raise A(e)\n    elif e == 2:\n        raise B(e)\n    else:\n"
            "        # any other error\n        raise B(e)\n",
            expected_fix="def f(e):\n    if e == 1:\n        raise A(e)\n    if e == 2:\n        raise B(e)\n"
            "    else:\n        # any other error\n        raise B(e)\n",
        ),
        Invalid("def f(e):\n    if e:\n        return g(e)\n    else:\n        return g(e)  # same\n"),
    ]

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__(options, path)
        self._elifs: set[int] = set()

    def visit_If(self, node: cst.If) -> None:
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            self._elifs.add(id(orelse))
        if orelse is None or id(node) in self._elifs or not ends_with_jump(node.body) or is_bool_if_else(node):
            return
        if isinstance(orelse, cst.If):
            moved: list[cst.BaseStatement] | None = [orelse]
        elif same_code(node.body, orelse.body):
            moved = None
        else:
            moved = dedented_body(orelse.leading_lines, orelse.body)
        if moved is None:
            self.report(node)
            return
        head = node.with_changes(orelse=None)
        self.report(node, replacement=cst.FlattenSentinel([head, *moved]))
