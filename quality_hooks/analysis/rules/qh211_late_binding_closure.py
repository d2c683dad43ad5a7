"""QH211: a lambda or function made in a loop and kept for later sees the loop variable's last value.

Only closures that escape the iteration are reported (stored, appended,
registered, collected in a comprehension); a lambda used on the spot, such as
``sorted(key=lambda v: v[i])``, runs while the variable still has its value.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.helpers import target_names

_STORING_METHODS = frozenset({"append", "add", "insert", "extend", "appendleft", "setdefault", "connect", "register"})


def _free_names(node: cst.CSTNode, bound: set[str]) -> Iterator[str]:
    if isinstance(node, cst.Name):
        if node.value not in bound:
            yield node.value
        return
    if isinstance(node, cst.Attribute):
        yield from _free_names(node.value, bound)
        return
    if isinstance(node, (cst.Lambda, cst.FunctionDef)):
        params = node.params
        bound = bound | {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                bound = bound | {extra.name.value}
    for child in node.children:
        yield from _free_names(child, bound)


class LateBindingClosure(Rule):
    CODE = "QH211"
    NAME = "late-binding-closure"
    GROUP = "bug-risk"
    DESCRIPTION = "Closure created in a loop uses the loop variable, which it will only read later"
    VALID = [
        Valid("for i in range(3):\n    callbacks.append(lambda i=i: i)\n"),
        Valid("for i in range(3):\n    rows.sort(key=lambda row: row[i])\n"),
        Valid("handlers = [lambda x: x * 2 for i in range(3)]\n"),
        Valid("for i in range(3):\n    key = lambda row: row[i]\n    rows.sort(key=key)\n"),
        Valid("for n in range(3):\n    def show():\n        return n\n    show()\n    run(show)\n"),
    ]
    INVALID = [
        Invalid("for i in range(3):\n    callbacks.append(lambda: i)\n", line=2),
        Invalid("handlers = [lambda: i for i in range(3)]\n", line=1),
        Invalid("for name in names:\n    table[name] = lambda: print(name)\n", line=2),
        Invalid("for n in range(3):\n    def show():\n        return n\n    todo.append(show)\n", line=2),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._loop_names: list[set[str]] = []

    def visit_For_body(self, node: cst.For) -> None:
        self._loop_names.append({name.value for name in target_names(node.target)})

    def leave_For_body(self, node: cst.For) -> None:
        self._loop_names.pop()

    def _looped(self) -> set[str]:
        return set().union(*self._loop_names) if self._loop_names else set()

    def _check(self, closure: cst.Lambda | cst.FunctionDef, names: set[str]) -> None:
        if names and names.intersection(_free_names(closure, set())):
            self.report(closure)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if self._loop_names and isinstance(func, cst.Attribute) and func.attr.value in _STORING_METHODS:
            for arg in node.args:
                if isinstance(arg.value, cst.Lambda):
                    self._check(arg.value, self._looped())

    def visit_Assign(self, node: cst.Assign) -> None:
        # Stored into a container or object, it outlives the iteration.
        stored = any(isinstance(t.target, (cst.Subscript, cst.Attribute)) for t in node.targets)
        if self._loop_names and stored and isinstance(node.value, cst.Lambda):
            self._check(node.value, self._looped())

    def _visit_comprehension(self, element: cst.BaseExpression, comp: cst.CompFor) -> None:
        if not isinstance(element, cst.Lambda):
            return
        names: set[str] = set()
        current: cst.CompFor | None = comp
        while current is not None:
            names.update(name.value for name in target_names(current.target))
            current = current.inner_for_in
        self._check(element, names)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._visit_comprehension(node.elt, node.for_in)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._visit_comprehension(node.elt, node.for_in)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._visit_comprehension(node.elt, node.for_in)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._visit_comprehension(node.value, node.for_in)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if not self._loop_names:
            return
        # A def in a loop body escapes when a later statement stores it away.
        for index, statement in enumerate(node.body):
            if isinstance(statement, cst.FunctionDef):
                later = node.body[index + 1 :]
                if any(_stored(statement.name.value, other) for other in later):
                    self._check(statement, self._looped())


def _is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _stored(name: str, node: cst.CSTNode) -> bool:
    """Whether ``node`` appends/registers ``name`` or assigns it into a container or attribute."""
    if isinstance(node, cst.Call):
        func = node.func
        stores = isinstance(func, cst.Attribute) and func.attr.value in _STORING_METHODS
        if stores and any(_is_name(arg.value, name) for arg in node.args):
            return True
    elif isinstance(node, cst.Assign) and _is_name(node.value, name):
        return any(isinstance(t.target, (cst.Subscript, cst.Attribute)) for t in node.targets)
    return any(_stored(name, child) for child in node.children)
