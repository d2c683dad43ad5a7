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
from quality_hooks.baseline import Baseline
from quality_hooks.config import Config
from quality_hooks.discover import expand_paths
from quality_hooks.engine import analyse_bytes, analyse_file, merge_ruff
from quality_hooks.gate import FileChange, judge, overall
from quality_hooks.results import FileResult, GateVerdict


@dataclass
class CheckRun:
    results: list[FileResult]
    verdict: GateVerdict
    scope: str
    context: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _relative(path: str, root: str) -> str:
    return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")


def _file_change(changed: git.ChangedFile | None) -> FileChange:
    if changed is None:
        return FileChange(status="unchanged", changed_lines=set())
    lines = None if changed.status == "added" else set(changed.lines)
    return FileChange(
        status=changed.status, old_path=changed.old_path, changed_lines=lines, deleted_after=set(changed.deleted_after)
    )


def _run_ruff(results: list[FileResult], config: Config) -> None:
    """One ruff process for all files; content not on disk goes via a temp copy."""
    from quality_hooks.ruff_runner import RuffRun

    analysable = [r for r in results if r.ok and r.source is not None]
    if not analysable:
        return
    tmpdir: str | None = None
    paths: list[str] = []
    back: dict[str, str] = {}
    try:
        for result in analysable:
            assert result.source is not None
            disk = None
            try:
                with open(result.source.path, "rb") as handle:
                    disk = handle.read()
            except OSError:
                pass
            if disk == result.source.raw:
                paths.append(result.source.path)
                continue
            tmpdir = tmpdir or tempfile.mkdtemp(prefix="quality-hooks-ruff-")
            copy = os.path.join(tmpdir, str(len(paths)), os.path.basename(result.source.path))
            os.makedirs(os.path.dirname(copy))
            with open(copy, "wb") as handle:
                handle.write(result.source.raw)
            back[os.path.abspath(copy)] = os.path.abspath(result.source.path)
            paths.append(copy)
        found = RuffRun.start(paths, config).results()
        merge_ruff(analysable, {back.get(k, k): v for k, v in found.items()})
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _score(results: list[FileResult], changes: dict[str, FileChange] | None, notes: list[str]) -> None:
    try:
        from quality_hooks.model import score_results
    except ImportError:
        return
    try:
        score_results(results, changes)
    except Exception as exc:  # the gate must still run without a score
        notes.append(f"quality model unavailable: {exc}")


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
    scope = scope or config.gate.scope
    notes: list[str] = []
    change: git.Change | None = None
    root = config.root
    if base is not None or staged:
        root = git.repo_root(cwd)
        change = git.collect_change(root, base=base, staged=staged)
        if not paths:
            paths = [os.path.join(root, rel) for rel, f in sorted(change.files.items()) if f.status != "deleted"]
            paths = [p for p in paths if not config.is_excluded(p)]
    else:
        scope = "all"
    files = expand_paths(paths, config) if paths else []
    rel = {path: _relative(path, root) for path in files}
    results: list[FileResult] = []
    changes: dict[str, FileChange] = {}
    if change is None:
        results = [analyse_file(path, config) for path in files]
    else:
        for path in files:
            changed = change.files.get(rel[path])
            changes[path] = _file_change(changed)
            if staged:
                raw = change.read_new(rel[path])
                if raw is None:
                    results.append(analyse_file(path, config))
                    continue
                result = analyse_bytes(path, raw, config)
                if result.source is not None:
                    result.source.path = path
                results.append(result)
            else:
                results.append(analyse_file(path, config))
        bases = change.read_base([rel[p] for p in files])
        for path in files:
            if rel[path] in bases:
                base_result = analyse_bytes(path, bases[rel[path]], config)
                if base_result.ok:
                    changes[path].base = base_result
    if config.ruff:
        _run_ruff(results, config)
    if use_model:
        _score(results, changes or None, notes)
    if use_baseline:
        baseline_path = os.path.join(config.root, config.baseline)
        if os.path.exists(baseline_path):
            baseline = Baseline.load(baseline_path)
            base_rel = {path: _relative(path, config.root) for path in files}
            notes += baseline.apply(results, base_rel)
    for result in results:
        file_change = changes.get(result.path)
        judge(result, config, file_change, scope)
        if file_change is not None:
            result.extra["change"] = {
                "status": file_change.status,
                "old_path": file_change.old_path,
                "changed_lines": None if file_change.changed_lines is None else len(file_change.changed_lines),
            }
            if file_change.base is not None:
                result.extra["base_findings"] = [f.to_dict() for f in file_change.base.findings]
                if file_change.base.score is not None:
                    result.extra["base_score"] = file_change.base.score.to_dict()
    context = {"scope": scope, "base": base, "base_commit": change.base_commit if change else None, "staged": staged}
    return CheckRun(results=results, verdict=overall(results), scope=scope, context=context, notes=notes)
