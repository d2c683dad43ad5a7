"""Which lines of a pull request a review comment may point at.

GitHub rejects a whole review when one comment's line is not in the diff, so
every suggestion is checked against the hunks first: added and context lines
on the new ("RIGHT") side of each file's patch.
"""

from __future__ import annotations

from collections.abc import Iterable

from quality_hooks.git import GitError, git, hunk_header


def commentable_lines(patch: str) -> set[int]:
    """New-side line numbers inside the hunks of a unified diff ``patch``."""
    lines: set[int] = set()
    current = 0
    in_hunk = False
    for text in patch.splitlines():
        header = hunk_header(text)
        if header is not None:
            current, in_hunk = header[0], True
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
        try:
            patch = git(["diff", "--no-color", "--no-ext-diff", "-U3", f"{base}...{head}", "--", path], root)
        except GitError:
            continue  # not in the local history: the caller treats the path as having no commentable lines
        result[path] = commentable_lines(patch.decode("utf-8", errors="replace"))
    return result


def fits(commentable: set[int], start: int, end: int) -> bool:
    return all(line in commentable for line in range(start, end + 1))
