"""Parse once with LibCST; a syntax error becomes a one-line message."""

from __future__ import annotations

import libcst as cst

from quality_hooks.source import SourceError


def parse_module(path: str, text: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        message = str(exc.message).splitlines()[0] if exc.message else "invalid syntax"
        raise SourceError(f"{path}:{exc.raw_line}:{exc.raw_column + 1}: syntax error: {message}") from None
    except (RecursionError, MemoryError):
        raise SourceError(f"{path}: too deeply nested to parse") from None
