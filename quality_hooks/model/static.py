"""Fast static facts of Python file versions: one ``ast`` parse each, one ruff process per batch.

The quality models need static metrics for every mined file version (tens of
thousands of them), where the full LibCST engine costs about a second each.
This module is the fast path, shared by mining and scoring (and by the
change-risk and the file-score models):

* :func:`static_facts` parses a text once with :mod:`ast` and returns
  :class:`StaticFacts`: radon's raw counts and total cyclomatic complexity (the
  same code the engine uses, :mod:`quality_hooks.analysis.metrics.radon_metrics`),
  and one :class:`FunctionFacts` per ``def`` (qualified name as the engine
  writes it, ``def`` line, end line, radon's cyclomatic complexity, and a
  whitespace-insensitive digest of its lines, to tell which functions a change
  touched). A few milliseconds per file; never raises (``parsed`` is False
  when the text does not parse).
* :func:`ruff_counts` runs ONE ``ruff check`` over many texts (written to a
  temp dir under their own base names) with a fixed rule selection
  (:data:`RUFF_SELECT`, ``--isolated``), so counts do not depend on any
  project's configuration, and returns ``{key: {code: count}}``.
* :func:`changed_functions` is the cheaper path for two versions of a file
  (one parse each, radon only on the functions that changed);
  :func:`touched_functions`, :func:`complexity_added` and :func:`new_findings`
  compare two versions (the change's static delta); :func:`family` maps a ruff code to its
  family (``"PL"``, ``"B"``, ``"E"``...).

Facts are plain data (JSON-friendly through :meth:`StaticFacts.to_dict`), so
callers can cache them per blob id.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

from radon.visitors import ComplexityVisitor

from quality_hooks.analysis.metrics.radon_metrics import function_complexities, raw_counts
from quality_hooks.analysis.trees import complexity_visit, python_tree

K = TypeVar("K")

#: The fixed ruff selection the models count (never the project's configuration).
RUFF_SELECT = ("F", "E", "W", "B", "BLE", "PL", "SIM", "RET", "ARG", "C4", "UP", "PERF", "TRY")
#: Line length is a project's choice, not a defect signal.
RUFF_IGNORE = ("E501", "W505")
RUFF_TARGET = "py38"
_FAMILY = re.compile(r"^[A-Z]+")
_WHITESPACE = b" \t\n\r\f\v"


@dataclass(frozen=True)
class FunctionFacts:
    """One ``def``: where it is, how complex it is, and a digest of its text."""

    qualname: str
    line: int  # the ``def`` line (never a decorator's), as the engine reports it
    end_line: int
    cyclomatic: int
    digest: str  # whitespace-insensitive hash of lines ``line..end_line``


@dataclass
class StaticFacts:
    """What the fast path knows about one file version."""

    parsed: bool
    loc: int = 0
    sloc: int = 0
    lloc: int = 0
    comments: int = 0
    blank: int = 0
    cyclomatic_total: int = 0
    classes: int = 0
    functions: list[FunctionFacts] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def line_digest(lines: Sequence[bytes], line: int, end_line: int) -> str:
    """Whitespace-insensitive digest of ``lines[line-1:end_line]`` (like ``git diff -w``)."""
    body = b"\n".join([text.translate(None, _WHITESPACE) for text in lines[line - 1 : end_line]])
    return hashlib.blake2b(body, digest_size=8).hexdigest()


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _definitions(tree: ast.Module) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, str]]:
    """Every ``def`` and ``class`` with its qualified-name prefix, walking statements only (never expressions).

    Names as the engine writes them: ``Class.method``, ``outer.<locals>.inner``.
    """
    pending: list[tuple[ast.AST, str]] = [(tree, "")]
    while pending:
        node, prefix = pending.pop()
        for block in _BLOCKS:
            for child in getattr(node, block, ()):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield child, prefix
                    pending.append((child, f"{prefix}{child.name}.<locals>."))
                elif isinstance(child, ast.ClassDef):
                    yield child, prefix
                    pending.append((child, f"{prefix}{child.name}."))
                elif isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
                    pending.append((child, prefix))


def _outline(tree: ast.Module) -> tuple[dict[int, tuple[str, int]], int]:
    """``def`` line -> (qualified name, end line), and the number of classes."""
    functions: dict[int, tuple[str, int]] = {}
    classes = 0
    for node, prefix in _definitions(tree):
        if isinstance(node, ast.ClassDef):
            classes += 1
        else:
            functions.setdefault(node.lineno, (prefix + node.name, node.end_lineno or node.lineno))
    return functions, classes


@dataclass
class Outline:
    """A file's functions with digests; ``cyclomatic`` is -1 until :meth:`measure` fills it in."""

    functions: list[FunctionFacts]
    nodes: dict[int, ast.FunctionDef | ast.AsyncFunctionDef]

    def measure(self, qualnames: Iterable[str]) -> list[FunctionFacts]:
        """The functions, with radon's cyclomatic complexity measured for those named (the others keep -1)."""
        wanted = set(qualnames)
        result = []
        for facts in self.functions:
            if facts.qualname in wanted:
                node = self.nodes[facts.line]
                visitor = ComplexityVisitor.from_ast(ast.Module(body=[node], type_ignores=[]))
                facts = replace(facts, cyclomatic=int(visitor.functions[0].complexity))
            result.append(facts)
        return result


def function_outline(text: str) -> Outline | None:
    """Every ``def`` with its digest, without complexity: one parse, no radon; ``None`` if it does not parse.

    The shared parse (:func:`python_tree`) keeps CPython's SyntaxWarnings (``1if x else y``) off the hook's stderr.
    """
    try:
        tree = python_tree(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = text.encode("utf-8", errors="surrogateescape").splitlines()
    found: dict[int, FunctionFacts] = {}
    nodes: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for node, prefix in _definitions(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno not in found:
            end = node.end_lineno or node.lineno
            found[node.lineno] = FunctionFacts(prefix + node.name, node.lineno, end, -1,
                                               line_digest(lines, node.lineno, end))  # fmt: skip
            nodes[node.lineno] = node
    return Outline([found[line] for line in sorted(found)], nodes)


def changed_functions(
    old_text: str | None, new_text: str
) -> tuple[list[FunctionFacts] | None, list[FunctionFacts] | None]:
    """Both versions' functions, complexity measured only where :func:`complexity_added` needs it.

    The fast path for mining: radon runs on the touched functions (and their
    old versions) instead of on whole files. ``None`` for a version that does
    not parse; an added file has an empty old list.
    """
    old = function_outline(old_text) if old_text is not None else Outline([], {})
    return compare_outlines(old, function_outline(new_text))


def compare_outlines(
    old: Outline | None, new: Outline | None
) -> tuple[list[FunctionFacts] | None, list[FunctionFacts] | None]:
    """:func:`changed_functions` for outlines already made (a blob's outline serves two rows)."""
    if new is None or old is None:
        return (old.functions if old is not None else None), (new.functions if new is not None else None)
    touched = {f.qualname for f in touched_functions(old.functions, new.functions)}
    return old.measure(touched), new.measure(touched)


def static_facts(text: str) -> StaticFacts:
    """Raw counts, complexity and functions of one file version (see the module docstring)."""
    raw = raw_counts(text)
    try:
        tree = python_tree(text)  # the analysis of this text parsed it already
        visitor = complexity_visit(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return StaticFacts(parsed=False, loc=len(text.splitlines()))
    facts = StaticFacts(parsed=True, cyclomatic_total=int(visitor.total_complexity))
    if raw is not None:
        facts.loc, facts.lloc, facts.sloc, facts.comments = raw.loc, raw.lloc, raw.sloc, raw.comments
        facts.blank = raw.blank
    else:
        facts.loc = len(text.splitlines())
    outline, facts.classes = _outline(tree)
    lines = text.encode("utf-8", errors="surrogateescape").splitlines()
    for line, cyclomatic in sorted(function_complexities(visitor).items()):
        name, end = outline[line]
        facts.functions.append(FunctionFacts(name, line, end, cyclomatic, line_digest(lines, line, end)))
    return facts


def function_keys(functions: Sequence[FunctionFacts]) -> list[tuple[str, int]]:
    """``(qualified name, occurrence)`` per function: a property's getter and setter share a name."""
    seen: dict[str, int] = {}
    keys = []
    for f in functions:
        seen[f.qualname] = seen.get(f.qualname, -1) + 1
        keys.append((f.qualname, seen[f.qualname]))
    return keys


def _pairs(
    old: Sequence[FunctionFacts] | None, new: Sequence[FunctionFacts]
) -> list[tuple[FunctionFacts, FunctionFacts | None]]:
    before = dict(zip(function_keys(old or []), old or [], strict=True))
    return [(f, before.get(key)) for key, f in zip(function_keys(new), new, strict=True)]


def touched_functions(old: Sequence[FunctionFacts] | None, new: Sequence[FunctionFacts]) -> list[FunctionFacts]:
    """Functions of ``new`` that are new or whose text changed (ignoring whitespace) since ``old``."""
    return [f for f, was in _pairs(old, new) if was is None or was.digest != f.digest]


def complexity_added(old: Sequence[FunctionFacts] | None, new: Sequence[FunctionFacts]) -> int:
    """Cyclomatic complexity the change added inside the functions it touched (never negative per function)."""
    return sum(max(0, f.cyclomatic - (was.cyclomatic if was else 0)) for f, was in _pairs(old, new)
               if was is None or was.digest != f.digest)  # fmt: skip


def family(code: str) -> str:
    """A ruff code's family: its leading letters (``PLR0913`` -> ``PL``, ``E722`` -> ``E``)."""
    match = _FAMILY.match(code)
    letters = match.group(0) if match else code
    return "PL" if letters.startswith("PL") else letters


def new_findings(old: Mapping[str, int] | None, new: Mapping[str, int]) -> dict[str, int]:
    """Findings per family that the new version has beyond the old one (per code, never negative)."""
    result: dict[str, int] = {}
    for code, count in new.items():
        extra = count - (old or {}).get(code, 0)
        if extra > 0:
            result[family(code)] = result.get(family(code), 0) + extra
    return result


def _ruff_binary() -> str | None:
    from quality_hooks.analysis.ruff_runner import find_ruff

    return find_ruff()


def ruff_counts(texts: Mapping[K, bytes], names: Mapping[K, str] | None = None) -> dict[K, dict[str, int]]:
    """``{key: {ruff code: count}}`` for every text, from ONE ruff process (fixed selection).

    ``names`` gives each text's file name (its base name matters to a few
    rules, e.g. ``__init__.py``); default ``module.py``. Texts ruff cannot
    parse get ``{}``. Raises ``RuntimeError`` when ruff is missing or fails.
    """
    result: dict[K, dict[str, int]] = {key: {} for key in texts}
    if not texts:
        return result
    binary = _ruff_binary()
    if binary is None:
        raise RuntimeError("ruff not found (install the 'ruff' package)")
    with tempfile.TemporaryDirectory(prefix="qh-static-") as tmp:
        where: dict[str, K] = {}
        for index, (key, data) in enumerate(texts.items()):
            folder = os.path.join(tmp, str(index))
            os.mkdir(folder)
            target = os.path.join(folder, os.path.basename((names or {}).get(key) or "module.py"))
            with open(target, "wb") as handle:
                handle.write(data)
            where[os.path.realpath(target)] = key
        command = [binary, "check", "--isolated", "--no-cache", "--exit-zero", "--output-format", "json",
                   "--select", ",".join(RUFF_SELECT), "--ignore", ",".join(RUFF_IGNORE),
                   "--target-version", RUFF_TARGET, tmp]  # fmt: skip
        done = subprocess.run(command, capture_output=True, check=False, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"ruff exited with status {done.returncode}: {detail[:1]}")
        for item in json.loads(done.stdout or b"[]"):
            code = item.get("code")
            filename = os.path.realpath(str(item.get("filename", "")))
            if not code or code == "invalid-syntax" or filename not in where:
                continue
            counts = result[where[filename]]
            counts[code] = counts.get(code, 0) + 1
    return result
