"""Run batched visitors from one code-generation pass instead of a LibCST visit.

LibCST's visit rebuilds every node as it goes, which costs about as much as
parsing. The positions pass (:mod:`quality_hooks.analysis.positions`) already walks
every node in source order, so it records enter/leave events and the rules are
dispatched from that list. The order of non-whitespace nodes is the same as
LibCST's visitor (a test checks this on the standard library).

Attribute visitors (``visit_If_body``) are honoured for attributes that hold a
node or a non-empty sequence of nodes; unlike LibCST they are not called for
``None`` or empty attributes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper

from quality_hooks.analysis import positions

Callback = Callable[[Any], None]

_VISITOR_NAMES: dict[type, tuple[str, ...]] = {}
_OWN_NAMES: dict[type, tuple[str, ...]] = {}


def _own_names(klass: type) -> tuple[str, ...]:
    """The ``visit_*``/``leave_*`` names ``klass`` itself defines as other than a no-op, once per class.

    LibCST's base classes define a no-op for every node type (about 1,700 names), shared by every rule.
    """
    names = _OWN_NAMES.get(klass)
    if names is None:
        names = _OWN_NAMES[klass] = tuple(
            name
            for name, value in vars(klass).items()
            if name.startswith(("visit_", "leave_")) and not getattr(value, "_is_no_op", False)
        )
    return names


class CachedBatchableVisitor(cst.BatchableCSTVisitor):
    """A batchable visitor whose ``visit_*``/``leave_*`` names are found once per class.

    LibCST's default ``get_visitors`` runs ``inspect.getmembers`` on every
    instance; with a visitor per rule per file that cost more than the rules.
    The names are those of ``dir(cls)`` in its order, but found from each class's own
    definitions (:func:`_own_names`): ``dir`` and two ``getattr`` per name of LibCST's
    no-ops cost 30 ms of CPU per process for the 45 rules, in every pool worker.
    """

    def get_visitors(self) -> dict[str, Any]:
        cls = type(self)
        names = _VISITOR_NAMES.get(cls)
        if names is None:
            candidates = sorted({name for klass in cls.__mro__ for name in _own_names(klass)})
            names = tuple(
                name
                for name in candidates
                if callable(getattr(cls, name, None)) and not getattr(getattr(cls, name), "_is_no_op", False)
            )
            _VISITOR_NAMES[cls] = names
        return {name: getattr(self, name) for name in names}


class _Dispatch:
    def __init__(self, visitors: Sequence[cst.BatchableCSTVisitor]) -> None:
        self.enter: dict[str, list[Callback]] = defaultdict(list)
        self.leave: dict[str, list[Callback]] = defaultdict(list)
        self.attr_enter: dict[tuple[str, str], list[Callback]] = defaultdict(list)
        self.attr_leave: dict[tuple[str, str], list[Callback]] = defaultdict(list)
        self.attrs: dict[str, list[str]] = defaultdict(list)
        for visitor in visitors:
            for name, method in visitor.get_visitors().items():
                kind, _, rest = name.partition("_")
                node_type, _, attr = rest.partition("_")
                if attr:
                    table = self.attr_enter if kind == "visit" else self.attr_leave
                    table[(node_type, attr)].append(method)
                    if attr not in self.attrs[node_type]:
                        self.attrs[node_type].append(attr)
                else:
                    (self.enter if kind == "visit" else self.leave)[node_type].append(method)


def _holds(parent: cst.CSTNode, attr: str, node: cst.CSTNode, first: bool) -> bool:
    value = getattr(parent, attr, None)
    if value is node:
        return True
    if isinstance(value, (tuple, list)) and value:
        return (value[0] if first else value[-1]) is node
    return False


def _attribute_events(parent: cst.CSTNode, node: cst.CSTNode, dispatch: _Dispatch, entering: bool) -> None:
    """Fire ``visit_<Parent>_<attr>`` before an attribute's first node, ``leave_`` after its last."""
    parent_type = type(parent).__name__
    table = dispatch.attr_enter if entering else dispatch.attr_leave
    for attr in dispatch.attrs.get(parent_type, ()):
        if _holds(parent, attr, node, entering):
            for callback in table.get((parent_type, attr), ()):
                callback(parent)


def run(events: Sequence[cst.CSTNode | None], visitors: Sequence[cst.BatchableCSTVisitor]) -> None:
    dispatch = _Dispatch(visitors)
    enter, leave, with_attrs = dispatch.enter, dispatch.leave, bool(dispatch.attrs)
    stack: list[cst.CSTNode] = []
    for event in events:
        if event is None:
            node = stack.pop()
            for callback in leave.get(type(node).__name__, ()):
                callback(node)
            if with_attrs and stack:
                _attribute_events(stack[-1], node, dispatch, entering=False)
            continue
        if with_attrs and stack:
            _attribute_events(stack[-1], event, dispatch, entering=True)
        for callback in enter.get(type(event).__name__, ()):
            callback(event)
        stack.append(event)


def visit_batched(wrapper: MetadataWrapper, visitors: Sequence[cst.BatchableCSTVisitor]) -> None:
    """Drop-in for ``wrapper.visit_batched`` with metadata resolved the same way."""
    fast = positions.install(wrapper)
    with ExitStack() as stack:
        for visitor in visitors:
            stack.enter_context(visitor.resolve(wrapper))
        run(fast.events, visitors)
