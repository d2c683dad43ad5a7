"""QH210: a variable, parameter, function or import named like a builtin hides it.

Class attributes and methods are left alone: ``obj.id`` does not hide ``id``.
"""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.helpers import BUILTIN_NAMES, import_binding, target_names
from quality_hooks.results import Severity


class ShadowedBuiltin(Rule):
    # Info: shadowing is often deliberate (a parameter named `id`); it informs, never fails a gate.
    SEVERITY = Severity.INFO
    CODE = "QH210"
    NAME = "shadowed-builtin"
    GROUP = "bug-risk"
    DESCRIPTION = "Name shadows a Python builtin"
    OPTIONS = {"allow": []}
    VALID = [
        Valid("class Row:\n    id = 0\n    def type(self):\n        return 1\n"),
        Valid("def f(items):\n    total = sum(items)\n    return total\n"),
        Valid("def f(id):\n    return id\n", options={"allow": ["id"]}),
    ]
    INVALID = [
        Invalid("list = [1, 2]\n", line=1),
        Invalid("def f(input, x):\n    return input\n", line=1),
        Invalid("for str in names:\n    pass\n"),
        Invalid("from os import open\n"),
        Invalid("def max(a, b):\n    return a\n"),
        Invalid("with f() as (a, filter):\n    pass\n"),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._allowed = BUILTIN_NAMES - set(self.options["allow"])
        self._in_class: list[bool] = [False]

    def _check(self, name: cst.Name) -> None:
        if name.value in self._allowed:
            self.report(name, f"`{name.value}` shadows the builtin of the same name")

    def _check_target(self, target: cst.BaseExpression) -> None:
        if not self._in_class[-1]:
            for name in target_names(target):
                self._check(name)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not self._in_class[-1]:
            self._check(node.name)
        self._in_class.append(True)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._in_class.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self._in_class[-1]:
            self._check(node.name)
        self._in_class.append(False)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._in_class.pop()

    def visit_Param(self, node: cst.Param) -> None:
        self._check(node.name)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._check_target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._check_target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._check_target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        if isinstance(node.name, (cst.Name, cst.Tuple, cst.List)):
            self._check_target(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._check_target(node.target)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        if node.asname is None and not self._in_class[-1]:
            bound = import_binding(node)
            name = node.name
            if bound in self._allowed and isinstance(name, cst.Name):
                self._check(name)
        return True
