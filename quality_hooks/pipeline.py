"""The whole check as one function: files -> change -> analysis -> model -> gate.

The hooks, the CLI and the GitHub Action all call :func:`run_check`, so the
same change gets the same verdict wherever it is judged.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from quality_hooks import git
from quality_hooks.analysis.stored import analyse_stored, finding_from, record
from quality_hooks.baseline import Baseline, by_baseline
from quality_hooks.cache import Cache, binary_stamp, blob_id, code_version, digest
from quality_hooks.config import Config, ConfigFinder
from quality_hooks.discover import expand_paths
from quality_hooks.gate import FileChange, judge, overall
from quality_hooks.results import BaseVersion, ChangeSummary, FileResult, Finding, GateVerdict, ModelScores
from quality_hooks.source import too_big


@dataclass
class CheckRun:
    results: list[FileResult]
    verdict: GateVerdict
    scope: str
    context: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: The git change judged (None for a whole-tree check), for consumers such as the Action.
    change: git.Change | None = None
    #: False when a tool failed (ruff): the report lacks what it would have said, so it is not cached.
    complete: bool = True
    #: Where the run's relative paths start: the repository root with a change, else the working directory.
    root: str = "."
    #: Each file's configuration (by result path), for reporters that re-run a part (SARIF's fixes).
    config_of: dict[str, Config] = field(default_factory=dict)


def _file_change(changed: git.ChangedFile | None) -> FileChange:
    if changed is None:
        return FileChange(status="unchanged", changed_lines=set())
    lines = None if changed.status == "added" or changed.binary else set(changed.lines)
    return FileChange(
        status=changed.status, old_path=changed.old_path, changed_lines=lines, deleted_after=set(changed.deleted_after)
    )


def _ruff_settings(config: Config) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    """What ruff's command line takes from a config (it runs ``--isolated``): files sharing it share a process."""
    return tuple(config.ruff_select), tuple(config.ruff_ignore), config.python_target


def _ruff_key(path: str, data: bytes, config: Config) -> str:
    """What decides ruff's findings in a file: its bytes and path, the settings, ruff itself and our code."""
    from quality_hooks.analysis.ruff_runner import find_ruff

    return digest("ruff", code_version(), binary_stamp(find_ruff()), _ruff_settings(config),
                  os.path.abspath(path), blob_id(data))  # fmt: skip


class _Ruff:
    """ruff for all files, started before our own analysis so the two overlap.

    One process per distinct ruff setting among the files' configurations (normally one).
    Content that is not what is on disk (a partially staged file) goes to ruff through a
    temporary copy. Files whose findings are in the cache are not given to ruff at all.
    """

    def __init__(self, jobs: Sequence[tuple[str, bytes | None, Config]], cache: Cache) -> None:
        from quality_hooks.analysis.ruff_runner import RuffRun

        self.cache = cache
        self.tmpdir: str | None = None
        self.back: dict[str, str] = {}
        #: Findings read from the cache, and the keys to store the others under, by absolute path.
        self.stored: dict[str, list[Finding]] = {}
        self.keys: dict[str, str] = {}
        groups: dict[tuple[tuple[str, ...], tuple[str, ...], str | None], tuple[Config, list[str]]] = {}
        for index, (path, raw, config) in enumerate(jobs):
            data = raw if raw is not None else _disk_bytes(path)
            if cache.enabled and data is not None:
                key = _ruff_key(path, data, config)
                hit = cache.get("ruff", key)
                if isinstance(hit, list):
                    with contextlib.suppress(KeyError, TypeError, ValueError):
                        self.stored[os.path.abspath(path)] = [finding_from(f) for f in hit]
                        continue
                self.keys[os.path.abspath(path)] = key
            if raw is not None and not _same_on_disk(path, raw):
                self.tmpdir = self.tmpdir or tempfile.mkdtemp(prefix="quality-hooks-ruff-")
                copy = os.path.join(self.tmpdir, str(index), os.path.basename(path))
                os.makedirs(os.path.dirname(copy))
                with open(copy, "wb") as handle:
                    handle.write(raw)
                self.back[os.path.abspath(copy)] = os.path.abspath(path)
                path = copy
            groups.setdefault(_ruff_settings(config), (config, []))[1].append(path)
        ruff_cache = cache.tool_folder("ruff")
        self.runs = [RuffRun.start(paths, config, cache_dir=ruff_cache) for config, paths in groups.values()]
        self.failed = False

    def merge(self, results: Sequence[FileResult], config_of: dict[str, Config]) -> None:
        from quality_hooks.analysis.ruff_runner import merge_ruff, warn_file

        try:
            analysable = [r for r in results if r.ok and r.source is not None]
            to_copy = {v: k for k, v in self.back.items()}
            texts: dict[str, str] = {}
            for result in analysable:
                absolute = os.path.abspath(result.path)
                texts[to_copy.get(absolute, absolute)] = result.source.text if result.source else ""
            found = {path: findings for run in self.runs for path, findings in run.results(texts).items()}
            ran = {self.back.get(k, k): v for k, v in found.items()}
            self.failed = any(run.failed for run in self.runs)
            refused = {self.back.get(p, p) for run in self.runs for p in map(os.path.abspath, run.failures)}
            if not self.failed:  # never remember what a failed ruff did not say
                for path, key in self.keys.items():
                    if path not in refused:
                        self.cache.put("ruff", key, [record(f) for f in ran.get(path, [])])
            merge_ruff(analysable, {**ran, **self.stored}, lambda path: config_of[path].dedupe)
            for run in self.runs:
                for path, reason in run.failures.items():
                    absolute = os.path.abspath(path)
                    if absolute in texts:  # a file our own analysis refused already has its line
                        warn_file(os.path.relpath(self.back.get(absolute, absolute)), reason)
        finally:
            if self.tmpdir:
                shutil.rmtree(self.tmpdir, ignore_errors=True)


def _disk_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _same_on_disk(path: str, raw: bytes) -> bool:
    """Whether the file on disk holds exactly ``raw`` (read only when the sizes agree)."""
    try:
        if os.path.islink(path) or os.path.getsize(path) != len(raw):
            return False
        with open(path, "rb") as handle:
            return handle.read() == raw
    except OSError:
        return False


def _score(
    results: list[FileResult], bases: dict[str, FileResult], change: git.Change | None, notes: list[str], cache: Cache
) -> dict[str, ModelScores]:
    try:
        from quality_hooks.model.scoring import score_results

        scores = score_results(results, bases, change=change, cache=cache)
    except Exception as exc:  # the gate must still run without a score (ImportError included)
        notes.append(f"quality model unavailable: {exc}")
        return {}
    # Why a model that exists was not used (a local model in a shallow clone...): said once per run.
    found = (s.model.note for entry in scores.values() for s in (entry.score, entry.whole_file) if s and s.model)
    notes += [note for note in dict.fromkeys(found) if note]
    return scores


def _change_and_files(
    paths: Sequence[str], configs: ConfigFinder, base: str | None, staged: bool, cwd: str
) -> tuple[git.Change | None, str, list[str]]:
    """The change to judge (if any), the root paths are relative to, and the files."""
    if base is None and not staged:
        return None, os.path.abspath(cwd), expand_paths(paths, configs) if paths else []
    root = git.repo_root(cwd)
    cap = configs.for_path(paths[0] if paths else cwd).max_file_size
    change = git.collect_change(root, base=base, staged=staged, max_bytes=cap)
    if not paths:
        changed = [os.path.join(root, rel) for rel, f in sorted(change.files.items()) if f.status != "deleted"]
        paths = [p for p in changed if not configs.is_excluded(p)]
    return change, root, expand_paths(paths, configs) if paths else []


def _analyse(
    files: list[str],
    rel: dict[str, str],
    change: git.Change | None,
    config_of: dict[str, Config],
    cache: Cache,
    use_model: bool,
) -> tuple[list[FileResult], dict[str, FileResult], bool]:
    """New versions (staged blobs or disk), base versions from git (by path), ruff alongside; through the cache.

    The last value is False when ruff failed. Content over its ``max-file-size`` is never read:
    not from the index, nor the base commit, nor handed to ruff; such a file gets its one line.
    """
    staged_blobs, refused = _read_staged(files, rel, change, config_of)
    # The index holds what will be committed; files not in it are read from disk.
    jobs = [(path, staged_blobs.get(f":{rel[path]}"), config_of[path]) for path in files if path not in refused]
    bases = _read_bases(change, [path for path in files if path not in refused], rel, config_of)
    base_jobs: list[tuple[str, bytes | None, Config]] = [
        (path, bases[rel[path]], config_of[path]) for path in files if rel[path] in bases
    ]
    with_ruff = [job for job in jobs if job[2].ruff and _ruff_may_read(*job)]
    ruff = _Ruff(with_ruff, cache) if with_ruff else None
    analysed = analyse_stored(
        jobs + base_jobs,
        cache,
        facts=use_model,
        meanwhile=_model_loader(change, files[0], cache) if use_model and files else None,
    )
    by_path = {job[0]: result for job, result in zip(jobs, analysed[: len(jobs)], strict=True)}
    results = [refused.get(path) or by_path[path] for path in files]
    base_results = {job[0]: base for job, base in zip(base_jobs, analysed[len(jobs) :], strict=True) if base.ok}
    for result in results:
        if result.source is not None:
            result.source.path = result.path
    if ruff is not None:
        ruff.merge(results, {path: config for path, _, config in jobs})
    return results, base_results, ruff is None or not ruff.failed


def _model_loader(change: git.Change | None, first: str, cache: Cache) -> Callable[[], object]:
    """What starts the models while other processes analyse (:func:`quality_hooks.model.scoring.load_models`),
    for the repository that scoring will find: the change's, else the first file's."""

    def load() -> None:
        try:
            from quality_hooks.model.scoring import load_models
        except ImportError:  # the gate runs without a score; _score says why
            return
        load_models(change.root if change is not None else git.find_repo_root(first), change, cache)

    return load


def _read_staged(
    files: list[str], rel: dict[str, str], change: git.Change | None, config_of: dict[str, Config]
) -> tuple[dict[str, bytes], dict[str, FileResult]]:
    """The staged blobs within their size caps, and one-line results for the files that are not analysed
    (over the cap, or a symbolic link, as ``check`` and ``fix`` treat it: the link's text is not Python)."""
    refused: dict[str, FileResult] = {}
    if change is None or not change.staged:
        return {}, refused
    limits = {f":{rel[p]}": config_of[p].max_file_size for p in files}
    staged_blobs, oversized = git.read_small_blobs(change.root, list(limits), limits)
    for path in files:
        size = oversized.get(f":{rel[path]}")
        if size is not None:
            refused[path] = FileResult(path=path, error=str(too_big(path, size, config_of[path].max_file_size)))
        elif os.path.islink(path):
            refused[path] = FileResult(path=path, error=f"{path}: is a symbolic link, skipped")
    return staged_blobs, refused


def _read_bases(
    change: git.Change | None, files: list[str], rel: dict[str, str], config_of: dict[str, Config]
) -> dict[str, bytes]:
    """Base versions of ``files`` within their size caps (the largest cap among them bounds the read)."""
    if change is None or not files:
        return {}
    bases = change.read_base([rel[p] for p in files], max(config_of[p].max_file_size for p in files))
    return {
        rel[p]: bases[rel[p]] for p in files if rel[p] in bases and len(bases[rel[p]]) <= config_of[p].max_file_size
    }


def _ruff_may_read(path: str, raw: bytes | None, config: Config) -> bool:
    """Whether ruff may be given this file: in-memory content (already within its cap), or a regular file within it."""
    if raw is not None:
        return True
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size <= config.max_file_size


def _change_summary(file_change: FileChange) -> ChangeSummary:
    lines = None if file_change.changed_lines is None else len(file_change.changed_lines)
    return ChangeSummary(status=file_change.status, old_path=file_change.old_path, changed_lines=lines)


def _assign_scores(results: list[FileResult], bases: dict[str, FileResult], scores: dict[str, ModelScores]) -> None:
    for result in results:
        scored = scores.get(result.path)
        if scored is not None:
            result.score, result.whole_file_score = scored.score, scored.whole_file
        base = bases.get(result.path)
        if base is not None:
            base_score = scored.base if scored is not None else None
            result.base = BaseVersion(base.findings, base.functions, base.metrics, base_score)


def _apply_baselines(results: list[FileResult], config_of: dict[str, Config]) -> list[str]:
    """Each file's findings against the baseline of its own configuration; the stale entries."""
    notes: list[str] = []
    for (baseline_path, root), members in by_baseline(results, config_of.__getitem__).items():
        if os.path.exists(baseline_path):
            relpath = {r.path: git.repo_relative(r.path, root) for r in members}
            notes += Baseline.load(baseline_path).apply(members, relpath)
    return notes


def run_check(
    paths: Sequence[str],
    configs: ConfigFinder | Config,
    *,
    base: str | None = None,
    staged: bool = False,
    scope: str | None = None,
    use_baseline: bool = True,
    use_model: bool = True,
    cwd: str = ".",
    cache: Cache | None = None,
) -> CheckRun:
    """Analyse and judge; with ``base``/``staged`` only the change is judged.

    Each file is judged with its own configuration (``configs``; a single Config judges
    every file, like ``--config``); ``scope``, when given,
    overrides every configuration's. The run's reported scope is that of the configuration
    where the run starts (the first path, else ``cwd``). ``cache`` (default: none) keeps
    analyses between runs; with it or without it the results are the same.
    """
    cache = cache or Cache(None)
    if isinstance(configs, Config):
        configs = ConfigFinder(every=configs)
    change, root, files = _change_and_files(paths, configs, base, staged, cwd)
    config_of = {path: configs.for_path(path) for path in files}
    notes: list[str] = []
    rel = {path: git.repo_relative(path, root) for path in files}
    results, bases, complete = _analyse(files, rel, change, config_of, cache, use_model)
    _assign_scores(results, bases, _score(results, bases, change, notes, cache) if use_model else {})
    if use_baseline:
        notes += _apply_baselines(results, config_of)
    changes = {path: _file_change(change.files.get(rel[path])) for path in files} if change is not None else {}
    for result in results:
        config, file_change = config_of[result.path], changes.get(result.path)
        file_scope = (scope or config.gate.scope) if change is not None else "all"
        judgement = judge(result, config, file_change, file_scope)
        result.gate, result.improvements = judgement.verdict, judgement.improvements
        if file_change is not None:
            result.change = _change_summary(file_change)
    run_scope = (scope or configs.for_path(paths[0] if paths else cwd).gate.scope) if change is not None else "all"
    context = {
        "scope": run_scope,
        "base": base,
        "base_commit": change.base_commit if change else None,
        "staged": staged,
    }
    return CheckRun(
        results, overall(results), run_scope, context, notes, change, complete=complete, root=root, config_of=config_of
    )
