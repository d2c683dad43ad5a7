"""QH203: a broad ``except`` whose body is only ``pass`` hides every error, bugs included."""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.helpers import dotted_name, only_pass

_BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})


def _is_broad(kind: cst.BaseExpression | None) -> bool:
    if kind is None:
        return True
    if isinstance(kind, cst.Tuple):
        return any(_is_broad(element.value) for element in kind.elements)
    return dotted_name(kind) in _BROAD


class SilentExcept(Rule):
    CODE = "QH203"
    NAME = "silent-except"
    GROUP = "bug-risk"
    DESCRIPTION = "Broad `except` that silently swallows every error; log, re-raise or narrow it"
    VALID = [
        Valid("try:\n    import fast\nexcept ImportError:\n    pass\n"),
        Valid("try:\n    f()\nexcept Exception:\n    log.exception('f failed')\n"),
        Valid("try:\n    f()\nexcept Exception:\n    raise\n"),
    ]
    INVALID = [
        Invalid("try:\n    f()\nexcept Exception:\n    pass\n", line=3),
        Invalid("try:\n    f()\nexcept (OSError, Exception): ...\n", line=3),
        Invalid("try:\n    f()\nexcept:\n    pass\n"),
    ]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if _is_broad(node.type) and only_pass(node.body):
            self.report(node)
