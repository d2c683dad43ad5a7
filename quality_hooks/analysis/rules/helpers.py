"""Small tree questions several rules ask (not a rule module: no ``qh`` prefix)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator

import libcst as cst

#: Builtin names worth protecting (dunders and the interactive helpers left out).
BUILTIN_NAMES = frozenset(
    name
    for name in dir(builtins)
    if not name.startswith("_") and name not in {"copyright", "credits", "license", "exit", "quit", "help"}
)
BUILTIN_EXCEPTIONS = frozenset(
    name
    for name in BUILTIN_NAMES
    if isinstance(getattr(builtins, name), type) and issubclass(getattr(builtins, name), BaseException)
)


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def target_names(node: cst.BaseExpression) -> Iterator[cst.Name]:
    """Names an assignment target binds (``a, (b, *c) = ...`` gives a, b, c)."""
    if isinstance(node, cst.Name):
        yield node
    elif isinstance(node, (cst.Tuple, cst.List)):
        for element in node.elements:
            yield from target_names(element.value)
    elif isinstance(node, cst.StarredElement):
        yield from target_names(node.value)


def import_binding(alias: cst.ImportAlias) -> str | None:
    """The name an import alias binds in the importing scope."""
    if alias.asname is not None:
        name = alias.asname.name
        return name.value if isinstance(name, cst.Name) else None
    full = dotted_name(alias.name)
    return full.split(".")[0] if full else None


class _BindingFinder(cst.CSTVisitor):
    """Every name bound anywhere under a node, plus whether it yields."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.yields = False
        self.uses_class_cell = False

    def _targets(self, node: cst.BaseExpression) -> None:
        self.names.update(name.value for name in target_names(node))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._targets(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._targets(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._targets(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._targets(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._targets(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.names.add(node.name.value)

    def visit_Param(self, node: cst.Param) -> None:
        self.names.add(node.name.value)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        name = import_binding(node)
        if name:
            self.names.add(name)
        return False

    def visit_ImportStar(self, node: cst.ImportStar) -> None:
        self.names.add("*")

    def visit_Global(self, node: cst.Global) -> None:
        self.names.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.names.update(item.name.value for item in node.names)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self.names.add(node.name.value)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self.names.add(node.name.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        self.yields = True

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in ("super", "__class__"):
            self.uses_class_cell = True


def find_bindings(nodes: Iterable[cst.CSTNode]) -> _BindingFinder:
    finder = _BindingFinder()
    for node in nodes:
        node.visit(finder)
    return finder


def is_call_to(node: cst.BaseExpression, *names: str) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in names


def only_pass(body: cst.BaseSuite) -> bool:
    """Whether a block does nothing: only ``pass`` or ``...`` statements."""
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    for statement in statements:
        if not isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return False
        for small in statement.body:
            if isinstance(small, cst.Pass):
                continue
            if isinstance(small, cst.Expr) and isinstance(small.value, cst.Ellipsis):
                continue
            return False
    return True


def is_literal(node: cst.BaseExpression) -> bool:
    """A str/bytes/number literal (``-1`` included), the things ``is`` must not compare with."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary)):
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        return isinstance(node.expression, (cst.Integer, cst.Float, cst.Imaginary))
    return False
