"""A pull request's latest run against the run of its base commit, as the API returns it."""

from __future__ import annotations

from typing import Any

from quality_hooks.store.db import Row


def _delta(head: float | None, base: float | None) -> float | None:
    return None if head is None or base is None else round(head - base, 4)


_FILE_FIELDS = ("score", "risk", "complexity", "findings_error", "findings_warning", "findings_info", "maintainability")
_SEVERITIES = ("error", "warning", "info")
MAX_FILES = 500


def comparison(
    head: dict[str, Any],
    base: dict[str, Any] | None,
    head_files: dict[str, Row],
    base_files: dict[str, Row],
    base_commit: str | None,
) -> dict[str, Any]:
    """Totals' deltas and the files that differ, worst score change first; a message instead when there is no base."""
    out: dict[str, Any] = {"head": head, "base": base, "base_commit": base_commit, "delta": None, "files": []}
    if base is None:
        out["message"] = (
            f"no run stored for base commit {base_commit}"
            if base_commit
            else "the pull request's runs carry no base commit"
        )
        return out
    out["delta"] = _totals_delta(head["totals"], base["totals"])
    files = [
        _file_change(path, head_files.get(path), base_files.get(path))
        for path in sorted(set(head_files) | set(base_files))
    ]
    changed = [f for f in files if f is not None]
    changed.sort(key=lambda f: (f["score_delta"] if f["score_delta"] is not None else 0.0, f["path"]))
    out["files"] = changed[:MAX_FILES]
    return out


def _totals_delta(ht: dict[str, Any], bt: dict[str, Any]) -> dict[str, Any]:
    return {
        "score": _delta(ht["score"], bt["score"]),
        "risk": _delta(ht["risk"], bt["risk"]),
        "complexity": ht["complexity"] - bt["complexity"],
        "maintainability": _delta(ht.get("maintainability"), bt.get("maintainability")),
        "findings": {k: ht["findings"][k] - bt["findings"][k] for k in ht["findings"]},
        "new_findings": ht["new_findings"],
    }


def _file_change(path: str, h: Row | None, b: Row | None) -> dict[str, Any] | None:
    """One file's row of the comparison; None when it is in both runs with the same numbers."""
    if h is not None and b is not None:
        if all(h[k] == b[k] for k in _FILE_FIELDS):
            return None
        return {
            "path": path,
            "change": "changed",
            "score": h["score"],
            "base_score": b["score"],
            "score_delta": _delta(h["score"], b["score"]),
            "risk_delta": _delta(h["risk"], b["risk"]),
            "maintainability_delta": _delta(h.get("maintainability"), b.get("maintainability")),
            "complexity_delta": _delta(h["complexity"], b["complexity"]),
            "findings_delta": {s: h[f"findings_{s}"] - b[f"findings_{s}"] for s in _SEVERITIES},
        }
    return {
        "path": path,
        "change": "added" if b is None else "removed",
        "score": h["score"] if h else None,
        "base_score": b["score"] if b else None,
        "score_delta": None,
        "risk_delta": None,
        "maintainability_delta": None,
        "complexity_delta": None,
        "findings_delta": None,
    }
