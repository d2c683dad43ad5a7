"""Which lines of a pull request a review comment may point at.

GitHub rejects a whole review when one comment's line is not in the diff, so
every suggestion is checked against the hunks first: added and context lines
on the new ("RIGHT") side of each file's patch.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable

HUNK_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def commentable_lines(patch: str) -> set[int]:
    """New-side line numbers inside the hunks of a unified diff ``patch``."""
    lines: set[int] = set()
    current = 0
    in_hunk = False
    for text in patch.splitlines():
        header = HUNK_HEADER.match(text)
        if header:
            current, in_hunk = int(header.group(1)), True
            continue
        if not in_hunk or text.startswith(("-", "\\")):
            continue
        if text.startswith(("diff --git", "index ", "+++ ", "--- ")):
            in_hunk = False
            continue
        lines.add(current)
        current += 1
    return lines


def git_patches(root: str, base: str, head: str, paths: Iterable[str]) -> dict[str, set[int]]:
    """Commentable lines per path from the local repository (when the API gives no patch)."""
    result: dict[str, set[int]] = {}
    for path in paths:
        done = subprocess.run(
            ["git", "diff", "--no-color", "--no-ext-diff", "-U3", f"{base}...{head}", "--", path],
            cwd=root,
            capture_output=True,
            check=False,
        )
        if done.returncode == 0:
            result[path] = commentable_lines(done.stdout.decode("utf-8", errors="replace"))
    return result


def fits(commentable: set[int], start: int, end: int) -> bool:
    return all(line in commentable for line in range(start, end + 1))
