"""One ``ruff check`` subprocess for all files, running while we analyse.

ruff runs with ``--isolated``: what it reports is decided by
``[tool.quality-hooks] ruff-select / ruff-ignore`` alone, so a project's own
``[tool.ruff]`` settings cannot silently change (or empty) the findings the
gates see, and the result is the same wherever the hook runs. We never apply
ruff's fixes; ``fixable`` only says that ruff has one.

If ruff is missing, a one-line warning goes to stderr and the run continues
without ruff findings. If ruff fails on a batch (it crashed, overflowed its
stack, timed out or printed garbage), the batch is split and rerun until the
files it fails on are found: each of those gets one line, every other file
keeps its ruff findings.

ruff's work is bounded like ours: a batch may use ``file-timeout`` plus
:data:`CPU_PER_FILE` seconds per file of CPU (all its threads, read from
``/proc``), then it is killed and isolated as above. A valid 160 KB file (a
99-deep ``if`` nest around one line of 20,000 statements, which ruff's
collapsible-if check re-renders at every level) took ruff 58 s of CPU and
785 MB; near ``max-file-size`` it would take over ten minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from quality_hooks.results import FileResult, Finding, Severity
from quality_hooks.ruff_binary import RUFF_ENV as RUFF_ENV
from quality_hooks.ruff_binary import find_ruff as find_ruff
from quality_hooks.source import SourceError, read_source

if TYPE_CHECKING:  # the unchanged rerun looks ruff up without reading any configuration
    from quality_hooks.config import Config

#: Codes that mean the code cannot run or is certainly broken.
ERROR_PREFIXES = ("E9", "F63", "F7", "F82")
#: Diagnostics we leave to our own reader and parser (which name the problem once).
SKIPPED_CODES = frozenset({"invalid-syntax", "E902"})
TIMEOUT_SECONDS = 600
#: CPU seconds a batch may use per file on top of ``file-timeout`` (ruff needs a few ms per file).
CPU_PER_FILE = 0.1
#: How often a running ruff's CPU time is read.
POLL_SECONDS = 0.2


def command_budget() -> int:
    """Bytes of file arguments one command line may carry on this system."""
    if os.name == "nt":
        return 30_000
    try:
        limit = os.sysconf("SC_ARG_MAX")
    except (AttributeError, ValueError, OSError):
        limit = 128 * 1024
    environment = sum(len(k) + len(v) + 2 for k, v in os.environ.items())
    return max(16 * 1024, min(limit // 2, limit - environment - 16 * 1024))


def chunk_paths(paths: Sequence[str], budget: int) -> list[list[str]]:
    """Split paths into as few argument lists as fit ``budget`` bytes (one when they fit)."""
    chunks: list[list[str]] = [[]]
    used = 0
    for path in paths:
        size = len(os.fsencode(path)) + 1
        if chunks[-1] and used + size > budget:
            chunks.append([])
            used = 0
        chunks[-1].append(path)
        used += size
    return chunks


def severity_for(code: str) -> Severity:
    return Severity.ERROR if code.startswith(ERROR_PREFIXES) else Severity.WARNING


def warn(message: str) -> None:
    print(f"quality-hooks: warning: {message}; ruff findings skipped", file=sys.stderr)


def warn_file(path: str, reason: str) -> None:
    """The one line a file gets when ruff failed on it (the other files keep their ruff findings)."""
    print(f"quality-hooks: warning: {path}: {reason}; ruff findings for this file skipped", file=sys.stderr)


class RuffFailure(Exception):
    """ruff failed on a batch of files; ``str()`` says how."""


@dataclass
class RuffRun:
    """ruff processes started by :meth:`start`; :meth:`results` waits for them."""

    paths: list[str]
    processes: list[tuple[subprocess.Popen[bytes], list[str]]] = field(default_factory=list)
    failed: bool = False
    command: list[str] = field(default_factory=list)
    #: Files ruff failed on (path as given -> why), found by rerunning failed batches in halves.
    failures: dict[str, str] = field(default_factory=dict)
    #: ``file-timeout``: a batch's CPU budget is this plus :data:`CPU_PER_FILE` per file (None: unbounded).
    file_timeout: float | None = None

    @classmethod
    def start(
        cls, paths: Sequence[str], config: Config, executable: str | None = None, *, cache_dir: str | None = None
    ) -> RuffRun:
        """Launch ruff now (normally one process) and return without waiting.

        With ``cache_dir`` ruff keeps its own cache, as ruff does, in ``$RUFF_CACHE_DIR`` when the user
        set it, else in ``cache_dir`` (a folder of our cache: not a ``.ruff_cache`` left in the
        repository or wherever the check ran); without it, ``--no-cache``.
        """
        run = cls(paths=list(paths), file_timeout=config.file_timeout)
        binary = executable or find_ruff()
        if not run.paths:
            return run
        if binary is None:
            warn("ruff not found (install the 'ruff' package)")
            run.failed = True
            return run
        command = [binary, "check", "--output-format", "json", "--exit-zero", "--isolated"]
        if cache_dir is None:
            command.append("--no-cache")
        elif not os.environ.get("RUFF_CACHE_DIR"):
            command += ["--cache-dir", cache_dir]
        if config.ruff_select:
            command += ["--select", ",".join(config.ruff_select)]
        if config.ruff_ignore:
            command += ["--ignore", ",".join(config.ruff_ignore)]
        if config.python_target:
            command += ["--target-version", config.python_target]
        run.command = command
        budget = command_budget() - sum(len(part) + 1 for part in command)
        for chunk in chunk_paths(run.paths, budget):
            try:
                run.processes.append((run._launch(chunk), chunk))
            except OSError as exc:
                warn(f"cannot run ruff {binary!r}: {exc.strerror or exc}")
                run.stop()
                run.failed = True
                return run
        return run

    def _budget(self, chunk: Sequence[str]) -> float | None:
        """CPU seconds ruff may use on ``chunk`` (None when ``file-timeout`` is off)."""
        if not self.file_timeout or self.file_timeout <= 0:
            return None
        return self.file_timeout + CPU_PER_FILE * len(chunk)

    def _launch(self, chunk: Sequence[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [*self.command, "--", *chunk],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def stop(self) -> None:
        for process, _ in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        self.processes = []

    def results(self, texts: Mapping[str, str] | None = None) -> dict[str, list[Finding]]:
        """Findings by absolute path, suppression comments honoured; :attr:`failures` names files ruff failed on.

        ``texts`` maps absolute paths to already-decoded source (the engine
        has it); files missing from it are read again for fingerprints and
        ``# quality: ignore[...]`` comments.
        """
        diagnostics: list[dict[str, Any]] = []
        for process, chunk in self.processes:
            try:
                diagnostics += _collect(process, self._budget(chunk))
            except RuffFailure as exc:
                diagnostics += self._isolate(chunk, str(exc))
        self.processes = []
        return self._findings(diagnostics, texts or {})

    def _isolate(self, chunk: list[str], reason: str) -> list[dict[str, Any]]:
        """Rerun a failed batch in halves until each failing file is alone; the others' diagnostics."""
        if len(chunk) == 1:
            self.failures[chunk[0]] = reason
            return []
        found: list[dict[str, Any]] = []
        middle = len(chunk) // 2
        for half in (chunk[:middle], chunk[middle:]):
            try:
                found += _collect(self._launch(half), self._budget(half))
            except OSError as exc:
                found += self._isolate(half, f"cannot run ruff: {exc.strerror or exc}")
            except RuffFailure as exc:
                found += self._isolate(half, str(exc))
        return found

    def _findings(self, diagnostics: list[dict[str, Any]], texts: Mapping[str, str]) -> dict[str, list[Finding]]:
        # Here, not at the top: a run whose ruff findings all come from the cache never loads LibCST.
        from quality_hooks.analysis.rules.runner import fingerprint, is_suppressed, suppressions

        canonical = {}
        for path in self.paths:
            absolute = os.path.abspath(path)
            canonical[absolute] = absolute
            canonical.setdefault(os.path.realpath(path), absolute)
        by_path: dict[str, list[Finding]] = {}
        for item in diagnostics:
            code = item.get("code")
            if not code or code in SKIPPED_CODES:
                continue
            filename = os.path.abspath(str(item.get("filename", "")))
            path = canonical.get(filename) or canonical.get(os.path.realpath(filename), filename)
            finding = _finding(item, code)
            if finding is not None:
                by_path.setdefault(path, []).append(finding)
        for path, findings in by_path.items():
            text = texts.get(path)
            if text is None:
                text = _read(path)
            table = suppressions(text)
            lines = text.splitlines()
            kept = [f for f in findings if not is_suppressed(table, f.code, f.line)]
            for finding in kept:
                finding.fingerprint = fingerprint(finding.code, lines, finding.line, finding.end_line)
            kept.sort(key=lambda f: (f.line, f.column, f.code))
            by_path[path] = kept
        return {path: findings for path, findings in by_path.items() if findings}


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system, all threads) of a running process, from ``/proc``; None where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, AttributeError):
        return None


def _communicate(process: subprocess.Popen[bytes], cpu_budget: float | None) -> tuple[bytes, bytes]:
    """Wait for ruff's output, killing it past ``cpu_budget`` CPU seconds or :data:`TIMEOUT_SECONDS` of wall."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        wait = min(POLL_SECONDS if cpu_budget is not None else TIMEOUT_SECONDS, deadline - time.monotonic())
        try:
            return process.communicate(timeout=max(wait, 0.01))
        except subprocess.TimeoutExpired:
            pass  # retrying communicate() loses no output
        used = cpu_seconds(process.pid) if cpu_budget is not None else None
        over_cpu = used is not None and cpu_budget is not None and used > cpu_budget
        if over_cpu or time.monotonic() >= deadline:
            process.kill()
            process.communicate()
            if over_cpu:
                raise RuffFailure(f"ruff took more than {cpu_budget:g} s of CPU (file-timeout)")
            raise RuffFailure(f"ruff did not finish within {TIMEOUT_SECONDS}s")


def _collect(process: subprocess.Popen[bytes], cpu_budget: float | None = None) -> list[dict[str, Any]]:
    """One ruff process's diagnostics; :class:`RuffFailure` when it did not finish cleanly or within budget."""
    out, err = _communicate(process, cpu_budget)
    if process.returncode != 0:
        lines = [line.strip() for line in err.decode(errors="replace").splitlines() if line.strip()]
        detail = next((line for line in lines if "overflow" in line or "panicked" in line), lines[0] if lines else "")
        raise RuffFailure(f"ruff exited with status {process.returncode}" + (f": {detail}" if detail else ""))
    try:
        data = json.loads(out or b"[]")
    except ValueError:
        raise RuffFailure("ruff printed output that is not JSON") from None
    if not isinstance(data, list):
        raise RuffFailure("ruff printed unexpected JSON")
    return [item for item in data if isinstance(item, dict)]


def _finding(item: Mapping[str, Any], code: str) -> Finding | None:
    start, end = item.get("location") or {}, item.get("end_location") or {}
    try:
        line, column = int(start["row"]), int(start["column"])
        end_line, end_column = int(end.get("row", line)), int(end.get("column", column))
    except (KeyError, TypeError, ValueError):
        return None
    return Finding(
        code=code,
        message=str(item.get("message", "")),
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        severity=severity_for(code),
        fixable=bool(item.get("fix")),
        source="ruff",
    )


def _read(path: str) -> str:
    try:
        return read_source(path).text
    except SourceError:
        return ""


def merge_ruff(
    results: Iterable[FileResult],
    by_path: Mapping[str, list[Finding]],
    dedupe_for: Callable[[str], bool] = lambda _: True,
) -> None:
    """Fold ruff's diagnostics (by absolute path) into each file's findings, keeping line order.

    Where ``dedupe_for(path)`` (the file's ``dedupe`` setting), a ruff finding and ours for the
    same problem at the same place become one (:mod:`quality_hooks.analysis.dedupe`).
    """
    from quality_hooks.analysis.dedupe import dedupe

    for result in results:
        extra = by_path.get(os.path.abspath(result.path), [])
        if extra and result.ok:
            merged = sorted([*result.findings, *extra], key=lambda f: (f.line, f.column, f.code))
            result.findings = dedupe(merged) if dedupe_for(result.path) else merged
