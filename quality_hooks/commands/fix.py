"""``quality-hooks fix``: apply safe auto-fixes in place (or show them with --diff); unsafe ones on request."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter
from collections.abc import Sequence

from quality_hooks.commands.common import add_config_argument, config_finder, run_guarded
from quality_hooks.discover import expand_paths
from quality_hooks.source import SourceError, read_source, write_atomic


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
    """Fix each file on its own; one bad file never stops the others."""
    from quality_hooks.fix import fix_source  # LibCST: not for ``--help``

    changed = 0
    skipped: Counter[str] = Counter()
    configs = config_finder(paths, explicit_config)
    for path in expand_paths(paths, configs):
        file_config = configs.for_path(path)
        if unsafe_fixes:
            file_config = dataclasses.replace(file_config, unsafe_fixes=True)
        try:
            source = read_source(path, file_config.max_file_size)
        except SourceError as exc:
            print(exc, file=sys.stderr)
            continue
        outcome = fix_source(source, file_config)
        if outcome.error:
            print(outcome.error, file=sys.stderr)
            continue
        skipped.update(outcome.unsafe_skipped)
        for code in sorted(set(outcome.rejected)):
            print(f"{path}: a fix by {code} would break the code and was skipped", file=sys.stderr)
        if not outcome.changed:
            continue
        changed += 1
        if diff:
            sys.stdout.write(outcome.diff())
        else:
            try:
                write_atomic(source, outcome.fixed)
            except (OSError, UnicodeEncodeError) as exc:
                print(f"{path}: cannot write the fix: {exc}", file=sys.stderr)
                continue
            print(f"Fixing {path}")
    if skipped:
        counts = ", ".join(f"{code} x{n}" if n > 1 else code for code, n in sorted(skipped.items()))
        total = sum(skipped.values())
        print(f"{total} unsafe fixes not applied ({counts}): --unsafe-fixes applies them", file=sys.stderr)
    return 1 if changed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_intermixed_args(argv)
    return run_guarded("quality-hooks fix", lambda: fix_paths(args.paths, args.config, args.diff, args.unsafe_fixes))
