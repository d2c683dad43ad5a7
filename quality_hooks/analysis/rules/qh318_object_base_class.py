"""QH318: ``class A(object):``, a Python 2 leftover."""

from __future__ import annotations

from typing import Any

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.fix_helpers import BuiltinAwareRule, has_comment
from quality_hooks.results import Severity


class ObjectBaseClass(BuiltinAwareRule):
    """Every class inherits from ``object`` in Python 3; naming it adds nothing."""

    CODE = "QH318"
    NAME = "object-base-class"
    GROUP = "style"
    SEVERITY = Severity.INFO
    DESCRIPTION = "Needless `object` base class"
    FIXABLE = True
    FIX_SAFETY = "safe"
    FIX_REASON = "Every Python 3 class derives from `object`: the bases and MRO are the same."
    GUARDED = frozenset({"object"})
    VALID = [
        Valid("class A:\n    pass\n"),
        Valid("class A(B):\n    pass\n"),
        Valid("object = Base\n\nclass A(object):\n    pass\n"),
    ]
    INVALID = [
        Invalid("class A(object):\n    pass\n", expected_fix="class A:\n    pass\n", line=1),
        Invalid("class A(Base, object):\n    pass\n", expected_fix="class A(Base):\n    pass\n"),
        Invalid("class A(object, metaclass=Meta):\n    pass\n", expected_fix="class A(metaclass=Meta):\n    pass\n"),
        Invalid("class A(\n    object,  # legacy\n):\n    pass\n", expected_fix=None),
    ]

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__(options, path)
        self._found: list[cst.ClassDef] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if any(_is_object(base) for base in node.bases):
            self._found.append(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self.is_builtin("object"):
            return
        for node in self._found:
            header = node.with_changes(body=cst.SimpleStatementSuite([]), leading_lines=[], decorators=[])
            fixed = None if has_comment(header) else _without_object(node)
            self.report(node, replacement=fixed)


def _is_object(arg: cst.Arg) -> bool:
    return isinstance(arg.value, cst.Name) and arg.value.value == "object" and arg.keyword is None and not arg.star


def _without_object(node: cst.ClassDef) -> cst.ClassDef:
    bases = [b for b in node.bases if not _is_object(b)]
    keywords = list(node.keywords)
    if not bases and not keywords:
        return node.with_changes(bases=[], lpar=cst.MaybeSentinel.DEFAULT, rpar=cst.MaybeSentinel.DEFAULT)
    if not keywords and _is_object(node.bases[-1]):
        # ``object`` was last: the new last base must not keep a dangling comma.
        bases[-1] = bases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(bases=bases, keywords=keywords)
