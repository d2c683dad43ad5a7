"""QH216: a breakpoint left in committed code stops the program wherever it runs."""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.helpers import dotted_name

_DEBUGGERS = frozenset({"pdb", "ipdb", "pudb", "pdbpp", "wdb", "web_pdb", "remote_pdb", "rpdb", "debugpy"})
_ENTRIES = frozenset({"set_trace", "post_mortem", "pm", "breakpoint", "wait_for_client"})


class DebuggerCall(Rule):
    CODE = "QH216"
    NAME = "debugger-call"
    GROUP = "bug-risk"
    DESCRIPTION = "Debugger breakpoint left in the code"
    VALID = [
        Valid("def breakpoints():\n    return []\n"),
        Valid("tracer.set_trace()\n"),
    ]
    INVALID = [
        Invalid("breakpoint()\n", line=1),
        Invalid("import pdb; pdb.set_trace()\n", line=1),
        Invalid("def f():\n    import ipdb\n    ipdb.set_trace(context=5)\n", line=3),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        name = dotted_name(node.func)
        if name is None:
            return
        head, _, tail = name.rpartition(".")
        if name == "breakpoint" or (tail in _ENTRIES and head.split(".")[0] in _DEBUGGERS):
            self.report(node)
