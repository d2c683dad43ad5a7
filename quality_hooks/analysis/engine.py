"""Analyse files: one read, one parse, one batched visit, then metrics.

This is the only place that reads and parses; everything downstream gets a
:class:`~quality_hooks.results.FileResult`.
"""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Callable, Iterator, Sequence
from typing import NoReturn

import libcst as cst
from libcst.metadata import MetadataWrapper

from quality_hooks.analysis.fix_policy import apply_fix_policy
from quality_hooks.analysis.limits import FileTimeout, deep_recursion, time_budget, timeout_message, too_deep
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
        with time_budget(config.file_timeout), deep_recursion():
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


#: Below this much source in all (bytes) one process: a fork and the results' trip back cost about what
#: analysing 5-10 KiB costs (measured on 2 cores), so one or two small files are judged faster in the
#: hook's own process. Above it, one process per this much work, up to the cores.
PARALLEL_MIN_BYTES = 16 * 1024

Job = tuple[str, bytes | None, Config]


#: What is done with a result where it was made, before it is sent back (storing it in the cache):
#: it returns the bytes it wrote. A module-level callable object, so that a pool can send it.
Keeper = Callable[[FileResult], int]
#: One file to analyse, its keeper, and whether to measure the models' facts where it is parsed.
Task = tuple[Job, Keeper | None, bool]


def _job(task: Task) -> tuple[FileResult, int]:
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
    jobs: Sequence[Job],
    keepers: Sequence[Keeper | None],
    *,
    facts: bool = False,
    meanwhile: Callable[[], object] | None = None,
) -> tuple[list[FileResult], int]:
    """:func:`analyse_many`, each result handed to its keeper where it is made; also the bytes they wrote.

    Each file is independent, so the work is spread over the CPU cores the way ruff
    does (when it is big enough to gain, :func:`worker_count`). A commit's handful of
    files is shared between this process and forked children (:func:`_shared_by_forks`);
    a whole tree goes through a pool. Results come back without their LibCST trees, and
    each process stores its own cache entries, so the parent does not encode and write
    them one by one afterwards. ``meanwhile`` (called once, whatever the path) is this
    process's other work, done while the children analyse: the pipeline loads the models.
    """
    workers = worker_count(jobs)
    tasks = [(job, keep, facts) for job, keep in zip(jobs, keepers, strict=True)]
    if workers <= 1:
        if meanwhile is not None:
            meanwhile()
        # One process keeps its trees, so the models' facts are measured later from them.
        done = [_job((job, keep, False)) for job, keep, _ in tasks]
    elif _can_fork() and len(tasks) <= SHARE_MAX_FILES and sum(map(job_size, jobs)) <= SHARE_MAX_BYTES:
        done = _shared_by_forks(tasks, workers, meanwhile)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method)) as pool:
            pending = pool.map(_job, tasks, chunksize=1)
            if meanwhile is not None:
                meanwhile()
            done = list(pending)
    return [result for result, _ in done], sum(written for _, written in done)


#: Up to this much work (all the files' bytes, and files), the files are shared between this process
#: and forked children; above it (a whole tree), a pool of workers analyses them.
SHARE_MAX_BYTES = 2 * 1024 * 1024
SHARE_MAX_FILES = 2048

_TOKEN = struct.Struct("<I")


def _can_fork() -> bool:
    import multiprocessing

    return hasattr(os, "fork") and multiprocessing.get_start_method(allow_none=True) in (None, "fork")


def _shared_by_forks(
    tasks: Sequence[Task], workers: int, meanwhile: Callable[[], object] | None
) -> list[tuple[FileResult, int]]:
    """The tasks shared between this process and ``workers - 1`` forked children, results in order.

    Cheaper than a pool for a commit's files: no executor and no message per file, and this
    process works too. It analyses its smallest file first, so the modules that the analysis
    imports on first use are loaded once, before the fork, not again in every child. The other
    files are handed out largest first through a pipe of 4-byte tokens, one per file, that every
    process reads from as it becomes free (a jobserver, as make's): whoever is busy elsewhere
    (this process, with ``meanwhile``) simply takes fewer. Each child pickles its results to a
    temporary file and leaves with ``os._exit``; a file whose child did not deliver (killed, out
    of memory) is analysed here, so none is lost.
    """
    import gc
    import tempfile

    sizes = [job_size(job) for job, _, _ in tasks]
    first = sizes.index(min(sizes))
    done: dict[int, tuple[FileResult, int]] = {first: _job((tasks[first][0], tasks[first][1], False))}
    if any(task[2] for task in tasks):
        from quality_hooks.model import static  # noqa: F401  (the children measure the models' facts)
    order = sorted((i for i in range(len(tasks)) if i != first), key=lambda i: -sizes[i])
    tokens, writer = os.pipe()
    os.write(writer, b"".join(_TOKEN.pack(i) for i in order))  # within a pipe's buffer (SHARE_MAX_FILES)
    os.close(writer)
    children: list[tuple[int, str]] = []
    gc.freeze()  # the children's collector then leaves the inherited objects' pages unshared-and-untouched
    try:
        for _ in range(workers - 1):
            handle, out = tempfile.mkstemp(prefix="quality-hooks-share-")
            pid = os.fork()
            if pid == 0:  # pragma: no cover - a child's coverage is not collected
                _child(tasks, tokens, handle)
            os.close(handle)
            children.append((pid, out))
    finally:
        gc.unfreeze()
    try:
        if meanwhile is not None:
            meanwhile()
        done.update((i, _job((tasks[i][0], tasks[i][1], False))) for i in _taken(tokens))
        for pid, out in children:
            done.update(_delivered(pid, out))
        done.update((i, _job(tasks[i])) for i in order if i not in done)  # what a lost child took
    finally:
        os.close(tokens)
        for pid, out in children:
            _reap(pid)
            with contextlib.suppress(OSError):
                os.unlink(out)
    return [done[i] for i in range(len(tasks))]


def _taken(tokens: int) -> Iterator[int]:
    """Task indices read from the token pipe until it is empty (a read of 4 bytes from a pipe is whole)."""
    while len(token := os.read(tokens, _TOKEN.size)) == _TOKEN.size:
        yield _TOKEN.unpack(token)[0]


def _child(tasks: Sequence[Task], tokens: int, handle: int) -> NoReturn:  # pragma: no cover - runs in a child
    import pickle
    import signal

    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        results = [(i, _job(tasks[i])) for i in _taken(tokens)]
        with os.fdopen(handle, "wb") as stream:
            pickle.dump(results, stream, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    finally:
        os._exit(status)


def _delivered(pid: int, out: str) -> list[tuple[int, tuple[FileResult, int]]]:
    """A child's results once it has exited cleanly; none when it did not."""
    import pickle

    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return []
    try:
        with open(out, "rb") as stream:
            results = pickle.load(stream)
    except (OSError, EOFError, pickle.UnpicklingError):
        return []
    return results if isinstance(results, list) else []


def _reap(pid: int) -> None:
    """Stop and wait for a child that is still running (this process was interrupted); quiet if it is gone."""
    import signal

    with contextlib.suppress(ChildProcessError, ProcessLookupError):
        if os.waitpid(pid, os.WNOHANG) == (0, 0):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


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
