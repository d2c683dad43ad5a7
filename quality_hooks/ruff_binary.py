"""Which ruff binary runs: looked up without importing the analysis (an unchanged rerun's key names it).

:mod:`quality_hooks.analysis.ruff_runner` runs it and re-exports :func:`find_ruff`.
"""

from __future__ import annotations

import os
import shutil
import sys
from functools import lru_cache

#: Set to a ruff executable to use instead of the one installed with ours.
RUFF_ENV = "QUALITY_HOOKS_RUFF"


def find_ruff() -> str | None:
    """The ruff binary: $QUALITY_HOOKS_RUFF, the ``ruff`` package's, or next to Python."""
    override = os.environ.get(RUFF_ENV)
    if override:
        return override
    return _installed_ruff()


@lru_cache(maxsize=1)
def _installed_ruff() -> str | None:
    """The installed binary, looked up once per process (the ``ruff`` package asks sysconfig, which is slow)."""
    try:
        from ruff import find_ruff_bin

        return os.fsdecode(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        pass
    beside = os.path.join(os.path.dirname(sys.executable), "ruff" + (".exe" if os.name == "nt" else ""))
    return beside if os.path.isfile(beside) else shutil.which("ruff")
