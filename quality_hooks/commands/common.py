"""Pieces every command shares: finding each file's configuration, and user-error handling."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:  # imported where used: a command's ``--help`` loads none of them
    from quality_hooks.cache import Cache
    from quality_hooks.config import ConfigFinder


def user_errors() -> tuple[type[Exception], ...]:
    """The exceptions that are the user's to fix (one line, exit 2), not ours."""
    from quality_hooks.baseline import BaselineError
    from quality_hooks.config import ConfigError
    from quality_hooks.git import GitError

    return (ConfigError, GitError, BaselineError)


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="pyproject.toml (or a TOML file with the table's keys) to use")


def add_cache_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where analyses are kept between runs (default: $QUALITY_HOOKS_CACHE_DIR, "
        "else $XDG_CACHE_HOME/quality-hooks, else ~/.cache/quality-hooks)",
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")


def open_cache(args: argparse.Namespace) -> Cache:
    """The cache ``--cache-dir`` / ``--no-cache`` ask for."""
    from quality_hooks.cache import Cache

    return Cache.open(args.cache_dir, enabled=not args.no_cache)


def config_finder(paths: Sequence[str], explicit: str | None) -> ConfigFinder:
    """Each file's own configuration, or ``--config FILE`` for all; outside git, defaults start at the first path."""
    from quality_hooks.config import ConfigFinder

    return ConfigFinder(explicit, start=paths[0] if paths else ".")


def run_guarded(prog: str, body: Callable[[], int]) -> int:
    """Turn user errors into one line on stderr and exit code 2, never a traceback.

    The error classes are looked up only when something was raised, so a run that needs no configuration
    (an unchanged rerun) never imports the configuration's code for them.
    """
    try:
        return body()
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if isinstance(exc, user_errors()):
            print(f"{prog}: {exc}", file=sys.stderr)
            return 2
        # A bug of ours: say so in one line, exit 2.
        if os.environ.get("QUALITY_HOOKS_DEBUG"):
            raise
        print(
            f"{prog}: internal error: {type(exc).__name__}: {exc} (set QUALITY_HOOKS_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 2


def exit_now(code: int) -> NoReturn:
    """Leave with ``code`` once stdout and stderr are flushed, without the interpreter's teardown.

    Freeing every module and object at exit cost the gate hook 60-70 ms of a 0.55 s warm 10-file
    commit (starlette, 2 cores), and a hook has nothing left to do by then: temporary folders are
    removed where they are made, cache entries are written atomically before the report, and no
    thread or ``atexit`` handler of ours is pending. Only the hooks' console scripts end this way;
    their ``main`` returns, so tests and callers in the same process keep their interpreter. A
    stdout that cannot be flushed (a closed pipe) exits 120, as Python itself does.
    """
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        code = code or 120
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        code = code or 120
    os._exit(code)
