"""Line/column positions for LibCST nodes at a quarter of PositionProvider's cost.

LibCST's ``PositionProvider`` updates a line/column pair for every token as it
generates code; profiling showed it costing over twice the parse itself. Here
code generation records only token indices, and line/column are worked out
once, in one pass over the tokens, for the nodes somebody asks about. The
ranges are identical to ``PositionProvider``'s (a test compares them on the
standard library).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider


class _IndexState(CodegenState):
    """Code generation that remembers, per node, the token indices it spans."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.ranges: dict[cst.CSTNode, tuple[int, int]] = {}
        #: Enter (the node) and leave (``None``) events in source order: the
        #: traversal rules are dispatched from, with no second walk of the tree.
        self.events: list[cst.CSTNode | None] = []
        self._stack: list[int] = []

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append(len(self.tokens))
        self.events.append(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        self.events.append(None)
        start = self._stack.pop()
        if node not in self.ranges:
            self.ranges[node] = (start, len(self.tokens))

    @contextmanager
    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> Iterator[None]:
        start = len(self.tokens)
        yield  # no ``finally``: code generation that was interrupted (a file timeout) recorded no range to read
        end = len(self.tokens)
        if start_node is not None:
            start = self.ranges[start_node][0]
        if end_node is not None:
            end = self.ranges[end_node][1]
        self.ranges[node] = (start, end)


class FastPositions(Mapping[cst.CSTNode, CodeRange]):
    """A lazily converted ``node -> CodeRange`` mapping for one module."""

    def __init__(self, module: cst.Module) -> None:
        state = _IndexState(module)
        module._codegen(state)
        self._tokens = state.tokens
        self._ranges = state.ranges
        self.events = state.events
        self._lines: list[int] | None = None
        self._columns: list[int] = []

    def _table(self) -> tuple[list[int], list[int]]:
        if self._lines is None:
            lines = [1]
            columns = [0]
            line, column = 1, 0
            for token in self._tokens:
                if "\n" in token or "\r" in token:
                    parts = token.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                    line += len(parts) - 1
                    column = len(parts[-1])
                else:
                    column += len(token)
                lines.append(line)
                columns.append(column)
            self._lines, self._columns = lines, columns
        return self._lines, self._columns

    def _position(self, index: int) -> CodePosition:
        lines, columns = self._table()
        index = min(index, len(lines) - 1)
        return CodePosition(lines[index], columns[index])

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        start, end = self._ranges[node]
        return CodeRange(self._position(start), self._position(end))

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._ranges)

    def __len__(self) -> int:
        return len(self._ranges)


def install(wrapper: MetadataWrapper) -> FastPositions:
    """Make ``wrapper`` answer PositionProvider from FastPositions.

    MetadataWrapper resolves a provider only if it has no result for it yet,
    so seeding its cache is enough for rules that declare PositionProvider.
    """
    metadata: dict[Any, Any] | None = getattr(wrapper, "_metadata", None)
    seeded = metadata.get(PositionProvider) if metadata is not None else None
    if isinstance(seeded, FastPositions):
        return seeded
    positions = FastPositions(wrapper.module)
    if metadata is not None and PositionProvider not in metadata:
        metadata[PositionProvider] = positions
    return positions
