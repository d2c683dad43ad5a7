"""QH215: ``ValueError("bad")`` on its own line creates an exception and drops it: ``raise`` is missing."""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.helpers import BUILTIN_EXCEPTIONS


class ExceptionNotRaised(Rule):
    CODE = "QH215"
    NAME = "exception-not-raised"
    GROUP = "bug-risk"
    DESCRIPTION = "Exception is created but not raised; add `raise`"
    VALID = [
        Valid("raise ValueError('bad')\n"),
        Valid("error = ValueError('bad')\nwarnings.warn(DeprecationWarning('old'))\n"),
    ]
    INVALID = [
        Invalid("def f(x):\n    if x < 0:\n        ValueError('negative')\n", line=3),
        Invalid("ConfigError('missing key')\n"),
    ]

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Name):
            name = call.func.value
            if name in BUILTIN_EXCEPTIONS or (name[:1].isupper() and name.endswith(("Error", "Exception"))):
                self.report(node)
