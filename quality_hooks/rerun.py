"""An unchanged rerun of the gate answers from the cache, without analysing, scoring or even importing LibCST.

The commit hook is rerun often with nothing changed (a commit retried after
fixing the message, ``pre-commit run`` twice). Its report is a function of its
inputs, so when every input is the same the stored report is the answer. The
key covers all of them, each cheaply:

* the command line (paths as given, format, options) and the folder it runs in;
* the repository: HEAD's commit, the index's entries (mode, blob id and path of
  every staged file, as ``git ls-files -s`` lists them: renames are detected
  across files; stat data that git refreshes is left out), whether the clone is shallow;
* each path's bytes on disk (untracked files are judged from disk);
* what decides each path's configuration, as :class:`~quality_hooks.config.ConfigFinder`
  reads it: every directory from the path's own up to the filesystem root, with
  its ``pyproject.toml``'s bytes and whether it holds a ``.git`` (where the
  defaults are rooted), and ``--config``'s file. That is more than the
  effective configuration (an unrelated edit of a ``pyproject.toml`` misses
  once), but it is read without parsing TOML or importing the configuration
  code, which cost more than the rest of the key;
* every baseline file those configurations name: a configuration decides which
  files, so their digests are kept in the entry, taken before the run, and
  compared when it is looked up;
* the code: :func:`quality_hooks.cache.code_version`, the analysers' and
  ruff's versions, the model files (bundled, ``$QUALITY_HOOKS_MODEL_DIR``, and
  the repository's ``.quality-hooks/`` local model).

Only the staged change of files named one by one, or of the whole index (the
hook's case), is answered this way: a ``--base`` range or a folder reads the
working tree, whose state has no single digest. A run whose
ruff failed is never stored (its report lacks what ruff would say).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from quality_hooks.cache import Cache, analysers_version, binary_stamp, blob_id, code_version, digest
from quality_hooks.git import GitError, git

if TYPE_CHECKING:
    from quality_hooks.config import ConfigFinder

KIND = "report"
#: The repository's local model folder (:data:`quality_hooks.model.scorer.LOCAL_DIR`).
LOCAL_MODEL_DIR = ".quality-hooks"


def model_dirs() -> list[str]:
    """Where models are read from (as :func:`quality_hooks.model.scorer.model_dirs`, without importing numpy)."""
    package = os.path.dirname(os.path.realpath(__file__))
    dirs = [os.path.join(package, "model", "data"), os.path.join(os.path.dirname(package), "models")]
    override = os.environ.get("QUALITY_HOOKS_MODEL_DIR")
    return [override, *dirs] if override else dirs


def _folder_stamps(folder: str) -> list[object]:
    stamps: list[object] = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.is_file():
                info = entry.stat()
                stamps.append([entry.name, info.st_size, info.st_mtime_ns])
    return stamps


def _file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def config_inputs(paths: Sequence[str], explicit: str | None) -> list[object]:
    """Everything the configuration of ``paths`` is made from, read as bytes (see the module docstring)."""
    folders: dict[str, list[object]] = {}
    for path in paths:
        directory = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
        while directory not in folders:
            folders[directory] = [_file_digest(os.path.join(directory, "pyproject.toml")),
                                  os.path.exists(os.path.join(directory, ".git"))]  # fmt: skip
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
    chosen = [explicit, os.path.abspath(explicit), _file_digest(explicit)] if explicit else None
    return [sorted(folders.items()), chosen]


def report_key(options: Sequence[object], paths: Sequence[str], explicit_config: str | None) -> str | None:
    """The key of a staged run's report, or None when the run cannot be answered from the cache."""
    from quality_hooks.ruff_binary import find_ruff

    if not all(os.path.isfile(path) for path in paths):
        return None
    try:
        answer = git(["rev-parse", "--show-toplevel", "--absolute-git-dir", "HEAD"], ".")
        top, git_dir, head = answer.decode("utf-8", errors="surrogateescape").splitlines()
        index = hashlib.sha256(git(["ls-files", "-s", "-z"], top)).hexdigest()
    except (GitError, ValueError):
        return None
    files: list[object] = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                content: str | None = blob_id(handle.read())
        except OSError:
            content = None
        files.append([path, os.path.abspath(path), content])
    models = [[folder, _folder_stamps(folder)] for folder in [*model_dirs(), os.path.join(top, LOCAL_MODEL_DIR)]]
    shallow = os.path.exists(os.path.join(git_dir, "shallow"))
    return digest(KIND, code_version(), analysers_version(), binary_stamp(find_ruff()), list(options),
                  os.path.abspath("."), top, head, index, shallow, files, config_inputs(paths, explicit_config),
                  models)  # fmt: skip


def baseline_stamps(paths: Sequence[str], configs: ConfigFinder) -> list[list[str | None]]:
    """Each baseline file the paths' configurations name, with its digest (None: none there), taken before a run."""
    baselines: dict[str, str | None] = {}
    for path in paths:
        config = configs.for_path(path)
        baseline = os.path.join(config.root, config.baseline)
        if baseline not in baselines:
            baselines[baseline] = _file_digest(baseline)
    return [[path, stamp] for path, stamp in sorted(baselines.items())]


def lookup(cache: Cache, key: str | None) -> tuple[str, bool] | None:
    """The stored report and verdict (passed or not), if this exact run was answered before, baselines alike."""
    if key is None:
        return None
    found: Any = cache.get(KIND, key)
    if not (isinstance(found, dict) and isinstance(found.get("output"), str) and isinstance(found.get("passed"), bool)):
        return None
    baselines = found.get("baselines")
    if not isinstance(baselines, list):
        return None
    for entry in baselines:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
            return None
        if _file_digest(entry[0]) != entry[1]:
            return None
    return found["output"], found["passed"]


def store(cache: Cache, key: str | None, output: str, passed: bool, baselines: list[list[str | None]]) -> None:
    """Keep a run's report; ``baselines`` from :func:`baseline_stamps` before the run."""
    if key is not None:
        cache.put(KIND, key, {"output": output, "passed": passed, "baselines": baselines})
