"""QH208: a new exception raised inside ``except`` should say why (``from err`` or ``from None``).

Without ``from`` the traceback reads "During handling of the above exception,
another exception occurred", as if the handler itself had crashed.
"""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid

_EXEMPT = frozenset({"SystemExit", "KeyboardInterrupt", "StopIteration", "NotImplementedError"})


class RaiseWithoutFrom(Rule):
    CODE = "QH208"
    NAME = "raise-without-from"
    GROUP = "bug-risk"
    DESCRIPTION = "New exception raised inside `except` without `from err` or `from None`"
    VALID = [
        Valid("try:\n    f()\nexcept KeyError as err:\n    raise ValueError('bad key') from err\n"),
        Valid("try:\n    f()\nexcept KeyError:\n    raise\n"),
        Valid("try:\n    f()\nexcept KeyError as err:\n    raise err\n"),
        Valid("try:\n    f()\nexcept KeyError:\n    def g():\n        raise ValueError('later')\n"),
        Valid("try:\n    f()\nexcept KeyError:\n    raise SystemExit(1)\n"),
    ]
    INVALID = [
        Invalid("try:\n    f()\nexcept KeyError:\n    raise ValueError('bad key')\n", line=4),
        Invalid("try:\n    f()\nexcept (KeyError, IndexError) as e:\n    if e:\n        raise LookupError\n", line=5),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        #: Per open scope: how many except bodies of that scope we are in.
        self._handlers: list[int] = [0]

    def visit_ExceptHandler_body(self, node: cst.ExceptHandler) -> None:
        self._handlers[-1] += 1

    def leave_ExceptHandler_body(self, node: cst.ExceptHandler) -> None:
        self._handlers[-1] -= 1

    # A raise in a function or class defined inside the handler runs later.
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._handlers.append(0)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._handlers.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._handlers.append(0)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._handlers.pop()

    def visit_Raise(self, node: cst.Raise) -> None:
        if not self._handlers[-1] or node.exc is None or node.cause is not None:
            return
        exc = node.exc
        func = exc.func if isinstance(exc, cst.Call) else exc
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return
        name = func.value if isinstance(func, cst.Name) else func.attr.value
        # A bare lowercase name is most likely the caught exception re-raised.
        if not isinstance(exc, cst.Call) and not name[:1].isupper():
            return
        if name not in _EXEMPT:
            self.report(node)
