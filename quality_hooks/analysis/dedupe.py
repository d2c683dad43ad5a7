"""One finding per problem: where a QH rule and its ruff counterpart flag the same code, keep one.

The pairs and which side is kept come from :mod:`quality_hooks.analysis.equivalents`, the one
table. The same place means the same start line and overlapping ranges (both tools usually
point at the very same node), or ruff's start inside our range (ruff marks a block's keyword
where we mark the block; see :func:`_twin_rank`).
The kept finding lists the other's code in ``Finding.also`` (``QH201 (B006) ...``), and the gate
matches ``fail-rules`` against both codes, so de-duplication never changes a verdict.
"""

from __future__ import annotations

from collections.abc import Sequence

from quality_hooks.analysis.equivalents import EQUIVALENTS, ruff_pairs
from quality_hooks.results import Finding


def _position(finding: Finding) -> tuple[int, int, int, int]:
    return finding.line, finding.column, finding.end_line, finding.end_column


def _twin_rank(ours: Finding, theirs: Finding) -> tuple[int, int, int] | None:
    """How well ``ours`` matches ``theirs`` as one problem; ``None`` when it is elsewhere.

    Same start line with overlapping ranges is the best match. Otherwise ruff's start must lie
    inside our range: ruff puts RET505 on the ``else`` keyword where QH307 spans the whole
    ``if``; of several such (nested ``if`` blocks), the innermost, latest-starting one wins.
    """
    line, column, end_line, end_column = _position(ours)
    start, end = (theirs.line, theirs.column), (theirs.end_line, theirs.end_column)
    if line == theirs.line and (line, column) <= end and start <= (end_line, end_column):
        return 1, line, column
    if (line, column) <= start <= (end_line, end_column):
        return 0, line, column
    return None


def dedupe(findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` (ours and ruff's, one file) with each paired duplicate folded into the one kept."""
    pairs = ruff_pairs()
    ours: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.source != "ruff":
            ours.setdefault(finding.code, []).append(finding)
    dropped: set[int] = set()
    for finding in findings:
        qh = pairs.get(finding.code) if finding.source == "ruff" else None
        if qh is None:
            continue
        ranked = [
            (rank, candidate)
            for candidate in ours.get(qh, [])
            if id(candidate) not in dropped and (rank := _twin_rank(candidate, finding)) is not None
        ]
        if not ranked:
            continue
        twin = max(ranked, key=lambda pair: pair[0])[1]
        kept, gone = (twin, finding) if EQUIVALENTS[qh].keep == "qh" else (finding, twin)
        kept.also = [*kept.also, gone.code, *gone.also]
        dropped.add(id(gone))
    return [f for f in findings if id(f) not in dropped]
