"""radon's metrics for one file, in linear time, from one ``ast`` parse.

radon's own entry points each re-parse the source, and ``radon.raw.analyze``
re-tokenises a growing buffer for every line of a multi-line statement, so a
2,500-line dict literal costs it tens of seconds (quadratic). Here the source
is parsed with ``ast`` once and radon's visitors get that tree; the raw counts
come from :func:`raw_counts`, which tokenises the file once but applies
radon's own per-statement counting rules, so the numbers are radon's.

Deliberate difference: where radon raises (source its tokeniser rejects), the
raw counts fall back to a line-based estimate and ``"raw"`` is recorded in
``FileMetrics.degraded``; likewise ``"ast"`` when the tree cannot be built.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from radon.metrics import h_visit_ast, mi_compute
from radon.raw import Module as RawCounts
from radon.raw import _logical, is_single_token
from radon.visitors import Class, ComplexityVisitor, Function

from quality_hooks.analysis.trees import complexity_visit, kept_per_text, python_tree
from quality_hooks.results import FileMetrics

_BRACKET_DEPTH = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}
_ENDMARKER = tokenize.TokenInfo(tokenize.ENDMARKER, "", (0, 0), (0, 0), "")


_PREFIX = tokenize.group(*sorted(tokenize._all_string_prefixes(), key=len, reverse=True))
_QUOTED = r"""(?:'[^\n'\\]*(?:\\.[^\n'\\]*)*'|"[^\n"\\]*(?:\\.[^\n"\\]*)*")"""
_SCANNER = re.compile(
    r"[ \f\t]*(?:"
    + "|".join(
        (
            r"(?P<cont>\\\n)",
            r"(?P<comment>#[^\n]*)",
            "(?P<string>" + _PREFIX + "(?:'''" + tokenize.Single3 + '|"""' + tokenize.Double3 + "))",
            "(?P<open_triple>" + _PREFIX + "(?:'''|\"\"\"))",
            "(?P<number>" + tokenize.Number + ")",
            r"(?P<nl>\n)",
            r"(?P<open>[(\[{])",
            r"(?P<close>[)\]}])",
            r"(?P<semi>;)",
            r"(?P<colon>:(?!=))",
            "(?P<op>" + tokenize.Special + ")",
            "(?P<quoted>" + _PREFIX + _QUOTED + ")",
            r"(?P<name>\w+)",
            r"(?P<unknown>.)",
        )
    )
    + ")",
    re.DOTALL,
)
_PLAIN = frozenset({"name", "op", "number"})
_BRACKET_DEPTH_BY_KIND = {"open": 1, "close": -1}
_NO_STRING = (0, 0)
_STRINGS = frozenset({"string", "quoted"})
_LOC, _LLOC, _SLOC, _COMMENTS, _MULTI, _BLANK, _SINGLE_COMMENTS = range(7)  # RawCounts' fields
#: From 3.12 ``tokenize`` splits f-strings into parts (so radon sees their ':'),
#: and is written in C, so the exact path is both right and fast there.
_FAST_SCAN = sys.version_info < (3, 12)


class _Chunk(NamedTuple):
    """What radon calls one analysis unit: the lines of one complete statement."""

    tokens: list[tokenize.TokenInfo]
    lines: list[str]


def measure_text(text: str) -> tuple[FileMetrics, dict[int, int]]:
    """File metrics plus ``{def line: cyclomatic complexity}`` for every function.

    Never raises for bad source: what cannot be measured is left at its
    default and named in ``FileMetrics.degraded``.
    """
    metrics = FileMetrics()
    raw = raw_counts(text)
    if raw is None:
        raw = _estimate_raw(text)
        metrics.degraded.append("raw")
    (
        metrics.loc,
        metrics.lloc,
        metrics.sloc,
        metrics.comments,
        metrics.multi,
        metrics.blank,
        metrics.single_comments,
    ) = raw
    try:
        tree = python_tree(text)
        complexity = complexity_visit(text)
        halstead = h_visit_ast(tree).total
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        metrics.degraded.append("ast")
        return metrics, {}
    cyclomatic = function_complexities(complexity)
    metrics.cyclomatic_total = complexity.total_complexity
    metrics.cyclomatic_max = max(cyclomatic.values(), default=0)
    metrics.halstead_volume = halstead.volume
    metrics.halstead_difficulty = halstead.difficulty
    metrics.halstead_effort = halstead.effort
    metrics.halstead_bugs = halstead.bugs
    metrics.maintainability = maintainability(halstead.volume, complexity.total_complexity, raw)
    return metrics, cyclomatic


def maintainability(volume: float, complexity: int, raw: RawCounts) -> float:
    """radon's ``mi_visit(code, multi=True)`` (the ``radon mi`` default) from parts."""
    comment_lines = raw.comments + raw.multi
    comments = comment_lines / float(raw.sloc) * 100 if raw.sloc else 0
    return float(mi_compute(volume, complexity, raw.lloc, comments))


def function_complexities(visitor: ComplexityVisitor) -> dict[int, int]:
    """Every function, method and closure radon saw, keyed by its ``def`` line."""
    result: dict[int, int] = {}
    pending: list[Function | Class] = [*visitor.functions, *visitor.classes]
    while pending:
        block = pending.pop()
        if isinstance(block, Class):
            pending += [*block.methods, *block.inner_classes]
        else:
            result.setdefault(block.lineno, block.complexity)
            pending += block.closures
    return result


@kept_per_text  # the file metrics and the models' static features count the same text
def raw_counts(text: str) -> RawCounts | None:
    """``radon.raw.analyze(text)`` in linear time; None where radon would raise."""
    lines = [line.strip() for line in text.splitlines()]
    if _FAST_SCAN:
        counts = _scan_counts(lines)
        if counts is not None:
            return counts
    return _token_counts(lines)


def _scan_counts(lines: list[str]) -> RawCounts | None:
    """radon's counts from one regex pass, a few times faster than ``tokenize``.

    The scanner is built from ``tokenize``'s own patterns, so token boundaries
    agree; where it is unsure (an unknown character, an unterminated string)
    it returns None and the exact path decides. The loop runs once per token,
    so the common kinds come first and only per-statement work is a call.
    """
    totals = [0] * len(RawCounts._fields)
    row = first_row = 1
    depth = chunk_comments = done = part_tokens = 0
    string = _NO_STRING  # (index among the statement's significant tokens, newlines) of its last string
    colon_at = -1  # part_tokens at the last ':' of the current ';'-separated part; -1: no ':'
    for match in _SCANNER.finditer("\n".join(lines) + "\n"):
        kind = match.lastgroup
        if kind in _PLAIN:
            part_tokens += 1
        elif kind in _BRACKET_DEPTH_BY_KIND:
            depth += _BRACKET_DEPTH_BY_KIND[kind]
            part_tokens += 1
        elif kind == "nl" and depth > 0:
            row += 1
        elif kind == "nl":
            # radon: the last part ends with ENDMARKER, so a trailing ':' makes it one logical line.
            totals[_LLOC] += _part_lloc(part_tokens, colon_at, 0)
            _count_chunk(totals, lines[first_row - 1 : row], chunk_comments, done + part_tokens, string)
            row += 1
            first_row = row
            depth = chunk_comments = done = part_tokens = 0
            string = _NO_STRING
            colon_at = -1
        elif kind == "colon":
            part_tokens += 1
            colon_at = part_tokens
        elif kind in _STRINGS:
            part_tokens += 1
            string = (done + part_tokens, match.group().count("\n"))
            row += string[1]
        elif kind == "comment":
            chunk_comments += 1
        elif kind == "cont":
            row += 1
        elif kind == "semi":
            # radon: a part before ';' has no ENDMARKER, so it compares the ':' with the last-but-one token.
            totals[_LLOC] += _part_lloc(part_tokens, colon_at, 1)
            done += part_tokens + 1
            part_tokens, colon_at = 0, -1
        else:  # an unsure kind
            return None
    if first_row <= len(lines):
        return None
    return RawCounts(*totals)


def _part_lloc(part_tokens: int, colon_at: int, trailing: int) -> int:
    """radon's logical lines for one ';'-separated part: 2 for ``if x: y``, else 1 (0 if empty).

    radon calls a part one line when its last-but-one token is the ':'. A
    statement's last part gets an ENDMARKER, so that is its last real token
    (``trailing=0``); a part ending at ';' has none, so it is the one before
    (``trailing=1``).
    """
    if colon_at < 0:
        return 1 if part_tokens else 0
    return 1 if part_tokens - colon_at == trailing else 2


def _count_chunk(totals: list[int], chunk: list[str], comments: int, significant: int, string: tuple[int, int]) -> None:
    """Add one statement's physical-line counts, classified as radon does.

    A statement of only a comment is a single comment; of only a string (its
    first significant token, ``string[0] == 1``) a docstring-like comment:
    a multi-line one counts towards ``multi``, a one-line one as a single comment.
    """
    filled = len(chunk) - chunk.count("")
    totals[_LOC] += len(chunk)
    totals[_COMMENTS] += comments
    if significant == 0 and comments:
        totals[_SINGLE_COMMENTS] += 1
    elif significant == 1 and string[0] == 1 and not comments:
        _count_string_chunk(totals, filled, len(chunk) - filled, spans_lines=string[1] > 0)
    else:
        totals[_SLOC] += filled
        totals[_BLANK] += len(chunk) - filled


def _count_string_chunk(totals: list[int], filled: int, empty: int, *, spans_lines: bool) -> None:
    if spans_lines:
        totals[_MULTI] += filled
        totals[_BLANK] += empty
    else:
        totals[_SINGLE_COMMENTS] += 1


def _token_counts(lines: list[str]) -> RawCounts | None:
    """The exact path: the running Python's tokenizer plus radon's own rules."""
    loc = lloc = sloc = comments = multi = blank = single_comments = 0
    try:
        for chunk in _chunks(lines):
            loc += len(chunk.lines)
            comments += sum(1 for token in chunk.tokens if token.type == tokenize.COMMENT)
            if is_single_token(tokenize.COMMENT, chunk.tokens):
                single_comments += 1
            elif is_single_token(tokenize.STRING, chunk.tokens) and _spans_lines(chunk.tokens[0]):
                multi += sum(1 for line in chunk.lines if line)
                blank += sum(1 for line in chunk.lines if not line)
            elif is_single_token(tokenize.STRING, chunk.tokens):
                single_comments += 1
            else:
                filled = sum(1 for line in chunk.lines if line)
                sloc += filled
                blank += len(chunk.lines) - filled
            lloc += _logical(chunk.tokens)
    except (tokenize.TokenError, SyntaxError):
        return None
    return RawCounts(loc, lloc, sloc, comments, multi, blank, single_comments)


def _spans_lines(token: tokenize.TokenInfo) -> bool:
    return token.start[0] != token.end[0]


def _chunks(lines: list[str]) -> Iterator[_Chunk]:
    """Split stripped lines into radon's units with ONE tokeniser pass.

    radon tokenises ``"\\n".join(stripped lines)`` from a statement's first
    line, adding lines until the tokeniser stops complaining. On valid code
    that is exactly where a single pass over the same joined text emits
    NEWLINE, or NL outside brackets. Each chunk gets radon's ENDMARKER.
    """
    if not lines:
        return
    joined = "\n".join(lines) + "\n"
    tokens: list[tokenize.TokenInfo] = []
    depth = 0
    first_row = 1
    for token in _tokens(joined):
        kind = token.type
        if kind == tokenize.ERRORTOKEN:
            raise tokenize.TokenError("error token", token.start)
        if kind == tokenize.ENDMARKER:
            break
        tokens.append(token)
        if kind == tokenize.OP and token.string in _BRACKET_DEPTH:
            depth += _BRACKET_DEPTH[token.string]
        elif kind == tokenize.NEWLINE or (kind == tokenize.NL and depth <= 0):
            row = token.start[0]
            tokens.append(_ENDMARKER)
            yield _Chunk(tokens, lines[first_row - 1 : row])
            tokens, first_row = [], row + 1
    if tokens or first_row <= len(lines):
        raise tokenize.TokenError("unterminated statement", (first_row, 0))


def _tokens(text: str) -> Iterable[tokenize.TokenInfo]:
    return tokenize.generate_tokens(io.StringIO(text).readline)


def _estimate_raw(text: str) -> RawCounts:
    """Line-based counts for source radon cannot tokenise (marked degraded)."""
    lines = [line.strip() for line in text.splitlines()]
    blank = sum(1 for line in lines if not line)
    single_comments = sum(1 for line in lines if line.startswith("#"))
    sloc = len(lines) - blank - single_comments
    return RawCounts(len(lines), sloc, sloc, single_comments, 0, blank, single_comments)
