"""SZZ labelling: blame the lines fix commits delete or modify, in the fix's parent.

Whitespace-insensitive diff and blame (``-w``); blank, comment-only and
docstring-only lines are skipped; mass-reformatting commits are passed to
blame as ignored revisions, so blame looks through them. Blame is bounded to
commits newer than the mining window (``--since``); lines older than that are
boundary lines and label nothing. Test files are not blamed.
"""

from __future__ import annotations

import ast
import datetime as dt
import os
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from quality_hooks.mine.gitio import BlobReader, parse_unified_zero, run_git
from quality_hooks.model.history import LogCommit, is_test_path


def code_lines(text: str) -> set[int] | None:
    """Line numbers holding code: not blank, not comment-only, not docstring/bare-string lines.

    ``None`` when the text does not parse (then every non-blank, non-comment line counts).
    """
    lines = text.splitlines()
    keep = {n for n, line in enumerate(lines, 1) if line.strip() and not line.strip().startswith("#")}
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
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
    repo: str, fix: LogCommit, reader: BlobReader, since: int, ignore_file: str | None
) -> set[tuple[str, str]]:
    """The (commit, path) pairs that introduced the code this fix changed."""
    parent = fix.parents[0]
    targets = [f.path for f in fix.files if f.path.endswith(".py") and f.deleted > 0 and not is_test_path(f.path)]
    if not targets:
        return set()
    diff = run_git(repo, ["-c", "core.quotePath=false", "diff", "-w", "-U0", "--no-renames", parent, fix.sha, "--",
                          *targets], check=False)  # fmt: skip
    found: set[tuple[str, str]] = set()
    since_text = dt.datetime.fromtimestamp(since, dt.timezone.utc).strftime("%Y-%m-%d")
    for path, info in parse_unified_zero(diff).items():
        old_lines = info["old_lines"]
        if info["new"] or not old_lines:
            continue
        raw = reader.read(parent, path)
        if raw is None:
            continue
        keep = code_lines(raw.decode("utf-8", errors="replace"))
        lines = [n for n in old_lines if keep is None or n in keep]
        if not lines:
            continue
        args = ["blame", "-w", "--porcelain", f"--since={since_text}"]
        if ignore_file:
            args += ["--ignore-revs-file", ignore_file]
        for start, end in _ranges(lines):
            args += ["-L", f"{start},{end}"]
        out = run_git(repo, [*args, parent, "--", path], check=False)
        found.update(parse_porcelain(out))
    return found


def label_pairs(
    repo: str, fixes: list[LogCommit], since: int, ignore: set[str], threads: int = 3
) -> set[tuple[str, str]]:
    """SZZ over all ``fixes``: every (introducing commit, path) pair (blame runs in a few git processes at once)."""
    pairs: set[tuple[str, str]] = set()
    local = threading.local()
    readers: list[BlobReader] = []

    with tempfile.TemporaryDirectory() as tmp:
        ignore_file = None
        if ignore:
            ignore_file = os.path.join(tmp, "ignore-revs")
            with open(ignore_file, "w") as handle:
                handle.write("\n".join(sorted(ignore)) + "\n")

        def one(fix: LogCommit) -> set[tuple[str, str]]:
            if not hasattr(local, "reader"):
                local.reader = BlobReader(repo)
                readers.append(local.reader)
            return blame_fix(repo, fix, local.reader, since, ignore_file)

        try:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                for found in pool.map(one, fixes):
                    pairs |= found
        finally:
            for reader in readers:
                reader.close()
    return pairs
