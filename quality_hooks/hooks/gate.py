"""pre-commit hook ``quality-gate``: judge the staged change in the files passed.

Each file is judged on its own, so the verdict does not depend on how
pre-commit splits the file list. Outside a git repository (or with
``--scope all``) every finding counts.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import NoReturn

from quality_hooks.commands.check import build_parser, check_and_report
from quality_hooks.commands.common import exit_now, run_guarded


def execute(args: argparse.Namespace) -> int:
    """``check`` on the files passed, with the change the hook judges: the staged one, or CI's range."""
    from quality_hooks.git import GitError, repo_root

    if not args.paths:
        return 0
    # `pre-commit run --from-ref A --to-ref B` (how CI runs hooks) judges A...B.
    base = args.base or os.environ.get("PRE_COMMIT_FROM_REF") or None
    staged = base is None
    if staged:
        try:
            repo_root(".")
        except GitError:
            staged = False
    return check_and_report(args, args.paths, base, staged)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser("quality-gate").parse_intermixed_args(argv)
    return run_guarded("quality-gate", lambda: execute(args))


def run() -> NoReturn:
    """The ``quality-gate`` console script: :func:`main`, then a quick exit (see ``exit_now``)."""
    exit_now(main())


if __name__ == "__main__":
    run()
