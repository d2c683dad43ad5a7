"""Pass 2 (CPU-heavy, cached per chunk): the static delta of every row, on the fast path.

A chunk is a list of rows (commit, path, old and new blob ids). Its blobs are
read with one ``git cat-file --batch``; each row's two versions are compared
with :func:`quality_hooks.model.static.changed_functions` (one ``ast`` parse
each, radon only on the touched functions) and all blobs go through ONE ruff
process (:func:`quality_hooks.model.static.ruff_counts`);
:func:`quality_hooks.model.features.static_features` then gives each row's
delta, as scoring computes it from the base and the new text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from quality_hooks.git import read_blobs
from quality_hooks.model.features import MAX_FILE_BYTES, line_count, static_features
from quality_hooks.model.static import Outline, compare_outlines, function_outline, ruff_counts


def static_chunk(repo: str, rows: Sequence[dict[str, Any]]) -> list[tuple[str, str, dict[str, float]]]:
    """``(commit, path, static features)`` for every row of the chunk (a process-pool task)."""
    wanted = sorted({b for r in rows for b in (r["old_blob"], r["new_blob"]) if b})
    raw = read_blobs(repo, wanted)
    texts = {blob: data.decode("utf-8", errors="replace") for blob, data in raw.items() if len(data) <= MAX_FILE_BYTES}
    names: dict[str, str] = {}
    for row in rows:
        for blob in (row["old_blob"], row["new_blob"]):
            if blob in texts:
                names.setdefault(blob, row["path"].rsplit("/", 1)[-1])
    try:
        ruff: dict[str, dict[str, int]] | None = ruff_counts({b: raw[b] for b in texts}, names)
    except RuntimeError:
        ruff = None
    outlines: dict[str, Outline | None] = {}

    def outline(blob: str) -> Outline | None:
        if blob not in outlines:
            outlines[blob] = function_outline(texts[blob])
        return outlines[blob]

    out: list[tuple[str, str, dict[str, float]]] = []
    for row in rows:
        old_blob, new_blob = row["old_blob"], row["new_blob"]
        if new_blob not in texts or (old_blob and old_blob not in texts):
            out.append((row["sha"], row["path"], {}))
            continue
        old_text = texts[old_blob] if old_blob else None
        old, new = compare_outlines(outline(old_blob) if old_blob else Outline([], {}), outline(new_blob))
        old_ruff = (ruff.get(old_blob, {}) if old_blob else {}) if ruff is not None else None
        new_ruff = ruff.get(new_blob, {}) if ruff is not None else None
        values = static_features(line_count(old_text), old, new, old_ruff, new_ruff)
        out.append((row["sha"], row["path"], {k: v for k, v in values.items() if not math.isnan(v)}))
    return out
