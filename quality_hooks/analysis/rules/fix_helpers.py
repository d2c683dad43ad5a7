"""Shared pieces for rules whose fixes must provably keep behaviour.

:class:`BuiltinAwareRule` answers "does ``list`` here still mean the builtin?"
without ScopeProvider (which costs several parses on big files): it watches every
``Name`` spelled like a guarded builtin during the shared visit and trusts the
builtin only if each occurrence sits in a position that cannot bind it (a call,
an argument, an attribute or subscript base). Rules collect candidates while
visiting and decide at ``leave_Module``, when the whole module has been seen.
"""

from __future__ import annotations

import ast
import dataclasses
from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

import libcst as cst
from libcst._nodes.internal import CodegenState

from quality_hooks.analysis.rules.base import Rule

JUMPS = (cst.Return, cst.Raise, cst.Continue, cst.Break)
#: A module only to generate code with (a comment's ``#`` does not depend on the indentation).
_EMPTY = cst.Module(body=[])


class BuiltinAwareRule(Rule):
    """A rule that may only fix when some builtins are not shadowed in the module."""

    #: Builtin names the rule relies on.
    GUARDED: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, options: dict[str, Any] | None = None, path: str = "<string>") -> None:
        super().__init__(options, path)
        self._loads: set[int] = set()
        self._rebound: set[str] = set()
        self._star_import = False

    def is_builtin(self, name: str) -> bool:
        """True when ``name`` cannot have been rebound anywhere in this module."""
        return not self._star_import and name not in self._rebound

    def _mark_load(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Name) and node.value in self.GUARDED:
            self._loads.add(id(node))

    def visit_Call(self, node: cst.Call) -> None:
        self._mark_load(node.func)
        self.check_call(node)

    def check_call(self, node: cst.Call) -> None:
        """Hook for subclasses that look at calls."""

    def visit_Arg(self, node: cst.Arg) -> None:
        value = node.value
        self._mark_load(value)
        if node.keyword is not None:  # f(list=...) names a parameter, binds nothing here
            self._loads.add(id(node.keyword))
        if isinstance(value, cst.Tuple):  # isinstance(x, (list, tuple))
            for element in value.elements:
                self._mark_load(element.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._mark_load(node.value)
        self._loads.add(id(node.attr))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._mark_load(node.value)

    def visit_ImportStar(self, node: cst.ImportStar) -> None:
        self._star_import = True

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.GUARDED and id(node) not in self._loads:
            self._rebound.add(node.value)


def has_comment(node: cst.CSTNode) -> bool:
    """Whether a fix that rebuilds ``node`` could drop a comment inside it."""
    # A walk of the children, not ``libcst.matchers.findall``: matchers cost a quarter second to import.
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, cst.Comment):
            return True
        pending.extend(current.children)
    return False


def suite_statements(suite: cst.BaseSuite) -> list[cst.BaseStatement]:
    """The statements of a block, turning ``x: a; b`` suites into a line."""
    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    assert isinstance(suite, cst.SimpleStatementSuite)
    body = list(suite.body)
    if body:
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return [cst.SimpleStatementLine(body=body, trailing_whitespace=suite.trailing_whitespace)]


def ends_with_jump(suite: cst.BaseSuite) -> bool:
    """Whether control never falls off the end of ``suite``."""
    if isinstance(suite, cst.IndentedBlock):
        if not suite.body:
            return False
        last = suite.body[-1]
        if not isinstance(last, cst.SimpleStatementLine):
            return False
        small = last.body
    else:
        assert isinstance(suite, cst.SimpleStatementSuite)  # the other kind of BaseSuite
        small = suite.body
    return bool(small) and isinstance(small[-1], JUMPS)


def same_code(first: cst.BaseSuite, second: cst.BaseSuite) -> bool:
    """Whether two blocks are the same statements, comments and layout aside (compared as ASTs)."""

    def dump(suite: cst.BaseSuite) -> str:
        module = cst.Module(body=[])
        return ast.dump(ast.parse("".join(module.code_for_node(line) for line in suite_statements(suite))))

    return dump(first) == dump(second)


def dedented_body(leading: Sequence[cst.EmptyLine], suite: cst.BaseSuite) -> list[cst.BaseStatement] | None:
    """The statements of an ``else:`` block moved one level out, keeping comments.

    ``leading`` are the lines above ``else:``. Returns ``None`` when a comment
    could not be kept (one trailing the block, after its last statement).
    """
    if isinstance(suite, cst.IndentedBlock) and any(line.comment for line in suite.footer):
        return None
    statements = suite_statements(suite)
    if not statements:
        return None
    moved: list[cst.EmptyLine] = list(leading)
    header = suite.header if isinstance(suite, cst.IndentedBlock) else None
    if header is not None and header.comment is not None:
        moved.append(cst.EmptyLine(comment=header.comment))
    first = statements[0]
    # BaseStatement's two kinds both carry leading_lines; the base class does not declare it.
    assert isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    if moved:
        statements[0] = first.with_changes(leading_lines=[*moved, *first.leading_lines])
    return statements


def loop_breaks(body: cst.BaseSuite) -> bool:
    """Whether a ``break`` in ``body`` belongs to this loop (not a nested one)."""
    finder = _BreakFinder()
    body.visit(finder)
    return finder.found


class _BreakFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Break(self, node: cst.Break) -> bool:
        self.found = True
        return False

    def visit_For(self, node: cst.For) -> bool:
        # A break in a nested loop's body is that loop's; its else may still break ours.
        if node.orelse is not None:
            node.orelse.visit(self)
        return False

    def visit_While(self, node: cst.While) -> bool:
        if node.orelse is not None:
            node.orelse.visit(self)
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def returned_bool(suite: cst.BaseSuite) -> bool | None:
    """True/False when ``suite`` is only ``return True``/``return False``."""
    statements = suite_statements(suite)
    if len(statements) != 1 or not isinstance(statements[0], cst.SimpleStatementLine):
        return None
    small = statements[0].body
    if len(small) != 1 or not isinstance(small[0], cst.Return):
        return None
    value = small[0].value
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return value.value == "True"
    return None


def is_bool_if_else(node: cst.If) -> bool:
    """``if c: return True else: return False`` (either way round): QH310's case, not QH307's."""
    if not isinstance(node.orelse, cst.Else):
        return False
    then, otherwise = returned_bool(node.body), returned_bool(node.orelse.body)
    return then is not None and otherwise is not None and then != otherwise


class _Comments(CodegenState):
    """Comments under a node: those trailing code on their line, and all of them.

    Collected while generating the node's code, which walks every node without rebuilding any:
    a LibCST visit copies each node it passes (measured: 15 ms for a 60-line ``if`` with
    comments, against 3 ms to generate its code).
    """

    def __init__(self) -> None:
        super().__init__(default_indent="    ", default_newline="\n")
        self.trailing: Counter[str] = Counter()
        self.every: Counter[str] = Counter()

    def before_codegen(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.TrailingWhitespace) and node.comment is not None:
            self.trailing[node.comment.value] += 1
        elif isinstance(node, cst.Comment):
            self.every[node.value] += 1


def node_parts(node: object) -> list[cst.CSTNode]:
    """The nodes a fix's node or replacement consists of (none for a removal)."""
    if isinstance(node, cst.FlattenSentinel):
        return list(node.nodes)
    return [node] if isinstance(node, cst.CSTNode) else []


def _newlines(node: object) -> int:
    empty = cst.Module(body=[])
    return sum(empty.code_for_node(part).count("\n") for part in node_parts(node))


def _renders_from_children(old: cst.CSTNode, new: cst.CSTNode) -> bool:
    """Whether both nodes' text is their own tokens (the same in both, and without line breaks) plus their children's.

    True for two nodes of one type with equal non-node fields (a ``MaybeSentinel`` or ``None``
    stands for default punctuation or nothing), except the two whose code adds a line of its
    own: an empty block (``pass``) and a module without a trailing newline.
    """
    if type(old) is not type(new):
        return False
    if isinstance(old, cst.IndentedBlock) and isinstance(new, cst.IndentedBlock) and not (old.body and new.body):
        return False
    trailing = (getattr(node, "has_trailing_newline", True) for node in (old, new))
    if isinstance(old, cst.Module) and not all(trailing):
        return False
    for item in dataclasses.fields(old):
        before, after = getattr(old, item.name), getattr(new, item.name)
        if _is_nodes(before) and _is_nodes(after):
            continue
        if before != after:
            return False
    return True


def _is_nodes(value: object) -> bool:
    """A field rendered by child nodes, or by a sentinel's default tokens (never a line break)."""
    if value is None or isinstance(value, (cst.CSTNode, cst.MaybeSentinel)):
        return True
    return isinstance(value, (list, tuple)) and all(isinstance(part, cst.CSTNode) for part in value)


def _newline_delta(old: cst.CSTNode, new: cst.CSTNode) -> int:
    """Line breaks ``new`` has over ``old``, rendering only what differs.

    A fix builds its replacement with ``with_changes``, which shares every untouched
    child with the original, so a one-token change in a 3,000-line class costs a few
    small renders rather than two of the whole class.
    """
    if old is new:
        return 0
    if not _renders_from_children(old, new):
        return _newlines(new) - _newlines(old)
    shared = {id(child) for child in old.children} & {id(child) for child in new.children}
    old_rest = [child for child in old.children if id(child) not in shared]
    new_rest = [child for child in new.children if id(child) not in shared]
    if len(old_rest) == len(new_rest):
        return sum(_newline_delta(before, after) for before, after in zip(old_rest, new_rest, strict=True))
    return sum(map(_newlines, new_rest)) - sum(map(_newlines, old_rest))


def keeps_lines(node: cst.CSTNode, replacement: object) -> bool:
    """Whether a fix leaves the number of lines alone, so every later line keeps its number."""
    if isinstance(replacement, cst.CSTNode):
        return _newline_delta(node, replacement) == 0
    return _newlines(node) == _newlines(replacement)


def fix_safety(rule: type[Rule], node: cst.CSTNode, replacement: object) -> str:
    """One fix's class: its rule's, except that a safe rule's fix adding or removing lines here is unsafe."""
    if rule.FIX_SAFETY == "safe" and not keeps_lines(node, replacement):
        return "unsafe"
    return rule.FIX_SAFETY


def _comments(node: object) -> _Comments:
    found = _Comments()
    for part in node_parts(node):
        part._codegen(found)
    return found


def keeps_comments(node: cst.CSTNode, replacement: object, source: str | None = None) -> bool:
    """Whether every comment of the fixed node survives, and each one trailing code still does.

    A trailing comment turned into a line of its own loses its meaning (a pragma, ``# type: ignore``,
    ``# noqa`` apply to the line they end), so such a fix is not applied to that node. ``source`` is
    the module's text when ``node`` is the module (its code, without generating it again).
    """
    texts = (
        [source] if source is not None and isinstance(node, cst.Module) else map(_EMPTY.code_for_node, node_parts(node))
    )
    if not any("#" in text for text in texts):
        return True  # no comment to lose; generating the code costs a fraction of a LibCST visit
    before, after = _comments(node), _comments(replacement)
    return not (before.trailing - after.trailing) and not (before.every - after.every)
