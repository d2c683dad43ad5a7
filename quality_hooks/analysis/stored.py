"""File analyses kept in the persistent cache: the engine runs only on content it has not judged before.

An entry holds what :func:`quality_hooks.analysis.engine.analyse_source`
produces for one version of one file (findings, function and file metrics, or
the one-line error), keyed by the content's git blob id, the path (rules and
messages read it), the file's effective configuration and the code's version
(:func:`quality_hooks.cache.code_version` plus the parser's and radon's). The
base version in HEAD of a changed file has the blob id its staged version had
when it was committed, so it is analysed once, ever. Restored results equal
fresh ones field for field; a test compares the JSON reports byte for byte.

The engine (and LibCST with it) is imported only when something misses.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quality_hooks.cache import Cache, analysers_version, blob_id, code_version, digest
from quality_hooks.config import Config
from quality_hooks.results import FileMetrics, FileResult, Finding, FunctionMetrics, Severity
from quality_hooks.source import SourceError, SourceFile, decode_source, read_source

if TYPE_CHECKING:
    from quality_hooks.analysis.engine import Job

KIND = "analysis"


def config_digest(config: Config) -> str:
    """Every setting of a configuration (the per-path overrides included; the key adds the path)."""
    return digest(dataclasses.asdict(config))


def analysis_key(path: str, raw: bytes, settings: str) -> str:
    """The entry of one version of one file, judged with the configuration whose digest is ``settings``."""
    return digest(KIND, code_version(), analysers_version(), path, os.path.abspath(path), blob_id(raw),
                  settings)  # fmt: skip


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def record(value: Any) -> dict[str, Any]:
    """``dataclasses.asdict`` for a flat record (scalar fields, lists of scalars) without its deep copies.

    The analysis records are flat, and ``asdict``'s recursion cost more than the rest of storing them.
    """
    names = _FIELD_NAMES.get(type(value))
    if names is None:
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    fields = {name: getattr(value, name) for name in names}
    return {name: list(item) if isinstance(item, list) else item for name, item in fields.items()}


def to_entry(result: FileResult) -> dict[str, Any]:
    return {
        "error": result.error,
        "metrics": record(result.metrics) if result.metrics is not None else None,
        "functions": [record(f) for f in result.functions],
        "findings": [record(f) for f in result.findings],
    }


def finding_from(data: dict[str, Any]) -> Finding:
    return Finding(**{**data, "severity": Severity(data["severity"])})


def from_entry(path: str, source: SourceFile | None, entry: dict[str, Any]) -> FileResult:
    metrics = entry["metrics"]
    return FileResult(
        path=path,
        source=source,
        metrics=FileMetrics(**metrics) if metrics is not None else None,
        functions=[FunctionMetrics(**f) for f in entry["functions"]],
        findings=[finding_from(f) for f in entry["findings"]],
        error=entry["error"],
    )


def _source(job: Job) -> SourceFile | None:
    """The content a job judges, read as the engine reads it; None when the engine must say why it cannot."""
    path, raw, config = job
    try:
        return read_source(path, config.max_file_size) if raw is None else decode_source(path, raw)
    except SourceError:
        return None


def analyse_stored(
    jobs: Sequence[Job], cache: Cache, *, facts: bool = False, meanwhile: Callable[[], object] | None = None
) -> list[FileResult]:
    """:func:`~quality_hooks.analysis.engine.analyse_many` through the cache: results in input order.

    ``facts``: the run will score with the models, whose static facts a pool worker measures best.
    ``meanwhile`` is called once: while other processes analyse, when there are any.
    """
    results: list[FileResult | None] = [None] * len(jobs)
    keys: dict[int, str] = {}
    settings: dict[int, str] = {}  # per configuration object: files of one folder share one
    if cache.enabled:
        for index, job in enumerate(jobs):
            source = _source(job)
            if source is None:
                continue
            config = job[2]
            if id(config) not in settings:
                settings[id(config)] = config_digest(config)
            keys[index] = analysis_key(job[0], source.raw, settings[id(config)])
            entry = cache.get(KIND, keys[index])
            if entry is not None:
                try:
                    results[index] = from_entry(job[0], source, entry)
                except (KeyError, TypeError, ValueError):
                    results[index] = None  # another layout: analysed again and rewritten
    todo = [index for index, found in enumerate(results) if found is None]
    if todo:
        from quality_hooks.analysis.engine import analyse_and_keep

        directory = cache.directory
        keepers = [Keep(directory, keys[i]) if directory is not None and i in keys else None for i in todo]
        analysed, written = analyse_and_keep([jobs[i] for i in todo], keepers, facts=facts, meanwhile=meanwhile)
        cache.written += written
        for index, result in zip(todo, analysed, strict=True):
            results[index] = result
    elif meanwhile is not None:
        meanwhile()
    return [result for result in results if result is not None]


@dataclass(frozen=True)
class Keep:
    """Stores one analysis under its key, in the process that made it (a pool worker sends this along)."""

    directory: str
    key: str

    def __call__(self, result: FileResult) -> int:
        from quality_hooks.analysis.limits import is_timeout

        if is_timeout(result.error):  # a timeout says how busy the machine was, not what the file holds
            return 0
        cache = Cache(self.directory)
        cache.put(KIND, self.key, to_entry(result))
        return cache.written
