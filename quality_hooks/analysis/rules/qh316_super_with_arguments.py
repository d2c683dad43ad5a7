"""QH316: ``super(Cls, self)`` inside ``Cls``."""

from __future__ import annotations

from collections import Counter
from typing import Any

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.fix_helpers import BuiltinAwareRule


class _EveryName(frozenset[str]):
    """Watch every name: class names are only known once the module is read."""

    def __contains__(self, item: object) -> bool:
        return True


def _first_param(node: cst.FunctionDef) -> str | None:
    params = [*node.params.posonly_params, *node.params.params]
    return params[0].name.value if params else None


def _is_staticmethod(node: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in node.decorators)


class SuperWithArguments(BuiltinAwareRule):
    """In a method, ``super()`` means ``super(Cls, self)`` and does not break when the class is renamed.

    Fixed only where the two are provably the same: the call is directly in a
    method (not a nested function, lambda or comprehension) of an undecorated
    module-level class whose name is bound nowhere else, and the arguments are
    that class and the method's first parameter.
    """

    CODE = "QH316"
    NAME = "super-with-arguments"
    GROUP = "readability"
    DESCRIPTION = "Use super() without arguments inside the class"
    FIXABLE = True
    FIX_SAFETY = "unsafe"
    FIX_REASON = (
        "Zero-argument `super()` relies on the `__class__` cell: a metaclass that does not pass "
        "`__classcell__` on to `type.__new__` now fails."
    )
    GUARDED = _EveryName()
    VALID = [
        Valid("class A(B):\n    def __init__(self):\n        super().__init__()\n"),
        Valid("class A(B):\n    def __init__(self):\n        super(B, self).__init__()\n"),
        Valid("class A(B):\n    @staticmethod\n    def make(self):\n        return super(A, self).make()\n"),
        Valid("def f(self):\n    return super(A, self).f()\n"),
    ]
    INVALID = [
        Invalid(
            "class A(B):\n    def __init__(self, x):\n        super(A, self).__init__(x)\n",
            expected_fix="class A(B):\n    def __init__(self, x):\n        super().__init__(x)\n",
            line=3,
        ),
        Invalid(
            "class A(B):\n    @classmethod\n    def make(cls):\n        return super(A, cls).make()\n",
            expected_fix="class A(B):\n    @classmethod\n    def make(cls):\n        return super().make()\n",
        ),
        Invalid("@register\nclass A(B):\n    def f(self):\n        return super(A, self).f()\n", expected_fix=None),
        Invalid("class A(B):\n    def f(self):\n        return super(A, self).f()\n\nA = wrap(A)\n", expected_fix=None),
        Invalid(
            "class A(B):\n    def f(self):\n        return [super(A, self).f() for _ in range(2)]\n", expected_fix=None
        ),
    ]

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__(options, path)
        #: Enclosing scopes, innermost last: ClassDef, FunctionDef, Lambda or a comprehension.
        self._scopes: list[cst.CSTNode] = []
        self._classes: Counter[str] = Counter()
        self._found: list[tuple[cst.Call, cst.ClassDef | None]] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._loads.add(id(node.name))
        self._classes[node.name.value] += 1
        self._scopes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._scopes.append(node)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._scopes.pop()

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._scopes.append(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._scopes.pop()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._scopes.append(node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._scopes.pop()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._scopes.append(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._scopes.pop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._scopes.append(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._scopes.pop()

    def check_call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Name) or node.func.value != "super" or len(node.args) != 2:
            return
        cls_arg, obj_arg = (arg.value for arg in node.args)
        if any(arg.star or arg.keyword for arg in node.args):
            return
        if not isinstance(cls_arg, cst.Name) or not isinstance(obj_arg, cst.Name):
            return
        classes = [depth for depth, scope in enumerate(self._scopes) if isinstance(scope, cst.ClassDef)]
        if not classes:
            return
        depth = classes[-1]
        cls = self._scopes[depth]
        method = self._scopes[depth + 1] if depth + 1 < len(self._scopes) else None
        assert isinstance(cls, cst.ClassDef)
        if cls.name.value != cls_arg.value or not isinstance(method, cst.FunctionDef):
            return
        if _is_staticmethod(method) or _first_param(method) != obj_arg.value:
            return
        # Directly in the method (no lambda, comprehension or nested def between) of a plain top-level class.
        fixable = depth == 0 and len(self._scopes) == 2 and not cls.decorators
        self._found.append((node, cls if fixable else None))

    def leave_Module(self, original_node: cst.Module) -> None:
        for call, cls in self._found:
            fixable = (
                cls is not None
                and self.is_builtin("super")
                and self._classes[cls.name.value] == 1
                and cls.name.value not in self._rebound
            )
            if fixable:
                self.report(call, replacement=call.with_changes(args=[]))
            else:
                self.report(call)
