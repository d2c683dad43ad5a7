"""QH302: a public class without a docstring."""

from __future__ import annotations

from typing import Any

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.results import Severity


class MissingClassDocstring(Rule):
    """Public classes are API; say what they are for.

    Private classes (``_Name``), classes nested in private classes and classes
    local to a function are skipped.
    """

    CODE = "QH302"
    NAME = "missing-class-docstring"
    GROUP = "readability"
    SEVERITY = Severity.INFO
    DESCRIPTION = "Public class has no docstring"
    VALID = [
        Valid('class Point:\n    """A spot on the plane."""\n\n    x: int\n'),
        Valid("class _Helper:\n    pass\n"),
        Valid("def make():\n    class Local:\n        pass\n    return Local\n"),
        Valid("class _Outer:\n    class Inner:\n        pass\n"),
    ]
    INVALID = [
        Invalid("class Point:\n    x: int\n", line=1),
        Invalid('class Outer:\n    """Docs."""\n\n    class Inner:\n        pass\n', line=4),
        Invalid("class Error(Exception):\n    pass\n", line=1),
    ]

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__(options, path)
        #: For each enclosing class or function: whether it keeps its content public.
        self._public: list[bool] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        public = all(self._public) and not node.name.value.startswith("_")
        if public and node.get_docstring() is None:
            self.report(node.name)
        self._public.append(public)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._public.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._public.append(False)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._public.pop()
