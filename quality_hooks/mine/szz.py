"""SZZ labelling: blame the lines fix commits delete or modify, in the fix's parent.

Whitespace-insensitive diff and blame (``-w``); blank, comment-only and
docstring-only lines are skipped; mass-reformatting commits are passed to
blame as ignored revisions, so blame looks through them. Blame runs over the
whole history. Test files and vendored copies are not blamed.
"""

from __future__ import annotations

import ast
import os
import re
import tempfile
from collections.abc import Iterable
from typing import Any, cast

from quality_hooks.analysis.trees import python_tree
from quality_hooks.git import GitError, git, read_blobs
from quality_hooks.model.history import is_scored_path

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def code_lines(text: str) -> set[int] | None:
    """Line numbers holding code: not blank, not comment-only, not docstring/bare-string lines.

    ``None`` when the text does not parse (then every non-blank, non-comment line counts).
    """
    lines = text.splitlines()
    keep = {n for n, line in enumerate(lines, 1) if line.strip() and not line.strip().startswith("#")}
    try:
        tree = python_tree(text)  # the shared parse: CPython's SyntaxWarnings stay off mining's stderr
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return keep
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            keep -= set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return keep


def _ranges(numbers: Iterable[int]) -> list[tuple[int, int]]:
    result: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if result and n == result[-1][1] + 1:
            result[-1] = (result[-1][0], n)
        else:
            result.append((n, n))
    return result


def parse_porcelain(text: str) -> list[tuple[str, str]]:
    """(introducing commit, path in that commit) per blamed line; boundary lines dropped."""
    result: list[tuple[str, str]] = []
    info: dict[str, dict[str, str | bool]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("\t"):
            if current is not None and not info[current].get("boundary"):
                result.append((current, str(info[current].get("filename", ""))))
            current = None
            continue
        parts = line.split(" ")
        if len(parts[0]) == 40 and len(parts) >= 3 and parts[1].isdigit():
            current = parts[0]
            info.setdefault(current, {})
        elif current is not None:
            if parts[0] == "boundary":
                info[current]["boundary"] = True
            elif parts[0] == "filename":
                info[current]["filename"] = line[len("filename ") :]
    return result


def blame_fix(
    repo: str, fix: dict[str, Any], parent_blobs: dict[str, bytes], ignore_file: str | None
) -> set[tuple[str, str]]:
    """The (commit, path) pairs that introduced the code this fix changed.

    ``fix`` is a replay record (``sha``, ``parent``, ``paths`` with deletions);
    ``parent_blobs`` maps ``parent:path`` to the parent's version of each path.
    """
    parent = fix["parent"]
    targets = [p for p in fix["paths"] if is_scored_path(p)]
    if not targets:
        return set()
    diff = _git(repo, ["-c", "core.quotePath=false", "diff", "-w", "-U0", "--no-renames", parent, fix["sha"], "--",
                       *targets])  # fmt: skip
    found: set[tuple[str, str]] = set()
    for path, info in parse_unified_zero(diff).items():
        old_lines = cast("list[int]", info["old_lines"])
        raw = parent_blobs.get(f"{parent}:{path}")
        if info["new"] or not old_lines or raw is None:
            continue
        keep = code_lines(raw.decode("utf-8", errors="replace"))
        lines = [n for n in old_lines if keep is None or n in keep]
        if not lines:
            continue
        args = ["blame", "-w", "--porcelain"]
        if ignore_file:
            args += ["--ignore-revs-file", ignore_file]
        for start, end in _ranges(lines):
            args += ["-L", f"{start},{end}"]
        found.update(parse_porcelain(_git(repo, [*args, parent, "--", path])))
    return found


def _git(repo: str, args: list[str]) -> str:
    try:
        return git(args, repo).decode("utf-8", errors="replace")
    except GitError:
        return ""


def blame_chunk(repo: str, fixes: list[dict[str, Any]], reformats: list[str]) -> list[tuple[str, str]]:
    """SZZ over a chunk of fix commits (a process-pool task): every (introducing commit, path) pair."""
    specs = [f"{fix['parent']}:{path}" for fix in fixes for path in fix["paths"] if is_scored_path(path)]
    blobs = read_blobs(repo, specs)
    pairs: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory() as tmp:
        ignore_file = None
        if reformats:
            ignore_file = os.path.join(tmp, "ignore-revs")
            with open(ignore_file, "w") as handle:
                handle.write("\n".join(sorted(reformats)) + "\n")
        for fix in fixes:
            pairs |= blame_fix(repo, fix, blobs, ignore_file)
    return sorted(pairs)


def parse_unified_zero(diff: str) -> dict[str, dict[str, object]]:
    """Per file of a ``git diff -U0`` output: whether it is new, and the old-side line numbers touched."""
    files: dict[str, dict[str, object]] = {}
    current: dict[str, object] | None = None
    old_path = None
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            current = None
            old_path = None
        elif line.startswith("--- "):
            old_path = None if line[4:] == "/dev/null" else line[6:]
        elif line.startswith("+++ "):
            new_path = None if line[4:] == "/dev/null" else line[6:]
            path = new_path or old_path
            if path is not None:
                current = {"old_lines": [], "new": old_path is None}
                files[path] = current
        elif current is not None and line.startswith("@@"):
            match = _HUNK.match(line)
            if match:
                start, count = int(match.group(1)), int(match.group(2) or "1")
                current["old_lines"].extend(range(start, start + count))  # type: ignore[attr-defined]  # current holds mixed values (a list and a bool)
    return files
