"""Parse once with LibCST, after CPython has accepted the text; problems become one-line messages.

CPython decides what is Python: text that ``compile()`` refuses (500 nested
parentheses, ``return`` outside a function) is a syntax error whatever LibCST
thinks, and its tree's depth and size are checked before LibCST's recursive parser
and our recursive visits see the text.
"""

from __future__ import annotations

import warnings

import libcst as cst

from quality_hooks.analysis.limits import check_shape, too_deep
from quality_hooks.analysis.trees import python_tree
from quality_hooks.source import SourceError


def _python_message(path: str, exc: SyntaxError) -> str:
    """CPython's own wording and position, which users know from tracebacks."""
    return f"{path}:{exc.lineno or 1}:{exc.offset or 1}: syntax error: {exc.msg}"


def check_python(path: str, text: str) -> None:
    """Raise SourceError unless CPython parses and compiles ``text`` and its tree is neither too deep nor too big."""
    try:
        tree = python_tree(text)  # shared with radon's metrics and the models' features
        try:
            check_shape(path, tree)
        except SourceError:
            python_tree.cache_clear()  # a refused tree (hundreds of MB for a 1 MB line) is not kept
            raise
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(tree, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise SourceError(_python_message(path, exc)) from None
    except (RecursionError, MemoryError):
        raise too_deep(path) from None
    except ValueError as exc:  # e.g. NUL bytes, which the reader refuses earlier
        raise SourceError(f"{path}: cannot compile: {exc}") from None


def parse_module(path: str, text: str) -> cst.Module:
    check_python(path, text)
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        detail = str(exc.message).splitlines()[0] if exc.message else "invalid syntax"
        message = f"{path}:{exc.raw_line}:{exc.raw_column + 1}: LibCST cannot parse this file: {detail}"
        raise SourceError(message) from None
    except (RecursionError, MemoryError):
        raise too_deep(path) from None
