"""Other tools' suppression comments, read as the QH codes they mean.

A team that silenced flake8 or pylint on a line meant it, often with a note
above it saying why: ``except:  # noqa`` must not be rewritten by our fix.

- ``# noqa`` silences everything on its line; ``# noqa: E722`` the QH rules that
  the one mapping table (:mod:`quality_hooks.analysis.equivalents`) pairs with E722,
  and the code itself. ``# flake8: noqa`` / ``# ruff: noqa`` on a line of its own
  silences the whole file (``# ruff: noqa: E722``: those codes).
- ``# pylint: disable=bare-except`` (ids or names, ``all`` for all) at the end of a
  line silences that line; on a line of its own, the rest of the block it sits in
  (until a line indented less, or ``# pylint: enable=``), as pylint scopes it;
  ``# pylint: disable-next=`` the next line.
- ``# type: ignore`` keeps fixes off its line (:data:`NO_FIX`): a rewrite could
  change what the type checker is told to ignore. It silences no finding, since
  no QH rule checks types.

``external-suppressions = false`` turns all of this off, leaving ``# quality: ignore``.
"""

from __future__ import annotations

import re

from quality_hooks.analysis.equivalents import qh_codes_for
from quality_hooks.analysis.rules.runner import ALL, NO_FIX

_NOQA = re.compile(r"#\s*noqa(?!\w)(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.IGNORECASE)
_FILE_NOQA = re.compile(r"^\s*#\s*(?:flake8|ruff)\s*:\s*noqa(?::\s*(?P<codes>[A-Z0-9,\s]+))?\s*$", re.IGNORECASE)
_PYLINT = re.compile(
    r"#\s*pylint\s*:\s*(?P<kind>disable-next|disable|enable)\s*=\s*(?P<names>[\w\-]+(?:\s*,\s*[\w\-]+)*)"
)
_TYPE_IGNORE = re.compile(r"#\s*type:\s*ignore(?!\w)")
_HINTS = ("noqa", "NOQA", "pylint", "type:")


def _meaning(names: str) -> set[str]:
    """QH codes (plus the names themselves) that a comma-separated list of other tools' codes means."""
    found: set[str] = set()
    for name in (part.strip() for part in re.split(r"[\s,]+", names)):
        if not name:
            continue
        if name.lower() == "all":
            return {ALL}
        found.add(name.upper() if name[:1].isalpha() and name[1:].isdigit() else name)
        found.update(qh_codes_for(name))
        found.update(qh_codes_for(name.upper()))
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def other_tool_suppressions(text: str) -> dict[int, set[str]]:
    """Map line number -> QH codes other tools' comments suppress there (``ALL``, :data:`NO_FIX` included)."""
    if not any(hint in text for hint in _HINTS):
        return {}
    lines = text.splitlines()
    result: dict[int, set[str]] = {}
    whole_file: set[str] = set()
    block: list[tuple[int, set[str]]] = []  # open standalone pylint disables: (indent, codes)
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if block and stripped and not stripped.startswith("#"):
            block = [(indent, codes) for indent, codes in block if _indent(line) >= indent]
        for _, codes in block:
            result.setdefault(number, set()).update(codes)
        if "#" not in line:
            continue
        standalone = stripped.startswith("#")
        file_noqa = _FILE_NOQA.match(line)
        if file_noqa:
            whole_file |= _meaning(file_noqa.group("codes")) if file_noqa.group("codes") else {ALL}
            continue
        noqa = _NOQA.search(line)
        if noqa and not standalone:
            listed = noqa.group("codes")
            result.setdefault(number, set()).update(_meaning(listed) if listed else {ALL})
        block = _pylint_comments(line, number, standalone, block, result)
        if _TYPE_IGNORE.search(line) and not standalone:
            result.setdefault(number, set()).add(NO_FIX)
    if whole_file:
        for number in range(1, len(lines) + 2):
            result.setdefault(number, set()).update(whole_file)
    return result


def _pylint_comments(
    line: str, number: int, standalone: bool, block: list[tuple[int, set[str]]], result: dict[int, set[str]]
) -> list[tuple[int, set[str]]]:
    """Apply one line's ``# pylint:`` comments to ``result``; returns the open block disables after it."""
    for match in _PYLINT.finditer(line):
        codes = _meaning(match.group("names"))
        kind = match.group("kind")
        if kind == "disable-next":
            result.setdefault(number + 1, set()).update(codes)
        elif kind == "enable":
            block = [(indent, kept - codes) for indent, kept in block if kept - codes]
        elif standalone:
            block = [*block, (_indent(line), codes)]
        else:
            result.setdefault(number, set()).update(codes)
    return block
