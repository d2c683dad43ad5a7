"""The whole check as one function: files -> change -> analysis -> model -> gate.

The hooks, the CLI and the GitHub Action all call :func:`run_check`, so the
same change gets the same verdict wherever it is judged.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from quality_hooks import git
from quality_hooks.analysis.engine import analyse_many, merge_ruff
from quality_hooks.baseline import Baseline
from quality_hooks.config import Config
from quality_hooks.discover import expand_paths
from quality_hooks.gate import FileChange, judge, overall
from quality_hooks.results import BaseVersion, ChangeSummary, FileResult, GateVerdict, ModelScores


@dataclass
class CheckRun:
    results: list[FileResult]
    verdict: GateVerdict
    scope: str
    context: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: The git change judged (None for a whole-tree check), for consumers such as the Action.
    change: git.Change | None = None


def _file_change(changed: git.ChangedFile | None) -> FileChange:
    if changed is None:
        return FileChange(status="unchanged", changed_lines=set())
    lines = None if changed.status == "added" else set(changed.lines)
    return FileChange(
        status=changed.status, old_path=changed.old_path, changed_lines=lines, deleted_after=set(changed.deleted_after)
    )


class _Ruff:
    """One ruff process for all files, started before our own analysis so the two overlap.

    Content that is not what is on disk (a partially staged file) goes to ruff
    through a temporary copy.
    """

    def __init__(self, items: Sequence[tuple[str, bytes | None]], config: Config) -> None:
        from quality_hooks.analysis.ruff_runner import RuffRun

        self.tmpdir: str | None = None
        self.back: dict[str, str] = {}
        paths: list[str] = []
        for path, raw in items:
            if raw is not None and _disk_bytes(path) != raw:
                self.tmpdir = self.tmpdir or tempfile.mkdtemp(prefix="quality-hooks-ruff-")
                copy = os.path.join(self.tmpdir, str(len(paths)), os.path.basename(path))
                os.makedirs(os.path.dirname(copy))
                with open(copy, "wb") as handle:
                    handle.write(raw)
                self.back[os.path.abspath(copy)] = os.path.abspath(path)
                path = copy
            paths.append(path)
        self.run = RuffRun.start(paths, config)

    def merge(self, results: Sequence[FileResult]) -> None:
        try:
            analysable = [r for r in results if r.ok and r.source is not None]
            to_copy = {v: k for k, v in self.back.items()}
            texts = {to_copy.get(os.path.abspath(r.path), os.path.abspath(r.path)): r.source.text for r in analysable}  # type: ignore[union-attr]
            found = self.run.results(texts)
            merge_ruff(analysable, {self.back.get(k, k): v for k, v in found.items()})
        finally:
            if self.tmpdir:
                shutil.rmtree(self.tmpdir, ignore_errors=True)


def _disk_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _score(
    results: list[FileResult], bases: dict[str, FileResult], change: git.Change | None, notes: list[str]
) -> dict[str, ModelScores]:
    try:
        from quality_hooks.model import score_results

        return score_results(results, bases, change=change)
    except Exception as exc:  # the gate must still run without a score (ImportError included)
        notes.append(f"quality model unavailable: {exc}")
        return {}


def _change_and_files(
    paths: Sequence[str], config: Config, base: str | None, staged: bool, cwd: str
) -> tuple[git.Change | None, str, list[str]]:
    """The change to judge (if any), the root paths are relative to, and the files."""
    if base is None and not staged:
        return None, config.root, expand_paths(paths, config) if paths else []
    root = git.repo_root(cwd)
    change = git.collect_change(root, base=base, staged=staged)
    if not paths:
        changed = [os.path.join(root, rel) for rel, f in sorted(change.files.items()) if f.status != "deleted"]
        paths = [p for p in changed if not config.is_excluded(p)]
    return change, root, expand_paths(paths, config) if paths else []


def _analyse(
    files: list[str], rel: dict[str, str], change: git.Change | None, config: Config
) -> tuple[list[FileResult], dict[str, FileResult]]:
    """New versions (staged blobs or disk), base versions from git (by path), ruff alongside."""
    staged_blobs = {}
    if change is not None and change.staged:
        staged_blobs = git.read_blobs(change.root, [f":{rel[p]}" for p in files])
    # The index holds what will be committed; files not in it are read from disk.
    items = [(path, staged_blobs.get(f":{rel[path]}")) for path in files]
    bases = change.read_base([rel[p] for p in files]) if change is not None else {}
    base_items: list[tuple[str, bytes | None]] = [(path, bases[rel[path]]) for path in files if rel[path] in bases]
    ruff = _Ruff([(p, r) for p, r in items if os.path.isfile(p)], config) if config.ruff and items else None
    analysed = analyse_many(items + base_items, config)
    results = analysed[: len(items)]
    base_results = {path: base for (path, _), base in zip(base_items, analysed[len(items) :], strict=True) if base.ok}
    for result in results:
        if result.source is not None:
            result.source.path = result.path
    if ruff is not None:
        ruff.merge(results)
    return results, base_results


def _change_summary(file_change: FileChange) -> ChangeSummary:
    lines = None if file_change.changed_lines is None else len(file_change.changed_lines)
    return ChangeSummary(status=file_change.status, old_path=file_change.old_path, changed_lines=lines)


def _base_version(base: FileResult, score: ModelScores | None) -> BaseVersion:
    return BaseVersion(
        findings=base.findings, functions=base.functions, metrics=base.metrics, score=score.base if score else None
    )


def run_check(
    paths: Sequence[str],
    config: Config,
    *,
    base: str | None = None,
    staged: bool = False,
    scope: str | None = None,
    use_baseline: bool = True,
    use_model: bool = True,
    cwd: str = ".",
) -> CheckRun:
    """Analyse and judge; with ``base``/``staged`` only the change is judged."""
    change, root, files = _change_and_files(paths, config, base, staged, cwd)
    scope = (scope or config.gate.scope) if change is not None else "all"
    notes: list[str] = []
    rel = {path: git.repo_relative(path, root) for path in files}
    results, bases = _analyse(files, rel, change, config)
    scores = _score(results, bases, change, notes) if use_model else {}
    for result in results:
        scored = scores.get(result.path)
        if scored is not None:
            result.score, result.whole_file_score = scored.score, scored.whole_file
        if result.path in bases:
            result.base = _base_version(bases[result.path], scored)
    baseline_path = os.path.join(config.root, config.baseline)
    if use_baseline and os.path.exists(baseline_path):
        notes += Baseline.load(baseline_path).apply(results, {p: git.repo_relative(p, config.root) for p in files})
    changes = {path: _file_change(change.files.get(rel[path])) for path in files} if change is not None else {}
    for result in results:
        file_change = changes.get(result.path)
        judgement = judge(result, config, file_change, scope)
        result.gate, result.improvements = judgement.verdict, judgement.improvements
        if file_change is not None:
            result.change = _change_summary(file_change)
    context = {"scope": scope, "base": base, "base_commit": change.base_commit if change else None, "staged": staged}
    return CheckRun(results=results, verdict=overall(results), scope=scope, context=context, notes=notes, change=change)
