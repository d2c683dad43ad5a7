"""QH212: ``open(...)`` used as a temporary leaves closing the file to the garbage collector.

Reported when the file object is used on the spot and dropped: ``open(p).read()``,
``json.load(open(p))``, ``for line in open(p)``. Kept handles (assigned,
returned, given to ``closing``/``enter_context``) are not guessed about.
"""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.helpers import is_call_to

_MANAGERS = frozenset({"closing", "enter_context", "push", "callback", "ExitStack", "TextIOWrapper", "BufferedReader"})


class OpenWithoutWith(Rule):
    CODE = "QH212"
    NAME = "open-without-with"
    GROUP = "bug-risk"
    DESCRIPTION = "File opened with `open()` outside a `with` block is never closed explicitly"
    VALID = [
        Valid("with open(path) as handle:\n    data = handle.read()\n"),
        Valid("handle = open(path)\ntry:\n    data = handle.read()\nfinally:\n    handle.close()\n"),
        Valid("def f(path):\n    return open(path)\n"),
        Valid("with contextlib.closing(open(path)) as f:\n    pass\nstack.enter_context(open(path))\n"),
    ]
    INVALID = [
        Invalid("data = open(path).read()\n", line=1),
        Invalid("config = json.load(open(path))\n", line=1),
        Invalid("for line in open(path, encoding='utf-8'):\n    print(line)\n", line=1),
        Invalid("lines = [line for line in open(path)]\n"),
    ]

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if is_call_to(node.value, "open"):
            self.report(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
        if name in _MANAGERS:
            return
        for arg in node.args:
            if is_call_to(arg.value, "open"):
                self.report(arg.value)

    def visit_For(self, node: cst.For) -> None:
        if is_call_to(node.iter, "open"):
            self.report(node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if is_call_to(node.iter, "open"):
            self.report(node.iter)
