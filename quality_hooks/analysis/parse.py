"""Parse once with LibCST; a syntax error becomes a one-line message."""

from __future__ import annotations

import ast
import warnings

import libcst as cst

from quality_hooks.source import SourceError


def _python_message(path: str, text: str) -> str | None:
    """CPython's own wording and position, which users know from tracebacks."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text, filename=path)
    except SyntaxError as exc:
        return f"{path}:{exc.lineno or 1}:{exc.offset or 1}: syntax error: {exc.msg}"
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def parse_module(path: str, text: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        message = _python_message(path, text)
        if message is None:
            detail = str(exc.message).splitlines()[0] if exc.message else "invalid syntax"
            message = f"{path}:{exc.raw_line}:{exc.raw_column + 1}: LibCST cannot parse this file: {detail}"
        raise SourceError(message) from None
    except (RecursionError, MemoryError):
        raise SourceError(f"{path}: too deeply nested to parse") from None
