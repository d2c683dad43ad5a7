"""QH213: ``raise NotImplemented`` raises a TypeError; ``NotImplementedError`` was meant.

``NotImplemented`` is the value binary dunders return, not an exception. There
is no auto-fix: raising NotImplementedError instead of today's TypeError would
change behaviour, and every fix this tool applies must preserve it.
"""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid


class RaiseNotImplemented(Rule):
    CODE = "QH213"
    NAME = "raise-not-implemented"
    GROUP = "bug-risk"
    DESCRIPTION = "`raise NotImplemented` raises TypeError; raise `NotImplementedError`"
    VALID = [
        Valid("def area(self):\n    raise NotImplementedError\n"),
        Valid("def __eq__(self, other):\n    return NotImplemented\n"),
    ]
    INVALID = [
        Invalid("def area(self):\n    raise NotImplemented\n", line=2),
        Invalid("def area(self):\n    raise NotImplemented('subclasses')\n"),
        Invalid("class NotImplementedError(Exception):\n    pass\nraise NotImplemented\n", line=3),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._found: list[cst.Name] = []

    def visit_Raise(self, node: cst.Raise) -> None:
        exc = node.exc.func if isinstance(node.exc, cst.Call) else node.exc
        if isinstance(exc, cst.Name) and exc.value == "NotImplemented":
            self._found.append(exc)

    def leave_Module(self, original_node: cst.Module) -> None:
        # No fix: NotImplementedError instead of TypeError changes behaviour,
        # and every fix this tool applies must preserve it.
        for name in self._found:
            self.report(name)
