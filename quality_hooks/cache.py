"""The persistent analysis cache: one small JSON file per entry, keyed by what decides its content.

Why: a commit hook re-judges the same content again and again (the base
version in HEAD of every changed file, a rerun after a failed gate), and each
analysis costs a LibCST parse. An entry's key is a hash of everything its
value depends on (the bytes, the effective settings for the path, the rules,
the tool's own code and the model's version), so a hit can never be stale and
nothing needs invalidating: a change of any input is a different key.

Where: ``--cache-dir``, else ``$QUALITY_HOOKS_CACHE_DIR``, else
``$XDG_CACHE_HOME/quality-hooks``, else ``~/.cache/quality-hooks``;
``--no-cache`` turns it off.

Safety: every write goes to a temporary file in the entry's folder and is
moved into place with :func:`os.replace`, so parallel pre-commit chunks
writing the same entry never leave a torn file. A read that finds a damaged
entry, or one written by another version of the format, ignores it (and the
run rewrites it). Size is bounded: when the entries exceed the limit
(default 256 MiB, ``QUALITY_HOOKS_CACHE_LIMIT`` bytes), the least recently
used are removed; a hit refreshes an entry's modification time, which is
what "recently used" means here.

Knowing the size without a scan: a scan of tens of thousands of entries costs
about a tenth of a second of CPU, as much as an unchanged rerun. So a run
adds what it wrote to an estimate of the total (``size-estimate``) and scans
only when the estimate goes over the limit, then prunes to
:data:`LOW_WATER` of it (so that the next scans are many runs away) and
writes the true total back. Parallel writers may lose an addition, and other
tools' files (ruff's own cache) are not counted, so the folder is also
scanned once a :data:`FULL_SCAN_SECONDS`, and whenever the estimate is
missing or unreadable (at most once a :data:`PRUNE_INTERVAL_SECONDS` then).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

#: Bump when the entry layout changes: older entries are then ignored (and pruned as they age).
FORMAT = 1
DEFAULT_LIMIT = 256 * 1024 * 1024
ENV_DIR = "QUALITY_HOOKS_CACHE_DIR"
ENV_LIMIT = "QUALITY_HOOKS_CACHE_LIMIT"
#: Entries live under this folder of the cache directory (other tools' files are never touched).
ENTRIES = f"v{FORMAT}"
#: Without a size estimate, the folder is scanned at most this often.
PRUNE_INTERVAL_SECONDS = 60.0
#: With one, it is scanned at least this often anyway (what the estimate cannot see).
FULL_SCAN_SECONDS = 24 * 3600.0
#: A scan over the limit prunes down to this share of it.
LOW_WATER = 0.9
_PRUNE_MARK = "last-prune"
_ESTIMATE = "size-estimate"
#: Third-party code whose version changes what an analysis finds.
ANALYSERS = ("libcst", "radon")


def default_directory() -> str:
    """``$QUALITY_HOOKS_CACHE_DIR``, else ``$XDG_CACHE_HOME/quality-hooks``, else ``~/.cache/quality-hooks``."""
    override = os.environ.get(ENV_DIR)
    if override:
        return os.path.abspath(os.path.expanduser(override))
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = xdg if xdg and os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "quality-hooks")


def size_limit() -> int:
    setting = os.environ.get(ENV_LIMIT, "")
    return int(setting) if setting.isdigit() else DEFAULT_LIMIT


def digest(*parts: object) -> str:
    """A stable hash of JSON-able parts (bytes hashed as they are): the key of an entry."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else json.dumps(part, sort_keys=True, default=str).encode()
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


def blob_id(data: bytes) -> str:
    """git's object id of ``data`` as a blob: staged and committed content share it, so HEAD's version is a hit."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def binary_stamp(path: str | None) -> list[object]:
    """An executable's path, size and modification time: its version, without running it."""
    if not path:
        return []
    try:
        info = os.stat(path)
    except OSError:
        return [path]
    return [path, info.st_size, info.st_mtime_ns]


@lru_cache(maxsize=1)
def code_version() -> str:
    """The tool's version and a fingerprint of its installed code (an editable checkout changes it on every edit)."""
    from quality_hooks import __version__

    package = os.path.dirname(os.path.abspath(__file__))
    start = len(package) + 1  # a path below the package, relative to it (``relpath`` cost a third of a rerun's key)
    stamps: list[tuple[str, int, int]] = []
    pending = [package]
    while pending:
        folder = pending.pop()
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                    pending.append(entry.path)
                elif entry.name.endswith((".py", ".json", ".onnx")):
                    info = entry.stat()
                    stamps.append((entry.path[start:], info.st_size, info.st_mtime_ns))
    return f"{__version__}-{digest(sorted(stamps))[:16]}"


@lru_cache(maxsize=1)
def analysers_version() -> list[object]:
    """Python's version and where/when the parser and radon were installed (no import, a few stat calls).

    Here rather than with the analyses: the unchanged rerun's key needs it without importing them.
    """
    stamps: list[object] = [list(sys.version_info[:3])]
    for name in ANALYSERS:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            stamps.append([name, origin, os.stat(origin).st_mtime_ns if origin else 0])
        except OSError:
            stamps.append([name, origin])
    return stamps


@dataclass
class CacheInfo:
    directory: str
    entries: int
    size: int
    limit: int


class Cache:
    """Entries by kind and key under ``directory``; a disabled cache (``directory=None``) misses and drops writes."""

    def __init__(self, directory: str | None, limit: int | None = None) -> None:
        self.directory = directory
        self.limit = size_limit() if limit is None else limit
        self.written = 0

    @classmethod
    def open(cls, directory: str | None = None, *, enabled: bool = True) -> Cache:
        """The cache a command uses: ``directory`` (``--cache-dir``) or the default; off with ``enabled=False``."""
        if not enabled:
            return cls(None)
        return cls(os.path.abspath(directory) if directory else default_directory())

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    def tool_folder(self, tool: str) -> str | None:
        """A folder among the entries for another tool's own cache (ruff's): bounded and cleared with them."""
        if self.directory is None:
            return None
        return os.path.join(self.directory, ENTRIES, f"{tool}-cache")

    def _path(self, kind: str, key: str) -> str:
        assert self.directory is not None
        return os.path.join(self.directory, ENTRIES, kind, key[:2], key + ".json")

    def get(self, kind: str, key: str) -> Any:
        """The value stored under ``kind``/``key``, or None (missing, damaged, or another format's)."""
        if self.directory is None:
            return None
        path = self._path(kind, key)
        try:
            with open(path, "rb") as handle:
                entry = json.loads(handle.read())
            if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
                return None
            with contextlib.suppress(OSError):  # "recently used", for pruning
                os.utime(path)
            return entry["value"]
        except (OSError, ValueError, KeyError, RecursionError):
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store atomically (temporary file + rename); an unwritable cache is silently skipped."""
        if self.directory is None:
            return
        path = self._path(kind, key)
        data = json.dumps({"format": FORMAT, "key": key, "value": value}, separators=(",", ":")).encode()
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(path))
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.remove(temporary)
                raise
        except OSError:
            return
        self.written += len(data)

    def _files(self) -> Iterator[tuple[str, int, float]]:
        """Every file under the entries folder: path, size, last use."""
        if self.directory is None:
            return
        pending = [os.path.join(self.directory, ENTRIES)]
        while pending:
            folder = pending.pop()
            with contextlib.suppress(OSError), os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    else:
                        with contextlib.suppress(OSError):
                            info = entry.stat(follow_symlinks=False)
                            yield entry.path, info.st_size, info.st_mtime

    def info(self) -> CacheInfo:
        files = list(self._files())
        return CacheInfo(self.directory or "", len(files), sum(size for _, size, _ in files), self.limit)

    def prune(self, limit: int | None = None) -> int:
        """Remove the least recently used entries until the total is at most ``limit``; how many were removed."""
        return self._prune(self.limit if limit is None else limit)[0]

    def _prune(self, limit: int, found: list[tuple[str, int, float]] | None = None) -> tuple[int, int]:
        """:meth:`prune` (of ``found``, the files a scan listed): how many were removed, and the total left."""
        files = sorted(self._files() if found is None else found, key=lambda item: item[2])
        total = sum(size for _, size, _ in files)
        removed = 0
        for path, size, _ in files:
            if total <= limit:
                break
            with contextlib.suppress(OSError):
                os.remove(path)
                removed += 1
            total -= size
        return removed, total

    def estimated_size(self) -> int | None:
        """The running estimate of the entries' total size (None: missing or unreadable)."""
        if self.directory is None:
            return None
        try:
            with open(os.path.join(self.directory, _ESTIMATE), "rb") as handle:
                text = handle.read(32).strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def _write_estimate(self, size: int) -> None:
        assert self.directory is not None
        target = os.path.join(self.directory, _ESTIMATE)
        with contextlib.suppress(OSError):
            handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=self.directory)
            with os.fdopen(handle, "w") as out:
                out.write(str(size))
            os.replace(temporary, target)

    def prune_if_due(self) -> None:
        """After a run that wrote entries: add them to the size estimate; scan and prune only when it is due.

        Due: the estimate is over the limit, or it is missing (then at most once a
        :data:`PRUNE_INTERVAL_SECONDS`), or the last scan is a :data:`FULL_SCAN_SECONDS` old.
        """
        if self.directory is None or not self.written:
            return
        mark = os.path.join(self.directory, _PRUNE_MARK)
        try:
            since = time.time() - os.path.getmtime(mark)
        except OSError:
            since = float("inf")
        estimate = self.estimated_size()
        if estimate is None:
            due = since >= PRUNE_INTERVAL_SECONDS
        else:
            due = estimate + self.written > self.limit or since >= FULL_SCAN_SECONDS
        if not due:
            if estimate is not None:
                self._write_estimate(estimate + self.written)
            return
        with contextlib.suppress(OSError), open(mark, "w"):
            pass
        files = list(self._files())
        total = sum(size for _, size, _ in files)
        if total > self.limit:
            total = self._prune(int(self.limit * LOW_WATER), files)[1]
        self._write_estimate(total)

    def clear(self) -> int:
        """Remove every entry (and only the entries); how many files were removed."""
        removed = 0
        for path, _, _ in list(self._files()):
            with contextlib.suppress(OSError):
                os.remove(path)
                removed += 1
        if self.directory is not None:
            with contextlib.suppress(OSError):
                os.remove(os.path.join(self.directory, _ESTIMATE))
            for folder, _, _ in sorted(os.walk(os.path.join(self.directory, ENTRIES)), reverse=True):
                with contextlib.suppress(OSError):
                    os.rmdir(folder)
        return removed
