"""``quality-hooks fix``: apply safe auto-fixes in place (or show them with --diff); unsafe ones on request."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from quality_hooks.commands.common import add_config_argument, config_finder, run_guarded

if TYPE_CHECKING:  # imported where used: ``--help`` loads none of them
    from quality_hooks.config import Config


def build_parser(prog: str = "quality-hooks fix") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Apply every safe auto-fix to the files given.")
    parser.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    parser.add_argument("--diff", action="store_true", help="print a unified diff and write nothing")
    parser.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="also apply fixes classed unsafe (they may change behaviour or line numbers; see `rules`)",
    )
    add_config_argument(parser)
    return parser


def fix_paths(paths: Sequence[str], explicit_config: str | None, diff: bool, unsafe_fixes: bool = False) -> int:
    """Fix each file on its own; one bad file never stops the others.

    Every file's configuration is read before any file is written, so a broken
    pyproject.toml stops the run (exit 2) before it has touched anything. Exit 1
    when a file was changed, or could not be read, parsed or written.
    """
    from quality_hooks.discover import expand_paths

    configs = config_finder(paths, explicit_config)
    jobs = [(path, configs.for_path(path)) for path in expand_paths(paths, configs)]
    skipped: Counter[str] = Counter()
    failed = changed = 0
    for path, file_config in jobs:
        if unsafe_fixes:
            file_config = dataclasses.replace(file_config, unsafe_fixes=True)
        try:
            status = _fix_one(path, file_config, diff, skipped)
        except Exception as exc:  # a bug of ours on one file: say so, carry on with the others
            if os.environ.get("QUALITY_HOOKS_DEBUG"):
                raise
            print(f"{path}: internal error while fixing: {type(exc).__name__}: {exc}", file=sys.stderr)
            status = "failed"
        failed += status == "failed"
        changed += status == "changed"
    if skipped:
        counts = ", ".join(f"{code} x{n}" if n > 1 else code for code, n in sorted(skipped.items()))
        total = sum(skipped.values())
        print(f"{total} unsafe fixes not applied ({counts}): --unsafe-fixes applies them", file=sys.stderr)
    return 1 if changed or failed else 0


def _fix_one(path: str, config: Config, diff: bool, skipped: Counter[str]) -> str:
    """Fix one file: ``changed``, ``unchanged`` or ``failed`` (the reason is printed)."""
    from quality_hooks.fix import fix_source  # LibCST: not for ``--help``
    from quality_hooks.source import SourceError, read_source, write_atomic

    try:
        source = read_source(path, config.max_file_size)
    except SourceError as exc:
        print(exc, file=sys.stderr)
        return "failed"
    outcome = fix_source(source, config)
    if outcome.error:
        print(outcome.error, file=sys.stderr)
        return "failed"
    skipped.update(outcome.unsafe_skipped)
    for code in sorted(set(outcome.rejected)):
        print(f"{path}: a fix by {code} would break the code and was skipped", file=sys.stderr)
    if not outcome.changed:
        return "unchanged"
    if diff:
        sys.stdout.write(outcome.diff())
        return "changed"
    try:
        write_atomic(source, outcome.fixed)
    except (OSError, UnicodeEncodeError) as exc:
        print(f"{path}: cannot write the fix: {exc}", file=sys.stderr)
        return "failed"
    print(f"Fixing {path}")
    return "changed"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_intermixed_args(argv)
    return run_guarded("quality-hooks fix", lambda: fix_paths(args.paths, args.config, args.diff, args.unsafe_fixes))
