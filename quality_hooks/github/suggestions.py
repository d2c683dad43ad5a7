"""Fix suggestions: the auto-fixer's output, cut into hunks a reviewer can accept.

Each hunk of the difference between a file and its fixed text becomes one
suggestion replacing whole new-side lines. Only hunks that touch a line the
change added or modified are kept: the author is offered fixes for their own
code, not a clean-up of the file.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from quality_hooks.config import Config
from quality_hooks.github.bundle import Suggestion, finding_key
from quality_hooks.results import FileResult

#: Longest stretch of lines one suggestion may replace; bigger rewrites are left to ``quality-hooks fix``.
MAX_SPAN = 30


def fixed_text(result: FileResult, config: Config) -> str | None:
    """The fixer's version of the file, or None when there is nothing to fix."""
    if result.source is None or not any(f.fixable and f.status == "new" for f in result.findings):
        return None
    from quality_hooks.fix import fix_source

    outcome = fix_source(result.source, config)
    return outcome.fixed if outcome.error is None and outcome.changed else None


def hunks(original: str, fixed: str) -> list[tuple[int, int, list[str]]]:
    """(first line, last line, replacement lines) per changed region; 1-based, inclusive."""
    old, new = original.splitlines(), fixed.splitlines()
    found = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 == i2:  # pure insertion: anchor on the line above (or below at the top)
            if i1 > 0:
                i1, j1 = i1 - 1, j1 - 1
            else:
                i2, j2 = i2 + 1, j2 + 1
        found.append((i1 + 1, i2, new[j1:j2]))
    return found


def suggestions_for(
    result: FileResult,
    rel_path: str,
    changed_lines: set[int] | None,
    config: Config,
    fixer: Callable[[FileResult, Config], str | None] = fixed_text,
) -> list[Suggestion]:
    """Suggestions for one file; ``changed_lines`` None means the whole file is new."""
    fixed = fixer(result, config)
    if fixed is None or result.source is None:
        return []
    fixable = [f for f in result.findings if f.fixable and f.status == "new"]
    found = []
    for start, end, replacement in hunks(result.source.text, fixed):
        span = range(start, end + 1)
        if end - start + 1 > MAX_SPAN:
            continue
        if changed_lines is not None and not any(line in changed_lines for line in span):
            continue
        covered = [f for f in fixable if f.line <= end and max(f.line, f.end_line) >= start]
        codes = sorted({f.code for f in covered})
        message = covered[0].message if covered else "safe auto-fix"
        keys = sorted({finding_key(rel_path, f) for f in covered})
        found.append(Suggestion(rel_path, start, end, replacement, codes, message, keys))
    return found
