"""QH204: ``== None`` asks the object's ``__eq__``; ``is None`` asks the question meant.

The fix (``is`` / ``is not``) only differs for objects whose ``__eq__`` does
not answer identity for None: array, dataframe and ORM column types. So it is
offered only in modules that import none of those libraries, and never inside
a subscript (``df[df.col == None]`` is a filter, not a test).
"""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.helpers import dotted_name

#: Libraries whose objects overload ``==`` to build expressions or arrays.
OVERLOADING_LIBRARIES = frozenset(
    {
        "numpy",
        "pandas",
        "polars",
        "sqlalchemy",
        "sqlmodel",
        "torch",
        "tensorflow",
        "jax",
        "sympy",
        "pyspark",
        "dask",
        "xarray",
        "cupy",
        "peewee",
        "pony",
        "z3",
        "sqlglot",
        "ibis",
        "numexpr",
        "pyarrow",
    }
)


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


class ComparisonToNone(Rule):
    CODE = "QH204"
    NAME = "comparison-to-none"
    GROUP = "bug-risk"
    DESCRIPTION = "Comparison to None with `==`/`!=`; use `is None`/`is not None`"
    FIXABLE = True
    FIX_SAFETY = "unsafe"
    FIX_REASON = (
        "`is None` no longer calls the object's `__eq__`/`__ne__`: a type whose `== None` is not an "
        "identity test (arrays, ORM columns) gives another result."
    )
    VALID = [
        Valid("if x is None or y is not None:\n    pass\n"),
        Valid("if x == 0:\n    pass\n"),
    ]
    INVALID = [
        Invalid("if x == None:\n    pass\n", expected_fix="if x is None:\n    pass\n", line=1),
        Invalid("ok = value != None\n", expected_fix="ok = value is not None\n"),
        Invalid("ok = None == value\n", expected_fix="ok = None is value\n"),
        Invalid("import numpy as np\nmask = arr == None\n"),
        Invalid("rows = df[(df.a == None)]\n"),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._found: list[tuple[cst.Comparison, bool]] = []
        self._subscripts = 0
        self._overloading = False

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if (dotted_name(alias.name) or "").split(".")[0] in OVERLOADING_LIBRARIES:
                self._overloading = True

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and (dotted_name(node.module) or "").split(".")[0] in OVERLOADING_LIBRARIES:
            self._overloading = True

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._subscripts += 1

    def leave_Subscript(self, original_node: cst.Subscript) -> None:
        self._subscripts -= 1

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            if isinstance(target.operator, (cst.Equal, cst.NotEqual)) and (
                _is_none(left) or _is_none(target.comparator)
            ):
                self._found.append((node, self._subscripts == 0 and len(node.comparisons) == 1))
                return
            left = target.comparator

    def leave_Module(self, original_node: cst.Module) -> None:
        for node, fixable in self._found:
            replacement = None
            if fixable and not self._overloading:
                target = node.comparisons[0]
                operator = target.operator
                if isinstance(operator, cst.Equal):
                    new: cst.BaseCompOp = cst.Is(
                        whitespace_before=operator.whitespace_before, whitespace_after=operator.whitespace_after
                    )
                else:
                    assert isinstance(operator, cst.NotEqual)  # visit_Comparison took == or != only
                    new = cst.IsNot(
                        whitespace_before=operator.whitespace_before, whitespace_after=operator.whitespace_after
                    )
                replacement = node.with_changes(comparisons=[target.with_changes(operator=new)])
            self.report(node, replacement=replacement)
