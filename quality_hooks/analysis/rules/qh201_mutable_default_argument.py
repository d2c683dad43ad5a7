"""QH201: a mutable default is created once and shared by every call."""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.helpers import is_call_to

_MUTABLE_DISPLAYS = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)


class MutableDefaultArgument(Rule):
    CODE = "QH201"
    NAME = "mutable-default-argument"
    GROUP = "bug-risk"
    DESCRIPTION = "Mutable default argument is shared between calls; default to None and create it inside"
    VALID = [
        Valid("def f(items=None):\n    items = [] if items is None else items\n"),
        Valid("def f(items=(), name='x', n=frozenset()):\n    pass\n"),
    ]
    INVALID = [
        Invalid("def f(items=[]):\n    items.append(1)\n", line=1),
        Invalid("def f(*, seen={}):\n    pass\n"),
        Invalid("handler = lambda cache=dict(): cache\n"),
        Invalid("class C:\n    def m(self, found=set()):\n        pass\n", line=2),
    ]

    def visit_Param(self, node: cst.Param) -> None:
        default = node.default
        if default is None:
            return
        if isinstance(default, _MUTABLE_DISPLAYS) or is_call_to(default, "list", "dict", "set", "bytearray"):
            self.report(default, f"Mutable default for `{node.name.value}` is shared between calls; use None")
