"""QH303: a public function or method without a docstring."""

from __future__ import annotations

from typing import Any

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.results import Severity

#: Decorators after which a docstring is not expected (it lives elsewhere).
_EXEMPT_DECORATORS = frozenset({"overload", "override", "setter", "deleter"})


def _decorator_name(decorator: cst.Decorator) -> str:
    target = decorator.decorator
    if isinstance(target, cst.Call):
        target = target.func
    if isinstance(target, cst.Attribute):
        return target.attr.value
    return target.value if isinstance(target, cst.Name) else ""


def _statement_count(suite: cst.BaseSuite) -> int:
    if isinstance(suite, cst.SimpleStatementSuite):
        return len(suite.body)
    return sum(len(s.body) if isinstance(s, cst.SimpleStatementLine) else 1 for s in suite.body)


class MissingFunctionDocstring(Rule):
    """Public functions and methods are API; say what they promise.

    Skipped: ``_private`` names, dunder methods (the class docstring covers
    ``__init__``), functions nested in functions or in private classes,
    ``@overload`` stubs, ``@override`` methods, property setters and deleters,
    tests (``test_*``, unless ``ignore-tests`` is false) and functions whose body
    has fewer top-level statements than ``min-statements``.
    """

    CODE = "QH303"
    NAME = "missing-function-docstring"
    GROUP = "readability"
    SEVERITY = Severity.INFO
    DESCRIPTION = "Public function has no docstring"
    OPTIONS = {"min-statements": 0, "ignore-tests": True}
    VALID = [
        Valid('def area(r):\n    """Area of a circle of radius r."""\n    return 3.14 * r * r\n'),
        Valid("def _helper():\n    return 1\n"),
        Valid('class A:\n    """Docs."""\n\n    def __init__(self):\n        self.x = 1\n'),
        Valid('def outer():\n    """Docs."""\n\n    def inner():\n        return 1\n\n    return inner\n'),
        Valid("class _Private:\n    def method(self):\n        return 1\n"),
        Valid("from typing import overload\n\n@overload\ndef f(x: int) -> int: ...\n"),
        Valid(
            'class A:\n    """Docs."""\n\n    @property\n    def x(self):\n        """The x."""\n        return 1\n\n'
            "    @x.setter\n    def x(self, value):\n        pass\n"
        ),
        Valid("def test_addition():\n    assert 1 + 1 == 2\n"),
        Valid("def short():\n    return 1\n", options={"min-statements": 2}),
    ]
    INVALID = [
        Invalid("def area(r):\n    return 3.14 * r * r\n", line=1),
        Invalid('class A:\n    """Docs."""\n\n    def run(self):\n        return 1\n', line=4),
        Invalid("async def fetch():\n    return 1\n", line=1),
        Invalid("def test_addition():\n    assert 1 + 1 == 2\n", options={"ignore-tests": False}),
    ]

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__(options, path)
        #: For each enclosing class or function: whether its members are public.
        self._public: list[bool] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._public.append(all(self._public) and not node.name.value.startswith("_"))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._public.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if all(self._public) and self._needs_docstring(node):
            self.report(node.name)
        self._public.append(False)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._public.pop()

    def _needs_docstring(self, node: cst.FunctionDef) -> bool:
        name = node.name.value
        if name.startswith("_") or node.get_docstring() is not None:
            return False
        if self.options["ignore-tests"] and name.startswith("test"):
            return False
        if any(_decorator_name(d) in _EXEMPT_DECORATORS for d in node.decorators):
            return False
        minimum: int = self.options["min-statements"]
        return _statement_count(node.body) >= minimum
