"""Turn command-line paths into the Python files to analyse.

Directories are walked honouring ``.gitignore`` files and configured
excludes; explicitly named files are always taken (pre-commit already chose
them), so that a missing or odd path still gets its one-line error later.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # imported when a folder is walked: files named one by one (the hooks) never need it
    import pathspec


class Excludes(Protocol):
    """What decides which paths are left out: a :class:`~quality_hooks.config.Config`, or the
    :class:`~quality_hooks.config.ConfigFinder` that asks each path's own configuration."""

    def is_excluded(self, path: str) -> bool: ...


SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "node_modules",
    "build",
    "dist",
    ".eggs",
}


def _ignore_spec(directory: str) -> pathspec.PathSpec[pathspec.Pattern] | None:
    import pathspec

    path = os.path.join(directory, ".gitignore")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return pathspec.PathSpec.from_lines("gitwildmatch", handle)
    except OSError:
        return None


def walk_python_files(root: str, config: Excludes) -> Iterator[str]:
    """Every ``.py``/``.pyi`` file below ``root`` that git and the config do not ignore."""
    specs: list[tuple[str, pathspec.PathSpec[pathspec.Pattern]]] = []
    for directory, dirnames, filenames in os.walk(root):
        specs = [(base, spec) for base, spec in specs if directory == base or directory.startswith(base + os.sep)]
        spec = _ignore_spec(directory)
        if spec is not None:
            specs.append((directory, spec))

        def ignored(
            path: str, is_dir: bool, specs: list[tuple[str, pathspec.PathSpec[pathspec.Pattern]]] = specs
        ) -> bool:
            for base, spec in specs:
                rel = os.path.relpath(path, base).replace(os.sep, "/") + ("/" if is_dir else "")
                if spec.match_file(rel):
                    return True
            return config.is_excluded(path)

        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIP_DIRS and not ignored(os.path.join(directory, d), True)
        )
        for name in sorted(filenames):
            if name.endswith((".py", ".pyi")):
                path = os.path.join(directory, name)
                if not os.path.islink(path) and not ignored(path, False):
                    yield path


def expand_paths(paths: Sequence[str], config: Excludes) -> list[str]:
    """Files named directly are kept (unless excluded); directories are walked."""
    files: list[str] = []
    seen: set[str] = set()
    for path in paths:
        found = walk_python_files(path, config) if os.path.isdir(path) and not os.path.islink(path) else [path]
        for item in found:
            if os.path.isfile(item) and config.is_excluded(item):
                continue
            key = os.path.normpath(item)
            if key not in seen:
                seen.add(key)
                files.append(item)
    return files
