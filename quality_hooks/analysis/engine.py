"""Analyse files: one read, one parse, one batched visit, then metrics.

This is the only place that reads and parses; everything downstream gets a
:class:`~quality_hooks.results.FileResult`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper

from quality_hooks.analysis.fix_policy import apply_fix_policy
from quality_hooks.analysis.limits import FileTimeout, time_budget, timeout_message, too_deep
from quality_hooks.analysis.metrics.functions import FunctionCollector
from quality_hooks.analysis.metrics.radon_metrics import measure_text
from quality_hooks.analysis.parse import parse_module
from quality_hooks.analysis.rules.runner import RuleRun, run_rules
from quality_hooks.analysis.selection import enabled_rules
from quality_hooks.config import Config
from quality_hooks.results import FileResult
from quality_hooks.source import SourceError, SourceFile, decode_source, read_source


def analyse_source(source: SourceFile, config: Config, display_path: str | None = None) -> FileResult:
    """Analyse decoded source (from disk or from git) into a FileResult, within the file's time budget."""
    path = display_path or source.path
    result = FileResult(path=path, source=source)
    try:
        with time_budget(config.file_timeout):
            _analyse_guarded(source, config, path, result)
    except FileTimeout:
        result.error = timeout_message(path, config.file_timeout)
    return result


def _analyse_guarded(source: SourceFile, config: Config, path: str, result: FileResult) -> None:
    try:
        module = parse_module(path, source.text)
    except SourceError as exc:
        result.error = str(exc)
        return
    try:
        run_analysis(module, source.text, config, source.path, result)
    except (RecursionError, MemoryError):
        result.error = str(too_deep(path))
    except Exception as exc:  # one file's analysis bug must not stop the others
        if os.environ.get("QUALITY_HOOKS_DEBUG"):
            raise
        result.error = f"{path}: internal error while analysing: {type(exc).__name__}: {exc}"


def run_analysis(module: cst.Module, text: str, config: Config, path: str, result: FileResult) -> RuleRun:
    """radon's file metrics, then the single batched visit: rules + function metrics."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    rules, severities = enabled_rules(config, path)
    metrics, cyclomatic = measure_text(text)
    collector = FunctionCollector(cyclomatic)
    run = run_rules(wrapper, rules, path, text, severities, collector, config.external_suppressions)
    apply_fix_policy(run.findings, config)
    functions = [m.metrics for m in collector.measured]
    metrics.functions = len(functions)
    metrics.classes = collector.classes
    metrics.cognitive_total = sum(f.cognitive for f in functions)
    metrics.cognitive_max = max((f.cognitive for f in functions), default=0)
    metrics.cyclomatic_max = max((f.cyclomatic for f in functions), default=metrics.cyclomatic_max)
    result.metrics = metrics
    result.functions = functions
    result.findings = run.findings
    return run


def analyse_file(path: str, config: Config) -> FileResult:
    """Read and analyse one file; problems become ``FileResult.error``."""
    try:
        source = read_source(path, config.max_file_size)
    except SourceError as exc:
        return FileResult(path=path, error=str(exc))
    return analyse_source(source, config)


def analyse_bytes(path: str, raw: bytes, config: Config) -> FileResult:
    """Analyse content that is not on disk (a git blob, a staged version)."""
    try:
        source = decode_source(path, raw)
    except SourceError as exc:
        return FileResult(path=path, error=str(exc))
    return analyse_source(source, config)


#: Below this much source in all (bytes) one process: forking workers and sending results back cost
#: about what analysing 10-20 KiB costs (measured on 2 cores), so a handful of small files is judged
#: faster in the hook's own process. Above it, one worker per this much work, up to the cores.
PARALLEL_MIN_BYTES = 32 * 1024

Job = tuple[str, bytes | None, Config]


#: What is done with a result where it was made, before it is sent back (storing it in the cache):
#: it returns the bytes it wrote. A module-level callable object, so that a pool can send it.
Keeper = Callable[[FileResult], int]


def _job(task: tuple[Job, Keeper | None, bool]) -> tuple[FileResult, int]:
    """Analyse (in a worker or not) and keep; the result holds no LibCST tree, which would be costly to send back.

    With ``facts`` the models' static facts are measured too, from the tree this process just parsed
    (:mod:`quality_hooks.analysis.trees`): the parent would otherwise parse every text again to score it.
    """
    (path, raw, config), keep, facts = task
    result = analyse_file(path, config) if raw is None else analyse_bytes(path, raw, config)
    if facts and result.ok and result.source is not None:
        from quality_hooks.model.static import static_facts

        result.facts = static_facts(result.source.text)
    return result, keep(result) if keep is not None else 0


def job_size(job: Job) -> int:
    """The bytes a job analyses (its content, or the file's size on disk)."""
    path, raw, _ = job
    if raw is not None:
        return len(raw)
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def worker_count(jobs: Sequence[Job]) -> int:
    """Processes to analyse ``jobs`` with: in proportion to the work, one for a handful of small files."""
    setting = os.environ.get("QUALITY_HOOKS_JOBS")
    if setting and setting.isdigit():
        return max(1, int(setting))
    work = sum(job_size(job) for job in jobs)
    if len(jobs) < 2 or work < PARALLEL_MIN_BYTES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, len(jobs), work // PARALLEL_MIN_BYTES))


def analyse_many(jobs: Sequence[Job]) -> list[FileResult]:
    """Analyse files (from disk, or given bytes), each with its own config, across CPU cores; results in input order."""
    return analyse_and_keep(jobs, [None] * len(jobs))[0]


def analyse_and_keep(
    jobs: Sequence[Job], keepers: Sequence[Keeper | None], *, facts: bool = False
) -> tuple[list[FileResult], int]:
    """:func:`analyse_many`, each result handed to its keeper where it is made; also the bytes they wrote.

    Each file is independent, so a pool of processes scales with cores the way
    ruff does (when the work is big enough to gain, :func:`worker_count`); results
    come back without their LibCST trees, and each worker stores its own cache
    entries, so the parent does not encode and write them one by one afterwards.
    """
    workers = worker_count(jobs)
    # Measured where the parse is: in a worker; one process keeps its trees for the model anyway.
    tasks = [(job, keep, facts and workers > 1) for job, keep in zip(jobs, keepers, strict=True)]
    if workers <= 1:
        done = [_job(task) for task in tasks]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method)) as pool:
            done = list(pool.map(_job, tasks, chunksize=1))
    return [result for result, _ in done], sum(written for _, written in done)


def analyse_paths(paths: Sequence[str], config: Config, *, with_ruff: bool | None = None) -> list[FileResult]:
    """Analyse many files; ruff runs once for all of them, alongside."""
    from quality_hooks.analysis.ruff_runner import RuffRun, merge_ruff, warn_file

    use_ruff = config.ruff if with_ruff is None else with_ruff
    ruff = RuffRun.start(paths, config) if use_ruff and paths else None
    results = analyse_many([(path, None, config) for path in paths])
    if ruff is not None:
        merge_ruff(results, ruff.results(), lambda _: config.dedupe)
        for path, reason in ruff.failures.items():
            warn_file(path, reason)
    return results
