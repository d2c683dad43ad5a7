"""pre-commit hook ``quality-fix``: fix the files being committed; 1 when any changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from quality_hooks.commands.common import exit_now, run_guarded
from quality_hooks.commands.fix import build_parser, fix_paths


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser("quality-fix").parse_intermixed_args(argv)
    return run_guarded("quality-fix", lambda: fix_paths(args.paths, args.config, args.diff, args.unsafe_fixes))


def run() -> NoReturn:
    """The ``quality-fix`` console script: :func:`main`, then a quick exit (see ``exit_now``)."""
    exit_now(main())


if __name__ == "__main__":
    run()
