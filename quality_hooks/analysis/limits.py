"""Bounds on the work one file may cost: nesting depth, tree size and CPU time.

LibCST and the rules walk trees recursively, so a ``1 + 1 + ...`` of a few
hundred terms overflows Python's stack; and LibCST's parser, native code that no
signal interrupts, needs about 80 µs of CPU and 4 KB per syntax node, so a 1 MB line
of 350,000 list items cost 28 s and 1.4 GB before :func:`time_budget` could act.
:func:`check_shape` measures CPython's own tree (depth and node count) without
recursion before LibCST sees the text, and :func:`time_budget` interrupts a file that
runs over ``file-timeout`` (CPU seconds); either way the file gets one line and the
others carry on.
"""

from __future__ import annotations

import ast
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from quality_hooks.source import SourceError

#: Deepest CPython syntax tree handed to LibCST; ~600 overflows the default recursion limit.
MAX_DEPTH = 300
#: Most CPython syntax nodes handed to LibCST: about what it parses within the default
#: ``file-timeout`` (10 s of CPU); the standard library's biggest module has 23,000.
MAX_NODES = 200_000


#: Python's recursion limit while LibCST works on a file (Python 3.11 and newer). LibCST nests an implicit
#: concatenation of N strings N levels deep, where CPython's tree has one constant: the standard
#: library's ``pydoc_data/topics.py`` concatenates 2,215 strings in one value, about 6,600 frames of
#: code generation. From 3.11 a Python-to-Python call takes no C stack, so a higher limit risks no crash.
DEEP_RECURSION_LIMIT = 20_000
_CALLS_TAKE_NO_C_STACK: bool = sys.version_info >= (3, 11)


@contextmanager
def deep_recursion() -> Iterator[None]:
    """Raise the recursion limit to :data:`DEEP_RECURSION_LIMIT` for LibCST's recursive passes (3.11+ only).

    On Python 3.10 each call also takes C stack, so the limit stays and such a file gets
    :func:`too_deep`'s line, as a deeper expression does everywhere.
    """
    if not _CALLS_TAKE_NO_C_STACK:
        yield
        return
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(before, DEEP_RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def too_deep(path: str) -> SourceError:
    return SourceError(f"{path}: too deeply nested to analyse (expression depth over {MAX_DEPTH})")


def too_many_nodes(path: str, nodes: int) -> SourceError:
    return SourceError(f"{path}: too big to analyse ({nodes} syntax nodes, over {MAX_NODES})")


def check_shape(path: str, tree: ast.AST) -> None:
    """Raise when the tree nests more than :data:`MAX_DEPTH` levels or has more than :data:`MAX_NODES` nodes."""
    stack = [(tree, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if depth > MAX_DEPTH:
            raise too_deep(path)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    if nodes > MAX_NODES:
        raise too_many_nodes(path, nodes)


class FileTimeout(BaseException):
    """One file ran over its time budget (a BaseException, so no ``except Exception`` swallows it)."""


def timeout_message(path: str, seconds: float) -> str:
    return f"{path}: took more than {seconds:g} s of CPU to analyse (file-timeout), skipped"


def is_timeout(error: str | None) -> bool:
    """Whether a result's error is a time-budget one (never cached: it depends on the machine's load)."""
    return bool(error) and str(error).endswith("(file-timeout), skipped")


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise :class:`FileTimeout` inside the block after ``seconds`` of this process's CPU time.

    CPU time, not wall time, so a machine busy with other jobs does not push ordinary files
    over the budget. Uses ``SIGPROF``/``ITIMER_PROF``, so it applies in a process's main thread
    on POSIX (the CLI, the hooks and the engine's worker processes); elsewhere the block runs
    unbounded.
    """
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise FileTimeout

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, float(seconds or 0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
